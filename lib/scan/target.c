/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Target specs as nmap writes them: IPv4 dotted quads, IPv6 addresses, CIDR blocks, octet
 * ranges ("198.18.0.1-20", "10.*.0.1") and host names. Each spec becomes one entry of the
 * list (target_int.h); nothing is expanded here. IPv4-mapped IPv6 addresses are IPv4
 * addresses and are kept as such, so that an exclusion catches them in either spelling.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grow.h"
#include "portkit/error.h"
#include "target_int.h"

#define SPEC_MAX 300 /* longest target spec: a host name is at most 253 bytes */
#define NAMES_MAX (1u << 24)

int
pk__target_fail(const char **why, const char *msg, int err)
{
    if (why)
        *why = msg;
    return err;
}

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
    free(t->inc);
    free(t->exc);
    free(t->nodes);
    free(t->cum);
    free(t);
}

uint64_t
pk__box_count(const struct pk__box *b)
{
    uint64_t n = 1;
    for (int k = 0; k < 4; k++)
        n *= (uint64_t)(b->hi[k] - b->lo[k] + 1);
    return n;
}

/* Keeps a copy of name in t. Returns its index, or PK_ENOMEM. */
static int
keep_name(struct pk_targets *t, const char *name)
{
    if (pk__grow(&t->names, &t->namecap, t->nnames + 1, sizeof(*t->names), NAMES_MAX) < 0)
        return PK_ENOMEM;
    char *copy = strdup(name);
    if (!copy)
        return PK_ENOMEM;
    t->names[t->nnames] = copy;
    return (int)t->nnames++;
}

/* Appends entry e to the inclusions or the exclusions of t. Returns 0 or a pk_errno. */
static int
push_entry(struct pk_targets *t, bool exclude, const struct pk__tentry *e, const char **why)
{
    int rc = exclude
                 ? pk__push(&t->exc, &t->nexc, &t->exccap, e, sizeof(*e), PK__TARGET_ENTRIES_MAX)
                 : pk__push(&t->inc, &t->ninc, &t->inccap, e, sizeof(*e), PK__TARGET_ENTRIES_MAX);
    if (rc == PK_ENOBUFS)
        return pk__target_fail(why, "too many target specs", PK_ERANGE);
    return rc;
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
 * Returns true when name ends in a numeric label ("10.1", "127.1", "1", "0x7f.1",
 * "017.0.0.1"): no top-level domain is numeric, so the resolver would read it as one of the
 * old inet_aton() shorthands for an IPv4 address instead of a name.
 */
static bool
numeric_name(const char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--; /* "1.2.3.4." */
    size_t s = n;
    while (s > 0 && name[s - 1] != '.')
        s--;
    const char *l = name + s;
    size_t len = n - s;
    if (len == 0)
        return false;
    if (len > 1 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X'))
        return strspn(l + 2, "0123456789abcdefABCDEF") >= len - 2;
    return strspn(l, "0123456789") >= len;
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
        return pk__target_fail(why, "not a valid IPv6 address", PK_EINVAL);
    }
    if (!is_host_name(s))
        return pk__target_fail(why, "not an address or host name", PK_EINVAL);
    if (numeric_name(s))
        return pk__target_fail(why, "not an IPv4 address: write four decimal octets (a.b.c.d)",
                               PK_EINVAL);
    if (flags & PK_TARGET_NUMERIC)
        return pk__target_fail(why, "host names are not allowed here", PK_EINVAL);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = (flags & PK_TARGET_IPV6) ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(s, NULL, &hints, &res) != 0 || !res)
        return pk__target_fail(why, "cannot resolve host name", PK_ENOENT);
    *family = res->ai_family;
    if (res->ai_family == AF_INET)
        memcpy(addr, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, 4);
    else
        memcpy(addr, &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, 16);
    freeaddrinfo(res);
    *named = true;
    return 0;
}

/* Reads up to 3 decimal digits at *p into *v. Returns the digits read, or -1 for a leading 0. */
static int
octet_digits(const char **p, unsigned *v)
{
    const char *s = *p;
    int nd = 0;
    *v = 0;
    for (; **p >= '0' && **p <= '9' && nd < 4; (*p)++, nd++)
        *v = *v * 10 + (unsigned)(**p - '0');
    return nd > 1 && s[0] == '0' ? -1 : nd;
}

/*
 * Parses an IPv4 spec with octet ranges ("198.18.0.1-20", "10.0.*.1") into *b. Returns 1
 * for such a spec, 0 when s is not of that form (a plain address is not), or a negative
 * pk_errno with *why.
 */
static int
parse_octets(const char *s, struct pk__box *b, const char **why)
{
    const char *p = s, *err = NULL;
    bool ranged = false;
    for (int i = 0; i < 4; i++) {
        unsigned a = 0, z = 255;
        if (*p == '*') {
            p++, ranged = true;
        } else {
            int nd = octet_digits(&p, &a), nd2 = 1;
            if (nd == 0 && *p != '-')
                return 0;
            z = a;
            if (*p == '-') {
                p++;
                ranged = true;
                nd2 = octet_digits(&p, &z);
                if (nd2 == 0)
                    z = 255;
            }
            /* The first fault wins, reported once the spec is known to be of this form. */
            if (!err)
                err = nd < 0 || nd2 < 0 ? "octet with a leading zero (octal?): write it in decimal"
                      : a > 255 || z > 255 ? "octet out of range (0-255)"
                      : z < a              ? "octet range end is below its start"
                                           : NULL;
        }
        b->lo[i] = (uint8_t)a;
        b->hi[i] = (uint8_t)z;
        if (i < 3 && *p++ != '.')
            return 0;
    }
    if (*p)
        return 0;
    if (err)
        return pk__target_fail(why, err, PK_EINVAL);
    return ranged ? 1 : 0;
}

