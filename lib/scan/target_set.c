/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Finishing a target list: exclusions are cut out of each entry, hosts are counted (and
 * held to max_hosts) as they are, and host i is found by walking the entries' counts. An
 * IPv4 entry an exclusion touches becomes a trie of octet runs whose lists share their
 * children, so "10.0.0.0/8 minus *.*.*.1" is a handful of nodes, not 65536 ranges.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grow.h"
#include "portkit/error.h"
#include "target_int.h"

/* Returns box b's first (hi false) or last address as a number. */
static uint32_t
box_end(const struct pk__box *b, bool hi)
{
    const uint8_t *o = hi ? b->hi : b->lo;
    return (uint32_t)o[0] << 24 | (uint32_t)o[1] << 16 | (uint32_t)o[2] << 8 | o[3];
}

/* Returns true when boxes a and b share an address. */
static bool
box_overlap(const struct pk__box *a, const struct pk__box *b)
{
    for (int k = 0; k < 4; k++)
        if (a->hi[k] < b->lo[k] || b->hi[k] < a->lo[k])
            return false;
    return true;
}

/* What finish() needs to cut exclusion boxes out of IPv4 entries. */
struct cutter {
    struct pk_targets *t;
    const struct pk__box *x; /* the exclusion boxes, by first address */
    uint32_t *pmax;          /* pmax[i]: the highest last address of x[0..i] */
    size_t nx;
    uint32_t *set[4][2]; /* per octet, two index buffers of nx: this run's boxes, the last */
};

/* Returns the hosts in the list of n nodes at start (0 for none). */
static uint64_t
list_total(const struct pk_targets *t, uint32_t start, uint32_t n)
{
    return n ? t->nodes[start + n - 1].cum : 0;
}

/* Appends the n nodes at tmp to the arena as one list, counting them. Sets *start. */
static int
emit_list(struct pk_targets *t, struct pk__tnode *tmp, size_t n, int d, uint32_t *start)
{
    int rc =
        pk__grow(&t->nodes, &t->nodecap, t->nnodes + n, sizeof(*t->nodes), PK__TARGET_NODES_MAX);
    if (rc < 0)
        return rc;
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t per = d == 3 ? 1 : list_total(t, tmp[i].child, tmp[i].nchild);
        c += (uint64_t)(tmp[i].hi - tmp[i].lo + 1) * per;
        tmp[i].cum = c;
    }
    *start = (uint32_t)t->nnodes;
    memcpy(t->nodes + t->nnodes, tmp, n * sizeof(*tmp));
    t->nnodes += n;
    return 0;
}

/*
 * Cuts the boxes x[set[0..ns)] (their octets d..3) out of the list of n nodes at start, for
 * octet d. Writes the result as a new list: *ostart, *on (0 when nothing is left). The value
 * range is split where a node or a box begins or ends; runs covered by the same boxes are cut
 * alike, so neighbours share the list below them. Returns 0, PK_ENOBUFS or PK_ENOMEM.
 */
static int
cut(struct cutter *c, int d, uint32_t start, uint32_t n, const uint32_t *set, size_t ns,
    uint32_t *ostart, uint32_t *on)
{
    struct pk_targets *t = c->t;
    struct pk__tnode out[256];
    size_t m = 0;
    bool edge[257] = {false};
    for (size_t i = 0; i < ns; i++) {
        edge[c->x[set[i]].lo[d]] = true;
        edge[c->x[set[i]].hi[d] + 1] = true;
    }
    uint32_t *cur = c->set[d][0], *last = c->set[d][1];
    size_t nlast = 0;
    uint32_t last_child = 0, last_n = 0, last_src = UINT32_MAX;
    for (uint32_t k = 0; k < n; k++) {
        struct pk__tnode node = t->nodes[start + k]; /* a copy: the arena may move */
        for (unsigned a = node.lo; a <= node.hi;) {
            unsigned z = a;
            while (z < node.hi && !edge[z + 1])
                z++;
            size_t ncur = 0;
            for (size_t i = 0; i < ns; i++)
                if (c->x[set[i]].lo[d] <= a && a <= c->x[set[i]].hi[d])
                    cur[ncur++] = set[i];
            uint32_t cs = node.child, cn = node.nchild;
            bool keep = true;
            if (ncur && d == 3) {
                keep = false;
            } else if (ncur) {
                if (last_src == start + k && ncur == nlast &&
                    memcmp(cur, last, ncur * sizeof(*cur)) == 0) {
                    cs = last_child, cn = last_n; /* cut alike: share the result */
                } else {
                    int rc = cut(c, d + 1, node.child, node.nchild, cur, ncur, &cs, &cn);
                    if (rc < 0)
                        return rc;
                    last_src = start + k, last_child = cs, last_n = cn, nlast = ncur;
                    uint32_t *sw = cur;
                    cur = last;
                    last = sw;
                }
                keep = cn > 0;
            }
            if (keep) {
                if (m && out[m - 1].child == cs && out[m - 1].nchild == cn &&
                    out[m - 1].hi + 1u == a)
                    out[m - 1].hi = (uint8_t)z;
                else
                    out[m++] = (struct pk__tnode){0, cs, (uint16_t)cn, (uint8_t)a, (uint8_t)z};
            }
            a = z + 1;
        }
    }
    *on = (uint32_t)m;
    *ostart = 0;
    return m ? emit_list(t, out, m, d, ostart) : 0;
}

