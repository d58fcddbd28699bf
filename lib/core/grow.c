/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "portkit/error.h"

#define GROW_FIRST 16 /* elements in a first allocation */

int
pk__grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap)
        return 0;
    if (need > max || elem == 0 || need > SIZE_MAX / elem)
        return PK_ENOBUFS;
    size_t ncap = *cap ? *cap : GROW_FIRST;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > max)
        ncap = max;
    if (ncap > SIZE_MAX / elem)
        ncap = need;
    void *old;
    memcpy(&old, arrp, sizeof(old));
    void *p = realloc(old, ncap * elem);
    if (!p)
        return PK_ENOMEM;
    memcpy(arrp, &p, sizeof(p));
    *cap = ncap;
    return 0;
}

int
pk__push(void *arrp, size_t *n, size_t *cap, const void *item, size_t elem, size_t max)
{
    int rc = pk__grow(arrp, cap, *n + 1, elem, max);
    if (rc < 0)
        return rc;
    char *base;
    memcpy(&base, arrp, sizeof(base));
    memcpy(base + *n * elem, item, elem);
    (*n)++;
    return 0;
}
