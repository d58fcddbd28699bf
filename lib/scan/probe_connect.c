/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TCP connect() probe backend: a non-blocking socket per probe in flight.
 *
 * Sockets are kept and reused: after a refused connect() a second connect() on the same
 * socket reports the result and resets it, so a closed port costs two system calls and no
 * socket set-up. That second connect() is also how results are read: it returns 0 once
 * connected, the error of a failed attempt, or EALREADY while the attempt is in flight, so a
 * stale epoll event can never be mistaken for an answer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"
#include "portkit/error.h"
#include "probe.h"

struct cslot {
    struct pk__ev_io io; /* first: the watch leads back to its slot */
    int fd;              /* -1: none */
    int family;          /* of fd */
    bool in_epoll, busy;
    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } sa;
    socklen_t salen;
};

struct cstate {
    struct pk__sched *s;
    struct cslot *slots;
    uint32_t nslots, trim_at;
    /* the immediate check: is connect() answered before it returns? */
    uint64_t imm_tries, imm_hits;
    bool imm_off;
};

void
pk__probe_classify(int err, struct pk__answer *a)
{
    a->err = 0;
    a->again = false;
    switch (err) {
    case 0:
    case EISCONN:
        a->state = PK_PORT_OPEN, a->reason = PK_REASON_SYN_ACK;
        return;
    case ECONNREFUSED:
        a->state = PK_PORT_CLOSED, a->reason = PK_REASON_CONN_REFUSED;
        return;
    case EHOSTUNREACH:
    case EHOSTDOWN:
        a->state = PK_PORT_FILTERED, a->reason = PK_REASON_HOST_UNREACH;
        return;
    case ENETUNREACH:
    case ENETDOWN:
        a->state = PK_PORT_FILTERED, a->reason = PK_REASON_NET_UNREACH;
        return;
    case EACCES:
    case EPERM:
        a->state = PK_PORT_FILTERED, a->reason = PK_REASON_ADMIN_PROHIBITED;
        return;
    default:
        a->state = PK_PORT_FILTERED, a->reason = PK_REASON_ERROR, a->err = err;
        return;
    }
}

/* Closes the socket of slot c and gives its descriptor back. */
static void
close_fd(struct cstate *st, struct cslot *c)
{
    if (c->fd < 0)
        return;
    if (c->in_epoll)
        pk__ev_io_closed(pk__sched_ev(st->s), &c->io);
    close(c->fd);
    c->fd = -1;
    c->in_epoll = false;
    pk__sched_fd_give(st->s);
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

/* Turns the connect() result err of slot c into *a, closing or keeping its socket. */
static void
answer(struct cstate *st, struct cslot *c, int err, struct pk__answer *a)
{
    c->busy = false;
    pk__probe_classify(err, a);
    if (a->state == PK_PORT_OPEN) {
        /* Nothing listens on a port we reached from itself: probe again from another. */
        a->again = self_connected(c->fd);
        struct linger lg = {1, 0}; /* close with a reset: no TIME_WAIT */
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close_fd(st, c);
    } else if (!pk__sched_fd_keep(st->s)) {
        close_fd(st, c);
    }
}

/* An epoll event for a socket: read the result with a second connect(). */
static void
on_ready(struct pk__ev *ev, struct pk__ev_io *io, unsigned events)
{
    (void)ev;
    (void)events;
    struct cstate *st = io->arg;
    struct cslot *c = (struct cslot *)(void *)io;
    if (!c->busy)
        return;
    int r = connect(c->fd, (struct sockaddr *)&c->sa, c->salen);
    int err = r == 0 ? 0 : errno;
    if (err == EALREADY || err == EINPROGRESS)
        return; /* an event from an earlier probe on this socket */
    struct pk__answer a;
    answer(st, c, err, &a);
    pk__sched_answer(st->s, (uint32_t)(c - st->slots), &a);
}

/* Fills the address of slot c for probe p. */
static void
set_addr(struct cslot *c, const struct pk__probe *p)
{
    memset(&c->sa, 0, sizeof(c->sa));
    if (p->family == AF_INET) {
        c->sa.v4.sin_family = AF_INET;
        c->sa.v4.sin_port = htons(p->port);
        memcpy(&c->sa.v4.sin_addr, p->addr, 4);
        c->salen = sizeof(c->sa.v4);
    } else {
        c->sa.v6.sin6_family = AF_INET6;
        c->sa.v6.sin6_port = htons(p->port);
        memcpy(&c->sa.v6.sin6_addr, p->addr, 16);
        c->salen = sizeof(c->sa.v6);
    }
}

static int
connect_send(void *state, uint32_t slot, const struct pk__probe *p, struct pk__answer *a, int *errp)
{
    struct cstate *st = state;
    struct cslot *c = &st->slots[slot];
    set_addr(c, p);
    if (c->fd >= 0 && c->family != p->family)
        close_fd(st, c);
    if (c->fd < 0) {
        if (!pk__sched_fd_take(st->s)) {
            *errp = 0;
            return PK__NOFD;
        }
        int fd = socket(p->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int err = errno;
            pk__sched_fd_give(st->s);
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                *errp = err;
                return PK__NOFD;
            }
            return -err;
        }
        c->fd = fd;
        c->family = p->family;
        c->in_epoll = false;
    }
    int rc = connect(c->fd, (struct sockaddr *)&c->sa, c->salen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS && !st->imm_off) {
        /* Loopback and veth answer within the call: read the result right away. */
        rc = connect(c->fd, (struct sockaddr *)&c->sa, c->salen);
        err = rc == 0 ? 0 : errno;
        st->imm_tries++;
        if (err != EALREADY)
            st->imm_hits++;
        else if (st->imm_tries > 4096 && st->imm_hits < st->imm_tries / 16)
            st->imm_off = true; /* a real network: stop paying for the check */
    }
    if (err == EINPROGRESS || err == EALREADY) {
        /* Only sockets that ever wait join epoll: on loopback none do, and the kernel then
         * skips the wake-ups. Added late, a socket that became ready meanwhile still reports
         * it, edge-triggered or not. */
        if (!c->in_epoll) {
            rc = pk__ev_io_start(pk__sched_ev(st->s), &c->io, c->fd, PK__EV_WRITE | PK__EV_EDGE,
                                 on_ready, st);
            if (rc < 0)
                return rc;
            c->in_epoll = true;
        }
        c->busy = true;
        return PK__SENT;
    }
    if (err == EADDRNOTAVAIL || err == EAGAIN || err == ENOBUFS) {
        /* Out of local ports or buffers: the scheduler backs off and tries again. */
        close_fd(st, c);
        return PK__BUSY;
    }
    answer(st, c, err, a);
    return PK__ANSWERED;
}

