/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pk-bench-nss: getservbyport() through whatever /etc/nsswitch.conf names for services, as
 * any program calls it (bench/nss-bench runs it against portkit, files and db).
 *
 *   pk-bench-nss [--direct MODULE] CALLS [ANSWERS]
 *
 * CALLS distinct ports spread over 1-49151 (a fixed stride, the same ports in every run),
 * tcp and udp in turn. Prints "calls hits total_us first_us cpu_us": the whole run's wall
 * time, its first call's (which loads the module), and the CPU time of the whole run (on a
 * busy machine the process waits for a CPU, and short runs suffer most from it). ANSWERS,
 * when given, gets "port/proto name" per hit. --direct calls MODULE's
 * _nss_portkit_getservbyport_r itself (dlopen), without glibc around it: what the module's
 * own work costs.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPAN 49151u
#define STRIDE 16411u /* prime to SPAN: CALLS up to SPAN distinct ports */

typedef enum nss_status byport_fn(int, const char *, struct servent *, char *, size_t, int *);
static byport_fn *direct;

/* Returns clock id's time in microseconds. */
static double
usec(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Looks port up for proto, through glibc or the module's entry point. Returns the entry or
 * NULL. */
static struct servent *
lookup(unsigned port, const char *proto)
{
    static struct servent s;
    static char buf[1024];
    int err;
    if (!direct)
        return getservbyport((int)htons((unsigned short)port), proto);
    return direct((int)htons((unsigned short)port), proto, &s, buf, sizeof(buf), &err) ==
                   NSS_STATUS_SUCCESS
               ? &s
               : NULL;
}

int
main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--direct") == 0) {
        void *h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
        direct = h ? (byport_fn *)dlsym(h, "_nss_portkit_getservbyport_r") : NULL;
        if (!direct) {
            fprintf(stderr, "pk-bench-nss: %s: %s\n", argv[2], h ? "no entry point" : dlerror());
            return 2;
        }
        argc -= 2;
        argv += 2;
    }
    char *end = NULL;
    long n = argc > 1 ? strtol(argv[1], &end, 10) : 0;
    if (argc < 2 || argc > 3 || *end || n < 1 || n > (long)SPAN) {
        fprintf(stderr, "usage: pk-bench-nss [--direct MODULE] CALLS [ANSWERS] (CALLS 1-%u)\n",
                SPAN);
        return 2;
    }
    FILE *ans = argc > 2 ? fopen(argv[2], "w") : NULL;
    if (argc > 2 && !ans) {
        perror(argv[2]);
        return 2;
    }
    static unsigned short port[SPAN];
    for (long i = 0; i < n; i++)
        port[i] = (unsigned short)(1 + (unsigned long)i * STRIDE % SPAN);

    long hits = 0;
    double first = 0, c0 = usec(CLOCK_PROCESS_CPUTIME_ID), t0 = usec(CLOCK_MONOTONIC);
    for (long i = 0; i < n; i++) {
        const char *proto = i % 2 ? "udp" : "tcp";
        struct servent *s = lookup(port[i], proto);
        if (i == 0)
            first = usec(CLOCK_MONOTONIC) - t0;
        if (s) {
            hits++;
            if (ans)
                fprintf(ans, "%u/%s %s\n", port[i], proto, s->s_name);
        }
    }
    double total = usec(CLOCK_MONOTONIC) - t0, cpu = usec(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (ans && fclose(ans) != 0) {
        perror(argv[2]);
        return 3;
    }
    printf("%ld %ld %.1f %.1f %.1f\n", n, hits, total, first, cpu);
    return 0;
}
