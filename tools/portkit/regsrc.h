/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_REGSRC_H
#define PORTKIT_REGSRC_H

/*
 * A registry made from a source file's bytes (IANA's CSV or XML, or a registry image, told
 * apart by content) with the library's readers and its one builder: what portkit update
 * writes and portkit diff compares.
 */
#include <stdbool.h>
#include <stddef.h>

#include "ingest.h"
#include "portkit/registry.h"

#define REGSRC_FILE_MAX ((size_t)PK__SOURCE_MAX)

struct regsrc {
    char *buf; /* the source (8-byte aligned, NUL after len bytes); owned */
    size_t len;
    struct pk__source src;
    void *img; /* the image built */
    size_t imglen;
    const struct pk_registry *reg; /* opened from img, verified */
};

/*
 * Reads the file at path (at most max bytes) into a buffer fit for regsrc_build(). Returns
 * 0 with *buf and *len, or -errno / PK_EMSGSIZE with why (cap bytes) saying what failed.
 */
int regsrc_read_file(const char *path, size_t max, char **buf, size_t *len, char *why, size_t cap);

/* Allocates a buffer for len source bytes as regsrc_build() wants it. NULL when out of
 * memory. */
char *regsrc_alloc(size_t len);

/*
 * Reads r->buf (r->len bytes), builds the registry image of its records, with the
 * project's notes and popularity prior from the built-in registry when notes is set, and
 * opens it through the verifier. source and date name it in the image's header (date ""
 * takes the source's own). Returns 0, or a negative pk_errno with why: the first malformed
 * line, or what the builder or the verifier said.
 */
int regsrc_build(struct regsrc *r, const char *source, bool notes, char *why, size_t cap);

/* Frees all of r. */
void regsrc_free(struct regsrc *r);

#endif
