/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The allocation-failure shim of tests/cli/alloc.test, linked into a test build of the
 * command with -Wl,--wrap: with PK_FAIL_ALLOC=N in the environment, the Nth allocation the
 * program's own code makes (malloc, calloc, realloc, aligned_alloc, strdup, strndup, counted
 * from 1 over all threads) returns NULL with errno ENOMEM. At exit, when allocation N was
 * never reached, it says so on standard error, so the test knows it has tried every one.
 * Wrapping at link time, rather than LD_PRELOAD, keeps AddressSanitizer's own allocator
 * under the shim.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static atomic_ulong count;
static unsigned long fail_at;
static atomic_int armed; /* 0 unknown, 1 on, 2 off */

static void
report(void)
{
    if (fail_at && atomic_load(&count) < fail_at)
        fprintf(stderr, "failalloc: allocation %lu not reached (%lu made)\n", fail_at,
                (unsigned long)atomic_load(&count));
}

/* True when this allocation is the one to fail. */
static int
should_fail(void)
{
    if (atomic_load(&armed) == 0) {
        const char *v = getenv("PK_FAIL_ALLOC");
        fail_at = v ? strtoul(v, NULL, 10) : 0;
        if (fail_at)
            atexit(report);
        atomic_store(&armed, fail_at ? 1 : 2);
    }
    if (atomic_load(&armed) != 1)
        return 0;
    if (atomic_fetch_add(&count, 1) + 1 != fail_at)
        return 0;
    errno = ENOMEM;
    return 1;
}

void *
__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

void *
__wrap_aligned_alloc(size_t align, size_t n)
{
    return should_fail() ? NULL : __real_aligned_alloc(align, n);
}

char *
__wrap_strdup(const char *s)
{
    return should_fail() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
    return should_fail() ? NULL : __real_strndup(s, n);
}
