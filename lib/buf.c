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
pk_buf__put_slow(struct pk_buf *b, const void *p, size_t n)
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

/*
 * Returns the length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there do
 * not start one. Overlong forms, surrogates and values past U+10FFFF are invalid.
 */
static size_t
utf8_len(const unsigned char *s, size_t avail, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    unsigned v, min;
    if ((c & 0xe0) == 0xc0) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* Bytes that go into a JSON string as they are: printable ASCII but '"' and '\\'. */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* True when a byte of v is below 0x20, at or over 0x80, '"' or '\\' (bit tricks from
 * "Bit Twiddling Hacks": hasless and haszero). */
static inline bool
word_special(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t ctl = (v - ones * 0x20) & ~v;
    uint64_t q = v ^ (ones * '"'), bs = v ^ (ones * '\\');
    uint64_t quote = (q - ones) & ~q, slash = (bs - ones) & ~bs;
    return ((ctl | quote | slash) & highs) || (v & highs);
}

void
pk_buf_json_str(struct pk_buf *b, const char *s)
{
    pk_buf_json_strn(b, s, strlen(s));
}

void
pk_buf_json_strn(struct pk_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;

    pk_buf_putc(b, '"');
    for (;;) {
        /* Copy the longest run that needs no escaping in one go, 8 bytes a step while no
         * byte of the word is a control, '"', '\\' or non-ASCII. */
        const unsigned char *run = p;
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (word_special(v))
                break;
            p += 8;
        }
        while (p < end && json_plain[*p])
            p++;
        if (p > run)
            pk_buf_put(b, run, (size_t)(p - run));
        if (p == end)
            break;
        unsigned cp;
        size_t n;
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            pk_buf_put(b, esc, 2);
            p++;
        } else if (*p < 0x20) {
            switch (*p) {
            case '\n':
                pk_buf_put(b, "\\n", 2);
                break;
            case '\t':
                pk_buf_put(b, "\\t", 2);
                break;
            case '\r':
                pk_buf_put(b, "\\r", 2);
                break;
            default: {
                char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                pk_buf_put(b, esc, 6);
            }
            }
            p++;
        } else if ((n = utf8_len(p, (size_t)(end - p), &cp)) > 0) {
            pk_buf_put(b, p, n);
            p += n;
        } else {
            pk_buf_put(b, "\xef\xbf\xbd", 3);
            p++;
        }
    }
    pk_buf_putc(b, '"');
}

/* True for the bidirectional controls that can make text display in another order than it
 * reads ("Trojan Source"): embeddings, overrides and isolates, and the marks. */
static bool
bidi_control(unsigned cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
           cp == 0x200f || cp == 0x061c;
}

void
pk_buf_term_str(struct pk_buf *b, const char *s, bool fold_newlines)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x7f && *p != '\\')
            p++;
        if (p > run)
            pk_buf_put(b, run, (size_t)(p - run));
        if (!*p)
            break;
        unsigned cp = 0;
        size_t n = *p >= 0x80 ? utf8_len(p, 4, &cp) : 0;
        if (*p == '\\') {
            pk_buf_put(b, "\\\\", 2);
            p++;
        } else if (fold_newlines && (*p == '\n' || *p == '\r' || *p == '\t')) {
            pk_buf_putc(b, ' ');
            p++;
        } else if (n > 0 && !(cp >= 0x80 && cp < 0xa0) && !bidi_control(cp)) {
            pk_buf_put(b, p, n);
            p += n;
        } else {
            /* Control character, C1 control, bidi control, or a byte that is not valid
             * UTF-8. */
            size_t k = n ? n : 1;
            for (size_t i = 0; i < k; i++) {
                char esc[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};
                pk_buf_put(b, esc, 4);
            }
            p += k;
        }
    }
}

void
pk_json_init(struct pk_json *j, struct pk_buf *b)
{
    j->b = b;
    j->depth = 0;
    j->need_comma[0] = false;
}

/* Writes the comma that separates this value from the previous one, if any. */
static void
sep(struct pk_json *j)
{
    if (j->need_comma[j->depth])
        pk_buf_putc(j->b, ',');
    j->need_comma[j->depth] = true;
}

static void
json_open(struct pk_json *j, char c)
{
    sep(j);
    pk_buf_putc(j->b, c);
    if (j->depth < 15)
        j->depth++;
    else if (!j->b->err)
        j->b->err = PK_ENOBUFS;
    j->need_comma[j->depth] = false;
}

static void
json_close(struct pk_json *j, char c)
{
    pk_buf_putc(j->b, c);
    if (j->depth > 0)
        j->depth--;
}

void
pk_json_obj_begin(struct pk_json *j)
{
    json_open(j, '{');
}

void
pk_json_obj_end(struct pk_json *j)
{
    json_close(j, '}');
}

void
pk_json_arr_begin(struct pk_json *j)
{
    json_open(j, '[');
}

void
pk_json_arr_end(struct pk_json *j)
{
    json_close(j, ']');
}

void
pk_json_key(struct pk_json *j, const char *key)
{
    /* Keys are the program's own ASCII names: written as they are, not escaped. */
    sep(j);
    struct pk_buf *b = j->b;
    size_t n = strlen(key);
    if (b->len + n + 3 < b->cap && !b->err) {
        char *d = b->data + b->len;
        d[0] = '"';
        memcpy(d + 1, key, n);
        d[n + 1] = '"';
        d[n + 2] = ':';
        b->len += n + 3;
        b->data[b->len] = '\0';
    } else {
        pk_buf_putc(b, '"');
        pk_buf_put(b, key, n);
        pk_buf_put(b, "\":", 2);
    }
    /* The value that follows must not write a comma of its own. */
    j->need_comma[j->depth] = false;
}

/* After a value, the next key or value needs a comma. */
static void
done(struct pk_json *j)
{
    j->need_comma[j->depth] = true;
}

void
pk_json_val_str(struct pk_json *j, const char *s)
{
    sep(j);
    pk_buf_json_str(j->b, s);
    done(j);
}

void
pk_json_val_strn(struct pk_json *j, const char *s, size_t len)
{
    sep(j);
    pk_buf_json_strn(j->b, s, len);
    done(j);
}

void
pk_json_val_int(struct pk_json *j, long long v)
{
    sep(j);
    if (v < 0) {
        pk_buf_putc(j->b, '-');
        pk_buf_putu(j->b, (unsigned long long)(-(v + 1)) + 1);
    } else {
        pk_buf_putu(j->b, (unsigned long long)v);
    }
    done(j);
}

void
pk_json_val_bool(struct pk_json *j, bool v)
{
    sep(j);
    pk_buf_puts(j->b, v ? "true" : "false");
    done(j);
}

void
pk_json_val_null(struct pk_json *j)
{
    sep(j);
    pk_buf_puts(j->b, "null");
    done(j);
}

void
pk_json_val_raw(struct pk_json *j, const char *json, size_t n)
{
    sep(j);
    pk_buf_put(j->b, json, n);
    done(j);
}

void
pk_json_key_str(struct pk_json *j, const char *key, const char *s)
{
    pk_json_key(j, key);
    pk_json_val_str(j, s);
}

void
pk_json_key_int(struct pk_json *j, const char *key, long long v)
{
    pk_json_key(j, key);
    pk_json_val_int(j, v);
}

void
pk_json_key_bool(struct pk_json *j, const char *key, bool v)
{
    pk_json_key(j, key);
    pk_json_val_bool(j, v);
}
