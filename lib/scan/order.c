/* SPDX-License-Identifier: BSD-2-Clause */
/* The pseudo-random order of (host, port) pairs, and the names of states and reasons. */
#include "portkit/scan.h"

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
