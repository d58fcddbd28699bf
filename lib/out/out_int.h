/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_OUT_INT_H
#define PORTKIT_OUT_INT_H

/* Shared by the serializers of lib/out. */
#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "portkit/out.h"
#include "portkit/page.h"

/* Writes record r (protocol hint proto) as the next value of j, from the cache when o has
 * one. */
void pk__out_record(struct pk__json *j, const struct pk_out *o, const struct pk_record *r,
                    unsigned proto);

/* Returns the fragment fill(pol, bits) wrote, formed once and kept in o's cache (bits < 8);
 * NULL without a cache (the caller forms it itself). */
const char *
pk__out_cached_policy(const struct pk_out *o, const struct pk_port_policy *pol, unsigned bits,
                      size_t (*fill)(const struct pk_port_policy *, unsigned, char *, size_t),
                      size_t *n);

/* Appends record r's, and note n's, JSON object to b (no separator), from the cache when o
 * has one. */
void pk__out_record_put(struct pk_buf *b, const struct pk_out *o, const struct pk_record *r,
                        unsigned proto);
void pk__out_note_put(struct pk_buf *b, const struct pk_out *o, const struct pk_note *n);

/* Appends the page's "registry" member (source, date, builtin) of o->reg to b, formed once
 * per cache. */
void pk__out_registry_put(struct pk_buf *b, const struct pk_out *o);

/* Writes note n as the next value of j, from the cache when o has one. */
void pk__out_note(struct pk__json *j, const struct pk_out *o, const struct pk_note *n);

/* Writes protos as a JSON array of names, the next value of j. */
void pk__out_protos(struct pk__json *j, unsigned protos);

/* Appends n spaces to b. */
void pk__out_pad(struct pk_buf *b, size_t n);

/*
 * Appends untrusted text escaped for the terminal and wrapped: the first line starts at
 * column col, continuation lines are indented by indent, lines end before column wrap (a
 * word longer than a line goes whole). Runs of blanks become one space.
 */
void pk__out_wrapped(struct pk_buf *b, const char *text, size_t col, size_t indent, size_t wrap);

/* The column text wraps at for o: its width when known (at most 100), else 100. */
size_t pk__out_wrap_width(const struct pk_out *o);

/* The IANA columns after the description, with their text labels and JSON keys. */
struct pk__field {
    const char *label;
    const char *key;
    size_t off; /* of the const char * in struct pk_record */
};
extern const struct pk__field pk__record_fields[];
extern const size_t pk__nrecord_fields;

/* Returns field i of r. */
const char *pk__record_field(const struct pk_record *r, size_t i);

/* Appends the notes of one kind under their heading ("History"), labelled with their ports,
 * values at column vcol. */
void pk__out_notes_text(const struct pk_out *o, const struct pk_note *notes, size_t n,
                        enum pk_note_kind kind, size_t vcol);

/* Returns col widened to fit the port labels of the notes (indent 2), within the limit. */
size_t pk__out_notes_column(const struct pk_note *notes, size_t n, size_t col);

/* Collects the notes touching lo..hi for protos into *out (malloc'd, narrowest first).
 * Returns 0 or PK_ENOMEM. */
int pk__out_notes_of(const struct pk_registry *reg, unsigned lo, unsigned hi, unsigned protos,
                     struct pk_note **out, size_t *n);

/* Writes a protocol set as "tcp,udp" ("-" for none) into buf (24 bytes hold any set). */
void pk__protos_str(char *buf, size_t cap, unsigned protos);

/* A range's runs (range.c), for the range views and a page's block: the "port", "port_end"
 * and "protocols" members into the object j has open; a table (render flags); an HTML table. */
void pk__out_runs_json(struct pk__json *j, const struct pk_out *o, unsigned lo, unsigned hi,
                       unsigned protos);
int pk__out_runs_text(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos,
                      bool has_proto, unsigned flags);
void pk__out_runs_html(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos,
                       bool has_proto);

/* Writes "lo" or "lo-hi" into buf (16 bytes). */
void pk__ports_str(char *buf, size_t cap, unsigned lo, unsigned hi);

/* The ports of IANA's three ranges, "0-1023" etc. */
const char *pk__range_bounds(enum pk_range_class rc);

/* What each of IANA's three ranges is for, as a phrase. */
const char *pk__range_use(enum pk_range_class rc);

/*
 * The port a record's "Unauthorized Use Known on port 796" is about, when it is not port:
 * that port, else -1.
 */
long pk__out_other_port(const char *text, unsigned port);

/* HTML pieces shared by the serializers: a path segment percent-encoded (then safe in an
 * attribute too); "lo" or "lo-hi" as a link to its port or range page; the head of a record
 * table (closed with "</tbody></table></div>"); a record's row, with the extent of block
 * (when not NULL and a range record) after its description. */
void pk__out_url_path(struct pk_buf *b, const char *s);
void pk__out_ports_link(struct pk_buf *b, unsigned lo, unsigned hi);
void pk__out_records_thead(struct pk_buf *b);
void pk__out_record_tr(const struct pk_out *o, const struct pk_record *r,
                       const struct pk_record *block);

#endif
