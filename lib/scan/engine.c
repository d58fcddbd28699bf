/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TCP connect scan engine. One event loop: start probes while the window and the rate
 * allow, collect answers from epoll, time out the probes that got none and send them again.
 *
 * Sockets are kept and reused: after a refused connect() a second connect() on the same
 * socket reports the result and resets it, so a closed port costs two system calls and no
 * socket set-up. That second connect() is also how results are read: it returns 0 once
 * connected, the error of a failed attempt, or EALREADY while the attempt is in flight, so a
 * stale epoll event can never be mistaken for an answer.
 */
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/scan.h"

#define RETRIES_DEFAULT 6
#define RTO_INIT_US 1000000u /* before any round-trip time is known */
#define RTO_MIN_US 20000u
#define RTO_MAX_US 3000000u
#define WINDOW_INIT 64u
#define WINDOW_MIN 8u
#define INFLIGHT_MAX 65536u
#define PHASE_US 50000u /* rate control judges probes in phases of this length */
#define NPHASE 8u       /* phases kept until all their probes have an outcome */
#define PHASE_MIN_OUTCOMES 64u
#define PACE_MIN 200.0   /* probes per second and thread the rate control goes down to */
#define GIVEUP_RETX 256u /* retransmits to a host, none answered, before giving up */
#define HOSTSTATE_MAX (1u << 20)

struct slot {
    int fd;     /* -1: none yet */
    int family; /* of fd */
    bool in_epoll;
    uint32_t gen;
    bool busy;
    unsigned attempt; /* 0 for the first probe */
    uint32_t phase;   /* of rate control, when it was sent */
    uint64_t pair;
    uint64_t sent_us;
    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } sa;
    socklen_t salen;
};

struct timer {
    uint64_t deadline_us;
    uint32_t slot;
    uint32_t gen;
};

struct hoststate {
    uint32_t srtt_us, rttvar_us; /* srtt 0: no sample yet */
    uint32_t retx, retx_answered, answered;
};

/*
 * A phase of rate control: the probes sent in it and what became of them. Outcomes are
 * counted by the phase a probe was sent in, so a phase is judged by its own send rate.
 */
enum phase_kind { PH_NORMAL, PH_TEST, PH_IGNORE };
struct phase {
    uint64_t start_us, end_us;
    uint64_t sent, pending, answers, timeouts, rtt_sum;
    enum phase_kind kind;
};

struct retry {
    uint64_t pair;
    unsigned attempt;
};

/* What the scan threads share. */
struct shared {
    const struct pk_scan_opts *o;
    pthread_mutex_t mu;
    int stop;                   /* the callback's non-zero value; read without the lock */
    int err;                    /* the first fatal error of a thread */
    struct pk_scan_stats *snap; /* each thread's counters, as of its last progress tick */
    unsigned nthreads;
};

struct engine {
    const struct pk_scan_opts *o;
    struct shared *sh;
    unsigned tid;
    uint64_t step; /* between this thread's positions */
    int ep;
    struct slot *slots;
    uint32_t nslots, *freeslots, nfree;
    struct timer *heap;
    size_t nheap, heapcap;
    struct retry *rq; /* ring of probes to send again */
    size_t rqcap, rqhead, rqlen;
    struct hoststate *hs;
    size_t nhs;
    uint16_t *ports;
    size_t nports;
    uint64_t npairs, next_i;
    unsigned inflight, fdcap, retries;
    double window, ssthresh;
    struct pk_scan_stats st;
    uint64_t start_us, next_send_us;
    uint32_t gsrtt_us, gsrttvar_us; /* over all hosts */
    /* the immediate check: is connect() answered before it returns? */
    uint64_t imm_tries, imm_hits;
    bool imm_off;
    /* rate control: the current epoch */
    struct phase ph[NPHASE];
    uint32_t cur_phase, eval_phase; /* the phase sending now; the oldest not judged yet */
    uint32_t base_rtt_us;
    double accept_loss; /* the loss rate found not to depend on the send rate */
    double pace;        /* probes per second the controller allows; 0 for no limit */
    double user_rate, user_max_rate;
    bool testing;                /* the rate was cut to see whether loss falls with it */
    double test_loss, test_pace; /* loss before a cut, and the pace to go back to */
    uint64_t rate_t0_us, rate_p0;
    pthread_t thread;
    int rc;
};

