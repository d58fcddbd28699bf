/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "here" section of a port's page: who listens on the port on this host right now, as
 * the socket view of the output layer (JSON: an array of socket objects; text: a small
 * table; HTML: a table).
 */
#include "portkit/error.h"
#include "sock.h"

/* The listeners of the host, read once per run: a page per port for thousands of ports (a
 * stream on stdin) then costs a lookup each, not a netlink dump each. */
static struct {
    bool loaded;
    int err;
    struct pk_sock_list all;
} here_cache;

/* Fills *v with the listeners on ha's port. Returns 0, 1 when the page gets no section (a
 * stand-in /proc without socket tables), or a negative pk_errno. */
static int
here_view(const struct here_arg *ha, struct pk_sockview *v)
{
    struct cli *cli = ha->cli;
    if (!here_cache.loaded) {
        struct pk_sock_query q = {
            .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
            .udp_states = PK_SS_BIT(PK_SS_CLOSE),
        };
        sock_query_host(cli, &q);
        here_cache.err = pk_sock_list(&q, &here_cache.all);
        here_cache.loaded = true;
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

/* The section as text: a line saying what it shows, then the table; rc < 0 says why there
 * is none. */
static void
here_text(const struct pk_out *o, const struct here_arg *ha, struct pk_sockview *v, int rc)
{
    struct pk_buf *b = o->b;
    const char *bold = pk_out_sgr(o, PK_STYLE_BOLD), *end = pk_out_sgr_end(o, PK_STYLE_BOLD);
    if (rc < 0) {
        pk_buf_printf(b, "\n%shere:%s socket table unreadable (%s)\n", bold, end, pk_strerror(rc));
        return;
    }
    if (v->list.n == 0) {
        pk_buf_printf(b, "\n%shere:%s nothing listens on port %u on this host\n", bold, end,
                      ha->port);
        return;
    }
    pk_buf_printf(b, "\n%shere:%s listening on this host now\n", bold, end);
    if ((rc = pk_out_sockview_text(o, v, PK_TABLE_INDENT, NULL, NULL)) < 0)
        pk_buf_printf(b, "  (%s)\n", pk_strerror(rc));
}

/* The section as HTML. */
static void
here_html(const struct pk_out *o, const struct here_arg *ha, struct pk_sockview *v, int rc)
{
    struct pk_buf *b = o->b;
    pk_buf_puts(b, "<section class=\"here\"><h2>Here</h2>\n");
    if (rc < 0)
        pk_buf_printf(b, "<p class=\"error\">socket table unreadable (%s)</p>\n", pk_strerror(rc));
    else if (v->list.n == 0)
        pk_buf_printf(b, "<p>Nothing listens on port %u on this host.</p>\n", ha->port);
    else
        pk_out_sockview_html(o, v);
    pk_buf_puts(b, "</section>\n");
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
    if (rc == 1) {
        /* no section */
    } else if (fmt == PK_PAGE_JSON && rc < 0) {
        pk_buf_puts(o->b, "\"here\":null,\"here_error\":");
        pk_buf_json_str(o->b, pk_strerror(rc));
    } else if (fmt == PK_PAGE_JSON) {
        pk_buf_puts(o->b, "\"here\":");
        pk_out_sockview_json(o, &v);
    } else if (fmt == PK_PAGE_TEXT) {
        here_text(o, ha, &v, rc);
    } else {
        here_html(o, ha, &v, rc);
    }
    pk_sockview_free(&v);
}