/* Turns IPv4 entry e into a trie with the exclusion boxes that touch it cut out. */
static int
cut_entry(struct cutter *c, struct pk__tentry *e)
{
    const struct pk__box *b = &e->u.v4.box;
    uint32_t lo = box_end(b, false), hi = box_end(b, true);
    /* The first exclusion that may reach lo: pmax rises, so search it. */
    size_t l = 0, r = c->nx;
    while (l < r) {
        size_t mid = l + (r - l) / 2;
        if (c->pmax[mid] < lo)
            l = mid + 1;
        else
            r = mid;
    }
    uint32_t *set = c->set[0][0];
    size_t ns = 0;
    for (size_t i = l; i < c->nx && box_end(&c->x[i], false) <= hi; i++)
        if (box_overlap(&c->x[i], b))
            set[ns++] = (uint32_t)i;
    if (ns == 0)
        return 0; /* the plain box stays */
    /* The box as a chain of four one-node lists, then cut. */
    struct pk__tnode chain[4];
    uint32_t below = 0, nbelow = 0;
    for (int d = 3; d >= 0; d--) {
        chain[d] = (struct pk__tnode){0, below, (uint16_t)nbelow, b->lo[d], b->hi[d]};
        int rc = emit_list(c->t, &chain[d], 1, d, &below);
        if (rc < 0)
            return rc;
        nbelow = 1;
    }
    /* set[0][0] holds the boxes; cut() uses set[0][*] for octet 1's runs, so copy them. */
    uint32_t *top = malloc(ns * sizeof(*top));
    if (!top)
        return PK_ENOMEM;
    memcpy(top, set, ns * sizeof(*top));
    int rc = cut(c, 0, below, 1, top, ns, &e->u.v4.list, &e->u.v4.nlist);
    free(top);
    if (rc == 0 && e->u.v4.nlist == 0)
        e->u.v4.box.lo[0] = 1, e->u.v4.box.hi[0] = 0; /* all excluded: empty */
    return rc;
}

/* Returns the hosts of IPv4 entry e. */
static uint64_t
v4_count(const struct pk_targets *t, const struct pk__tentry *e)
{
    if (e->u.v4.nlist)
        return list_total(t, e->u.v4.list, e->u.v4.nlist);
    if (e->u.v4.box.lo[0] > e->u.v4.box.hi[0])
        return 0;
    return pk__box_count(&e->u.v4.box);
}

/* qsort() order of boxes: by first address. */
static int
cmp_box(const void *a, const void *b)
{
    uint32_t x = box_end(a, false), y = box_end(b, false);
    return x < y ? -1 : x > y;
}

/* qsort() order of IPv6 ranges: by first address. */
static int
cmp_v6(const void *a, const void *b)
{
    const struct pk__tentry *x = a, *y = b;
    return pk__u128_cmp(x->u.v6.lo, y->u.v6.lo);
}

/* Sorts the IPv6 exclusions x[0..n) and merges overlapping ones. Returns how many are left. */
static size_t
merge_v6(struct pk__tentry *x, size_t n)
{
    qsort(x, n, sizeof(*x), cmp_v6);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct pk__u128 top = {~0ull, ~0ull};
        if (m && (pk__u128_cmp(x[m - 1].u.v6.hi, top) == 0 ||
                  pk__u128_cmp(x[i].u.v6.lo, pk__u128_add64(x[m - 1].u.v6.hi, 1)) <= 0)) {
            if (pk__u128_cmp(x[i].u.v6.hi, x[m - 1].u.v6.hi) > 0)
                x[m - 1].u.v6.hi = x[i].u.v6.hi;
        } else {
            x[m++] = x[i];
        }
    }
    return m;
}

