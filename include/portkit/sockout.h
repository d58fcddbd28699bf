/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SOCKOUT_H
#define PORTKIT_SOCKOUT_H

/*
 * The local sockets in the output layer. A socket view is a socket list joined with its
 * owners and put in display order: what portkit ls, who and free --check show, what the port
 * page's "here" section shows and what the web page will show. One serializer per entity
 * writes it: a socket as a JSON object (docs/schema/socket.json, its processes
 * docs/schema/process.json), as rows of the ls table (through pk_table) and as HTML table
 * rows; and the two answers of portkit free: a pick and a port's verdict
 * (docs/schema/free.json). Process names, command lines and unit names are untrusted and go
 * through the escaper of buf.h for each format.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/common.h"
#include "portkit/out.h"
#include "portkit/policy.h"
#include "portkit/portset.h"
#include "portkit/registry.h"
#include "portkit/sockets.h"

PK_BEGIN_DECLS

/* A socket list with its owners, in display order. Fill it with pk_sockview_gather() (or a
 * list of your own and pk_sockview_finish()); free it with pk_sockview_free(). */
struct pk_sockview {
    struct pk_sock_list list;
    struct pk_owners owners;             /* empty when the owners were not searched */
    int owners_err;                      /* why the owners could not be read, or 0 */
    size_t *order;                       /* list.socks indexes in display order */
    uint32_t *group;                     /* per socket: its SO_REUSEPORT group's size */
    struct pk_portset *listening;        /* the ports listened on, for the service end */
    const struct pk_port_policy *policy; /* the host's ephemeral range, or NULL */
    bool peer;                           /* text: show the remote end (the PEER column) */
    struct pk__sockview_cache *cache;    /* private: each process's text cells and JSON, kept */
};

/* Flags of pk_sockview_gather() and pk_sockview_finish(). */
#define PK_SV_NO_OWNERS 0x01u /* do not search for the processes (portkit free) */

/*
 * Lists q's sockets into *v, finds the processes holding them under q->procroot (unless
 * PK_SV_NO_OWNERS) and sorts them for display: protocol, port, listeners first, family,
 * address, peer. pol (may be NULL) is the host's policy, for the service end of connections.
 * Returns 0, or a pk_sock_list() error or PK_ENOMEM (then v holds nothing to free). A failed
 * owner search is no failure: v->owners_err says why, and the sockets say it too.
 */
PK_API int pk_sockview_gather(struct pk_sockview *v, const struct pk_sock_query *q, unsigned flags,
                              const struct pk_port_policy *pol);

/*
 * The second half of pk_sockview_gather() for a list filled by the caller: v zeroed, then
 * v->list filled (pk_sock_list_push()). Returns 0 or PK_ENOMEM; free v either way.
 */
PK_API int pk_sockview_finish(struct pk_sockview *v, const char *procroot, unsigned flags,
                              const struct pk_port_policy *pol);

/* Frees what v holds and leaves it empty. */
PK_API void pk_sockview_free(struct pk_sockview *v);

/* Returns the display position after the entry at position pos: listeners on one protocol,
 * address and port (an SO_REUSEPORT group) are one entry of the table, other sockets one
 * each. */
PK_API size_t pk_sockview_next(const struct pk_sockview *v, size_t pos);

/*
 * Writes socket i (an index of v->list.socks) as a JSON object (docs/schema/socket.json):
 * protocol, family, dual_stack, local and remote ({address, port}; no remote for a
 * listener), state, scope, uid and user (null when no file holds it), inode, processes,
 * owner_unknown (when none is shown), service_port and service (the service end's), warning,
 * reuseport_group. Registry names come from o->reg.
 */
PK_API void pk_out_socket_json(const struct pk_out *o, struct pk_sockview *v, size_t i);

/* Writes every socket of v, in display order, as a JSON array. */
PK_API void pk_out_sockview_json(const struct pk_out *o, struct pk_sockview *v);

/* The columns of the ls table: PROTO IP LOCAL PEER STATE SERVICE PID USER COMMAND UNIT NOTE
 * CMDLINE (CMDLINE shrinks on a terminal). */
PK_API const struct pk_col *pk_out_socket_cols(size_t *ncols);

/*
 * Makes an empty ls table for the rows of v. v remembers the cells of each process it writes
 * into this table, so that a process holding thousands of sockets is escaped once. Free the
 * table (pk_table_free()) before v. Returns 0 and *out, or PK_ENOMEM.
 */
