/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_SCHEDULER_H
#define PORTKIT_SCAN_SCHEDULER_H

/*
 * The scheduler of one scan thread: which pair to probe next (a share of the pseudo-random
 * order), the window of probes in flight, the retry ring, per-host round-trip times and the
 * rate control (ratectl.c). Probes go through a backend (probe.h); results go to the job's
 * queue (job.h) in batches.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ev.h"
#include "job.h"
#include "probe.h"

#define PK__NPHASE 8u /* rate-control phases kept until all their probes have an outcome */
#define PK__BATCH 256u

struct pk__slot {
    struct pk__ev_timer timer; /* the probe's timeout */
    uint64_t pair, sent_us;
    uint32_t phase; /* of rate control, when it was sent */
    unsigned attempt;
    bool busy;
};

struct pk__hoststate {
    uint32_t srtt_us, rttvar_us; /* srtt 0: no sample yet */
    uint32_t retx, retx_answered, answered;
};

/*
 * A phase of rate control: the probes sent in it and what became of them. Outcomes are
 * counted by the phase a probe was sent in, so a phase is judged by its own send rate.
 */
enum pk__phase_kind { PK__PH_NORMAL, PK__PH_TEST, PK__PH_IGNORE };
struct pk__phase {
    uint64_t start_us, end_us;
    uint64_t sent, pending, answers, timeouts, rtt_sum;
    enum pk__phase_kind kind;
};

struct pk__retry {
    uint64_t pair;
    unsigned attempt;
};

struct pk__sched {
    struct pk_scan_job *job;
    const struct pk_scan_opts *o;
    const struct pk__probe_ops *ops;
    void *bstate;
    struct pk__ev *ev;
    unsigned tid;
    uint64_t step, next_i, npairs; /* this thread's positions: next_i, next_i + step, ... */
    const uint16_t *ports;
    size_t nports;
    struct pk__slot *slots;
    uint32_t nslots, *freeslots, nfree;
    struct pk__retry *rq; /* ring of probes to send again */
    size_t rqcap, rqhead, rqlen;
    struct pk__hoststate *hs;
    size_t nhs;
    unsigned inflight, retries;
    double window, ssthresh;
    int rc; /* the first error a callback met */

    /* Descriptors: fdcap is what the kernel turned out to allow, fd_target this thread's
     * share of the budget; fd_claimed of it are taken from the budget, fd_open are open. */
    unsigned fdcap, fd_target, fd_claimed, fd_open;
    bool fd_starved, fd_over;
    uint64_t fd_retry_us; /* when to ask the budget again after it said no */

    /* Results not yet handed to the job, and credits: room reserved in the job's queue. */
    struct pk__qitem batch[PK__BATCH];
    unsigned nbatch;
    unsigned credits;
    bool credit_starved;

    struct pk_scan_stats st;
    uint64_t start_us, next_send_us;
    uint32_t gsrtt_us, gsrttvar_us; /* over all hosts */

    /* rate control (ratectl.c) */
    struct pk__phase ph[PK__NPHASE];
    uint32_t cur_phase, eval_phase; /* the phase sending now; the oldest not judged yet */
    uint32_t base_rtt_us;
    double accept_loss; /* the loss rate found not to depend on the send rate */
    double pace;        /* probes per second the controller allows; 0 for no limit */
    double user_rate, user_max_rate;
    bool testing;                /* the rate was cut to see whether loss falls with it */
    double test_loss, test_pace; /* loss before a cut, and the pace to go back to */
    uint64_t rate_t0_us, rate_p0;

    pthread_t thread;
};

/* Returns the timing state of host (hosts share one past a maximum). */
struct pk__hoststate *pk__sched_host(struct pk__sched *s, uint64_t host);

/* Folds a round-trip sample into an srtt/rttvar pair (RFC 6298 gains). */
void pk__rtt_update(uint32_t *srtt, uint32_t *rttvar, uint32_t sample);

/* Returns the timeout in microseconds for a probe to host after attempt earlier tries. */
uint64_t pk__probe_timeout(struct pk__sched *s, uint64_t host, unsigned attempt);

/* Returns the probes per second this thread may send now; 0 for no limit. */
double pk__rate_allowed(const struct pk__sched *s);

/* Counts a probe sent now in the current phase (undone by pk__rate_unsent()). */
void pk__rate_sent(struct pk__sched *s, struct pk__slot *sl);
void pk__rate_unsent(struct pk__sched *s);

/* Counts the outcome of a probe sent in phase id: answered (rtt) or timed out. */
void pk__rate_outcome(struct pk__sched *s, uint32_t id, bool answer, uint32_t rtt);

/* Rotates phases and judges those whose probes all have an outcome. */
void pk__rate_control(struct pk__sched *s, uint64_t now);

/*
 * Sets up thread tid's scheduler on job j with backend ops and nslots slots. Returns 0,
 * PK_ENOMEM or -errno; pk__sched_free() is safe after a failure.
 */
int pk__sched_init(struct pk__sched *s, struct pk_scan_job *j, unsigned tid, uint32_t nslots);

/* Frees what pk__sched_init() made; closes only descriptors it opened. */
void pk__sched_free(struct pk__sched *s);

/* Runs the scan loop of s until its share is done, or the job stops. Returns 0 or a pk_errno. */
int pk__sched_run(struct pk__sched *s);

/* Brings the counters of s up to date. */
void pk__sched_stats(struct pk__sched *s, uint64_t now);

#endif
