/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A range of ports (788-799, 0-65535) in compact form: per protocol, the runs of consecutive
 * ports whose record lists are the same, then the notes touching the range. One JSON object,
 * one text table, one HTML table.
 */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "out_int.h"
#include "portkit/error.h"

#define NOTES_MAX (1u << 20)

/* One run: ports lo..hi of one protocol share the records of cursor c. */
struct run {
    unsigned lo, hi;
    struct pk_cursor c;
};

/* Finds the run starting at port (<= hi) for proto. */
static void
next_run(const struct pk_registry *reg, unsigned port, unsigned hi, unsigned proto, struct run *run)
{
    int n = pk_lookup(reg, port, proto, &run->c);
    unsigned end = port;
    while (end < hi) {
        struct pk_cursor d;
        int m = pk_lookup(reg, end + 1, proto, &d);
        if (m != n || (n > 0 && memcmp(run->c.ids, d.ids, (size_t)n * sizeof(*d.ids)) != 0))
            break;
        end++;
    }
    run->lo = port;
    run->hi = end;
}

/* True when protocol p is shown in a range's text: tcp and udp always, sctp and dccp when
 * named or when the registry has something in the range. */
static bool
proto_shown(const struct pk_registry *reg, unsigned lo, unsigned hi, unsigned p, bool has_proto)
{
    if (has_proto || p == PK_TCP || p == PK_UDP)
        return true;
    for (unsigned port = lo;; port++) {
        struct pk_cursor c;
        if (pk_lookup(reg, port, p, &c) > 0)
            return true;
        if (port == hi)
            return false;
    }
}

struct notes_ctx {
    struct pk_note *v;
    size_t n, cap;
    int err;
};

static int
note_push(const struct pk_note *n, void *arg)
{
    struct notes_ctx *c = arg;
    c->err = pk__push(&c->v, &c->n, &c->cap, n, sizeof(*n), NOTES_MAX);
    return c->err != 0;
}

static int
cmp_width(const void *a, const void *b)
{
    const struct pk_note *x = a, *y = b;
    unsigned wx = x->port_hi - x->port_lo, wy = y->port_hi - y->port_lo;
    if (wx != wy)
        return wx < wy ? -1 : 1;
    if (x->port_lo != y->port_lo)
        return x->port_lo < y->port_lo ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int
pk__out_notes_of(const struct pk_registry *reg, unsigned lo, unsigned hi, unsigned protos,
                 struct pk_note **out, size_t *n)
{
    struct notes_ctx c = {0};
    pk_notes_for(reg, lo, hi, protos, note_push, &c);
    if (c.err) {
        free(c.v);
        return c.err;
    }
    if (c.n)
        qsort(c.v, c.n, sizeof(*c.v), cmp_width);
    *out = c.v;
    *n = c.n;
    return 0;
}

void
pk__out_runs_json(struct pk__json *j, const struct pk_out *o, unsigned lo, unsigned hi,
                  unsigned protos)
{
    pk__json_key_int(j, "port", lo);
    pk__json_key_int(j, "port_end", hi);
    pk__json_key(j, "protocols");
    pk__json_arr_begin(j);
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(protos & p))
            continue;
        pk__json_obj_begin(j);
        pk__json_key_str(j, "protocol", pk_proto_name(p));
        pk__json_key(j, "runs");
        pk__json_arr_begin(j);
        for (unsigned port = lo;;) {
            struct run run;
            next_run(o->reg, port, hi, p, &run);
            pk__json_obj_begin(j);
            pk__json_key_int(j, "port", run.lo);
            pk__json_key_int(j, "port_end", run.hi);
            pk__json_key_str(j, "status", pk_status_name(pk_status_of(o->reg, run.lo, p)));
            pk__json_key(j, "assignments");
            pk__json_arr_begin(j);
            struct pk_record r;
            while (pk_cursor_next(&run.c, &r))
                pk__out_record(j, o, &r, p);
            pk__json_arr_end(j);
            pk__json_obj_end(j);
            if (run.hi >= hi || o->b->err)
                break;
            port = run.hi + 1;
        }
        pk__json_arr_end(j);
        pk__json_obj_end(j);
    }
    pk__json_arr_end(j);
}

void
pk_out_range_json(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos, bool has_proto)
{
    struct pk__json j;
    (void)has_proto; /* JSON lists every protocol asked for, as the page does */
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__out_runs_json(&j, o, lo, hi, protos);
    pk__json_key(&j, "notes");
    pk__json_arr_begin(&j);
    struct pk_note *notes = NULL;
    size_t nn = 0;
    if (pk__out_notes_of(o->reg, lo, hi, protos, &notes, &nn) == 0)
        for (size_t i = 0; i < nn; i++)
            pk__out_note(&j, o, &notes[i]);
    else if (!o->b->err)
        o->b->err = PK_ENOMEM;
    free(notes);
    pk__json_arr_end(&j);
    pk__json_obj_end(&j);
}

/* Replaces the description cell of the last row with r's description and its block
 * ("Unassigned (block 788-799)"). */
static int
block_cell(struct pk_table *t, const struct pk_record *r)
{
    struct pk_buf b;
    pk_buf_init(&b, 1u << 20);
    pk_buf_printf(&b, "%s (block %u-%u)", *r->description ? r->description : "-", r->port_lo,
                  r->port_hi);
    int rc = b.err ? b.err : (int)pk_table_cell(t, 4, b.data, PK_STYLE_NONE);
    pk_buf_free(&b);
    return rc < 0 ? rc : 0;
}