/* Returns the monotonic clock in microseconds. */
static uint64_t
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Mixes x and k into 64 pseudo-random bits (splitmix64's finalizer). */
static uint64_t
mix(uint64_t x, uint64_t k)
{
    x += k + 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t
pk_scan_permute(uint64_t i, uint64_t n, uint64_t seed)
{
    if (n <= 1)
        return 0;
    unsigned bits = 64u - (unsigned)__builtin_clzll(n - 1);
    if (bits < 2)
        bits = 2;
    bits += bits & 1u;
    unsigned half = bits / 2;
    uint64_t mask = half == 64 ? ~0ull : (1ull << half) - 1;
    uint64_t x = i;
    /* A 4-round Feistel network on 2^bits values; walk the cycle until back inside 0..n-1. */
    do {
        uint64_t l = x >> half, r = x & mask;
        for (unsigned round = 0; round < 4; round++) {
            uint64_t f = mix(r, seed ^ ((uint64_t)round << 56)) & mask;
            uint64_t nl = r;
            r = l ^ f;
            l = nl;
        }
        x = (l << half) | r;
    } while (x >= n);
    return x;
}

const char *
pk_port_state_name(enum pk_port_state s)
{
    static const char *const names[] = {"open", "closed", "filtered"};
    return (unsigned)s < PK_PORT_NSTATES ? names[s] : NULL;
}

const char *
pk_scan_reason_name(enum pk_scan_reason r)
{
    static const char *const names[] = {"syn-ack",      "conn-refused", "no-response",
                                        "host-unreach", "net-unreach",  "admin-prohibited",
                                        "error"};
    return (unsigned)r < PK_REASON_COUNT ? names[r] : NULL;
}

/* --- timers: a binary min-heap of deadlines, stale entries skipped by generation --- */

/* Adds a timer for slot (at generation gen) due at deadline. Returns 0 or PK_ENOMEM. */
static int
heap_push(struct engine *e, uint64_t deadline, uint32_t slot, uint32_t gen)
{
    if (e->nheap == e->heapcap) {
        size_t cap = e->heapcap ? e->heapcap * 2 : 1024;
        struct timer *h = realloc(e->heap, cap * sizeof(*h));
        if (!h)
            return PK_ENOMEM;
        e->heap = h;
        e->heapcap = cap;
    }
    size_t i = e->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (e->heap[p].deadline_us <= deadline)
            break;
        e->heap[i] = e->heap[p];
        i = p;
    }
    e->heap[i] = (struct timer){deadline, slot, gen};
    return 0;
}

/* Removes the earliest timer. The heap must not be empty. */
static void
heap_pop(struct engine *e)
{
    struct timer last = e->heap[--e->nheap];
    size_t i = 0, n = e->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && e->heap[c + 1].deadline_us < e->heap[c].deadline_us)
            c++;
        if (e->heap[c].deadline_us >= last.deadline_us)
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n)
        e->heap[i] = last;
}

/* --- the retry ring --- */

/* Queues pair to be probed again as attempt. Returns 0 or PK_ENOMEM. */
static int
rq_push(struct engine *e, uint64_t pair, unsigned attempt)
{
    if (e->rqlen == e->rqcap) {
        size_t cap = e->rqcap ? e->rqcap * 2 : 256;
        struct retry *r = malloc(cap * sizeof(*r));
        if (!r)
            return PK_ENOMEM;
        for (size_t i = 0; i < e->rqlen; i++)
            r[i] = e->rq[(e->rqhead + i) % e->rqcap];
        free(e->rq);
        e->rq = r;
        e->rqcap = cap;
        e->rqhead = 0;
    }
    e->rq[(e->rqhead + e->rqlen++) % e->rqcap] = (struct retry){pair, attempt};
    return 0;
}

/* --- round-trip times and timeouts --- */

/* Returns the timing state of host (hosts share one past HOSTSTATE_MAX). */
static struct hoststate *
host_state(struct engine *e, uint64_t host)
{
    return &e->hs[host % e->nhs];
}

/* Folds a round-trip sample into an srtt/rttvar pair (RFC 6298 gains). */
static void
rtt_update(uint32_t *srtt, uint32_t *rttvar, uint32_t sample)
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

/* Returns the timeout in microseconds for a probe to host after attempt earlier tries. */
static uint64_t
probe_timeout(struct engine *e, uint64_t host, unsigned attempt)
{
    if (e->o->timeout_ms)
        return (uint64_t)e->o->timeout_ms * 1000u;
    const struct hoststate *h = host_state(e, host);
    uint64_t rto;
    if (h->srtt_us)
        rto = (uint64_t)h->srtt_us + 4u * (uint64_t)h->rttvar_us;
    else if (e->gsrtt_us)
        rto = 2u * ((uint64_t)e->gsrtt_us + 4u * (uint64_t)e->gsrttvar_us);
    else
        rto = RTO_INIT_US;
    if (rto < RTO_MIN_US)
        rto = RTO_MIN_US;
    /* Back off by half on each retry: sent again too soon on a congested link, a probe can
     * use up its retries before the rate control has caught up. */
    for (unsigned i = 0; i < attempt && rto < RTO_MAX_US; i++)
        rto += rto / 2;
    if (rto > RTO_MAX_US)
        rto = RTO_MAX_US;
    return rto;
}

/* --- rate control --- */

