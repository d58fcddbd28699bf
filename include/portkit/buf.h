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

struct pk_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int err; /* 0, or the first error: PK_ENOBUFS, PK_ENOMEM */
};

/* Sets b up empty with a limit of max bytes. Allocates nothing yet. */
void pk_buf_init(struct pk_buf *b, size_t max);
/* Frees the memory of b and leaves it empty. */
void pk_buf_free(struct pk_buf *b);
/* Empties b, keeping its memory, and clears its error. */
void pk_buf_reset(struct pk_buf *b);

/* The slow paths of the inline appenders below; call those instead. */
void pk_buf__put_slow(struct pk_buf *b, const void *p, size_t n);

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
    pk_buf__put_slow(b, p, n);
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
    pk_buf__put_slow(b, &c, 1);
}

void pk_buf_puts(struct pk_buf *b, const char *s);
void pk_buf_putu(struct pk_buf *b, unsigned long long v);
void pk_buf_printf(struct pk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
void pk_buf_json_str(struct pk_buf *b, const char *s);
/* The same for the len bytes at s, which may hold NUL bytes (written as \u0000). */
void pk_buf_json_strn(struct pk_buf *b, const char *s, size_t len);

/*
 * Appends s for a terminal: control characters (C0, DEL, C1), bidirectional controls and
 * invalid UTF-8 bytes become \xNN, a backslash becomes \\. Newlines become a space when
 * fold_newlines is set.
 */
void pk_buf_term_str(struct pk_buf *b, const char *s, bool fold_newlines);

/*
 * A JSON object writer on top of a pk_buf: keeps track of commas. Nesting up to 16 levels.
 * Usage: pk_json_obj_begin(&j); pk_json_key_str(&j, "k", "v"); ... pk_json_obj_end(&j);
 */
struct pk_json {
    struct pk_buf *b;
    int depth;
    bool need_comma[16];
};

void pk_json_init(struct pk_json *j, struct pk_buf *b);
void pk_json_obj_begin(struct pk_json *j);
void pk_json_obj_end(struct pk_json *j);
void pk_json_arr_begin(struct pk_json *j);
void pk_json_arr_end(struct pk_json *j);
/* Writes "key": (key is a trusted ASCII name, not escaped) and leaves the writer expecting a value
 * (begin an object or array, or a pk_json_val_* call). */
void pk_json_key(struct pk_json *j, const char *key);
void pk_json_val_str(struct pk_json *j, const char *s);
void pk_json_val_strn(struct pk_json *j, const char *s, size_t len);
void pk_json_val_int(struct pk_json *j, long long v);
void pk_json_val_bool(struct pk_json *j, bool v);
void pk_json_val_null(struct pk_json *j);
/* Appends n bytes of already-formed JSON (an object rendered earlier) as the next value. */
void pk_json_val_raw(struct pk_json *j, const char *json, size_t n);
void pk_json_key_str(struct pk_json *j, const char *key, const char *s);
void pk_json_key_int(struct pk_json *j, const char *key, long long v);
void pk_json_key_bool(struct pk_json *j, const char *key, bool v);

#endif
