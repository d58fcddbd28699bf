/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_H
#define PORTKIT_SCAN_H

/*
 * The TCP connect scanner. A scan is a job: pk_scan_start() starts it on threads of its own
 * (one event loop per CPU, opts.threads) and returns at once; results wait in a bounded queue
 * that the caller reads with pk_scan_next(), when pk_scan_fd() is readable, in any thread but
 * one at a time. Nothing of the caller runs on the scan's threads or under its locks, so a
 * slow reader cannot stall the probes already out: while the queue is full no new pair is
 * started, but answers and timeouts are still handled, so waiting readers never turn into
 * false retransmissions. pk_scan_run() is the same in one call, with callbacks. The library
 * keeps no globals and prints nothing.
 *
 * Timing: timeouts follow the measured round-trip time of each host; only probes that got no
 * answer are sent again; the number of probes in flight grows while answers come back and
 * shrinks only on signs of congestion (round-trip times rising, or loss rising with the send
 * rate), not on the steady random loss of a bad link.
 *
 * Descriptors: every socket a job holds comes from a descriptor budget (struct
 * pk_fd_budget). Jobs that share one budget share its descriptors (each may hold the total
 * divided by the jobs running), so that two scans in one process never claim more than the
 * process has; a job given no budget makes its own from RLIMIT_NOFILE. Running out of
 * descriptors slows a scan instead of failing it.
 *
 * Signals: a job's threads block every signal, so that the caller's handlers run in the
 * caller's threads; pk_scan_cancel() may be called from such a handler.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/portset.h"
#include "portkit/target.h"
#include "portkit/common.h"

PK_BEGIN_DECLS

enum pk_port_state {
    PK_PORT_OPEN = 0,
    PK_PORT_CLOSED = 1,
    PK_PORT_FILTERED = 2,
};
#define PK_PORT_NSTATES 3

/* Why a port is in its state, named as nmap names them (pk_scan_reason_name()). */
enum pk_scan_reason {
    PK_REASON_SYN_ACK = 0,      /* open: the connection was accepted */
    PK_REASON_CONN_REFUSED,     /* closed: reset */
    PK_REASON_NO_RESPONSE,      /* filtered: no answer to any probe */
    PK_REASON_HOST_UNREACH,     /* filtered: ICMP host unreachable (or no ARP answer) */
    PK_REASON_NET_UNREACH,      /* filtered: ICMP network unreachable */
    PK_REASON_ADMIN_PROHIBITED, /* filtered: ICMP administratively prohibited */
    PK_REASON_ERROR,            /* filtered: another local error (errno in the result) */
};
#define PK_REASON_COUNT 7

/* One result: the state of one port of one host. */
struct pk_scan_result {
    uint64_t host; /* index in the target list */
    const struct pk_target *target;
    unsigned port;
    unsigned proto; /* PK_TCP */
    enum pk_port_state state;
    enum pk_scan_reason reason;
    unsigned attempts; /* probes sent for this port */
    uint32_t rtt_us;   /* round-trip time of the answer; 0 when none */
    int err;           /* the errno behind PK_REASON_ERROR, else 0 */
};

/* Counters, as of the moment they are read. */
struct pk_scan_stats {
    uint64_t total;       /* pairs in this scan (this shard's share) */
    uint64_t done;        /* pairs with a result */
    uint64_t probes;      /* connect() calls made */
    uint64_t retransmits; /* probes sent again after no answer */
    uint64_t answered;    /* pairs that got an answer (open or closed) */
    uint64_t lost;        /* answered pairs whose earlier probes went unanswered */
    uint64_t states[PK_PORT_NSTATES];
    double loss;           /* estimated probe loss: lost / answered */
    double elapsed;        /* seconds since the start */
    double rate;           /* probes per second over the last moments */
    unsigned window;       /* probes allowed in flight now */
    unsigned max_inflight; /* sockets the descriptor limit allows */
    uint32_t srtt_us;      /* smoothed round-trip time over all hosts */
    bool cancelled;        /* pk_scan_cancel() stopped the job before every pair was done */
};

/*
 * A descriptor budget: at most total descriptors for the sockets (and event loops) of the
 * jobs that use it. Thread-safe; it must outlive those jobs.
 */
struct pk_fd_budget;

/* Room left for the caller's own files when a budget is sized from RLIMIT_NOFILE. */
#define PK_FD_BUDGET_RESERVE 64u