/* Returns the probes per second this thread may send now; 0 for no limit. */
static double
allowed_rate(const struct engine *e)
{
    if (e->user_rate > 0)
        return e->user_rate;
    double r = e->pace;
    if (e->user_max_rate > 0 && (r == 0 || r > e->user_max_rate))
        r = e->user_max_rate;
    return r;
}

/* Closes the current phase at now and opens the next, of kind kind. */
static void
phase_next(struct engine *e, uint64_t now, enum phase_kind kind)
{
    e->ph[e->cur_phase % NPHASE].end_us = now;
    e->cur_phase++;
    /* A phase this old still has probes out only on a very slow link: judge it as it is. */
    if (e->cur_phase - e->eval_phase >= NPHASE)
        e->eval_phase = e->cur_phase - NPHASE + 1;
    struct phase *p = &e->ph[e->cur_phase % NPHASE];
    memset(p, 0, sizeof(*p));
    p->start_us = now;
    p->kind = kind;
}

/* Counts the outcome of a probe sent in phase id: answered (rtt) or timed out. */
static void
phase_outcome(struct engine *e, uint32_t id, bool answer, uint32_t rtt)
{
    if (e->cur_phase - id >= NPHASE || id - e->eval_phase >= NPHASE)
        return; /* already judged */
    struct phase *p = &e->ph[id % NPHASE];
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
phase_judge(struct engine *e, const struct phase *p, uint64_t now)
{
    uint64_t outcomes = p->answers + p->timeouts;
    if (outcomes < PHASE_MIN_OUTCOMES / 4 || p->kind == PH_IGNORE || e->user_rate > 0)
        return;
    double loss = (double)p->timeouts / (double)outcomes;
    double secs = (double)(p->end_us - p->start_us) / 1e6;
    double rate = secs > 0 ? (double)p->sent / secs : 0;
    uint32_t rtt = p->answers ? (uint32_t)(p->rtt_sum / p->answers) : 0;
    if (rtt && (e->base_rtt_us == 0 || rtt < e->base_rtt_us))
        e->base_rtt_us = rtt;
    bool delayed = rtt && rtt > 3u * e->base_rtt_us + 20000u;
    double margin = e->accept_loss / 2 > 0.03 ? e->accept_loss / 2 : 0.03;
    if (p->kind == PH_NORMAL && !e->testing) {
        if (loss > e->accept_loss + margin || delayed) {
            e->test_loss = loss;
            e->test_pace = e->pace;
            double base = e->pace > rate ? e->pace : rate;
            e->pace = base * 0.6 > PACE_MIN ? base * 0.6 : PACE_MIN;
            e->testing = true;
            e->ph[e->cur_phase % NPHASE].kind = PH_IGNORE; /* sent partly at the old rate */
            phase_next(e, now, PH_TEST);
        } else {
            if (loss < e->accept_loss)
                e->accept_loss += (loss - e->accept_loss) / 8; /* the link got better */
            if (e->pace > 0) {
                /* Grow by a tenth per phase length of time, however long phases take. */
                double dt = (double)(p->end_us - p->start_us) / PHASE_US;
                e->pace *= 1 + 0.1 * (dt < 1 ? 1 : dt > 8 ? 8 : dt);
                if (e->pace > 4 * rate + 1000)
                    e->pace = 0; /* no longer what limits the scan */
            }
        }
    } else if (p->kind == PH_TEST && e->testing) {
        /* Sampling noise on a few hundred outcomes is a point or two; a real fall is more. */
        if (loss < e->test_loss * 0.85 - 0.01) {
            /* Congestion: keep the lower rate, and fewer probes in flight. */
            e->window = e->window * 0.7 < WINDOW_MIN ? WINDOW_MIN : e->window * 0.7;
            e->ssthresh = e->window;
        } else {
            /* Random loss: it does not fall with the rate, so don't pay for it. */
            e->accept_loss = loss > e->test_loss ? loss : (loss + e->test_loss) / 2;
            e->pace = e->test_pace;
        }
        e->testing = false;
        e->ph[e->cur_phase % NPHASE].kind = PH_IGNORE;
        phase_next(e, now, PH_NORMAL);
    }
}

/* Rotates phases every PHASE_US and judges, in order, those whose probes all have an outcome. */
static void
rate_control(struct engine *e, uint64_t now)
{
    struct phase *cur = &e->ph[e->cur_phase % NPHASE];
    if (now - cur->start_us >= PHASE_US &&
        (cur->sent >= PHASE_MIN_OUTCOMES || now - cur->start_us >= 8u * PHASE_US))
        phase_next(e, now, e->testing ? PH_TEST : PH_NORMAL);
    while (e->eval_phase != e->cur_phase) {
        struct phase *p = &e->ph[e->eval_phase % NPHASE];
        if (p->pending)
            break;
        e->eval_phase++;
        phase_judge(e, p, now);
    }
}

/* --- probes --- */

/* Releases slot s: keeps its socket for the next probe when reset is true, else closes it. */
static void
slot_release(struct engine *e, uint32_t s, bool keep)
{
    struct slot *sl = &e->slots[s];
    if (!keep && sl->fd >= 0) {
        close(sl->fd);
        sl->fd = -1;
    }
    sl->busy = false;
    sl->gen++;
    e->freeslots[e->nfree++] = s;
    e->inflight--;
}

/* Hands a result for pair to the callback and counts it. */
static void
emit(struct engine *e, uint64_t pair, unsigned attempt, enum pk_port_state state,
     enum pk_scan_reason reason, uint32_t rtt, int err)
{
    struct pk_target tg;
    uint64_t host = pair / e->nports;
    pk_targets_get(e->o->targets, host, &tg);
    struct pk_scan_result r = {
        .host = host,
        .target = &tg,
        .port = e->ports[pair % e->nports],
        .proto = PK_TCP,
        .state = state,
        .reason = reason,
        .attempts = attempt + 1,
        .rtt_us = rtt,
        .err = err,
    };
    e->st.done++;
    e->st.states[state]++;
    if (!e->o->on_result)
        return;
    pthread_mutex_lock(&e->sh->mu);
    if (!e->sh->stop) {
        int stop = e->o->on_result(&r, e->o->arg);
        if (stop)
            __atomic_store_n(&e->sh->stop, stop, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&e->sh->mu);
}

/* Records an answer (open or closed) that came rtt microseconds after the probe. */
static void
answered(struct engine *e, uint64_t pair, unsigned attempt, uint32_t rtt)
{
    struct hoststate *h = host_state(e, pair / e->nports);
    bool first = e->gsrtt_us == 0;
    rtt_update(&h->srtt_us, &h->rttvar_us, rtt);
    rtt_update(&e->gsrtt_us, &e->gsrttvar_us, rtt);
    if (first && !e->o->timeout_ms) {
        /* Probes sent before any round trip was known wait the initial timeout: give them
         * one from the round-trip time too (the earlier timer finds the slot moved on). */
        for (uint32_t s = 0; s < e->nslots; s++) {
            const struct slot *sl = &e->slots[s];
            if (sl->busy)
                heap_push(e, sl->sent_us + probe_timeout(e, sl->pair / e->nports, sl->attempt), s,
                          sl->gen);
        }
    }
    h->answered++;
    if (attempt > 0) {
        h->retx_answered++;
        e->st.lost++;
    }
    e->st.answered++;
    /* Window growth: doubling per round trip below ssthresh, then one per window. */
    if (e->window < e->ssthresh)
        e->window += 1;
    else
        e->window += 1.0 / e->window;
    if (e->window > e->fdcap)
        e->window = e->fdcap;
}

/* Maps the result of a connect() (0 or an errno value) to a port state and a reason. */
static void
classify(int err, enum pk_port_state *state, enum pk_scan_reason *reason)
{
    switch (err) {
    case 0:
    case EISCONN:
        *state = PK_PORT_OPEN, *reason = PK_REASON_SYN_ACK;
        return;
    case ECONNREFUSED:
        *state = PK_PORT_CLOSED, *reason = PK_REASON_CONN_REFUSED;
        return;
    case EHOSTUNREACH:
    case EHOSTDOWN:
        *state = PK_PORT_FILTERED, *reason = PK_REASON_HOST_UNREACH;
        return;
    case ENETUNREACH:
    case ENETDOWN:
        *state = PK_PORT_FILTERED, *reason = PK_REASON_NET_UNREACH;
        return;
    case EACCES:
    case EPERM:
        *state = PK_PORT_FILTERED, *reason = PK_REASON_ADMIN_PROHIBITED;
        return;
    default:
        *state = PK_PORT_FILTERED, *reason = PK_REASON_ERROR;
        return;
    }
}

/* Returns true when the connected socket fd is connected to itself (loopback self-connect). */
static bool
self_connected(int fd)
{
    struct sockaddr_storage a, b;
    socklen_t al = sizeof(a), bl = sizeof(b);
    if (getsockname(fd, (struct sockaddr *)&a, &al) < 0 ||
        getpeername(fd, (struct sockaddr *)&b, &bl) < 0)
        return false;
    return al == bl && memcmp(&a, &b, al) == 0;
}

/*
 * Finishes the probe in slot s with connect() result err (0 for connected). Returns 0 or
 * PK_ENOMEM.
 */
static int
finish(struct engine *e, uint32_t s, int err, uint64_t now)
{
    struct slot *sl = &e->slots[s];
    enum pk_port_state state;
    enum pk_scan_reason reason;
    classify(err, &state, &reason);
    uint64_t pair = sl->pair;
    unsigned attempt = sl->attempt;
    uint32_t rtt = (uint32_t)(now - sl->sent_us);
    phase_outcome(e, sl->phase, true, rtt);
    if (state == PK_PORT_OPEN) {
        /* Nothing listens on a port we reached from itself: probe again from another. */
        bool self = self_connected(sl->fd);
        struct linger lg = {1, 0}; /* close with a reset: no TIME_WAIT */
        setsockopt(sl->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        slot_release(e, s, false);
        if (self)
            return rq_push(e, pair, attempt);
    } else {
        slot_release(e, s, true);
    }
    if (state != PK_PORT_FILTERED)
        answered(e, pair, attempt, rtt);
    emit(e, pair, attempt, state, reason, state == PK_PORT_FILTERED ? 0 : rtt,
         reason == PK_REASON_ERROR ? err : 0);
    return 0;
}

/* Fills the address of slot sl for pair. */
static void
slot_addr(struct engine *e, struct slot *sl, uint64_t pair)
{
    struct pk_target tg;
    pk_targets_get(e->o->targets, pair / e->nports, &tg);
    uint16_t port = htons(e->ports[pair % e->nports]);
    memset(&sl->sa, 0, sizeof(sl->sa));
    if (tg.family == AF_INET) {
        sl->sa.v4.sin_family = AF_INET;
        sl->sa.v4.sin_port = port;
        memcpy(&sl->sa.v4.sin_addr, tg.addr, 4);
        sl->salen = sizeof(sl->sa.v4);
    } else {
        sl->sa.v6.sin6_family = AF_INET6;
        sl->sa.v6.sin6_port = port;
        memcpy(&sl->sa.v6.sin6_addr, tg.addr, 16);
        sl->salen = sizeof(sl->sa.v6);
    }
}

/*
 * Starts a probe of pair (attempt 0 for the first). Returns 1 when started or answered, 0
 * when out of descriptors or local ports (the pair is queued again and the window shrunk),
 * or a negative pk_errno.
 */
static int
start_probe(struct engine *e, uint64_t pair, unsigned attempt, uint64_t now)
{
    uint32_t s = e->freeslots[--e->nfree];
    struct slot *sl = &e->slots[s];
    slot_addr(e, sl, pair);
    int family = ((struct sockaddr *)&sl->sa)->sa_family;
    if (sl->fd >= 0 && sl->family != family) {
        close(sl->fd);
        sl->fd = -1;
    }
    if (sl->fd < 0) {
        int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int err = errno;
            e->nfree++;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                /* The descriptor limit is lower than we thought: keep to what works. */
                e->fdcap = e->inflight > 1 ? e->inflight : 1;
                if (e->window > e->fdcap)
                    e->window = e->fdcap;
                if (e->inflight == 0)
                    return -err;
                return rq_push(e, pair, attempt) < 0 ? PK_ENOMEM : 0;
            }
            return -err;
        }
        sl->fd = fd;
        sl->family = family;
        sl->in_epoll = false;
    }
    sl->busy = true;
    sl->pair = pair;
    sl->attempt = attempt;
    sl->sent_us = now;
    e->inflight++;
    e->st.probes++;
    sl->phase = e->cur_phase;
    e->ph[e->cur_phase % NPHASE].sent++;
    e->ph[e->cur_phase % NPHASE].pending++;
    if (attempt > 0) {
        e->st.retransmits++;
        host_state(e, pair / e->nports)->retx++;
    }

    int rc = connect(sl->fd, (struct sockaddr *)&sl->sa, sl->salen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS && !e->imm_off) {
        /* Loopback and veth answer within the call: read the result right away. */
        rc = connect(sl->fd, (struct sockaddr *)&sl->sa, sl->salen);
        err = rc == 0 ? 0 : errno;
        e->imm_tries++;
        if (err != EALREADY)
            e->imm_hits++;
        else if (e->imm_tries > 4096 && e->imm_hits < e->imm_tries / 16)
            e->imm_off = true; /* a real network: stop paying for the check */
    }
    if (err == EINPROGRESS || err == EALREADY) {
        /* Only sockets that ever wait join epoll: on loopback none do, and the kernel then
         * skips the wake-ups. Added late, a socket that became ready meanwhile still reports
         * it, edge-triggered or not. */
        if (!sl->in_epoll) {
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.u32 = s};
            if (epoll_ctl(e->ep, EPOLL_CTL_ADD, sl->fd, &ev) < 0)
                return -errno;
            sl->in_epoll = true;
        }
        return heap_push(e, now + probe_timeout(e, pair / e->nports, attempt), s, sl->gen) < 0
                   ? PK_ENOMEM
                   : 1;
    }
    if (err == EADDRNOTAVAIL || err == EAGAIN || err == ENOBUFS) {
        /* Out of local ports or buffers: back off and try this pair again. */
        e->st.probes--;
        e->ph[e->cur_phase % NPHASE].sent--;
        e->ph[e->cur_phase % NPHASE].pending--;
        if (attempt > 0)
            e->st.retransmits--;
        slot_release(e, s, false);
        e->window = e->window / 2 < WINDOW_MIN ? WINDOW_MIN : e->window / 2;
        return rq_push(e, pair, attempt) < 0 ? PK_ENOMEM : 0;
    }
    rc = finish(e, s, err, now_us());
    return rc < 0 ? rc : 1;
}

