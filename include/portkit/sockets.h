/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SOCKETS_H
#define PORTKIT_SOCKETS_H

/*
 * Local sockets: the TCP and UDP sockets of this host's (or another) network namespace, from
 * NETLINK_SOCK_DIAG with a fallback to /proc/net/{tcp,tcp6,udp,udp6}, and the processes that
 * hold them, from /proc/PID/fd. Nothing here prints or exits. The caller owns every list
 * handed out and frees it with the function named beside it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "portkit/common.h"
#include "portkit/policy.h"
#include "portkit/portset.h"

PK_BEGIN_DECLS

/* Socket states: the kernel's TCP numbering. A UDP socket is ESTABLISHED when connected and
 * CLOSE when only bound ("UNCONN"). */
enum pk_sock_state {
    PK_SS_ESTABLISHED = 1,
    PK_SS_SYN_SENT = 2,
    PK_SS_SYN_RECV = 3,
    PK_SS_FIN_WAIT1 = 4,
    PK_SS_FIN_WAIT2 = 5,
    PK_SS_TIME_WAIT = 6,
    PK_SS_CLOSE = 7,
    PK_SS_CLOSE_WAIT = 8,
    PK_SS_LAST_ACK = 9,
    PK_SS_LISTEN = 10,
    PK_SS_CLOSING = 11,
    PK_SS_NEW_SYN_RECV = 12,
};
#define PK_SS_BIT(s) (1u << (s))
#define PK_SS_ALL 0x1ffeu /* every state 1..12 */

/* Address families, as bits so that a set fits one value. */
#define PK_FAM_4 1u
#define PK_FAM_6 2u

/* Query flags. */
#define PK_SOCKQ_NO_NETLINK 0x01u /* read /proc/net only (tests, or when netlink misbehaves) */
#define PK_SOCKQ_NO_PROC 0x02u    /* netlink only: fail instead of falling back */

/* What to list. Zero fields mean "all". */
struct pk_sock_query {
    unsigned protos;      /* PK_TCP | PK_UDP; 0 means both */
    unsigned families;    /* PK_FAM_4 | PK_FAM_6; 0 means both */
    uint32_t tcp_states;  /* set of PK_SS_BIT(state) for TCP; 0 means PK_SS_ALL */
    uint32_t udp_states;  /* the same for UDP */
    int port;             /* local port to match; 0 or -1: every port (none uses port 0) */
    const char *procroot; /* "/proc" when NULL; used by the /proc/net fallback */
    unsigned flags;       /* PK_SOCKQ_* */
    size_t max;           /* most sockets to return; 0 means PK_SOCK_MAX_DEFAULT */
};
#define PK_SOCK_MAX_DEFAULT (1u << 22)

/* Where a list came from. */
enum pk_sock_source {
    PK_SOCK_SRC_NETLINK = 1,
    PK_SOCK_SRC_PROC = 2,
};

/* One socket. Addresses are in network byte order; an IPv4 address fills the first 4 bytes. */
struct pk_sock {
    unsigned proto; /* PK_TCP or PK_UDP */
    uint8_t family; /* 4 or 6 */
    uint8_t state;  /* enum pk_sock_state */
    int8_t v6only;  /* IPV6_V6ONLY: 1, 0, or -1 when unknown (IPv4, or read from /proc) */
    uint8_t local[16];
    uint8_t remote[16];
    uint16_t local_port;
    uint16_t remote_port;
    uint32_t uid;     /* the socket's owner as the kernel records it */
    uint32_t ifindex; /* bound device, 0 when none */
    uint64_t inode;   /* 0 when no file holds the socket (TIME-WAIT, orphans, requests) */
    uint64_t cookie;  /* the kernel's socket cookie; 0 from /proc */
    uint32_t rqueue;
    uint32_t wqueue;
};

struct pk_sock_list {
    struct pk_sock *socks;
    size_t n;
    size_t cap;
    enum pk_sock_source source;
    int netlink_err; /* why netlink was not used, when source is PK_SOCK_SRC_PROC; else 0 */
};

/*
 * Lists the sockets q asks for, in the current network namespace. Netlink is asked only for
 * the states and the port wanted; when it is refused the /proc/net files are read instead.
 * Returns 0 and fills *out (free it with pk_sock_list_free()), or a negative pk_errno:
 * PK_EINVAL for a bad query, PK_ENOBUFS past q->max sockets, PK_ENOMEM, PK_ENOENT/-errno
 * when neither source can be read.
 */
