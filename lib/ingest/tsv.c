/* SPDX-License-Identifier: BSD-2-Clause */
/* The readers of data/registry.tsv and data/notes.txt (tsv.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "portkit/error.h"
#include "tsv.h"

/* Reports a malformed line. Returns false. */
static bool lineerr(pk__tsv_err err, void *arg, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
lineerr(pk__tsv_err err, void *arg, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (err)
        err(arg, line, msg);
    return false;
}

/* Undoes the TSV escapes \\ \t \n \r in place. Returns false on an unknown escape. */
static bool
unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        switch (*++r) {
        case '\\':
            *w++ = '\\';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        default:
            return false;
        }
    }
    *w = '\0';
    return true;
}

/* True for "YYYY" or "YYYY-MM". */
static bool
as_of_ok(const char *s)
{
    size_t n = strlen(s);
    if ((n != 4 && n != 7) || strspn(s, "0123456789") != 4)
        return false;
    return n == 4 || (s[4] == '-' && strspn(s + 5, "0123456789") == 2);
}

/* The TSV's columns: IANA's twelve (ingest.h), then the date of the columns after the
 * description. */
#define NCOLS (PK__IANA_NCOLS + 1)

/* Splits buf into lines in place, calling fn on each non-comment line. A last line without a
 * newline, a NUL byte, or a file over the limit is an error. */
static int
each_line(char *buf, size_t len, pk__tsv_err err, void *arg,
          bool (*fn)(char *line, unsigned no, void *ctx, pk__tsv_err err, void *arg), void *ctx,
          bool *failed)
{
    if (len > PK__TSV_FILE_MAX)
        return PK_ERANGE;
    if (memchr(buf, '\0', len)) {
        *failed = !lineerr(err, arg, 0, "holds a NUL byte");
        return 0;
    }
    unsigned no = 0;
    for (char *p = buf, *end = buf + len, *next; p < end; p = next) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            *failed = !lineerr(err, arg, no + 1, "last line has no newline");
            break;
        }
        *nl = '\0';
        next = nl + 1;
        no++;
        if (*p == '#' || *p == '\0')
            continue;
        if (!fn(p, no, ctx, err, arg))
            *failed = true;
    }
    return 0;
}

/* What the lines of a file add up to: an array of records or of notes. */
struct items {
    void *v;
    size_t n, cap;
    size_t elem, max;
    int rc;
};

/* Appends item to c. Returns false when it could not (c->rc says why). */
static bool
add_item(struct items *c, const void *item)
{
    c->rc = pk__push(&c->v, &c->n, &c->cap, item, c->elem, c->max);
    return c->rc == 0;
}

/*
 * Reads every line of buf with fn into an array of elem-byte items, at most max. Returns 0
 * with *out and *n, PK_EBADMSG when a line was malformed, PK_ERANGE past max, PK_ENOMEM.
 */
static int
read_items(char *buf, size_t len, pk__tsv_err err, void *arg,
           bool (*fn)(char *line, unsigned no, void *ctx, pk__tsv_err err, void *arg), size_t elem,
           size_t max, void **out, size_t *n)
{
    struct items c = {.elem = elem, .max = max};
    bool failed = false;
    int rc = each_line(buf, len, err, arg, fn, &c, &failed);
    if (rc == 0 && c.rc)
        rc = c.rc == PK_ENOBUFS ? PK_ERANGE : c.rc;
    if (rc == 0 && failed)
        rc = PK_EBADMSG;
    if (rc < 0) {
        free(c.v);
        return rc;
    }
    *out = c.v;
    *n = c.n;
    return 0;
}

