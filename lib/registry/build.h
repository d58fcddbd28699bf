/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_REGISTRY_BUILD_H
#define PORTKIT_REGISTRY_BUILD_H

/*
 * The one builder of registry images: from records and notes in memory (read from the
 * project's TSV at build time, or from IANA's CSV or XML by portkit update) to the bytes of an
 * image (image.h). The embedded snapshot is an image made here whose tables pk-embed writes
 * out as C.
 */
#include <stddef.h>

#include "registry_int.h"

/* One record: its twelve IANA columns (PK__S_* order; never NULL) and what they mean. */
struct pk__build_rec {
    const char *str[PK__S_COUNT];
    unsigned lo, hi;
    unsigned proto; /* one pk_proto bit, or 0 when IANA names none */
    unsigned status;
    unsigned flags; /* PK_REC_* */
};

/* One note of the project's notes file. */
struct pk__build_note {
    const char *text;
    const char *source; /* "rfc:7194", "vendor", ...; never NULL */
    unsigned lo, hi;
    unsigned protos;
    unsigned kind;
};

/* One entry of the popularity prior. */
struct pk__build_prior {
    unsigned port;
    unsigned protos;
    unsigned weight; /* 1-100 */
};

/* What the image says of itself (strings, "" when unknown). */
struct pk__build_meta {
    const char *source;
    const char *date;
    const char *built;
};

#define PK__BUILD_RECS_MAX 500000u
#define PK__BUILD_NOTES_MAX 100000u

/*
 * Builds the image of recs, notes and the popularity prior (in any order: records keep
 * theirs, notes and prior entries are sorted by first port, stably). Returns 0 and *image (malloc'd, 8-byte aligned; free() it) of *len
 * bytes, PK_EINVAL for a record or note with impossible fields, PK_ERANGE when the tables
 * would pass their limits, or PK_ENOMEM.
 */
int pk__registry_build(const struct pk__build_rec *recs, size_t nrecs,
                       const struct pk__build_note *notes, size_t nnotes,
                       const struct pk__build_prior *prior, size_t nprior,
                       const struct pk__build_meta *meta, void **image, size_t *len);

#endif