/* Handles the timeout of slot s: the probe is sent again, or the port reported filtered. */
static int
timeout(struct engine *e, uint32_t s)
{
    struct slot *sl = &e->slots[s];
    uint64_t pair = sl->pair;
    unsigned attempt = sl->attempt;
    phase_outcome(e, sl->phase, false, 0);
    /* Abort the attempt (AF_UNSPEC disconnects) so the socket can be used again. */
    struct sockaddr sa = {.sa_family = AF_UNSPEC};
    bool keep = connect(sl->fd, &sa, sizeof(sa)) == 0;
    slot_release(e, s, keep);
    const struct hoststate *h = host_state(e, pair / e->nports);
    unsigned retries = e->retries;
    /* Ports that never answer however often they are asked are filtered, not unlucky: when
     * a host has answered under 1% of many retransmissions (or nothing at all), ask each
     * port only twice more. Random loss answers most retransmissions. */
    bool filtering =
        h->answered == 0 || (h->retx >= GIVEUP_RETX && h->retx_answered * 100 < h->retx);
    if (e->o->retries < 0 && filtering && h->retx >= GIVEUP_RETX && retries > 2)
        retries = 2;
    if (filtering) {
        /* Silence from ports that never answer says nothing about congestion (that would
         * leave some answers through): it must not hold the window back. */
        e->window += e->window < e->ssthresh ? 1 : 1.0 / e->window;
        if (e->window > e->fdcap)
            e->window = e->fdcap;
    }
    if (attempt < retries)
        return rq_push(e, pair, attempt + 1);
    emit(e, pair, attempt, PK_PORT_FILTERED, PK_REASON_NO_RESPONSE, 0, 0);
    return 0;
}

