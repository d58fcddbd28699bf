/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The registry image builder (build.h): pools the strings, builds the per-port index
 * (records of a port protocol after protocol, assignments first; notes narrowest first), the
 * sorted names and the search text, and lays them out as an image with its checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "grow.h"
#include "image.h"
#include "portkit/error.h"

#define POOL_MAX (64u << 20)
#define REFS_MAX (64u << 20) /* index entries (a record over a range counts per port) */
#define NSLOT (65536u * PK_NPROTO + 1)

/* The string pool, with an open-addressing hash of offsets for de-duplication. */
struct pool {
    char *data;
    size_t len, cap;
    uint32_t *slots;
    size_t nslots, used;
};

static uint32_t
hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Adds s (once) and sets *off to its offset. Returns 0, PK_ERANGE or PK_ENOMEM. */
static int
pool_add(struct pool *p, const char *s, uint32_t *off)
{
    if (!*s) {
        *off = 0;
        return 0;
    }
    if (p->used * 2 >= p->nslots) {
        size_t ns = p->nslots ? p->nslots * 2 : 1u << 16;
        uint32_t *slots = malloc(ns * sizeof(*slots));
        if (!slots)
            return PK_ENOMEM;
        memset(slots, 0xff, ns * sizeof(*slots));
        for (size_t i = 0; i < p->nslots; i++) {
            if (p->slots[i] == UINT32_MAX)
                continue;
            size_t j = hash(p->data + p->slots[i]) & (ns - 1);
            while (slots[j] != UINT32_MAX)
                j = (j + 1) & (ns - 1);
            slots[j] = p->slots[i];
        }
        free(p->slots);
        p->slots = slots;
        p->nslots = ns;
    }
    size_t j = hash(s) & (p->nslots - 1);
    while (p->slots[j] != UINT32_MAX) {
        if (strcmp(p->data + p->slots[j], s) == 0) {
            *off = p->slots[j];
            return 0;
        }
        j = (j + 1) & (p->nslots - 1);
    }
    size_t n = strlen(s) + 1;
    int rc = pk__grow(&p->data, &p->cap, p->len + n, 1, POOL_MAX);
    if (rc < 0)
        return rc == PK_ENOBUFS ? PK_ERANGE : rc;
    memcpy(p->data + p->len, s, n);
    *off = (uint32_t)p->len;
    p->len += n;
    p->slots[j] = *off;
    p->used++;
    return 0;
}

