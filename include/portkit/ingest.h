/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_INGEST_H
#define PORTKIT_INGEST_H

/*
 * A registry made from a source file's bytes: IANA's CSV, IANA's XML, or a portkit registry
 * image, told apart by their content. The records are read strictly (the first malformed
 * one stops the read and is named), built by the library's one builder into a registry
 * image, and opened through the image's verifier: what portkit update writes to the
 * database and portkit diff compares.
 */
#include <stddef.h>
#include <stdint.h>

#include "portkit/common.h"
#include "portkit/registry.h"

PK_BEGIN_DECLS

/* The largest source read, in bytes. */
#define PK_INGEST_MAX ((size_t)64 << 20)

/* pk_ingest() flags: the registry built carries the project's notes and popularity prior of
 * the built-in registry (IANA's files have neither). */
#define PK_INGEST_NOTES 1u

struct pk_ingest {
    const struct pk_registry *reg; /* the registry built, verified */
    const void *image;             /* its image (what a database file holds) */
    size_t image_len;
};

/*
 * Reads the len bytes at buf (not kept; no alignment needed) and builds their registry.
 * source names it in the image's header (a URL or a path); the image's date is the source's
 * own. Returns 0 with *out (free with pk_ingest_free()), or PK_EBADMSG with the first
 * malformed line ("line 12: ...") or what else is wrong in why (cap bytes), PK_EMSGSIZE past
 * PK_INGEST_MAX bytes, PK_ERANGE past the builder's bounds, PK_ENOMEM.
 */
PK_API int pk_ingest(const void *buf, size_t len, const char *source, unsigned flags,
                     struct pk_ingest *out, char *why, size_t cap);

/* Frees what pk_ingest() made; *in is zeroed. */
PK_API void pk_ingest_free(struct pk_ingest *in);

/*
 * A sum of reg's notes and popularity prior: what pk_ingest() with PK_INGEST_NOTES copies
 * from the built-in registry. A database whose build had another sum lacks this build's
 * notes.
 */
PK_API uint64_t pk_registry_notes_sum(const struct pk_registry *reg);

PK_END_DECLS

#endif
