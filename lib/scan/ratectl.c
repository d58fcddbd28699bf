/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Round-trip times, timeouts and rate control of one scan thread. The rate controller tells
 * congestion from a lossy link: loss that rises with the send rate is congestion and slows
 * the scan; loss that stays when the rate is cut is the link's own and is accepted.
 */
#include <string.h>

#include "scheduler.h"

#define RTO_INIT_US 1000000u /* before any round-trip time is known */
#define RTO_MIN_US 20000u
#define RTO_MAX_US 3000000u
#define WINDOW_MIN 8u
#define PHASE_US 50000u /* rate control judges probes in phases of this length */
#define PHASE_MIN_OUTCOMES 64u
#define PACE_MIN 200.0 /* probes per second and thread the rate control goes down to */

struct pk__hoststate *
pk__sched_host(struct pk__sched *s, uint64_t host)
{
    return &s->hs[host % s->nhs];
}

void
pk__rtt_update(uint32_t *srtt, uint32_t *rttvar, uint32_t sample)
{
    if (sample == 0)
        sample = 1;
    if (*srtt == 0) {
        *srtt = sample;
        *rttvar = sample / 2;
        return;
    }
    uint32_t d = sample > *srtt ? sample - *srtt : *srtt - sample;
    *rttvar = (uint32_t)((3ull * *rttvar + d) / 4);
    *srtt = (uint32_t)((7ull * *srtt + sample) / 8);
}

uint64_t
pk__probe_timeout(struct pk__sched *s, uint64_t host, unsigned attempt)
{
    if (s->o->timeout_ms)
        return (uint64_t)s->o->timeout_ms * 1000u;
    uint64_t max = RTO_MAX_US;
    if (s->o->max_timeout_ms && (uint64_t)s->o->max_timeout_ms * 1000u < max)
        max = (uint64_t)s->o->max_timeout_ms * 1000u;
    const struct pk__hoststate *h = pk__sched_host(s, host);
    uint64_t rto;
    if (h->srtt_us)
        rto = (uint64_t)h->srtt_us + 4u * (uint64_t)h->rttvar_us;
    else if (s->gsrtt_us)
        rto = 2u * ((uint64_t)s->gsrtt_us + 4u * (uint64_t)s->gsrttvar_us);
    else
        rto = RTO_INIT_US;
    if (rto < RTO_MIN_US)
        rto = RTO_MIN_US;
    /* Back off by half on each retry: sent again too soon on a congested link, a probe can
     * use up its retries before the rate control has caught up. */
    for (unsigned i = 0; i < attempt && rto < max; i++)
        rto += rto / 2;
    return rto > max ? max : rto;
}

double
pk__rate_allowed(const struct pk__sched *s)
{
    if (s->user_rate > 0)
        return s->user_rate;
    double r = s->pace;
    if (s->user_max_rate > 0 && (r == 0 || r > s->user_max_rate))
        r = s->user_max_rate;
    return r;
}

void
pk__rate_sent(struct pk__sched *s, struct pk__slot *sl)
{
    sl->phase = s->cur_phase;
    s->ph[s->cur_phase % PK__NPHASE].sent++;
    s->ph[s->cur_phase % PK__NPHASE].pending++;
}

void
pk__rate_unsent(struct pk__sched *s)
{
    s->ph[s->cur_phase % PK__NPHASE].sent--;
    s->ph[s->cur_phase % PK__NPHASE].pending--;
}

/* Closes the current phase at now and opens the next, of kind kind. */
static void
phase_next(struct pk__sched *s, uint64_t now, enum pk__phase_kind kind)
{
    s->ph[s->cur_phase % PK__NPHASE].end_us = now;
    s->cur_phase++;
    /* A phase this old still has probes out only on a very slow link: judge it as it is. */
    if (s->cur_phase - s->eval_phase >= PK__NPHASE)
        s->eval_phase = s->cur_phase - PK__NPHASE + 1;
    struct pk__phase *p = &s->ph[s->cur_phase % PK__NPHASE];
    memset(p, 0, sizeof(*p));
    p->start_us = now;
    p->kind = kind;
}

