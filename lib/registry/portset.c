/* SPDX-License-Identifier: BSD-2-Clause */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/portset.h"
#include "nmap_services.h"
#include "portnum.h"

#define SPEC_MAX (1u << 20) /* longest spec accepted, in bytes */
#define NAME_MAX_ 64        /* longest service name or pattern */

/* Empties s. */
void
pk_portset_clear(struct pk_portset *s)
{
    memset(s, 0, sizeof(*s));
}

void
pk_portset_add(struct pk_portset *s, unsigned proto, unsigned lo, unsigned hi)
{
    int k = pk_proto_index(proto);
    if (k < 0 || hi > PK_PORT_MAX)
        return;
    for (unsigned p = lo; p <= hi; p++)
        s->bits[k][p >> 3] |= (uint8_t)(1u << (p & 7));
}

void
pk_portset_remove(struct pk_portset *s, unsigned proto, unsigned lo, unsigned hi)
{
    int k = pk_proto_index(proto);
    if (k < 0 || hi > PK_PORT_MAX)
        return;
    for (unsigned p = lo; p <= hi; p++)
        s->bits[k][p >> 3] &= (uint8_t) ~(1u << (p & 7));
}

bool
pk_portset_has(const struct pk_portset *s, unsigned proto, unsigned port)
{
    int k = pk_proto_index(proto);
    if (k < 0 || port > PK_PORT_MAX)
        return false;
    return s->bits[k][port >> 3] & (1u << (port & 7));
}

size_t
pk_portset_count(const struct pk_portset *s, unsigned proto)
{
    size_t n = 0;
    int k = pk_proto_index(proto);
    if (k < 0)
        return 0;
    for (size_t i = 0; i < sizeof(s->bits[0]); i++)
        n += (size_t)__builtin_popcount(s->bits[k][i]);
    return n;
}

void
pk_portset_subtract(struct pk_portset *s, const struct pk_portset *x)
{
    for (int p = 0; p < PK_NPROTO; p++)
        for (size_t i = 0; i < sizeof(s->bits[0]); i++)
            s->bits[p][i] &= (uint8_t)~x->bits[p][i];
}

/* Records what went wrong with the item at s..e of spec. Returns err. */
static int
fail(struct pk_portset_err *err, const char *spec, const char *s, const char *e, const char *why,
     int code)
{
    if (err) {
        err->off = (size_t)(s - spec);
        err->len = (size_t)(e - s);
        err->why = why;
    }
    return code;
}