/*
 * Makes a budget of total descriptors in *out; total 0 takes the soft RLIMIT_NOFILE less
 * PK_FD_BUDGET_RESERVE (at most 65536 + the reserve). Free it with pk_fd_budget_free().
 * Returns 0 or PK_ENOMEM.
 */
PK_API int pk_fd_budget_new(unsigned total, struct pk_fd_budget **out);

/* Frees b, which no running job may use any more. NULL is fine. */
PK_API void pk_fd_budget_free(struct pk_fd_budget *b);

/* Returns the descriptors b allows, and those its jobs hold now. */
PK_API unsigned pk_fd_budget_total(const struct pk_fd_budget *b);
PK_API unsigned pk_fd_budget_used(const struct pk_fd_budget *b);

struct pk_scan_opts {
    const struct pk_targets *targets; /* a finished list */
    const struct pk_portset *ports;   /* TCP ports are scanned */

    double rate;             /* probes per second, fixed; 0 lets the scanner decide */
    double max_rate;         /* upper bound on probes per second; 0 for none */
    int retries;             /* probes sent again at most this often; < 0: 6, or 2 per port of
                              * a host that answers under 1% of retransmissions */
    unsigned timeout_ms;     /* fixed probe timeout; 0 for timeouts from round-trip times */
    unsigned max_timeout_ms; /* cap on the timeouts from round-trip times (and on the first
                              * one, sent before any is known: 1 s); 0 for 3 s */
    unsigned max_inflight;   /* cap on probes in flight; 0 for what the budget allows */
    unsigned threads;        /* event loops run in parallel; 0 for one per CPU (up to 4) */
    struct pk_fd_budget *fd_budget; /* shared with other jobs; NULL: one from RLIMIT_NOFILE */

    unsigned shard_k; /* this is share k (1-based) of shard_n; 0/0 for all */
    unsigned shard_n;
    uint64_t seed; /* of the pseudo-random order of (host, port) pairs */

    /* pk_scan_run() only: called once per pair, in the caller's thread, in the order the
     * results come. A non-zero return stops the scan. */
    int (*on_result)(const struct pk_scan_result *r, void *arg);
    /* pk_scan_run() only: called about every progress_ms (default 250) with the counters;
     * may be NULL. */
    void (*on_progress)(const struct pk_scan_stats *st, void *arg);
    unsigned progress_ms;
    void *arg;
};

struct pk_scan_job;

/* What pk_scan_next() returns besides errors. */
#define PK_SCAN_AGAIN 0  /* no result waiting now: wait for pk_scan_fd() to be readable */
#define PK_SCAN_RESULT 1 /* *r holds a result */
#define PK_SCAN_END 2    /* the job has ended and every result has been read */

/*
 * Starts the scan described by o (o->targets and o->ports must outlive the job) and puts
 * the job in *out. Returns 0, PK_EINVAL for bad options, PK_ENOMEM, or a negative errno
 * when the scan cannot start (no descriptors for its event loops: -EMFILE). Free the job
 * with pk_scan_free().
 */
PK_API int pk_scan_start(const struct pk_scan_opts *o, struct pk_scan_job **out);

/*
 * Returns a descriptor of the job that polls readable while results are waiting or the job
 * has ended (level-triggered: it stays readable until pk_scan_next() has taken them all).
 * The job owns it; do not read or close it.
 */
PK_API int pk_scan_fd(const struct pk_scan_job *j);

/*
 * Takes the next result, without waiting. Returns PK_SCAN_RESULT with *r filled (r->target
 * stays valid until the next call), PK_SCAN_AGAIN, or PK_SCAN_END. After pk_scan_cancel()
 * it still returns the results produced until then, then PK_SCAN_END.
 */
PK_API int pk_scan_next(struct pk_scan_job *j, struct pk_scan_result *r);

/*
 * Waits up to timeout_ms (< 0: without limit) for pk_scan_fd() to become readable. Returns
 * 1 when it is, 0 on timeout, or -errno (EINTR when a signal came).
 */
PK_API int pk_scan_wait(const struct pk_scan_job *j, int timeout_ms);

/*
 * Stops the job soon: no new probe starts and the threads end at once, giving up the probes
 * in flight. Safe from any thread and from a signal handler. Results already produced stay
 * readable.
 */
PK_API void pk_scan_cancel(struct pk_scan_job *j);

/*
 * Fills *st with the job's counters: as of the last moments while it runs, final once it has
 * ended (st->done pairs have a result; st->cancelled says whether it was stopped). Returns 1
 * while the job runs, 0 when it has ended, or the negative pk_errno it failed with.
 */