/* Adds n hosts to *total, saturating. Returns true when *total is now over max. */
static bool
count_add(struct pk__u128 *total, struct pk__u128 n, uint64_t max)
{
    struct pk__u128 s = pk__u128_add(*total, n);
    if (pk__u128_cmp(s, *total) < 0)
        s = (struct pk__u128){~0ull, ~0ull};
    *total = s;
    return pk__u128_cmp(s, pk__u128_from64(max)) > 0;
}

/* Appends the IPv6 range lo..hi of entry r to out (when not empty) and counts it. */
static int
push_v6(struct pk__tentry **out, size_t *nout, size_t *cap, const struct pk__tentry *r,
        struct pk__u128 lo, struct pk__u128 hi)
{
    struct pk__tentry e = *r;
    e.u.v6.lo = lo;
    e.u.v6.hi = hi;
    return pk__push(out, nout, cap, &e, sizeof(e), PK__TARGET_ENTRIES_MAX);
}

/* Cuts the merged IPv6 exclusions x[0..nx) out of range r, appending the pieces to out. */
static int
cut_v6(const struct pk__tentry *x, size_t nx, const struct pk__tentry *r, struct pk__tentry **out,
       size_t *nout, size_t *cap)
{
    size_t lo = 0, hi = nx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pk__u128_cmp(x[mid].u.v6.hi, r->u.v6.lo) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct pk__u128 cur = r->u.v6.lo;
    for (size_t k = lo; k < nx; k++) {
        if (pk__u128_cmp(x[k].u.v6.lo, r->u.v6.hi) > 0)
            break;
        int rc = 0;
        if (pk__u128_cmp(x[k].u.v6.lo, cur) > 0)
            rc = push_v6(out, nout, cap, r, cur, pk__u128_sub(x[k].u.v6.lo, pk__u128_from64(1)));
        if (rc < 0)
            return rc;
        if (pk__u128_cmp(x[k].u.v6.hi, r->u.v6.hi) >= 0)
            return 0;
        cur = pk__u128_add64(x[k].u.v6.hi, 1);
    }
    return push_v6(out, nout, cap, r, cur, r->u.v6.hi);
}

/* Returns the hosts of IPv6 range e (2^128 saturates to 2^128 - 1). */
static struct pk__u128
v6_count(const struct pk__tentry *e)
{
    struct pk__u128 n = pk__u128_sub(e->u.v6.hi, e->u.v6.lo);
    return pk__u128_cmp(n, (struct pk__u128){~0ull, ~0ull}) == 0 ? n : pk__u128_add64(n, 1);
}

/* Splits the exclusions of t: IPv4 boxes sorted to the front, IPv6 ranges after. Returns the IPv4
 * count. */
static size_t
split_exclusions(struct pk_targets *t)
{
    size_t n4 = 0;
    for (size_t i = 0; i < t->nexc; i++)
        if (t->exc[i].family == AF_INET) {
            struct pk__tentry e = t->exc[i];
            t->exc[i] = t->exc[n4];
            t->exc[n4++] = e;
        }
    return n4;
}

