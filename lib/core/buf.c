/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/buf.h"
#include "portkit/error.h"

void
pk_buf_init(struct pk_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = 0;
}

void
pk_buf_free(struct pk_buf *b)
{
    free(b->data);
    pk_buf_init(b, b->max);
}

void
pk_buf_reset(struct pk_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for n more bytes plus a terminator. Returns false (and sets b->err) when the
 * limit or the allocator says no. */
static bool
reserve(struct pk_buf *b, size_t n)
{
    if (b->err)
        return false;
    if (n > b->max || b->len > b->max - n) {
        b->err = PK_ENOBUFS;
        return false;
    }
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->err = PK_ENOMEM;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
pk_buf_put_slow(struct pk_buf *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
pk_buf_puts(struct pk_buf *b, const char *s)
{
    pk_buf_put(b, s, strlen(s));
}

void
pk_buf_putu(struct pk_buf *b, unsigned long long v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    pk_buf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
pk_buf_printf(struct pk_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (!b->err)
            b->err = PK_EINVAL;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        pk_buf_put(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