/* Returns true when s..e can only be meant as a service name (or a pattern of them). */
static bool
looks_like_name(const char *s, const char *e)
{
    bool alpha = false;
    for (const char *p = s; p < e; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*' || c == '?')
            alpha = true;
        else if (!(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.' && c != '+' &&
                 c != '/')
            return false;
    }
    return alpha;
}

/*
 * Folds each run of '*' in the pattern name into one ("****" is "*"), in place. Returns the
 * number of '*' left: fnmatch() backtracks on each, so a few of them are plenty for a name.
 */
static size_t
fold_stars(char *name)
{
    size_t stars = 0;
    char *w = name;
    for (const char *r = name; *r; r++) {
        if (*r == '*' && w > name && w[-1] == '*')
            continue;
        stars += *r == '*';
        *w++ = *r;
    }
    *w = '\0';
    return stars;
}

/*
 * Adds the ports of every record named name (a pattern when it holds * or ?) for the
 * protocols in protos (pk_proto bits). Returns the number of ports added.
 */
static size_t
add_names(const struct pk_registry *reg, const char *name, unsigned protos, struct pk_portset *s)
{
    size_t n = 0;
    struct pk_record r;
    if (strpbrk(name, "*?")) {
        size_t count = pk_registry_count(reg);
        for (uint32_t id = 0; id < count; id++) {
            if (pk_record_get(reg, id, &r) < 0 || (r.flags & PK_REC_NOPORT) ||
                r.status != PK_ASSIGNED)
                continue;
            if (!(protos & r.proto) || fnmatch(name, r.service, FNM_CASEFOLD) != 0)
                continue;
            pk_portset_add(s, r.proto, r.port_lo, r.port_hi);
            n += r.port_hi - r.port_lo + 1u;
        }
        return n;
    }
    struct pk_cursor c;
    pk_name_lookup(reg, name, &c);
    while (pk_cursor_next(&c, &r)) {
        if ((r.flags & PK_REC_NOPORT) || !(protos & r.proto))
            continue;
        pk_portset_add(s, r.proto, r.port_lo, r.port_hi);
        n += r.port_hi - r.port_lo + 1u;
    }
    return n;
}

/* Parses one item s..e (no prefix) into *set for protos. Returns 0 or a negative pk_errno. */
static int
parse_item(const struct pk_registry *reg, const char *spec, const char *s, const char *e,
           unsigned protos, struct pk_portset *set, struct pk_portset_err *err)
{
    if (s == e)
        return fail(err, spec, s, e, "empty port list item", PK_EINVAL);
    if (*s == '[')
        return fail(err, spec, s, e, "bracketed ranges are not supported", PK_EINVAL);
    const char *dash = memchr(s, '-', (size_t)(e - s));
    long lo, hi;
    if (dash) {
        const char *d2 = memchr(dash + 1, '-', (size_t)(e - dash - 1));
        lo = dash == s ? 1 : pk__port_num(s, dash);
        hi = dash + 1 == e ? PK_PORT_MAX : pk__port_num(dash + 1, e);
        if ((lo == -1 || hi == -1 || d2) && looks_like_name(s, e))
            goto name; /* "netbios-ssn" */
        if (d2)
            return fail(err, spec, s, e, "not a port range", PK_EINVAL);
        if (lo == -2 || hi == -2)
            return fail(err, spec, s, e, "port number out of range (0-65535)", PK_ERANGE);
        if (lo < 0 || hi < 0)
            return fail(err, spec, s, e, "not a port number or range", PK_EINVAL);
        if (hi < lo)
            return fail(err, spec, s, e, "range end is below its start", PK_EINVAL);
    } else {
        lo = hi = pk__port_num(s, e);
        if (lo == -2)
            return fail(err, spec, s, e, "port number out of range (0-65535)", PK_ERANGE);
        if (lo == -1) {
            if (looks_like_name(s, e))
                goto name;
            return fail(err, spec, s, e, "not a port number or service name", PK_EINVAL);
        }
    }
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1)
        if (protos & p)
            pk_portset_add(set, p, (unsigned)lo, (unsigned)hi);
    return 0;

name:
    if ((size_t)(e - s) > NAME_MAX_)
        return fail(err, spec, s, e, "service name too long", PK_EMSGSIZE);
    char name[NAME_MAX_ + 1];
    memcpy(name, s, (size_t)(e - s));
    name[e - s] = '\0';
    bool pattern = strpbrk(name, "*?") != NULL;
    if (pattern && fold_stars(name) > 3)
        return fail(err, spec, s, e, "a service name pattern has at most 3 '*'", PK_EINVAL);
    if (add_names(reg, name, protos, set) == 0)
        return fail(err, spec, s, e,
                    pattern ? "not a port or range, and no service name matches the pattern"
                            : "unknown service name",
                    PK_ENOENT);
    return 0;
}

int
pk_portset_parse(const struct pk_registry *reg, const char *spec, unsigned default_protos,
                 struct pk_portset *out, struct pk_portset_err *err)
{
    size_t len = strlen(spec);
    if (len == 0)
        return fail(err, spec, spec, spec, "empty port list", PK_EINVAL);
    if (len > SPEC_MAX)
        return fail(err, spec, spec, spec + len, "port list too long", PK_EMSGSIZE);
    struct pk_portset *set = malloc(sizeof(*set));
    if (!set)
        return PK_ENOMEM;
    memcpy(set, out, sizeof(*set));

    int rc = 0;
    unsigned protos = default_protos;
    const char *p = spec, *end = spec + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        /* A prefix switches the protocol for this item and the ones after it. */
        if (e - p >= 2 && p[1] == ':') {
            char c = p[0];
            if (c == 'T' || c == 't')
                protos = PK_TCP;
            else if (c == 'U' || c == 'u')
                protos = PK_UDP;
            else {
                rc =
                    fail(err, spec, p, e, "unknown protocol prefix (T: or U:)", PK_EPROTONOSUPPORT);
                goto out;
            }
            p += 2;
        }
        rc = parse_item(reg, spec, p, e, protos, set, err);
        if (rc < 0)
            goto out;
        if (!comma)
            break;
        p = comma + 1;
    }
    memcpy(out, set, sizeof(*set));
