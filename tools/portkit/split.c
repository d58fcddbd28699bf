/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The line splitter of standard input (lines.h): apart from the reading so that the fuzz
 * target (fuzz/fuzz_lines.c) drives the same code with any chunking.
 */
#include <string.h>

#include "lines.h"

int
cli_split(struct cli_splitter *s, size_t n, int (*fn)(const struct cli_line *, void *), void *arg)
{
    char *buf = s->buf;
    size_t end = s->have + n, start = 0;
    int rc = 0;
    for (;;) {
        char *nl = memchr(buf + start, '\n', end - start);
        if (!nl && n > 0 && end - start <= CLI_LINE_MAX)
            break; /* need more input for this line */
        size_t linelen = nl ? (size_t)(nl - buf) - start : end - start;
        if (!nl && linelen == 0)
            break;
        struct cli_line line = {.text = buf + start, .len = linelen};
        line.too_long = linelen > CLI_LINE_MAX;
        if (line.too_long)
            line.len = CLI_LINE_MAX;
        /* The line's bytes are not needed again once handed over, so its end can be
         * overwritten in place (buf has room for the terminator after a full chunk). */
        buf[start + line.len] = '\0';
        if (!line.too_long && line.len > 0 && line.text[line.len - 1] == '\r')
            line.text[--line.len] = '\0';
        if (!s->skipping) {
            line.number = ++s->number;
            rc = fn(&line, arg);
        }
        if (nl) {
            s->skipping = false;
            start = (size_t)(nl - buf) + 1;
        } else {
            /* Over-long line: passed on once, the rest of it is dropped. */
            s->skipping = true;
            start = end;
        }
        if (rc)
            break;
    }
    s->have = end - start;
    memmove(buf, buf + start, s->have);
    return rc;
}
