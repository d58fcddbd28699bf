/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The port page as text: a labelled list. Labels (range, this host, record names, IANA
 * column names, note ports) share one value column, as wide as the longest label needs up to
 * LABEL_MAX; a longer label stands on its own line with its value below, in that column.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_int.h"
#include "utf8.h"

#define LABEL_MAX 20 /* columns before the value column, at most */

/* Width of a label as it is shown (escaped for the terminal). */
static size_t
label_width(const char *s)
{
    struct pk_buf b;
    pk_buf_init(&b, 256);
    pk_buf_term_str(&b, s, true);
    size_t w = b.data ? pk__text_width(b.data, b.len) : 0;
    if (b.err)
        w = LABEL_MAX;
    pk_buf_free(&b);
    return w;
}

/* The text of a record's label: its service name ("-" for none) and its ports when it covers
 * a range. */
static void
record_label(const struct pk_record *r, char *buf, size_t cap)
{
    if (r->flags & PK_REC_RANGE)
        snprintf(buf, cap, "%s (%u-%u)", *r->service ? r->service : "-", r->port_lo, r->port_hi);
    else
        snprintf(buf, cap, "%s", *r->service ? r->service : "-");
}

/* The label of a note: "721-731/tcp". */
static void
note_label(const struct pk_note *n, char *buf, size_t cap)
{
    char ports[16], protos[32];
    pk__ports_str(ports, sizeof(ports), n->port_lo, n->port_hi);
    pk__protos_str(protos, sizeof(protos), n->protos);
    snprintf(buf, cap, "%s/%s", ports, protos);
}

size_t
pk__out_notes_column(const struct pk_note *notes, size_t n, size_t col)
{
    char label[64];
    for (size_t i = 0; i < n; i++) {
        note_label(&notes[i], label, sizeof(label));
        size_t w = 2 + strlen(label);
        if (w > col && w <= LABEL_MAX)
            col = w;
    }
    return col;
}

/* Returns the value column of the page: every label's indent and width, plus two spaces. */
static size_t
value_column(const struct pk_page *page)
{
    char label[320];
    size_t col = 2 + strlen("this host");
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        struct pk_cursor c = pp->records;
        struct pk_record r;
        while (pp->shown && pk_cursor_next(&c, &r)) {
            record_label(&r, label, sizeof(label));
            size_t w = 2 + label_width(label);
            if (w > col && w <= LABEL_MAX)
                col = w;
            for (size_t f = 0; f < pk__nrecord_fields; f++) {
                w = 4 + strlen(pk__record_fields[f].label);
                if (*pk__record_field(&r, f) && w > col)
                    col = w;
            }
        }
    }
    return pk__out_notes_column(page->notes, page->nnotes, col) + 2;
}

/*
 * Appends "label  value" with the label at column indent (untrusted when escape is set)
 * and the value, wrapped, at column vcol; a label that reaches the value column stands on
 * its own line.
 */
static void
field(const struct pk_out *o, size_t indent, const char *label, enum pk_style st, bool escape,
      const char *value, size_t vcol)
{
    struct pk_buf *b = o->b;
    pk__out_pad(b, indent);
    pk_buf_puts(b, pk_out_sgr(o, st));
    size_t before = b->len;
    if (escape)
        pk_buf_term_str(b, label, true);
    else
        pk_buf_puts(b, label);
    size_t w = b->err ? 0 : pk__text_width(b->data + before, b->len - before);
    pk_buf_puts(b, pk_out_sgr_end(o, st));
    if (indent + w + 2 > vcol) {
        pk_buf_putc(b, '\n');
        pk__out_pad(b, vcol);
    } else {
        pk__out_pad(b, vcol - indent - w);
    }
    pk__out_wrapped(b, value, vcol, vcol, pk__out_wrap_width(o));
    pk_buf_putc(b, '\n');
}

