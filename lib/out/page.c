/* SPDX-License-Identifier: BSD-2-Clause */
/* The port page model, and its JSON form (text is in page_text.c, HTML in page_html.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"

#define BLOCK_MAX 16

/* Picks the block of the page: the narrowest range of 2 to BLOCK_MAX ports among the block
 * records and the notes that cover the port. */
static void
find_block(struct pk_page *page)
{
    unsigned best = BLOCK_MAX;
    page->has_block = false;
    for (size_t i = 0; i < page->nproto; i++) {
        struct pk_cursor c = page->proto[i].records;
        struct pk_record r;
        while (pk_cursor_next(&c, &r))
            if ((r.flags & PK_REC_RANGE) && (unsigned)(r.port_hi - r.port_lo) < best) {
                best = r.port_hi - r.port_lo;
                page->block_lo = r.port_lo, page->block_hi = r.port_hi;
                page->has_block = true;
            }
    }
    for (size_t i = 0; i < page->nnotes; i++) {
        const struct pk_note *n = &page->notes[i];
        unsigned w = n->port_hi - n->port_lo;
        if (w > 0 && w < best) {
            best = w;
            page->block_lo = n->port_lo, page->block_hi = n->port_hi;
            page->has_block = true;
        }
    }
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
        /* Records come assignments first, so the first one decides (as pk_status_of()). */
        struct pk_record first;
        struct pk_cursor c = pp->records;
        pp->status = n > 0 && pk_cursor_next(&c, &first) ? first.status : PK_UNASSIGNED;
        /* sctp and dccp are shown only when named or when the registry has something. */
        pp->shown = n > 0 || has_proto || p == PK_TCP || p == PK_UDP;
    }
    /* The index keeps a port's notes narrowest first: the order the page shows. */
    page->notes = page->inline_notes;
    int n = pk_port_notes(reg, port, protos, page->notes, PK_PAGE_NOTES_INLINE);
    if (n > PK_PAGE_NOTES_INLINE) {
        page->notes = malloc((size_t)n * sizeof(*page->notes));
        if (!page->notes) {
            page->notes = page->inline_notes;
            return PK_ENOMEM;
        }
        n = pk_port_notes(reg, port, protos, page->notes, (size_t)n);
    }
    page->nnotes = n > 0 ? (size_t)n : 0;
    find_block(page);
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

/* Writes the "policy" member (this host's rules for binding the port) for the answers in bits
 * (1 privileged, 2 ephemeral, 4 reserved) into buf. Returns its length, 0 when it does not
 * fit. */
