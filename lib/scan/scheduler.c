/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scheduler of one scan thread: start probes while the window, the rate, the queue's
 * credits and the descriptors allow, collect answers through the backend, time out the
 * probes that got none and send them again. The event loop (lib/ev) waits for answers and
 * keeps one timer per probe in flight.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "scheduler.h"

#define RETRIES_DEFAULT 6
#define WINDOW_INIT 64u
#define WINDOW_MIN 8u
#define GIVEUP_RETX 256u /* retransmits to a host, none answered, before giving up */
#define HOSTSTATE_MAX (1u << 20)
#define BURST_MAX 4096u
#define CREDIT_CHUNK 64u
#define FD_CHUNK 64u
#define FD_WAIT_US 10000u  /* how often a thread short of descriptors asks again */
#define RETARGET_US 20000u /* how often a thread looks at its share of the budget */

/* Returns how many probes s may have in flight: its slots, or its descriptors. */
static unsigned
cap(const struct pk__sched *s)
{
    if (!s->ops->fd_per_probe)
        return s->nslots;
    unsigned c = s->fdcap < s->fd_target ? s->fdcap : s->fd_target;
    return c ? c : 1;
}

/* Grows the window by one answer's worth: doubling per round trip below ssthresh. */
static void
window_grow(struct pk__sched *s)
{
    s->window += s->window < s->ssthresh ? 1 : 1.0 / s->window;
    if (s->window > cap(s))
        s->window = cap(s);
}

/* Halves the window (not below WINDOW_MIN). */
static void
window_halve(struct pk__sched *s)
{
    s->window = s->window / 2 < WINDOW_MIN ? WINDOW_MIN : s->window / 2;
}

/* --- descriptors --- */

struct pk__ev *
pk__sched_ev(struct pk__sched *s)
{
    return s->ev;
}

bool
pk__sched_fd_take(struct pk__sched *s)
{
    if (s->fd_open >= s->fd_target || s->fd_open >= s->fdcap) {
        /* Sockets kept by idle slots make room for this one. */
        if (!s->ops->trim || s->ops->trim(s->bstate, 1) == 0) {
            s->fd_starved = true;
            s->fd_retry_us = pk__ev_now_us() + FD_WAIT_US;
            return false;
        }
    }
    if (s->fd_claimed <= s->fd_open) {
        unsigned want = s->fd_target - s->fd_claimed;
        want = want > FD_CHUNK ? FD_CHUNK : want ? want : 1;
        unsigned got = pk__fd_budget_claim(s->job->budget, want);
        s->fd_claimed += got;
        if (got == 0) {
            s->fd_starved = true;
            s->fd_retry_us = pk__ev_now_us() + FD_WAIT_US;
            return false;
        }
    }
    s->fd_open++;
    return true;
}

void
pk__sched_fd_give(struct pk__sched *s)
{
    s->fd_open--;
    s->fd_starved = false;
    if (s->fd_claimed > s->fd_open + 2 * FD_CHUNK) {
        pk__fd_budget_release(s->job->budget, s->fd_claimed - s->fd_open - FD_CHUNK);
        s->fd_claimed = s->fd_open + FD_CHUNK;
    }
}

bool
pk__sched_fd_keep(const struct pk__sched *s)
{
    return s->fd_open <= s->fd_target && !s->fd_over;
}

/*
 * Follows this thread's share of the budget, which shrinks when other jobs start: sockets
 * over it are closed as their slots fall idle, and the claims over it given back.
 */
static void
fd_retarget(struct pk__sched *s)
{
    if (!s->ops->fd_per_probe)
        return;
    unsigned share = pk__fd_budget_share(s->job->budget) / s->job->nthreads;
    if (share < 1)
        share = 1;
    s->fd_target = share < s->nslots ? share : s->nslots;
    s->fd_over = s->fd_open > s->fd_target;
    if (s->fd_over && s->ops->trim)
        s->ops->trim(s->bstate, s->fd_open - s->fd_target);
    s->fd_over = s->fd_open > s->fd_target;
    unsigned keep = s->fd_open > s->fd_target ? s->fd_open : s->fd_target;
    if (s->fd_claimed > keep) {
        pk__fd_budget_release(s->job->budget, s->fd_claimed - keep);
        s->fd_claimed = keep;
    }
    if (s->window > cap(s))
        s->window = cap(s);
}

