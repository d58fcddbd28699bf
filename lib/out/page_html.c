/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The port page as HTML: an <article> that reads like a page about one port, computed from
 * the page model: a summary in prose, each protocol's assignments with IANA's columns, the
 * block the port sits in, the notes, IANA's ranges, this host's rules and how to check the
 * port by hand. Every registry string goes through pk_buf_html_str(); the web server wraps
 * the article in its layout, so portkit serve and any other user of the library show the
 * same facts.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "out_int.h"

#define SUMMARY_NAMES 8
#define NOTE_LABEL_MAX 48
#define NOTE_NARROW 64 /* notes of at most this many ports are named in the summary */

/* One service name of the summary and the protocols IANA assigns it on. */
struct sum_name {
    const char *name;
    unsigned protos;
    unsigned lo, hi; /* the record's ports: a range record names its extent */
};

/* Appends "TCP and UDP" / "TCP, UDP and SCTP" for a protocol set. */
static void
protos_prose(struct pk_buf *b, unsigned protos)
{
    static const char *const up[] = {"TCP", "UDP", "SCTP", "DCCP"};
    unsigned n = (unsigned)__builtin_popcount(protos), k = 0;
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(protos & p))
            continue;
        if (k)
            pk_buf_puts(b, k + 1 == n ? " and " : ", ");
        pk_buf_puts(b, up[pk_proto_index(p)]);
        k++;
    }
}

/* Collects the assigned names of the page's shown protocols, merged across protocols.
 * Returns how many, and in *reserved the protocols with only a reservation. */
static size_t
assigned_names(const struct pk_page *page, struct sum_name *v, unsigned *reserved)
{
    size_t n = 0;
    *reserved = 0;
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        if (pp->status == PK_RESERVED)
            *reserved |= pp->proto;
        struct pk_cursor c = pp->records;
        struct pk_record r;
        while (pp->shown && pk_cursor_next(&c, &r)) {
            if (r.status != PK_ASSIGNED || !*r.service)
                continue;
            size_t k = 0;
            while (k < n && strcasecmp(v[k].name, r.service) != 0)
                k++;
            if (k == n && n == SUMMARY_NAMES)
                continue;
            if (k == n)
                v[n++] = (struct sum_name){r.service, 0, r.port_lo, r.port_hi};
            v[k].protos |= pp->proto;
        }
    }
    return n;
}

/* Appends the label of a note (its text before the first colon, "Windows NT 3.5"), when it
 * has a short one worth naming. Returns false when it has none. */
static bool
note_label_html(struct pk_buf *b, const struct pk_note *n)
{
    const char *colon = strchr(n->text, ':');
    size_t len = colon ? (size_t)(colon - n->text) : 0;
    char label[NOTE_LABEL_MAX + 1];
    if (len == 0 || len > NOTE_LABEL_MAX)
        return false;
    memcpy(label, n->text, len);
    label[len] = '\0';
    if (strcmp(label, "IANA") == 0) /* the registry's own view, said elsewhere on the page */
        return false;
    pk_buf_html_str(b, label);
    return true;
}

/* The sentences on the notes of one kind that concern this port closely (narrow ranges). */
static void
summary_notes(const struct pk_out *o, const struct pk_page *page, enum pk_note_kind kind)
{
    static const char *const lead[] = {
        " Known unofficial use: ", " History: ", " Abuse reported: "};
    struct pk_buf *b = o->b;
    size_t named = 0;
    for (size_t i = 0; i < page->nnotes && named < 3; i++) {
        const struct pk_note *n = &page->notes[i];
        if (n->kind != kind || n->port_hi - n->port_lo >= NOTE_NARROW)
            continue;
        size_t at = b->len;
        pk_buf_puts(b, named ? "; " : lead[kind]);
        if (!note_label_html(b, n)) {
            b->len = at;
            if (b->data)
                b->data[at] = '\0';
            continue;
        }
        if (n->port_lo != n->port_hi)
            pk_buf_printf(b, " (ports %u-%u)", n->port_lo, n->port_hi);
        named++;
    }
    if (named)
        pk_buf_putc(b, '.');
}