/* Returns how many sockets RLIMIT_NOFILE lets the scan keep open. */
static unsigned
fd_budget(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return 1024;
    rlim_t n = rl.rlim_cur;
    /* Leave room for the caller's files: standard streams, outputs, the epoll descriptor. */
    n = n > 128 ? n - 64 : n / 2;
    if (n < 1)
        n = 1;
    return n > INFLIGHT_MAX ? INFLIGHT_MAX : (unsigned)n;
}

/* Brings the counters of e up to date. */
static void
fill_stats(struct engine *e, uint64_t now)
{
    e->st.elapsed = (double)(now - e->start_us) / 1e6;
    e->st.loss = e->st.answered ? (double)e->st.lost / (double)e->st.answered : 0;
    e->st.window = (unsigned)e->window;
    e->st.max_inflight = e->fdcap;
    e->st.srtt_us = e->gsrtt_us;
    if (now - e->rate_t0_us >= 200000u) {
        e->st.rate = (double)(e->st.probes - e->rate_p0) * 1e6 / (double)(now - e->rate_t0_us);
        e->rate_t0_us = now;
        e->rate_p0 = e->st.probes;
    }
}

/* Adds the counters of n threads up into *out. */
static void
merge_stats(const struct pk_scan_stats *snap, unsigned n, struct pk_scan_stats *out)
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