out:
    free(set);
    return rc;
}

size_t
pk_portset_format(const struct pk_portset *s, unsigned proto, char *buf, size_t cap)
{
    size_t n = 0;
    char tmp[16];
    for (unsigned p = 0; p <= PK_PORT_MAX; p++) {
        if (!pk_portset_has(s, proto, p))
            continue;
        unsigned q = p;
        while (q < PK_PORT_MAX && pk_portset_has(s, proto, q + 1))
            q++;
        int k = q == p ? snprintf(tmp, sizeof(tmp), "%s%u", n ? "," : "", p)
                       : snprintf(tmp, sizeof(tmp), "%s%u-%u", n ? "," : "", p, q);
        for (int i = 0; i < k; i++, n++)
            if (n + 1 < cap)
                buf[n] = tmp[i];
        p = q;
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* The rank of one port: nmap's open frequency (or -1), then the project's score. */
struct rank {
    double freq;
    int score;
    unsigned port;
};

/* qsort() order of ranks: best first. */
static int
cmp_rank(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->port < y->port ? -1 : x->port > y->port;
}

/* Adds a note's weight to the score of its ports: uses seen in practice and attack reports
 * (what is attacked is what is exposed) count most, history least. */
static int
note_weight(const struct pk_note *note, void *arg)
{
    int *score = arg;
    /* A note on a wide range says little about any one of its ports. */
    if (note->port_hi - note->port_lo >= 16)
        return 0;
    *score += note->kind == PK_NOTE_HISTORICAL ? 1 : 4;
    return 0;
}

/* Raises the ranks of proto's ports to their frequencies in nmap's services file, when it
 * can be read; a file that cannot be is no ranking. */
static void
read_nmap_services(const char *path, unsigned proto, struct rank *ranks)
{
    if (!path)
        return;
    double *freq = malloc((PK_PORT_MAX + 1) * sizeof(*freq));
    if (!freq)
        return;
    for (unsigned p = 0; p <= PK_PORT_MAX; p++)
        freq[p] = ranks[p].freq;
    struct pk__nmap_services_stats st;
    if (pk__nmap_services_read(path, proto, freq, &st) == 0)
        for (unsigned p = 0; p <= PK_PORT_MAX; p++)
            ranks[p].freq = freq[p];
    free(freq);
}

int
pk_portset_top(const struct pk_registry *reg, const char *nmap_services, unsigned proto, unsigned n,
               struct pk_portset *out)
{
    /* Port 0 is never among the top ports: it is scanned only when named. */
    if ((proto != PK_TCP && proto != PK_UDP) || n > PK_PORT_MAX)
        return PK_EINVAL;
    struct rank *ranks = calloc(PK_PORT_MAX + 1, sizeof(*ranks));
    if (!ranks)
        return PK_ENOMEM;
    unsigned pkproto = proto;
    for (unsigned p = 0; p <= PK_PORT_MAX; p++) {
        ranks[p].port = p;
        ranks[p].freq = -1;
        int score = 0;
        if (p > 0) {
            pk_notes_for(reg, p, p, pkproto, note_weight, &score);
            if (score > 6)
                score = 6; /* many notes make a port interesting, not more often open */
            /* A well-known port that the notes mention is one people run. */
            if (p < 1024)
                score += score > 0 ? 5 : 1;
            if (pk_status_of(reg, p, pkproto) == PK_ASSIGNED)
                score += 2;
        }
        ranks[p].score = score;
    }
    read_nmap_services(nmap_services, proto, ranks);
    ranks[0].freq = -2; /* below every other port, whatever nmap-services says */
    qsort(ranks, PK_PORT_MAX + 1, sizeof(*ranks), cmp_rank);
    for (unsigned i = 0; i < n; i++)
        pk_portset_add(out, proto, ranks[i].port, ranks[i].port);
    free(ranks);
    return 0;
}