PK_API int pk_sock_list(const struct pk_sock_query *q, struct pk_sock_list *out);

/* Frees the sockets of l and leaves it empty. */
PK_API void pk_sock_list_free(struct pk_sock_list *l);

/* Appends a copy of *s to l (for callers that filter a list into another). Returns 0,
 * PK_ENOBUFS past PK_SOCK_MAX_DEFAULT sockets, or PK_ENOMEM. */
PK_API int pk_sock_list_push(struct pk_sock_list *l, const struct pk_sock *s);

/* Returns the state's name as ss writes it ("LISTEN", "ESTAB", "TIME-WAIT"; "UNCONN" for an
 * unconnected UDP socket), or "UNKNOWN". */
PK_API const char *pk_sock_state_name(unsigned proto, unsigned state);

/*
 * Writes the local (remote when remote is set) address of s to buf: "127.0.0.1",
 * "::1", "::ffff:10.0.0.1". buf needs 46 bytes. Returns buf.
 */
PK_API const char *pk_sock_addr_str(const struct pk_sock *s, bool remote, char *buf, size_t len);

/* True when the local address of s is the wildcard (0.0.0.0 or ::). */
PK_API bool pk_sock_is_wildcard(const struct pk_sock *s);

/* True when the local address of s is a loopback address (127/8, ::1, ::ffff:127/104). */
PK_API bool pk_sock_is_loopback(const struct pk_sock *s);

/* True when s is an IPv6 wildcard socket that also serves IPv4 (IPV6_V6ONLY off). */
PK_API bool pk_sock_is_dual_stack(const struct pk_sock *s);

/*
 * Moves the calling thread into another network namespace: spec is a name under /run/netns,
 * or a process id (its /proc/PID/ns/net under procroot). Returns 0, PK_EINVAL for a
 * malformed spec, PK_ENOENT when no such namespace exists, or -errno from open/setns
 * (PK_EPERM without CAP_SYS_ADMIN).
 */
PK_API int pk_netns_enter(const char *spec, const char *procroot);

/* User names of uids, each looked up once (the passwd lookup may be remote), at most
 * PK_USERS_MAX of them. A zeroed struct is an empty cache. */
struct pk_user_name {
    uint32_t uid;
    char name[64]; /* the user name, or the uid in decimal when there is none */
};
struct pk_users {
    struct pk_user_name *v; /* sorted by uid */
    size_t n, cap;
    char spill[64]; /* the answer for a uid past the cap */
};
#define PK_USERS_MAX 4096

/* Returns the user name of uid (the uid in decimal when it has none), looking it up only
 * the first time. The string is valid until the next call on u or pk_users_free(). */
PK_API const char *pk_users_name(struct pk_users *u, uint32_t uid);

/* Frees the cache u and leaves it empty. */
PK_API void pk_users_free(struct pk_users *u);

/* One process holding sockets. Strings are NUL-terminated and unescaped: they are
 * untrusted (a process names itself). */
struct pk_proc_info {
    int pid;
    uint32_t uid;
    bool uid_known;
    char comm[32];      /* from /proc/PID/comm; "" when unreadable */
    char *cmdline;      /* arguments joined by spaces; "" when none (kernel thread, zombie) */
    char user[64];      /* user name, or the uid in decimal when there is none */
    char unit[128];     /* systemd unit named by the cgroup ("nginx.service"), or "" */
    char container[72]; /* container id named by the cgroup (docker, podman, ...), or "" */
};

/* One holder of one socket: proc indexes pk_owners.procs. */
struct pk_owner_ref {
    uint64_t inode;
    uint32_t proc;
    int fd;
};

/* Owner search flags. */
#define PK_OWN_FULL 0x01u       /* read every descriptor of every process; never stop early */
#define PK_OWN_NO_DETAILS 0x02u /* pids only: skip comm, cmdline, user and cgroup */

struct pk_owners {
    struct pk_proc_info *procs; /* in pid order */
    size_t nprocs;
    struct pk_owner_ref *refs; /* sorted by inode, then pid */
    size_t nrefs;
    size_t procs_scanned;  /* processes whose descriptors were read, for diagnostics */
    size_t fds_read;       /* descriptor links read: each at most once */
    size_t procs_denied;   /* processes whose descriptors could not be read (not root) */
    size_t procs_gone;     /* holders that exited (or whose pid was reused) before their
                              details were read: not listed */
    bool procs_hidden;     /* /proc hides other users' processes (mounted with hidepid) */
    struct pk_users users; /* the names of procs[].user; use it for sockets' uids too */
};

