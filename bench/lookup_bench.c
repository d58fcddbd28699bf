/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pk-bench-lookup: in-process speed of the registry library on one core, beside glibc's
 * getservbyport() on the same (port, protocol) pairs.
 *
 *   pk-bench-lookup [N]   N random lookups (default 20,000,000)
 *
 * Prints one "key: value" line per figure.
 */
#include <netdb.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portkit/registry.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: a fast, deterministic stream of pseudo-random numbers. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000000;
    if (n <= 0) {
        fprintf(stderr, "pk-bench-lookup: N must be a positive number\n");
        return 2;
    }
    const struct pk_registry *reg = pk_registry_builtin();
    static const unsigned protos[4] = {PK_TCP, PK_UDP, PK_SCTP, PK_DCCP};

    /* Pre-draw the queries so the timing is of lookups, not of the generator. */
    enum { Q = 1 << 20 };
    uint32_t *q = malloc(Q * sizeof(*q));
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < Q; i++) {
        uint64_t r = rnd(&seed);
        q[i] = (uint32_t)(r % 65536) | (uint32_t)((r >> 32) % 4) << 16;
    }

    /* Each lookup fetches every record and touches its name, as a caller would. */
    size_t found = 0, bytes = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        uint32_t x = q[i & (Q - 1)];
        struct pk_cursor c;
        struct pk_record r;
        pk_lookup(reg, x & 0xffff, protos[x >> 16], &c);
        while (pk_cursor_next(&c, &r)) {
            found++;
            bytes += (unsigned char)r.service[0];
        }
    }
    double t = now() - t0;
    printf("lookups: %ld\n", n);
    printf("lookup_seconds: %.3f\n", t);
    printf("lookups_per_second: %.0f\n", (double)n / t);
    printf("records_seen: %zu (checksum %zu)\n", found, bytes);

    /* glibc's getservbyport() over /etc/services, with the file kept open, on fewer queries
     * (it scans the file for each one). */
    long gn = n / 1000 > 20000 ? 20000 : n / 1000 + 1;
    setservent(1);
    size_t gfound = 0;
    t0 = now();
    for (long i = 0; i < gn; i++) {
        uint32_t x = q[i & (Q - 1)];
        struct servent *se =
            getservbyport(htons((uint16_t)(x & 0xffff)), (x >> 16) & 1 ? "udp" : "tcp");
        gfound += se != NULL;
    }
    double gt = now() - t0;
    endservent();
    printf("getservbyport_lookups: %ld\n", gn);
    printf("getservbyport_per_second: %.0f (found %zu)\n", (double)gn / gt, gfound);
    printf("ratio_vs_getservbyport: %.1f\n", ((double)n / t) / ((double)gn / gt));

    /* Search (ranked by port, as portkit search does): a mix of single and multi-term
     * queries over the whole registry. */
    static const char *const queries[][3] = {
        {"printer"}, {"http"},     {"secure", "shell"}, {"x window"},         {"kerberos"},
        {"game"},    {"database"}, {"zzzqqq"},          {"mail", "transfer"}, {"remote", "desktop"},
        {"sql"},     {"ntp"}};
    enum { ROUNDS = 200 };
    static struct pk_search_result hits[50];
    size_t nq = sizeof(queries) / sizeof(queries[0]);
    long total = 0;
    double worst = 0;
    t0 = now();
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t k = 0; k < nq; k++) {
            size_t nt = queries[k][1] ? (queries[k][2] ? 3 : 2) : 1;
            double s = now();
            total += pk_search_ports(reg, queries[k], nt, hits, 50);
            double d = now() - s;
            if (d > worst)
                worst = d;
        }
    }
    t = now() - t0;
    printf("search_queries: %zu\n", (size_t)ROUNDS * nq);
    printf("search_ms_per_query: %.3f\n", t * 1000 / (double)(ROUNDS * nq));
    printf("search_ms_worst: %.3f (matches %ld)\n", worst * 1000, total);
    free(q);
    return 0;
}
