/* SPDX-License-Identifier: BSD-2-Clause */
/* Scan results: a port's state as a JSON line, a line of text, a row of a host's port table
 * and an HTML row; and the progress line of a running scan. */
#include <stdio.h>
#include <string.h>

#include "out_int.h"
#include "portkit/scanout.h"
#include "scan_int.h"

/* A note on a wider range (an OS's ephemeral ports) is no hint about one open port. */
#define NARROW_NOTE 100u

enum { COL_PORT, COL_STATE, COL_SERVICE, COL_REASON, COL_USE, NCOLS };

static const struct pk_col scan_cols[NCOLS] = {
    {"PORT", 0}, {"STATE", 0}, {"SERVICE", 0}, {"REASON", 0}, {"UNOFFICIAL USE", PK_COL_SHRINK},
};

const struct pk_col *
pk_out_scan_cols(size_t *ncols)
{
    *ncols = NCOLS;
    return scan_cols;
}

/* What each_use() hands its callback, and the callback's own state. */
struct uses {
    void (*fn)(struct uses *u, const struct pk_note *n);
    const struct pk_out *o;
    struct pk__json *j;
    struct pk_buf *b;
    bool all;
    size_t n;
};

/* pk_notes_for() callback: passes on the unofficial uses of narrow ranges. */
static int
use_of(const struct pk_note *n, void *arg)
{
    struct uses *u = arg;
    if (n->kind != PK_NOTE_UNOFFICIAL || (unsigned)(n->port_hi - n->port_lo) >= NARROW_NOTE)
        return 0;
    u->fn(u, n);
    u->n++;
    return u->all ? 0 : 1;
}

/* Calls u->fn for the unofficial uses of TCP port, narrowest first (the first only unless
 * u->all). */
static void
each_use(struct uses *u, unsigned port)
{
    pk_notes_for(u->o->reg, port, port, PK_TCP, use_of, u);
}

static void
use_json(struct uses *u, const struct pk_note *n)
{
    pk__out_note(u->j, u->o, n);
}

static void
use_text(struct uses *u, const struct pk_note *n)
{
    if (u->n)
        pk_buf_puts(u->b, "; ");
    pk_buf_puts(u->b, n->text);
}

static void
use_html(struct uses *u, const struct pk_note *n)
{
    if (u->n)
        pk_buf_puts(u->b, "; ");
    pk_buf_html_str(u->b, n->text);
}

void
pk__scan_port_str(char *buf, size_t cap, unsigned port)
{
    snprintf(buf, cap, "%u/tcp", port);
}

enum pk_style
pk__scan_state_style(enum pk_port_state s)
{
    return s == PK_PORT_OPEN ? PK_STYLE_GOOD : s == PK_PORT_CLOSED ? PK_STYLE_BAD : PK_STYLE_WARN;
}

void
pk__scan_target_text(struct pk_buf *b, const struct pk_target *tg, bool term)
{
    char addr[64];
    pk_target_addr_str(tg, addr, sizeof(addr));
    if (!tg->name) {
        pk_buf_puts(b, addr);
        return;
    }
    if (term)
        pk_buf_term_str(b, tg->name, true);
    else
        pk_buf_html_str(b, tg->name);
    pk_buf_printf(b, " (%s)", addr);
}

void
pk__scan_target_json(struct pk__json *j, const struct pk_target *tg)
{
    char addr[64];
    pk__json_key_str(j, "address", pk_target_addr_str(tg, addr, sizeof(addr)));
    if (tg->name)
        pk__json_key_str(j, "hostname", tg->name);
}

void
pk__scan_service_json(struct pk__json *j, const struct pk_out *o, unsigned port)
{
    const char *svc = pk_service_name(o->reg, port, PK_TCP);
    pk__json_key(j, "service");
    if (svc)
        pk__json_val_str(j, svc);
    else
        pk__json_val_null(j);
}

void
pk__scan_notes_json(struct pk__json *j, const struct pk_out *o, unsigned port, bool open)
{
    pk__json_key(j, "notes");
    pk__json_arr_begin(j);
    if (open) {
        struct uses u = {.fn = use_json, .o = o, .j = j, .all = true};
        each_use(&u, port);
    }
    pk__json_arr_end(j);
}

