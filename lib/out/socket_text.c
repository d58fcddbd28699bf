/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The socket view as the ls table (through pk_table) and as HTML rows: an entry per socket,
 * or per group of listeners on one address and port, with a row per process holding it.
 */
#include <stdio.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"
#include "sock_int.h"

enum {
    COL_PROTO,
    COL_IP,
    COL_LOCAL,
    COL_PEER,
    COL_STATE,
    COL_SERVICE,
    COL_PID,
    COL_USER,
    COL_COMMAND,
    COL_UNIT,
    COL_NOTE,
    COL_CMDLINE,
    NCOLS
};

static const struct pk_col cols[NCOLS] = {
    {"PROTO", 0},   {"IP", 0},      {"LOCAL", 0}, {"PEER", 0},
    {"STATE", 0},   {"SERVICE", 0}, {"PID", 0},   {"USER", 0},
    {"COMMAND", 0}, {"UNIT", 0},    {"NOTE", 0},  {"CMDLINE", PK_COL_SHRINK},
};

/* The process cells, in the order of struct pk__sockview_cache's cells, and their styles. */
static const size_t proc_cols[5] = {COL_PID, COL_USER, COL_COMMAND, COL_UNIT, COL_CMDLINE};
static const enum pk_style proc_styles[5] = {PK_STYLE_NONE, PK_STYLE_NONE, PK_STYLE_NONE,
                                             PK_STYLE_NONE, PK_STYLE_DIM};

const struct pk_col *
pk_out_socket_cols(size_t *ncols)
{
    *ncols = NCOLS;
    return cols;
}

int
pk_sockview_table(struct pk_sockview *v, struct pk_table **out)
{
    struct pk_table *t;
    int rc = pk_table_new(cols, NCOLS, &t);
    if (rc < 0)
        return rc;
    struct pk__sockview_cache *c = pk__sockview_cache(v);
    if (c) {
        /* The ids of an earlier table mean nothing in this one. */
        for (size_t k = 0; k < v->owners.nprocs; k++)
            c->cells[k][0] = PK__CELLS_UNSET;
        c->nfixed = 0;
        c->cells_of = t;
    }
    *out = t;
    return 0;
}

/* Sets cell col of the last row of t to static text (a string literal or the like, whose
 * address names it): escaped once per table. */
static void
fixed_cell(struct pk_table *t, struct pk_sockview *v, size_t col, const char *text,
           enum pk_style st)
{
    struct pk__sockview_cache *c = v->cache;
    if (!c || c->cells_of != t) {
        pk_table_cell(t, col, text, st);
        return;
    }
    for (size_t i = 0; i < c->nfixed; i++)
        if (c->fixed[i].text == text) {
            pk_table_cell_id(t, col, c->fixed[i].id, st);
            return;
        }
    int32_t id = pk_table_cell(t, col, text, st);
    if (id >= 0 && c->nfixed < sizeof(c->fixed) / sizeof(c->fixed[0])) {
        c->fixed[c->nfixed].text = text;
        c->fixed[c->nfixed++].id = id;
    }
}

/* "4", "6", or "4+6" for a dual-stack wildcard. */
static const char *
ip_versions(const struct pk_sock *s)
{
    return pk_sock_is_dual_stack(s) ? "4+6" : s->family == 4 ? "4" : "6";
}

/* The process's unit cell: its systemd unit, or "ctr:" and 12 digits of its container. */
static void
unit_cell(const struct pk_proc_info *p, char *buf, size_t cap)
{
    if (p->container[0])
        snprintf(buf, cap, "ctr:%.12s", p->container);
    else
        snprintf(buf, cap, "%s", p->unit);
}

/* Fills the process cells of the last row of t with process k of v: escaped on its first
 * row of t, then the same text by id. */
