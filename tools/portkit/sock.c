/* SPDX-License-Identifier: BSD-2-Clause */
/* What ls, who and free share (sock.h). */
#include <string.h>

#include "portkit/error.h"
#include "sock.h"

bool
sock_opt(struct sock_args *a, int id, const char *arg)
{
    switch (id) {
    case 't':
    case 'u':
        a->q.protos |= id == 't' ? PK_TCP : PK_UDP;
        return true;
    case '4':
    case '6':
        a->q.families |= id == '4' ? PK_FAM_4 : PK_FAM_6;
        return true;
    case SOCK_NETNS:
        a->netns = arg;
        return true;
    }
    return false;
}

int
sock_netns(const struct cli *cli, const char *cmd, const struct sock_args *a)
{
    if (!a->netns)
        return 0;
    int rc = pk_netns_enter(a->netns, cli->procroot);
    if (rc == 0)
        return 0;
    if (rc == PK_EINVAL || rc == PK_ENOENT) {
        cli_err("%s: --netns '%s': %s", cmd, a->netns,
                rc == PK_EINVAL ? "not a namespace name or process id"
                                : "no such network namespace (/run/netns/NAME or a pid)");
        return EXIT_USAGE;
    }
    cli_err("%s: --netns '%s': %s%s", cmd, a->netns, pk_strerror(rc),
            rc == PK_EPERM ? " (entering a namespace needs root)" : "");
    return EXIT_RUNTIME;
}

bool
sock_fake_host(const struct cli *cli)
{
    return strcmp(cli->procroot, "/proc") != 0;
}

void
sock_query_host(const struct cli *cli, struct pk_sock_query *q)
{
    q->procroot = cli->procroot;
    /* Netlink always answers for the real host; a stand-in /proc is read as text. */
    if (sock_fake_host(cli))
        q->flags |= PK_SOCKQ_NO_NETLINK;
}

int
sock_gather(struct cli *cli, const char *cmd, const struct pk_sock_query *q, unsigned flags,
            struct pk_sockview *v)
{
    struct pk_sock_query hq = *q;
    sock_query_host(cli, &hq);
    int rc = pk_sockview_gather(v, &hq, flags, cli_host(cli));
    if (rc < 0) {
        cli_err("%s: reading the socket table: %s", cmd, pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    return 0;
}

/* Flushes the output between rows of a long table. Returns 0, or PK_EIO when standard
 * output failed (cli_flush() reported it). */
static int
flush_rows(void *arg)
{
    return cli_maybe_flush(arg) < 0 ? PK_EIO : 0;
}

int
sock_answer(struct cli *cli, struct pk_sockview *v, const char *cmd, const char *none)
{
    int rc = v->list.n ? EXIT_FOUND : EXIT_NOTHING;
    if (!v->list.n) {
        cli_err("%s: %s", cmd, none);
    } else if (cli->json) {
        for (size_t i = 0; i < v->list.n && rc == EXIT_FOUND; i++) {
            pk_out_socket_json(&cli->o, v, v->order[i]);
            pk_buf_putc(&cli->out, '\n');
            if (cli_maybe_flush(cli) < 0)
                rc = EXIT_RUNTIME;
        }
    } else {
        int err = pk_out_sockview_text(&cli->o, v, 0, flush_rows, cli);
        if (err < 0) {
            if (err != PK_EIO)
                cli_err("%s: %s", cmd, pk_strerror(err));
            rc = EXIT_RUNTIME;
        }
    }
    pk_sockview_free(v);
    return rc;
}
