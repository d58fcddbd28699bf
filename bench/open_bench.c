/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pk-bench-open IMAGE [RUNS]: opening and verifying a registry image as every portkit run
 * with a local database does (pk_registry_open(): map, checksum, every bound; then
 * pk_registry_close()), RUNS times (default 2000). Prints the mean, the median and the best
 * in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "portkit/registry.h"

static double
now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pk-bench-open IMAGE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 2000;
    if (runs < 1 || runs > 1000000)
        runs = 2000;
    double *t = malloc((size_t)runs * sizeof(*t)), sum = 0;
    if (!t)
        return 1;
    for (int i = 0; i < runs; i++) {
        const struct pk_registry *reg;
        const char *why = "";
        double t0 = now_ms();
        int rc = pk_registry_open(argv[1], &reg, &why);
        if (rc < 0) {
            fprintf(stderr, "pk-bench-open: %s: %s\n", argv[1], why);
            return 1;
        }
        pk_registry_close(reg);
        t[i] = now_ms() - t0;
        sum += t[i];
    }
    qsort(t, (size_t)runs, sizeof(*t), cmp_double);
    printf("open_mean_ms: %.3f\nopen_median_ms: %.3f\nopen_best_ms: %.3f\n", sum / runs,
           t[runs / 2], t[0]);
    free(t);
    return 0;
}