/* The unauthorized-use sentence: which port IANA's column is about. */
static void
summary_unauthorized(const struct pk_out *o, const struct pk_page *page)
{
    for (size_t i = 0; i < page->nproto; i++) {
        struct pk_cursor c = page->proto[i].records;
        struct pk_record r;
        while (pk_cursor_next(&c, &r)) {
            if (!*r.unauthorized)
                continue;
            long other = pk__out_other_port(r.unauthorized, page->port);
            const char *src = *r.as_of ? "IANA's 2015 data reports" : "IANA reports";
            if (other >= 0 && (r.flags & PK_REC_RANGE))
                pk_buf_printf(o->b,
                              " %s unauthorized use on port <a href=\"/port/%ld\">%ld</a>, a "
                              "neighbour in the block %u-%u, not on %u.",
                              src, other, other, r.port_lo, r.port_hi, page->port);
            else if (other >= 0)
                pk_buf_printf(o->b, " %s unauthorized use on port %ld, not on %u.", src, other,
                              page->port);
            else
                pk_buf_printf(o->b, " %s unauthorized use of this port.", src);
            return;
        }
    }
}

/* The record of the page's block when it is an IANA block record ("Unassigned" 788-799). */
static bool
block_record(const struct pk_page *page, struct pk_record *out)
{
    for (size_t i = 0; page->has_block && i < page->nproto; i++) {
        struct pk_cursor c = page->proto[i].records;
        struct pk_record r;
        while (pk_cursor_next(&c, &r))
            if ((r.flags & PK_REC_RANGE) && r.port_lo == page->block_lo &&
                r.port_hi == page->block_hi) {
                *out = r;
                return true;
            }
    }
    return false;
}

/* The summary: range, assignments (or their absence), the block, notes, unauthorized use. */
static void
summary_html(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_buf *b = o->b;
    struct sum_name names[SUMMARY_NAMES];
    unsigned reserved;
    size_t n = assigned_names(page, names, &reserved);
    pk_buf_printf(b, "<p class=\"summary\">Port %u is in the %s range (%s)", page->port,
                  pk_range_class_name(page->range), pk__range_bounds(page->range));
    if (n) {
        pk_buf_puts(b, " and IANA assigns it to ");
        for (size_t i = 0; i < n; i++) {
            if (i)
                pk_buf_puts(b, i + 1 == n ? " and " : ", ");
            pk_buf_puts(b, "<a href=\"/name/");
            pk__out_url_path(b, names[i].name);
            pk_buf_puts(b, "\">");
            pk_buf_html_str(b, names[i].name);
            pk_buf_puts(b, "</a>");
            if (names[i].lo != names[i].hi)
                pk_buf_printf(b, " (ports %u-%u)", names[i].lo, names[i].hi);
            pk_buf_puts(b, " on ");
            protos_prose(b, names[i].protos);
        }
        pk_buf_putc(b, '.');
    } else if (reserved) {
        pk_buf_puts(b, ": IANA lists it as reserved on ");
        protos_prose(b, reserved);
        pk_buf_puts(b, " and assigns it to no service.");
    } else {
        pk_buf_puts(b, " and has no IANA assignment: no protocol officially claims it.");
    }
    struct pk_record br;
    if (!n && block_record(page, &br))
        pk_buf_printf(b, " It is part of the %s block %u-%u.", pk_status_name(br.status),
                      page->block_lo, page->block_hi);
    if (page->port == 0)
        pk_buf_puts(b, " Binding port 0 asks the kernel for any free port, so nothing listens "
                       "on it; packets sent to it are probes or mistakes.");
    for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++)
        summary_notes(o, page, (enum pk_note_kind)k);
    summary_unauthorized(o, page);
    pk_buf_puts(b, "</p>\n");
}

/* One record with its IANA columns: a row of the protocol's table and, when it has more
 * columns than its name and description, a row holding them. */
