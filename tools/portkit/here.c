/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "here" section of a port's page: who listens on the port on this host right now, as
 * the socket view of the output layer (JSON: an array of socket objects; text: a small
 * table; HTML: a table).
 */
#include "portkit/error.h"
#include "sock.h"

/* The listeners of the host, read once per run: a page per port for thousands of ports (a
 * stream on stdin) then costs a lookup each, not a netlink dump each. Only the protocols
 * asked so far are read: a tcp page does not walk the kernel's UDP tables (a dump per
 * family over every slot of the hash), and a later udp page reads again. */
static struct {
    unsigned protos; /* PK_TCP, PK_UDP: what all holds */
    int err;
    struct pk_sock_list all;
} here_cache;

/* Fills *v with the listeners on ha's port. Returns 0, 1 when the page gets no section (a
 * stand-in /proc without socket tables), or a negative pk_errno. */
static int
here_view(const struct here_arg *ha, struct pk_sockview *v)
{
    struct cli *cli = ha->cli;
    unsigned want = ha->protos & (PK_TCP | PK_UDP);
    if ((want & ~here_cache.protos) != 0) {
        want |= here_cache.protos;
        struct pk_sock_query q = {
            .protos = want,
            .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
            .udp_states = PK_SS_BIT(PK_SS_CLOSE),
        };
        sock_query_host(cli, &q);
        pk_sock_list_free(&here_cache.all);
        here_cache.err = pk_sock_list(&q, &here_cache.all);
        here_cache.protos = want;
    }
    int rc = here_cache.err;
    if (rc == PK_ENOENT && sock_fake_host(cli))
        return 1;
    for (size_t i = 0; i < here_cache.all.n && rc == 0; i++) {
        const struct pk_sock *s = &here_cache.all.socks[i];
        if (s->local_port == ha->port && (s->proto & ha->protos))
            rc = pk_sock_list_push(&v->list, s);
    }
    if (rc == 0)
        rc = pk_sockview_finish(v, cli->procroot, 0, cli_host(cli));
    return rc;
}

void
here_section_hook(const struct pk_out *o, enum pk_page_format fmt, void *arg)
{
    const struct here_arg *ha = arg;
    struct pk_sockview v = {0};
    /* Port 0 is never held: no section. */
    if (!(ha->protos & (PK_TCP | PK_UDP)) || ha->port == 0 || ha->port > PK_PORT_MAX)
        return;
    /* Failures are part of the page, not an error of the command. */
    int rc = here_view(ha, &v);
    if (rc == 1) /* a stand-in /proc without socket tables: no section */
        goto out;
    if (fmt == PK_PAGE_JSON)
        pk_out_here_json(o, &v, rc);
    else if (fmt == PK_PAGE_HTML)
        pk_out_here_html(o, &v, ha->port, rc);
    else if ((rc = pk_out_here_text(o, &v, ha->port, rc)) < 0)
        pk_buf_printf(o->b, "  (%s)\n", pk_strerror(rc));
out:
    pk_sockview_free(&v);
}
