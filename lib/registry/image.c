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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull
#define P32 0x9e3779b1ull
#define STRIPE 64
#define STRIPES_PER_BLOCK 16

/* The keys the eight lanes mix their words with: before each product, and at each
 * scramble. Odd 64-bit constants, no structure shared with the data. */
static const uint64_t key[8] = {
    0xbe4ba423396cfeb8ull, 0x1cad21f72c81017cull, 0xdb979083e96dd4deull, 0x1f67b3b7a4a44072ull,
    0x78e5c0cc4ee679cbull, 0x2172ffcc7dd05a82ull, 0x8e2443f7744608b8ull, 0x4c263a81e69035e0ull,
};
static const uint64_t key2[8] = {
    0xcb00c391bb52283cull, 0xa32e531b8b65d088ull, 0x4ef90da297486471ull, 0xd8acdea946ef1938ull,
    0x3f349ce33f76faa8ull, 0x1d4f0bc7c7bbdcf9ull, 0x3159b4cd4be0518aull, 0x647378d9c97e9fc8ull,
};

static inline uint64_t
rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

#if !defined(__SSE2__)
static inline uint64_t
load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
#endif

/*
 * The lanes' work on nstripes stripes of 64 bytes at p, a scramble after every block of
 * STRIPES_PER_BLOCK. Each lane takes one 64-bit word a stripe: its neighbour lane adds the
 * word, and it adds the product of the two halves of the word mixed with its key (the
 * accumulation of XXH3, public domain), so a changed byte changes a product and a sum.
 * The SSE2 form (every x86-64) and the portable one give the same sums.
 */
static void
accumulate(uint64_t acc[8], const unsigned char *p, size_t nstripes, size_t *done)
{
    size_t idx = *done;
#if defined(__SSE2__)
    /* Written out lane pair by lane pair, so that all twelve vectors stay in registers. */
#define LOADV(at) _mm_loadu_si128((const __m128i *)(const void *)(at))
#define STEP(a, kk, off)                                                                           \
    do {                                                                                           \
        __m128i d = LOADV(p + (off)), dk = _mm_xor_si128(d, kk);                                   \
        __m128i prod = _mm_mul_epu32(dk, _mm_srli_epi64(dk, 32));                                  \
        a = _mm_add_epi64(a, _mm_add_epi64(prod, _mm_shuffle_epi32(d, 0x4e)));                     \
    } while (0)
#define SCRAMBLE(a, kk)                                                                            \
    do {                                                                                           \
        __m128i x = _mm_xor_si128(_mm_xor_si128(a, _mm_srli_epi64(a, 47)), kk);                    \
        a = _mm_add_epi64(_mm_mul_epu32(x, prime),                                                 \
                          _mm_slli_epi64(_mm_mul_epu32(_mm_srli_epi64(x, 32), prime), 32));        \
    } while (0)
    const __m128i prime = _mm_set1_epi32((int)P32);
    __m128i a0 = LOADV(acc), a1 = LOADV(acc + 2), a2 = LOADV(acc + 4), a3 = LOADV(acc + 6);
    const __m128i k0 = LOADV(key), k1 = LOADV(key + 2), k2 = LOADV(key + 4), k3 = LOADV(key + 6);
    for (size_t s = 0; s < nstripes; s++, p += STRIPE) {
        STEP(a0, k0, 0);
        STEP(a1, k1, 16);
        STEP(a2, k2, 32);
        STEP(a3, k3, 48);
        if (++idx % STRIPES_PER_BLOCK == 0) {
            SCRAMBLE(a0, LOADV(key2));
            SCRAMBLE(a1, LOADV(key2 + 2));
            SCRAMBLE(a2, LOADV(key2 + 4));
            SCRAMBLE(a3, LOADV(key2 + 6));
        }
    }
    _mm_storeu_si128((__m128i *)(void *)acc, a0);
    _mm_storeu_si128((__m128i *)(void *)(acc + 2), a1);
    _mm_storeu_si128((__m128i *)(void *)(acc + 4), a2);
    _mm_storeu_si128((__m128i *)(void *)(acc + 6), a3);
#undef STEP
#undef SCRAMBLE
#undef LOADV
#else
    for (size_t s = 0; s < nstripes; s++, p += STRIPE) {
        for (int l = 0; l < 8; l++) {
            uint64_t d = load64(p + 8 * l), dk = d ^ key[l];
            acc[l ^ 1] += d;
            acc[l] += (dk & 0xffffffffu) * (dk >> 32);
        }
        if (++idx % STRIPES_PER_BLOCK == 0)
            for (int l = 0; l < 8; l++)
                acc[l] = ((acc[l] ^ (acc[l] >> 47)) ^ key2[l]) * P32;
    }
#endif
    *done = idx;
}

