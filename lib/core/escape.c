/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one escaper: every string that reaches JSON, XML, HTML or a terminal goes through one
 * of these, and each validates UTF-8 (an invalid byte becomes U+FFFD, or \xNN for the
 * terminal), so no output format can carry bytes that its readers reject.
 */
#include <stdint.h>
#include <string.h>

#include "portkit/buf.h"
#include "utf8.h"

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
        } else if ((n = pk__utf8_decode(p, (size_t)(end - p), &cp)) > 0) {
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
        size_t n = *p >= 0x80 ? pk__utf8_decode(p, 4, &cp) : 0;
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

/*
 * The markup escaper behind pk_buf_xml_str() and pk_buf_html_str(): & < > " ' become
 * references; characters XML 1.0 does not allow (C0 controls but tab and line ends, U+FFFE,
 * U+FFFF) and invalid UTF-8 become U+FFFD; in XML, tab and line ends become character
 * references so that attribute values keep them.
 */
static void
markup_str(struct pk_buf *b, const char *s, size_t len, bool xml)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p < 0x7f && *p != '&' && *p != '<' && *p != '>' &&
               *p != '"' && *p != '\'')
            p++;
        if (p > run)
            pk_buf_put(b, run, (size_t)(p - run));
        if (p == end)
            break;
        unsigned cp = *p;
        size_t n = 1;
        switch (*p) {
        case '&':
            pk_buf_put(b, "&amp;", 5);
            break;
        case '<':
            pk_buf_put(b, "&lt;", 4);
            break;
        case '>':
            pk_buf_put(b, "&gt;", 4);
            break;
        case '"':
            pk_buf_put(b, "&quot;", 6);
            break;
        case '\'':
            pk_buf_put(b, "&#39;", 5);
            break;
        case '\t':
        case '\n':
        case '\r':
            if (xml)
                pk_buf_printf(b, "&#%u;", (unsigned)*p);
            else
                pk_buf_putc(b, (char)*p);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                pk_buf_put(b, "\xef\xbf\xbd", 3);
            } else if ((n = pk__utf8_decode(p, (size_t)(end - p), &cp)) == 0 || cp == 0xfffe ||
                       cp == 0xffff) {
                n = n ? n : 1;
                pk_buf_put(b, "\xef\xbf\xbd", 3);
            } else {
                pk_buf_put(b, p, n);
            }
        }
        p += n;
    }
}

void
pk_buf_xml_str(struct pk_buf *b, const char *s)
{
    markup_str(b, s, strlen(s), true);
}

void
pk_buf_html_str(struct pk_buf *b, const char *s)
{
    markup_str(b, s, strlen(s), false);
}