/* --- the retry ring --- */

/* Queues pair to be probed again as attempt. Returns 0 or PK_ENOMEM. */
static int
rq_push(struct pk__sched *s, uint64_t pair, unsigned attempt)
{
    if (s->rqlen == s->rqcap) {
        /* At most one entry per pair in flight or waiting: bounded by the credits taken. */
        size_t cap = s->rqcap ? s->rqcap * 2 : 256;
        struct pk__retry *r = malloc(cap * sizeof(*r));
        if (!r)
            return PK_ENOMEM;
        for (size_t i = 0; i < s->rqlen; i++)
            r[i] = s->rq[(s->rqhead + i) % s->rqcap];
        free(s->rq);
        s->rq = r;
        s->rqcap = cap;
        s->rqhead = 0;
    }
    s->rq[(s->rqhead + s->rqlen++) % s->rqcap] = (struct pk__retry){pair, attempt};
    return 0;
}

/* Records the first error met inside a callback; the loop returns it. */
static void
set_error(struct pk__sched *s, int rc)
{
    if (rc < 0 && s->rc == 0)
        s->rc = rc;
}

/* --- results --- */

/* Hands the batched results to the job's queue. */
static void
flush(struct pk__sched *s)
{
    if (s->nbatch) {
        pk__job_push(s->job, s->batch, s->nbatch);
        s->nbatch = 0;
    }
}

/* Queues the result of pair and counts it. */
static void
emit(struct pk__sched *s, uint64_t pair, unsigned attempt, enum pk_port_state state,
     enum pk_scan_reason reason, uint32_t rtt, int err)
{
    s->batch[s->nbatch++] = (struct pk__qitem){
        .host = pair / s->nports,
        .rtt_us = rtt,
        .err = err,
        .port = s->ports[pair % s->nports],
        .attempts = (uint16_t)(attempt + 1 > UINT16_MAX ? UINT16_MAX : attempt + 1),
        .state = (uint8_t)state,
        .reason = (uint8_t)reason,
    };
    s->st.done++;
    s->st.states[state]++;
    if (s->nbatch == PK__BATCH)
        flush(s);
}

/* Frees slot i for the next probe. */
static void
slot_release(struct pk__sched *s, uint32_t i)
{
    struct pk__slot *sl = &s->slots[i];
    pk__ev_timer_stop(s->ev, &sl->timer);
    sl->busy = false;
    s->freeslots[s->nfree++] = i;
    s->inflight--;
}

/* Records an answer (open or closed) that came rtt microseconds after the probe. */
static void
answered(struct pk__sched *s, uint64_t pair, unsigned attempt, uint32_t rtt)
{
    struct pk__hoststate *h = pk__sched_host(s, pair / s->nports);
    bool first = s->gsrtt_us == 0;
    pk__rtt_update(&h->srtt_us, &h->rttvar_us, rtt);
    pk__rtt_update(&s->gsrtt_us, &s->gsrttvar_us, rtt);
    if (first && !s->o->timeout_ms) {
        /* Probes sent before any round trip was known wait the initial timeout: give them
         * one from the round-trip time instead, when that is sooner. */
        for (uint32_t i = 0; i < s->nslots; i++) {
            struct pk__slot *sl = &s->slots[i];
            if (!sl->busy || !pk__ev_timer_armed(&sl->timer))
                continue;
            uint64_t d = sl->sent_us + pk__probe_timeout(s, sl->pair / s->nports, sl->attempt);
            if (d < sl->timer.deadline_us)
                pk__ev_timer_start(s->ev, &sl->timer, d);
        }
    }
    h->answered++;
    if (attempt > 0) {
        h->retx_answered++;
        s->st.lost++;
    }
    s->st.answered++;
    window_grow(s);
}

/* Finishes the probe in slot i with answer a, which came at now. */
static void
finish(struct pk__sched *s, uint32_t i, const struct pk__answer *a, uint64_t now)
{
    struct pk__slot *sl = &s->slots[i];
    uint64_t pair = sl->pair;
    unsigned attempt = sl->attempt;
    uint32_t rtt = (uint32_t)(now - sl->sent_us);
    pk__rate_outcome(s, sl->phase, true, rtt);
    slot_release(s, i);
    if (a->again) {
        set_error(s, rq_push(s, pair, attempt));
        return;
    }
    if (a->state != PK_PORT_FILTERED)
        answered(s, pair, attempt, rtt);
    emit(s, pair, attempt, a->state, a->reason, a->state == PK_PORT_FILTERED ? 0 : rtt,
         a->reason == PK_REASON_ERROR ? a->err : 0);
}

