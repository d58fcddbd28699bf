/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit ls: the listening TCP sockets and bound UDP sockets of this host, with their
 * processes, units and registry names; --all adds every connected socket.
 */
#include <string.h>

#include "sockview.h"

/* Parses one option shared by ls, who and free (contract in sockview.h). Returns -1, 0 or
 * an exit status. */
int
sock_opt(const struct pk_cmd *cmd, struct cli *cli, int argc, char **argv, int *i,
         struct pk_sock_query *q, bool *all)
{
    const char *a = argv[*i];
    if (strcmp(a, "--all") == 0 && all) {
        *all = true;
        return 0;
    }
    if (strcmp(a, "--netns") == 0 || strncmp(a, "--netns=", 8) == 0) {
        const char *spec = a[7] == '=' ? a + 8 : NULL;
        if (!spec) {
            if (*i + 1 >= argc)
                return cli_usage(cmd, "--netns needs a namespace name or a pid");
            spec = argv[++*i];
        }
        int rc = sv_netns(cli, cmd->name, spec);
        return rc ? rc : 0;
    }
    if (a[0] != '-' || a[1] == '-' || a[1] == '\0')
        return -1;
    for (const char *p = a + 1; *p; p++) {
        switch (*p) {
        case 't':
            q->protos |= PK_TCP;
            break;
        case 'u':
            q->protos |= PK_UDP;
            break;
        case '4':
            q->families |= PK_FAM_4;
            break;
        case '6':
            q->families |= PK_FAM_6;
            break;
        case 'a':
            if (all) {
                *all = true;
                break;
            }
            /* fall through */
        default:
            return cli_usage(cmd, "unknown option '%s'", a);
        }
    }
    return 0;
}

/* Runs "portkit ls [-t] [-u] [-4] [-6] [--all] [--netns NAME|PID]". Returns the exit status. */
static int
run(struct cli *cli, int argc, char **argv)
{
    struct pk_sock_query q = {.port = -1, .procroot = cli->procroot};
    bool all = false;
    struct sockview v;

    for (int i = 1; i < argc; i++) {
        int rc = sock_opt(&cmd_ls, cli, argc, argv, &i, &q, &all);
        if (rc < 0)
            return cli_usage(&cmd_ls, "unexpected argument '%s'", argv[i]);
        if (rc > 0)
            return rc;
    }
    if (!all) {
        q.tcp_states = PK_SS_BIT(PK_SS_LISTEN);
        q.udp_states = PK_SS_BIT(PK_SS_CLOSE);
    }
    int rc = sv_gather(cli, &q, false, &v);
    if (rc)
        return rc;
    v.peer = all;
    if (cli->json)
        sv_json_lines(cli, &v);
    else
        sv_print(cli, &v, false);
    rc = v.list.n ? EXIT_FOUND : EXIT_NOTHING;
    sv_free(&v);
    return rc;
}

const struct pk_cmd cmd_ls = {
    .name = "ls",
    .summary = "listening TCP and bound UDP sockets of this host, with owners",
    .usage = "ls [-t] [-u] [-4] [-6] [--all] [--netns NAME|PID]",
    .run = run,
};
