/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_CORE_GROW_H
#define PORTKIT_CORE_GROW_H

/*
 * The one growable array of the library: every array that grows with outside input (files,
 * replies, /proc, the command line) grows through pk__grow() with a maximum, so nothing read
 * from the outside world grows without bound.
 */
#include <stddef.h>

/*
 * Makes room for at least need elements of elem bytes each in the array *(void **)arrp of
 * capacity *cap, growing it geometrically but never past max elements. Returns 0 (and the
 * array may have moved), PK_ENOBUFS when need is over max, or PK_ENOMEM; on failure *arrp
 * and *cap are unchanged.
 */
int pk__grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t max);

/* Appends the elem bytes at item to the array *arrp of *n elements (capacity *cap, at most
 * max): pk__grow() plus the copy. Returns what pk__grow() does. */
int pk__push(void *arrp, size_t *n, size_t *cap, const void *item, size_t elem, size_t max);

#endif
