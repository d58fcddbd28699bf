/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_REGISTRY_IMAGE_H
#define PORTKIT_REGISTRY_IMAGE_H

/*
 * The registry image: the tables of struct pk_registry laid out in one block of bytes, so
 * that a registry can be written to a file, mapped read-only and used in place. The built-in
 * snapshot is made by the same builder (tools/gen/pk-embed emits its tables as C).
 *
 * Layout: a fixed header, then ten sections, each 8-byte aligned, in native byte order
 * (the header's byte-order mark rejects an image from a machine of the other order):
 *
 *   pool    strings, NUL-terminated, deduplicated; offset 0 is ""
 *   recs    struct pk__rec[nrecs]
 *   ports   struct pk__port[65537]: the per-port index
 *   refs    uint32_t[nrefs]: record ids, per port and protocol, assignments first
 *   nrefs   uint32_t[nnrefs]: the ids of the wide notes (PK__NOTE_WIDE), narrowest first
 *   names   uint32_t[nnames]: record ids by lowercased name
 *   notes   struct pk__note[nnotes], by first port
 *   search  the lowercased search text
 *   soff    uint32_t[nrecs + nnotes + 1]: where each entity's search text starts
 *   prior   struct pk__prior[nprior]: the popularity prior, by port
 *
 * The checksum covers every byte but its own eight. It detects damage (a truncated copy, a
 * flipped bit), not tampering: an image is as trusted as the directory it lives in.
 */
#include <stdint.h>

#include "registry_int.h"

#define PK__IMAGE_MAGIC "PKREGIMG"
#define PK__IMAGE_VERSION 3u /* 2: the checksum of image.c's lanes of 64-bit words;
                               * 3: a port's records as a start and four counts, its
                               * notes found by first port, the wide ones listed */
#define PK__IMAGE_BOM 0x01020304u
#define PK__IMAGE_MAX (256u << 20) /* largest image accepted */

enum {
    PK__SEC_POOL,
    PK__SEC_RECS,
    PK__SEC_PORTS,
    PK__SEC_REFS,
    PK__SEC_NREFS,
    PK__SEC_NAMES,
    PK__SEC_NOTES,
    PK__SEC_SEARCH,
    PK__SEC_SOFF,
    PK__SEC_PRIOR,
    PK__SEC_COUNT
};

struct pk__image_hdr {
    char magic[8];
    uint32_t version;
    uint32_t bom;
    uint64_t size;     /* of the whole image */
    uint64_t checksum; /* pk__image_sum() of the image with these 8 bytes zero */
    uint32_t nrecs, nnotes, nnames, nrefs, nnrefs;
    uint32_t pool_len, search_len;
    uint32_t source, date, built; /* pool offsets of the metadata strings */
    uint32_t nprior;
    uint32_t reserved[3]; /* zero */
    struct {
        uint64_t off, len;
    } sec[PK__SEC_COUNT];
};

/* The checksum of an image: a 64-bit hash over n bytes, skipping the checksum field. */
uint64_t pk__image_sum(const void *image, size_t n);

/*
 * Checks every bound of the image at data (len bytes, 8-byte aligned) and fills *reg with
 * pointers into it. Returns 0, or PK_EBADMSG with *why pointing at a short static phrase.
 */
int pk__image_view(const void *data, size_t len, struct pk_registry *reg, const char **why);

#endif
