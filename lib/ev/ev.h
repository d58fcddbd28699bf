/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_EV_EV_H
#define PORTKIT_EV_EV_H

/*
 * A small epoll event loop: descriptor watches with callbacks, timers on a min-heap with
 * deadlines in monotonic microseconds, and an eventfd another thread (or a signal handler)
 * can use to interrupt a wait. One loop belongs to one thread; only pk__ev_wake() may be
 * called from elsewhere. Watches and timers are the caller's memory (embed them in the
 * object they serve): arming one allocates nothing, apart from the timer heap, which is
 * sized once with a maximum.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PK__EV_READ 0x1u
#define PK__EV_WRITE 0x2u
#define PK__EV_EDGE 0x4u  /* edge-triggered: report a change of readiness once */
#define PK__EV_ERROR 0x8u /* reported only: an error or hang-up on the descriptor */

struct pk__ev;
struct pk__ev_io;
struct pk__ev_timer;

typedef void (*pk__ev_io_cb)(struct pk__ev *ev, struct pk__ev_io *io, unsigned events);
typedef void (*pk__ev_timer_cb)(struct pk__ev *ev, struct pk__ev_timer *t);

/* A watched descriptor. Set nothing in it by hand; pk__ev_io_start() fills it. */
struct pk__ev_io {
    int fd;
    unsigned events;
    pk__ev_io_cb cb;
    void *arg;
};

/* A timer. Zero it (or let pk__ev_timer_init() do it) before its first use. */
struct pk__ev_timer {
    uint64_t deadline_us;
    size_t pos; /* 1 + its index in the heap; 0 when not armed */
    pk__ev_timer_cb cb;
    void *arg;
};

/* Returns the monotonic clock in microseconds. */
uint64_t pk__ev_now_us(void);

/*
 * Makes a loop whose heap holds at most max_timers armed timers, in *out. Returns 0,
 * PK_ENOMEM or -errno (from epoll_create1 or eventfd); on failure nothing stays open.
 */
int pk__ev_new(struct pk__ev **out, size_t max_timers);

/* Closes the loop's own descriptors and frees it; watched descriptors stay open. NULL is fine. */
void pk__ev_free(struct pk__ev *ev);

/* Watches fd for events (PK__EV_READ/WRITE, maybe EDGE); cb gets io. Returns 0 or -errno. */
int pk__ev_io_start(struct pk__ev *ev, struct pk__ev_io *io, int fd, unsigned events,
                    pk__ev_io_cb cb, void *arg);

/* Stops watching io (its descriptor stays open). Returns 0 or -errno. */
int pk__ev_io_stop(struct pk__ev *ev, struct pk__ev_io *io);

/*
 * Tells the loop that io's descriptor was closed (the kernel has dropped the watch): events
 * for it that were already read in this pass are not delivered.
 */
void pk__ev_io_closed(struct pk__ev *ev, struct pk__ev_io *io);

/* Zeroes t: not armed. */
void pk__ev_timer_init(struct pk__ev_timer *t, pk__ev_timer_cb cb, void *arg);

/*
 * Arms t to fire at deadline_us (monotonic), moving it when it is armed already. Returns 0,
 * PK_ENOBUFS when max_timers are armed, or PK_ENOMEM.
 */
int pk__ev_timer_start(struct pk__ev *ev, struct pk__ev_timer *t, uint64_t deadline_us);

/* Disarms t; nothing happens when it is not armed. */
void pk__ev_timer_stop(struct pk__ev *ev, struct pk__ev_timer *t);

/* Returns true while t is armed. */
bool pk__ev_timer_armed(const struct pk__ev_timer *t);

/* Returns the earliest deadline of an armed timer, or UINT64_MAX when there is none. */
uint64_t pk__ev_next_deadline(const struct pk__ev *ev);

/* Returns the number of armed timers. */
size_t pk__ev_timers(const struct pk__ev *ev);

/*
 * Interrupts the loop's current or next wait. Safe from any thread and from a signal
 * handler: it is one write(2) to an eventfd. Returns 0 or -errno.
 */
int pk__ev_wake(struct pk__ev *ev);

/*
 * Waits at most timeout_us (< 0: until something happens; 0: not at all) for events, then
 * runs the callbacks of ready descriptors and of due timers. A wake-up ends the wait.
 * Returns the number of callbacks run, or -errno when epoll fails (EINTR counts as 0).
 */
int pk__ev_run_once(struct pk__ev *ev, int64_t timeout_us);

/* Runs pk__ev_run_once() until pk__ev_stop(). Returns 0 or -errno. */
int pk__ev_run(struct pk__ev *ev);

/* Makes pk__ev_run() return after the current pass; call from a callback or the loop's thread. */
void pk__ev_stop(struct pk__ev *ev);

/* Returns true after pk__ev_stop(). */
bool pk__ev_stopped(const struct pk__ev *ev);

#endif