static bool
registry_line(char *p, unsigned line, void *ctx, pk__tsv_err err, void *arg)
{
    struct items *c = ctx;
    if (strchr(p, '\r'))
        return lineerr(err, arg, line, "raw CR (CRLF line end, or a CR not written as \\r)");
    char *f[NCOLS];
    int nf = 0;
    for (char *q = p;; q++) {
        if (nf == NCOLS) {
            nf++;
            break;
        }
        f[nf++] = q;
        q = strchr(q, '\t');
        if (!q)
            break;
        *q = '\0';
    }
    if (nf != NCOLS)
        return lineerr(err, arg, line, "expected %d tab-separated columns, found %s", NCOLS,
                       nf > NCOLS ? "more" : "fewer");
    struct pk__build_rec r = {0};
    for (int i = 0; i < NCOLS; i++) {
        if (!unescape(f[i]))
            return lineerr(err, arg, line, "column %d: unknown backslash escape", i + 1);
        if (!pk__ingest_text_ok(f[i], "\n\t\r"))
            return lineerr(err, arg, line, "column %d: control character or invalid UTF-8", i + 1);
    }
    if (f[1][0] == '\0')
        r.flags |= PK_REC_NOPORT;
    else if (!pk__ingest_ports(f[1], f[1] + strlen(f[1]), &r.lo, &r.hi))
        return lineerr(err, arg, line, "bad port number '%.32s'", f[1]);
    if (r.hi != r.lo)
        r.flags |= PK_REC_RANGE;
    if (f[2][0] && !(r.proto = pk__ingest_proto(f[2], strlen(f[2]))))
        return lineerr(err, arg, line, "unknown protocol '%.32s'", f[2]);
    if (f[0][0] == '\0' && (r.flags & PK_REC_NOPORT))
        return lineerr(err, arg, line, "a record needs a service name or a port");
    if (f[12][0] && !as_of_ok(f[12]))
        return lineerr(err, arg, line, "column 13: a date YYYY or YYYY-MM, not '%.16s'", f[12]);
    for (int i = 0; i < PK__IANA_NCOLS; i++)
        if (pk__iana_columns[i] >= 0)
            r.str[pk__iana_columns[i]] = f[i];
    r.str[PK__S_AS_OF] = f[PK__IANA_NCOLS];
    r.status = pk__ingest_status(r.str[PK__S_SERVICE], r.str[PK__S_DESCRIPTION]);
    return add_item(c, &r);
}

int
pk__tsv_registry(char *buf, size_t len, pk__tsv_err err, void *arg, struct pk__build_rec **recs,
                 size_t *n)
{
    void *v;
    int rc =
        read_items(buf, len, err, arg, registry_line, sizeof(**recs), PK__BUILD_RECS_MAX, &v, n);
    if (rc == 0)
        *recs = v;
    return rc;
}

/* True for a source field: a kind (rfc, iana, vendor, advisory, literature, or unchecked for
 * an entry nobody has checked yet), optionally ":REF" with REF of letters, digits and . _ / -
 * ("rfc:7194", "advisory:CVE-2024-47176"). */
static bool
source_ok(const char *s, size_t n)
{
    static const char *const kinds[] = {"rfc",      "iana",       "vendor",
                                        "advisory", "literature", "unchecked"};
    const char *colon = memchr(s, ':', n);
    size_t kl = colon ? (size_t)(colon - s) : n;
    bool known = false;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        known |= strlen(kinds[i]) == kl && memcmp(kinds[i], s, kl) == 0;
    if (!known)
        return false;
    if (!colon)
        return true;
    size_t rl = n - kl - 1;
    if (rl == 0 || rl > 48)
        return false;
    for (size_t i = kl + 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("._/-", s[i])))
            return false;
    return true;
}

/* Skips spaces; returns the start of the next field and sets *end past it. */
static char *
field(char *p, char **end)
{
    while (*p == ' ')
        p++;
    char *e = p;
    while (*e && *e != ' ')
        e++;
    *end = e;
    return p;
}

