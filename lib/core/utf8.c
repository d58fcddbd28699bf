/* SPDX-License-Identifier: BSD-2-Clause */
/* UTF-8 decoding and display width, for the escaper and the table writer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <wchar.h>

#include "utf8.h"

/*
 * Returns the length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there do
 * not start one. Overlong forms, surrogates and values past U+10FFFF are invalid.
 */
size_t
pk__utf8_decode(const unsigned char *s, size_t avail, unsigned *cp)
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

unsigned
pk__cp_width(unsigned cp)
{
    if (cp < 0x7f)
        return 1;
    /* glibc knows the widths (combining marks, East Asian wide, emoji) when the locale's
     * character set is UTF-8; the command selects one at start-up. */
    if (MB_CUR_MAX > 1) {
        int w = wcwidth((wchar_t)cp);
        return w < 0 ? 1u : (unsigned)w;
    }
    return 1;
}

size_t
pk__text_width(const char *s, size_t len)
{
    size_t used = 0;
    pk__text_fit(s, len, SIZE_MAX, &used);
    return used;
}

size_t
pk__text_fit(const char *s, size_t len, size_t cols, size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, w = 0;
    while (i < len) {
        /* A run of ASCII, the common case, a column a byte. */
        size_t run = len - i < cols - w ? len - i : cols - w;
        while (run > 0 && p[i] < 0x80)
            i++, w++, run--;
        if (i == len || p[i] < 0x80)
            break; /* the end, or an ASCII character past cols */
        unsigned cp;
        size_t n = pk__utf8_decode(p + i, len - i, &cp);
        unsigned cw = 1;
        if (n == 0)
            n = 1;
        else if (cp >= 0x80)
            cw = pk__cp_width(cp);
        if (w + cw > cols)
            break;
        w += cw;
        i += n;
    }
    if (used)
        *used = w;
    return i;
}