static void
proc_cells(struct pk_table *t, struct pk_sockview *v, uint32_t k)
{
    const struct pk_proc_info *p = &v->owners.procs[k];
    struct pk__sockview_cache *c = v->cache;
    if (c && c->cells_of == t && c->cells[k][0] != PK__CELLS_UNSET) {
        for (size_t i = 0; i < 5; i++)
            pk_table_cell_id(t, proc_cols[i], c->cells[k][i], proc_styles[i]);
        return;
    }
    char pid[16], unit[sizeof(p->unit) + 8];
    snprintf(pid, sizeof(pid), "%d", p->pid);
    unit_cell(p, unit, sizeof(unit));
    const char *text[5] = {pid, p->user, p->comm[0] ? p->comm : "?", unit, p->cmdline};
    int32_t id[5];
    for (size_t i = 0; i < 5; i++)
        id[i] = pk_table_cell(t, proc_cols[i], text[i], proc_styles[i]);
    if (c && c->cells_of == t)
        memcpy(c->cells[k], id, sizeof(id));
}

/* The processes holding an entry's sockets g[0..n) (list indexes), each once. */
struct holders {
    const struct pk_sockview *v;
    const size_t *g;
    size_t n, i, k, first, cnt;
};

/* True when process proc holds one of the sockets g[0..n). */
static bool
holds_any(const struct pk_sockview *v, const size_t *g, size_t n, uint32_t proc)
{
    for (size_t h = 0; h < n; h++) {
        const struct pk_sock *s = &v->list.socks[g[h]];
        size_t first, cnt = s->inode ? pk_owners_of(&v->owners, s->inode, &first) : 0;
        for (size_t m = 0; m < cnt; m++)
            if (v->owners.refs[first + m].proc == proc)
                return true;
    }
    return false;
}

/* Sets *proc to the next process of h not met before. Returns false after the last. */
static bool
holders_next(struct holders *h, uint32_t *proc)
{
    const struct pk_owners *ow = &h->v->owners;
    for (;;) {
        if (h->k == h->cnt) {
            if (h->i == h->n)
                return false;
            const struct pk_sock *s = &h->v->list.socks[h->g[h->i++]];
            h->k = 0;
            h->cnt = s->inode ? pk_owners_of(ow, s->inode, &h->first) : 0;
            continue;
        }
        uint32_t p = ow->refs[h->first + h->k].proc;
        bool seen = holds_any(h->v, h->g, h->i - 1, p);
        for (size_t m = 0; m < h->k && !seen; m++)
            seen = ow->refs[h->first + m].proc == p;
        h->k++;
        if (!seen) {
            *proc = p;
            return true;
        }
    }
}

/* Writes the note of the entry (listener s, n sockets) into buf: its warning, its scope,
 * how many sockets share it. Returns the warning, or NULL. */
static const char *
entry_note(const struct pk_out *o, const struct pk_sock *s, size_t n, char *buf, size_t cap)
{
    const char *warn = pk__sock_warning(o, s), *scope = pk__sock_scope(s);
    buf[0] = '\0';
    if (!pk_sock_is_listener(s))
        return NULL;
    int len = snprintf(buf, cap, "%s%s%s", warn ? warn : "", warn && scope ? "; " : "",
                       scope ? scope : "");
    if (n > 1 && len >= 0 && (size_t)len < cap)
        snprintf(buf + len, cap - (size_t)len, "%s%zu sockets (SO_REUSEPORT)", len ? "; " : "", n);
    return warn;
}