int
pk_targets_finish(struct pk_targets *t, uint64_t max_hosts, const char **why)
{
    struct pk__tentry *out = NULL;
    size_t nout = 0, cap = 0;
    struct cutter c = {.t = t};
    int rc = 0;
    if (t->finished)
        return pk__target_fail(why, "target list already finished", PK_EINVAL);

    size_t n4 = split_exclusions(t);
    struct pk__tentry *x6 = t->nexc ? t->exc + n4 : NULL;
    size_t n6 = t->nexc > n4 ? merge_v6(x6, t->nexc - n4) : 0;
    c.nx = n4;
    c.x = calloc(n4 ? n4 : 1, sizeof(*c.x));
    c.pmax = malloc((n4 ? n4 : 1) * sizeof(*c.pmax));
    rc = c.x && c.pmax ? 0 : PK_ENOMEM;
    for (int d = 0; d < 4 && rc == 0; d++)
        for (int k = 0; k < 2 && rc == 0; k++)
            if (!(c.set[d][k] = malloc((n4 ? n4 : 1) * sizeof(uint32_t))))
                rc = PK_ENOMEM;
    if (rc < 0)
        goto out;
    struct pk__box *x = (struct pk__box *)c.x;
    for (size_t i = 0; i < n4; i++)
        x[i] = t->exc[i].u.v4.box;
    if (n4)
        qsort(x, n4, sizeof(*x), cmp_box);
    for (size_t i = 0; i < n4; i++) {
        uint32_t e = box_end(&x[i], true);
        c.pmax[i] = i && c.pmax[i - 1] > e ? c.pmax[i - 1] : e;
    }

    struct pk__u128 total = {0, 0};
    for (size_t i = 0; i < t->ninc; i++) {
        struct pk__tentry e = t->inc[i];
        size_t first = nout;
        if (e.family == AF_INET) {
            rc = cut_entry(&c, &e);
            if (rc == 0 && v4_count(t, &e))
                rc = pk__push(&out, &nout, &cap, &e, sizeof(e), PK__TARGET_ENTRIES_MAX);
        } else {
            rc = cut_v6(x6, n6, &e, &out, &nout, &cap);
        }
        if (rc == PK_ENOBUFS) {
            rc =
                pk__target_fail(why, "exclusions cut the targets into too many pieces", PK_ENOBUFS);
            goto out;
        }
        if (rc < 0)
            goto out;
        for (size_t k = first; k < nout; k++) {
            struct pk__u128 n = out[k].family == AF_INET ? pk__u128_from64(v4_count(t, &out[k]))
                                                         : v6_count(&out[k]);
            if (count_add(&total, n, max_hosts)) {
                rc = pk__target_fail(why, "more hosts than --max-hosts allows", PK_ERANGE);
                goto out;
            }
        }
    }

    uint64_t *cum = malloc((nout ? nout : 1) * sizeof(*cum));
    if (!cum) {
        rc = PK_ENOMEM;
        goto out;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < nout; i++) {
        sum += out[i].family == AF_INET ? v4_count(t, &out[i]) : v6_count(&out[i]).lo;
        cum[i] = sum;
    }
    free(t->inc);
    t->inc = out;
    t->ninc = nout;
    t->inccap = cap;
    out = NULL;
    free(t->exc);
    t->exc = NULL;
    t->nexc = t->exccap = 0;
    t->cum = cum;
    t->count = sum;
    t->finished = true;
out:
    free(out);
    free((void *)c.x);
    free(c.pmax);
    for (int d = 0; d < 4; d++)
        for (int k = 0; k < 2; k++)
            free(c.set[d][k]);
    return rc;
}

uint64_t
pk_targets_count(const struct pk_targets *t)
{
    return t->finished ? t->count : 0;
}

/* Fills octets d..3 of addr with host r of the list of n nodes at start. */
static void
trie_get(const struct pk_targets *t, uint32_t start, uint32_t n, uint64_t r, uint8_t *addr)
{
    for (int d = 0; d < 4; d++) {
        const struct pk__tnode *l = t->nodes + start;
        uint32_t lo = 0, hi = n - 1;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (l[mid].cum <= r)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo)
            r -= l[lo - 1].cum;
        uint64_t per = d == 3 ? 1 : list_total(t, l[lo].child, l[lo].nchild);
        addr[d] = (uint8_t)(l[lo].lo + r / per);
        r %= per;
        start = l[lo].child;
        n = l[lo].nchild;
    }
}

int
pk_targets_get(const struct pk_targets *t, uint64_t i, struct pk_target *out)
{
    if (!t->finished || i >= t->count)
        return PK_ENOENT;
    size_t lo = 0, hi = t->ninc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->cum[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct pk__tentry *e = &t->inc[lo];
    uint64_t r = i - (lo ? t->cum[lo - 1] : 0);
    memset(out, 0, sizeof(*out));
    out->family = e->family;
    out->name = e->name >= 0 ? t->names[e->name] : NULL;
    if (e->family == AF_INET6) {
        pk__u128_store(pk__u128_add64(e->u.v6.lo, r), out->addr);
    } else if (e->u.v4.nlist) {
        trie_get(t, e->u.v4.list, e->u.v4.nlist, r, out->addr);
    } else {
        const struct pk__box *b = &e->u.v4.box;
        for (int d = 3; d >= 0; d--) {
            uint64_t size = (uint64_t)(b->hi[d] - b->lo[d] + 1);
            out->addr[d] = (uint8_t)(b->lo[d] + r % size);
            r /= size;
        }
    }
    return 0;
}
