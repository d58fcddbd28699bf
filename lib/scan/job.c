/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scan jobs: threads that run a scheduler each, a bounded queue of results with an eventfd
 * that polls readable while results wait, credits that keep the queue from overflowing, and
 * pk_scan_run(), which reads a job in the caller's thread and calls its callbacks there.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "portkit/error.h"
#include "scheduler.h"

#define INFLIGHT_MAX 65536u
#define QUEUE_MIN 4096u
#define QUEUE_MAX (1u << 20)
#define THREADS_MAX 64u
#define WAKE_CREDITS 256 /* free places that wake threads waiting for room */

bool
pk__job_stopping(const struct pk_scan_job *j)
{
    return __atomic_load_n(&j->cancel, __ATOMIC_RELAXED) ||
           __atomic_load_n(&j->err, __ATOMIC_RELAXED);
}

/* Makes every scheduler thread of j look up from its wait. Async-signal-safe. */
static void
wake_all(struct pk_scan_job *j)
{
    for (unsigned t = 0; j->scheds && t < j->nthreads; t++)
        if (j->scheds[t].ev)
            pk__ev_wake(j->scheds[t].ev);
}

void
pk__job_fail(struct pk_scan_job *j, int rc)
{
    int none = 0;
    __atomic_compare_exchange_n(&j->err, &none, rc, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    wake_all(j);
}

/* Makes efd readable, once. Call with qmu held. */
static void
signal_locked(struct pk_scan_job *j)
{
    if (j->signalled)
        return;
    uint64_t one = 1;
    while (write(j->efd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    j->signalled = true;
}

/* Empties efd. Call with qmu held. */
static void
unsignal_locked(struct pk_scan_job *j)
{
    if (!j->signalled)
        return;
    uint64_t v;
    while (read(j->efd, &v, sizeof(v)) < 0 && errno == EINTR)
        ;
    j->signalled = false;
}

void
pk__job_push(struct pk_scan_job *j, const struct pk__qitem *items, unsigned n)
{
    pthread_mutex_lock(&j->qmu);
    for (unsigned i = 0; i < n && j->qlen < j->qcap; i++)
        j->q[(j->qhead + j->qlen++) % j->qcap] = items[i];
    signal_locked(j);
    pthread_mutex_unlock(&j->qmu);
}

/* Takes up to want of the credits. Returns how many. */
static unsigned
take_credits(struct pk_scan_job *j, unsigned want)
{
    int64_t c = __atomic_load_n(&j->credits, __ATOMIC_SEQ_CST);
    while (c > 0) {
        int64_t take = c < (int64_t)want ? c : (int64_t)want;
        if (__atomic_compare_exchange_n(&j->credits, &c, c - take, true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return (unsigned)take;
    }
    return 0;
}

unsigned
pk__job_credits(struct pk_scan_job *j, unsigned want)
{
    unsigned got = take_credits(j, want);
    if (got)
        return got;
    /* Say so before looking again: a reader freeing credits now will see it and wake us. */
    __atomic_store_n(&j->starved, 1, __ATOMIC_SEQ_CST);
    return take_credits(j, want);
}

void
pk__job_uncredit(struct pk_scan_job *j, unsigned n)
{
    __atomic_add_fetch(&j->credits, (int64_t)n, __ATOMIC_SEQ_CST);
}

void
pk__job_publish(struct pk_scan_job *j, unsigned tid, const struct pk_scan_stats *st)
{
    pthread_mutex_lock(&j->smu);
    j->snap[tid] = *st;
    pthread_mutex_unlock(&j->smu);
}

void
pk__stats_merge(const struct pk_scan_stats *snap, unsigned n, struct pk_scan_stats *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t srtt_sum = 0, srtt_n = 0;
    for (unsigned t = 0; t < n; t++) {
        const struct pk_scan_stats *s = &snap[t];
        out->total += s->total;
        out->done += s->done;
        out->probes += s->probes;
        out->retransmits += s->retransmits;
        out->answered += s->answered;
        out->lost += s->lost;
        for (int k = 0; k < PK_PORT_NSTATES; k++)
            out->states[k] += s->states[k];
        if (s->elapsed > out->elapsed)
            out->elapsed = s->elapsed;
        out->rate += s->rate;
        out->window += s->window;
        out->max_inflight += s->max_inflight;
        if (s->srtt_us)
            srtt_sum += s->srtt_us, srtt_n++;
    }
    out->loss = out->answered ? (double)out->lost / (double)out->answered : 0;
    out->srtt_us = srtt_n ? (uint32_t)(srtt_sum / srtt_n) : 0;
}

/* One scheduler thread: runs, publishes its final counters, and ends the job when last. */
static void *
job_thread(void *arg)
{
    struct pk__sched *s = arg;
    struct pk_scan_job *j = s->job;
    int rc = pk__sched_run(s);
    if (rc < 0)
        pk__job_fail(j, rc);
    pk__job_publish(j, s->tid, &s->st);
    pthread_mutex_lock(&j->qmu);
    if (--j->running == 0) {
        j->ended = true;
        signal_locked(j);
    }
    pthread_mutex_unlock(&j->qmu);
    return NULL;
}

/* Returns how many threads to scan npairs with, given inflight probes in flight at most. */
static unsigned
thread_count(const struct pk_scan_opts *o, uint64_t npairs, unsigned inflight)
{
    unsigned n = o->threads;
    if (n == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 1 ? (unsigned)(cpus < 4 ? cpus : 4) : 1;
        if (npairs < 4096)
            n = 1; /* not worth a thread */
    }
    if (n > THREADS_MAX)
        n = THREADS_MAX;
    while (n > 1 && inflight / n < 16)
        n--; /* each thread needs some sockets of its own */
    return n;
}

/* Checks o and lists its TCP ports into j. Returns 0, PK_EINVAL or PK_ENOMEM. */
static int
job_ports(struct pk_scan_job *j, const struct pk_scan_opts *o)
{
    if (!o->targets || !o->ports || (o->shard_n && (o->shard_k < 1 || o->shard_k > o->shard_n)) ||
        o->rate < 0 || o->max_rate < 0)
        return PK_EINVAL;
    uint64_t nhosts = pk_targets_count(o->targets);
    j->nports = pk_portset_count(o->ports, PK_TCP);
    if (j->nports && nhosts > UINT64_MAX / j->nports)
        return PK_EINVAL;
    j->npairs = nhosts * j->nports;
    j->ports = malloc((j->nports ? j->nports : 1) * sizeof(*j->ports));
    if (!j->ports)
        return PK_ENOMEM;
    size_t k = 0;
    for (unsigned p = 0; p <= PK_PORT_MAX; p++)
        if (pk_portset_has(o->ports, PK_TCP, p))
            j->ports[k++] = (uint16_t)p;
    return 0;
}

/* Sizes and makes the threads' schedulers, the queue and the descriptors of j. */
static int
job_setup(struct pk_scan_job *j)
{
    const struct pk_scan_opts *o = &j->o;
    int rc = o->fd_budget ? 0 : pk_fd_budget_new(0, &j->budget);
    if (rc < 0)
        return rc;
    if (o->fd_budget)
        j->budget = o->fd_budget;
    else
        j->own_budget = true;
    pk__fd_budget_join(j->budget);
    j->joined = true;
    unsigned inflight = pk__fd_budget_share(j->budget);
    if (inflight > INFLIGHT_MAX)
        inflight = INFLIGHT_MAX;
    if (o->max_inflight && o->max_inflight < inflight)
        inflight = o->max_inflight;
    j->nthreads = thread_count(o, j->npairs, inflight);
    /* The job's own descriptors come from the budget too: an eventfd, and an epoll and an
     * eventfd per thread. */
    unsigned want = 1 + 2 * j->nthreads;
    j->overhead = pk__fd_budget_claim(j->budget, want);
    if (j->overhead < want)
        return -EMFILE;
    inflight = inflight > want ? inflight - want : 1;
    j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (j->efd < 0)
        return -errno;
    uint64_t q = 2ull * inflight + 1024;
    j->qcap = q < QUEUE_MIN ? QUEUE_MIN : q > QUEUE_MAX ? QUEUE_MAX : (size_t)q;
    j->credits = (int64_t)j->qcap;
    j->q = malloc(j->qcap * sizeof(*j->q));
    j->scheds = calloc(j->nthreads, sizeof(*j->scheds));
    j->snap = calloc(j->nthreads, sizeof(*j->snap));
    if (!j->q || !j->scheds || !j->snap)
        return PK_ENOMEM;
    unsigned per = inflight / j->nthreads;
    for (unsigned t = 0; t < j->nthreads; t++) {
        rc = pk__sched_init(&j->scheds[t], j, t, per ? per : 1);
        j->snap[t].total = j->scheds[t].st.total;
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
pk_scan_start(const struct pk_scan_opts *o, struct pk_scan_job **out)
{
    struct pk_scan_job *j = calloc(1, sizeof(*j));
    if (!j)
        return PK_ENOMEM;
    j->o = *o;
    j->efd = -1;
    j->ops = &pk__probe_connect;
    pthread_mutex_init(&j->qmu, NULL);
    pthread_mutex_init(&j->smu, NULL);
    j->start_us = pk__ev_now_us();
    int rc = job_ports(j, o);
    if (rc == 0)
        rc = job_setup(j);
    /* The threads start with every signal blocked: the caller's handlers run in its own
     * threads, where they may cancel the job (and never in a thread being joined). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (unsigned t = 0; rc == 0 && t < j->nthreads; t++) {
        j->running++;
        if (pthread_create(&j->scheds[t].thread, NULL, job_thread, &j->scheds[t]) != 0) {
            j->running--;
            rc = PK_ENOMEM;
            break;
        }
        j->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc < 0) {
        pk_scan_free(j);
        return rc;
    }
    *out = j;
    return 0;
}

int
pk_scan_fd(const struct pk_scan_job *j)
{
    return j->efd;
}

int
pk_scan_next(struct pk_scan_job *j, struct pk_scan_result *r)
{
    pthread_mutex_lock(&j->qmu);
    if (j->qlen == 0) {
        int rc = j->ended ? PK_SCAN_END : PK_SCAN_AGAIN;
        if (!j->ended)
            unsignal_locked(j);
        pthread_mutex_unlock(&j->qmu);
        return rc;
    }
    struct pk__qitem it = j->q[j->qhead];
    j->qhead = (j->qhead + 1) % j->qcap;
    j->qlen--;
    if (j->qlen == 0 && !j->ended)
        unsignal_locked(j);
    pthread_mutex_unlock(&j->qmu);

    /* The result is out of the queue: its place is free again. Threads that wait for room
     * are woken once a batch of places is free, not for every one (and look again by
     * themselves at least every 250 ms). */
    int64_t c = __atomic_add_fetch(&j->credits, 1, __ATOMIC_SEQ_CST);
    if (c >= WAKE_CREDITS && __atomic_load_n(&j->starved, __ATOMIC_SEQ_CST) &&
        __atomic_exchange_n(&j->starved, 0, __ATOMIC_SEQ_CST))
        wake_all(j);

    pk_targets_get(j->o.targets, it.host, &j->cur);
    *r = (struct pk_scan_result){
        .host = it.host,
        .target = &j->cur,
        .port = it.port,
        .proto = PK_TCP,
        .state = (enum pk_port_state)it.state,
        .reason = (enum pk_scan_reason)it.reason,
        .attempts = it.attempts,
        .rtt_us = it.rtt_us,
        .err = it.err,
    };
    return PK_SCAN_RESULT;
}

int
pk_scan_wait(const struct pk_scan_job *j, int timeout_ms)
{
    struct pollfd p = {.fd = j->efd, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
    if (n < 0)
        return -errno;
    return n > 0;
}

void
pk_scan_cancel(struct pk_scan_job *j)
{
    __atomic_store_n(&j->cancel, 1, __ATOMIC_SEQ_CST);
    wake_all(j);
}

int
pk_scan_stats(const struct pk_scan_job *j, struct pk_scan_stats *st)
{
    struct pk_scan_job *m = (struct pk_scan_job *)j; /* the locks, not the job, change */
    pthread_mutex_lock(&m->qmu);
    bool ended = j->ended;
    pthread_mutex_unlock(&m->qmu);
    pthread_mutex_lock(&m->smu);
    pk__stats_merge(j->snap, j->nthreads, st);
    pthread_mutex_unlock(&m->smu);
    if (!ended)
        st->elapsed = (double)(pk__ev_now_us() - j->start_us) / 1e6;
    st->cancelled = __atomic_load_n(&j->cancel, __ATOMIC_RELAXED) && st->done < st->total;
    int err = __atomic_load_n(&j->err, __ATOMIC_RELAXED);
    return !ended ? 1 : err;
}

void
pk_scan_free(struct pk_scan_job *j)
{
    if (!j)
        return;
    pk_scan_cancel(j);
    for (unsigned t = 0; t < j->started; t++)
        pthread_join(j->scheds[t].thread, NULL);
    for (unsigned t = 0; j->scheds && t < j->nthreads; t++)
        pk__sched_free(&j->scheds[t]);
    if (j->budget) {
        if (j->overhead)
            pk__fd_budget_release(j->budget, j->overhead);
        if (j->joined)
            pk__fd_budget_leave(j->budget);
        if (j->own_budget)
            pk_fd_budget_free(j->budget);
    }
    if (j->efd >= 0)
        close(j->efd);
    pthread_mutex_destroy(&j->qmu);
    pthread_mutex_destroy(&j->smu);
    free(j->scheds);
    free(j->snap);
    free(j->q);
    free(j->ports);
    free(j);
}

int
pk_scan_run(const struct pk_scan_opts *o, struct pk_scan_stats *st)
{
    struct pk_scan_job *j;
    int rc = pk_scan_start(o, &j);
    if (rc < 0)
        return rc;
    uint64_t progress_us = (o->progress_ms ? o->progress_ms : 250) * 1000ull;
    uint64_t next_progress = pk__ev_now_us() + progress_us;
    int stop = 0;
    unsigned n = 0;
    for (;;) {
        struct pk_scan_result r;
        int k = pk_scan_next(j, &r);
        if (k == PK_SCAN_END)
            break;
        if (k == PK_SCAN_RESULT && o->on_result) {
            stop = o->on_result(&r, o->arg);
            if (stop) {
                pk_scan_cancel(j);
                break;
            }
        }
        /* Look at the clock now and then while results flow, always before a wait. */
        if (k == PK_SCAN_RESULT && (++n & 63) != 0)
            continue;
        uint64_t now = pk__ev_now_us();
        if (now >= next_progress) {
            next_progress = now + progress_us;
            if (o->on_progress) {
                struct pk_scan_stats p;
                pk_scan_stats(j, &p);
                o->on_progress(&p, o->arg);
            }
        }
        if (k == PK_SCAN_AGAIN) {
            int wait = rc = pk_scan_wait(j, (int)((next_progress - now + 999) / 1000));
            if (wait < 0 && wait != -EINTR)
                break;
            rc = 0;
        }
    }
    if (rc == 0) {
        struct pk_scan_stats fin;
        for (;;) {
            /* After a stop the threads end soon; the counters are final once they have. */
            int s = pk_scan_stats(j, &fin);
            if (s <= 0) {
                rc = s;
                break;
            }
            pk_scan_wait(j, 10);
            struct pk_scan_result r;
            while (pk_scan_next(j, &r) == PK_SCAN_RESULT)
                ;
        }
        if (st)
            *st = fin;
    }
    pk_scan_free(j);
    return stop ? stop : rc;
}
