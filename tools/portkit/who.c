/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit who PORT[/PROTO]: the sockets on a local port, listeners and connections, and the
 * processes holding them. Exit 0 when something holds the port, 1 when nothing does.
 */
#include <string.h>

#include "portkit/portrange.h"
#include "sock.h"

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    (void)cli, (void)p;
    sock_opt(ctx, id, arg);
    return 0;
}

static const struct cli_opt opts[] = {
    SOCK_OPTS_PROTO,
    SOCK_OPTS_FAMILY,
    SOCK_OPT_NETNS,
};

/* Parses the PORT[/PROTO] operand into q. Returns 0, or EXIT_USAGE after reporting. */
static int
parse_port(const char *arg, struct pk_sock_query *q)
{
    struct pk_portrange spec;
    const char *why = NULL;
    if (pk_portrange_parse(arg, strlen(arg), &spec, &why) < 0) {
        cli_err("who: '%s': %s", arg, why ? why : "bad port");
        return EXIT_USAGE;
    }
    if (spec.lo != spec.hi) {
        cli_err("who: '%s': one port, not a range", arg);
        return EXIT_USAGE;
    }
    if (spec.has_proto && !(spec.protos & (PK_TCP | PK_UDP))) {
        cli_err("who: '%s': only tcp and udp sockets can be listed", arg);
        return EXIT_USAGE;
    }
    if (spec.lo == 0) {
        cli_err("who: '%s': port 0 means \"any port\" and is never held", arg);
        return EXIT_USAGE;
    }
    if (spec.has_proto)
        q->protos = spec.protos;
    q->port = (int)spec.lo;
    return 0;
}

/* Runs "portkit who PORT[/PROTO] [-t] [-u] [-4] [-6] [--netns NAME|PID]". Returns the exit
 * status. */
static int
run(struct cli *cli, int argc, char **argv)
{
    struct sock_args a = {0};
    struct pk_sockview v;
    char none[64];
    int n, rc = cli_parse(cli, &cmd_who, argc, argv, on_opt, &a, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n == 0)
        return cli_usage(&cmd_who, "no port given");
    if (n > 1)
        return cli_usage(&cmd_who, "one port only ('%s')", argv[2]);
    if ((rc = parse_port(argv[1], &a.q)) != 0 || (rc = sock_netns(cli, "who", &a)) != 0)
        return rc;
    if ((rc = sock_gather(cli, "who", &a.q, 0, &v)) != 0)
        return rc;
    v.peer = true;
    bool one = a.q.protos == PK_TCP || a.q.protos == PK_UDP;
    snprintf(none, sizeof(none), "nothing holds port %d%s%s here", a.q.port, one ? "/" : "",
             one ? pk_proto_name(a.q.protos) : "");
    return sock_answer(cli, &v, "who", none);
}

const struct pk_cmd cmd_who = {
    .name = "who",
    .usage = "who PORT[/PROTO] [-t] [-u] [-4] [-6] [--netns NAME|PID]",
    .summary = "who holds a local port: its sockets and their processes",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "PORT is 1-65535, PROTO tcp or udp (both when not given).",
    .run = run,
};
