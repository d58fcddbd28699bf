/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "here" section of a port's page: who listens on the port on this host right now.
 */
#include "portkit/error.h"
#include "sockview.h"

/* The listeners of the host, read once per run: a page per port for thousands of ports (a
 * stream on stdin) then costs a lookup each, not a netlink dump each. */
static struct {
    bool loaded;
    int err;
    struct pk_sock_list all;
} here_cache;

/* Appends the "here" section for port (contract in sockview.h). Returns the number of
 * listeners, or -1. */
int
here_section(struct cli *cli, unsigned port, unsigned protos, struct pk_json *j)
{
    struct sockview v = {0};
    protos &= PK_TCP | PK_UDP;
    if (!protos || port == 0 || port > PK_PORT_MAX)
        return 0; /* port 0 is never held: no section */
    if (!here_cache.loaded) {
        struct pk_sock_query q = {
            .procroot = cli->procroot,
            .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
            .udp_states = PK_SS_BIT(PK_SS_CLOSE),
        };
        if (sv_fake_host(cli))
            q.flags |= PK_SOCKQ_NO_NETLINK;
        here_cache.err = pk_sock_list(&q, &here_cache.all);
        here_cache.loaded = true;
    }
    int rc = here_cache.err;
    if (rc == PK_ENOENT && sv_fake_host(cli))
        return 0; /* a stand-in /proc without socket tables: no section */
    for (size_t i = 0; i < here_cache.all.n && rc == 0; i++) {
        const struct pk_sock *s = &here_cache.all.socks[i];
        if (s->local_port == port && (s->proto & protos))
            rc = pk_sock_list_push(&v.list, s);
    }
    /* Failures are part of the page, not an error of the command. */
    if (rc < 0) {
        pk_sock_list_free(&v.list);
        if (j) {
            pk_json_key(j, "here");
            pk_json_val_null(j);
            pk_json_key_str(j, "here_error", pk_strerror(rc));
        } else {
            pk_buf_printf(&cli->out, "\nhere: socket table unreadable (%s)\n", pk_strerror(rc));
        }
        return -1;
    }
    if (sv_finish(cli, false, &v) != 0) {
        sv_free(&v);
        return -1;
    }
    if (j) {
        pk_json_key(j, "here");
        pk_json_arr_begin(j);
        for (size_t i = 0; i < v.list.n; i++)
            sv_json_sock(cli, j, &v, v.order[i]);
        pk_json_arr_end(j);
    } else if (v.list.n == 0) {
        pk_buf_printf(&cli->out, "\n%shere:%s nothing listens on port %u on this host\n",
                      cli_c(cli, C_BOLD), cli_c(cli, C_RESET), port);
    } else {
        pk_buf_printf(&cli->out, "\n%shere:%s listening on this host now\n", cli_c(cli, C_BOLD),
                      cli_c(cli, C_RESET));
        sv_print(cli, &v, true);
    }
    int n = (int)v.list.n;
    sv_free(&v);
    return n;
}

void
here_section_hook(const struct pk_out *o, enum pk_page_format fmt, void *arg)
{
    const struct here_arg *ha = arg;
    (void)o; /* o->b is ha->cli->out */
    if (fmt == PK_PAGE_JSON) {
        struct pk_json j;
        pk_json_init(&j, &ha->cli->out);
        here_section(ha->cli, ha->port, ha->protos, &j);
    } else if (fmt == PK_PAGE_TEXT) {
        here_section(ha->cli, ha->port, ha->protos, NULL);
    }
}
