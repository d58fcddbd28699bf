/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Search. pk_search() ranks records and notes one by one; pk_search_ports() ranks what a
 * person looks for: a port (or a block of ports, or a name without one) with everything its
 * page says, names and descriptions of its records and the labels and texts of its notes.
 * A term matching a whole name or a note's label ranks above one matching a whole word of a
 * description, which ranks above one found inside a word; the project's popularity prior
 * (data/everyday.txt) breaks ties toward the ports people meet. Knowledge of the names
 * people type (DNS, SMB, RDP) lives in the notes, not in this code.
 */
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "registry_int.h"

#define TERM_MAX 255
#define TERMS_MAX 16

/*
 * Scores how entity i (record, or note when i >= nrecs) matches term t, by where it
 * matches: the fields of a record are service, description, notes, each ended by NUL.
 * Returns 0 when it doesn't match.
 */
static int
score_term(const struct pk_registry *reg, uint32_t i, const char *t, size_t tl)
{
    const char *s = reg->search + reg->soff[i];
    const char *end = reg->search + reg->soff[i + 1];

    if (i >= reg->nrecs) {
        /* A note reads "Software: text": its label ranks like a service name, the rest
         * like a description. */
        size_t len = end > s ? (size_t)(end - s) - 1 : 0;
        const char *colon = memchr(s, ':', len < 64 ? len : 64);
        size_t ll = colon ? (size_t)(colon - s) : 0;
        if (ll == tl && memcmp(s, t, tl) == 0)
            return 100;
        if (ll > tl && memcmp(s, t, tl) == 0)
            return 60;
        if (ll > tl && memmem(s, ll, t, tl))
            return 40;
        return memmem(s, len, t, tl) ? 20 : 0;
    }
    /* Three fields (service, description, notes), each ended by NUL; every one is read
     * within the entity's bounds, whatever an image holds. */
    const char *f[3];
    size_t fl[3];
    for (int k = 0; k < 3; k++) {
        const char *z = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
        f[k] = s;
        fl[k] = z ? (size_t)(z - s) : (size_t)(end > s ? end - s : 0);
        s = z ? z + 1 : end;
    }
    if (fl[0] == tl && memcmp(f[0], t, tl) == 0)
        return 100;
    if (fl[0] > tl && memcmp(f[0], t, tl) == 0)
        return 60;
    if (fl[0] > tl && memmem(f[0], fl[0], t, tl))
        return 40;
    if (memmem(f[1], fl[1], t, tl))
        return 20;
    if (memmem(f[2], fl[2], t, tl))
        return 5;
    return 0;
}

