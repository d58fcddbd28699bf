/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_H
#define PORTKIT_SCAN_H

/*
 * The TCP connect scanner. pk_scan_run() probes every (host, port) pair of a target list and
 * a port set with non-blocking connect() calls on epoll and hands each result to a callback;
 * it keeps no globals and prints nothing. It runs one event loop per CPU (opts.threads); the
 * callbacks are called from those threads, one call at a time, never concurrently.
 *
 * Timing: timeouts follow the measured round-trip time of each host; only probes that got no
 * answer are sent again; the number of probes in flight grows while answers come back and
 * shrinks only on signs of congestion (round-trip times rising, or loss rising with the send
 * rate), not on the steady random loss of a bad link. The number of sockets in flight never
 * exceeds what RLIMIT_NOFILE allows, and running out of descriptors slows the scan instead of
 * failing it.
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
};

struct pk_scan_opts {
    const struct pk_targets *targets; /* a finished list */
    const struct pk_portset *ports;   /* TCP ports are scanned */

    double rate;           /* probes per second, fixed; 0 lets the scanner decide */
    double max_rate;       /* upper bound on probes per second; 0 for none */
    int retries;           /* probes sent again at most this often; < 0: 6, or 2 per port of
                            * a host that answers under 1% of retransmissions */
    unsigned timeout_ms;   /* fixed probe timeout; 0 for timeouts from round-trip times */
    unsigned max_inflight; /* cap on sockets in flight; 0 for what RLIMIT_NOFILE allows */
    unsigned threads;      /* event loops run in parallel; 0 for one per CPU (up to 4) */

    unsigned shard_k; /* this is share k (1-based) of shard_n; 0/0 for all */
    unsigned shard_n;
    uint64_t seed; /* of the pseudo-random order of (host, port) pairs */

    /* Called once per pair, in scan order. A non-zero return stops the scan. */
    int (*on_result)(const struct pk_scan_result *r, void *arg);
    /* Called about every progress_ms (default 250) with the counters; may be NULL. */
    void (*on_progress)(const struct pk_scan_stats *st, void *arg);
    unsigned progress_ms;
    void *arg;
};

/*
 * Runs the scan described by o and fills *st (when not NULL) at the end. Returns 0, the
 * callback's non-zero value when it stopped the scan, PK_EINVAL for bad options, PK_ENOMEM,
 * or a negative errno when no socket can be made at all.
 */
PK_API int pk_scan_run(const struct pk_scan_opts *o, struct pk_scan_stats *st);

/*
 * Maps a position 0..n-1 to a pseudo-random position 0..n-1, a bijection for each (n, seed).
 * pk_scan_run() visits pair pk_scan_permute(i) for the positions i of its shard.
 */
PK_API uint64_t pk_scan_permute(uint64_t i, uint64_t n, uint64_t seed);

/* Names: "open", "conn-refused"; NULL for a bad value. */
PK_API const char *pk_port_state_name(enum pk_port_state s);
PK_API const char *pk_scan_reason_name(enum pk_scan_reason r);

PK_END_DECLS

#endif