/* Frees what engine_init() allocated. */
static void
engine_free(struct engine *e)
{
    for (uint32_t i = 0; e->slots && i < e->nslots; i++)
        if (e->slots[i].fd >= 0)
            close(e->slots[i].fd);
    if (e->ep >= 0)
        close(e->ep);
    free(e->slots);
    free(e->freeslots);
    free(e->heap);
    free(e->rq);
    free(e->hs);
    e->slots = NULL;
    e->freeslots = NULL;
    e->heap = NULL;
    e->rq = NULL;
    e->hs = NULL;
    e->ep = -1;
}

/*
 * Sets up thread tid's engine: its share of the positions, fdcap sockets and its own epoll.
 * Returns 0, PK_ENOMEM or -errno.
 */
static int
engine_init(struct engine *e, struct shared *sh, unsigned tid, uint16_t *ports, size_t nports,
            uint64_t npairs, unsigned fdcap)
{
    const struct pk_scan_opts *o = sh->o;
    memset(e, 0, sizeof(*e));
    e->ep = -1;
    e->o = o;
    e->sh = sh;
    e->tid = tid;
    e->ports = ports;
    e->nports = nports;
    e->npairs = npairs;
    uint64_t sk = o->shard_n ? o->shard_k - 1 : 0, sn = o->shard_n ? o->shard_n : 1;
    e->step = sn * sh->nthreads;
    e->next_i = sk + sn * tid;
    e->st.total = npairs > e->next_i ? (npairs - e->next_i + e->step - 1) / e->step : 0;
    e->retries = o->retries < 0 ? RETRIES_DEFAULT : (unsigned)o->retries;
    uint64_t nhosts = pk_targets_count(o->targets);
    e->nhs = nhosts < HOSTSTATE_MAX ? (size_t)(nhosts ? nhosts : 1) : HOSTSTATE_MAX;
    e->hs = calloc(e->nhs, sizeof(*e->hs));
    e->fdcap = fdcap;
    e->nslots = fdcap;
    e->slots = calloc(e->nslots, sizeof(*e->slots));
    e->freeslots = malloc(e->nslots * sizeof(*e->freeslots));
    if (!e->hs || !e->slots || !e->freeslots)
        return PK_ENOMEM;
    for (uint32_t i = 0; i < e->nslots; i++) {
        e->slots[i].fd = -1;
        e->freeslots[e->nfree++] = e->nslots - 1 - i;
    }
    e->window = WINDOW_INIT < fdcap ? WINDOW_INIT : fdcap;
    e->ssthresh = fdcap;
    e->user_rate = o->rate / sh->nthreads;
    e->user_max_rate = o->max_rate / sh->nthreads;
    e->ep = epoll_create1(EPOLL_CLOEXEC);
    return e->ep < 0 ? -errno : 0;
}