/* Returns the entity (record or note index) whose search text holds offset off. */
static uint32_t
entity_at(const struct pk_registry *reg, uint32_t off)
{
    uint32_t lo = 0, hi = reg->nrecs + reg->nnotes; /* soff[lo] <= off < soff[hi] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (reg->soff[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static unsigned
hit_port(const struct pk_registry *reg, const struct pk_hit *h)
{
    if (h->is_note)
        return reg->notes[h->id].lo;
    const struct pk__rec *r = &reg->recs[h->id];
    return (r->flags & PK_REC_NOPORT) ? 65536u : r->lo;
}

/* Keeps hits[0..n) as a min-heap on rank, so the worst kept hit is at the root. */
static bool
worse(const struct pk_registry *reg, const struct pk_hit *a, const struct pk_hit *b)
{
    if (a->score != b->score)
        return a->score < b->score;
    unsigned pa = hit_port(reg, a), pb = hit_port(reg, b);
    if (pa != pb)
        return pa > pb;
    if (a->is_note != b->is_note)
        return a->is_note;
    return a->id > b->id;
}

static void
sift_down(const struct pk_registry *reg, struct pk_hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(reg, &h[l], &h[m]))
            m = l;
        if (r < n && worse(reg, &h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        struct pk_hit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void
sift_up(const struct pk_registry *reg, struct pk_hit *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(reg, &h[i], &h[p]))
            return;
        struct pk_hit t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

int
pk_search(const struct pk_registry *reg, const char *const *terms, size_t nterms,
          struct pk_hit *hits, size_t max)
{
    char low[TERMS_MAX][TERM_MAX + 1];
    size_t len[TERMS_MAX];

    if (nterms == 0 || nterms > TERMS_MAX)
        return PK_EINVAL;
    for (size_t k = 0; k < nterms; k++) {
        len[k] = strlen(terms[k]);
        if (len[k] == 0 || len[k] > TERM_MAX)
            return PK_EINVAL;
        for (size_t i = 0; i <= len[k]; i++) {
            char c = terms[k][i];
            low[k][i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
    }
    /* Scan for the longest term (likely the rarest); check the others per candidate. */
    size_t first = 0;
    for (size_t k = 1; k < nterms; k++)
        if (len[k] > len[first])
            first = k;

    size_t total = 0, kept = 0;
    const char *base = reg->search, *end = reg->search + reg->soff[reg->nrecs + reg->nnotes];
    const char *p = base;
    while (p < end) {
        const char *m = memmem(p, (size_t)(end - p), low[first], len[first]);
        if (!m)
            break;
        uint32_t e = entity_at(reg, (uint32_t)(m - base));
        int score = 0;
        for (size_t k = 0; k < nterms; k++) {
            int s = score_term(reg, e, low[k], len[k]);
            if (!s) {
                score = 0;
                break;
            }
            score += s;
        }
        p = base + reg->soff[e + 1];
        if (!score)
            continue;
        total++;
        struct pk_hit h = {
            .id = e < reg->nrecs ? e : e - reg->nrecs, .is_note = e >= reg->nrecs, .score = score};
        if (kept < max) {
            hits[kept] = h;
            sift_up(reg, hits, kept++);
        } else if (max > 0 && worse(reg, &hits[0], &h)) {
            hits[0] = h;
            sift_down(reg, hits, kept, 0);
        }
    }
    /* Heap sort: repeatedly move the worst to the end, giving best-first order. */
    for (size_t n = kept; n > 1; n--) {
        struct pk_hit t = hits[0];
        hits[0] = hits[n - 1];
        hits[n - 1] = t;
        sift_down(reg, hits, n - 1, 0);
    }
    return total > (size_t)INT32_MAX ? INT32_MAX : (int)total;
}

/* ---- ranking ports ---- */

/* How a term matches: the better the place, the higher. */
enum {
    M_NONE = 0,
    M_NOTES_SUB = 2,   /* inside a word of IANA's assignment notes */
    M_DESC_SUB = 8,    /* inside a word of a description or a note */
    M_NOTES_WORD = 10, /* a whole word of IANA's assignment notes */
    M_DESC_PREFIX = 25,
    M_NAME_SUB = 30,
    M_DESC_WORD = 45, /* a whole word of a description or a note's text */
    M_NAME_PREFIX = 60,
    M_NAME_WORD = 70,  /* one of the parts of a name ("agent" of printer-agent) */
    M_LABEL_WORD = 90, /* a word of a note's label ("SMB" of "SMB/CIFS:") */
    M_NAME = 100,      /* the whole name, or the whole label */
};
#define PHRASE_BONUS 30 /* all the terms in a row in one text */
#define WIDE_PENALTY 20 /* a block of 16 ports or more says little about each */
#define LABEL_MAX 64

static bool
alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (unsigned char)c >= 0x80 ||
           (c >= 'A' && c <= 'Z');
}

/*
 * The best match of t (tl bytes) in the len bytes at f: whole word (bounded by non-letters
 * on both sides), word start, or inside a word. Returns 3, 2, 1 or 0.
 */
static int
word_match(const char *f, size_t len, const char *t, size_t tl)
{
    int best = 0;
    for (const char *p = f, *e = f + len; best < 3 && p + tl <= e;) {
        const char *m = memmem(p, (size_t)(e - p), t, tl);
        if (!m)
            break;
        bool left = m == f || !alnum(m[-1]);
        bool right = m + tl == e || !alnum(m[tl]);
        int k = left && right ? 3 : left ? 2 : 1;
        if (k > best)
            best = k;
        p = m + 1;
    }
    return best;
}

/* True when name and t are equal once '-', '_' and '.' are dropped (printer-agent,
 * printer_agent). */
static bool
same_folded(const char *a, size_t al, const char *b, size_t bl)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < al && (a[i] == '-' || a[i] == '_' || a[i] == '.'))
            i++;
        while (j < bl && (b[j] == '-' || b[j] == '_' || b[j] == '.'))
            j++;
        if (i == al || j == bl)
            return i == al && j == bl;
        if (a[i++] != b[j++])
            return false;
    }
}

/* The fields of entity e's search text: a record's name, description and assignment notes;
 * a note's label (the text before its colon) and the rest. Each within the entity's bounds. */
struct fields {
    const char *f[3];
    size_t len[3];
    bool note;
};

static void
entity_fields(const struct pk_registry *reg, uint32_t e, struct fields *fs)
{
    const char *s = reg->search + reg->soff[e], *end = reg->search + reg->soff[e + 1];
    fs->note = e >= reg->nrecs;
    if (fs->note) {
        size_t len = end > s ? (size_t)(end - s) - 1 : 0;
        const char *colon = memchr(s, ':', len < LABEL_MAX ? len : LABEL_MAX);
        size_t ll = colon ? (size_t)(colon - s) : 0;
        fs->f[0] = s, fs->len[0] = ll;
        fs->f[1] = s + ll, fs->len[1] = len - ll;
        fs->f[2] = end, fs->len[2] = 0;
        return;
    }
    for (int k = 0; k < 3; k++) {
        const char *z = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
        fs->f[k] = s;
        fs->len[k] = z ? (size_t)(z - s) : (size_t)(end > s ? end - s : 0);
        s = z ? z + 1 : end;
    }
}

/* How term t matches the entity whose fields are fs (M_*). */
static int
match_class(const struct fields *fs, const char *t, size_t tl)
{
    const char *name = fs->f[0];
    size_t nl = fs->len[0];
    if (nl && (same_folded(name, nl, t, tl)))
        return M_NAME;
    int w = nl ? word_match(name, nl, t, tl) : 0;
    if (fs->note && w == 3)
        return M_LABEL_WORD;
    if (!fs->note && w == 3)
        return M_NAME_WORD;
    if (w >= 2)
        return M_NAME_PREFIX;
    int d = word_match(fs->f[1], fs->len[1], t, tl);
    if (d == 3)
        return M_DESC_WORD;
    if (w == 1)
        return M_NAME_SUB;
    if (d == 2)
        return M_DESC_PREFIX;
    int n = fs->len[2] ? word_match(fs->f[2], fs->len[2], t, tl) : 0;
    if (n == 3)
        return M_NOTES_WORD;
    if (d == 1)
        return M_DESC_SUB;
    return n ? M_NOTES_SUB : M_NONE;
}

/* A port, a block of ports or a name without a port: the unit results are made of. */
struct unit {
    uint32_t lo, hi;
    bool noport;
    bool used;
    bool phrase;
    unsigned protos;
    uint8_t best[TERMS_MAX];
    size_t nrefs;
    struct pk_search_ref refs[PK_SEARCH_REFS];
};

struct units {
    struct unit *v;
    size_t cap; /* a power of two */
    size_t n;
};

/* Finds (or adds) the unit of extent lo..hi. Returns NULL when out of memory. */
static struct unit *
unit_of(struct units *u, uint32_t lo, uint32_t hi, bool noport, uint32_t id, bool is_note)
{
    if (u->n * 2 >= u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 256;
        struct unit *v = calloc(cap, sizeof(*v));
        if (!v)
            return NULL;
        for (size_t i = 0; i < u->cap; i++) {
            if (!u->v[i].used)
                continue;
            size_t h = (u->v[i].lo * 2654435761u ^ u->v[i].hi * 40503u) & (cap - 1);
            while (v[h].used)
                h = (h + 1) & (cap - 1);
            v[h] = u->v[i];
        }
        free(u->v);
        u->v = v;
        u->cap = cap;
    }
    /* A name without a port is a unit of its own, keyed by its record. */
    if (noport)
        lo = hi = 65536u + (is_note ? 0u : id);
    size_t h = (lo * 2654435761u ^ hi * 40503u) & (u->cap - 1);
    while (u->v[h].used && (u->v[h].lo != lo || u->v[h].hi != hi))
        h = (h + 1) & (u->cap - 1);
    struct unit *x = &u->v[h];
    if (!x->used) {
        memset(x, 0, sizeof(*x));
        x->used = true;
        x->lo = lo, x->hi = hi, x->noport = noport;
        u->n++;
    }
    return x;
}

/* Keeps ref among a unit's best PK_SEARCH_REFS, best first. */
static void
unit_ref(struct unit *x, const struct pk_search_ref *ref)
{
    size_t k = x->nrefs < PK_SEARCH_REFS ? x->nrefs++ : PK_SEARCH_REFS;
    while (k > 0 && x->refs[k - 1].score < ref->score) {
        if (k < PK_SEARCH_REFS)
            x->refs[k] = x->refs[k - 1];
        k--;
    }
    if (k < PK_SEARCH_REFS)
        x->refs[k] = *ref;
}

int
pk_port_prior(const struct pk_registry *reg, unsigned port, unsigned protos)
{
    size_t lo = 0, hi = reg->nprior;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reg->prior[mid].port < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    int w = 0;
    for (; lo < reg->nprior && reg->prior[lo].port == port; lo++)
        if ((reg->prior[lo].protos & protos) && reg->prior[lo].weight > w)
            w = reg->prior[lo].weight;
    return w;
}

/* The terms, lowercased and split at blanks ("remote desktop" is two), and the phrase they
 * make. Returns the number of terms, or PK_EINVAL. */
static int
split_terms(const char *const *terms, size_t nterms, char low[TERMS_MAX][TERM_MAX + 1], size_t *len,
            char *phrase, size_t phrase_cap)
{
    size_t n = 0, pl = 0;
    if (nterms == 0 || nterms > TERMS_MAX)
        return PK_EINVAL;
    for (size_t k = 0; k < nterms; k++) {
        const char *s = terms[k];
        size_t sl = strlen(s);
        if (sl == 0 || sl > TERM_MAX)
            return PK_EINVAL;
        for (size_t i = 0; i < sl;) {
            while (i < sl && s[i] == ' ')
                i++;
            size_t st = i;
            while (i < sl && s[i] != ' ')
                i++;
            if (i == st)
                continue;
            if (n == TERMS_MAX)
                return PK_EINVAL;
            for (size_t c = st; c < i; c++)
                low[n][c - st] = (s[c] >= 'A' && s[c] <= 'Z') ? (char)(s[c] + 32) : s[c];
            low[n][i - st] = '\0';
            len[n] = i - st;
            if (pl + len[n] + 2 < phrase_cap) {
                if (pl)
                    phrase[pl++] = ' ';
                memcpy(phrase + pl, low[n], len[n]);
                pl += len[n];
                phrase[pl] = '\0';
            }
            n++;
        }
    }
    return n ? (int)n : PK_EINVAL;
}

/* Extent and protocols of entity e. */
static void
entity_extent(const struct pk_registry *reg, uint32_t e, uint32_t *lo, uint32_t *hi, bool *noport,
              unsigned *protos)
{
    if (e >= reg->nrecs) {
        const struct pk__note *n = &reg->notes[e - reg->nrecs];
        *lo = n->lo, *hi = n->hi, *noport = false, *protos = n->protos;
        return;
    }
    const struct pk__rec *r = &reg->recs[e];
    *lo = r->lo, *hi = r->hi;
    *noport = (r->flags & PK_REC_NOPORT) != 0;
    *protos = r->proto ? r->proto : (*noport ? 0u : (PK_TCP | PK_UDP));
}

/* The final order: ports before names without one; score; the prior; port. */
static int
cmp_result(const void *a, const void *b)
{
    const struct pk_search_result *x = a, *y = b;
    if (x->noport != y->noport)
        return x->noport ? 1 : -1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->prior != y->prior)
        return x->prior > y->prior ? -1 : 1;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    return (x->port_end > y->port_end) - (x->port_end < y->port_end);
}