static bool
notes_line(char *p, unsigned line, void *ctx, pk__tsv_err err, void *arg)
{
    static const char *const kinds[] = {"unofficial", "historical", "abuse"};
    struct items *c = ctx;
    size_t len = strlen(p);
    if (len && p[len - 1] == '\r')
        return lineerr(err, arg, line, "CR line end");
    if (strchr(p, '\t'))
        return lineerr(err, arg, line, "tab characters are not allowed");
    struct pk__build_note nt = {0};
    char *e;
    char *ports = field(p, &e);
    if (!pk__ingest_ports(ports, e, &nt.lo, &nt.hi))
        return lineerr(err, arg, line, "bad port or range '%.*s'",
                       (int)(e - ports > 32 ? 32 : e - ports), ports);
    char *protos = field(e, &e);
    bool ok = protos < e;
    for (char *q = protos; ok && q < e;) {
        char *comma = memchr(q, ',', (size_t)(e - q));
        char *qe = comma ? comma : e;
        unsigned bit = pk__ingest_proto(q, (size_t)(qe - q));
        if (!bit || (nt.protos & bit))
            ok = false;
        nt.protos |= bit;
        q = comma ? comma + 1 : e;
        if (comma && q == e)
            ok = false;
    }
    if (!ok)
        return lineerr(err, arg, line, "bad protocol list '%.*s'",
                       (int)(e - protos > 32 ? 32 : e - protos), protos);
    char *kind = field(e, &e);
    nt.kind = 99;
    for (unsigned k = 0; k < 3; k++)
        if (strlen(kinds[k]) == (size_t)(e - kind) &&
            memcmp(kinds[k], kind, (size_t)(e - kind)) == 0)
            nt.kind = k;
    if (nt.kind == 99)
        return lineerr(err, arg, line, "bad kind '%.*s' (unofficial, historical or abuse)",
                       (int)(e - kind > 32 ? 32 : e - kind), kind);
    char *src = field(e, &e);
    if (!source_ok(src, (size_t)(e - src)))
        return lineerr(err, arg, line,
                       "bad source '%.*s' (rfc, iana, vendor, advisory or literature, "
                       "with :REF after it when there is one)",
                       (int)(e - src > 48 ? 48 : e - src), src);
    if (*e)
        *e++ = '\0';
    nt.source = src;
    while (*e == ' ')
        e++;
    size_t tl = strlen(e);
    if (tl < PK__NOTE_TEXT_MIN || tl > PK__NOTE_TEXT_MAX)
        return lineerr(err, arg, line, "text must be %d to %d bytes, not %zu", PK__NOTE_TEXT_MIN,
                       PK__NOTE_TEXT_MAX, tl);
    if (e[tl - 1] != '.' || e[tl - 2] == ' ')
        return lineerr(err, arg, line, "text must end with a period");
    if (!pk__ingest_text_ok(e, ""))
        return lineerr(err, arg, line, "text has a control character or invalid UTF-8");
    nt.text = e;
    return add_item(c, &nt);
}

int
pk__tsv_notes(char *buf, size_t len, pk__tsv_err err, void *arg, struct pk__build_note **notes,
              size_t *n)
{
    void *v;
    int rc =
        read_items(buf, len, err, arg, notes_line, sizeof(**notes), PK__BUILD_NOTES_MAX, &v, n);
    if (rc == 0)
        *notes = v;
    return rc;
}

static bool
prior_line(char *p, unsigned line, void *ctx, pk__tsv_err err, void *arg)
{
    struct items *c = ctx;
    char *hash = strchr(p, '#');
    if (hash)
        *hash = '\0';
    char *e;
    char *spec = field(p, &e);
    if (spec == e)
        return true; /* a comment after blanks */
    struct pk__build_prior pr = {.protos = PK_PROTO_ALL};
    char *slash = memchr(spec, '/', (size_t)(e - spec));
    unsigned lo, hi;
    if (!pk__ingest_ports(spec, slash ? slash : e, &lo, &hi) || lo != hi)
        return lineerr(err, arg, line, "bad port '%.*s'", (int)(e - spec > 16 ? 16 : e - spec),
                       spec);
    if (slash && !(pr.protos = pk__ingest_proto(slash + 1, (size_t)(e - slash - 1))))
        return lineerr(err, arg, line, "bad protocol after '%.*s'", (int)(slash - spec), spec);
    pr.port = lo;
    char *w = field(e, &e);
    long v = pk__ingest_port(w, e);
    if (v < 1 || v > 100)
        return lineerr(err, arg, line, "weight must be 1 to 100, not '%.*s'",
                       (int)(e - w > 8 ? 8 : e - w), w);
    pr.weight = (unsigned)v;
    while (*e == ' ')
        e++;
    if (*e)
        return lineerr(err, arg, line, "unexpected text after the weight");
    return add_item(c, &pr);
}

int
pk__tsv_prior(char *buf, size_t len, pk__tsv_err err, void *arg, struct pk__build_prior **prior,
              size_t *n)
{
    void *v;
    int rc =
        read_items(buf, len, err, arg, prior_line, sizeof(**prior), PK__NPORTS * PK_NPROTO, &v, n);
    if (rc == 0)
        *prior = v;
    return rc;
}
