/* SPDX-License-Identifier: BSD-2-Clause */
/* The port page model, and its JSON and HTML forms (text is in page_text.c). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"

/* Collects the notes of a page. */
struct collect {
    struct pk_page *page;
    size_t cap;
    int err;
};

static int
note_collect(const struct pk_note *n, void *arg)
{
    struct collect *c = arg;
    struct pk_page *p = c->page;
    if (p->nnotes == c->cap) {
        /* Past the inline array: move to the heap, doubling. */
        size_t cap = c->cap * 2;
        struct pk_note *v = malloc(cap * sizeof(*v));
        if (!v) {
            c->err = PK_ENOMEM;
            return 1;
        }
        memcpy(v, p->notes, p->nnotes * sizeof(*v));
        if (p->notes != p->inline_notes)
            free(p->notes);
        p->notes = v;
        c->cap = cap;
    }
    p->notes[p->nnotes++] = *n;
    return 0;
}

/* Narrow notes first: a note on 721-731 says more about 721 than one on 0-1023. */
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
pk_page_build(const struct pk_registry *reg, unsigned port, unsigned protos, bool has_proto,
              const struct pk_port_policy *pol, struct pk_page *page)
{
    if (port > PK_PORT_MAX || !protos || (protos & ~(unsigned)PK_PROTO_ALL))
        return PK_EINVAL;
    memset(page, 0, offsetof(struct pk_page, inline_notes));
    page->extra = NULL;
    page->extra_arg = NULL;
    page->port = port;
    page->protos = protos;
    page->has_proto = has_proto;
    page->range = pk_range_class_of(port);
    page->policy = pol;
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(protos & p))
            continue;
        struct pk_page_proto *pp = &page->proto[page->nproto++];
        pp->proto = p;
        int n = pk_lookup(reg, port, p, &pp->records);
        pp->status = pk_status_of(reg, port, p);
        /* sctp and dccp are shown only when named or when the registry has something. */
        pp->shown = n > 0 || has_proto || p == PK_TCP || p == PK_UDP;
    }
    page->notes = page->inline_notes;
    struct collect c = {.page = page, .cap = PK_PAGE_NOTES_INLINE};
    pk_notes_for(reg, port, port, protos, note_collect, &c);
    if (c.err) {
        pk_page_free(page);
        return c.err;
    }
    qsort(page->notes, page->nnotes, sizeof(*page->notes), cmp_width);
    return 0;
}

void
pk_page_free(struct pk_page *page)
{
    if (page->notes && page->notes != page->inline_notes)
        free(page->notes);
    page->notes = page->inline_notes;
    page->nnotes = 0;
}

/* The "policy" member: this host's rules for binding the port. */
static void
policy_json(struct pk_json *j, const struct pk_page *page)
{
    const struct pk_port_policy *pol = page->policy;
    pk_json_key(j, "policy");
    if (!pol) {
        pk_json_val_null(j);
        return;
    }
    unsigned start = pol->have_unprivileged ? pol->unprivileged_start : 1024;
    pk_json_obj_begin(j);
    /* Port 0 asks the kernel for any free port: no privilege needed. */
    pk_json_key_bool(j, "privileged", page->port != 0 && page->port < start);
    pk_json_key_int(j, "unprivileged_start", start);
    if (pol->have_ephemeral) {
        pk_json_key_bool(j, "ephemeral",
                         page->port >= pol->ephemeral_lo && page->port <= pol->ephemeral_hi);
        pk_json_key_int(j, "ephemeral_lo", pol->ephemeral_lo);
        pk_json_key_int(j, "ephemeral_hi", pol->ephemeral_hi);
    }
    pk_json_key_bool(j, "reserved", pk_port_policy_reserved(pol, page->port));
    pk_json_obj_end(j);
}

void
pk_out_page_json(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_json j;
    pk_json_init(&j, o->b);
    pk_json_obj_begin(&j);
    pk_json_key_int(&j, "port", page->port);
    pk_json_key_str(&j, "range", pk_range_class_name(page->range));
    policy_json(&j, page);
    pk_json_key(&j, "protocols");
    pk_json_arr_begin(&j);
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        pk_json_obj_begin(&j);
        pk_json_key_str(&j, "protocol", pk_proto_name(pp->proto));
        pk_json_key_str(&j, "status", pk_status_name(pp->status));
        pk_json_key(&j, "assignments");
        pk_json_arr_begin(&j);
        struct pk_cursor c = pp->records;
        struct pk_record r;
        while (pk_cursor_next(&c, &r))
            pk__out_record(&j, o, &r, pp->proto);
        pk_json_arr_end(&j);
        pk_json_obj_end(&j);
    }
    pk_json_arr_end(&j);
    pk_json_key(&j, "notes");
    pk_json_arr_begin(&j);
    for (size_t i = 0; i < page->nnotes; i++)
        pk__out_note(&j, o, &page->notes[i]);
    pk_json_arr_end(&j);
    if (page->extra) {
        /* A higher layer's members ("here"): the writer expects a comma before them. */
        struct pk_out eo = *o;
        size_t at = o->b->len;
        pk_buf_putc(o->b, ',');
        page->extra(&eo, PK_PAGE_JSON, page->extra_arg);
        if (o->b->len == at + 1 && !o->b->err) {
            o->b->len = at; /* it had nothing to add: no comma */
            o->b->data[at] = '\0';
        }
    }
    pk_json_obj_end(&j);
}

void
pk_out_page_html(const struct pk_out *o, const struct pk_page *page)
{
    struct pk_buf *b = o->b;
    static const char *const heads[] = {"Unofficial uses", "History", "Abuse reports"};
    pk_buf_printf(b, "<article class=\"port\" id=\"port-%u\">\n<h1>Port %u</h1>\n", page->port,
                  page->port);
    pk_buf_printf(b, "<p class=\"range\">In the %s range (%s).</p>\n",
                  pk_range_class_name(page->range), pk__range_bounds(page->range));
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        if (!pp->shown)
            continue;
        pk_buf_printf(b, "<section class=\"proto\"><h2>%s: %s</h2>\n", pk_proto_name(pp->proto),
                      pk_status_name(pp->status));
        struct pk_cursor c = pp->records;
        struct pk_record r;
        if (c.n)
            pk_buf_puts(b, "<table class=\"records\">\n");
        while (pk_cursor_next(&c, &r))
            pk_out_record_html(o, &r);
        if (pp->records.n)
            pk_buf_puts(b, "</table>\n");
        pk_buf_puts(b, "</section>\n");
    }
    for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++) {
        bool any = false;
        for (size_t i = 0; i < page->nnotes; i++) {
            if (page->notes[i].kind != (enum pk_note_kind)k)
                continue;
            if (!any)
                pk_buf_printf(b, "<section class=\"notes\"><h2>%s</h2><ul>\n", heads[k]);
            any = true;
            pk_out_note_html(o, &page->notes[i]);
        }
        if (any)
            pk_buf_puts(b, "</ul></section>\n");
    }
    if (page->extra)
        page->extra(o, PK_PAGE_HTML, page->extra_arg);
    pk_buf_puts(b, "</article>\n");
}
