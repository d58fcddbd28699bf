/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_OWN_INT_H
#define PORTKIT_OWN_INT_H

/*
 * The owner search (sock_owner.c), split in three: the descriptor scan (own_scan.c), the
 * details of the processes found (own_proc.c), and pure parsers of /proc/PID text
 * (own_parse.c), which the fuzz target fuzz_proc_pid calls on arbitrary bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/sockets.h"

/* ---- pure parsers (own_parse.c): bounded, never read past len, no allocation ---- */

/* Parses the name of a /proc entry (a pid) or of a descriptor: decimal digits only, at
 * most 10^9. Returns the number, or -1 (".", "..", "self", anything else). */
int pk__dir_number(const char *name);

/* Parses a descriptor link of n bytes, "socket:[INODE]" (INODE decimal, no sign, fits 64
 * bits). Returns true and sets *inode for a socket; false for anything else. */
bool pk__fd_link_inode(const char *link, size_t n, uint64_t *inode);

/* Finds the "Uid:" line of /proc/PID/status text (len bytes) and sets *euid to its second
 * number (the effective uid). Returns false when the line is missing or malformed. */
bool pk__status_euid(const char *buf, size_t len, uint32_t *euid);

/* Sets pi->unit and pi->container from /proc/PID/cgroup text (len bytes): the unified
 * hierarchy's "0::/path" line, else the named systemd one. Both are "" when none. */
void pk__cgroup_parse(const char *buf, size_t len, struct pk_proc_info *pi);

/* Copies /proc/PID/comm text (len bytes) up to its newline into out (cap bytes, at least
 * 1), NUL-terminated. */
void pk__comm_parse(const char *buf, size_t len, char *out, size_t cap);

/* Joins the NUL-separated arguments of /proc/PID/cmdline text (len bytes) with spaces into
 * out (cap bytes, at least 1), dropping trailing NULs and cutting at cap - 1. Returns the
 * length written. */
size_t pk__cmdline_parse(const char *buf, size_t len, char *out, size_t cap);

/* Parses /proc/PID/stat text (len bytes): the state letter (field 3) and the start time
 * (field 22, clock ticks after boot). The command name in parentheses may hold anything, so
 * fields are counted from its last ')'. Returns false when malformed. */
bool pk__stat_parse(const char *buf, size_t len, char *state, uint64_t *start);

/* ---- the descriptor scan (own_scan.c) ---- */

/* Descriptors lo..hi-1 of a process have all been read. */
struct pk__span {
    int lo, hi;
};

/* One descriptor read on its own (by the bisection or the shared-number check). */
struct pk__probe {
    int fd;
    int kind; /* PK__FD_SOCK, PK__FD_OTHER or PK__FD_NONE */
    uint64_t inode;
};

enum { PK__FD_OTHER = 0, PK__FD_SOCK = 1, PK__FD_NONE = 2 };

/* One process of the search. */
struct pk__proc {
    int pid;
    bool holder;      /* holds a wanted socket (set with atomics during a pass) */
    bool complete;    /* every descriptor has been read */
    bool denied;      /* its descriptors could not be read: permission */
    bool start_known; /* start was read when it was first found holding one */
    uint64_t start;
    long nfds;              /* open descriptors when the kernel says (Linux 6.2+), else -1 */
    long seen;              /* descriptors found so far */
    int split_end;          /* where the blocks of a table split over threads end (pass 2), or 0 */
    struct pk__span *spans; /* sorted, disjoint, merged */
    size_t nspans, capspans;
    struct pk__probe *probes; /* sorted by fd */
    size_t nprobes, capprobes;
};

/* What the scan found. refs[].proc holds the pid (not an index) until sock_owner.c maps
 * it. */
struct pk__scan_result {
    struct pk_owner_ref *refs;
    size_t nrefs;
    size_t fds_read;
};

/*
 * Reads the descriptors of procs[0..nprocs) (their pids filled in, everything else zero)
 * under the directory procfd, looking for the sorted, unique inodes want[0..nwant). Each
 * descriptor is read at most once; unless full, the scan stops when every inode has a
 * holder (then checks the descriptor numbers holders use in the other processes). sized
 * says /proc/PID/fd sizes are descriptor counts. Returns 0 and fills *res (refs malloc'd),
 * or PK_ENOMEM / PK_ENOBUFS; procs[] keep their per-process results either way.
 */
int pk__scan_fds(int procfd, bool sized, bool full, const uint64_t *want, size_t nwant,
                 struct pk__proc *procs, size_t nprocs, struct pk__scan_result *res);

/* Frees the spans and probes of procs[0..n). */
void pk__procs_free(struct pk__proc *procs, size_t n);

/* ---- the processes found (own_proc.c) ---- */

/* Reads the start time of the process whose directory holds the descriptor directory dfd
 * ("../stat"), so that it names the same process as the descriptors read. Returns true and
 * sets *start. */
bool pk__read_start(int dfd, uint64_t *start);

/*
 * Opens /proc/PID (under procfd) and checks that it is still the process the descriptor pass
 * read: alive, not a zombie, and with the same start time when that is known. Then, unless
 * no_details, fills pi (comm, cmdline, uid, user, unit, container) from files of that same
 * directory, with user names from users. Returns 1 when pi is filled, 0 when the process is
 * gone (exited, or its pid now names another process), or PK_ENOMEM.
 */
int pk__proc_details(int procfd, const struct pk__proc *p, bool no_details, struct pk_users *users,
                     struct pk_proc_info *pi);

/* Test hook: called by pk__owners_find() between the descriptor pass and the details. */
typedef void (*pk__owners_hook)(void *arg);

/* pk_owners_find() with a hook run between the two passes (NULL for none). */
int pk__owners_find(const char *procroot, const uint64_t *inodes, size_t n, unsigned flags,
                    pk__owners_hook between, void *arg, struct pk_owners *out);

#endif