/* Folds entity e (a record, or a note when e >= nrecs) into unit x: its best match of each
 * term, its protocols, its own score among the unit's refs, the phrase. */
static void
unit_add(const struct pk_registry *reg, struct unit *x, uint32_t e,
         char low[TERMS_MAX][TERM_MAX + 1], const size_t *len, int nt, const char *phrase)
{
    struct fields fs;
    entity_fields(reg, e, &fs);
    bool is_note = e >= reg->nrecs;
    struct pk_search_ref ref = {.id = is_note ? e - reg->nrecs : e, .is_note = is_note};
    for (int k = 0; k < nt; k++) {
        int c = match_class(&fs, low[k], len[k]);
        if (c > x->best[k])
            x->best[k] = (uint8_t)c;
        ref.score += c;
    }
    if (!ref.score)
        return;
    uint32_t lo, hi;
    bool noport;
    unsigned protos;
    entity_extent(reg, e, &lo, &hi, &noport, &protos);
    x->protos |= protos;
    unit_ref(x, &ref);
    if (nt > 1)
        for (int f = 0; f < 3 && !x->phrase; f++)
            x->phrase = fs.len[f] && memmem(fs.f[f], fs.len[f], phrase, strlen(phrase));
}

/* Folds every entity of unit x into it: the records and notes whose extent is x's (found
 * through the index at its first port), or the one record of a name without a port. */