int
pk__out_runs_text(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos, bool has_proto,
                  unsigned flags)
{
    size_t ncols;
    const struct pk_col *cols = pk_out_record_cols(&ncols);
    struct pk_table *t;
    int rc = pk_table_new(cols, ncols, &t);
    if (rc < 0)
        return rc;
    for (unsigned p = PK_TCP; p <= PK_DCCP && rc == 0; p <<= 1) {
        if (!(protos & p) || !proto_shown(o->reg, lo, hi, p, has_proto))
            continue;
        for (unsigned port = lo; rc == 0;) {
            struct run run;
            next_run(o->reg, port, hi, p, &run);
            struct pk_record r;
            if (run.c.n == 0)
                rc = pk_out_record_row(t, NULL, p, run.lo, run.hi);
            while (rc == 0 && pk_cursor_next(&run.c, &r)) {
                /* The run's ports, not the record's: a block record shows its extent in the
                 * description. */
                struct pk_record shown = r;
                shown.flags &= ~PK_REC_NOPORT;
                shown.port_lo = (uint16_t)run.lo;
                shown.port_hi = (uint16_t)run.hi;
                rc = pk_out_record_row(t, &shown, p, 0, 0);
                if (rc == 0 && (r.flags & PK_REC_RANGE))
                    rc = block_cell(t, &r);
            }
            if (run.hi >= hi)
                break;
            port = run.hi + 1;
        }
    }
    if (rc == 0)
        rc = pk_table_render(t, o, flags);
    pk_table_free(t);
    return rc;
}

int
pk_out_range_text(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos, bool has_proto)
{
    int rc = pk__out_runs_text(o, lo, hi, protos, has_proto, 0);
    struct pk_note *notes = NULL;
    size_t nn = 0;
    if (rc == 0 && (rc = pk__out_notes_of(o->reg, lo, hi, protos, &notes, &nn)) == 0) {
        size_t vcol = pk__out_notes_column(notes, nn, 2 + 9) + 2;
        for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++)
            pk__out_notes_text(o, notes, nn, (enum pk_note_kind)k, vcol);
    }
    free(notes);
    return rc;
}

void
pk__out_runs_html(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos, bool has_proto)
{
    struct pk_buf *b = o->b;
    pk__out_records_thead(b);
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(protos & p) || !proto_shown(o->reg, lo, hi, p, has_proto))
            continue;
        for (unsigned port = lo;;) {
            struct run run;
            next_run(o->reg, port, hi, p, &run);
            struct pk_record r;
            if (run.c.n == 0) {
                pk_buf_puts(b, "<tr class=\"unassigned\"><td class=\"ports\">");
                pk__out_ports_link(b, run.lo, run.hi);
                pk_buf_printf(b,
                              "</td><td>%s</td><td class=\"status\">unassigned</td><td>-</td>"
                              "<td>-</td></tr>\n",
                              pk_proto_name(p));
            }
            while (pk_cursor_next(&run.c, &r)) {
                /* The run's ports, not the record's: a block record shows its extent in the
                 * description. */
                struct pk_record shown = r;
                shown.flags &= ~PK_REC_NOPORT;
                shown.port_lo = (uint16_t)run.lo;
                shown.port_hi = (uint16_t)run.hi;
                shown.proto = p;
                pk__out_record_tr(o, &shown, &r);
            }
            if (run.hi >= hi || b->err)
                break;
            port = run.hi + 1;
        }
    }
    pk_buf_puts(b, "</tbody></table></div>\n");
}

void
pk_out_range_html(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos, bool has_proto)
{
    static const char *const heads[] = {"Unofficial uses", "History", "Abuse reports"};
    struct pk_buf *b = o->b;
    unsigned w = hi - lo + 1;
    pk_buf_puts(b, "<article class=\"range\">\n<nav class=\"neighbours\">");
    if (lo >= w)
        pk_buf_printf(b, "<a rel=\"prev\" href=\"/range/%u-%u\">&larr; %u-%u</a> ", lo - w, lo - 1,
                      lo - w, lo - 1);
    if (hi + w <= PK_PORT_MAX)
        pk_buf_printf(b, "<a rel=\"next\" href=\"/range/%u-%u\">%u-%u &rarr;</a>", hi + 1, hi + w,
                      hi + 1, hi + w);
    pk_buf_printf(b, "</nav>\n<h1>Ports %u-%u</h1>\n<p class=\"summary\">%u ports", lo, hi, w);
    enum pk_range_class a = pk_range_class_of(lo), z = pk_range_class_of(hi);
    if (a == z)
        pk_buf_printf(b, " in the %s range (%s)", pk_range_class_name(a), pk__range_bounds(a));
    else
        pk_buf_printf(b, " from the %s range to the %s range", pk_range_class_name(a),
                      pk_range_class_name(z));
    pk_buf_puts(b, "; consecutive ports with the same records are shown as one row.</p>\n");
    pk__out_runs_html(o, lo, hi, protos, has_proto);
    struct pk_note *notes = NULL;
    size_t nn = 0;
    if (pk__out_notes_of(o->reg, lo, hi, protos, &notes, &nn) == 0) {
        for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++) {
            bool any = false;
            for (size_t i = 0; i < nn; i++) {
                if (notes[i].kind != (enum pk_note_kind)k)
                    continue;
                if (!any)
                    pk_buf_printf(b, "<section class=\"notes\"><h2>%s</h2><ul>\n", heads[k]);
                any = true;
                pk_out_note_html(o, &notes[i]);
            }
            if (any)
                pk_buf_puts(b, "</ul></section>\n");
        }
    } else if (!b->err) {
        b->err = PK_ENOMEM;
    }
    free(notes);
    pk_buf_puts(b, "</article>\n");
}