PK_API int pk_sockview_table(struct pk_sockview *v, struct pk_table **out);

/*
 * Adds the entry at display position pos of v to t (made by pk_sockview_table(v)): one row
 * per process holding it (each process once), or one row saying why no process is shown,
 * with the socket's own user. The note says what the socket is worth knowing for (a system
 * port with no assignment, all interfaces or loopback only, an SO_REUSEPORT group). Returns
 * the position after the entry (pk_sockview_next()), or a pk_table error.
 */
PK_API long pk_out_socket_rows(struct pk_table *t, const struct pk_out *o, struct pk_sockview *v,
                               size_t pos);

/*
 * Appends v as the ls table to o->b (PK_TABLE_* flags), calling flush(arg) after each row
 * when flush is not NULL (it may write o->b out and empty it; a negative return stops).
 * Returns 0, a pk_table error, or flush's negative value.
 */
PK_API int pk_out_sockview_text(const struct pk_out *o, struct pk_sockview *v, unsigned flags,
                                int (*flush)(void *arg), void *arg);

/* Appends the entry at display position pos of v as HTML table rows (<tr>, one per process,
 * the columns of the ls table). Returns the position after it. */
PK_API size_t pk_out_socket_html(const struct pk_out *o, struct pk_sockview *v, size_t pos);

/* Appends v as an HTML <table class="sockets"> with a header row. */
PK_API void pk_out_sockview_html(const struct pk_out *o, struct pk_sockview *v);

/* ---- the port page's "here" section ---- */

/*
 * The "here" section of the page of port: v holds the listeners on the port now, or err < 0
 * says why the socket table could not be read. JSON writes the page members "here" (an
 * array of sockets; null on error) and "here_error" (on error), for a page's extra hook;
 * text a line under the page ("here: listening on this host now") and the table, indented;
 * HTML a <section class="here">. The text form returns 0 or a pk_table error.
 */
PK_API void pk_out_here_json(const struct pk_out *o, struct pk_sockview *v, int err);
PK_API int pk_out_here_text(const struct pk_out *o, struct pk_sockview *v, unsigned port, int err);
PK_API void pk_out_here_html(const struct pk_out *o, struct pk_sockview *v, unsigned port, int err);

/* ---- portkit free ---- */

/* Writes a port picked for a new service (protocols protos) as a JSON object: port,
 * protocols, range. */
PK_API void pk_out_free_pick_json(const struct pk_out *o, unsigned port, unsigned protos);

/* Appends a pick as text (the port and a newline, for scripts), and as an HTML <li>. */
PK_API void pk_out_free_pick_text(const struct pk_out *o, unsigned port);
PK_API void pk_out_free_pick_html(const struct pk_out *o, unsigned port, unsigned protos);

#define PK_CHECK_FACTS 6

/* Whether a port may be bound now, and what matters to whoever binds it. */
struct pk_port_check {
    unsigned port;
    unsigned protos; /* PK_TCP, PK_UDP or both */
    bool free;       /* nothing but TIME-WAIT sockets hold it */
    const char *facts[PK_CHECK_FACTS];
    size_t nfacts;
    char text[3][128]; /* where the facts with numbers are written */
    struct pk_sockview *holders;
};

/*
 * Fills *c for port (1-65535) and protos from holders, the view of the sockets on that port
 * (kept by pointer: it must outlive c), the host's policy pol (may be NULL) and the
 * registry: free unless a socket other than TIME-WAIT holds it; facts say when only
 * TIME-WAIT sockets hold it, binding it needs privilege, it is in the ephemeral range or the
 * reserved ports, and which service IANA assigned it to. Returns 0 or PK_EINVAL.
 */
PK_API int pk_port_check_build(struct pk_port_check *c, const struct pk_registry *reg,
                               const struct pk_port_policy *pol, unsigned port, unsigned protos,
                               struct pk_sockview *holders);

/* Writes c as a JSON object (docs/schema/free.json): port, protocols, free, facts, holders. */
PK_API void pk_out_port_check_json(const struct pk_out *o, const struct pk_port_check *c);

/* Appends c as text: "8080/tcp is free", a line per fact, the holders as an indented table.
 * Returns 0 or a pk_table error. */
PK_API int pk_out_port_check_text(const struct pk_out *o, const struct pk_port_check *c);

/* Appends c as an HTML <section class="port-check">. */
PK_API void pk_out_port_check_html(const struct pk_out *o, const struct pk_port_check *c);

PK_END_DECLS

#endif