/* Fills *b with the IPv4 block of addr with prefix bits (0..32) fixed. */
static void
v4_block(const uint8_t addr[4], int prefix, struct pk__box *b)
{
    for (int k = 0; k < 4; k++) {
        int fixed = prefix - 8 * k;
        fixed = fixed < 0 ? 0 : fixed > 8 ? 8 : fixed;
        uint8_t mask = (uint8_t)(0xff00u >> fixed);
        b->lo[k] = addr[k] & mask;
        b->hi[k] = (uint8_t)(b->lo[k] | (uint8_t)~mask);
    }
}

/* The IPv4-mapped IPv6 addresses, ::ffff:0.0.0.0/96. */
static const uint8_t MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/*
 * Turns an IPv6 block (addr with prefix bits fixed) into entries of t: an IPv6 range, or
 * an IPv4 block when it lies within the IPv4-mapped addresses. A block holding all of them
 * and more is refused as a target; as an exclusion it also excludes all of IPv4.
 */
static int
add_v6(struct pk_targets *t, const uint8_t addr[16], int prefix, bool exclude, int name,
       const char **why)
{
    struct pk__tentry e = {.family = AF_INET6, .name = name};
    if (prefix >= 96 && memcmp(addr, MAPPED, 12) == 0) {
        e.family = AF_INET;
        v4_block(addr + 12, prefix - 96, &e.u.v4.box);
        return push_entry(t, exclude, &e, why);
    }
    struct pk__u128 mask = pk__u128_hostmask((unsigned)prefix);
    struct pk__u128 a = pk__u128_load(addr);
    e.u.v6.lo = (struct pk__u128){a.hi & ~mask.hi, a.lo & ~mask.lo};
    e.u.v6.hi = (struct pk__u128){e.u.v6.lo.hi | mask.hi, e.u.v6.lo.lo | mask.lo};
    bool holds_mapped = prefix < 96 && memcmp(addr, MAPPED, (size_t)prefix / 8) == 0 &&
                        (prefix % 8 == 0 || ((addr[prefix / 8] ^ MAPPED[prefix / 8]) &
                                             (0xff00u >> (prefix % 8))) == 0);
    if (holds_mapped && !exclude)
        return pk__target_fail(why,
                               "block holds the IPv4-mapped addresses ::ffff:0:0/96; give IPv4 "
                               "targets as IPv4",
                               PK_EINVAL);
    int rc = push_entry(t, exclude, &e, why);
    if (rc == 0 && holds_mapped) {
        struct pk__tentry all = {.family = AF_INET, .name = -1};
        v4_block(addr + 12, 0, &all.u.v4.box);
        rc = push_entry(t, exclude, &all, why);
    }
    return rc;
}

int
pk_targets_add(struct pk_targets *t, const char *spec, unsigned flags, const char **why)
{
    char buf[SPEC_MAX + 1];
    size_t n = strlen(spec);
    bool exclude = flags & PK_TARGET_EXCLUDE;
    if (t->finished)
        return pk__target_fail(why, "target list already finished", PK_EINVAL);
    if (n == 0)
        return pk__target_fail(why, "empty target", PK_EINVAL);
    if (n > SPEC_MAX)
        return pk__target_fail(why, "target too long", PK_EMSGSIZE);
    memcpy(buf, spec, n + 1);

    int prefix = -1;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        const char *q = slash + 1;
        if (!*q || strlen(q) > 3)
            return pk__target_fail(why, "bad prefix length", PK_EINVAL);
        prefix = 0;
        for (; *q; q++) {
            if (*q < '0' || *q > '9')
                return pk__target_fail(why, "bad prefix length", PK_EINVAL);
            prefix = prefix * 10 + (*q - '0');
        }
    } else {
        struct pk__tentry e = {.family = AF_INET, .name = -1};
        int rc = parse_octets(buf, &e.u.v4.box, why);
        if (rc != 0)
            return rc < 0 ? rc : push_entry(t, exclude, &e, why);
    }

    int family;
    uint8_t addr[16];
    bool named;
    int rc = resolve(buf, flags, &family, addr, &named, why);
    if (rc < 0)
        return rc;
    int bits = family == AF_INET ? 32 : 128;
    if (prefix > bits)
        return pk__target_fail(
            why, family == AF_INET ? "prefix length over 32" : "prefix length over 128", PK_EINVAL);
    if (prefix < 0)
        prefix = bits;
    int name = -1;
    if (named && !exclude) {
        name = keep_name(t, buf);
        if (name < 0)
            return name;
    }
    if (family == AF_INET6)
        return add_v6(t, addr, prefix, exclude, name, why);
    struct pk__tentry e = {.family = AF_INET, .name = name};
    v4_block(addr, prefix, &e.u.v4.box);
    return push_entry(t, exclude, &e, why);
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
        int rc = memchr(tok, '\0', n) ? pk__target_fail(why, "target holds a NUL byte", PK_EINVAL)
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

const char *
pk_target_addr_str(const struct pk_target *tg, char *buf, size_t cap)
{
    if (!inet_ntop(tg->family, tg->addr, buf, (socklen_t)cap) && cap)
        buf[0] = '\0';
    return buf;
}