static void
unit_fill(const struct pk_registry *reg, struct unit *x, char low[TERMS_MAX][TERM_MAX + 1],
          const size_t *len, int nt, const char *phrase)
{
    if (x->noport) {
        unit_add(reg, x, x->lo - 65536u, low, len, nt, phrase);
        return;
    }
    const struct pk__port *pe = &reg->ports[x->lo];
    uint32_t last = UINT32_MAX;
    /* A record without a protocol is indexed under tcp and udp: taken once. */
    for (uint32_t k = pe->rec; k < pe[1].rec; k++) {
        uint32_t id = reg->refs[k];
        const struct pk__rec *r = &reg->recs[id];
        if (r->lo != x->lo || r->hi != x->hi || (r->flags & PK_REC_NOPORT) || id == last)
            continue;
        bool dup = false;
        for (uint32_t q = pe->rec; q < k && !dup; q++)
            dup = reg->refs[q] == id;
        if (!dup)
            unit_add(reg, x, id, low, len, nt, phrase);
        last = id;
    }
    for (uint32_t id = pk__notes_from(reg, x->lo); id < reg->nnotes && reg->notes[id].lo == x->lo;
         id++)
        if (reg->notes[id].hi == x->hi)
            unit_add(reg, x, reg->nrecs + id, low, len, nt, phrase);
}