long
pk_out_socket_rows(struct pk_table *t, const struct pk_out *o, struct pk_sockview *v, size_t pos)
{
    if (pos >= v->list.n)
        return PK_EINVAL;
    size_t end = pk_sockview_next(v, pos), n = end - pos;
    const size_t *g = v->order + pos;
    const struct pk_sock *s = &v->list.socks[g[0]];
    char ep[80], note[160];
    struct pk_buf b;
    int rc = pk_table_row(t);
    if (rc < 0)
        return rc;
    pk_buf_init(&b, sizeof(ep) - 1);
    fixed_cell(t, v, COL_PROTO, pk_proto_name(s->proto), PK_STYLE_NONE);
    fixed_cell(t, v, COL_IP, ip_versions(s), PK_STYLE_NONE);
    pk__sock_endpoint(&b, s, false);
    pk_table_cell(t, COL_LOCAL, b.data, PK_STYLE_NONE);
    if (v->peer && !pk_sock_is_listener(s)) {
        pk_buf_reset(&b);
        pk__sock_endpoint(&b, s, true);
        pk_table_cell(t, COL_PEER, b.data, PK_STYLE_NONE);
    }
    pk_buf_free(&b);
    fixed_cell(t, v, COL_STATE, pk_sock_state_name(s->proto, s->state),
               pk_sock_is_listener(s) ? PK_STYLE_GOOD : PK_STYLE_NONE);
    pk_table_cell(t, COL_SERVICE, pk__sock_service(o, v, s), PK_STYLE_NONE);
    /* The note belongs to the entry's first row. */
    const char *warn = entry_note(o, s, n, note, sizeof(note));
    pk_table_cell(t, COL_NOTE, note, warn ? PK_STYLE_BAD : PK_STYLE_WARN);

    /* A row per process holding a socket of the entry. */
    struct holders h = {.v = v, .g = g, .n = n};
    size_t shown = 0;
    for (uint32_t proc; holders_next(&h, &proc); shown++) {
        if (shown > 0 && (rc = pk_table_row(t)) < 0)
            return rc;
        proc_cells(t, v, proc);
    }
    if (shown == 0) {
        fixed_cell(t, v, COL_PID, "-", PK_STYLE_NONE);
        /* No process to name: the socket's own user, which the kernel always gives. */
        if (s->inode)
            pk_table_cell(t, COL_USER, pk_users_name(&v->owners.users, s->uid), PK_STYLE_NONE);
        fixed_cell(t, v, COL_COMMAND, pk__sock_unknown(v, s, 0, true), PK_STYLE_DIM);
    }
    return (long)end;
}

int
pk_out_sockview_text(const struct pk_out *o, struct pk_sockview *v, unsigned flags,
                     int (*flush)(void *arg), void *arg)
{
    struct pk_table *t = NULL;
    int rc = pk_sockview_table(v, &t);
    for (size_t pos = 0; rc == 0 && pos < v->list.n;) {
        long next = pk_out_socket_rows(t, o, v, pos);
        if (next < 0)
            rc = (int)next;
        else
            pos = (size_t)next;
    }
    if (rc == 0)
        rc = pk_table_render_flush(t, o, flags, flush, arg);
    pk_table_free(t);
    return rc;
}

/* ---- HTML ---- */

/* Appends one cell, escaped; "" for NULL. */
static void
td(struct pk_buf *b, const char *cls, const char *text)
{
    if (cls)
        pk_buf_printf(b, "<td class=\"%s\">", cls);
    else
        pk_buf_puts(b, "<td>");
    if (text)
        pk_buf_html_str(b, text);
    pk_buf_puts(b, "</td>");
}

/* Appends the process cells of a row: PID USER COMMAND UNIT, then NOTE (a warning when
 * warn) and CMDLINE. */
static void
proc_tds(struct pk_buf *b, const struct pk_proc_info *p, const char *note, const char *warn)
{
    char unit[sizeof(p->unit) + 8];
    unit_cell(p, unit, sizeof(unit));
    pk_buf_printf(b, "<td class=\"pid\">%d</td>", p->pid);
    td(b, "user", p->user);
    td(b, "command", p->comm[0] ? p->comm : "?");
    td(b, "unit", unit);
    td(b, warn ? "note warning" : "note", note);
    td(b, "cmdline", p->cmdline);
}

