/* SPDX-License-Identifier: BSD-2-Clause */
/* The event loop: timers fire in deadline order, move and cancel; descriptor callbacks; a
 * wake-up from another thread ends a long wait; a closed descriptor's pending event is dropped. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev.h"
#include "portkit/error.h"

struct order {
    int fired[64];
    int n;
};

struct tmr {
    struct pk__ev_timer t;
    int id;
    struct order *o;
};

static void
on_timer(struct pk__ev *ev, struct pk__ev_timer *t)
{
    (void)ev;
    struct tmr *m = t->arg;
    m->o->fired[m->o->n++] = m->id;
}

/* Runs ev until n callbacks ran or a second has passed. */
static void
run_until(struct pk__ev *ev, const struct order *o, int n)
{
    uint64_t end = pk__ev_now_us() + 1000000u;
    while (o->n < n && pk__ev_now_us() < end)
        assert_true(pk__ev_run_once(ev, 10000) >= 0);
}

static void
test_timers_in_order(void **state)
{
    (void)state;
    struct pk__ev *ev;
    assert_int_equal(pk__ev_new(&ev, 16), 0);
    static struct order o;
    memset(&o, 0, sizeof(o));
    struct tmr m[6];
    uint64_t now = pk__ev_now_us();
    /* Armed out of order: 3 ms, 1 ms, 5 ms, 2 ms, 4 ms, 6 ms. */
    static const int ms[6] = {3, 1, 5, 2, 4, 6};
    for (int i = 0; i < 6; i++) {
        m[i].id = ms[i];
        m[i].o = &o;
        pk__ev_timer_init(&m[i].t, on_timer, &m[i]);
        assert_int_equal(pk__ev_timer_start(ev, &m[i].t, now + (uint64_t)ms[i] * 1000u), 0);
    }
    assert_int_equal(pk__ev_timers(ev), 6);
    assert_int_equal(pk__ev_next_deadline(ev), now + 1000u);
    /* Cancel 4 ms, move 6 ms before all others, and 1 ms after 5 ms. */
    pk__ev_timer_stop(ev, &m[4].t);
    assert_false(pk__ev_timer_armed(&m[4].t));
    pk__ev_timer_stop(ev, &m[4].t); /* twice is harmless */
    assert_int_equal(pk__ev_timer_start(ev, &m[5].t, now + 500u), 0);
    assert_int_equal(pk__ev_timer_start(ev, &m[1].t, now + 5500u), 0);
    assert_int_equal(pk__ev_timers(ev), 5);
    run_until(ev, &o, 5);
    assert_int_equal(o.n, 5);
    static const int want[5] = {6, 2, 3, 5, 1};
    for (int i = 0; i < 5; i++)
        assert_int_equal(o.fired[i], want[i]);
    assert_int_equal(pk__ev_timers(ev), 0);
    assert_int_equal(pk__ev_next_deadline(ev), UINT64_MAX);
    pk__ev_free(ev);
}

/* Many timers with pseudo-random deadlines, a third cancelled: the rest fire sorted. */
static void
test_timers_random(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct pk__ev *ev;
    assert_int_equal(pk__ev_new(&ev, N), 0);
    struct pk__ev_timer *t = calloc(N, sizeof(*t));
    assert_non_null(t);
    uint64_t x = 88172645463325252ull, base = pk__ev_now_us() - 10000000u; /* all due */
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        pk__ev_timer_init(&t[i], NULL, NULL);
        assert_int_equal(pk__ev_timer_start(ev, &t[i], base + x % 1000000u), 0);
    }
    struct pk__ev_timer extra;
    pk__ev_timer_init(&extra, NULL, NULL);
    assert_int_equal(pk__ev_timer_start(ev, &extra, base), PK_ENOBUFS); /* the heap is full */
    for (int i = 0; i < N; i += 3)
        pk__ev_timer_stop(ev, &t[i]);
    uint64_t last = 0;
    size_t left = pk__ev_timers(ev);
    assert_int_equal(left, N - (N + 2) / 3);
    while (pk__ev_timers(ev)) {
        uint64_t d = pk__ev_next_deadline(ev);
        assert_true(d >= last);
        last = d;
        /* Stop the earliest by hand: the heap must stay ordered after each removal. */
        for (int i = 0; i < N; i++)
            if (pk__ev_timer_armed(&t[i]) && t[i].deadline_us == d) {
                pk__ev_timer_stop(ev, &t[i]);
                break;
            }
        left--;
        assert_int_equal(pk__ev_timers(ev), left);
    }
    free(t);
    pk__ev_free(ev);
}

struct waker {
    struct pk__ev *ev;
    unsigned delay_us;
};

static void *
wake_later(void *arg)
{
    struct waker *w = arg;
    usleep(w->delay_us);
    pk__ev_wake(w->ev);
    return NULL;
}