static bool
connect_check(void *state, uint32_t slot, struct pk__answer *a)
{
    struct cstate *st = state;
    struct cslot *c = &st->slots[slot];
    if (!c->busy || c->fd < 0)
        return false;
    /* The second connect() tells an attempt still in flight (EALREADY) from one that has
     * ended while nobody looked. */
    int r = connect(c->fd, (struct sockaddr *)&c->sa, c->salen);
    int err = r == 0 ? 0 : errno;
    if (err == EALREADY || err == EINPROGRESS)
        return false;
    answer(st, c, err, a);
    return true;
}

static void
connect_abort(void *state, uint32_t slot)
{
    struct cstate *st = state;
    struct cslot *c = &st->slots[slot];
    c->busy = false;
    /* Abort the attempt (AF_UNSPEC disconnects) so the socket can be used again. */
    struct sockaddr sa = {.sa_family = AF_UNSPEC};
    if (connect(c->fd, &sa, sizeof(sa)) != 0 || !pk__sched_fd_keep(st->s))
        close_fd(st, c);
}

static unsigned
connect_trim(void *state, unsigned n)
{
    struct cstate *st = state;
    unsigned closed = 0;
    /* From where the last call stopped, so that repeated calls cost little. */
    for (uint32_t k = 0; k < st->nslots && closed < n; k++) {
        struct cslot *c = &st->slots[st->trim_at];
        st->trim_at = (st->trim_at + 1) % st->nslots;
        if (!c->busy && c->fd >= 0) {
            close_fd(st, c);
            closed++;
        }
    }
    return closed;
}

static int
connect_init(struct pk__sched *s, uint32_t nslots, void **state)
{
    struct cstate *st = calloc(1, sizeof(*st));
    if (!st)
        return PK_ENOMEM;
    st->s = s;
    st->nslots = nslots;
    st->slots = calloc(nslots, sizeof(*st->slots));
    if (!st->slots) {
        free(st);
        return PK_ENOMEM;
    }
    for (uint32_t i = 0; i < nslots; i++)
        st->slots[i].fd = -1;
    *state = st;
    return 0;
}

static void
connect_fini(void *state)
{
    struct cstate *st = state;
    for (uint32_t i = 0; i < st->nslots; i++)
        if (st->slots[i].fd >= 0)
            close(st->slots[i].fd);
    free(st->slots);
    free(st);
}

const struct pk__probe_ops pk__probe_connect = {
    .name = "connect",
    .proto = PK_TCP,
    .fd_per_probe = true,
    .init = connect_init,
    .fini = connect_fini,
    .send = connect_send,
    .check = connect_check,
    .abort = connect_abort,
    .trim = connect_trim,
};
