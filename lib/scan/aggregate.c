/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Results added up per host: counts by state and reason, the ports a report lists, and the
 * round-trip times. A host's record is made when its first result comes.
 */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "portkit/error.h"
#include "portkit/scan.h"
#include "scheduler.h"

#define LIST_MAX_DEFAULT 25u

/* The mark of a released host: never written, only compared. */
static const char released_mark;
#define RELEASED ((struct host *)(uintptr_t)&released_mark)

/* A listed port, packed. */
struct aport {
    uint16_t port;
    uint8_t state, reason;
};

struct host {
    struct aport *listed;
    size_t n, cap;
    uint64_t results;
    uint32_t count[PK_PORT_NSTATES];
    uint32_t reason[PK_PORT_NSTATES][PK_REASON_COUNT];
    uint32_t srtt_us, rttvar_us;
};

struct pk_scan_agg {
    struct host **hosts; /* NULL before the first result, RELEASED after release */
    uint64_t nhosts, per_host;
    unsigned list_max, open_max;
    bool open_only;
    struct pk_scan_port *view; /* what pk_scan_agg_host() returned last */
    size_t viewcap;
};

int
pk_scan_agg_new(uint64_t nhosts, const struct pk_scan_agg_opts *o, struct pk_scan_agg **out)
{
    struct pk_scan_agg *a = calloc(1, sizeof(*a));
    if (!a || nhosts > SIZE_MAX / sizeof(*a->hosts))
        goto fail;
    a->hosts = calloc(nhosts ? (size_t)nhosts : 1, sizeof(*a->hosts));
    if (!a->hosts)
        goto fail;
    a->nhosts = nhosts;
    a->list_max = o && o->list_max ? o->list_max : LIST_MAX_DEFAULT;
    a->open_max = o && o->open_max ? o->open_max : PK_PORT_MAX + 1;
    a->open_only = o && o->open_only;
    a->per_host = o ? o->per_host : 0;
    *out = a;
    return 0;
fail:
    free(a);
    return PK_ENOMEM;
}

void
pk_scan_agg_free(struct pk_scan_agg *a)
{
    if (!a)
        return;
    for (uint64_t i = 0; i < a->nhosts; i++)
        pk_scan_agg_release(a, i);
    free(a->hosts);
    free(a->view);
    free(a);
}

int
pk_scan_agg_add(struct pk_scan_agg *a, const struct pk_scan_result *r)
{
    if (r->host >= a->nhosts || (unsigned)r->state >= PK_PORT_NSTATES ||
        (unsigned)r->reason >= PK_REASON_COUNT)
        return PK_ENOENT;
    struct host *h = a->hosts[r->host];
    if (h == RELEASED)
        return PK_ENOENT;
    if (!h) {
        h = a->hosts[r->host] = calloc(1, sizeof(*h));
        if (!h)
            return PK_ENOMEM;
    }
    h->count[r->state]++;
    h->reason[r->state][r->reason]++;
    bool list = r->state == PK_PORT_OPEN ? h->count[r->state] <= a->open_max
                                         : !a->open_only && h->count[r->state] <= a->list_max;
    if (list) {
        struct aport p = {(uint16_t)r->port, (uint8_t)r->state, (uint8_t)r->reason};
        int rc = pk__push(&h->listed, &h->n, &h->cap, &p, sizeof(p),
                          (size_t)a->open_max + 2u * a->list_max);
        if (rc < 0)
            return PK_ENOMEM;
    }
    if (r->rtt_us)
        pk__rtt_update(&h->srtt_us, &h->rttvar_us, r->rtt_us);
    return ++h->results == a->per_host ? PK_SCAN_HOST_DONE : 0;
}

void
pk_scan_agg_release(struct pk_scan_agg *a, uint64_t host)
{
    if (host >= a->nhosts || a->hosts[host] == RELEASED)
        return;
    if (a->hosts[host]) {
        free(a->hosts[host]->listed);
        free(a->hosts[host]);
    }
    a->hosts[host] = RELEASED;
}

bool
pk_scan_agg_released(const struct pk_scan_agg *a, uint64_t host)
{
    return host < a->nhosts && a->hosts[host] == RELEASED;
}

/* qsort() order of listed ports: by number. */
static int
cmp_port(const void *x, const void *y)
{
    const struct aport *a = x, *b = y;
    return a->port < b->port ? -1 : a->port > b->port;
}

int
pk_scan_agg_host(struct pk_scan_agg *a, uint64_t host, struct pk_scan_host *out)
{
    if (host >= a->nhosts || a->hosts[host] == RELEASED)
        return PK_ENOENT;
    memset(out, 0, sizeof(*out));
    const struct host *h = a->hosts[host];
    if (!h)
        return 0;
    bool summarise[PK_PORT_NSTATES];
    for (int s = 0; s < PK_PORT_NSTATES; s++) {
        out->count[s] = h->count[s];
        summarise[s] = s == PK_PORT_OPEN ? h->count[s] > a->open_max
                                         : h->count[s] > a->list_max || a->open_only;
    }
    if (pk__grow(&a->view, &a->viewcap, h->n ? h->n : 1, sizeof(*a->view), SIZE_MAX) < 0)
        return PK_ENOMEM;
    qsort(h->listed, h->n, sizeof(*h->listed), cmp_port);
    size_t m = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!summarise[h->listed[i].state])
            a->view[m++] =
                (struct pk_scan_port){h->listed[i].port, (enum pk_port_state)h->listed[i].state,
                                      (enum pk_scan_reason)h->listed[i].reason};
    for (int s = 0; s < PK_PORT_NSTATES; s++)
        if (summarise[s]) {
            out->extra[s] = h->count[s];
            for (int r = 0; r < PK_REASON_COUNT; r++)
                out->extra_reason[s][r] = h->reason[s][r];
        }
    out->ports = a->view;
    out->nports = m;
    out->srtt_us = h->srtt_us;
    out->rttvar_us = h->rttvar_us;
    out->to_us = h->srtt_us + 4 * h->rttvar_us;
    return 0;
}
