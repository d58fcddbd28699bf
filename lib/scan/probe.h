/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_PROBE_H
#define PORTKIT_SCAN_PROBE_H

/*
 * Probe backends: how one probe is sent and its answer read. The scheduler (scheduler.c) picks
 * the pairs, keeps the window, the timers, the retries and the rate; a backend only turns a
 * probe into packets and answers into port states. TCP connect() is one backend, with a
 * socket per probe; a raw-socket backend (SYN, UDP) would keep one socket for all probes and
 * match answers to probes itself, which is why probes are named by slot, not by descriptor.
 *
 * A backend keeps its own state per slot (an array of nslots) and reports answers that come
 * later with pk__sched_answer(). Backends that use a descriptor per probe ask the scheduler
 * for each one (pk__sched_fd_take/give), so that the scan stays within its descriptor budget.
 */
#include <stdbool.h>
#include <stdint.h>

#include "portkit/scan.h"

struct pk__sched;
struct pk__ev;

/* One probe to send: the pair it is for, and where. */
struct pk__probe {
    uint64_t pair;
    unsigned attempt; /* 0 for the first probe of the pair */
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network order */
    uint16_t port;
};

/* What became of a probe. */
struct pk__answer {
    enum pk_port_state state;
    enum pk_scan_reason reason;
    int err;    /* the errno behind PK_REASON_ERROR */
    bool again; /* no real answer (a loopback self-connect): probe the pair again */
};

/* What send() did. */
enum pk__send_rc {
    PK__SENT = 0,     /* in flight: pk__sched_answer() or the timeout follows */
    PK__ANSWERED = 1, /* answered before send() returned: *ans is filled */
    PK__BUSY = 2,     /* not sent: out of local ports or buffers for now */
    PK__NOFD = 3,     /* not sent: no descriptor (budget spent, or the kernel's limit) */
};

struct pk__probe_ops {
    const char *name;
    unsigned proto;    /* PK_TCP, PK_UDP */
    bool fd_per_probe; /* holds a descriptor per probe in flight (and per kept socket) */

    /* Makes the backend's state for nslots slots of scheduler s. Returns 0 or a pk_errno. */
    int (*init)(struct pk__sched *s, uint32_t nslots, void **state);
    /* Closes what the backend holds and frees its state. */
    void (*fini)(void *state);
    /*
     * Sends probe p in slot. Returns an enum pk__send_rc (with *ans for PK__ANSWERED, and
     * *err for PK__NOFD: the errno, or 0 when the budget said no), or a negative pk_errno.
     */
    int (*send)(void *state, uint32_t slot, const struct pk__probe *p, struct pk__answer *ans,
                int *err);
    /*
     * Looks, at its timeout, whether the probe in slot has an answer the loop has not
     * delivered yet (a loop that ran late, on a loaded machine): returns true and fills *ans
     * (the probe is then finished), false when it is still unanswered. May be NULL.
     */
    bool (*check)(void *state, uint32_t slot, struct pk__answer *ans);
    /* Gives up the probe in slot after its timeout, so the slot can be used again. */
    void (*abort)(void *state, uint32_t slot);
    /* Closes up to n descriptors kept by idle slots. Returns how many it closed. */
    unsigned (*trim)(void *state, unsigned n);
};

extern const struct pk__probe_ops pk__probe_connect;

/* The loop of scheduler s, for backends to watch their descriptors on. */
struct pk__ev *pk__sched_ev(struct pk__sched *s);

/* Reports the answer to the probe in slot, which send() left in flight. */
void pk__sched_answer(struct pk__sched *s, uint32_t slot, const struct pk__answer *ans);

/* Asks for one descriptor more. Returns true when the backend may open one. */
bool pk__sched_fd_take(struct pk__sched *s);

/* Tells the scheduler that the backend closed a descriptor it had taken. */
void pk__sched_fd_give(struct pk__sched *s);

/* Returns true when a finished probe's descriptor may be kept for the next one. */
bool pk__sched_fd_keep(const struct pk__sched *s);

/* Maps the result of a connect()-like call (0 or an errno value) to a state and a reason. */
void pk__probe_classify(int err, struct pk__answer *ans);

#endif