/* Returns true when the scan should stop early: the callback said so, or a thread failed. */
static bool
stopping(const struct engine *e)
{
    return __atomic_load_n(&e->sh->stop, __ATOMIC_RELAXED) ||
           __atomic_load_n(&e->sh->err, __ATOMIC_RELAXED);
}

/* The event loop of one thread. Returns 0 or a negative pk_errno. */
static int
engine_loop(struct engine *e)
{
    const struct pk_scan_opts *o = e->o;
    struct shared *sh = e->sh;
    int rc = 0;
    e->start_us = e->next_send_us = e->rate_t0_us = now_us();
    e->ph[0].start_us = e->start_us;
    unsigned progress_us = (o->progress_ms ? o->progress_ms : 250) * 1000u;
    uint64_t next_progress = e->start_us + progress_us;
    struct epoll_event evs[256];

    while (e->st.done < e->st.total && !stopping(e)) {
        uint64_t now = now_us();

        /* 1. Timeouts. */
        while (e->nheap && e->heap[0].deadline_us <= now) {
            struct timer t = e->heap[0];
            heap_pop(e);
            struct slot *sl = &e->slots[t.slot];
            if (!sl->busy || sl->gen != t.gen)
                continue;
            rc = timeout(e, t.slot);
            if (rc < 0)
                return rc;
        }

        /* 2. New probes, retries first, while the window, descriptors and rate allow. */
        double rate = allowed_rate(e);
        uint64_t gap_us = rate > 0 ? (uint64_t)(1e6 / rate) : 0; /* 0: as fast as answers allow */
        unsigned burst = 0;
        while (e->nfree && e->inflight < (unsigned)e->window && e->inflight < e->fdcap &&
               (e->rqlen || e->next_i < e->npairs) && burst < 4096) {
            if (gap_us) {
                if (e->next_send_us > now)
                    break;
                if (e->next_send_us + 2000u < now)
                    e->next_send_us = now; /* no bursts to catch up after a stall */
                e->next_send_us += gap_us;
            }
            uint64_t pair;
            unsigned attempt = 0;
            if (e->rqlen) {
                pair = e->rq[e->rqhead].pair;
                attempt = e->rq[e->rqhead].attempt;
                e->rqhead = (e->rqhead + 1) % e->rqcap;
                e->rqlen--;
            } else {
                pair = pk_scan_permute(e->next_i, e->npairs, o->seed);
                e->next_i += e->step;
            }
            rc = start_probe(e, pair, attempt, now);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break; /* out of descriptors or ports for now */
            burst++;
            if ((burst & 63) == 0) {
                now = now_us();
                if (stopping(e))
                    break;
            }
        }
        rc = 0;
        if (e->st.done >= e->st.total || stopping(e))
            break;

        /* 3. Wait for answers, at most until the next deadline. */
        now = now_us();
        int wait_ms = 0;
        bool can_send = e->nfree && e->inflight < (unsigned)e->window && e->inflight < e->fdcap &&
                        (e->rqlen || e->next_i < e->npairs);
        if (!can_send || (gap_us && e->next_send_us > now)) {
            uint64_t until = next_progress;
            if (e->nheap && e->heap[0].deadline_us < until)
                until = e->heap[0].deadline_us;
            if (can_send && e->next_send_us < until)
                until = e->next_send_us;
            wait_ms = until > now ? (int)((until - now + 999) / 1000) : 0;
        }
        int n = epoll_wait(e->ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), wait_ms);
        if (n < 0 && errno != EINTR)
            return -errno;
        now = now_us();
        for (int i = 0; i < n; i++) {
            uint32_t s = evs[i].data.u32;
            struct slot *sl = &e->slots[s];
            if (!sl->busy)
                continue;
            int r = connect(sl->fd, (struct sockaddr *)&sl->sa, sl->salen);
            int err = r == 0 ? 0 : errno;
            if (err == EALREADY || err == EINPROGRESS)
                continue; /* an event from an earlier probe on this socket */
            rc = finish(e, s, err, now);
            if (rc < 0)
                return rc;
        }

        /* 4. Rate control and progress. */
        rate_control(e, now);
        if (now >= next_progress) {
            next_progress = now + progress_us;
            fill_stats(e, now);
            pthread_mutex_lock(&sh->mu);
            sh->snap[e->tid] = e->st;
            if (e->tid == 0 && o->on_progress) {
                struct pk_scan_stats m;
                merge_stats(sh->snap, sh->nthreads, &m);
                o->on_progress(&m, o->arg);
            }
            pthread_mutex_unlock(&sh->mu);
        }
    }
    return 0;
}

