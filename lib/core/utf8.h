/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_CORE_UTF8_H
#define PORTKIT_CORE_UTF8_H

#include <stddef.h>

/*
 * Returns the length (1-4) of the valid UTF-8 sequence at s, of which avail bytes may be
 * read, and sets *cp to its code point; returns 0 when the bytes there do not start a valid
 * sequence (overlong forms, surrogates and values past U+10FFFF are invalid).
 */
size_t pk__utf8_decode(const unsigned char *s, size_t avail, unsigned *cp);

/* Returns the number of terminal columns code point cp takes: 0 for combining marks and
 * zero-width characters, 2 for wide East Asian characters and emoji, else 1. */
unsigned pk__cp_width(unsigned cp);

/* Returns the display width of the len bytes at s, UTF-8 (invalid bytes count 1 each). */
size_t pk__text_width(const char *s, size_t len);

/*
 * Returns how many bytes of the len at s fit in cols columns without splitting a character,
 * and sets *used (when not NULL) to the columns they take.
 */
size_t pk__text_fit(const char *s, size_t len, size_t cols, size_t *used);

#endif
