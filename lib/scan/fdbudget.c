/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Descriptor budgets: a count of descriptors that the jobs sharing it draw from. A job may
 * hold the total divided by the jobs running (pk__fd_budget_share()); its schedulers keep to
 * that share and give back what is over it as their sockets fall idle, so a job that starts
 * while another runs gets its part within a probe timeout.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "job.h"
#include "portkit/error.h"

#define BUDGET_MAX 65536u /* sockets one budget made from RLIMIT_NOFILE allows */

struct pk_fd_budget {
    pthread_mutex_t mu;
    unsigned total;
    unsigned used; /* under mu; read atomically */
    unsigned jobs; /* atomic */
};

int
pk_fd_budget_new(unsigned total, struct pk_fd_budget **out)
{
    if (total == 0) {
        struct rlimit rl;
        rlim_t n = 1024 + PK_FD_BUDGET_RESERVE;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
            n = rl.rlim_cur;
        /* Leave room for the caller's files: standard streams, outputs, libraries. */
        n = n > 2 * PK_FD_BUDGET_RESERVE ? n - PK_FD_BUDGET_RESERVE : n / 2;
        if (n < 1)
            n = 1;
        total = n > BUDGET_MAX ? BUDGET_MAX : (unsigned)n;
    }
    struct pk_fd_budget *b = calloc(1, sizeof(*b));
    if (!b)
        return PK_ENOMEM;
    pthread_mutex_init(&b->mu, NULL);
    b->total = total;
    *out = b;
    return 0;
}

void
pk_fd_budget_free(struct pk_fd_budget *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b);
}

unsigned
pk_fd_budget_total(const struct pk_fd_budget *b)
{
    return b->total;
}

unsigned
pk_fd_budget_used(const struct pk_fd_budget *b)
{
    return __atomic_load_n(&b->used, __ATOMIC_RELAXED);
}

void
pk__fd_budget_join(struct pk_fd_budget *b)
{
    __atomic_add_fetch(&b->jobs, 1, __ATOMIC_RELAXED);
}

void
pk__fd_budget_leave(struct pk_fd_budget *b)
{
    __atomic_sub_fetch(&b->jobs, 1, __ATOMIC_RELAXED);
}

unsigned
pk__fd_budget_share(const struct pk_fd_budget *b)
{
    unsigned jobs = __atomic_load_n(&b->jobs, __ATOMIC_RELAXED);
    return jobs > 1 ? b->total / jobs : b->total;
}

unsigned
pk__fd_budget_claim(struct pk_fd_budget *b, unsigned n)
{
    pthread_mutex_lock(&b->mu);
    unsigned left = b->total - b->used;
    unsigned got = n < left ? n : left;
    __atomic_store_n(&b->used, b->used + got, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&b->mu);
    return got;
}

void
pk__fd_budget_release(struct pk_fd_budget *b, unsigned n)
{
    pthread_mutex_lock(&b->mu);
    __atomic_store_n(&b->used, n < b->used ? b->used - n : 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&b->mu);
}
