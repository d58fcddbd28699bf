/* SPDX-License-Identifier: BSD-2-Clause */
/* A scanned host's summary, and the summary of the whole run: JSON, text and HTML. */
#include <stdio.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"
#include "scan_int.h"

/* Appends "95 closed tcp ports (90 conn-refused, 5 error)" for the unlisted ports of state
 * s (trusted text only: numbers and names, the same in text and HTML). */
static void
not_shown(struct pk_buf *b, const struct pk_scan_host *h, int s)
{
    pk_buf_printf(b, "%llu %s tcp port%s (", (unsigned long long)h->extra[s],
                  pk_port_state_name((enum pk_port_state)s), h->extra[s] == 1 ? "" : "s");
    bool first = true;
    for (int r = 0; r < PK_REASON_COUNT; r++)
        if (h->extra_reason[s][r]) {
            pk_buf_printf(b, "%s%llu %s", first ? "" : ", ",
                          (unsigned long long)h->extra_reason[s][r],
                          pk_scan_reason_name((enum pk_scan_reason)r));
            first = false;
        }
    pk_buf_putc(b, ')');
}

/* Appends a "Not shown:" line, between before and after, for each state not listed. */
static void
not_shown_lines(struct pk_buf *b, const struct pk_scan_host *h, const char *before,
                const char *after)
{
    for (int s = 0; s < PK_PORT_NSTATES; s++)
        if (h->extra[s]) {
            pk_buf_puts(b, before);
            not_shown(b, h, s);
            pk_buf_puts(b, after);
        }
}

void
pk_out_scan_host_json(const struct pk_out *o, const struct pk_target *tg,
                      const struct pk_scan_host *h)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__scan_target_json(&j, tg);
    for (int s = 0; s < PK_PORT_NSTATES; s++)
        pk__json_key_int(&j, pk_port_state_name((enum pk_port_state)s), (long long)h->count[s]);
    pk__json_key(&j, "ports");
    pk__json_arr_begin(&j);
    for (size_t i = 0; i < h->nports; i++) {
        const struct pk_scan_port *p = &h->ports[i];
        pk__json_obj_begin(&j);
        pk__json_key_int(&j, "port", p->port);
        PK_JSON_MEMBER(&j, "\"protocol\":\"tcp\"");
        pk__json_key_str(&j, "state", pk_port_state_name(p->state));
        pk__json_key_str(&j, "reason", pk_scan_reason_name(p->reason));
        pk__scan_service_json(&j, o, p->port);
        pk__scan_notes_json(&j, o, p->port, p->state == PK_PORT_OPEN);
        pk__json_obj_end(&j);
    }
    pk__json_arr_end(&j);
    pk__json_key(&j, "not_shown");
    pk__json_arr_begin(&j);
    for (int s = 0; s < PK_PORT_NSTATES; s++) {
        if (!h->extra[s])
            continue;
        pk__json_obj_begin(&j);
        pk__json_key_str(&j, "state", pk_port_state_name((enum pk_port_state)s));
        pk__json_key_int(&j, "count", (long long)h->extra[s]);
        pk__json_key(&j, "reasons");
        pk__json_obj_begin(&j);
        for (int r = 0; r < PK_REASON_COUNT; r++)
            if (h->extra_reason[s][r])
                pk__json_key_int(&j, pk_scan_reason_name((enum pk_scan_reason)r),
                                (long long)h->extra_reason[s][r]);
        pk__json_obj_end(&j);
        pk__json_obj_end(&j);
    }
    pk__json_arr_end(&j);
    if (h->srtt_us) {
        pk__json_key_int(&j, "srtt_us", h->srtt_us);
        pk__json_key_int(&j, "rttvar_us", h->rttvar_us);
        pk__json_key_int(&j, "timeout_us", h->to_us);
    }
    pk__json_obj_end(&j);
}

int
pk_out_scan_host_text(const struct pk_out *o, const struct pk_target *tg,
                      const struct pk_scan_host *h)
{
    struct pk_buf *b = o->b;
    pk_buf_puts(b, "scan report for ");
    pk__scan_target_text(b, tg, true);
    pk_buf_putc(b, '\n');
    not_shown_lines(b, h, "Not shown: ", "\n");
    int rc = 0;
    if (h->nports) {
        size_t ncols;
        const struct pk_col *cols = pk_out_scan_cols(&ncols);
        struct pk_table *t = NULL;
        rc = pk_table_new(cols, ncols, &t);
        for (size_t i = 0; rc == 0 && i < h->nports; i++)
            rc = pk_out_scan_port_row(t, o, &h->ports[i]);
        if (rc == 0)
            rc = pk_table_render(t, o, 0);
        pk_table_free(t);
    }
    pk_buf_putc(b, '\n');
    return rc;
}

