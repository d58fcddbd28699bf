/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_REGISTRY_INT_H
#define PORTKIT_REGISTRY_INT_H

/*
 * The in-memory form of a registry, shared by lib/registry.c and the tables that
 * tools/gen/pk-embed.c generates at build time. Strings are offsets into one pool, so the
 * tables need no relocations and cost nothing at start-up.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/registry.h"

enum {
    PK__S_SERVICE,
    PK__S_DESCRIPTION,
    PK__S_ASSIGNEE,
    PK__S_CONTACT,
    PK__S_REGISTERED,
    PK__S_MODIFIED,
    PK__S_REFERENCE,
    PK__S_SERVICE_CODE,
    PK__S_UNAUTHORIZED,
    PK__S_NOTES,
    PK__S_AS_OF, /* the date of the columns past name and description, "" when current */
    PK__S_COUNT
};

struct pk__rec {
    uint32_t str[PK__S_COUNT]; /* offsets into pool; 0 is the empty string */
    uint16_t lo;
    uint16_t hi;
    uint8_t proto; /* one pk_proto bit, or 0 when IANA named none */
    uint8_t status;
    uint8_t flags;
    uint8_t pad;
};

struct pk__note {
    uint32_t text;
    uint32_t source; /* pool offset of the source ("rfc:7194") */
    uint16_t lo;
    uint16_t hi;
    uint8_t protos;
    uint8_t kind;
    uint16_t pad;
};

/*
 * Per-port index, one entry per port plus a sentinel, so that one lookup touches one cache
 * line: rec is where the port's records start in refs, stored protocol after protocol, n[k]
 * records of protocol index k (pk__port_rec()), and the next port's rec follows. A port's
 * notes are found in notes[] by first port (a narrow note starts at most PK__NOTE_WIDE - 1
 * ports before it) and in nrefs, the list of the wide ones.
 */
struct pk__port {
    uint32_t rec;
    uint8_t n[PK_NPROTO];
};

/* Where the records of protocol index k of port entry e start in refs. */
static inline uint32_t
pk__port_rec(const struct pk__port *e, unsigned k)
{
    uint32_t at = e->rec;
    for (unsigned i = 0; i < k; i++)
        at += e->n[i];
    return at;
}

#define PK__NPORTS 65537u

/* Notes over this many ports or more (the dynamic range, a kernel's ephemeral range) are
 * listed in nrefs, narrowest first; the others are found by their first port. */
#define PK__NOTE_WIDE 256u

/* One entry of the project's popularity prior (data/everyday.txt): how often people meet
 * a port, 1-100; sorted by port. */
struct pk__prior {
    uint16_t port;
    uint8_t protos;
    uint8_t weight;
};

struct pk_registry {
    /* Where the data came from, for pk_registry_info(): strings in the pool. */
    const char *source;
    const char *date;
    const char *built;
    unsigned format; /* image format version */
    bool builtin;
    /* An opened image: what to unmap or free on close (NULL for the built-in one). */
    void *map;
    size_t maplen;
    bool mapped; /* map came from mmap() (else from the caller: nothing to free) */

    const char *pool;
    uint32_t pool_len;
    const struct pk__rec *recs;
    uint32_t nrecs;
    /* The records covering a port for a protocol, assignments first, and the notes
     * covering a port, in note order: see struct pk__port. */
    const struct pk__port *ports;
    const uint32_t *refs;
    const uint32_t *nrefs;
    /* Ids of the records with a service name, sorted by ASCII-lowercased name, then id. */
    const uint32_t *names;
    uint32_t nnames;
    const struct pk__note *notes; /* sorted by first port */
    uint32_t nnotes;
    /* Search text: for record i, lowercased service, description and notes, each ended by
     * NUL, at search[soff[i]]; for note j, its lowercased text at search[soff[nrecs + j]].
     * soff has nrecs + nnotes + 1 entries; the last is the total length. */
    const char *search;
    const uint32_t *soff;
    const struct pk__prior *prior; /* sorted by port */
    uint32_t nprior;
    uint32_t refs_n;  /* entries in refs */
    uint32_t nrefs_n; /* entries in nrefs */
    uint32_t search_len;
};

/* The first note whose first port is lo or above (nnotes when none). */
static inline uint32_t
pk__notes_from(const struct pk_registry *reg, unsigned lo)
{
    uint32_t a = 0, b = reg->nnotes;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (reg->notes[m].lo < lo)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

extern const struct pk_registry pk__builtin_registry;

#endif
