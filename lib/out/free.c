/* SPDX-License-Identifier: BSD-2-Clause */
/* The answers of portkit free: a port picked for a new service, and a port's verdict. */
#include <stdio.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"
#include "sock_int.h"

void
pk_out_free_pick_json(const struct pk_out *o, unsigned port, unsigned protos)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__json_key_int(&j, "port", port);
    pk__json_key(&j, "protocols");
    pk__out_protos(&j, protos);
    pk__json_key_str(&j, "range", pk_range_class_name(pk_range_class_of(port)));
    pk__json_obj_end(&j);
}

void
pk_out_free_pick_text(const struct pk_out *o, unsigned port)
{
    pk_buf_putu(o->b, port);
    pk_buf_putc(o->b, '\n');
}

void
pk_out_free_pick_html(const struct pk_out *o, unsigned port, unsigned protos)
{
    pk_buf_printf(o->b, "<li class=\"free-pick\"><a href=\"/port/%u\">%u</a>/", port, port);
    pk_out_protos_text(o->b, protos);
    pk_buf_puts(o->b, "</li>\n");
}

int
pk_port_check_build(struct pk_port_check *c, const struct pk_registry *reg,
                    const struct pk_port_policy *pol, unsigned port, unsigned protos,
                    struct pk_sockview *holders)
{
    protos &= PK_TCP | PK_UDP;
    if (port == 0 || port > PK_PORT_MAX || !protos || !holders)
        return PK_EINVAL;
    memset(c, 0, sizeof(*c));
    c->port = port;
    c->protos = protos;
    c->holders = holders;
    size_t blocking = 0;
    for (size_t i = 0; i < holders->list.n; i++)
        if (holders->list.socks[i].state != PK_SS_TIME_WAIT)
            blocking++;
    c->free = blocking == 0;

    /* Facts about the port that matter to whoever binds it, free or not. */
    if (holders->list.n && c->free)
        c->facts[c->nfacts++] = "only TIME-WAIT sockets: bind with SO_REUSEADDR";
    if (pol && pol->have_unprivileged && port < pol->unprivileged_start) {
        snprintf(c->text[0], sizeof(c->text[0]),
                 "below ip_unprivileged_port_start (%u): binding needs CAP_NET_BIND_SERVICE",
                 pol->unprivileged_start);
        c->facts[c->nfacts++] = c->text[0];
    }
    if (pol && pol->have_ephemeral && port >= pol->ephemeral_lo && port <= pol->ephemeral_hi) {
        snprintf(c->text[1], sizeof(c->text[1]),
                 "inside the ephemeral range %u-%u: an outgoing connection may take it",
                 pol->ephemeral_lo, pol->ephemeral_hi);
        c->facts[c->nfacts++] = c->text[1];
    }
    if (pol && pk_port_policy_reserved(pol, port))
        c->facts[c->nfacts++] = "in ip_local_reserved_ports: never handed out as an ephemeral port";
    for (unsigned p = PK_TCP; p <= PK_UDP; p <<= 1) {
        const char *svc = (protos & p) ? pk_service_name(reg, port, p) : NULL;
        if (svc) {
            snprintf(c->text[2], sizeof(c->text[2]), "assigned by IANA to %s", svc);
            c->facts[c->nfacts++] = c->text[2];
            break;
        }
    }
    return 0;
}

void
pk_out_port_check_json(const struct pk_out *o, const struct pk_port_check *c)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__json_key_int(&j, "port", c->port);
    pk__json_key(&j, "protocols");
    pk__out_protos(&j, c->protos);
    pk__json_key_bool(&j, "free", c->free);
    pk__json_key(&j, "facts");
    pk__json_arr_begin(&j);
    for (size_t i = 0; i < c->nfacts; i++)
        pk__json_val_str(&j, c->facts[i]);
    pk__json_arr_end(&j);
    pk__json_key(&j, "holders");
    pk__out_sockview(&j, o, c->holders);
    pk__json_obj_end(&j);
}

/* "8080/tcp", or "8080" for both protocols. */
static void
port_label(char *buf, size_t cap, const struct pk_port_check *c)
{
    snprintf(buf, cap, "%u%s", c->port,
             c->protos == PK_TCP   ? "/tcp"
             : c->protos == PK_UDP ? "/udp"
                                   : "");
}

int
pk_out_port_check_text(const struct pk_out *o, const struct pk_port_check *c)
{
    struct pk_buf *b = o->b;
    char label[16];
    enum pk_style st = c->free ? PK_STYLE_GOOD : PK_STYLE_BAD;
    port_label(label, sizeof(label), c);
    pk_buf_printf(b, "%s%s%s is %s%s%s\n", pk_out_sgr(o, PK_STYLE_BOLD), label,
                  pk_out_sgr_end(o, PK_STYLE_BOLD), pk_out_sgr(o, st), c->free ? "free" : "in use",
                  pk_out_sgr_end(o, st));
    for (size_t i = 0; i < c->nfacts; i++)
        pk_buf_printf(b, "  note: %s\n", c->facts[i]);
    if (!c->holders->list.n)
        return b->err;
    return pk_out_sockview_text(o, c->holders, PK_TABLE_NO_HEADER | PK_TABLE_INDENT, NULL, NULL);
}

void
pk_out_port_check_html(const struct pk_out *o, const struct pk_port_check *c)
{
    struct pk_buf *b = o->b;
    char label[16];
    port_label(label, sizeof(label), c);
    pk_buf_printf(b, "<section class=\"port-check %s\"><h2>%s is %s</h2>\n",
                  c->free ? "free" : "in-use", label, c->free ? "free" : "in use");
    if (c->nfacts) {
        pk_buf_puts(b, "<ul class=\"facts\">\n");
        for (size_t i = 0; i < c->nfacts; i++) {
            pk_buf_puts(b, "<li>");
            pk_buf_html_str(b, c->facts[i]);
            pk_buf_puts(b, "</li>\n");
        }
        pk_buf_puts(b, "</ul>\n");
    }
    if (c->holders->list.n)
        pk_out_sockview_html(o, c->holders);
    pk_buf_puts(b, "</section>\n");
}
