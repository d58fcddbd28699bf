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

#include "portkit/ingest.h"
#include "portkit/registry.h"

#define REGSRC_FILE_MAX PK_INGEST_MAX

struct regsrc {
    char *buf; /* the source's bytes (malloc'd; owned) */
    size_t len;
    struct pk_ingest in; /* the registry built: in.reg, in.image */
};

/*
 * Reads the file at path (at most max bytes). Returns 0 with *buf (malloc'd) and *len, or
 * -errno / PK_EMSGSIZE with why (cap bytes) saying what failed.
 */
int regsrc_read_file(const char *path, size_t max, char **buf, size_t *len, char *why, size_t cap);

/*
 * Builds the registry of r->buf (r->len bytes) with pk_ingest(), with the project's notes
 * and popularity prior when notes is set. Returns 0, or a negative pk_errno with why.
 */
int regsrc_build(struct regsrc *r, const char *source, bool notes, char *why, size_t cap);

/* Frees all of r. */
void regsrc_free(struct regsrc *r);

#endif