/* Appends s lowercased with its NUL to the search text. */
static int
lower_into(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;
    int rc = pk__grow(buf, cap, *len + n, 1, POOL_MAX);
    if (rc < 0)
        return rc == PK_ENOBUFS ? PK_ERANGE : rc;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        (*buf)[*len + i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    *len += n;
    return 0;
}

/* For the sorts: the lowercased names, the notes. */
struct sortctx {
    char *const *lower;
    const struct pk__build_note *notes;
};

static int
cmp_name(const void *a, const void *b, void *arg)
{
    const struct sortctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int d = strcmp(c->lower[x], c->lower[y]);
    return d ? d : (x > y) - (x < y);
}

/* Notes by first port, then input order. */
static int
cmp_note_lo(const void *a, const void *b, void *arg)
{
    const struct sortctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    unsigned lx = c->notes[x].lo, ly = c->notes[y].lo;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return (x > y) - (x < y);
}

/* Notes narrowest first (a note on 721-731 says more about 721 than one on 0-1023), then by
 * first port, then by their order in the image. */
static int
cmp_note_width(const void *a, const void *b, void *arg)
{
    const struct sortctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const struct pk__build_note *nx = &c->notes[x], *ny = &c->notes[y];
    unsigned wx = nx->hi - nx->lo, wy = ny->hi - ny->lo;
    if (wx != wy)
        return wx < wy ? -1 : 1;
    if (nx->lo != ny->lo)
        return nx->lo < ny->lo ? -1 : 1;
    return (x > y) - (x < y);
}

/* Checks the fields of the input. */
static bool
valid_input(const struct pk__build_rec *recs, size_t nrecs, const struct pk__build_note *notes,
            size_t nnotes)
{
    for (size_t i = 0; i < nrecs; i++) {
        const struct pk__build_rec *r = &recs[i];
        for (int k = 0; k < PK__S_COUNT; k++)
            if (!r->str[k])
                return false;
        if (r->lo > r->hi || r->hi > PK_PORT_MAX || r->status > PK_ASSIGNED ||
            (r->proto && pk_proto_index(r->proto) < 0) ||
            (r->flags & ~(unsigned)(PK_REC_NOPORT | PK_REC_RANGE)))
            return false;
    }
    for (size_t j = 0; j < nnotes; j++) {
        const struct pk__build_note *n = &notes[j];
        if (!n->text || !n->source || n->lo > n->hi || n->hi > PK_PORT_MAX || !n->protos ||
            (n->protos & ~(unsigned)PK_PROTO_ALL) || n->kind > PK_NOTE_ABUSE)
            return false;
    }
    return true;
}

/* The built tables, before layout. */
struct tables {
    struct pool pool;
    struct pk__rec *recs;
    struct pk__port *ports;
    uint32_t *refs, nrefs;
    uint32_t *nrefs_, nnrefs;
    uint32_t *names, nnames;
    struct pk__note *notes;
    char *search;
    size_t search_len, search_cap;
    uint32_t *soff;
    uint32_t source, date, built;
};

/* The per-port record index: slot port * 4 + protocol index, assignments first. */
static int
build_refs(struct tables *t, const struct pk__build_rec *recs, size_t nrecs)
{
    uint32_t *start = calloc(NSLOT, sizeof(*start));
    uint32_t *fill = malloc(NSLOT * sizeof(*fill));
    int rc = 0;
    if (!start || !fill) {
        rc = PK_ENOMEM;
        goto out;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < nrecs; i++) {
        if (recs[i].flags & PK_REC_NOPORT)
            continue;
        /* A record without a protocol applies to tcp and udp. */
        unsigned protos = recs[i].proto ? recs[i].proto : (PK_TCP | PK_UDP);
        for (unsigned p = 0; p < PK_NPROTO; p++)
            if (protos & (1u << p))
                for (unsigned port = recs[i].lo; port <= recs[i].hi; port++)
                    start[port * PK_NPROTO + p]++;
        total += (uint64_t)(recs[i].hi - recs[i].lo + 1) * (unsigned)__builtin_popcount(protos);
    }
    if (total > REFS_MAX) {
        rc = PK_ERANGE;
        goto out;
    }
    uint32_t sum = 0;
    for (size_t k = 0; k < NSLOT; k++) {
        uint32_t c = start[k];
        struct pk__port *e = &t->ports[k / PK_NPROTO];
        if (c > UINT8_MAX) { /* more records on one port and protocol than the index counts */
            rc = PK_ERANGE;
            goto out;
        }
        if (k % PK_NPROTO == 0)
            e->rec = sum;
        e->n[k % PK_NPROTO] = (uint8_t)c;
        start[k] = fill[k] = sum;
        sum += c;
    }
    t->ports[PK__NPORTS - 1].rec = sum;
    t->nrefs = sum;
    t->refs = malloc((sum ? sum : 1) * sizeof(*t->refs));
    if (!t->refs) {
        rc = PK_ENOMEM;
        goto out;
    }
    static const unsigned order[3] = {PK_ASSIGNED, PK_RESERVED, PK_UNASSIGNED};
    for (unsigned rank = 0; rank < 3; rank++)
        for (size_t i = 0; i < nrecs; i++) {
            if ((recs[i].flags & PK_REC_NOPORT) || recs[i].status != order[rank])
                continue;
            unsigned protos = recs[i].proto ? recs[i].proto : (PK_TCP | PK_UDP);
            for (unsigned port = recs[i].lo; port <= recs[i].hi; port++)
                for (unsigned p = 0; p < PK_NPROTO; p++)
                    if (protos & (1u << p))
                        t->refs[fill[port * PK_NPROTO + p]++] = (uint32_t)i;
        }
out:
    free(start);
    free(fill);
    return rc;
}

/* The wide notes' list (nrefs): the ids of the notes over PK__NOTE_WIDE ports or more,
 * narrowest first. A port's other notes are found by their first port; spread over every
 * port they cover, the wide ones were most of the image. order[] holds the note ids sorted
 * narrowest first. */
static int
build_nrefs(struct tables *t, const struct pk__build_note *notes, const uint32_t *order,
            size_t nnotes)
{
    t->nnrefs = 0;
    t->nrefs_ = malloc((nnotes ? nnotes : 1) * sizeof(*t->nrefs_));
    if (!t->nrefs_)
        return PK_ENOMEM;
    for (size_t k = 0; k < nnotes; k++)
        if (notes[order[k]].hi - notes[order[k]].lo >= PK__NOTE_WIDE)
            t->nrefs_[t->nnrefs++] = order[k];
    return 0;
}

/* Appends a section of n bytes at p to the image being laid out. */
static void
put_section(unsigned char *img, size_t *at, struct pk__image_hdr *h, int sec, const void *p,
            size_t n)
{
    h->sec[sec].off = *at;
    h->sec[sec].len = n;
    if (n)
        memcpy(img + *at, p, n);
    *at += (n + 7) & ~(size_t)7;
}

static int
cmp_prior(const void *a, const void *b)
{
    const struct pk__prior *x = a, *y = b;
    return (x->port > y->port) - (x->port < y->port);
}

int
pk__registry_build(const struct pk__build_rec *recs, size_t nrecs,
                   const struct pk__build_note *notes, size_t nnotes,
                   const struct pk__build_prior *prior, size_t nprior,
                   const struct pk__build_meta *meta, void **image, size_t *len)
{
    struct tables t = {0};
    char **lower = NULL;
    uint32_t *order = NULL, *img_of = NULL;
    int rc = 0;
    if (nrecs > PK__BUILD_RECS_MAX || nnotes > PK__BUILD_NOTES_MAX)
        return PK_ERANGE;
    if (!valid_input(recs, nrecs, notes, nnotes))
        return PK_EINVAL;
    if (nprior > PK__NPORTS * PK_NPROTO)
        return PK_ERANGE;
    for (size_t i = 0; i < nprior; i++)
        if (prior[i].port > PK_PORT_MAX || !prior[i].protos ||
            (prior[i].protos & ~(unsigned)PK_PROTO_ALL) || !prior[i].weight || prior[i].weight > 100)
            return PK_EINVAL;
    struct pk__prior *pri = malloc((nprior ? nprior : 1) * sizeof(*pri));
    if (!pri)
        return PK_ENOMEM;
    for (size_t i = 0; i < nprior; i++)
        pri[i] = (struct pk__prior){(uint16_t)prior[i].port, (uint8_t)prior[i].protos,
                                    (uint8_t)prior[i].weight};
    qsort(pri, nprior, sizeof(*pri), cmp_prior); /* entries of one port keep no order */
    t.recs = calloc(nrecs ? nrecs : 1, sizeof(*t.recs));
    t.ports = calloc(PK__NPORTS, sizeof(*t.ports));
    t.notes = calloc(nnotes ? nnotes : 1, sizeof(*t.notes));
    t.names = malloc((nrecs ? nrecs : 1) * sizeof(*t.names));
    t.soff = malloc((nrecs + nnotes + 1) * sizeof(*t.soff));
    lower = calloc(nrecs ? nrecs : 1, sizeof(*lower));
    order = malloc((nnotes ? nnotes : 1) * sizeof(*order));
    img_of = malloc((nnotes ? nnotes : 1) * sizeof(*img_of));
    if (!t.recs || !t.ports || !t.notes || !t.names || !t.soff || !lower || !order || !img_of) {
        rc = PK_ENOMEM;
        goto out;
    }
    t.pool.len = 1;
    if ((rc = pk__grow(&t.pool.data, &t.pool.cap, 1u << 16, 1, POOL_MAX)) < 0)
        goto out;
    t.pool.data[0] = '\0'; /* offset 0 is the empty string */
    if ((rc = pool_add(&t.pool, meta && meta->source ? meta->source : "", &t.source)) < 0 ||
        (rc = pool_add(&t.pool, meta && meta->date ? meta->date : "", &t.date)) < 0 ||
        (rc = pool_add(&t.pool, meta && meta->built ? meta->built : "", &t.built)) < 0)
        goto out;

    for (size_t i = 0; i < nrecs; i++) {
        for (int k = 0; k < PK__S_COUNT; k++)
            if ((rc = pool_add(&t.pool, recs[i].str[k], &t.recs[i].str[k])) < 0)
                goto out;
        t.recs[i].lo = (uint16_t)recs[i].lo;
        t.recs[i].hi = (uint16_t)recs[i].hi;
        t.recs[i].proto = (uint8_t)recs[i].proto;
        t.recs[i].status = (uint8_t)recs[i].status;
        t.recs[i].flags = (uint8_t)recs[i].flags;
    }
    if ((rc = build_refs(&t, recs, nrecs)) < 0)
        goto out;

    /* Notes: in the image by first port; img_of[k] is the input index of image note k. */
    struct sortctx sc = {.notes = notes};
    for (size_t j = 0; j < nnotes; j++)
        img_of[j] = (uint32_t)j;
    qsort_r(img_of, nnotes, sizeof(*img_of), cmp_note_lo, &sc);
    for (size_t k = 0; k < nnotes; k++) {
        const struct pk__build_note *n = &notes[img_of[k]];
        if ((rc = pool_add(&t.pool, n->text, &t.notes[k].text)) < 0 ||
            (rc = pool_add(&t.pool, n->source, &t.notes[k].source)) < 0)
            goto out;
        t.notes[k].lo = (uint16_t)n->lo;
        t.notes[k].hi = (uint16_t)n->hi;
        t.notes[k].protos = (uint8_t)n->protos;
        t.notes[k].kind = (uint8_t)n->kind;
    }
    /* The image's note ids, narrowest first, for the per-port lists. */
    struct pk__build_note *byimg = malloc((nnotes ? nnotes : 1) * sizeof(*byimg));
    if (!byimg) {
        rc = PK_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < nnotes; k++) {
        byimg[k] = notes[img_of[k]];
        order[k] = (uint32_t)k;
    }
    struct sortctx wc = {.notes = byimg};
    qsort_r(order, nnotes, sizeof(*order), cmp_note_width, &wc);
    rc = build_nrefs(&t, byimg, order, nnotes);
    free(byimg);
    if (rc < 0)
        goto out;

    /* Names, sorted case-insensitively (ASCII). */
    for (size_t i = 0; i < nrecs; i++) {
        size_t n = strlen(recs[i].str[PK__S_SERVICE]);
        lower[i] = malloc(n + 1);
        if (!lower[i]) {
            rc = PK_ENOMEM;
            goto out;
        }
        for (size_t k = 0; k <= n; k++) {
            char c = recs[i].str[PK__S_SERVICE][k];
            lower[i][k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        if (n)
            t.names[t.nnames++] = (uint32_t)i;
    }
    sc.lower = lower;
    qsort_r(t.names, t.nnames, sizeof(*t.names), cmp_name, &sc);

    /* Search text: service, description and assignment notes of each record; each note. */
    for (size_t i = 0; i < nrecs; i++) {
        t.soff[i] = (uint32_t)t.search_len;
        if ((rc = lower_into(&t.search, &t.search_len, &t.search_cap, recs[i].str[PK__S_SERVICE])) <
                0 ||
            (rc = lower_into(&t.search, &t.search_len, &t.search_cap,
                             recs[i].str[PK__S_DESCRIPTION])) < 0 ||
            (rc = lower_into(&t.search, &t.search_len, &t.search_cap, recs[i].str[PK__S_NOTES])) <
                0)
            goto out;
    }
    for (size_t k = 0; k < nnotes; k++) {
        t.soff[nrecs + k] = (uint32_t)t.search_len;
        if ((rc = lower_into(&t.search, &t.search_len, &t.search_cap,
                             t.pool.data + t.notes[k].text)) < 0)
            goto out;
    }
    t.soff[nrecs + nnotes] = (uint32_t)t.search_len;

    /* Layout. */
    struct pk__image_hdr h = {0};
    const size_t secs[PK__SEC_COUNT] = {
        [PK__SEC_POOL] = t.pool.len,
        [PK__SEC_RECS] = nrecs * sizeof(*t.recs),
        [PK__SEC_PORTS] = PK__NPORTS * sizeof(*t.ports),
        [PK__SEC_REFS] = (size_t)t.nrefs * 4,
        [PK__SEC_NREFS] = (size_t)t.nnrefs * 4,
        [PK__SEC_NAMES] = (size_t)t.nnames * 4,
        [PK__SEC_NOTES] = nnotes * sizeof(*t.notes),
        [PK__SEC_SEARCH] = t.search_len,
        [PK__SEC_SOFF] = (nrecs + nnotes + 1) * 4,
        [PK__SEC_PRIOR] = nprior * sizeof(*pri),
    };
    size_t size = (sizeof(h) + 7) & ~(size_t)7;
    for (int s = 0; s < PK__SEC_COUNT; s++)
        size += (secs[s] + 7) & ~(size_t)7;
    if (size > PK__IMAGE_MAX) {
        rc = PK_ERANGE;
        goto out;
    }
    unsigned char *img = aligned_alloc(8, size);
    if (!img) {
        rc = PK_ENOMEM;
        goto out;
    }
    memset(img, 0, size);
    size_t at = (sizeof(h) + 7) & ~(size_t)7;
    put_section(img, &at, &h, PK__SEC_POOL, t.pool.data, secs[PK__SEC_POOL]);
    put_section(img, &at, &h, PK__SEC_RECS, t.recs, secs[PK__SEC_RECS]);
    put_section(img, &at, &h, PK__SEC_PORTS, t.ports, secs[PK__SEC_PORTS]);
    put_section(img, &at, &h, PK__SEC_REFS, t.refs, secs[PK__SEC_REFS]);
    put_section(img, &at, &h, PK__SEC_NREFS, t.nrefs_, secs[PK__SEC_NREFS]);
    put_section(img, &at, &h, PK__SEC_NAMES, t.names, secs[PK__SEC_NAMES]);
    put_section(img, &at, &h, PK__SEC_NOTES, t.notes, secs[PK__SEC_NOTES]);
    put_section(img, &at, &h, PK__SEC_SEARCH, t.search, secs[PK__SEC_SEARCH]);
    put_section(img, &at, &h, PK__SEC_SOFF, t.soff, secs[PK__SEC_SOFF]);
    put_section(img, &at, &h, PK__SEC_PRIOR, pri, secs[PK__SEC_PRIOR]);
    memcpy(h.magic, PK__IMAGE_MAGIC, 8);
    h.version = PK__IMAGE_VERSION;
    h.bom = PK__IMAGE_BOM;
    h.size = size;
    h.nrecs = (uint32_t)nrecs;
    h.nnotes = (uint32_t)nnotes;
    h.nnames = t.nnames;
    h.nrefs = t.nrefs;
    h.nnrefs = t.nnrefs;
    h.pool_len = (uint32_t)t.pool.len;
    h.search_len = (uint32_t)t.search_len;
    h.source = t.source;
    h.date = t.date;
    h.built = t.built;
    h.nprior = (uint32_t)nprior;
    memcpy(img, &h, sizeof(h));
    h.checksum = pk__image_sum(img, size);
    memcpy(img, &h, sizeof(h));
    *image = img;
    *len = size;
out:
    free(pri);
    for (size_t i = 0; lower && i < nrecs; i++)
        free(lower[i]);
    free(lower);
    free(order);
    free(img_of);
    free(t.pool.data);
    free(t.pool.slots);
    free(t.recs);
    free(t.ports);
    free(t.refs);
    free(t.nrefs_);
    free(t.names);
    free(t.notes);
    free(t.search);
    free(t.soff);
    return rc;
}
