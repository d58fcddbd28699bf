/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * setservent, getservent_r, endservent: every (port, protocol, name) the registry assigns,
 * by port, then tcp, udp, sctp, dccp, then registry order; a block such as x11 6000-6063
 * gives one entry per port in it, as getservbyport answers for each. Reserved and unassigned
 * records name no service and do not appear (files lists only names, and so does this).
 *
 * The position is one per process, as glibc's own modules keep it, held in one atomic word
 * and moved by compare-and-swap: callers racing in several threads each get a different
 * entry and none is lost or given twice, without a lock (the module links no pthread).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "nss_portkit.h"

/* A position: port (17 bits, 65536 is the end), protocol index (2 bits), record in that
 * port's records for the protocol (32 bits). */
#define POS(port, pi, k) (((uint64_t)(port) << 34) | ((uint64_t)(pi) << 32) | (uint64_t)(k))
#define POS_PORT(v) ((unsigned)((v) >> 34))
#define POS_PI(v) ((unsigned)((v) >> 32) & 3u)
#define POS_K(v) ((uint32_t)(v))
#define POS_END POS(PK_PORT_MAX + 1, 0, 0)

static _Atomic uint64_t cursor;

/* Finds the first entry at or after *at. Returns true with *at on it and *r its record, or
 * false at the end (*at is then POS_END). */
static bool
find(const struct pk_registry *reg, uint64_t *at, struct pk_record *r)
{
    unsigned port = POS_PORT(*at), pi = POS_PI(*at);
    uint32_t k = POS_K(*at);
    for (; port <= PK_PORT_MAX; port++, pi = 0, k = 0) {
        for (; pi < PK_NPROTO; pi++, k = 0) {
            struct pk_cursor c;
            int n = pk_lookup(reg, port, 1u << pi, &c);
            for (; n > 0 && k < (uint32_t)n; k++)
                if (pk__nss_slot_name(&c, k, r)) {
                    *at = POS(port, pi, k);
                    return true;
                }
        }
    }
    *at = POS_END;
    return false;
}

/* Starts the enumeration again from its first entry (for every thread of the process).
 * Returns SUCCESS. */
enum nss_status
_nss_portkit_setservent(int stayopen)
{
    (void)stayopen; /* nothing to keep open: the registry stays mapped anyway */
    pk__nss_registry();
    atomic_store_explicit(&cursor, 0, memory_order_relaxed);
    return NSS_STATUS_SUCCESS;
}

/* Ends the enumeration: the next getservent_r starts from the first entry. Returns
 * SUCCESS. */
enum nss_status
_nss_portkit_endservent(void)
{
    atomic_store_explicit(&cursor, 0, memory_order_relaxed);
    return NSS_STATUS_SUCCESS;
}

/* Writes the next entry into res and buf and moves past it. Returns SUCCESS, NOTFOUND at
 * the end, or TRYAGAIN with ERANGE (the position kept) for a small buffer. */
enum nss_status
_nss_portkit_getservent_r(struct servent *res, char *buf, size_t len, int *errnop)
{
    const struct pk_registry *reg = pk__nss_registry();
    uint64_t seen = atomic_load_explicit(&cursor, memory_order_relaxed);
    for (;;) {
        uint64_t at = seen;
        struct pk_record r;
        struct servent ent;
        if (!find(reg, &at, &r)) {
            /* Remember the end, so that further calls do not walk the tail again. */
            atomic_compare_exchange_strong_explicit(&cursor, &seen, POS_END, memory_order_relaxed,
                                                    memory_order_relaxed);
            return NSS_STATUS_NOTFOUND;
        }
        enum nss_status st =
            pk__nss_fill(reg, POS_PORT(at), 1u << POS_PI(at), r.service, &ent, buf, len, errnop);
        if (st != NSS_STATUS_SUCCESS)
            return st; /* ERANGE: the position stays, so the retry gets this entry */
        /* Taken only if nobody moved the position meanwhile; else start from where they
         * left it (seen is reloaded by the failed exchange). */
        if (atomic_compare_exchange_weak_explicit(&cursor, &seen, at + 1, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            *res = ent;
            return NSS_STATUS_SUCCESS;
        }
    }
}