int
pk_search_ports(const struct pk_registry *reg, const char *const *terms, size_t nterms,
                struct pk_search_result *out, size_t max)
{
    char low[TERMS_MAX][TERM_MAX + 1], phrase[TERM_MAX + 1] = "";
    size_t len[TERMS_MAX];
    int nt = split_terms(terms, nterms, low, len, phrase, sizeof(phrase));
    if (nt < 0)
        return nt;
    struct units u = {0};
    struct pk_search_result *all = NULL;
    int rc = 0;
    const char *base = reg->search, *end = reg->search + reg->soff[reg->nrecs + reg->nnotes];

    /* Pass 1: the units of every entity holding the longest term (likely the rarest): only
     * they can hold every term. */
    int driver = 0;
    for (int k = 1; k < nt; k++)
        if (len[k] > len[driver])
            driver = k;
    for (const char *p = base; p < end;) {
        const char *m = memmem(p, (size_t)(end - p), low[driver], len[driver]);
        if (!m)
            break;
        uint32_t e = entity_at(reg, (uint32_t)(m - base));
        p = base + reg->soff[e + 1];
        uint32_t lo, hi;
        bool noport;
        unsigned protos;
        entity_extent(reg, e, &lo, &hi, &noport, &protos);
        bool is_note = e >= reg->nrecs;
        if (!unit_of(&u, lo, hi, noport, is_note ? e - reg->nrecs : e, is_note)) {
            rc = PK_ENOMEM;
            goto out;
        }
    }
    /* Pass 2: every entity of each candidate unit, every term. */
    for (size_t i = 0; i < u.cap; i++)
        if (u.v[i].used)
            unit_fill(reg, &u.v[i], low, len, nt, phrase);
    /* The units every term matches, scored, ordered. */
    all = malloc((u.n ? u.n : 1) * sizeof(*all));
    if (!all) {
        rc = PK_ENOMEM;
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < u.cap; i++) {
        const struct unit *x = &u.v[i];
        if (!x->used)
            continue;
        int score = 0;
        bool every = true;
        for (int k = 0; k < nt; k++) {
            every &= x->best[k] > 0;
            score += x->best[k];
        }
        if (!every)
            continue;
        struct pk_search_result *r = &all[n++];
        memset(r, 0, sizeof(*r));
        r->noport = x->noport;
        r->port = x->noport ? 0 : x->lo;
        r->port_end = x->noport ? 0 : x->hi;
        r->protos = x->protos;
        /* A port's result names the protocols it is assigned on, beside what matched. */
        for (unsigned pr = PK_TCP; !x->noport && x->lo == x->hi && pr <= PK_DCCP; pr <<= 1)
            if (pk_status_of(reg, x->lo, pr) == PK_ASSIGNED)
                r->protos |= pr;
        r->prior = !x->noport && x->lo == x->hi ? pk_port_prior(reg, x->lo, x->protos) : 0;
        if (x->phrase)
            score += PHRASE_BONUS;
        if (!x->noport && x->hi - x->lo >= 15)
            score -= WIDE_PENALTY;
        /* The prior breaks near-ties: a fifth of a weight of up to 100. */
        r->score = score + r->prior / 5;
        r->nrefs = x->nrefs;
        memcpy(r->refs, x->refs, x->nrefs * sizeof(*x->refs));
    }
    qsort(all, n, sizeof(*all), cmp_result);
    if (max)
        memcpy(out, all, (n < max ? n : max) * sizeof(*all));
    rc = n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
out:
    free(all);
    free(u.v);
    return rc;
}