static void
record_details(const struct pk_out *o, const struct pk_page *page, const struct pk_record *r)
{
    struct pk_buf *b = o->b;
    pk__out_record_tr(o, r, NULL);
    bool any = false;
    for (size_t i = 0; i < pk__nrecord_fields; i++) {
        const char *v = pk__record_field(r, i);
        if (!*v)
            continue;
        if (!any)
            pk_buf_puts(b, "<tr class=\"columns\"><td colspan=\"5\"><dl>");
        any = true;
        pk_buf_printf(b, "<dt>%s</dt><dd>", pk__record_fields[i].label);
        pk_buf_html_str(b, v);
        long other = pk__record_fields[i].off == offsetof(struct pk_record, unauthorized)
                         ? pk__out_other_port(v, page->port)
                         : -1;
        if (other >= 0 && (r->flags & PK_REC_RANGE) && other >= r->port_lo && other <= r->port_hi)
            pk_buf_printf(b,
                          " <span class=\"about\">(about port <a href=\"/port/%ld\">%ld</a>, a "
                          "neighbour in the block %u-%u, not %u)</span>",
                          other, other, r->port_lo, r->port_hi, page->port);
        else if (other >= 0)
            pk_buf_printf(b, " <span class=\"about\">(about port %ld, not %u)</span>", other,
                          page->port);
        pk_buf_puts(b, "</dd>");
    }
    if (!any)
        return;
    pk_buf_puts(b, "</dl>");
    if (*r->as_of) {
        /* The name and description are current; the other columns come from older data. */
        pk_buf_puts(b, "<p class=\"as-of\">These columns are IANA's ");
        pk_buf_put(b, r->as_of, strnlen(r->as_of, 4));
        pk_buf_puts(b, " data (as of ");
        pk_buf_html_str(b, r->as_of);
        pk_buf_puts(b, "); the name and description are current.</p>");
    }
    pk_buf_puts(b, "</td></tr>\n");
}

/* Each shown protocol: its status and its records. */
static void
protocols_html(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_buf *b = o->b;
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        if (!pp->shown)
            continue;
        const char *pn = pk_proto_name(pp->proto);
        pk_buf_printf(b,
                      "<section class=\"proto\" id=\"%s\"><h2>%s <span class=\"status %s\">%s"
                      "</span></h2>\n",
                      pn, pn, pk_status_name(pp->status), pk_status_name(pp->status));
        struct pk_cursor c = pp->records;
        struct pk_record r;
        if (c.n == 0) {
            pk_buf_printf(b, "<p>IANA has no record of port %u over %s.</p>\n", page->port, pn);
        } else {
            pk__out_records_thead(b);
            while (pk_cursor_next(&c, &r))
                record_details(o, page, &r);
            pk_buf_puts(b, "</tbody></table></div>\n");
        }
        pk_buf_puts(b, "</section>\n");
    }
}

/* The notes, one section per kind. */
static void
notes_html(const struct pk_out *o, const struct pk_page *page)
{
    static const char *const heads[] = {"Unofficial uses", "History", "Abuse reports"};
    static const char *const ids[] = {"unofficial", "history", "abuse"};
    struct pk_buf *b = o->b;
    for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++) {
        bool any = false;
        for (size_t i = 0; i < page->nnotes; i++) {
            if (page->notes[i].kind != (enum pk_note_kind)k)
                continue;
            if (!any)
                pk_buf_printf(b, "<section class=\"notes\" id=\"%s\"><h2>%s</h2><ul>\n", ids[k],
                              heads[k]);
            any = true;
            pk_out_note_html(o, &page->notes[i]);
        }
        if (any)
            pk_buf_puts(b, "</ul></section>\n");
    }
}

