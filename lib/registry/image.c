/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registry images: the checksum, the verifier, and opening one from memory or a file (mapped
 * read-only). Nothing in an image is trusted before every bound has been checked here; after
 * that the lookups of registry.c use it as they use the built-in tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "portkit/error.h"

#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull

static inline uint64_t
rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t
load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t
lane(uint64_t h, uint64_t w)
{
    return rotl(h + w * P2, 31) * P1;
}

uint64_t
pk__image_sum(const void *image, size_t n)
{
    const unsigned char *p = image;
    const size_t skip = offsetof(struct pk__image_hdr, checksum);
    uint64_t h[8] = {P1 + P2, P2, 0, (uint64_t)0 - P1, P3, P1, P2 + P3, (uint64_t)0 - P3};
    /* Eight independent lanes over 64-byte blocks from just past the checksum field: the
     * multiplications overlap, so the sum runs at memory speed. */
    size_t i = skip + 8 < n ? skip + 8 : n;
    for (; i + 64 <= n; i += 64)
        for (int k = 0; k < 8; k++)
            h[k] = lane(h[k], load64(p + i + 8 * (size_t)k));
    uint64_t acc = rotl(h[0], 1) + rotl(h[1], 7) + rotl(h[2], 12) + rotl(h[3], 18) +
                   rotl(h[4], 23) + rotl(h[5], 27) + rotl(h[6], 33) + rotl(h[7], 39);
    for (; i + 8 <= n; i += 8)
        acc = lane(acc, load64(p + i));
    for (; i < n; i++)
        acc = rotl(acc ^ (p[i] * P3), 11) * P1;
    /* The bytes before the checksum field. */
    for (size_t k = 0; k + 8 <= skip && k + 8 <= n; k += 8)
        acc = lane(acc, load64(p + k));
    acc ^= (uint64_t)n * P3;
    acc ^= acc >> 33;
    acc *= P2;
    acc ^= acc >> 29;
    return acc;
}

/* Points *why at msg. Returns PK_EBADMSG. */
static int
bad(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return PK_EBADMSG;
}

/* True when every one of the n ids is below limit. */
static bool
ids_below(const uint32_t *ids, size_t n, uint32_t limit)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= ids[i] >= limit;
    return !bad;
}