void
pk__sched_answer(struct pk__sched *s, uint32_t slot, const struct pk__answer *ans)
{
    if (slot < s->nslots && s->slots[slot].busy)
        finish(s, slot, ans, pk__ev_now_us());
}

/* The timer of a probe ran out: the probe is sent again, or the port reported filtered. */
static void
on_timeout(struct pk__ev *ev, struct pk__ev_timer *t)
{
    (void)ev;
    struct pk__sched *s = t->arg;
    struct pk__slot *sl = (struct pk__slot *)(void *)((char *)t - offsetof(struct pk__slot, timer));
    uint32_t i = (uint32_t)(sl - s->slots);
    uint64_t pair = sl->pair;
    unsigned attempt = sl->attempt;
    /* An answer that came while the loop was busy elsewhere is an answer, not a loss: a
     * late loop must not turn into false retransmissions. */
    struct pk__answer ans = {0};
    if (s->ops->check && s->ops->check(s->bstate, i, &ans)) {
        finish(s, i, &ans, pk__ev_now_us());
        return;
    }
    pk__rate_outcome(s, sl->phase, false, 0);
    s->ops->abort(s->bstate, i);
    slot_release(s, i);
    const struct pk__hoststate *h = pk__sched_host(s, pair / s->nports);
    unsigned retries = s->retries;
    /* Ports that never answer however often they are asked are filtered, not unlucky: when
     * a host has answered under 1% of many retransmissions (or nothing at all), ask each
     * port only twice more. Random loss answers most retransmissions. */
    bool filtering =
        h->answered == 0 || (h->retx >= GIVEUP_RETX && h->retx_answered * 100 < h->retx);
    if (s->o->retries < 0 && filtering && h->retx >= GIVEUP_RETX && retries > 2)
        retries = 2;
    if (filtering) {
        /* Silence from ports that never answer says nothing about congestion (that would
         * leave some answers through): it must not hold the window back. */
        window_grow(s);
    }
    if (attempt < retries)
        set_error(s, rq_push(s, pair, attempt + 1));
    else
        emit(s, pair, attempt, PK_PORT_FILTERED, PK_REASON_NO_RESPONSE, 0, 0);
}

/* --- probes --- */

/*
 * Starts a probe of pair (attempt 0 for the first). Returns 1 when started or answered, 0
 * when out of descriptors or local ports (the pair is queued again), or a negative pk_errno.
 */
static int
start_probe(struct pk__sched *s, uint64_t pair, unsigned attempt, uint64_t now)
{
    uint32_t i = s->freeslots[s->nfree - 1];
    struct pk__slot *sl = &s->slots[i];
    struct pk_target tg;
    pk_targets_get(s->o->targets, pair / s->nports, &tg);
    struct pk__probe p = {
        .pair = pair, .attempt = attempt, .family = tg.family, .port = s->ports[pair % s->nports]};
    memcpy(p.addr, tg.addr, sizeof(p.addr));
    struct pk__answer ans = {0};
    int err = 0;
    sl->pair = pair;
    sl->attempt = attempt;
    sl->sent_us = now;
    int rc = s->ops->send(s->bstate, i, &p, &ans, &err);
    if (rc < 0)
        return rc;
    if (rc == PK__BUSY) {
        /* Out of local ports or buffers: back off and try this pair again. */
        window_halve(s);
        return rq_push(s, pair, attempt) < 0 ? PK_ENOMEM : 0;
    }
    if (rc == PK__NOFD) {
        if (err) {
            /* The descriptor limit is lower than the budget said: keep to what works. */
            s->fdcap = s->fd_open > 1 ? s->fd_open : 1;
            if (s->window > cap(s))
                s->window = cap(s);
            if (s->inflight == 0 && s->fd_open == 0)
                return -err;
        }
        return rq_push(s, pair, attempt) < 0 ? PK_ENOMEM : 0;
    }
    s->nfree--;
    sl->busy = true;
    s->inflight++;
    s->st.probes++;
    pk__rate_sent(s, sl);
    if (attempt > 0) {
        s->st.retransmits++;
        pk__sched_host(s, pair / s->nports)->retx++;
    }
    if (rc == PK__ANSWERED) {
        finish(s, i, &ans, pk__ev_now_us());
        return 1;
    }
    rc = pk__ev_timer_start(s->ev, &sl->timer,
                            now + pk__probe_timeout(s, pair / s->nports, attempt));
    return rc < 0 ? rc : 1;
}