void
pk_out_scan_result_json(const struct pk_out *o, const struct pk_scan_result *r)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__scan_target_json(&j, r->target);
    pk__json_key_int(&j, "port", r->port);
    PK_JSON_MEMBER(&j, "\"protocol\":\"tcp\"");
    pk__json_key_str(&j, "state", pk_port_state_name(r->state));
    pk__json_key_str(&j, "reason", pk_scan_reason_name(r->reason));
    pk__scan_service_json(&j, o, r->port);
    pk__scan_notes_json(&j, o, r->port, r->state == PK_PORT_OPEN);
    pk__json_key_int(&j, "attempts", r->attempts);
    if (r->rtt_us)
        pk__json_key_int(&j, "rtt_us", r->rtt_us);
    pk__json_obj_end(&j);
}

void
pk_out_scan_result_text(const struct pk_out *o, const struct pk_scan_result *r)
{
    char port[16];
    pk__scan_port_str(port, sizeof(port), r->port);
    enum pk_style st = pk__scan_state_style(r->state);
    pk_buf_printf(o->b, "%s%s%s port %s on ", pk_out_sgr(o, st), pk_port_state_name(r->state),
                  pk_out_sgr_end(o, st), port);
    pk__scan_target_text(o->b, r->target, true);
}

int
pk_out_scan_port_row(struct pk_table *t, const struct pk_out *o, const struct pk_scan_port *p)
{
    char port[16];
    int rc = pk_table_row(t);
    if (rc < 0)
        return rc;
    pk__scan_port_str(port, sizeof(port), p->port);
    const char *svc = pk_service_name(o->reg, p->port, PK_TCP);
    pk_table_cell(t, COL_PORT, port, PK_STYLE_NONE);
    pk_table_cell(t, COL_STATE, pk_port_state_name(p->state), pk__scan_state_style(p->state));
    pk_table_cell(t, COL_SERVICE, svc ? svc : "unknown", PK_STYLE_NONE);
    if (o->flags & PK_OUT_SCAN_REASON)
        pk_table_cell(t, COL_REASON, pk_scan_reason_name(p->reason), PK_STYLE_NONE);
    if (p->state == PK_PORT_OPEN) {
        struct pk_buf uses;
        pk_buf_init(&uses, 1u << 16);
        struct uses u = {
            .fn = use_text, .o = o, .b = &uses, .all = (o->flags & PK_OUT_VERBOSE) != 0};
        each_use(&u, p->port);
        if (uses.len)
            pk_table_cell(t, COL_USE, uses.data, PK_STYLE_DIM);
        pk_buf_free(&uses);
    }
    return 0; /* a cell that failed fails pk_table_render() */
}

void
pk_out_scan_port_html(const struct pk_out *o, const struct pk_scan_port *p)
{
    struct pk_buf *b = o->b;
    char port[16];
    pk__scan_port_str(port, sizeof(port), p->port);
    const char *svc = pk_service_name(o->reg, p->port, PK_TCP);
    pk_buf_printf(b, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>", pk_port_state_name(p->state),
                  port, pk_port_state_name(p->state));
    if (svc) {
        pk_buf_puts(b, "<a href=\"/name/");
        pk_buf_html_str(b, svc);
        pk_buf_puts(b, "\">");
        pk_buf_html_str(b, svc);
        pk_buf_puts(b, "</a>");
    } else {
        pk_buf_puts(b, "unknown");
    }
    pk_buf_puts(b, "</td>");
    if (o->flags & PK_OUT_SCAN_REASON)
        pk_buf_printf(b, "<td>%s</td>", pk_scan_reason_name(p->reason));
    pk_buf_puts(b, "<td>");
    if (p->state == PK_PORT_OPEN) {
        struct uses u = {.fn = use_html, .o = o, .b = b, .all = true};
        each_use(&u, p->port);
    }
    pk_buf_puts(b, "</td></tr>\n");
}

void
pk_out_scan_progress(const struct pk_out *o, const struct pk_scan_stats *st)
{
    double pct = st->total ? 100.0 * (double)st->done / (double)st->total : 0;
    double eta = st->done ? st->elapsed * (double)(st->total - st->done) / (double)st->done : 0;
    if (eta > 359999)
        eta = 359999;
    pk_buf_printf(o->b,
                  "%5.1f%%  %llu/%llu ports  %.0f probes/s  %llu retransmitted  loss %.1f%%  "
                  "ETA %d:%02d",
                  pct, (unsigned long long)st->done, (unsigned long long)st->total, st->rate,
                  (unsigned long long)st->retransmits, 100 * st->loss, (int)eta / 60,
                  (int)eta % 60);
}
