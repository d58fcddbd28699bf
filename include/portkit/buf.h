/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_BUF_H
#define PORTKIT_BUF_H

/*
 * A growable byte buffer with a hard maximum size, and writers for JSON and for text bound
 * to a terminal. Output functions never print: the caller writes b->data out. After a
 * failed append (size limit or allocation) the buffer keeps what it had and b->err is set;
 * further appends do nothing, so a sequence of appends needs one check at the end.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "portkit/common.h"

PK_BEGIN_DECLS

struct pk_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int err; /* 0, or the first error: PK_ENOBUFS, PK_ENOMEM */
};

/* Sets b up empty with a limit of max bytes. Allocates nothing yet. */
PK_API void pk_buf_init(struct pk_buf *b, size_t max);
/* Frees the memory of b and leaves it empty. */
PK_API void pk_buf_free(struct pk_buf *b);
/* Empties b, keeping its memory, and clears its error. */
PK_API void pk_buf_reset(struct pk_buf *b);

/* The slow path of the inline appenders below (growing the buffer); call those instead. */
PK_API void pk_buf_put_slow(struct pk_buf *b, const void *p, size_t n);

/* Appends n bytes at p. The buffer stays NUL-terminated. */
static inline void
pk_buf_put(struct pk_buf *b, const void *p, size_t n)
{
    if (b->len + n < b->cap && !b->err) {
        __builtin_memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    pk_buf_put_slow(b, p, n);
}

/* Appends one byte. */
static inline void
pk_buf_putc(struct pk_buf *b, char c)
{
    if (b->len + 1 < b->cap && !b->err) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    pk_buf_put_slow(b, &c, 1);
}

PK_API void pk_buf_puts(struct pk_buf *b, const char *s);
PK_API void pk_buf_putu(struct pk_buf *b, unsigned long long v);
PK_API void pk_buf_printf(struct pk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
PK_API void pk_buf_json_str(struct pk_buf *b, const char *s);
/* The same for the len bytes at s, which may hold NUL bytes (written as \u0000). */
PK_API void pk_buf_json_strn(struct pk_buf *b, const char *s, size_t len);

/*
 * Appends s for a terminal: control characters (C0, DEL, C1), bidirectional controls and
 * invalid UTF-8 bytes become \xNN, a backslash becomes \\. Newlines become a space when
 * fold_newlines is set.
 */
PK_API void pk_buf_term_str(struct pk_buf *b, const char *s, bool fold_newlines);

/*
 * Appends s escaped for XML text or an attribute value: & < > " ' become references, tab and
 * line ends character references; invalid UTF-8 and characters XML 1.0 forbids become
 * U+FFFD. The result is always well-formed UTF-8 that xmllint accepts.
 */
PK_API void pk_buf_xml_str(struct pk_buf *b, const char *s);

/* Appends s escaped for HTML text or a quoted attribute value, with the same replacements as
 * pk_buf_xml_str() except that tab and line ends stay as they are. */
PK_API void pk_buf_html_str(struct pk_buf *b, const char *s);

PK_END_DECLS

#endif
