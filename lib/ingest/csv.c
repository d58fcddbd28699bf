/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IANA's CSV (ingest.h), read as RFC 4180 says, strictly and within bounds:
 *  - fields are separated by commas; a field is quoted ("...") or holds no quote at all; a
 *    quote inside a quoted field is doubled; after a closing quote comes a comma or the end
 *    of the record;
 *  - records end with the line end of the header, CRLF (IANA's export) or LF (older copies),
 *    the same throughout; a bare LF (or a CRLF) inside a quoted field is text; a CR that
 *    does not end a record, or a bare LF outside quotes in a CRLF file, is an error;
 *  - the last record ends with its line end too: a file cut short in transit must not look
 *    whole (a cut inside the last field would otherwise leave twelve fields);
 *  - the header is IANA's twelve column names, in order; every record has twelve fields;
 *  - no NUL byte, fields up to PK__FIELD_MAX bytes, records up to RECORD_MAX, at most
 *    PK__BUILD_RECS_MAX records; text is UTF-8 without control characters (line breaks and
 *    tabs allowed past the name), checked by pk__ingest_fill() with the other columns.
 * A UTF-8 byte-order mark before the header is skipped (a spreadsheet's export).
 * The fields are unquoted in place: a field never grows, so each ends with a NUL where its
 * separator was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "ingest.h"
#include "portkit/error.h"

#define NCOLS PK__IANA_NCOLS
#define RECORD_MAX (256u << 10)

static const char *const header[NCOLS] = {
    "Service Name", "Port Number",  "Transport Protocol",        "Description",
    "Assignee",     "Contact",      "Registration Date",         "Modification Date",
    "Reference",    "Service Code", "Unauthorized Use Reported", "Assignment Notes"};

struct reader {
    char *p, *end;
    unsigned line; /* of p */
    bool crlf;     /* record ends are CRLF (else LF) */
    char why[160];
};

/*
 * Reads one record at r->p into f[0..NCOLS), unquoting in place. Returns 1 for a record, 0
 * at the end of the input, -1 with r->why for a malformed one.
 */
static int
read_record(struct reader *r, char **f, bool first)
{
    char *rec = r->p;
    int nf = 0;
    if (r->p == r->end)
        return 0;
    for (;;) {
        char *w = r->p, *start = r->p;
        if (nf == NCOLS) {
            snprintf(r->why, sizeof(r->why), "more than %d fields", NCOLS);
            return -1;
        }
        f[nf++] = w;
        if (*r->p == '"') {
            unsigned opened = r->line;
            for (r->p++;; r->p++) {
                if (r->p == r->end) {
                    snprintf(r->why, sizeof(r->why),
                             "a quoted field opened on line %u is never closed", opened);
                    return -1;
                }
                if (*r->p == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        *w++ = '"';
                        r->p++;
                        continue;
                    }
                    r->p++;
                    break;
                }
                if (*r->p == '\n')
                    r->line++;
                *w++ = *r->p;
            }
            if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
                snprintf(r->why, sizeof(r->why), "field %d: text after its closing quote", nf);
                return -1;
            }
        } else {
            while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
                if (*r->p == '"') {
                    snprintf(r->why, sizeof(r->why),
                             "field %d: a quote inside a field that is not quoted", nf);
                    return -1;
                }
                r->p++;
            }
            w = r->p;
        }
        if ((size_t)(w - start) > PK__FIELD_MAX) {
            snprintf(r->why, sizeof(r->why), "field %d is longer than %u bytes", nf, PK__FIELD_MAX);
            return -1;
        }
        if ((size_t)(r->p - rec) > RECORD_MAX) {
            snprintf(r->why, sizeof(r->why), "a record longer than %u bytes", RECORD_MAX);
            return -1;
        }
        if (r->p == r->end) {
            snprintf(r->why, sizeof(r->why),
                     "the last record has no line end (the file is cut short)");
            return -1;
        }
        char sep = *r->p;
        *w = '\0';
        if (sep == ',') {
            r->p++;
            continue;
        }
        /* The end of the record: CRLF or LF, as the header's. */
        bool crlf = sep == '\r';
        if (crlf && (r->p + 1 == r->end || r->p[1] != '\n')) {
            snprintf(r->why, sizeof(r->why), "a CR that does not end the record");
            return -1;
        }
        if (first)
            r->crlf = crlf;
        else if (crlf != r->crlf) {
            snprintf(r->why, sizeof(r->why),
                     r->crlf ? "a bare LF outside quotes (records end with CRLF)"
                             : "a CRLF record end (records end with LF)");
            return -1;
        }
        r->p += crlf ? 2 : 1;
        r->line++;
        break;
    }
    if (nf != NCOLS) {
        snprintf(r->why, sizeof(r->why), "%d fields, not %d", nf, NCOLS);
        return -1;
    }
    return 1;
}

/* Keeps in date the newest of the dates seen ("2026-02-13" > "2026-02" > "2025-12-01"). */
static void
newest(char *date, const char *d)
{
    if (strlen(d) < 11 && strcmp(d, date) > 0)
        strcpy(date, d);
}

int
pk__csv_read(char *buf, size_t len, pk__ingest_err err, void *arg, struct pk__source *out)
{
    struct reader r = {.p = buf, .end = buf + len, .line = 1};
    struct pk__build_rec *recs = NULL;
    size_t n = 0, cap = 0;
    char *f[NCOLS];
    char date[11] = "";
    int rc = 0;
    if (len > PK__SOURCE_MAX)
        return PK_ERANGE;
    if (memchr(buf, '\0', len)) {
        if (err)
            err(arg, 0, "holds a NUL byte");
        return PK_EBADMSG;
    }
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        r.p += 3;
    int got = read_record(&r, f, true);
    if (got <= 0) {
        snprintf(r.why, sizeof(r.why), "%s", got == 0 ? "empty" : r.why);
        rc = PK_EBADMSG;
        goto fail;
    }
    for (int i = 0; i < NCOLS; i++)
        if (strcmp(f[i], header[i]) != 0) {
            snprintf(r.why, sizeof(r.why), "not IANA's header: column %d is '%.40s', not '%s'",
                     i + 1, f[i], header[i]);
            r.line = 1;
            rc = PK_EBADMSG;
            goto fail;
        }
    for (;;) {
        unsigned line = r.line;
        got = read_record(&r, f, false);
        if (got == 0)
            break;
        struct pk__build_rec rec = {0};
        if (got > 0) {
            for (int i = 0; i < NCOLS; i++)
                if (pk__iana_columns[i] >= 0)
                    rec.str[pk__iana_columns[i]] = f[i];
            rec.str[PK__S_AS_OF] = ""; /* every column is IANA's own, current */
            if (!pk__ingest_fill(&rec, f[1], f[2], r.why, sizeof(r.why)))
                got = -1;
        }
        if (got < 0) {
            r.line = line;
            rc = PK_EBADMSG;
            goto fail;
        }
        newest(date, rec.str[PK__S_REGISTERED]);
        newest(date, rec.str[PK__S_MODIFIED]);
        if ((rc = pk__push(&recs, &n, &cap, &rec, sizeof(rec), PK__BUILD_RECS_MAX)) < 0) {
            rc = rc == PK_ENOBUFS ? PK_ERANGE : rc;
            free(recs);
            return rc;
        }
    }
    *out = (struct pk__source){.kind = PK__SOURCE_CSV, .recs = recs, .nrecs = n};
    memcpy(out->date, date, sizeof(date));
    return 0;
fail:
    if (err)
        err(arg, r.line, r.why);
    free(recs);
    return rc;
}
