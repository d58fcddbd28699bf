/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_U128_H
#define PORTKIT_SCAN_U128_H

/*
 * 128-bit unsigned numbers as two 64-bit halves, for IPv6 addresses and host counts. Plain
 * C without the compilers' 128-bit extension, which i386 lacks (tests/cli/m32.test checks).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pk__u128 {
    uint64_t hi, lo;
};

/* Returns v as a 128-bit number. */
static inline struct pk__u128
pk__u128_from64(uint64_t v)
{
    return (struct pk__u128){0, v};
}

/* Returns -1, 0 or 1 as a is below, equal to or above b. */
static inline int
pk__u128_cmp(struct pk__u128 a, struct pk__u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* Returns a + b modulo 2^128. */
static inline struct pk__u128
pk__u128_add(struct pk__u128 a, struct pk__u128 b)
{
    struct pk__u128 r = {a.hi + b.hi, a.lo + b.lo};
    r.hi += r.lo < a.lo;
    return r;
}

/* Returns a - b modulo 2^128. */
static inline struct pk__u128
pk__u128_sub(struct pk__u128 a, struct pk__u128 b)
{
    struct pk__u128 r = {a.hi - b.hi, a.lo - b.lo};
    r.hi -= a.lo < b.lo;
    return r;
}

/* Returns a + v modulo 2^128. */
static inline struct pk__u128
pk__u128_add64(struct pk__u128 a, uint64_t v)
{
    return pk__u128_add(a, pk__u128_from64(v));
}

/* Returns true when a is 0. */
static inline bool
pk__u128_zero(struct pk__u128 a)
{
    return a.hi == 0 && a.lo == 0;
}

/* Returns the number whose low bits (128 - prefix of them) are set: a block's host part. */
static inline struct pk__u128
pk__u128_hostmask(unsigned prefix)
{
    if (prefix >= 128)
        return (struct pk__u128){0, 0};
    if (prefix >= 64)
        return (struct pk__u128){0, prefix == 64 ? ~0ull : (1ull << (128 - prefix)) - 1};
    return (struct pk__u128){prefix == 0 ? ~0ull : (1ull << (64 - prefix)) - 1, ~0ull};
}

/* Reads 16 network-order bytes. */
static inline struct pk__u128
pk__u128_load(const uint8_t a[16])
{
    struct pk__u128 r = {0, 0};
    for (int i = 0; i < 8; i++) {
        r.hi = (r.hi << 8) | a[i];
        r.lo = (r.lo << 8) | a[8 + i];
    }
    return r;
}

/* Writes v as 16 network-order bytes. */
static inline void
pk__u128_store(struct pk__u128 v, uint8_t a[16])
{
    for (int i = 7; i >= 0; i--) {
        a[i] = (uint8_t)v.hi;
        a[8 + i] = (uint8_t)v.lo;
        v.hi >>= 8;
        v.lo >>= 8;
    }
}

#endif