/* Returns true when a new pair may start: one is left and a place in the queue is free. */
static bool
new_pair_ok(struct pk__sched *s)
{
    if (s->next_i >= s->npairs)
        return false;
    if (s->credits == 0 && !s->credit_starved) {
        s->credits = pk__job_credits(s->job, CREDIT_CHUNK);
        s->credit_starved = s->credits == 0;
    }
    return s->credits > 0;
}

/* Returns true when s could start a probe now, rate aside. */
static bool
can_send(struct pk__sched *s)
{
    return s->nfree && s->inflight < (unsigned)s->window && s->inflight < cap(s) &&
           !s->fd_starved && (s->rqlen || new_pair_ok(s));
}

/* Starts probes, retries first, while the window, descriptors, credits and rate allow. */
static int
send_burst(struct pk__sched *s, uint64_t now, uint64_t gap_us)
{
    unsigned burst = 0;
    while (burst < BURST_MAX && can_send(s)) {
        if (gap_us) {
            if (s->next_send_us > now)
                break;
            if (s->next_send_us + 2000u < now)
                s->next_send_us = now; /* no bursts to catch up after a stall */
            s->next_send_us += gap_us;
        }
        uint64_t pair;
        unsigned attempt = 0;
        if (s->rqlen) {
            pair = s->rq[s->rqhead].pair;
            attempt = s->rq[s->rqhead].attempt;
            s->rqhead = (s->rqhead + 1) % s->rqcap;
            s->rqlen--;
        } else {
            pair = pk_scan_permute(s->next_i, s->npairs, s->o->seed);
            s->next_i += s->step;
            s->credits--;
        }
        int rc = start_probe(s, pair, attempt, now);
        if (rc < 0)
            return rc;
        if (rc == 0 || s->rc < 0)
            break; /* out of descriptors or ports for now */
        burst++;
        if ((burst & 63) == 0) {
            now = pk__ev_now_us();
            if (pk__job_stopping(s->job))
                break;
        }
    }
    return s->rc;
}

void
pk__sched_stats(struct pk__sched *s, uint64_t now)
{
    s->st.elapsed = (double)(now - s->start_us) / 1e6;
    s->st.loss = s->st.answered ? (double)s->st.lost / (double)s->st.answered : 0;
    s->st.window = (unsigned)s->window;
    s->st.max_inflight = cap(s);
    s->st.srtt_us = s->gsrtt_us;
    if (now - s->rate_t0_us >= 200000u) {
        s->st.rate = (double)(s->st.probes - s->rate_p0) * 1e6 / (double)(now - s->rate_t0_us);
        s->rate_t0_us = now;
        s->rate_p0 = s->st.probes;
    }
}