/* Runs one thread's loop and records a failure for the others to see. */
static void *
engine_thread(void *arg)
{
    struct engine *e = arg;
    e->rc = engine_loop(e);
    if (e->rc < 0) {
        pthread_mutex_lock(&e->sh->mu);
        if (!e->sh->err)
            __atomic_store_n(&e->sh->err, e->rc, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&e->sh->mu);
    }
    return NULL;
}

/* Returns how many threads to scan npairs with. */
static unsigned
thread_count(const struct pk_scan_opts *o, uint64_t npairs, unsigned fdcap)
{
    unsigned n = o->threads;
    if (n == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 1 ? (unsigned)(cpus < 4 ? cpus : 4) : 1;
        if (npairs < 4096)
            n = 1; /* not worth a thread */
    }
    if (n > 64)
        n = 64;
    while (n > 1 && fdcap / n < 16)
        n--; /* each thread needs some sockets of its own */
    return n;
}

int
pk_scan_run(const struct pk_scan_opts *o, struct pk_scan_stats *stout)
{
    struct shared sh = {.o = o};
    struct engine *es = NULL;
    uint16_t *ports = NULL;
    unsigned started = 0;
    int rc = 0;
    if (!o->targets || !o->ports || (o->shard_n && (o->shard_k < 1 || o->shard_k > o->shard_n)) ||
        o->rate < 0 || o->max_rate < 0)
        return PK_EINVAL;

    uint64_t nhosts = pk_targets_count(o->targets);
    size_t nports = pk_portset_count(o->ports, PK_TCP);
    if (nports && nhosts > UINT64_MAX / nports)
        return PK_EINVAL;
    uint64_t npairs = nhosts * nports;
    ports = malloc((nports ? nports : 1) * sizeof(*ports));
    if (!ports)
        return PK_ENOMEM;
    size_t k = 0;
    for (unsigned p = 0; p <= PK_PORT_MAX; p++)
        if (pk_portset_has(o->ports, PK_TCP, p))
            ports[k++] = (uint16_t)p;

    unsigned fdcap = fd_budget();
    if (o->max_inflight && o->max_inflight < fdcap)
        fdcap = o->max_inflight;
    sh.nthreads = thread_count(o, npairs, fdcap);
    es = calloc(sh.nthreads, sizeof(*es));
    sh.snap = calloc(sh.nthreads, sizeof(*sh.snap));
    if (!es || !sh.snap) {
        free(es);
        free(sh.snap);
        free(ports);
        return PK_ENOMEM;
    }
    pthread_mutex_init(&sh.mu, NULL);
    for (unsigned t = 0; t < sh.nthreads; t++) {
        rc = engine_init(&es[t], &sh, t, ports, nports, npairs, fdcap / sh.nthreads);
        if (rc < 0)
            goto out;
    }
    /* Thread 0 is the caller's. */
    for (unsigned t = 1; t < sh.nthreads; t++) {
        if (pthread_create(&es[t].thread, NULL, engine_thread, &es[t]) != 0) {
            rc = PK_ENOMEM;
            __atomic_store_n(&sh.err, rc, __ATOMIC_RELAXED);
            break;
        }
        started++;
    }
    engine_thread(&es[0]);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(es[t].thread, NULL);
    if (rc == 0)
        rc = sh.err ? sh.err : sh.stop;

out:;
    uint64_t now = now_us();
    for (unsigned t = 0; t < sh.nthreads; t++) {
        if (es[t].start_us)
            fill_stats(&es[t], now);
        sh.snap[t] = es[t].st;
        engine_free(&es[t]);
    }
    if (stout)
        merge_stats(sh.snap, sh.nthreads, stout);
    pthread_mutex_destroy(&sh.mu);
    free(sh.snap);
    free(es);
    free(ports);
    return rc;
}