/* The sum's state between stripes: the lanes and how many stripes they have taken. */
struct sum {
    uint64_t acc[8];
    size_t done;
};

/* Starts the sum of an image of n bytes at p: its first stripe, which holds the checksum
 * field, with that field as zero. *first keeps the zeroed copy for a short image's tail.
 * Returns how many bytes have been summed (0 or STRIPE). */
static size_t
sum_begin(struct sum *st, const unsigned char *p, size_t n, unsigned char first[STRIPE])
{
    static const uint64_t init[8] = {P32, P1, P2, P3, P1 ^ P3, P2 ^ P32, P1 + P2, P3 + P32};
    memcpy(st->acc, init, sizeof(init));
    st->done = 0;
    memset(first, 0, STRIPE);
    memcpy(first, p, n < STRIPE ? n : STRIPE);
    memset(first + offsetof(struct pk__image_hdr, checksum), 0, 8);
    if (n < STRIPE)
        return 0;
    accumulate(st->acc, first, 1, &st->done);
    return STRIPE;
}

/* Ends it: the lanes folded, then the bytes from i (past the last whole stripe) to n. */
static uint64_t
sum_end(const struct sum *st, const unsigned char *p, size_t i, size_t n,
        const unsigned char first[STRIPE])
{
    uint64_t h = (uint64_t)n * P1;
    for (int l = 0; l < 8; l++)
        h = rotl(h ^ (st->acc[l] * P2), 31) * P1;
    const unsigned char *t = n >= STRIPE ? p : first;
    for (; i < n; i++)
        h = rotl(h ^ (t[i] * P3), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

uint64_t
pk__image_sum(const void *image, size_t n)
{
    const unsigned char *p = image;
    unsigned char first[STRIPE];
    struct sum st;
    size_t i = sum_begin(&st, p, n, first);
    if (i) {
        accumulate(st.acc, p + i, (n - i) / STRIPE, &st.done);
        i += (n - i) / STRIPE * STRIPE;
    }
    return sum_end(&st, p, i, n, first);
}

/* Points *why at msg. Returns PK_EBADMSG. */
static int
bad(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return PK_EBADMSG;
}

/* A fault found before the content pass: reported as damage when the sum says so (the
 * likelier cause), else as msg. */
static int
bad_or_damaged(const unsigned char *base, size_t len, uint64_t checksum, const char **why,
               const char *msg)
{
    return bad(why, pk__image_sum(base, len) != checksum ? "checksum mismatch (damaged)" : msg);
}

/* The sections whose entries are checked one by one, and what the checks found. Every
 * check reads only inside its section (bounds-checked before), never through a value read
 * from the image, so it can run on bytes the checksum has not yet vouched for. */
struct content {
    const unsigned char *base;
    const struct pk__image_hdr *h;
    uint32_t maxstr, odd, badnote, disorder, badid, badsoff, badprior;
};

static const uint32_t entry_size[PK__SEC_COUNT] = {
    [PK__SEC_RECS] = sizeof(struct pk__rec),   [PK__SEC_PORTS] = sizeof(struct pk__port),
    [PK__SEC_REFS] = 4,                        [PK__SEC_NREFS] = 4,
    [PK__SEC_NAMES] = 4,                       [PK__SEC_NOTES] = sizeof(struct pk__note),
    [PK__SEC_SOFF] = 4,                        [PK__SEC_PRIOR] = sizeof(struct pk__prior),
};

/* The loops test without branching and stop at the end, not at the first fault: a good
 * image (the only one worth being fast for) is read through anyway. */
static void
check_entries(struct content *c, int s, uint32_t from, uint32_t to)
{
    const struct pk__image_hdr *h = c->h;
    const void *sec = c->base + h->sec[s].off;
    uint32_t bad = 0;
    switch (s) {
    case PK__SEC_RECS: {
        uint32_t maxstr = c->maxstr;
        for (uint32_t i = from; i < to; i++) {
            const struct pk__rec *r = (const struct pk__rec *)sec + i;
            for (int k = 0; k < PK__S_COUNT; k++)
                maxstr = r->str[k] > maxstr ? r->str[k] : maxstr;
            bad |= (uint32_t)(r->lo > r->hi) | (r->status > PK_ASSIGNED) |
                   (uint32_t)(r->proto & (r->proto - 1)) | (r->proto > PK_DCCP) |
                   (r->flags & ~(unsigned)(PK_REC_NOPORT | PK_REC_RANGE));
        }
        c->maxstr = maxstr;
        c->odd |= bad;
        break;
    }
    case PK__SEC_NOTES:
        for (uint32_t i = from; i < to; i++) {
            const struct pk__note *n = (const struct pk__note *)sec + i;
            bad |= (uint32_t)(n->text >= h->pool_len) | (n->source >= h->pool_len) |
                   (n->lo > n->hi) | !n->protos | ((n->protos & ~(unsigned)PK_PROTO_ALL) != 0) |
                   (n->kind > PK_NOTE_ABUSE) | (i > 0 && n[-1].lo > n->lo);
        }
        c->badnote |= bad;
        break;
    case PK__SEC_PORTS:
        /* Each port's records end where the next port's start, from 0 up to the end of
         * refs (checked after), so that each range is well-formed and inside it. */
        for (uint32_t port = from; port < to && port + 1 < PK__NPORTS; port++) {
            const struct pk__port *q = (const struct pk__port *)sec + port;
            bad |= q->rec + q->n[0] + q->n[1] + q->n[2] + q->n[3] != q[1].rec;
        }
        c->disorder |= bad;
        break;
    case PK__SEC_REFS:
    case PK__SEC_NREFS:
    case PK__SEC_NAMES: {
        const uint32_t *ids = sec;
        uint32_t limit = s == PK__SEC_NREFS ? h->nnotes : h->nrecs;
        for (uint32_t i = from; i < to; i++)
            bad |= ids[i] >= limit;
        c->badid |= bad;
        break;
    }
    case PK__SEC_SOFF: {
        /* Search text offsets in order. The search reads each field within its entity's
         * bounds, so nothing more is needed for safety. */
        const uint32_t *soff = sec;
        uint32_t last = h->nrecs + h->nnotes;
        for (uint32_t e = from; e < to && e < last; e++)
            bad |= soff[e + 1] < soff[e];
        c->badsoff |= bad;
        break;
    }
    case PK__SEC_PRIOR:
        for (uint32_t i = from; i < to; i++) {
            const struct pk__prior *q = (const struct pk__prior *)sec + i;
            bad |= !q->protos | ((q->protos & ~(unsigned)PK_PROTO_ALL) != 0) | !q->weight |
                   (q->weight > 100) | (i > 0 && q[-1].port > q->port);
        }
        c->badprior |= bad;
        break;
    default:
        break;
    }
}

/* The first entry of section s that starts at or past byte at of the image. */
static uint32_t
entry_at(const struct pk__image_hdr *h, int s, uint64_t at)
{
    uint64_t off = h->sec[s].off, n = h->sec[s].len / entry_size[s];
    if (at <= off)
        return 0;
    uint64_t k = (at - off + entry_size[s] - 1) / entry_size[s];
    return (uint32_t)(k < n ? k : n);
}

/* Bytes summed and checked together: small enough to stay in the first-level cache
 * between the two, so that the image is read from memory once, not twice. */
#define CHUNK (16u << 10)

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
            return bad_or_damaged(base, len, h.checksum, why,
                                  "a section lies outside the image or has the wrong size");
    }
    if (h.nnames > h.nrecs || h.pool_len == 0)
        return bad_or_damaged(base, len, h.checksum, why, "inconsistent counts");
    const char *pool = (const char *)base + h.sec[PK__SEC_POOL].off;
    const struct pk__port *ports = (const void *)(base + h.sec[PK__SEC_PORTS].off);
    const char *search = (const char *)base + h.sec[PK__SEC_SEARCH].off;
    const uint32_t *soff = (const void *)(base + h.sec[PK__SEC_SOFF].off);
    if (pool[0] != '\0' || pool[h.pool_len - 1] != '\0')
        return bad_or_damaged(base, len, h.checksum, why, "string pool not terminated");
    if (h.source >= h.pool_len || h.date >= h.pool_len || h.built >= h.pool_len)
        return bad_or_damaged(base, len, h.checksum, why, "metadata outside the string pool");
    if (soff[0] != 0 || soff[h.nrecs + h.nnotes] != h.search_len ||
        (h.search_len && search[h.search_len - 1] != '\0'))
        return bad_or_damaged(base, len, h.checksum, why,
                              "search offsets do not cover the search text");

    /* One pass: each chunk summed, then the entries that start in it checked. */
    struct content c = {.base = base, .h = &h};
    c.disorder = ports[0].rec != 0;
    unsigned char first[STRIPE];
    struct sum st;
    size_t from = sum_begin(&st, base, len, first), end = from + (len - from) / STRIPE * STRIPE;
    for (size_t c0 = 0; c0 < len; c0 += CHUNK) {
        size_t c1 = len - c0 > CHUNK ? c0 + CHUNK : len;
        size_t a = c0 > from ? c0 : from, b = c1 < end ? c1 : end;
        if (b > a)
            accumulate(st.acc, base + a, (b - a) / STRIPE, &st.done);
        for (int s = 0; s < PK__SEC_COUNT; s++) {
            if (!entry_size[s])
                continue;
            uint32_t e0 = entry_at(&h, s, c0), e1 = entry_at(&h, s, c1);
            if (e0 < e1)
                check_entries(&c, s, e0, e1);
        }
    }
    if (sum_end(&st, base, end, len, first) != h.checksum)
        return bad(why, "checksum mismatch (damaged)");
    if (h.nrecs && c.maxstr >= h.pool_len)
        return bad(why, "a record's text lies outside the string pool");
    if (c.odd)
        return bad(why, "a record has impossible fields");
    if (c.badnote)
        return bad(why, "a note has impossible fields");
    if (c.disorder)
        return bad(why, "the port index is out of order");
    if (ports[PK__NPORTS - 1].rec != h.nrefs)
        return bad(why, "the index does not cover its tables");
    if (c.badid)
        return bad(why, "an index entry names no record");
    if (c.badsoff)
        return bad(why, "malformed search text");
    if (c.badprior)
        return bad(why, "a popularity entry has impossible fields");

    memset(reg, 0, sizeof(*reg));
    reg->prior = (const void *)(base + h.sec[PK__SEC_PRIOR].off);
    reg->nprior = h.nprior;
    reg->format = h.version;
    reg->source = pool + h.source;
    reg->date = pool + h.date;
    reg->built = pool + h.built;
    reg->pool = pool;
    reg->pool_len = h.pool_len;
    reg->recs = (const void *)(base + h.sec[PK__SEC_RECS].off);
    reg->nrecs = h.nrecs;
    reg->ports = ports;
    reg->refs = (const void *)(base + h.sec[PK__SEC_REFS].off);
    reg->refs_n = h.nrefs;
    reg->nrefs = (const void *)(base + h.sec[PK__SEC_NREFS].off);
    reg->nrefs_n = h.nnrefs;
    reg->names = (const void *)(base + h.sec[PK__SEC_NAMES].off);
    reg->nnames = h.nnames;
    reg->notes = (const void *)(base + h.sec[PK__SEC_NOTES].off);
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
    /* Mapped as it is read: the checksum's first touch of each page maps its neighbours
     * in the page cache with it (fault-around), which costs less than MAP_POPULATE's walk
     * of every page (0.66 ms against 0.77 ms for a 4 MB image). */
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
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