/* The "this host" lines: privilege, the ephemeral range, the reserved ports. */
static void
host_lines(const struct pk_out *o, const struct pk_page *page, size_t vcol)
{
    const struct pk_port_policy *pol = page->policy;
    struct pk_buf *b = o->b;
    char line[256];
    unsigned port = page->port;
    if (!pol)
        return;
    unsigned start = pol->have_unprivileged ? pol->unprivileged_start : 1024;
    const char *dflt = pol->have_unprivileged ? "" : ", the default";
    if (port == 0) {
        if (pol->have_ephemeral)
            snprintf(line, sizeof(line),
                     "binding port 0 asks the kernel for a free port from the ephemeral range "
                     "%u-%u",
                     pol->ephemeral_lo, pol->ephemeral_hi);
        else
            snprintf(line, sizeof(line), "binding port 0 asks the kernel for a free port");
        field(o, 2, "this host", PK_STYLE_NONE, false, line, vcol);
        return;
    }
    if (port < start)
        snprintf(line, sizeof(line), "binding needs privilege (ports below %u%s)", start, dflt);
    else
        snprintf(line, sizeof(line), "any user may bind it (unprivileged from %u%s)", start, dflt);
    field(o, 2, "this host", PK_STYLE_NONE, false, line, vcol);
    if (!pol->have_ephemeral)
        snprintf(line, sizeof(line), "ephemeral range unknown");
    else
        snprintf(line, sizeof(line), "%s the ephemeral range %u-%u",
                 port >= pol->ephemeral_lo && port <= pol->ephemeral_hi ? "inside" : "outside",
                 pol->ephemeral_lo, pol->ephemeral_hi);
    pk__out_pad(b, vcol);
    pk_buf_puts(b, line);
    if (pk_port_policy_reserved(pol, port))
        pk_buf_puts(b, "; reserved (ip_local_reserved_ports)");
    pk_buf_putc(b, '\n');
}

/* The first line of text, cut to cols columns: the long DNS-SD texts of IANA's assignment
 * notes stand on one line unless PK_OUT_VERBOSE. */
static void
one_line(struct pk_buf *out, const char *text, size_t cols)
{
    size_t n = strcspn(text, "\n"), used;
    size_t fit = pk__text_fit(text, n, cols, &used);
    pk_buf_put(out, text, fit);
    if (fit < strlen(text))
        pk_buf_puts(out, MB_CUR_MAX > 1 ? "\xe2\x80\xa6 (-v: whole)" : "... (-v: whole)");
}

/* One record under its protocol: name and description, then its other IANA columns. */
static void
record_text(const struct pk_out *o, const struct pk_page *page, const struct pk_record *r,
            size_t vcol)
{
    char label[320];
    record_label(r, label, sizeof(label));
    field(o, 2, label, PK_STYLE_BOLD, true, r->description, vcol);
    bool dated = !*r->as_of;
    for (size_t i = 0; i < pk__nrecord_fields; i++) {
        const char *v = pk__record_field(r, i);
        /* The contact is nearly always the assignee: said once. */
        if (!*v || (pk__record_fields[i].off == offsetof(struct pk_record, contact) &&
                    strcmp(v, r->assignee) == 0))
            continue;
        struct pk_buf d;
        pk_buf_init(&d, 1u << 20);
        size_t room = pk__out_wrap_width(o) > vcol + 30 ? pk__out_wrap_width(o) - vcol - 20 : 30;
        bool folds = pk__record_fields[i].off == offsetof(struct pk_record, notes) &&
                     !(o->flags & PK_OUT_VERBOSE);
        if (folds)
            one_line(&d, v, room);
        else
            pk_buf_puts(&d, v);
        long other = pk__record_fields[i].off == offsetof(struct pk_record, unauthorized)
                         ? pk__out_other_port(v, page->port)
                         : -1;
        if (other >= 0 && (r->flags & PK_REC_RANGE) && other >= r->port_lo && other <= r->port_hi)
            pk_buf_printf(&d, " (about port %ld, a neighbour in the block %u-%u, not %u)", other,
                          r->port_lo, r->port_hi, page->port);
        else if (other >= 0)
            pk_buf_printf(&d, " (about port %ld, not %u)", other, page->port);
        /* The first of the older columns says how old they are: "(2015 data)". */
        if (!dated)
            pk_buf_printf(&d, " (%.4s data)", r->as_of);
        dated = true;
        field(o, 4, pk__record_fields[i].label, PK_STYLE_DIM, false, d.data ? d.data : v, vcol);
        pk_buf_free(&d);
    }
}

void
pk__out_notes_text(const struct pk_out *o, const struct pk_note *notes, size_t n,
                   enum pk_note_kind kind, size_t vcol)
{
    static const char *const heads[] = {"Unofficial uses", "History", "Abuse reports"};
    char label[64];
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (notes[i].kind != kind)
            continue;
        if (!any)
            pk_buf_printf(o->b, "\n%s%s%s\n", pk_out_sgr(o, PK_STYLE_BOLD), heads[kind],
                          pk_out_sgr_end(o, PK_STYLE_BOLD));
        any = true;
        note_label(&notes[i], label, sizeof(label));
        field(o, 2, label, PK_STYLE_NONE, false, notes[i].text, vcol);
    }
}

/* True when another port of the page's block has an assignment of its own (729-731 inside
 * the NT 3.5 block 721-731): then the block is worth a table. */