int
pk__image_view(const void *data, size_t len, struct pk_registry *reg, const char **why)
{
    const unsigned char *base = data;
    struct pk__image_hdr h;
    if (len < sizeof(h))
        return bad(why, "shorter than an image header");
    if ((uintptr_t)data % 8 != 0)
        return bad(why, "not 8-byte aligned in memory");
    memcpy(&h, base, sizeof(h));
    if (memcmp(h.magic, PK__IMAGE_MAGIC, 8) != 0)
        return bad(why, "not a portkit registry image");
    if (h.bom != PK__IMAGE_BOM)
        return bad(why, "made on a machine of the other byte order");
    if (h.version != PK__IMAGE_VERSION)
        return bad(why, "an image format this version does not read");
    if (h.size != len || len > PK__IMAGE_MAX)
        return bad(why, "truncated or with bytes past its end");
    if (pk__image_sum(base, len) != h.checksum)
        return bad(why, "checksum mismatch (damaged)");

    /* Every section inside the image, aligned, and as long as its count says. */
    const uint64_t want[PK__SEC_COUNT] = {
        [PK__SEC_POOL] = h.pool_len,
        [PK__SEC_RECS] = (uint64_t)h.nrecs * sizeof(struct pk__rec),
        [PK__SEC_PORTS] = (uint64_t)PK__NPORTS * sizeof(struct pk__port),
        [PK__SEC_REFS] = (uint64_t)h.nrefs * 4,
        [PK__SEC_NREFS] = (uint64_t)h.nnrefs * 4,
        [PK__SEC_NAMES] = (uint64_t)h.nnames * 4,
        [PK__SEC_NOTES] = (uint64_t)h.nnotes * sizeof(struct pk__note),
        [PK__SEC_SEARCH] = h.search_len,
        [PK__SEC_SOFF] = ((uint64_t)h.nrecs + h.nnotes + 1) * 4,
        [PK__SEC_PRIOR] = (uint64_t)h.nprior * sizeof(struct pk__prior),
    };
    for (int s = 0; s < PK__SEC_COUNT; s++) {
        uint64_t off = h.sec[s].off, n = h.sec[s].len;
        if (off < sizeof(h) || off % 8 != 0 || off > len || n > len - off || n != want[s])
            return bad(why, "a section lies outside the image or has the wrong size");
    }
    if (h.nnames > h.nrecs || h.pool_len == 0)
        return bad(why, "inconsistent counts");
    const char *pool = (const char *)base + h.sec[PK__SEC_POOL].off;
    const struct pk__rec *recs = (const void *)(base + h.sec[PK__SEC_RECS].off);
    const struct pk__port *ports = (const void *)(base + h.sec[PK__SEC_PORTS].off);
    const uint32_t *refs = (const void *)(base + h.sec[PK__SEC_REFS].off);
    const uint32_t *nrefs = (const void *)(base + h.sec[PK__SEC_NREFS].off);
    const uint32_t *names = (const void *)(base + h.sec[PK__SEC_NAMES].off);
    const struct pk__note *notes = (const void *)(base + h.sec[PK__SEC_NOTES].off);
    const char *search = (const char *)base + h.sec[PK__SEC_SEARCH].off;
    const uint32_t *soff = (const void *)(base + h.sec[PK__SEC_SOFF].off);
    const struct pk__prior *prior = (const void *)(base + h.sec[PK__SEC_PRIOR].off);

    if (pool[0] != '\0' || pool[h.pool_len - 1] != '\0')
        return bad(why, "string pool not terminated");
    if (h.source >= h.pool_len || h.date >= h.pool_len || h.built >= h.pool_len)
        return bad(why, "metadata outside the string pool");
    for (uint32_t i = 0; i < h.nrecs; i++) {
        const struct pk__rec *r = &recs[i];
        for (int k = 0; k < PK__S_COUNT; k++)
            if (r->str[k] >= h.pool_len)
                return bad(why, "a record's text lies outside the string pool");
        if (r->lo > r->hi || r->status > PK_ASSIGNED || (r->proto & (r->proto - 1)) ||
            r->proto > PK_DCCP || (r->flags & ~(unsigned)(PK_REC_NOPORT | PK_REC_RANGE)))
            return bad(why, "a record has impossible fields");
    }
    for (uint32_t i = 0; i < h.nnotes; i++) {
        const struct pk__note *n = &notes[i];
        if (n->text >= h.pool_len || n->source >= h.pool_len || n->lo > n->hi || !n->protos ||
            (n->protos & ~(unsigned)PK_PROTO_ALL) || n->kind > PK_NOTE_ABUSE ||
            (i > 0 && notes[i - 1].lo > n->lo))
            return bad(why, "a note has impossible fields");
    }
    /* The index: every start within bounds and in order, so each range is well-formed. */
    uint32_t prev = 0, nprev = 0;
    for (uint32_t port = 0; port < PK__NPORTS; port++) {
        for (int k = 0; k < PK_NPROTO; k++) {
            if (ports[port].rec[k] < prev || ports[port].rec[k] > h.nrefs)
                return bad(why, "the port index is out of order");
            prev = ports[port].rec[k];
        }
        if (ports[port].note < nprev || ports[port].note > h.nnrefs)
            return bad(why, "the notes index is out of order");
        nprev = ports[port].note;
    }
    if (prev != h.nrefs || nprev != h.nnrefs)
        return bad(why, "the index does not cover its tables");
    if (!ids_below(refs, h.nrefs, h.nrecs) || !ids_below(nrefs, h.nnrefs, h.nnotes) ||
        !ids_below(names, h.nnames, h.nrecs))
        return bad(why, "an index entry names no record");
    /* Search text: offsets in order, the text NUL-terminated. The search reads each field
     * within its entity's bounds, so nothing more is needed for safety. */
    if (soff[0] != 0 || soff[h.nrecs + h.nnotes] != h.search_len ||
        (h.search_len && search[h.search_len - 1] != '\0'))
        return bad(why, "search offsets do not cover the search text");
    uint32_t disorder = 0;
    for (uint32_t e = 0; e < h.nrecs + h.nnotes; e++)
        disorder |= soff[e + 1] < soff[e];
    if (disorder)
        return bad(why, "malformed search text");

    for (uint32_t i = 0; i < h.nprior; i++)
        if (!prior[i].protos || (prior[i].protos & ~(unsigned)PK_PROTO_ALL) || !prior[i].weight ||
            prior[i].weight > 100 || (i > 0 && prior[i - 1].port > prior[i].port))
            return bad(why, "a popularity entry has impossible fields");

    memset(reg, 0, sizeof(*reg));
    reg->prior = prior;
    reg->nprior = h.nprior;
    reg->format = h.version;
    reg->source = pool + h.source;
    reg->date = pool + h.date;
    reg->built = pool + h.built;
    reg->pool = pool;
    reg->pool_len = h.pool_len;
    reg->recs = recs;
    reg->nrecs = h.nrecs;
    reg->ports = ports;
    reg->refs = refs;
    reg->refs_n = h.nrefs;
    reg->nrefs = nrefs;
    reg->nrefs_n = h.nnrefs;
    reg->names = names;
    reg->nnames = h.nnames;
    reg->notes = notes;
    reg->nnotes = h.nnotes;
    reg->search = search;
    reg->search_len = h.search_len;
    reg->soff = soff;
    return 0;
}

