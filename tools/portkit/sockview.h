/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SOCKVIEW_H
#define PORTKIT_SOCKVIEW_H

/*
 * What ls, who, free and the port page's "here" section share: a socket list joined with its
 * owners and the registry, printed as an aligned table or as JSON lines.
 */
#include "cli.h"
#include "portkit/sockets.h"

struct sockview {
    struct pk_sock_list list;
    struct pk_owners owners;
    int owners_err;  /* why owners could not be read, or 0 */
    size_t *order;   /* list.socks indexes in display order */
    uint32_t *group; /* per socket: the size of its SO_REUSEPORT group (pk_sock_groups) */
    struct pk_portset *listening; /* the ports listened on, for pk_sock_service_end() */
    bool peer;                    /* show the remote end */
};

/*
 * Lists q's sockets, finds their owners (unless no_owners) and sorts them for display.
 * Returns 0, or an exit status after reporting the failure on stderr.
 */
int sv_gather(struct cli *cli, const struct pk_sock_query *q, bool no_owners, struct sockview *v);

/* Sorts v->list (already filled) and finds its owners: the second half of sv_gather().
 * Returns 0, or an exit status after reporting the failure. */
int sv_finish(struct cli *cli, bool no_owners, struct sockview *v);

/* True when cli->procroot is not /proc (tests): sockets are then read from its net/ files,
 * never from netlink, which would describe the real host. */
bool sv_fake_host(const struct cli *cli);

/* Frees what sv_gather() allocated. */
void sv_free(struct sockview *v);

/* Appends v as a table (with a header line unless bare) to cli->out. */
void sv_print(struct cli *cli, struct sockview *v, bool bare);

/* Appends v as JSON lines, one object per socket. */
void sv_json_lines(struct cli *cli, struct sockview *v);

/* Writes socket i of v as a JSON object to j (a value position: top level or in an array). */
void sv_json_sock(struct cli *cli, struct pk_json *j, struct sockview *v, size_t i);

/* Returns the registry's service name for port/proto, or NULL when nothing is assigned. */
const char *sv_service(const struct cli *cli, unsigned port, unsigned proto);

/*
 * Handles "--netns SPEC" for a subcommand: enters the namespace. Returns 0, or an exit
 * status after reporting the failure.
 */
int sv_netns(const struct cli *cli, const char *cmd, const char *spec);

/*
 * Parses the options ls, who and free share: -t -u -4 -6 (bundled or not), --all (when all
 * is not NULL), --netns SPEC. Returns -1 when argv[*i] is not one of them, 0 when it was
 * consumed (with its value), or an exit status after reporting the error. (ls.c)
 */
int sock_opt(const struct pk_cmd *cmd, struct cli *cli, int argc, char **argv, int *i,
             struct pk_sock_query *q, bool *all);

/*
 * The port page's "here" section: the sockets listening on port (protocols in protos) now.
 * With j, writes key "here" (an array of socket objects) into the object j has open;
 * without, appends a short text section to cli->out. Returns the number of listeners, or
 * -1 when the socket table could not be read (said in the output).
 */
int here_section(struct cli *cli, unsigned port, unsigned protos, struct pk_json *j);

#endif
