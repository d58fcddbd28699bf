/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit ls: the listening TCP sockets and bound UDP sockets of this host, with their
 * processes, units and registry names; --all adds every connected socket. The options are
 * ss's, and cluster as they do there ("ls -tulpn").
 */
#include "sock.h"

struct ls_args {
    struct sock_args s;
    bool all;
};

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    struct ls_args *a = ctx;
    (void)cli, (void)p;
    if (id == 'a')
        a->all = true;
    else
        sock_opt(&a->s, id, arg); /* -l, -p and -n ask for what ls does anyway */
    return 0;
}

static const struct cli_opt opts[] = {
    SOCK_OPTS_PROTO,
    {'l', "listening", 'l', false, NULL, "listening TCP and bound UDP sockets (the default)", NULL},
    {'a', "all", 'a', false, NULL, "every socket: connections too, with their peers", NULL},
    {'p', "processes", 'p', false, NULL, "the processes holding them (always shown)", NULL},
    {'n', "numeric", 'n', false, NULL, "numeric addresses and ports (never resolved anyway)", NULL},
    SOCK_OPTS_FAMILY,
    SOCK_OPT_NETNS,
};

/* Runs "portkit ls [-tulapn46] [--netns NAME|PID]". Returns the exit status. */
static int
run(struct cli *cli, int argc, char **argv)
{
    struct ls_args a = {.s.q.port = -1};
    struct pk_sockview v;
    int n, rc = cli_parse(cli, &cmd_ls, argc, argv, on_opt, &a, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n > 0)
        return cli_usage(&cmd_ls, "unexpected argument '%s'", argv[1]);
    if ((rc = sock_netns(cli, "ls", &a.s)) != 0)
        return rc;
    if (!a.all) {
        a.s.q.tcp_states = PK_SS_BIT(PK_SS_LISTEN);
        a.s.q.udp_states = PK_SS_BIT(PK_SS_CLOSE);
    }
    if ((rc = sock_gather(cli, "ls", &a.s.q, 0, &v)) != 0)
        return rc;
    v.peer = a.all;
    return sock_answer(cli, &v, "ls", "no sockets match");
}

const struct pk_cmd cmd_ls = {
    .name = "ls",
    .usage = "ls [-t] [-u] [-l|-a] [-p] [-n] [-4] [-6] [--netns NAME|PID]",
    .summary = "listening TCP and bound UDP sockets of this host, with their processes",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .run = run,
};
