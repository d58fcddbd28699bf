/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pk-embed: turns data/registry.tsv and data/notes.txt into the C tables of the built-in
 * registry (see lib/registry_int.h), at build time.
 *
 *   pk-embed REGISTRY.tsv NOTES.txt OUT.c    generate
 *   pk-embed --check REGISTRY.tsv NOTES.txt  validate both files, print a summary
 *
 * Every malformed line is reported as FILE:LINE: what is wrong, and makes the run fail.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portkit/registry.h"
#include "../../lib/registry/registry_int.h"

#define MAX_FILE (64u << 20)
#define MAX_RECS 200000u
#define NOTE_TEXT_MIN 10
#define NOTE_TEXT_MAX 400

struct rec {
    char *str[PK__S_COUNT];
    unsigned lo, hi, proto, status, flags;
};

struct note {
    char *text;
    unsigned lo, hi, protos, kind;
    unsigned line;
};

struct pool {
    char *data;
    size_t len, cap;
    /* open-addressing hash of string -> offset, for de-duplication */
    uint32_t *slots;
    size_t nslots, used;
};

static const char *prog = "pk-embed";
static int nerrors;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void lineerr(const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void
lineerr(const char *file, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%u: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    nerrors++;
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *
xstrndup(const char *s, size_t n)
{
    char *p = xrealloc(NULL, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Reads a whole file, NUL-terminated; a file holding a NUL byte is refused. */
static char *
slurp(const char *path, size_t *lenp)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 20, len = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= MAX_FILE)
                die("%s: larger than %u bytes", path, MAX_FILE);
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    if (ferror(f))
        die("%s: read error", path);
    fclose(f);
    buf[len] = '\0';
    if (memchr(buf, '\0', len))
        die("%s: holds a NUL byte", path);
    *lenp = len;
    return buf;
}

/* Parses a decimal port with no sign and no leading zeros. Returns -1 when s..e isn't one. */
static long
parse_port(const char *s, const char *e)
{
    if (s == e || e - s > 5 || (*s == '0' && e - s > 1))
        return -1;
    long v = 0;
    for (const char *p = s; p < e; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v > PK_PORT_MAX ? -1 : v;
}

/* Parses "N" or "N-M" into lo, hi. Returns false when malformed. */
static bool
parse_ports(const char *s, const char *e, unsigned *lo, unsigned *hi)
{
    const char *dash = memchr(s, '-', (size_t)(e - s));
    long a = parse_port(s, dash ? dash : e);
    long b = dash ? parse_port(dash + 1, e) : a;
    if (a < 0 || b < 0 || a > b)
        return false;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return true;
}

static unsigned
proto_bit(const char *s, size_t n)
{
    static const char *names[] = {"tcp", "udp", "sctp", "dccp"};
    for (unsigned i = 0; i < 4; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return 1u << i;
    return 0;
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

/*
 * Returns true when s is valid UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF) without C0 or C1 controls, DEL or bidirectional controls; allow lists the C0
 * controls that may appear (the registry's notes hold line breaks).
 */
static bool
clean_text(const unsigned char *s, const char *allow)
{
    while (*s) {
        unsigned c = *s;
        if ((c < 0x20 && !strchr(allow, (int)c)) || c == 0x7f)
            return false;
        if (c < 0x80) {
            s++;
            continue;
        }
        int n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (n == 0)
            return false;
        unsigned v = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
        for (int i = 1; i < n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            v = (v << 6) | (s[i] & 0x3f);
        }
        static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return false;
        if (v < 0xa0 || (v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069) ||
            v == 0x200e || v == 0x200f || v == 0x061c)
            return false; /* C1 control, or a bidirectional control */
        s += n;
    }
    return true;
}

/*
 * The status a record gives its ports: a service name assigns; without one the description
 * decides ("Reserved", "IANA Reserved"; "Unassigned", "De-registered", "Removed", ...), and
 * anything else ("any private mail system") assigns. Keep in step with status_of() in
 * scripts/regen-registry.
 */
static unsigned
status_of(const char *service, const char *desc)
{
    static const char *const unused[] = {"unassigned",     "removed",        "de-registered",
                                         "deregistered",   "deprecated",     "decomissioned",
                                         "decommissioned", "de-commissioned"};
    if (*service)
        return PK_ASSIGNED;
    if (strcasestr(desc, "reserved"))
        return PK_RESERVED;
    for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
        if (strcasestr(desc, unused[i]))
            return PK_UNASSIGNED;
    return PK_ASSIGNED;
}

/* Column order of the TSV, as IANA's CSV has them. */
static const int tsv_to_str[12] = {PK__S_SERVICE,
                                   -1,
                                   -2,
                                   PK__S_DESCRIPTION,
                                   PK__S_ASSIGNEE,
                                   PK__S_CONTACT,
                                   PK__S_REGISTERED,
                                   PK__S_MODIFIED,
                                   PK__S_REFERENCE,
                                   PK__S_SERVICE_CODE,
                                   PK__S_UNAUTHORIZED,
                                   PK__S_NOTES};

static struct rec *
read_registry(const char *path, size_t *nout)
{
    size_t len;
    char *buf = slurp(path, &len);
    struct rec *recs = NULL;
    size_t n = 0, cap = 0;
    unsigned line = 0;

    for (char *p = buf, *next; *p; p = next) {
        char *nl = strchr(p, '\n');
        if (!nl) {
            lineerr(path, line + 1, "last line has no newline");
            break;
        }
        *nl = '\0';
        next = nl + 1;
        line++;
        if (strchr(p, '\r')) {
            lineerr(path, line, "raw CR (CRLF line end, or a CR not written as \\r)");
            continue;
        }
        if (*p == '#' || *p == '\0')
            continue;
        char *f[12];
        int nf = 0;
        for (char *q = p;; q++) {
            if (nf == 12) {
                nf++;
                break;
            }
            f[nf++] = q;
            q = strchr(q, '\t');
            if (!q)
                break;
            *q = '\0';
        }
        if (nf != 12) {
            lineerr(path, line, "expected 12 tab-separated columns, found %s",
                    nf > 12 ? "more" : "fewer");
            continue;
        }
        struct rec r = {0};
        bool ok = true;
        for (int i = 0; i < 12 && ok; i++) {
            if (!unescape(f[i])) {
                lineerr(path, line, "column %d: unknown backslash escape", i + 1);
                ok = false;
            }
            if (ok && !clean_text((const unsigned char *)f[i], "\n\t\r")) {
                lineerr(path, line, "column %d: control character or invalid UTF-8", i + 1);
                ok = false;
            }
        }
        if (!ok)
            continue;
        if (f[1][0] == '\0') {
            r.flags |= PK_REC_NOPORT;
        } else if (!parse_ports(f[1], f[1] + strlen(f[1]), &r.lo, &r.hi)) {
            lineerr(path, line, "bad port number '%s'", f[1]);
            continue;
        }
        if (r.hi != r.lo)
            r.flags |= PK_REC_RANGE;
        if (f[2][0] && !(r.proto = proto_bit(f[2], strlen(f[2])))) {
            lineerr(path, line, "unknown protocol '%s'", f[2]);
            continue;
        }
        if (f[0][0] == '\0' && (r.flags & PK_REC_NOPORT)) {
            lineerr(path, line, "a record needs a service name or a port");
            continue;
        }
        for (int i = 0; i < 12; i++)
            if (tsv_to_str[i] >= 0)
                r.str[tsv_to_str[i]] = xstrndup(f[i], strlen(f[i]));
        r.status = status_of(r.str[PK__S_SERVICE], r.str[PK__S_DESCRIPTION]);
        if (n >= MAX_RECS)
            die("%s: more than %u records", path, MAX_RECS);
        if (n == cap) {
            cap = cap ? cap * 2 : 16384;
            recs = xrealloc(recs, cap * sizeof(*recs));
        }
        recs[n++] = r;
    }
    free(buf);
    *nout = n;
    return recs;
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

static struct note *
read_notes(const char *path, size_t *nout)
{
    static const char *kinds[] = {"unofficial", "historical", "abuse"};
    size_t len;
    char *buf = slurp(path, &len);
    struct note *notes = NULL;
    size_t n = 0, cap = 0;
    unsigned line = 0;

    const char *tab = memchr(buf, '\t', len);
    if (tab) {
        unsigned tl = 1;
        for (const char *q = buf; q < tab; q++)
            tl += *q == '\n';
        lineerr(path, tl, "tab characters are not allowed");
    }
    for (char *p = buf, *next; *p; p = next) {
        char *nl = strchr(p, '\n');
        if (!nl) {
            lineerr(path, line + 1, "last line has no newline");
            break;
        }
        *nl = '\0';
        next = nl + 1;
        line++;
        if (nl > p && nl[-1] == '\r') {
            lineerr(path, line, "CR line end");
            continue;
        }
        if (*p == '#' || *p == '\0')
            continue;
        struct note nt = {.line = line};
        char *e;
        char *ports = field(p, &e);
        if (!parse_ports(ports, e, &nt.lo, &nt.hi)) {
            lineerr(path, line, "bad port or range '%.*s'", (int)(e - ports), ports);
            continue;
        }
        char *protos = field(e, &e);
        bool ok = protos < e;
        for (char *q = protos; ok && q < e;) {
            char *c = memchr(q, ',', (size_t)(e - q));
            char *qe = c ? c : e;
            unsigned bit = proto_bit(q, (size_t)(qe - q));
            if (!bit || (nt.protos & bit))
                ok = false;
            nt.protos |= bit;
            q = c ? c + 1 : e;
            if (c && q == e)
                ok = false;
        }
        if (!ok) {
            lineerr(path, line, "bad protocol list '%.*s'", (int)(e - protos), protos);
            continue;
        }
        char *kind = field(e, &e);
        nt.kind = 99;
        for (unsigned k = 0; k < 3; k++)
            if (strlen(kinds[k]) == (size_t)(e - kind) &&
                memcmp(kinds[k], kind, (size_t)(e - kind)) == 0)
                nt.kind = k;
        if (nt.kind == 99) {
            lineerr(path, line, "bad kind '%.*s' (unofficial, historical or abuse)",
                    (int)(e - kind), kind);
            continue;
        }
        while (*e == ' ')
            e++;
        size_t tl = strlen(e);
        if (tl < NOTE_TEXT_MIN || tl > NOTE_TEXT_MAX) {
            lineerr(path, line, "text must be %d to %d bytes, not %zu", NOTE_TEXT_MIN,
                    NOTE_TEXT_MAX, tl);
            continue;
        }
        if (e[tl - 1] != '.' || e[tl - 2] == ' ') {
            lineerr(path, line, "text must end with a period");
            continue;
        }
        if (!clean_text((const unsigned char *)e, "")) {
            lineerr(path, line, "text has a control character or invalid UTF-8");
            continue;
        }
        nt.text = xstrndup(e, tl);
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            notes = xrealloc(notes, cap * sizeof(*notes));
        }
        notes[n++] = nt;
    }
    free(buf);
    *nout = n;
    return notes;
}

static uint32_t
hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Adds s to the pool (once) and returns its offset. */
static uint32_t
pool_add(struct pool *p, const char *s)
{
    if (!*s)
        return 0;
    if (p->used * 2 >= p->nslots) {
        size_t ns = p->nslots ? p->nslots * 2 : 1 << 16;
        uint32_t *slots = xrealloc(NULL, ns * sizeof(*slots));
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
        if (strcmp(p->data + p->slots[j], s) == 0)
            return p->slots[j];
        j = (j + 1) & (p->nslots - 1);
    }
    size_t n = strlen(s) + 1;
    if (p->len + n > UINT32_MAX)
        die("string pool over 4 GiB");
    if (p->len + n > p->cap) {
        while (p->len + n > p->cap)
            p->cap = p->cap ? p->cap * 2 : 1 << 20;
        p->data = xrealloc(p->data, p->cap);
    }
    memcpy(p->data + p->len, s, n);
    uint32_t off = (uint32_t)p->len;
    p->len += n;
    p->slots[j] = off;
    p->used++;
    return off;
}

static void
lower_into(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;
    if (*len + n > *cap) {
        while (*len + n > *cap)
            *cap = *cap ? *cap * 2 : 1 << 20;
        *buf = xrealloc(*buf, *cap);
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        (*buf)[*len + i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    *len += n;
}

/* Writes bytes as a C string literal, in pieces of a readable width. */
static void
emit_bytes(FILE *out, const char *s, size_t n)
{
    size_t col = 0;
    fputs("    \"", out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            col += (size_t)fprintf(out, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f && c != '?')
            fputc(c, out), col++;
        else
            col += (size_t)fprintf(out, "\\%03o", c);
        if (col >= 96 && i + 1 < n) {
            fputs("\"\n    \"", out);
            col = 0;
        }
    }
    fputs("\"", out);
}

static void
emit_u32(FILE *out, const char *name, const uint32_t *v, size_t n)
{
    fprintf(out, "static const uint32_t %s[%zu] = {\n", name, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%u,%s", i % 12 == 0 ? "    " : "", v[i], i % 12 == 11 ? "\n" : " ");
    if (n == 0)
        fputs("    0", out);
    fputs("\n};\n\n", out);
}

static const char *const *g_lower_names; /* for qsort of name ids */
static int
cmp_name(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(g_lower_names[x], g_lower_names[y]);
    return c ? c : (x > y) - (x < y);
}

static int
cmp_note(const void *a, const void *b)
{
    const struct note *x = a, *y = b;
    if (x->lo != y->lo)
        return (x->lo > y->lo) - (x->lo < y->lo);
    return (x->line > y->line) - (x->line < y->line);
}

static void
generate(const char *outpath, struct rec *recs, size_t nrecs, struct note *notes, size_t nnotes)
{
    struct pool pool = {.cap = 1 << 20};
    pool.data = xrealloc(NULL, pool.cap);
    pool.data[0] = '\0'; /* offset 0 is the empty string */
    pool.len = 1;

    /* Index: for each port and protocol, the records covering it, assignments first;
     * slot k = port * 4 + protocol index, so a port's records are contiguous. */
    enum { NSLOT = 65536 * 4 + 1 };
    uint32_t *counts = xrealloc(NULL, NSLOT * sizeof(uint32_t));
    memset(counts, 0, NSLOT * sizeof(uint32_t));
    for (size_t i = 0; i < nrecs; i++) {
        if (recs[i].flags & PK_REC_NOPORT)
            continue;
        unsigned protos = recs[i].proto ? recs[i].proto : (PK_TCP | PK_UDP);
        for (unsigned port = recs[i].lo; port <= recs[i].hi; port++)
            for (unsigned p = 0; p < 4; p++)
                if (protos & (1u << p))
                    counts[port * 4 + p]++;
    }
    uint32_t *idx = xrealloc(NULL, NSLOT * sizeof(uint32_t));
    uint64_t total64 = 0;
    for (size_t k = 0; k < NSLOT; k++) {
        idx[k] = (uint32_t)total64;
        total64 += counts[k];
        if (total64 > UINT32_MAX)
            die("the index would pass 2^32 entries: too many records over wide ranges");
    }
    uint32_t total = (uint32_t)total64;
    uint32_t *refs = xrealloc(NULL, (total ? total : 1) * sizeof(uint32_t));
    uint32_t *fill = xrealloc(NULL, NSLOT * sizeof(uint32_t));
    memcpy(fill, idx, NSLOT * sizeof(uint32_t));
    for (unsigned rank = 0; rank < 3; rank++) {
        static const unsigned order[3] = {PK_ASSIGNED, PK_RESERVED, PK_UNASSIGNED};
        for (size_t i = 0; i < nrecs; i++) {
            if ((recs[i].flags & PK_REC_NOPORT) || recs[i].status != order[rank])
                continue;
            unsigned protos = recs[i].proto ? recs[i].proto : (PK_TCP | PK_UDP);
            for (unsigned port = recs[i].lo; port <= recs[i].hi; port++)
                for (unsigned p = 0; p < 4; p++)
                    if (protos & (1u << p))
                        refs[fill[port * 4 + p]++] = (uint32_t)i;
        }
    }

    /* Names, sorted case-insensitively. */
    char **lnames = xrealloc(NULL, nrecs * sizeof(char *));
    uint32_t *names = xrealloc(NULL, nrecs * sizeof(uint32_t));
    size_t nnames = 0;
    for (size_t i = 0; i < nrecs; i++) {
        lnames[i] = xstrndup(recs[i].str[PK__S_SERVICE], strlen(recs[i].str[PK__S_SERVICE]));
        for (char *c = lnames[i]; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c + 32);
        if (*lnames[i])
            names[nnames++] = (uint32_t)i;
    }
    g_lower_names = (const char *const *)lnames;
    qsort(names, nnames, sizeof(*names), cmp_name);

    qsort(notes, nnotes, sizeof(*notes), cmp_note);

    /* Notes by port, for the port page: nstart[port] .. nstart[port + 1] in nrefs. */
    uint32_t *nstart = xrealloc(NULL, PK__NPORTS * sizeof(uint32_t));
    memset(nstart, 0, PK__NPORTS * sizeof(uint32_t));
    for (size_t j = 0; j < nnotes; j++)
        for (unsigned port = notes[j].lo; port <= notes[j].hi; port++)
            nstart[port + 1]++;
    uint64_t nsum = 0;
    for (size_t k = 1; k < PK__NPORTS; k++) {
        nsum += nstart[k];
        if (nsum > UINT32_MAX)
            die("the notes index would pass 2^32 entries: too many notes over wide ranges");
        nstart[k] = (uint32_t)nsum;
    }
    uint32_t ntotal = nstart[PK__NPORTS - 1];
    uint32_t *nrefs = xrealloc(NULL, (ntotal ? ntotal : 1) * sizeof(uint32_t));
    uint32_t *nfill = xrealloc(NULL, PK__NPORTS * sizeof(uint32_t));
    memcpy(nfill, nstart, PK__NPORTS * sizeof(uint32_t));
    for (size_t j = 0; j < nnotes; j++)
        for (unsigned port = notes[j].lo; port <= notes[j].hi; port++)
            nrefs[nfill[port]++] = (uint32_t)j;

    /* Search text. */
    char *search = NULL;
    size_t slen = 0, scap = 0;
    uint32_t *soff = xrealloc(NULL, (nrecs + nnotes + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < nrecs; i++) {
        soff[i] = (uint32_t)slen;
        lower_into(&search, &slen, &scap, recs[i].str[PK__S_SERVICE]);
        lower_into(&search, &slen, &scap, recs[i].str[PK__S_DESCRIPTION]);
        lower_into(&search, &slen, &scap, recs[i].str[PK__S_NOTES]);
    }
    for (size_t j = 0; j < nnotes; j++) {
        soff[nrecs + j] = (uint32_t)slen;
        lower_into(&search, &slen, &scap, notes[j].text);
    }
    soff[nrecs + nnotes] = (uint32_t)slen;

    /* Records and notes, with their strings pooled. */
    char tmppath[4096];
    if (snprintf(tmppath, sizeof(tmppath), "%s.tmp", outpath) >= (int)sizeof(tmppath))
        die("%s: path too long", outpath);
    FILE *out = fopen(tmppath, "w");
    if (!out)
        die("%s: %s", tmppath, strerror(errno));
    fputs("/* generated by tools/gen/pk-embed from data/registry.tsv and data/notes.txt; do not "
          "edit */\n",
          out);
    fputs("/* SPDX-License-Identifier: BSD-2-Clause */\n#include \"registry_int.h\"\n\n", out);
    fprintf(out, "static const struct pk__rec recs[%zu] = {\n", nrecs ? nrecs : 1);
    for (size_t i = 0; i < nrecs; i++) {
        fputs("    {{", out);
        for (int s = 0; s < PK__S_COUNT; s++)
            fprintf(out, "%u%s", pool_add(&pool, recs[i].str[s]), s + 1 < PK__S_COUNT ? "," : "");
        fprintf(out, "}, %u, %u, %u, %u, %u, 0},\n", recs[i].lo, recs[i].hi, recs[i].proto,
                recs[i].status, recs[i].flags);
    }
    fputs("};\n\n", out);
    fprintf(out, "static const struct pk__note notes[%zu] = {\n", nnotes ? nnotes : 1);
    for (size_t j = 0; j < nnotes; j++)
        fprintf(out, "    {%u, %u, %u, %u, %u, 0},\n", pool_add(&pool, notes[j].text), notes[j].lo,
                notes[j].hi, notes[j].protos, notes[j].kind);
    fputs("};\n\n", out);
    fprintf(out, "static const struct pk__port ports[%u] = {\n", PK__NPORTS);
    for (unsigned port = 0; port < PK__NPORTS; port++) {
        const uint32_t *r = idx + (size_t)port * 4;
        if (port < 65536)
            fprintf(out, "    {{%u, %u, %u, %u}, %u},\n", r[0], r[1], r[2], r[3], nstart[port]);
        else
            fprintf(out, "    {{%u, %u, %u, %u}, %u},\n", r[0], r[0], r[0], r[0], nstart[port]);
    }
    fputs("};\n\n", out);
    emit_u32(out, "refs", refs, total);
    emit_u32(out, "names", names, nnames);
    emit_u32(out, "soff", soff, nrecs + nnotes + 1);
    emit_u32(out, "nrefs", nrefs, ntotal);
    fprintf(out, "static const char pool[%zu] =\n", pool.len);
    emit_bytes(out, pool.data, pool.len);
    fputs(";\n\n", out);
    fprintf(out, "static const char search[%zu] =\n", slen);
    emit_bytes(out, search, slen);
    fputs(";\n\n", out);
    fprintf(out,
            "const struct pk_registry pk__builtin_registry = {\n"
            "    pool, recs, %zu, ports, refs, nrefs, names, %zu, notes, %zu, search, soff,\n"
            "};\n",
            nrecs, nnames, nnotes);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0 || ferror(out))
        die("%s: write error", tmppath);
    fclose(out);
    if (rename(tmppath, outpath) != 0)
        die("%s: %s", outpath, strerror(errno));

    for (size_t i = 0; i < nrecs; i++)
        free(lnames[i]);
    free(lnames);
    free(names);
    free(counts);
    free(idx);
    free(fill);
    free(refs);
    free(search);
    free(soff);
    free(nstart);
    free(nrefs);
    free(nfill);
    free(pool.data);
    free(pool.slots);
}

static void
free_input(struct rec *recs, size_t nrecs, struct note *notes, size_t nnotes)
{
    for (size_t i = 0; i < nrecs; i++)
        for (int s = 0; s < PK__S_COUNT; s++)
            free(recs[i].str[s]);
    free(recs);
    for (size_t j = 0; j < nnotes; j++)
        free(notes[j].text);
    free(notes);
}

int
main(int argc, char **argv)
{
    bool check = argc == 4 && strcmp(argv[1], "--check") == 0;
    if (!check && argc != 4) {
        fprintf(stderr, "usage: pk-embed REGISTRY.tsv NOTES.txt OUT.c\n"
                        "       pk-embed --check REGISTRY.tsv NOTES.txt\n");
        return 2;
    }
    const char *regpath = argv[check ? 2 : 1], *notespath = argv[check ? 3 : 2];
    size_t nrecs, nnotes;
    struct rec *recs = read_registry(regpath, &nrecs);
    struct note *notes = read_notes(notespath, &nnotes);
    if (nerrors) {
        fprintf(stderr, "%s: %d malformed line%s\n", prog, nerrors, nerrors == 1 ? "" : "s");
        free_input(recs, nrecs, notes, nnotes);
        return 1;
    }
    if (check) {
        unsigned kinds[3] = {0};
        for (size_t j = 0; j < nnotes; j++)
            kinds[notes[j].kind]++;
        printf("%s: %zu records; %zu notes (%u unofficial, %u historical, %u abuse)\n", regpath,
               nrecs, nnotes, kinds[0], kinds[1], kinds[2]);
    } else {
        generate(argv[3], recs, nrecs, notes, nnotes);
    }
    free_input(recs, nrecs, notes, nnotes);
    return 0;
}
