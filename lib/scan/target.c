/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portkit/error.h"
#include "portkit/target.h"

#define SPEC_MAX 300            /* longest target spec: a host name is at most 253 bytes */
#define OCTET_RANGES_MAX 65536u /* ranges one IPv4 octet-range spec may expand to */

/* Addresses as 128-bit numbers: IPv4 in the low 32 bits. A GCC/Clang extension. */
__extension__ typedef unsigned __int128 u128;

struct range {
    int family;
    u128 lo, hi;
    int name; /* index into names, or -1 */
};

struct vec {
    struct range *r;
    size_t n, cap;
};

struct pk_targets {
    struct vec inc, exc;
    char **names;
    size_t nnames, namecap;
    uint64_t *cum; /* cum[i]: hosts in inc.r[0..i] */
    uint64_t count;
    bool finished;
};

int
pk_targets_new(struct pk_targets **out)
{
    struct pk_targets *t = calloc(1, sizeof(*t));
    if (!t)
        return PK_ENOMEM;
    *out = t;
    return 0;
}

void
pk_targets_free(struct pk_targets *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nnames; i++)
        free(t->names[i]);
    free(t->names);
    free(t->inc.r);
    free(t->exc.r);
    free(t->cum);
    free(t);
}

/* Appends a range to v. Returns 0 or PK_ENOMEM. */
static int
vec_push(struct vec *v, int family, u128 lo, u128 hi, int name)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct range *r = realloc(v->r, cap * sizeof(*r));
        if (!r)
            return PK_ENOMEM;
        v->r = r;
        v->cap = cap;
    }
    v->r[v->n++] = (struct range){family, lo, hi, name};
    return 0;
}

/* Converts len bytes of a network-order address to a number. */
static u128
to_num(const uint8_t *a, size_t len)
{
    u128 v = 0;
    for (size_t i = 0; i < len; i++)
        v = (v << 8) | a[i];
    return v;
}