/* IANA's three ranges, this one marked, this host's ephemeral range and binding rule. */
static void
ranges_html(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_buf *b = o->b;
    const struct pk_port_policy *pol = page->policy;
    pk_buf_puts(b, "<section class=\"ranges\" id=\"range\"><h2>IANA's ranges</h2><ul>\n");
    for (int rc = PK_RANGE_SYSTEM; rc <= PK_RANGE_DYNAMIC; rc++) {
        bool here = (enum pk_range_class)rc == page->range;
        pk_buf_printf(b, "<li%s><a href=\"/range/%s\">%s</a> %s: %s%s",
                      here ? " class=\"current\"" : "", pk__range_bounds((enum pk_range_class)rc),
                      pk__range_bounds((enum pk_range_class)rc),
                      pk_range_class_name((enum pk_range_class)rc),
                      pk__range_use((enum pk_range_class)rc), here ? " <b>(this port)</b>" : "");
        if (rc == PK_RANGE_DYNAMIC && pol && pol->have_ephemeral)
            pk_buf_printf(b, "; this host takes its ephemeral ports from %u-%u", pol->ephemeral_lo,
                          pol->ephemeral_hi);
        pk_buf_puts(b, "</li>\n");
    }
    pk_buf_puts(b, "</ul>\n<p>A new service should take a registered (user) or a dynamic port, "
                   "not an unassigned system port.</p>\n");
    if (pol && page->port != 0) {
        unsigned start = pol->have_unprivileged ? pol->unprivileged_start : 1024;
        pk_buf_printf(b, "<p class=\"host\">On this host %s (%s %u)",
                      page->port < start ? "binding the port needs privilege"
                                         : "any user may bind the port",
                      page->port < start ? "ports below" : "unprivileged from", start);
        if (pol->have_ephemeral)
            pk_buf_printf(b, "; it is %s the ephemeral range %u-%u",
                          page->port >= pol->ephemeral_lo && page->port <= pol->ephemeral_hi
                              ? "inside"
                              : "outside",
                          pol->ephemeral_lo, pol->ephemeral_hi);
        if (pk_port_policy_reserved(pol, page->port))
            pk_buf_puts(b, "; it is reserved (ip_local_reserved_ports)");
        pk_buf_puts(b, ".</p>\n");
    }
    pk_buf_puts(b, "</section>\n");
}

/* The commands a person runs to check the port by hand. */
static void
check_html(const struct pk_out *o, const struct pk_page *page)
{
    unsigned p = page->port;
    pk_buf_printf(o->b,
                  "<section class=\"check\" id=\"check\"><h2>How to check</h2>\n"
                  "<p>What listens on port %u, and what the registry says:</p>\n<dl>"
                  "<dt>portkit</dt><dd><code>portkit %u</code></dd>"
                  "<dt>Linux (ss)</dt><dd><code>ss -ltnup 'sport = :%u'</code></dd>"
                  "<dt>Linux, macOS (lsof)</dt><dd><code>sudo lsof -i :%u</code></dd>"
                  "<dt>Windows</dt><dd><code>netstat -ano | findstr :%u</code></dd>"
                  "<dt>another host (nmap)</dt><dd><code>nmap -p %u HOST</code> "
                  "(<code>nmap -sU -p %u HOST</code> for UDP)</dd></dl>\n</section>\n",
                  p, p, p, p, p, p, p);
}

void
pk_out_page_html(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_buf *b = o->b;
    pk_buf_printf(b, "<article class=\"port\" id=\"port-%u\">\n<nav class=\"neighbours\">",
                  page->port);
    if (page->port > 0)
        pk_buf_printf(b, "<a rel=\"prev\" href=\"/port/%u\">&larr; %u</a> ", page->port - 1,
                      page->port - 1);
    if (page->has_block)
        pk_buf_printf(b, "<a href=\"/range/%u-%u\">block %u-%u</a> ", page->block_lo,
                      page->block_hi, page->block_lo, page->block_hi);
    if (page->port < PK_PORT_MAX)
        pk_buf_printf(b, "<a rel=\"next\" href=\"/port/%u\">%u &rarr;</a>", page->port + 1,
                      page->port + 1);
    pk_buf_printf(b, "</nav>\n<h1>Port %u</h1>\n", page->port);
    summary_html(o, page);
    protocols_html(o, page);
    if (page->has_block) {
        pk_buf_printf(b,
                      "<section class=\"block\" id=\"block\"><h2>The block %u-%u</h2>\n"
                      "<p>Port %u sits in the %u ports %u-%u; their neighbours' records:</p>\n",
                      page->block_lo, page->block_hi, page->port,
                      page->block_hi - page->block_lo + 1, page->block_lo, page->block_hi);
        pk__out_runs_html(o, page->block_lo, page->block_hi, page->protos, page->has_proto);
        pk_buf_puts(b, "</section>\n");
    }
    notes_html(o, page);
    ranges_html(o, page);
    check_html(o, page);
    if (page->extra)
        page->extra(o, PK_PAGE_HTML, page->extra_arg);
    pk_buf_puts(b, "</article>\n");
}
