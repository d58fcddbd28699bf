/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_WEB_ASSETS_H
#define PORTKIT_WEB_ASSETS_H

/*
 * The web server's assets, compiled into the binary by tools/gen/pk-webgen from web/static/
 * (served at /static/NAME) and web/templates/ (page layouts). Each table ends with an entry
 * whose name is NULL.
 */
#include <stddef.h>

struct web_asset {
    const char *name; /* the file's base name: "style.css" */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;              /* data[len] is a NUL byte, so a template is a C string */
    const unsigned char *gz; /* the gzip variant, or NULL when it would not be smaller */
    size_t gzlen;
    const char *etag; /* quoted: "\"0123456789abcdef\"" */
};

extern const struct web_asset web_statics[];
extern const struct web_asset web_templates[];
extern const size_t web_nstatics, web_ntemplates;

#endif