/* Writes v as a network-order address of len bytes. */
static void
from_num(u128 v, uint8_t *a, size_t len)
{
    for (size_t i = len; i-- > 0;) {
        a[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Points *why (when not NULL) at msg. Returns err. */
static int
fail(const char **why, const char *msg, int err)
{
    if (why)
        *why = msg;
    return err;
}

/* Keeps a copy of name in t. Returns its index, or PK_ENOMEM. */
static int
keep_name(struct pk_targets *t, const char *name)
{
    if (t->nnames == t->namecap) {
        size_t cap = t->namecap ? t->namecap * 2 : 8;
        char **n = realloc(t->names, cap * sizeof(*n));
        if (!n)
            return PK_ENOMEM;
        t->names = n;
        t->namecap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return PK_ENOMEM;
    t->names[t->nnames] = copy;
    return (int)t->nnames++;
}

/* Returns true when s is a plausible DNS host name. */
static bool
is_host_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}

/*
 * Resolves an address or host name s to one address. Returns 0 and fills family/addr and
 * *named (true for a host name), or a negative pk_errno with *why.
 */
static int
resolve(const char *s, unsigned flags, int *family, uint8_t addr[16], bool *named, const char **why)
{
    *named = false;
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (strchr(s, ':')) {
        if (inet_pton(AF_INET6, s, addr) == 1) {
            *family = AF_INET6;
            return 0;
        }
        return fail(why, "not a valid IPv6 address", PK_EINVAL);
    }
    if (!is_host_name(s))
        return fail(why, "not an address or host name", PK_EINVAL);
    if (flags & PK_TARGET_NUMERIC)
        return fail(why, "host names are not allowed here", PK_EINVAL);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = (flags & PK_TARGET_IPV6) ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(s, NULL, &hints, &res) != 0 || !res)
        return fail(why, "cannot resolve host name", PK_ENOENT);
    *family = res->ai_family;
    if (res->ai_family == AF_INET)
        memcpy(addr, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, 4);
    else
        memcpy(addr, &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, 16);
    freeaddrinfo(res);
    *named = true;
    return 0;
}

/*
 * Parses an IPv4 spec with octet ranges ("198.18.0.1-20", "10.0.*.1"). Returns 1 when it
 * added ranges, 0 when s is not of that form, or a negative pk_errno.
 */
static int
add_octets(struct vec *v, const char *s, const char **why)
{
    unsigned lo[4], hi[4];
    const char *p = s;
    bool ranged = false;
    for (int i = 0; i < 4; i++) {
        if (*p == '*') {
            lo[i] = 0, hi[i] = 255, p++, ranged = true;
        } else {
            unsigned a = 0, b;
            int nd = 0;
            for (; *p >= '0' && *p <= '9' && nd < 4; p++, nd++)
                a = a * 10 + (unsigned)(*p - '0');
            if (nd == 0 && *p != '-')
                return 0;
            if (nd == 0)
                a = 0;
            b = a;
            if (*p == '-') {
                p++;
                ranged = true;
                int nd2 = 0;
                b = 0;
                for (; *p >= '0' && *p <= '9' && nd2 < 4; p++, nd2++)
                    b = b * 10 + (unsigned)(*p - '0');
                if (nd2 == 0)
                    b = 255;
            }
            if (a > 255 || b > 255)
                return fail(why, "octet out of range (0-255)", PK_EINVAL);
            if (b < a)
                return fail(why, "octet range end is below its start", PK_EINVAL);
            lo[i] = a, hi[i] = b;
        }
        if (i < 3 && *p++ != '.')
            return 0;
    }
    if (*p || !ranged)
        return 0;
    uint64_t n = (uint64_t)(hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1);
    if (n > OCTET_RANGES_MAX)
        return fail(why, "octet ranges too large", PK_ERANGE);
    for (unsigned a = lo[0]; a <= hi[0]; a++)
        for (unsigned b = lo[1]; b <= hi[1]; b++)
            for (unsigned c = lo[2]; c <= hi[2]; c++) {
                u128 base = ((u128)a << 24) | ((u128)b << 16) | ((u128)c << 8);
                if (vec_push(v, AF_INET, base | lo[3], base | hi[3], -1) < 0)
                    return PK_ENOMEM;
            }
    return 1;
}

int
pk_targets_add(struct pk_targets *t, const char *spec, unsigned flags, const char **why)
{
    char buf[SPEC_MAX + 1];
    size_t n = strlen(spec);
    struct vec *v = (flags & PK_TARGET_EXCLUDE) ? &t->exc : &t->inc;
    if (t->finished)
        return fail(why, "target list already finished", PK_EINVAL);
    if (n == 0)
        return fail(why, "empty target", PK_EINVAL);
    if (n > SPEC_MAX)
        return fail(why, "target too long", PK_EMSGSIZE);
    memcpy(buf, spec, n + 1);

    int prefix = -1;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        const char *q = slash + 1;
        if (!*q || strlen(q) > 3)
            return fail(why, "bad prefix length", PK_EINVAL);
        prefix = 0;
        for (; *q; q++) {
            if (*q < '0' || *q > '9')
                return fail(why, "bad prefix length", PK_EINVAL);
            prefix = prefix * 10 + (*q - '0');
        }
    } else {
        int rc = add_octets(v, buf, why);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }

    int family;
    uint8_t addr[16];
    bool named;
    int rc = resolve(buf, flags, &family, addr, &named, why);
    if (rc < 0)
        return rc;
    int bits = family == AF_INET ? 32 : 128;
    if (prefix > bits)
        return fail(why, family == AF_INET ? "prefix length over 32" : "prefix length over 128",
                    PK_EINVAL);
    u128 a = to_num(addr, (size_t)bits / 8);
    u128 lo = a, hi = a;
    if (prefix >= 0 && prefix < bits) {
        u128 hostmask = prefix == 0 ? (bits == 32 ? (u128)0xffffffffu : ~(u128)0)
                                    : ((u128)1 << (bits - prefix)) - 1;
        lo = a & ~hostmask;
        hi = lo | hostmask;
    }
    int name = -1;
    if (named && !(flags & PK_TARGET_EXCLUDE)) {
        name = keep_name(t, buf);
        if (name < 0)
            return name;
    }
    return vec_push(v, family, lo, hi, name);
}

int
pk_targets_add_text(struct pk_targets *t, const char *text, size_t len, unsigned flags,
                    unsigned *line, char *bad, size_t badcap, const char **why)
{
    unsigned ln = 1;
    char tok[SPEC_MAX + 2];
    size_t i = 0;
    while (i < len) {
        char c = text[i];
        if (c == '\n') {
            ln++, i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
            continue;
        }
        if (c == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        size_t s = i;
        while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n' &&
               text[i] != '#')
            i++;
        size_t n = i - s;
        if (n > SPEC_MAX + 1)
            n = SPEC_MAX + 1; /* still too long for pk_targets_add() */
        memcpy(tok, text + s, n);
        tok[n] = '\0';
        int rc = memchr(tok, '\0', n) ? fail(why, "target holds a NUL byte", PK_EINVAL)
                                      : pk_targets_add(t, tok, flags, why);
        if (rc < 0) {
            if (line)
                *line = ln;
            if (bad && badcap) {
                size_t k = strnlen(tok, n) < badcap - 1 ? strnlen(tok, n) : badcap - 1;
                memcpy(bad, tok, k);
                bad[k] = '\0';
            }
            return rc;
        }
    }
    return 0;
}

/* qsort() order of ranges: by family, then first address. */
static int
cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int
pk_targets_finish(struct pk_targets *t, uint64_t max_hosts, const char **why)
{
    struct vec out = {0};
    int rc = 0;
    if (t->finished)
        return fail(why, "target list already finished", PK_EINVAL);

    /* Sort and merge the exclusions so that each target range walks them once. */
    struct vec *x = &t->exc;
    if (x->n)
        qsort(x->r, x->n, sizeof(*x->r), cmp_range);
    size_t m = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (m && x->r[m - 1].family == x->r[i].family &&
            (x->r[m - 1].hi == ~(u128)0 || x->r[i].lo <= x->r[m - 1].hi + 1)) {
            if (x->r[i].hi > x->r[m - 1].hi)
                x->r[m - 1].hi = x->r[i].hi;
        } else {
            x->r[m++] = x->r[i];
        }
    }
    x->n = m;

    u128 total = 0;
    for (size_t i = 0; i < t->inc.n; i++) {
        struct range r = t->inc.r[i];
        /* First exclusion that could overlap: binary search on (family, hi >= r.lo). */
        size_t lo = 0, hi = x->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const struct range *e = &x->r[mid];
            if (e->family < r.family || (e->family == r.family && e->hi < r.lo))
                lo = mid + 1;
            else
                hi = mid;
        }
        u128 cur = r.lo;
        bool done = false;
        for (size_t k = lo; k < x->n && !done; k++) {
            const struct range *e = &x->r[k];
            if (e->family != r.family || e->lo > r.hi)
                break;
            if (e->lo > cur) {
                rc = vec_push(&out, r.family, cur, e->lo - 1, r.name);
                if (rc < 0)
                    goto out;
                total += e->lo - cur;
            }
            if (e->hi >= r.hi)
                done = true;
            else
                cur = e->hi + 1;
        }
        if (!done) {
            rc = vec_push(&out, r.family, cur, r.hi, r.name);
            if (rc < 0)
                goto out;
            total += r.hi - cur + 1; /* wraps to 0 only for all of IPv6 */
            if (r.hi - cur + 1 == 0)
                total = ~(u128)0;
        }
        if (total > max_hosts) {
            rc = fail(why, "more hosts than --max-hosts allows", PK_ERANGE);
            goto out;
        }
    }

    uint64_t *cum = malloc((out.n ? out.n : 1) * sizeof(*cum));
    if (!cum) {
        rc = PK_ENOMEM;
        goto out;
    }
    uint64_t c = 0;
    for (size_t i = 0; i < out.n; i++) {
        c += (uint64_t)(out.r[i].hi - out.r[i].lo + 1);
        cum[i] = c;
    }
    free(t->inc.r);
    t->inc = out;
    out = (struct vec){0};
    t->cum = cum;
    t->count = c;
    t->finished = true;
out:
    free(out.r);
    return rc;
}

uint64_t
pk_targets_count(const struct pk_targets *t)
{
    return t->finished ? t->count : 0;
}

int
pk_targets_get(const struct pk_targets *t, uint64_t i, struct pk_target *out)
{
    if (!t->finished || i >= t->count)
        return PK_ENOENT;
    size_t lo = 0, hi = t->inc.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->cum[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct range *r = &t->inc.r[lo];
    uint64_t before = lo ? t->cum[lo - 1] : 0;
    u128 a = r->lo + (i - before);
    memset(out, 0, sizeof(*out));
    out->family = r->family;
    from_num(a, out->addr, r->family == AF_INET ? 4 : 16);
    out->name = r->name >= 0 ? t->names[r->name] : NULL;
    return 0;
}

const char *
pk_target_addr_str(const struct pk_target *tg, char *buf, size_t cap)
{
    if (!inet_ntop(tg->family, tg->addr, buf, (socklen_t)cap) && cap)
        buf[0] = '\0';
    return buf;
}
