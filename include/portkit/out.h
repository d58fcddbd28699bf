/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_OUT_H
#define PORTKIT_OUT_H

/*
 * The output layer: one serializer per entity (registry record, note, port page, range,
 * error; sockets and scan results in their own headers) that writes it as a JSON object, as
 * text (a table row or a labelled page) and as HTML. Every program of the project writes its
 * output through these, so a field has one name everywhere (the schema is in docs/schema/ and
 * portkit(1)). Serializers append to a pk_buf and never print; untrusted text (registry text,
 * process names, banners) is escaped for the format by the one escaper of buf.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/buf.h"
#include "portkit/change.h"
#include "portkit/policy.h"
#include "portkit/registry.h"
#include "portkit/common.h"

PK_BEGIN_DECLS

/* Output flags. */
#define PK_OUT_COLOR 0x01u    /* SGR colours in text */
#define PK_OUT_TRUNCATE 0x02u /* cut long table cells with an ellipsis to fit width */
#define PK_OUT_VERBOSE 0x04u  /* long texts whole */

/* Where and how to write: shared by every serializer. */
struct pk_out {
    struct pk_buf *b;
    const struct pk_registry *reg;
    unsigned flags;             /* PK_OUT_* */
    unsigned width;             /* columns of the terminal; 0 when unknown (no limit) */
    struct pk_out_cache *cache; /* pre-rendered JSON of records and notes, or NULL */
};

/*
 * Returns the width text output should keep to on file descriptor fd: the terminal's
 * columns (TIOCGWINSZ) when fd is a terminal, else $COLUMNS when it is a number from 20 to
 * 10000, else 0 (no limit).
 */
PK_API unsigned pk_out_width(int fd);

/* Text styles, each a colour when PK_OUT_COLOR is set. */
enum pk_style {
    PK_STYLE_NONE = 0,
    PK_STYLE_BOLD,
    PK_STYLE_DIM,
    PK_STYLE_GOOD, /* green */
    PK_STYLE_WARN, /* yellow */
    PK_STYLE_BAD,  /* red */
    PK_STYLE_NOTE, /* cyan */
};

/* Returns the SGR sequence that starts style st ("" without PK_OUT_COLOR), and the one that
 * ends it. */
PK_API const char *pk_out_sgr(const struct pk_out *o, enum pk_style st);
PK_API const char *pk_out_sgr_end(const struct pk_out *o, enum pk_style st);

/* The style of a registration status: assigned good, reserved warn, unassigned dim. */
PK_API enum pk_style pk_out_status_style(enum pk_status st);

/*
 * A cache of the JSON objects of records and notes, rendered once each on first use: a
 * stream of port pages (portkit --json -) repeats the same objects. Returns 0 and *out, or
 * PK_ENOMEM. Free it with pk_out_cache_free().
 */
PK_API int pk_out_cache_new(const struct pk_registry *reg, struct pk_out_cache **out);
PK_API void pk_out_cache_free(struct pk_out_cache *c);

/* ---- Tables ---- */

/* Column flags. */
#define PK_COL_SHRINK 0x01u /* may be cut to fit the width (descriptions, command lines) */
#define PK_COL_RIGHT 0x02u  /* right-aligned (numbers) */

struct pk_col {
    const char *name; /* the header */
    unsigned flags;   /* PK_COL_* */
};

/* Render flags. */
#define PK_TABLE_NO_HEADER 0x01u
#define PK_TABLE_INDENT 0x02u /* two spaces before every row (a table inside a page) */

struct pk_table;

/*
 * A table of typed cells, rendered as aligned text: columns as wide as their widest cell
 * (display width, UTF-8 aware), columns no row uses dropped, two spaces between columns, the
 * last cell of a row not padded. With PK_OUT_TRUNCATE and a width, PK_COL_SHRINK columns are
 * cut, with an ellipsis, so that rows fit; nothing is ever cut otherwise. Returns 0 and *out,
 * or PK_ENOMEM. The column array must outlive the table.
 */
PK_API int pk_table_new(const struct pk_col *cols, size_t ncols, struct pk_table **out);
PK_API void pk_table_free(struct pk_table *t);

/* Starts a new row with every cell empty. Returns 0, PK_ENOMEM or PK_ENOBUFS. */
PK_API int pk_table_row(struct pk_table *t);

/*
 * Sets cell col of the last row to text, escaped for the terminal (newlines folded), in
 * style st. NULL or "" leaves the cell empty. Returns the text's id (for pk_table_cell_id())
 * or a negative pk_errno; the first failure is kept and returned by pk_table_render().
 */
PK_API int32_t pk_table_cell(struct pk_table *t, size_t col, const char *text, enum pk_style st);

/* Sets cell col of the last row to text stored earlier (id from pk_table_cell()): a process
 * shown on thousands of rows is escaped once. */
PK_API void pk_table_cell_id(struct pk_table *t, size_t col, int32_t id, enum pk_style st);

/* Returns the number of rows. */
PK_API size_t pk_table_rows(const struct pk_table *t);

/* Appends the table to o->b. Returns 0 or the first error met while filling it. */
PK_API int pk_table_render(struct pk_table *t, const struct pk_out *o, unsigned flags);