size_t
pk_out_socket_html(const struct pk_out *o, struct pk_sockview *v, size_t pos)
{
    if (pos >= v->list.n)
        return v->list.n;
    struct pk_buf *b = o->b;
    size_t end = pk_sockview_next(v, pos), n = end - pos;
    const size_t *g = v->order + pos;
    const struct pk_sock *s = &v->list.socks[g[0]];
    char note[160];
    const char *warn = entry_note(o, s, n, note, sizeof(note));
    pk_buf_printf(b, "<tr class=\"socket%s\">", pk_sock_is_listener(s) ? " listener" : "");
    td(b, "proto", pk_proto_name(s->proto));
    td(b, "ip", ip_versions(s));
    pk_buf_puts(b, "<td class=\"local\">");
    pk__sock_endpoint(b, s, false);
    pk_buf_puts(b, "</td><td class=\"peer\">");
    if (!pk_sock_is_listener(s))
        pk__sock_endpoint(b, s, true);
    pk_buf_puts(b, "</td>");
    td(b, "state", pk_sock_state_name(s->proto, s->state));
    const char *svc = pk__sock_service(o, v, s);
    if (svc) {
        pk_buf_puts(b, "<td class=\"service\"><a href=\"/name/");
        pk_buf_html_str(b, svc);
        pk_buf_puts(b, "\">");
        pk_buf_html_str(b, svc);
        pk_buf_puts(b, "</a></td>");
    } else {
        td(b, "service", NULL);
    }
    struct holders h = {.v = v, .g = g, .n = n};
    size_t shown = 0;
    for (uint32_t proc; holders_next(&h, &proc); shown++) {
        /* A further holder: a row of its own under the socket's first. */
        if (shown > 0)
            pk_buf_puts(b, "</tr>\n<tr class=\"holder\"><td colspan=\"6\"></td>");
        proc_tds(b, &v->owners.procs[proc], shown ? NULL : note, warn);
    }
    if (shown == 0) {
        pk_buf_puts(b, "<td class=\"pid\">-</td>");
        td(b, "user", s->inode ? pk_users_name(&v->owners.users, s->uid) : NULL);
        td(b, "command unknown", pk__sock_unknown(v, s, 0, true));
        td(b, "unit", NULL);
        td(b, warn ? "note warning" : "note", note);
        td(b, "cmdline", NULL);
    }
    pk_buf_puts(b, "</tr>\n");
    return end;
}

void
pk_out_sockview_html(const struct pk_out *o, struct pk_sockview *v)
{
    struct pk_buf *b = o->b;
    pk_buf_puts(b, "<table class=\"sockets\">\n<tr>");
    for (size_t c = 0; c < NCOLS; c++)
        pk_buf_printf(b, "<th>%s</th>", cols[c].name);
    pk_buf_puts(b, "</tr>\n");
    for (size_t pos = 0; pos < v->list.n;)
        pos = pk_out_socket_html(o, v, pos);
    pk_buf_puts(b, "</table>\n");
}

/* ---- the port page's "here" section ---- */

int
pk_out_here_text(const struct pk_out *o, struct pk_sockview *v, unsigned port, int err)
{
    struct pk_buf *b = o->b;
    const char *bold = pk_out_sgr(o, PK_STYLE_BOLD), *end = pk_out_sgr_end(o, PK_STYLE_BOLD);
    if (err < 0) {
        pk_buf_printf(b, "\n%shere:%s socket table unreadable (%s)\n", bold, end, pk_strerror(err));
        return 0;
    }
    if (v->list.n == 0) {
        pk_buf_printf(b, "\n%shere:%s nothing listens on port %u on this host\n", bold, end, port);
        return 0;
    }
    pk_buf_printf(b, "\n%shere:%s listening on this host now\n", bold, end);
    return pk_out_sockview_text(o, v, PK_TABLE_INDENT, NULL, NULL);
}

void
pk_out_here_html(const struct pk_out *o, struct pk_sockview *v, unsigned port, int err)
{
    struct pk_buf *b = o->b;
    pk_buf_puts(b, "<section class=\"here\" id=\"here\"><h2>Here, now</h2>\n");
    if (err < 0) {
        pk_buf_printf(b, "<p class=\"error\">The socket table is unreadable (%s).</p>\n",
                      pk_strerror(err));
    } else if (v->list.n == 0) {
        pk_buf_printf(b, "<p>Nothing listens on port %u on this host.</p>\n", port);
    } else {
        pk_buf_printf(b, "<p>Listening on port %u on this host now:</p>\n<div class=\"table\">",
                      port);
        pk_out_sockview_html(o, v);
        pk_buf_puts(b, "</div>\n");
    }
    pk_buf_puts(b, "</section>\n");
}
