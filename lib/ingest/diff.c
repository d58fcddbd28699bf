/* SPDX-License-Identifier: BSD-2-Clause */
/* What changed between two registries (portkit/change.h). */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "portkit/change.h"
#include "portkit/error.h"

#define CHANGES_MAX (65536u * PK_NPROTO)

const char *
pk_change_kind_name(enum pk_change_kind k)
{
    static const char *const names[PK_CHANGE_NKINDS] = {"assigned",    "deassigned", "renamed",
                                                        "redescribed", "reserved",   "unreserved"};
    return (unsigned)k < PK_CHANGE_NKINDS ? names[k] : NULL;
}

/* What reg says of (port, proto). */
static void
side_of(const struct pk_registry *reg, unsigned port, unsigned proto, struct pk_change_side *s)
{
    struct pk_cursor c;
    struct pk_record r;
    memset(s, 0, sizeof(*s));
    s->description = "";
    pk_lookup(reg, port, proto, &c);
    /* Records come assignments first: the first one decides, as pk_status_of() says. */
    for (bool first = true; pk_cursor_next(&c, &r); first = false) {
        if (first) {
            s->status = r.status;
            s->description = r.description;
        }
        if (r.status != PK_ASSIGNED || !*r.service || s->nservices == PK_CHANGE_NAMES)
            continue;
        bool seen = false;
        for (size_t i = 0; i < s->nservices && !seen; i++)
            seen = strcmp(s->services[i], r.service) == 0;
        if (!seen)
            s->services[s->nservices++] = r.service;
    }
}

static bool
same_names(const struct pk_change_side *a, const struct pk_change_side *b)
{
    if (a->nservices != b->nservices)
        return false;
    for (size_t i = 0; i < a->nservices; i++)
        if (strcmp(a->services[i], b->services[i]) != 0)
            return false;
    return true;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Equal texts but for where and how much white space there is between words: IANA's files
 * keep the line breaks and indents of a reflowed description, the npm package does not, so
 * the first update from the built-in snapshot would call those re-described. */
static bool
same_text(const char *a, const char *b)
{
    for (;;) {
        while (is_space(*a))
            a++;
        while (is_space(*b))
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        while (*a && !is_space(*a) && *a == *b) /* a word of each, as far as they agree */
            a++, b++;
        if ((*a && !is_space(*a)) || (*b && !is_space(*b)))
            return false;
    }
}

static bool
same_side(const struct pk_change_side *a, const struct pk_change_side *b)
{
    return a->status == b->status && same_names(a, b) && same_text(a->description, b->description);
}

/* The kind of change from b to a. Returns -1 for none. */
static int
kind_of(const struct pk_change_side *b, const struct pk_change_side *a)
{
    if (b->status != PK_ASSIGNED && a->status == PK_ASSIGNED)
        return PK_CHANGE_ASSIGNED;
    if (b->status == PK_ASSIGNED && a->status != PK_ASSIGNED)
        return PK_CHANGE_DEASSIGNED;
    if (b->status == PK_ASSIGNED)
        return !same_names(b, a)                             ? PK_CHANGE_RENAMED
               : !same_text(b->description, a->description) ? PK_CHANGE_REDESCRIBED
                                                             : -1;
    if (b->status == PK_UNASSIGNED && a->status == PK_RESERVED)
        return PK_CHANGE_RESERVED;
    if (b->status == PK_RESERVED && a->status == PK_UNASSIGNED)
        return PK_CHANGE_UNRESERVED;
    return -1;
}

static bool
same_change(const struct pk_change *x, const struct pk_change *y)
{
    return x->kind == y->kind && same_side(&x->before, &y->before) &&
           same_side(&x->after, &y->after);
}

/* By first port, last port, kind, then protocol. */
static int
cmp_change(const void *a, const void *b)
{
    const struct pk_change *x = a, *y = b;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    if (x->port_end != y->port_end)
        return x->port_end < y->port_end ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return (x->protos > y->protos) - (x->protos < y->protos);
}

int
pk_registry_diff(const struct pk_registry *before, const struct pk_registry *after,
                 struct pk_change **out, size_t *n)
{
    struct pk_change *v = NULL;
    size_t nv = 0, cap = 0;
    int rc = 0;
    /* Runs of ports with the same change, one protocol at a time... */
    for (unsigned p = PK_TCP; p <= PK_DCCP && rc == 0; p <<= 1) {
        size_t run = SIZE_MAX; /* the run this protocol may extend */
        for (unsigned port = 0; port <= PK_PORT_MAX && rc == 0; port++) {
            struct pk_change c = {.port = port, .port_end = port, .protos = p};
            side_of(before, port, p, &c.before);
            side_of(after, port, p, &c.after);
            int k = kind_of(&c.before, &c.after);
            if (k < 0) {
                run = SIZE_MAX;
                continue;
            }
            c.kind = (enum pk_change_kind)k;
            if (run != SIZE_MAX && v[run].port_end + 1 == port && same_change(&v[run], &c)) {
                v[run].port_end = port;
                continue;
            }
            rc = pk__push(&v, &nv, &cap, &c, sizeof(c), CHANGES_MAX);
            run = nv - 1;
        }
    }
    if (rc < 0) {
        free(v);
        return rc == PK_ENOBUFS ? PK_ENOMEM : rc;
    }
    /* ...then the protocols of one run together. */
    if (nv)
        qsort(v, nv, sizeof(*v), cmp_change);
    size_t w = 0;
    for (size_t i = 0; i < nv; i++) {
        bool merged = false;
        for (size_t j = w;
             !merged && j-- > 0 && v[j].port == v[i].port && v[j].port_end == v[i].port_end;)
            if (same_change(&v[j], &v[i])) {
                v[j].protos |= v[i].protos;
                merged = true;
            }
        if (!merged)
            v[w++] = v[i];
    }
    *out = v;
    *n = w;
    return 0;
}

void
pk_changes_free(struct pk_change *changes)
{
    free(changes);
}
