/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The event loop: one epoll descriptor, one eventfd for wake-ups, and a binary min-heap of
 * timer pointers, each timer knowing its place in the heap so that it can be moved or
 * cancelled in O(log n).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "grow.h"
#include "portkit/error.h"

#define BATCH 256 /* events read per epoll_wait() */

struct pk__ev {
    int ep, wakefd;
    struct pk__ev_io wake;
    struct pk__ev_timer **heap;
    size_t nheap, heapcap, heapmax;
    struct epoll_event batch[BATCH];
    int nbatch, ibatch; /* events of the pass being dispatched, and the next one */
    bool stopped;
};

uint64_t
pk__ev_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Empties the eventfd after a wake-up. */
static void
on_wake(struct pk__ev *ev, struct pk__ev_io *io, unsigned events)
{
    (void)ev;
    (void)events;
    uint64_t v;
    while (read(io->fd, &v, sizeof(v)) < 0 && errno == EINTR)
        ;
}

int
pk__ev_new(struct pk__ev **out, size_t max_timers)
{
    struct pk__ev *ev = calloc(1, sizeof(*ev));
    int rc = 0;
    if (!ev)
        return PK_ENOMEM;
    ev->ep = ev->wakefd = -1;
    ev->heapmax = max_timers;
    ev->ep = epoll_create1(EPOLL_CLOEXEC);
    if (ev->ep < 0) {
        rc = -errno;
        goto out;
    }
    ev->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ev->wakefd < 0) {
        rc = -errno;
        goto out;
    }
    rc = pk__ev_io_start(ev, &ev->wake, ev->wakefd, PK__EV_READ, on_wake, NULL);
    if (rc == 0 && max_timers)
        rc = pk__grow(&ev->heap, &ev->heapcap, max_timers < 1024 ? max_timers : 1024,
                      sizeof(*ev->heap), max_timers);
out:
    if (rc < 0) {
        pk__ev_free(ev);
        return rc;
    }
    *out = ev;
    return 0;
}

void
pk__ev_free(struct pk__ev *ev)
{
    if (!ev)
        return;
    int saved = errno;
    if (ev->wakefd >= 0)
        close(ev->wakefd);
    if (ev->ep >= 0)
        close(ev->ep);
    errno = saved;
    free(ev->heap);
    free(ev);
}

/* Returns the epoll event mask for PK__EV_* bits. */
static uint32_t
to_epoll(unsigned events)
{
    return ((events & PK__EV_READ) ? (uint32_t)EPOLLIN : 0u) |
           ((events & PK__EV_WRITE) ? (uint32_t)EPOLLOUT : 0u) |
           ((events & PK__EV_EDGE) ? (uint32_t)EPOLLET : 0u);
}

int
pk__ev_io_start(struct pk__ev *ev, struct pk__ev_io *io, int fd, unsigned events, pk__ev_io_cb cb,
                void *arg)
{
    struct epoll_event e = {.events = to_epoll(events), .data.ptr = io};
    io->fd = fd;
    io->events = events;
    io->cb = cb;
    io->arg = arg;
    if (epoll_ctl(ev->ep, EPOLL_CTL_ADD, fd, &e) < 0)
        return -errno;
    return 0;
}

void
pk__ev_io_closed(struct pk__ev *ev, struct pk__ev_io *io)
{
    for (int i = ev->ibatch; i < ev->nbatch; i++)
        if (ev->batch[i].data.ptr == io)
            ev->batch[i].data.ptr = NULL;
}

int
pk__ev_io_stop(struct pk__ev *ev, struct pk__ev_io *io)
{
    pk__ev_io_closed(ev, io);
    if (epoll_ctl(ev->ep, EPOLL_CTL_DEL, io->fd, NULL) < 0)
        return -errno;
    return 0;
}

/* --- timers --- */

void
pk__ev_timer_init(struct pk__ev_timer *t, pk__ev_timer_cb cb, void *arg)
{
    memset(t, 0, sizeof(*t));
    t->cb = cb;
    t->arg = arg;
}

bool
pk__ev_timer_armed(const struct pk__ev_timer *t)
{
    return t->pos != 0;
}

/* Puts t at heap index i and records the index in it. */
static void
heap_set(struct pk__ev *ev, size_t i, struct pk__ev_timer *t)
{
    ev->heap[i] = t;
    t->pos = i + 1;
}

/* Moves the timer at index i towards the root while it is due before its parent. */
static void
sift_up(struct pk__ev *ev, size_t i)
{
    struct pk__ev_timer *t = ev->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (ev->heap[p]->deadline_us <= t->deadline_us)
            break;
        heap_set(ev, i, ev->heap[p]);
        i = p;
    }
    heap_set(ev, i, t);
}