PK_API int pk_scan_stats(const struct pk_scan_job *j, struct pk_scan_stats *st);

/* Cancels the job if it still runs, waits for its threads and frees it. NULL is fine. */
PK_API void pk_scan_free(struct pk_scan_job *j);

/*
 * Runs the scan described by o in one call: starts a job and reads it in the caller's thread,
 * calling o->on_result for each result and o->on_progress now and then (never under a lock
 * of the scan). Fills *st (when not NULL) at the end. Returns 0, the callback's non-zero
 * value when it stopped the scan, PK_EINVAL for bad options, PK_ENOMEM, or a negative errno
 * when no socket can be made at all.
 */
PK_API int pk_scan_run(const struct pk_scan_opts *o, struct pk_scan_stats *st);

/*
 * Host reports: the results of a scan added up per host, as a report lists them (nmap's
 * "Not shown: 65530 closed tcp ports"). Every open port is listed (up to open_max); closed
 * and filtered ones are listed while a host has at most list_max of that state and counted
 * otherwise. Memory per host is bounded by open_max + 2 * list_max ports, and a host that
 * has been reported can be released. Not thread-safe: feed it from the one thread that reads
 * the job.
 */
struct pk_scan_agg;

/* A port listed on its own. */
struct pk_scan_port {
    unsigned port;
    enum pk_port_state state;
    enum pk_scan_reason reason;
};

/* What the results of one host add up to. */
struct pk_scan_host {
    uint64_t count[PK_PORT_NSTATES];  /* ports with a result, by state */
    const struct pk_scan_port *ports; /* listed ports, by number */
    size_t nports;
    uint64_t extra[PK_PORT_NSTATES]; /* ports not listed, by state, and why */
    uint64_t extra_reason[PK_PORT_NSTATES][PK_REASON_COUNT];
    uint32_t srtt_us, rttvar_us, to_us; /* round-trip times of its answers; 0 when none */
};

struct pk_scan_agg_opts {
    unsigned list_max; /* closed or filtered ports listed per host; 0 for 25 */
    unsigned open_max; /* open ports listed per host; 0 for all */
    bool open_only;    /* list open ports only (the others are counted) */
    uint64_t per_host; /* results each host gets in this scan (its ports, when the scan is
                        * not sharded); 0 when not known: hosts are complete at the end */
};

/* What pk_scan_agg_add() returns when a result was its host's last (per_host reached). */
#define PK_SCAN_HOST_DONE 1

/*
 * Makes an aggregate for the nhosts hosts of a target list in *out (o may be NULL for the
 * defaults). Free it with pk_scan_agg_free(). Returns 0 or PK_ENOMEM.
 */
PK_API int pk_scan_agg_new(uint64_t nhosts, const struct pk_scan_agg_opts *o,
                           struct pk_scan_agg **out);

/* Frees a. NULL is fine. */
PK_API void pk_scan_agg_free(struct pk_scan_agg *a);

/*
 * Adds result r. Returns 0, PK_SCAN_HOST_DONE when r completes its host (the options'
 * per_host results), PK_ENOENT for a host outside the list or released, or PK_ENOMEM.
 */
PK_API int pk_scan_agg_add(struct pk_scan_agg *a, const struct pk_scan_result *r);

/*
 * Fills *h with what host's results add up to (all zero for a host without any); h->ports
 * stays valid until the next call on a. Returns 0, PK_ENOENT for a host outside the list
 * or released, or PK_ENOMEM.
 */
PK_API int pk_scan_agg_host(struct pk_scan_agg *a, uint64_t host, struct pk_scan_host *h);

/*
 * Releases what a holds for host, once its report is written: memory stays bounded by the
 * hosts in progress. The host's later results and pk_scan_agg_host() give PK_ENOENT.
 */
PK_API void pk_scan_agg_release(struct pk_scan_agg *a, uint64_t host);

/* Returns true when host has been released. */
PK_API bool pk_scan_agg_released(const struct pk_scan_agg *a, uint64_t host);

/*
 * Maps a position 0..n-1 to a pseudo-random position 0..n-1, a bijection for each (n, seed).
 * A scan visits pair pk_scan_permute(i) for the positions i of its shard.
 */
PK_API uint64_t pk_scan_permute(uint64_t i, uint64_t n, uint64_t seed);

/* Names: "open", "conn-refused"; NULL for a bad value. */
PK_API const char *pk_port_state_name(enum pk_port_state s);
PK_API const char *pk_scan_reason_name(enum pk_scan_reason r);

PK_END_DECLS

#endif
