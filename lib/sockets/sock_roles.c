/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the sockets of a list are to each other: listeners grouped by address (SO_REUSEPORT
 * groups), the ports this host listens on, and which end of a connection is the service.
 */
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "sock_int.h"

#define DYNAMIC_LO 49152u /* IANA's dynamic range (RFC 6335), when the host does not say */
#define DYNAMIC_HI 65535u

bool
pk_sock_is_listener(const struct pk_sock *s)
{
    return s->state == PK_SS_LISTEN || (s->proto == PK_UDP && s->state == PK_SS_CLOSE);
}

/* Order of group keys: protocol, family, port, address. */
static int
cmp_key(const struct pk_sock *x, const struct pk_sock *y)
{
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    if (x->local_port != y->local_port)
        return x->local_port < y->local_port ? -1 : 1;
    return memcmp(x->local, y->local, 16);
}

/* Group order of two socket indexes; equal keys keep list order, so that a group's first
 * member comes first. (qsort_r) */
static int
cmp_group(const void *a, const void *b, void *base)
{
    const struct pk_sock *socks = base;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    int d = cmp_key(&socks[i], &socks[j]);
    return d ? d : i < j ? -1 : i > j;
}

int
pk_sock_groups(const struct pk_sock_list *l, uint32_t *size, uint32_t *id)
{
    uint32_t *idx = malloc((l->n ? l->n : 1) * sizeof(*idx));
    size_t m = 0;
    if (!idx)
        return PK_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        size[i] = 0;
        if (id)
            id[i] = (uint32_t)i;
        if (pk_sock_is_listener(&l->socks[i]))
            idx[m++] = (uint32_t)i;
    }
    qsort_r(idx, m, sizeof(*idx), cmp_group, l->socks);
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && cmp_key(&l->socks[idx[i]], &l->socks[idx[j]]) == 0)
            j++;
        for (size_t k = i; k < j; k++) {
            size[idx[k]] = (uint32_t)(j - i);
            if (id)
                id[idx[k]] = idx[i];
        }
        i = j;
    }
    free(idx);
    return 0;
}

void
pk_sock_listening(const struct pk_sock_list *l, struct pk_portset *set)
{
    for (size_t i = 0; i < l->n; i++)
        if (pk_sock_is_listener(&l->socks[i]))
            pk_portset_add(set, l->socks[i].proto, l->socks[i].local_port, l->socks[i].local_port);
}

enum pk_sock_end
pk_sock_service_end(const struct pk_sock *s, const struct pk_portset *listening,
                    const struct pk_port_policy *pol)
{
    unsigned lp = s->local_port, rp = s->remote_port;
    if (pk_sock_is_listener(s) || lp == rp)
        return PK_END_LOCAL;
    if (listening) {
        if (pk_portset_has(listening, s->proto, lp))
            return PK_END_LOCAL;
        if (pk_portset_has(listening, s->proto, rp))
            return PK_END_REMOTE;
    }
    unsigned lo = DYNAMIC_LO, hi = DYNAMIC_HI;
    if (pol && pol->have_ephemeral) {
        lo = pol->ephemeral_lo;
        hi = pol->ephemeral_hi;
    }
    bool le = lp >= lo && lp <= hi, re = rp >= lo && rp <= hi;
    if (le != re)
        return le ? PK_END_REMOTE : PK_END_LOCAL;
    return lp < rp ? PK_END_LOCAL : PK_END_REMOTE;
}