static void
test_wake(void **state)
{
    (void)state;
    struct pk__ev *ev;
    assert_int_equal(pk__ev_new(&ev, 4), 0);
    struct waker w = {ev, 50000};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wake_later, &w), 0);
    uint64_t t0 = pk__ev_now_us();
    /* A wait of 10 s, ended by the other thread after 50 ms. */
    assert_true(pk__ev_run_once(ev, 10000000) >= 1);
    uint64_t took = pk__ev_now_us() - t0;
    pthread_join(th, NULL);
    if (took > 2000000u)
        fail_msg("wake-up took %llu us", (unsigned long long)took);
    /* A wake-up before the wait is not lost, and one is drained by one pass. */
    assert_int_equal(pk__ev_wake(ev), 0);
    assert_int_equal(pk__ev_wake(ev), 0);
    t0 = pk__ev_now_us();
    assert_int_equal(pk__ev_run_once(ev, 10000000), 1);
    assert_true(pk__ev_now_us() - t0 < 2000000u);
    assert_int_equal(pk__ev_run_once(ev, 0), 0);
    pk__ev_free(ev);
}

struct reader {
    struct pk__ev_io io;
    int calls;
    unsigned events;
    char got[16];
};

static void
on_read(struct pk__ev *ev, struct pk__ev_io *io, unsigned events)
{
    struct reader *r = io->arg;
    r->calls++;
    r->events = events;
    ssize_t n = read(io->fd, r->got, sizeof(r->got) - 1);
    if (n > 0)
        r->got[n] = '\0';
    if (n == 0)
        pk__ev_stop(ev); /* the writer closed its end */
}

static void
test_fd(void **state)
{
    (void)state;
    struct pk__ev *ev;
    assert_int_equal(pk__ev_new(&ev, 4), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct reader r = {0};
    assert_int_equal(pk__ev_io_start(ev, &r.io, p[0], PK__EV_READ, on_read, &r), 0);
    assert_int_equal(pk__ev_run_once(ev, 0), 0); /* nothing to read yet */
    assert_int_equal(write(p[1], "ping", 4), 4);
    assert_int_equal(pk__ev_run_once(ev, 1000000), 1);
    assert_int_equal(r.calls, 1);
    assert_true(r.events & PK__EV_READ);
    assert_string_equal(r.got, "ping");
    /* Stopped, the watch reports nothing; started again it does; EOF stops pk__ev_run(). */
    assert_int_equal(pk__ev_io_stop(ev, &r.io), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(pk__ev_run_once(ev, 20000), 0);
    assert_int_equal(pk__ev_io_start(ev, &r.io, p[0], PK__EV_READ, on_read, &r), 0);
    assert_int_equal(pk__ev_run_once(ev, 1000000), 1);
    assert_string_equal(r.got, "x");
    close(p[1]);
    assert_int_equal(pk__ev_run(ev), 0);
    assert_true(pk__ev_stopped(ev));
    close(p[0]);
    pk__ev_free(ev);
}

/* Two ready pipes; the first callback closes the other one: its event is not delivered. */
static struct pk__ev_io *victim_a, *victim_b;

static void
on_first(struct pk__ev *ev, struct pk__ev_io *io, unsigned events)
{
    on_read(ev, io, events);
    struct pk__ev_io *other = io == victim_a ? victim_b : victim_a;
    close(other->fd);
    pk__ev_io_closed(ev, other);
}

static void
test_closed(void **state)
{
    (void)state;
    struct pk__ev *ev;
    assert_int_equal(pk__ev_new(&ev, 4), 0);
    int p[2], q[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    struct reader a = {0}, b = {0};
    victim_a = &a.io;
    victim_b = &b.io;
    assert_int_equal(pk__ev_io_start(ev, &a.io, p[0], PK__EV_READ, on_first, &a), 0);
    assert_int_equal(pk__ev_io_start(ev, &b.io, q[0], PK__EV_READ, on_first, &b), 0);
    assert_int_equal(write(p[1], "a", 1), 1);
    assert_int_equal(write(q[1], "b", 1), 1);
    usleep(1000);
    assert_int_equal(pk__ev_run_once(ev, 1000000), 1); /* both were ready; one ran */
    assert_int_equal(a.calls + b.calls, 1);
    close(a.calls ? p[0] : q[0]);
    close(p[1]);
    close(q[1]);
    pk__ev_free(ev);
}

/* A timer callback that re-arms itself runs once per pass, not in a loop. */
static void
on_rearm(struct pk__ev *ev, struct pk__ev_timer *t)
{
    int *n = t->arg;
    ++*n;
    pk__ev_timer_start(ev, t, pk__ev_now_us() + 1000000u);
}

static void
test_rearm(void **state)
{
    (void)state;
    struct pk__ev *ev;
    assert_int_equal(pk__ev_new(&ev, 4), 0);
    int n = 0;
    struct pk__ev_timer t;
    pk__ev_timer_init(&t, on_rearm, &n);
    assert_int_equal(pk__ev_timer_start(ev, &t, pk__ev_now_us()), 0);
    assert_int_equal(pk__ev_run_once(ev, 0), 1);
    assert_int_equal(n, 1);
    assert_true(pk__ev_timer_armed(&t));
    assert_int_equal(pk__ev_run_once(ev, 0), 0);
    pk__ev_free(ev);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_in_order),
        cmocka_unit_test(test_timers_random),
        cmocka_unit_test(test_wake),
        cmocka_unit_test(test_fd),
        cmocka_unit_test(test_closed),
        cmocka_unit_test(test_rearm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