void
pk__rate_outcome(struct pk__sched *s, uint32_t id, bool answer, uint32_t rtt)
{
    if (s->cur_phase - id >= PK__NPHASE || id - s->eval_phase >= PK__NPHASE)
        return; /* already judged */
    struct pk__phase *p = &s->ph[id % PK__NPHASE];
    if (p->pending)
        p->pending--;
    if (answer) {
        p->answers++;
        p->rtt_sum += rtt;
    } else {
        p->timeouts++;
    }
}

/*
 * Judges phase p, whose probes all have an outcome. Loss that rises with the send rate is
 * congestion; loss that stays when the rate is halved is the link's random loss (or ports
 * that never answer), which is then accepted as its floor instead of slowing the scan down
 * further. On more loss than the floor, or round trips well over their minimum, the rate is
 * cut to 60% for a test phase: if its loss is clearly lower, the lower rate stays (and grows
 * again slowly); if not, the old rate comes back.
 */
static void
phase_judge(struct pk__sched *s, const struct pk__phase *p, uint64_t now)
{
    uint64_t outcomes = p->answers + p->timeouts;
    if (outcomes < PHASE_MIN_OUTCOMES / 4 || p->kind == PK__PH_IGNORE || s->user_rate > 0)
        return;
    double loss = (double)p->timeouts / (double)outcomes;
    double secs = (double)(p->end_us - p->start_us) / 1e6;
    double rate = secs > 0 ? (double)p->sent / secs : 0;
    uint32_t rtt = p->answers ? (uint32_t)(p->rtt_sum / p->answers) : 0;
    if (rtt && (s->base_rtt_us == 0 || rtt < s->base_rtt_us))
        s->base_rtt_us = rtt;
    bool delayed = rtt && rtt > 3u * s->base_rtt_us + 20000u;
    double margin = s->accept_loss / 2 > 0.03 ? s->accept_loss / 2 : 0.03;
    if (p->kind == PK__PH_NORMAL && !s->testing) {
        if (loss > s->accept_loss + margin || delayed) {
            s->test_loss = loss;
            s->test_pace = s->pace;
            double base = s->pace > rate ? s->pace : rate;
            s->pace = base * 0.6 > PACE_MIN ? base * 0.6 : PACE_MIN;
            s->testing = true;
            s->ph[s->cur_phase % PK__NPHASE].kind = PK__PH_IGNORE; /* sent partly at the old rate */
            phase_next(s, now, PK__PH_TEST);
        } else {
            if (loss < s->accept_loss)
                s->accept_loss += (loss - s->accept_loss) / 8; /* the link got better */
            if (s->pace > 0) {
                /* Grow by a tenth per phase length of time, however long phases take. */
                double dt = (double)(p->end_us - p->start_us) / PHASE_US;
                s->pace *= 1 + 0.1 * (dt < 1 ? 1 : dt > 8 ? 8 : dt);
                if (s->pace > 4 * rate + 1000)
                    s->pace = 0; /* no longer what limits the scan */
            }
        }
    } else if (p->kind == PK__PH_TEST && s->testing) {
        /* Sampling noise on a few hundred outcomes is a point or two; a real fall is more. */
        if (loss < s->test_loss * 0.85 - 0.01) {
            /* Congestion: keep the lower rate, and fewer probes in flight. */
            s->window = s->window * 0.7 < WINDOW_MIN ? WINDOW_MIN : s->window * 0.7;
            s->ssthresh = s->window;
        } else {
            /* Random loss: it does not fall with the rate, so don't pay for it. */
            s->accept_loss = loss > s->test_loss ? loss : (loss + s->test_loss) / 2;
            s->pace = s->test_pace;
        }
        s->testing = false;
        s->ph[s->cur_phase % PK__NPHASE].kind = PK__PH_IGNORE;
        phase_next(s, now, PK__PH_NORMAL);
    }
}

void
pk__rate_control(struct pk__sched *s, uint64_t now)
{
    struct pk__phase *cur = &s->ph[s->cur_phase % PK__NPHASE];
    if (now - cur->start_us >= PHASE_US &&
        (cur->sent >= PHASE_MIN_OUTCOMES || now - cur->start_us >= 8u * PHASE_US))
        phase_next(s, now, s->testing ? PK__PH_TEST : PK__PH_NORMAL);
    while (s->eval_phase != s->cur_phase) {
        struct pk__phase *p = &s->ph[s->eval_phase % PK__NPHASE];
        if (p->pending)
            break;
        s->eval_phase++;
        phase_judge(s, p, now);
    }
}