void
pk_out_scan_host_html(const struct pk_out *o, const struct pk_target *tg,
                      const struct pk_scan_host *h)
{
    struct pk_buf *b = o->b;
    pk_buf_puts(b, "<section class=\"scan-host\">\n<h2>");
    pk__scan_target_text(b, tg, false);
    pk_buf_puts(b, "</h2>\n");
    not_shown_lines(b, h, "<p class=\"not-shown\">Not shown: ", "</p>\n");
    if (h->nports) {
        size_t ncols;
        const struct pk_col *cols = pk_out_scan_cols(&ncols);
        pk_buf_puts(b, "<table class=\"scan-ports\">\n<thead><tr>");
        for (size_t c = 0; c < ncols; c++)
            if (strcmp(cols[c].name, "REASON") != 0 || (o->flags & PK_OUT_SCAN_REASON))
                pk_buf_printf(b, "<th>%s</th>", cols[c].name);
        pk_buf_puts(b, "</tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < h->nports; i++)
            pk_out_scan_port_html(o, &h->ports[i]);
        pk_buf_puts(b, "</tbody>\n</table>\n");
    }
    pk_buf_puts(b, "</section>\n");
}

/* ---- the run ---- */

/* Writes "key": v with decimals digits after the point (a JSON number). */
static void
json_number(struct pk__json *j, const char *key, int decimals, double v)
{
    char num[48];
    snprintf(num, sizeof(num), "%.*f", decimals, v);
    pk__json_key(j, key);
    pk__json_val_raw(j, num, strlen(num));
}

void
pk_out_scan_summary_json(const struct pk_out *o, const struct pk_scan_run *run)
{
    const struct pk_scan_stats *st = &run->st;
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__json_key(&j, "summary");
    pk__json_obj_begin(&j);
    pk__json_key_int(&j, "hosts", (long long)run->hosts);
    pk__json_key_int(&j, "ports", (long long)pk_portset_count(run->ports, PK_TCP));
    pk__json_key_int(&j, "pairs", (long long)st->total);
    pk__json_key_int(&j, "done", (long long)st->done);
    for (int s = 0; s < PK_PORT_NSTATES; s++)
        pk__json_key_int(&j, pk_port_state_name((enum pk_port_state)s), (long long)st->states[s]);
    pk__json_key_int(&j, "probes", (long long)st->probes);
    pk__json_key_int(&j, "retransmissions", (long long)st->retransmits);
    json_number(&j, "loss", 4, st->loss);
    json_number(&j, "elapsed", 3, st->elapsed);
    if (run->shard_n) {
        pk__json_key_int(&j, "shard", run->shard_k);
        pk__json_key_int(&j, "shards", run->shard_n);
    }
    char seed[24];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)run->seed);
    pk__json_key_str(&j, "seed", seed);
    pk__json_key_bool(&j, "interrupted", run->interrupted != NULL);
    pk__json_obj_end(&j);
    pk__json_obj_end(&j);
}

/* Appends the summary's sentence to b, the reason of an interruption escaped for HTML when
 * html, else for the terminal. */
static void
summary_line(struct pk_buf *b, const struct pk_out *o, const struct pk_scan_run *run, bool html)
{
    const struct pk_scan_stats *st = &run->st;
    if (run->interrupted) {
        pk_buf_puts(b, "interrupted by ");
        if (html)
            pk_buf_html_str(b, run->interrupted);
        else
            pk_buf_term_str(b, run->interrupted, true);
        pk_buf_printf(b, ": scanned %llu host%s, %llu of %llu ports",
                      (unsigned long long)run->hosts, run->hosts == 1 ? "" : "s",
                      (unsigned long long)st->done, (unsigned long long)st->total);
    } else {
        pk_buf_printf(b, "scanned %llu host%s, %llu port%s", (unsigned long long)run->hosts,
                      run->hosts == 1 ? "" : "s", (unsigned long long)st->total,
                      st->total == 1 ? "" : "s");
    }
    pk_buf_printf(b,
                  " in %.2f s: %llu open, %llu closed, %llu filtered; %llu probe%s, %llu "
                  "retransmitted, observed loss %.1f%%",
                  st->elapsed, (unsigned long long)st->states[PK_PORT_OPEN],
                  (unsigned long long)st->states[PK_PORT_CLOSED],
                  (unsigned long long)st->states[PK_PORT_FILTERED], (unsigned long long)st->probes,
                  st->probes == 1 ? "" : "s", (unsigned long long)st->retransmits, 100 * st->loss);
    if (o->flags & PK_OUT_VERBOSE)
        pk_buf_printf(b, "; round trip %.2f ms; seed %llu", st->srtt_us / 1000.0,
                      (unsigned long long)run->seed);
}

void
pk_out_scan_summary_text(const struct pk_out *o, const struct pk_scan_run *run)
{
    summary_line(o->b, o, run, false);
    pk_buf_putc(o->b, '\n');
}

void
pk_out_scan_summary_html(const struct pk_out *o, const struct pk_scan_run *run)
{
    pk_buf_printf(o->b, "<p class=\"scan-summary%s\">", run->interrupted ? " interrupted" : "");
    summary_line(o->b, o, run, true);
    pk_buf_puts(o->b, "</p>\n");
}
