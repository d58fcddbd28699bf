/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SOCK_H
#define PORTKIT_SOCK_H

/*
 * What ls, who and free share: the options they have in common, gathering the socket view
 * of this host (or of a stand-in /proc), and the ending of ls and who.
 */
#include "cli.h"
#include "portkit/sockout.h"

/* Option ids of the shared options (the short letters, and one code for --netns). */
enum { SOCK_NETNS = 300 };

/* The option table lines of the shared options. */
/* clang-format off */
#define SOCK_OPTS_PROTO                                                                     \
    {'t', "tcp", 't', false, NULL, "TCP sockets only (-t -u: both)", NULL},                 \
    {'u', "udp", 'u', false, NULL, "UDP sockets only", NULL}
#define SOCK_OPTS_FAMILY                                                                    \
    {'4', "ipv4", '4', false, NULL, "IPv4 only", NULL},                                     \
    {'6', "ipv6", '6', false, NULL, "IPv6 only (a dual-stack socket is IPv6)", NULL}
#define SOCK_OPT_NETNS                                                                      \
    {SOCK_NETNS, "netns", 0, true, "NAME|PID",                                              \
     "another network namespace: /run/netns/NAME, or process PID's", NULL}
/* clang-format on */

/* What the shared options set. */
struct sock_args {
    struct pk_sock_query q;
    const char *netns; /* --netns, entered once the options are parsed */
};

/* Takes shared option id (with its value arg) into a. Returns true when id is one. */
bool sock_opt(struct sock_args *a, int id, const char *arg);

/* Enters the namespace of --netns, when one was given. Returns 0, or an exit status after
 * reporting the failure. */
int sock_netns(const struct cli *cli, const char *cmd, const struct sock_args *a);

/* True when cli->procroot is not /proc (tests): sockets are then read from its net/ files,
 * never from netlink, which would describe the real host. */
bool sock_fake_host(const struct cli *cli);

/* Gathers the view of q's sockets (pk_sockview_gather(), flags PK_SV_*) for command cmd.
 * Returns 0, or an exit status after reporting the failure. */
int sock_gather(struct cli *cli, const char *cmd, const struct pk_sock_query *q, unsigned flags,
                struct pk_sockview *v);

/* Adds PK_SOCKQ_NO_NETLINK to q when the host is a stand-in. */
void sock_query_host(const struct cli *cli, struct pk_sock_query *q);

/*
 * The ending of ls and who: writes v as JSON lines or as the table, flushing as it goes,
 * and frees v. With no socket, writes nothing and says "CMD: none" on stderr. Returns
 * EXIT_FOUND, EXIT_NOTHING, or EXIT_RUNTIME when the output failed.
 */
int sock_answer(struct cli *cli, struct pk_sockview *v, const char *cmd, const char *none);

#endif