static size_t
policy_member(const struct pk_port_policy *pol, unsigned bits, char *buf, size_t cap)
{
    unsigned start = pol->have_unprivileged ? pol->unprivileged_start : 1024;
    const char *t = "true", *f = "false";
    int n;
    if (pol->have_ephemeral)
        n = snprintf(buf, cap,
                     "\"policy\":{\"privileged\":%s,\"ephemeral\":%s,\"reserved\":%s,"
                     "\"unprivileged_start\":%u,\"ephemeral_lo\":%u,\"ephemeral_hi\":%u}",
                     bits & 1 ? t : f, bits & 2 ? t : f, bits & 4 ? t : f, start, pol->ephemeral_lo,
                     pol->ephemeral_hi);
    else
        n = snprintf(buf, cap,
                     "\"policy\":{\"privileged\":%s,\"reserved\":%s,\"unprivileged_start\":%u}",
                     bits & 1 ? t : f, bits & 4 ? t : f, start);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Appends the "policy" member of a page: null when the host's policy is unknown. The eight
 * forms it can take on one host are formed once per cache. */
static void
policy_put(struct pk_buf *b, const struct pk_out *o, const struct pk_page *page)
{
    const struct pk_port_policy *pol = page->policy;
    if (!pol) {
        pk_buf_puts(b, "\"policy\":null");
        return;
    }
    unsigned start = pol->have_unprivileged ? pol->unprivileged_start : 1024, port = page->port;
    /* Port 0 asks the kernel for any free port: no privilege needed. */
    unsigned bits =
        (port != 0 && port < start ? 1u : 0u) |
        (pol->have_ephemeral && port >= pol->ephemeral_lo && port <= pol->ephemeral_hi ? 2u : 0u) |
        (pk_port_policy_reserved(pol, port) ? 4u : 0u);
    size_t n;
    const char *m = pk__out_cached_policy(o, pol, bits, policy_member, &n);
    if (m) {
        pk_buf_put(b, m, n);
        return;
    }
    char tmp[256];
    n = policy_member(pol, bits, tmp, sizeof(tmp));
    pk_buf_put(b, tmp, n);
}

/* The fixed parts of a page, pre-formed: "range" with each value, and the head of each
 * protocol's object for each status (the order of the enums and of pk_proto_index()). */
#define M(s)                                                                                       \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
#define PH(p, st) M("{\"protocol\":\"" p "\",\"status\":\"" st "\",\"assignments\":[")
static const struct frag {
    const char *s;
    size_t n;
} range_m[] = {M(",\"range\":\"system\","), M(",\"range\":\"user\","),
               M(",\"range\":\"dynamic\",")},
  proto_head[PK_NPROTO][3] = {
      {PH("tcp", "unassigned"), PH("tcp", "reserved"), PH("tcp", "assigned")},
      {PH("udp", "unassigned"), PH("udp", "reserved"), PH("udp", "assigned")},
      {PH("sctp", "unassigned"), PH("sctp", "reserved"), PH("sctp", "assigned")},
      {PH("dccp", "unassigned"), PH("dccp", "reserved"), PH("dccp", "assigned")},
};
#undef PH
#undef M

#define PUT(b, lit) pk_buf_put((b), (lit), sizeof(lit) - 1)

void
pk_out_page_json(const struct pk_out *o, const struct pk_page *page)
{
    /* The hot path of "portkit --json -", so written by hand rather than through the JSON
     * writer: fixed parts as literals, records and notes pre-rendered from the cache. */
    struct pk_buf *b = o->b;
    PUT(b, "{\"port\":");
    pk_buf_putu(b, page->port);
    pk_buf_put(b, range_m[page->range].s, range_m[page->range].n);
    policy_put(b, o, page);
    PUT(b, ",\"protocols\":[");
    for (size_t i = 0; i < page->nproto; i++) {
        const struct pk_page_proto *pp = &page->proto[i];
        const struct frag *h = &proto_head[pk_proto_index(pp->proto)][pp->status];
        if (i)
            pk_buf_putc(b, ',');
        pk_buf_put(b, h->s, h->n);
        struct pk_cursor c = pp->records;
        struct pk_record r;
        for (bool first = true; pk_cursor_next(&c, &r); first = false) {
            if (!first)
                pk_buf_putc(b, ',');
            pk__out_record_put(b, o, &r, pp->proto);
        }
        PUT(b, "]}");
    }
    PUT(b, "],\"notes\":[");
    for (size_t i = 0; i < page->nnotes; i++) {
        if (i)
            pk_buf_putc(b, ',');
        pk__out_note_put(b, o, &page->notes[i]);
    }
    pk_buf_putc(b, ']');
    if (page->has_block) {
        PUT(b, ",\"block\":{\"port\":");
        pk_buf_putu(b, page->block_lo);
        PUT(b, ",\"port_end\":");
        pk_buf_putu(b, page->block_hi);
        pk_buf_putc(b, '}');
    } else {
        PUT(b, ",\"block\":null");
    }
    if (page->extra) {
        /* A higher layer's members ("here"): the writer expects a comma before them. */
        struct pk_out eo = *o;
        size_t at = b->len;
        pk_buf_putc(b, ',');
        page->extra(&eo, PK_PAGE_JSON, page->extra_arg);
        if (b->len == at + 1 && !b->err) {
            b->len = at; /* it had nothing to add: no comma */
            b->data[at] = '\0';
        }
    }
    pk_buf_putc(b, '}');
}