static bool
block_has_others(const struct pk_out *o, const struct pk_page *page)
{
    for (unsigned port = page->block_lo; port <= page->block_hi; port++) {
        if (port == page->port)
            continue;
        for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
            struct pk_cursor c;
            struct pk_record r;
            if (!(page->protos & p) || pk_lookup(o->reg, port, p, &c) <= 0)
                continue;
            while (pk_cursor_next(&c, &r))
                if (r.status == PK_ASSIGNED &&
                    !(r.port_lo <= page->port && page->port <= r.port_hi))
                    return true;
        }
    }
    return false;
}

/* The block the port sits in, as a table, when its other ports hold assignments. */
static void
block_text(const struct pk_out *o, const struct pk_page *page)
{
    if (!page->has_block || !block_has_others(o, page))
        return;
    pk_buf_printf(o->b, "\n%sIn the block %u-%u%s\n", pk_out_sgr(o, PK_STYLE_BOLD), page->block_lo,
                  page->block_hi, pk_out_sgr_end(o, PK_STYLE_BOLD));
    /* A table inside the page keeps to the page's width, in a pipe too. */
    struct pk_out to = *o;
    if (to.width)
        to.flags |= PK_OUT_TRUNCATE;
    pk__out_runs_text(&to, page->block_lo, page->block_hi, page->protos, page->has_proto,
                      PK_TABLE_INDENT);
}

/* IANA's three ranges, what each is for, this host's ephemeral range beside IANA's, and
 * the advice of the registry for a new service. */
static void
ranges_text(const struct pk_out *o, const struct pk_page *page, size_t vcol)
{
    char label[32], line[256];
    const struct pk_port_policy *pol = page->policy;
    pk_buf_printf(o->b, "\n%sIANA's ranges%s\n", pk_out_sgr(o, PK_STYLE_BOLD),
                  pk_out_sgr_end(o, PK_STYLE_BOLD));
    for (int rc = PK_RANGE_SYSTEM; rc <= PK_RANGE_DYNAMIC; rc++) {
        snprintf(label, sizeof(label), "%s", pk_range_class_name((enum pk_range_class)rc));
        size_t n = (size_t)snprintf(line, sizeof(line), "%s: %s",
                                    pk__range_bounds((enum pk_range_class)rc),
                                    pk__range_use((enum pk_range_class)rc));
        if (rc == PK_RANGE_DYNAMIC && pol && pol->have_ephemeral && n < sizeof(line))
            n += (size_t)snprintf(line + n, sizeof(line) - n,
                                  "; this host takes its ephemeral ports from %u-%u",
                                  pol->ephemeral_lo, pol->ephemeral_hi);
        if ((enum pk_range_class)rc == page->range && n < sizeof(line))
            snprintf(line + n, sizeof(line) - n, " (port %u)", page->port);
        field(o, 2, label, (enum pk_range_class)rc == page->range ? PK_STYLE_BOLD : PK_STYLE_NONE,
              false, line, vcol);
    }
    pk__out_pad(o->b, 2);
    pk__out_wrapped(o->b,
                    "A new service should take a registered (user) or a dynamic port, not an "
                    "unassigned system port.",
                    2, 2, pk__out_wrap_width(o));
    pk_buf_putc(o->b, '\n');
}

void
pk_out_page_text(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_buf *b = o->b;
    size_t vcol = value_column(page);
    char line[64];
    pk_buf_printf(b, "%sPort %u%s\n", pk_out_sgr(o, PK_STYLE_BOLD), page->port,
                  pk_out_sgr_end(o, PK_STYLE_BOLD));
    snprintf(line, sizeof(line), "%s (%s)", pk_range_class_name(page->range),
             pk__range_bounds(page->range));
    field(o, 2, "range", PK_STYLE_NONE, false, line, vcol);
    host_lines(o, page, vcol);
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        if (!pp->shown)
            continue;
        enum pk_style st = pk_out_status_style(pp->status);
        pk_buf_printf(b, "\n%s%-5s%s %s%s%s\n", pk_out_sgr(o, PK_STYLE_BOLD),
                      pk_proto_name(pp->proto), pk_out_sgr_end(o, PK_STYLE_BOLD), pk_out_sgr(o, st),
                      pk_status_name(pp->status), pk_out_sgr_end(o, st));
        struct pk_cursor c = pp->records;
        struct pk_record r;
        while (pk_cursor_next(&c, &r))
            record_text(o, page, &r, vcol);
    }
    block_text(o, page);
    for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++)
        pk__out_notes_text(o, page->notes, page->nnotes, (enum pk_note_kind)k, vcol);
    ranges_text(o, page, vcol);
    if (page->extra)
        page->extra(o, PK_PAGE_TEXT, page->extra_arg);
}
