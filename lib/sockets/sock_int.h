/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SOCK_INT_H
#define PORTKIT_SOCK_INT_H

/*
 * Shared by lib/sockets.c and the two socket sources, lib/sock_diag.c (netlink) and
 * lib/sock_proc.c (/proc/net text), and by the fuzz target of the latter.
 */
#include <stddef.h>
#include <sys/types.h>

#include "portkit/sockets.h"

/* The query with its defaults filled in: every field explicit. */
struct pk__sockq {
    unsigned protos;
    unsigned families;
    uint32_t tcp_states;
    uint32_t udp_states;
    int port;
    const char *procroot;
    size_t max;
};

/* Appends s to l. Returns 0, PK_ENOBUFS when l holds max already, or PK_ENOMEM. */
int pk__sock_push(struct pk_sock_list *l, size_t max, const struct pk_sock *s);

/* True when s passes the state and port filters of q. */
bool pk__sock_wanted(const struct pk__sockq *q, const struct pk_sock *s);

/* Appends q's sockets from NETLINK_SOCK_DIAG to out. Returns 0 or a negative pk_errno;
 * -EPERM, -EACCES, -EPROTONOSUPPORT etc. mean netlink is refused here. */
int pk__sock_diag(const struct pk__sockq *q, struct pk_sock_list *out);

/* Appends q's sockets from procroot/net/{tcp,tcp6,udp,udp6} to out. Returns 0 or a
 * negative pk_errno (PK_ENOENT when none of the wanted files exists). */
int pk__sock_proc(const struct pk__sockq *q, struct pk_sock_list *out);

/* Converts one inet_diag message of len bytes (from its netlink header on; nlmsg_len must
 * fit in len) to *s, walking its attributes for INET_DIAG_SKV6ONLY. Returns false when it is
 * too short or of another family than AF_INET and AF_INET6. */
bool pk__diag_decode(const void *msg, size_t len, unsigned proto, struct pk_sock *s);

/*
 * Walks one netlink reply buffer of len bytes (4-byte aligned) for request seq, appending
 * the sockets q wants (protocol proto) to out; messages of other requests are skipped.
 * Returns 0 when more is to come, 1 at NLMSG_DONE, the kernel's error (negative) from
 * NLMSG_ERROR, PK_EBADMSG for a malformed message, or PK_ENOBUFS / PK_ENOMEM.
 */
int pk__diag_reply(const void *buf, size_t len, uint32_t seq, unsigned proto,
                   const struct pk__sockq *q, struct pk_sock_list *out);

/* Reads up to len bytes into buf: a read() of a file, or of a test's data. Returns the
 * count, 0 at the end, or -errno. */
typedef ssize_t (*pk__read_fn)(void *ctx, char *buf, size_t len);

/* The size of a /proc/net line the parser accepts, and so the least chunk size. */
#define PK__PROC_LINE_MAX 1024

/*
 * Reads /proc/net/{tcp,udp}{,6} text through rd, chunk bytes at a time into buf (chunk at
 * least PK__PROC_LINE_MAX + 1), and parses whole lines as they come (pk__sock_proc_parse());
 * a line longer than a chunk is skipped. Returns 0, rd's error, PK_EINVAL for a chunk too
 * small, PK_ENOBUFS or PK_ENOMEM.
 */
int pk__sock_proc_read(pk__read_fn rd, void *ctx, char *buf, size_t chunk, unsigned proto,
                       unsigned family, const struct pk__sockq *q, struct pk_sock_list *out);

/*
 * Parses len bytes of /proc/net/{tcp,udp}{,6} text (proto PK_TCP or PK_UDP, family 4 or 6)
 * and appends the lines q wants to out. A final line without a newline is parsed too;
 * malformed lines are skipped. Returns 0, PK_ENOBUFS or PK_ENOMEM.
 */
int pk__sock_proc_parse(const char *data, size_t len, unsigned proto, unsigned family,
                        const struct pk__sockq *q, struct pk_sock_list *out);

#endif