int
pk_registry_from_image(const void *data, size_t len, const struct pk_registry **out,
                       const char **why)
{
    struct pk_registry *reg = malloc(sizeof(*reg));
    if (!reg)
        return PK_ENOMEM;
    int rc = pk__image_view(data, len, reg, why);
    if (rc < 0) {
        free(reg);
        return rc;
    }
    *out = reg;
    return 0;
}

int
pk_registry_open(const char *path, const struct pk_registry **out, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = 0;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > PK__IMAGE_MAX) {
        rc = bad(why, S_ISREG(st.st_mode) ? "empty or larger than an image can be"
                                          : "not a regular file");
        goto out;
    }
    /* Populated at once: the checksum reads every page anyway, and one pass of the kernel
     * costs less than a fault per page. */
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
        rc = -errno;
        goto out;
    }
    struct pk_registry *reg = malloc(sizeof(*reg));
    if (!reg) {
        rc = PK_ENOMEM;
        goto out;
    }
    rc = pk__image_view(map, (size_t)st.st_size, reg, why);
    if (rc < 0) {
        free(reg);
        goto out;
    }
    reg->map = map;
    reg->maplen = (size_t)st.st_size;
    reg->mapped = true;
    map = MAP_FAILED;
    *out = reg;
out:
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    close(fd);
    return rc;
}

void
pk_registry_close(const struct pk_registry *reg)
{
    if (!reg || reg->builtin)
        return;
    struct pk_registry *r = (struct pk_registry *)reg;
    if (r->mapped)
        munmap(r->map, r->maplen);
    free(r);
}

void
pk_registry_info(const struct pk_registry *reg, struct pk_registry_info *out)
{
    out->format = reg->format;
    out->builtin = reg->builtin;
    out->source = reg->source ? reg->source : "";
    out->date = reg->date ? reg->date : "";
    out->built = reg->built ? reg->built : "";
    out->records = reg->nrecs;
    out->notes = reg->nnotes;
}
