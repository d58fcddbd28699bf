/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_JOB_H
#define PORTKIT_SCAN_JOB_H

/*
 * A scan job: its scheduler threads, the bounded queue their results go to, and the
 * descriptor budget it draws from. The queue never fills: a scheduler takes a credit (a place
 * in the queue) before it starts a new pair and the consumer gives it back when it reads the
 * result, so queued results plus pairs in flight never exceed the queue's size. A slow
 * consumer therefore stops new pairs from starting, never the answers and timeouts of the
 * probes already out.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "portkit/scan.h"

struct pk__sched;

/* One result in the queue. */
struct pk__qitem {
    uint64_t host;
    uint32_t rtt_us;
    int32_t err;
    uint16_t port, attempts;
    uint8_t state, reason;
};

struct pk_scan_job {
    struct pk_scan_opts o; /* a copy; targets and ports are the caller's */
    uint16_t *ports;
    size_t nports;
    uint64_t npairs;
    const struct pk__probe_ops *ops;
    struct pk__sched *scheds;
    unsigned nthreads, started;

    struct pk_fd_budget *budget;
    bool own_budget, joined;
    unsigned overhead; /* descriptors of the job itself, taken from the budget */

    pthread_mutex_t qmu;
    struct pk__qitem *q; /* ring of qcap */
    size_t qcap, qhead, qlen;
    bool signalled; /* efd is readable */
    bool ended;     /* every thread has finished and flushed */
    unsigned running;
    int efd;

    int64_t credits; /* free places in the queue not yet reserved (atomic) */
    int starved;     /* a scheduler waits for credits (atomic) */
    int cancel;      /* pk_scan_cancel() was called (atomic) */
    int err;         /* the first error of a thread (atomic) */

    pthread_mutex_t smu;
    struct pk_scan_stats *snap; /* each thread's counters, as last published */
    uint64_t start_us;
    struct pk_target cur; /* the target of the result pk_scan_next() returned last */
};

/* Returns true when the job's threads should stop: cancelled or failed. */
bool pk__job_stopping(const struct pk_scan_job *j);

/* Records the first failure of a thread and stops the others. */
void pk__job_fail(struct pk_scan_job *j, int rc);

/* Moves n results into the queue (room for them was reserved with credits). */
void pk__job_push(struct pk_scan_job *j, const struct pk__qitem *items, unsigned n);

/*
 * Takes up to want credits. Returns how many it took; 0 means the queue is spoken for, and
 * the caller (having marked itself waiting) is woken when the consumer frees some.
 */
unsigned pk__job_credits(struct pk_scan_job *j, unsigned want);

/* Gives back n credits a thread took but did not use. */
void pk__job_uncredit(struct pk_scan_job *j, unsigned n);

/* Publishes thread tid's counters for pk_scan_stats(). */
void pk__job_publish(struct pk_scan_job *j, unsigned tid, const struct pk_scan_stats *st);

/* Adds the counters of n threads up into *out. */
void pk__stats_merge(const struct pk_scan_stats *snap, unsigned n, struct pk_scan_stats *out);

/* --- the descriptor budget (fdbudget.c) --- */

/* Registers a job with b (its share of b shrinks as jobs join). */
void pk__fd_budget_join(struct pk_fd_budget *b);
void pk__fd_budget_leave(struct pk_fd_budget *b);

/* Returns what one job may hold now: the total shared among the jobs. */
unsigned pk__fd_budget_share(const struct pk_fd_budget *b);

/* Takes up to n descriptors from b. Returns how many it got. */
unsigned pk__fd_budget_claim(struct pk_fd_budget *b, unsigned n);

/* Gives n descriptors back to b. */
void pk__fd_budget_release(struct pk_fd_budget *b, unsigned n);

#endif