/*
 * Finds the processes holding the sockets with the n inodes given, under procroot ("/proc"
 * when NULL). Reads descriptors with low numbers first in every process (where long-lived
 * sockets live), then the rest, starting with processes already found holding one, and stops
 * once every inode has a holder; processes forked from a holder are still found, by checking
 * the descriptor numbers the holders use. No descriptor is read twice. A holder is listed
 * only when, after the search, /proc/PID still names the same process (same start time):
 * one that exited meanwhile is counted in procs_gone instead. Returns 0 and fills *out (free
 * it with pk_owners_free()), or PK_ENOMEM, PK_ENOBUFS, or -errno when procroot can't be read.
 */
PK_API int pk_owners_find(const char *procroot, const uint64_t *inodes, size_t n, unsigned flags,
                          struct pk_owners *out);

/* Frees o and leaves it empty. */
PK_API void pk_owners_free(struct pk_owners *o);

/* Returns how many processes hold inode, with *first set to the index of the first of their
 * consecutive refs in o->refs. */
PK_API size_t pk_owners_of(const struct pk_owners *o, uint64_t inode, size_t *first);

/* Why a socket has, or has not, holders. */
enum pk_owner_status {
    PK_OWNER_HELD = 1, /* processes hold it: pk_owners_of() lists them */
    PK_OWNER_NO_FILE,  /* no file holds it (inode 0): TIME-WAIT, orphaned, not accepted yet */
    PK_OWNER_DENIED,   /* none found, and a process that may hold it could not be read:
                          permission (not root, or /proc mounted with hidepid) */
    PK_OWNER_NOT_HERE, /* every process that may hold it was read and none does: it is held
                          outside this PID namespace, or by the kernel */
};

/*
 * Says why s (from a list whose inodes o was searched for) has holders or not. A socket
 * without holders is DENIED when the search could not read every process (procs_denied or
 * procs_hidden): any of those may hold it, whoever the socket's user is (sockets are passed
 * between processes, and daemons change user), so only root can tell. Else NOT_HERE.
 */
PK_API enum pk_owner_status pk_owners_status(const struct pk_owners *o, const struct pk_sock *s);

/* True for a socket that waits for others: a TCP listener or an unconnected (bound) UDP
 * socket. */
PK_API bool pk_sock_is_listener(const struct pk_sock *s);

/*
 * Groups the listeners of l that share protocol, family, local address and port (an
 * SO_REUSEPORT group, or a lone socket), in O(n log n). For every socket i, sets size[i] to
 * the number of sockets of its group (0 for a socket that is no listener) and, when id is
 * not NULL, id[i] to the index in l of the group's first socket (i itself when alone or no
 * listener). Returns 0, or PK_ENOMEM (then size and id are unchanged).
 */
PK_API int pk_sock_groups(const struct pk_sock_list *l, uint32_t *size, uint32_t *id);

/* Adds the local port of every listener of l to *set, by protocol (set is not cleared). */
PK_API void pk_sock_listening(const struct pk_sock_list *l, struct pk_portset *set);

/* The two ends of a socket. */
enum pk_sock_end {
    PK_END_LOCAL = 0,
    PK_END_REMOTE = 1,
};

/*
 * Says which end of s is the service end: the one whose port says what the connection is
 * for. A listener's is its local end. For a connected socket the first rule that tells the
 * ends apart decides:
 *  1. a port with a listener of this host (listening, from pk_sock_listening(); may be
 *     NULL), the local end first: that end accepted the connection. (The kernel never
 *     hands out an explicitly bound port as an ephemeral one, so a client's port is not
 *     mistaken for a listener's.)
 *  2. a port outside the ephemeral range (pol's ip_local_port_range; IANA's dynamic range
 *     49152-65535 when pol is NULL or does not say) when the other end's is inside it:
 *     the inside one was picked by the kernel for a client;
 *  3. the lower port (the local end when both are equal).
 * Returns the end; its port is s->local_port or s->remote_port.
 */
PK_API enum pk_sock_end pk_sock_service_end(const struct pk_sock *s,
                                            const struct pk_portset *listening,
                                            const struct pk_port_policy *pol);

PK_END_DECLS

#endif