int
pk__sched_run(struct pk__sched *s)
{
    const struct pk_scan_opts *o = s->o;
    int rc = 0;
    s->start_us = s->next_send_us = s->rate_t0_us = pk__ev_now_us();
    s->ph[0].start_us = s->start_us;
    uint64_t pub_us = (o->progress_ms ? o->progress_ms : 250) * 1000ull;
    if (pub_us > 250000u)
        pub_us = 250000u;
    uint64_t next_pub = s->start_us + pub_us, next_retarget = s->start_us + RETARGET_US;

    while (s->st.done < s->st.total && !pk__job_stopping(s->job)) {
        uint64_t now = pk__ev_now_us();
        double rate = pk__rate_allowed(s);
        uint64_t gap_us = rate > 0 ? (uint64_t)(1e6 / rate) : 0; /* 0: as fast as answers allow */
        rc = send_burst(s, now, gap_us);
        flush(s);
        if (rc < 0 || s->st.done >= s->st.total || pk__job_stopping(s->job))
            break;

        /* Wait for answers and timeouts; the loop knows when the next timeout is due. */
        now = pk__ev_now_us();
        int64_t wait_us = 0;
        bool more = can_send(s);
        if (!more || (gap_us && s->next_send_us > now)) {
            uint64_t until = next_pub;
            if (more && s->next_send_us < until)
                until = s->next_send_us;
            if (s->fd_starved && s->fd_retry_us < until)
                until = s->fd_retry_us;
            wait_us = until > now ? (int64_t)(until - now) : 0;
        }
        rc = pk__ev_run_once(s->ev, wait_us);
        if (rc < 0)
            break;
        rc = s->rc;
        if (rc < 0)
            break;
        /* Woken by the consumer, or time to ask the budget again. */
        s->credit_starved = false;
        now = pk__ev_now_us();
        if (s->fd_starved && now >= s->fd_retry_us)
            s->fd_starved = false;
        pk__rate_control(s, now);
        if (now >= next_retarget) {
            next_retarget = now + RETARGET_US;
            fd_retarget(s);
        }
        if (now >= next_pub) {
            next_pub = now + pub_us;
            pk__sched_stats(s, now);
            pk__job_publish(s->job, s->tid, &s->st);
        }
    }
    flush(s);
    if (s->credits)
        pk__job_uncredit(s->job, s->credits);
    s->credits = 0;
    pk__sched_stats(s, pk__ev_now_us());
    return rc;
}

int
pk__sched_init(struct pk__sched *s, struct pk_scan_job *j, unsigned tid, uint32_t nslots)
{
    const struct pk_scan_opts *o = &j->o;
    memset(s, 0, sizeof(*s));
    s->job = j;
    s->o = o;
    s->ops = j->ops;
    s->tid = tid;
    s->ports = j->ports;
    s->nports = j->nports;
    s->npairs = j->npairs;
    uint64_t sk = o->shard_n ? o->shard_k - 1 : 0, sn = o->shard_n ? o->shard_n : 1;
    s->step = sn * j->nthreads;
    s->next_i = sk + sn * tid;
    s->st.total = s->npairs > s->next_i ? (s->npairs - s->next_i + s->step - 1) / s->step : 0;
    s->retries = o->retries < 0 ? RETRIES_DEFAULT : (unsigned)o->retries;
    uint64_t nhosts = pk_targets_count(o->targets);
    s->nhs = nhosts < HOSTSTATE_MAX ? (size_t)(nhosts ? nhosts : 1) : HOSTSTATE_MAX;
    s->nslots = nslots ? nslots : 1;
    s->fdcap = s->fd_target = s->nslots;
    s->hs = calloc(s->nhs, sizeof(*s->hs));
    s->slots = calloc(s->nslots, sizeof(*s->slots));
    s->freeslots = malloc(s->nslots * sizeof(*s->freeslots));
    if (!s->hs || !s->slots || !s->freeslots)
        return PK_ENOMEM;
    int rc = pk__ev_new(&s->ev, s->nslots);
    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < s->nslots; i++) {
        pk__ev_timer_init(&s->slots[i].timer, on_timeout, s);
        s->freeslots[s->nfree++] = s->nslots - 1 - i;
    }
    s->window = WINDOW_INIT < s->nslots ? WINDOW_INIT : s->nslots;
    s->ssthresh = s->nslots;
    s->user_rate = o->rate / j->nthreads;
    s->user_max_rate = o->max_rate / j->nthreads;
    rc = s->ops->init(s, s->nslots, &s->bstate);
    if (rc < 0)
        return rc;
    fd_retarget(s);
    return 0;
}

void
pk__sched_free(struct pk__sched *s)
{
    if (s->bstate)
        s->ops->fini(s->bstate);
    s->bstate = NULL;
    if (s->fd_claimed && s->job)
        pk__fd_budget_release(s->job->budget, s->fd_claimed);
    s->fd_claimed = s->fd_open = 0;
    pk__ev_free(s->ev);
    s->ev = NULL;
    free(s->slots);
    free(s->freeslots);
    free(s->rq);
    free(s->hs);
    s->slots = NULL;
    s->freeslots = NULL;
    s->rq = NULL;
    s->hs = NULL;
}
