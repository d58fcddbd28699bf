/* SPDX-License-Identifier: BSD-2-Clause */
/* The rules every registry reader shares (ingest.h): status, ports, protocols, clean text. */
#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "utf8.h"

const int pk__iana_columns[PK__IANA_NCOLS] = {
    PK__S_SERVICE,   PK__COL_PORT,       PK__COL_PROTO,      PK__S_DESCRIPTION,
    PK__S_ASSIGNEE,  PK__S_CONTACT,      PK__S_REGISTERED,   PK__S_MODIFIED,
    PK__S_REFERENCE, PK__S_SERVICE_CODE, PK__S_UNAUTHORIZED, PK__S_NOTES};

unsigned
pk__ingest_status(const char *service, const char *desc)
{
    if (*service)
        return PK_ASSIGNED;
    return strcasestr(desc, "reserved") ? PK_RESERVED : PK_UNASSIGNED;
}

bool
pk__ingest_text_ok(const char *s, const char *allow)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        unsigned c = *p, cp;
        if ((c < 0x20 && !(allow[0] && strchr(allow, (int)c))) || c == 0x7f)
            return false;
        size_t n = c < 0x80 ? 1 : pk__utf8_decode(p, left, &cp);
        if (n == 0)
            return false;
        if (c >= 0x80 &&
            (cp < 0xa0 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
             cp == 0x200e || cp == 0x200f || cp == 0x061c))
            return false; /* C1 control, or a bidirectional control */
        p += n;
        left -= n;
    }
    return true;
}

long
pk__ingest_port(const char *s, const char *e)
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

bool
pk__ingest_ports(const char *s, const char *e, unsigned *lo, unsigned *hi)
{
    const char *dash = memchr(s, '-', (size_t)(e - s));
    long a = pk__ingest_port(s, dash ? dash : e);
    long b = dash ? pk__ingest_port(dash + 1, e) : a;
    if (a < 0 || b < 0 || a > b)
        return false;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return true;
}

unsigned
pk__ingest_proto(const char *s, size_t n)
{
    unsigned p = pk_proto_from_name(s, n);
    return p && strncmp(s, pk_proto_name(p), n) == 0 ? p : 0;
}

bool
pk__ingest_date_ok(const char *s)
{
    static const char form[] = "dddd-dd-dd";
    size_t n = strlen(s);
    if (n != 0 && n != 4 && n != 7 && n != 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
            return false;
    return true;
}

bool
pk__ingest_fill(struct pk__build_rec *r, const char *port, const char *proto, char *why, size_t cap)
{
    static const char *const names[PK__S_COUNT] = {
        "service name",     "description",       "assignee",
        "contact",          "registration date", "modification date",
        "reference",        "service code",      "unauthorized use reported",
        "assignment notes", "as-of date"};
    for (int k = 0; k < PK__S_COUNT; k++) {
        /* A name is one line; IANA's longer texts keep their line breaks. */
        if (!pk__ingest_text_ok(r->str[k], k == PK__S_SERVICE ? "" : "\n\t\r")) {
            snprintf(why, cap, "%s: control character or invalid UTF-8", names[k]);
            return false;
        }
    }
    r->flags = 0;
    r->lo = r->hi = 0;
    if (!*port)
        r->flags |= PK_REC_NOPORT;
    else if (!pk__ingest_ports(port, port + strlen(port), &r->lo, &r->hi)) {
        snprintf(why, cap, "bad port number '%.32s'", port);
        return false;
    }
    if (r->hi != r->lo)
        r->flags |= PK_REC_RANGE;
    r->proto = 0;
    if (*proto && !(r->proto = pk__ingest_proto(proto, strlen(proto)))) {
        snprintf(why, cap, "unknown protocol '%.32s'", proto);
        return false;
    }
    if (!*r->str[PK__S_SERVICE] && (r->flags & PK_REC_NOPORT)) {
        snprintf(why, cap, "a record needs a service name or a port");
        return false;
    }
    if (!pk__ingest_date_ok(r->str[PK__S_REGISTERED]) ||
        !pk__ingest_date_ok(r->str[PK__S_MODIFIED])) {
        snprintf(why, cap, "a date is not YYYY, YYYY-MM or YYYY-MM-DD: '%.16s'",
                 pk__ingest_date_ok(r->str[PK__S_REGISTERED]) ? r->str[PK__S_MODIFIED]
                                                              : r->str[PK__S_REGISTERED]);
        return false;
    }
    r->status = pk__ingest_status(r->str[PK__S_SERVICE], r->str[PK__S_DESCRIPTION]);
    return true;
}

enum pk__source_kind
pk__source_detect(const void *buf, size_t len)
{
    static const char csv_head[] = "Service Name,Port Number,";
    const char *p = buf, *end = p + len;
    if (len >= 8 && memcmp(p, "PKREGIMG", 8) == 0)
        return PK__SOURCE_IMAGE;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    if ((size_t)(end - p) >= sizeof(csv_head) - 1 && memcmp(p, csv_head, sizeof(csv_head) - 1) == 0)
        return PK__SOURCE_CSV;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p < end && *p == '<')
        return PK__SOURCE_XML;
    return PK__SOURCE_UNKNOWN;
}

const char *
pk__source_kind_name(enum pk__source_kind k)
{
    switch (k) {
    case PK__SOURCE_CSV:
        return "IANA's CSV";
    case PK__SOURCE_XML:
        return "IANA's XML";
    case PK__SOURCE_IMAGE:
        return "a registry image";
    case PK__SOURCE_UNKNOWN:
        break;
    }
    return "unknown";
}