/* Moves the timer at index i towards the leaves while a child is due before it. */
static void
sift_down(struct pk__ev *ev, size_t i)
{
    struct pk__ev_timer *t = ev->heap[i];
    size_t n = ev->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev->heap[c + 1]->deadline_us < ev->heap[c]->deadline_us)
            c++;
        if (ev->heap[c]->deadline_us >= t->deadline_us)
            break;
        heap_set(ev, i, ev->heap[c]);
        i = c;
    }
    heap_set(ev, i, t);
}

int
pk__ev_timer_start(struct pk__ev *ev, struct pk__ev_timer *t, uint64_t deadline_us)
{
    if (t->pos) {
        uint64_t old = t->deadline_us;
        t->deadline_us = deadline_us;
        if (deadline_us < old)
            sift_up(ev, t->pos - 1);
        else
            sift_down(ev, t->pos - 1);
        return 0;
    }
    int rc = pk__grow(&ev->heap, &ev->heapcap, ev->nheap + 1, sizeof(*ev->heap), ev->heapmax);
    if (rc < 0)
        return rc;
    t->deadline_us = deadline_us;
    ev->heap[ev->nheap++] = t;
    sift_up(ev, ev->nheap - 1);
    return 0;
}

void
pk__ev_timer_stop(struct pk__ev *ev, struct pk__ev_timer *t)
{
    if (!t->pos)
        return;
    size_t i = t->pos - 1;
    t->pos = 0;
    struct pk__ev_timer *last = ev->heap[--ev->nheap];
    if (i == ev->nheap)
        return;
    heap_set(ev, i, last);
    if (i > 0 && ev->heap[(i - 1) / 2]->deadline_us > last->deadline_us)
        sift_up(ev, i);
    else
        sift_down(ev, i);
}

uint64_t
pk__ev_next_deadline(const struct pk__ev *ev)
{
    return ev->nheap ? ev->heap[0]->deadline_us : UINT64_MAX;
}

size_t
pk__ev_timers(const struct pk__ev *ev)
{
    return ev->nheap;
}

/* Runs the callbacks of the timers due at now, earliest first. Returns how many ran. */
static int
fire_timers(struct pk__ev *ev, uint64_t now)
{
    int n = 0;
    while (ev->nheap && ev->heap[0]->deadline_us <= now) {
        struct pk__ev_timer *t = ev->heap[0];
        pk__ev_timer_stop(ev, t);
        n++;
        if (t->cb)
            t->cb(ev, t); /* may re-arm t or others */
    }
    return n;
}

/* --- the loop --- */

int
pk__ev_wake(struct pk__ev *ev)
{
    uint64_t one = 1;
    for (;;) {
        if (write(ev->wakefd, &one, sizeof(one)) == (ssize_t)sizeof(one))
            return 0;
        if (errno == EAGAIN)
            return 0; /* the counter is full: a wake-up is pending anyway */
        if (errno != EINTR)
            return -errno;
    }
}

int
pk__ev_run_once(struct pk__ev *ev, int64_t timeout_us)
{
    uint64_t now = pk__ev_now_us();
    int wait_ms = -1;
    uint64_t next = pk__ev_next_deadline(ev);
    if (next != UINT64_MAX || timeout_us >= 0) {
        uint64_t until = next;
        if (timeout_us >= 0 && now + (uint64_t)timeout_us < until)
            until = now + (uint64_t)timeout_us;
        /* Round up: waking before a deadline only costs another pass. */
        uint64_t ms = until > now ? (until - now + 999) / 1000 : 0;
        wait_ms = ms > 3600000u ? 3600000 : (int)ms;
    }
    int n = epoll_wait(ev->ep, ev->batch, BATCH, wait_ms);
    if (n < 0) {
        if (errno != EINTR)
            return -errno;
        n = 0;
    }
    int ran = 0;
    ev->nbatch = n;
    for (ev->ibatch = 0; ev->ibatch < ev->nbatch;) {
        struct epoll_event *e = &ev->batch[ev->ibatch++];
        struct pk__ev_io *io = e->data.ptr;
        if (!io)
            continue; /* closed or stopped by an earlier callback of this pass */
        unsigned what = ((e->events & EPOLLIN) ? PK__EV_READ : 0u) |
                        ((e->events & EPOLLOUT) ? PK__EV_WRITE : 0u) |
                        ((e->events & (EPOLLERR | EPOLLHUP)) ? PK__EV_ERROR : 0u);
        io->cb(ev, io, what);
        ran++;
    }
    ev->nbatch = ev->ibatch = 0;
    return ran + fire_timers(ev, pk__ev_now_us());
}

int
pk__ev_run(struct pk__ev *ev)
{
    while (!ev->stopped) {
        int rc = pk__ev_run_once(ev, -1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void
pk__ev_stop(struct pk__ev *ev)
{
    ev->stopped = true;
}

bool
pk__ev_stopped(const struct pk__ev *ev)
{
    return ev->stopped;
}