/* pk_table_render() for long tables: calls flush(arg) after each row, which may write o->b
 * out and empty it. Returns 0, the first error, or flush's negative value (which stops). */
PK_API int pk_table_render_flush(struct pk_table *t, const struct pk_out *o, unsigned flags,
                                 int (*flush)(void *arg), void *arg);

/* ---- Registry records and notes ---- */

/*
 * Writes record r as a JSON object: service (null when IANA gives none), port and port_end
 * (equal for one port; both null for a name without a port), protocol (r's own, else the
 * name of proto when not 0, else null), status, description, and the IANA columns that are
 * not empty: assignee, contact, registered, modified, reference, service_code, unauthorized,
 * assignment_notes.
 */
PK_API void pk_out_record_json(const struct pk_out *o, const struct pk_record *r, unsigned proto);

/* Writes note n as a JSON object: kind, port, port_end, protocols (an array), text. */
PK_API void pk_out_note_json(const struct pk_out *o, const struct pk_note *n);

/* The columns of the record table of search, name and list: PORT PROTO STATUS SERVICE
 * DESCRIPTION. */
PK_API const struct pk_col *pk_out_record_cols(size_t *ncols);

/*
 * Adds record r as a row of a record table. protos, when not 0, replaces r's protocol in
 * the PROTO cell (rows folded over protocols). With r NULL the row is an unassigned run
 * lo..hi of the protocols in protos.
 */
PK_API int pk_out_record_row(struct pk_table *t, const struct pk_record *r, unsigned protos,
                             unsigned lo, unsigned hi);

/* Adds note n as a row of a record table: ports, protocols, kind, -, text. */
PK_API int pk_out_note_row(struct pk_table *t, const struct pk_note *n);

/* Appends record r, and note n, as HTML: a <tr> of the record table (ports linked to their
 * page, the service to its name page), an <li> of a note list. */
PK_API void pk_out_record_html(const struct pk_out *o, const struct pk_record *r);
PK_API void pk_out_note_html(const struct pk_out *o, const struct pk_note *n);

/* Appends the name page of a service as an HTML <article>: every record of the name (as
 * pk_name_lookup() finds them) in a record table. Returns how many records it has (0: the
 * article says there is no such name). */
PK_API int pk_out_name_html(const struct pk_out *o, const char *name);

/* Appends a protocol set as "tcp,udp" to b. */
PK_API void pk_out_protos_text(struct pk_buf *b, unsigned protos);

/*
 * Writes a search result as a JSON object: port and port_end (null for a name without a
 * port), protocols, services (the names of its matched records, aliases folded), score,
 * and its matched records and notes, best first.
 */
PK_API void pk_out_search_json(const struct pk_out *o, const struct pk_search_result *r);

/* Appends the search results r[0..n) as a table: PORT (-, a port or LO-HI), PROTO, SERVICE
 * (as in JSON; the port's own names when only a note matched) and DESCRIPTION (of the best
 * match). Returns 0 or a negative pk_errno. */
PK_API int pk_out_search_text(const struct pk_out *o, const struct pk_search_result *r,
                              size_t n);

/* Appends a search result as an HTML <li>: its ports (linked), protocols, services (linked
 * to their name pages) and the text of its best match. */
PK_API void pk_out_search_html(const struct pk_out *o, const struct pk_search_result *r);

/*
 * Appends which registry reg is, for a terminal: "built-in snapshot" or "local database",
 * " of DATE" when it has IANA's date, ", from SOURCE" (the URL or packages it came from).
 */
PK_API void pk_out_registry_text(struct pk_buf *b, const struct pk_registry *reg);

/* ---- Changes between two registries ---- */

/*
 * Writes change c as a JSON object (docs/schema/change.json): change (its kind), port,
 * port_end, protocols, and before and after, each {status, services, description}.
 */
PK_API void pk_out_change_json(const struct pk_out *o, const struct pk_change *c);

/* Appends the counts of the n changes by kind: "3 newly assigned, 1 de-assigned, ...". */
PK_API void pk_out_changes_count(struct pk_buf *b, const struct pk_change *c, size_t n);

/* Appends the counts, then a table of the changes of each kind (PORT PROTO WAS NOW).
 * Returns 0 or PK_ENOMEM. */
PK_API int pk_out_changes_text(const struct pk_out *o, const struct pk_change *c, size_t n);

/* Appends the n changes as an HTML table. */
PK_API void pk_out_changes_html(const struct pk_out *o, const struct pk_change *c, size_t n);

/* ---- Errors ---- */

/*
 * Writes a bad input as a JSON object: input (the len bytes at input, which may hold NUL
 * bytes), error (the pk_errname() of err) and message. Output lines of a stream stay in step
 * with input lines because a bad line gives one of these.
 */
PK_API void pk_out_error_json(const struct pk_out *o, const char *input, size_t len, int err,
                              const char *message);

/* Appends "INPUT: message" for a terminal: at most 64 bytes of input, escaped (NUL bytes as
 * \x00), "..." when cut, '' when empty. */
PK_API void pk_out_error_text(const struct pk_out *o, const char *input, size_t len,
                              const char *message);

/* Appends the error as an HTML paragraph of class "error". */
PK_API void pk_out_error_html(const struct pk_out *o, const char *input, size_t len,
                              const char *message);

PK_END_DECLS

#endif
