/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit who PORT[/PROTO]: the sockets on a local port, listeners and connections, and the
 * processes holding them. Exit 0 when something holds the port, 1 when nothing does.
 */
#include <string.h>

#include "portkit/error.h"
#include "portkit/portrange.h"
#include "sockview.h"

/* Runs "portkit who PORT[/PROTO] [-4] [-6] [--netns NAME|PID]". Returns the exit status. */
static int
run(struct cli *cli, int argc, char **argv)
{
    struct pk_sock_query q = {.procroot = cli->procroot};
    const char *portarg = NULL;
    struct sockview v;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0 && i + 1 < argc && !portarg) {
            portarg = argv[++i];
            continue;
        }
        int rc = sock_opt(&cmd_who, cli, argc, argv, &i, &q, NULL);
        if (rc > 0)
            return rc;
        if (rc == 0)
            continue;
        if (portarg)
            return cli_usage(&cmd_who, "one port only ('%s')", argv[i]);
        portarg = argv[i];
    }
    if (!portarg)
        return cli_usage(&cmd_who, "no port given");
    struct pk_portrange spec;
    const char *why = NULL;
    if (pk_portrange_parse(portarg, strlen(portarg), &spec, &why) < 0) {
        cli_err("who: '%s': %s", portarg, why ? why : "bad port");
        return EXIT_USAGE;
    }
    if (spec.lo != spec.hi) {
        cli_err("who: '%s': one port, not a range", portarg);
        return EXIT_USAGE;
    }
    if (spec.has_proto) {
        if (!(spec.protos & (PK_TCP | PK_UDP))) {
            cli_err("who: '%s': only tcp and udp sockets can be listed", portarg);
            return EXIT_USAGE;
        }
        q.protos = spec.protos;
    }
    if (spec.lo == 0) {
        cli_err("who: '%s': port 0 means \"any port\" and is never held", portarg);
        return EXIT_USAGE;
    }
    q.port = (int)spec.lo;
    int rc = sv_gather(cli, &q, false, &v);
    if (rc)
        return rc;
    v.peer = true;
    if (cli->json) {
        sv_json_lines(cli, &v);
    } else if (v.list.n) {
        sv_print(cli, &v, false);
    } else {
        pk_buf_printf(&cli->out, "nothing holds port %u", spec.lo);
        if (spec.has_proto)
            pk_buf_printf(&cli->out, "/%s", pk_proto_name(spec.protos));
        pk_buf_puts(&cli->out, " here\n");
    }
    rc = v.list.n ? EXIT_FOUND : EXIT_NOTHING;
    sv_free(&v);
    return rc;
}

const struct pk_cmd cmd_who = {
    .name = "who",
    .summary = "who holds a local port: sockets and their processes",
    .usage = "who PORT[/PROTO] [-t] [-u] [-4] [-6] [--netns NAME|PID]",
    .run = run,
};
