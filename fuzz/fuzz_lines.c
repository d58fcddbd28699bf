/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the standard-input line splitter of the command (tools/portkit/
 * split.c), fed in chunks whose sizes come from the input: every byte of the input is handed
 * over exactly once (or dropped as the tail of an over-long line), no line is longer than
 * CLI_LINE_MAX, and a line never holds its LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    size_t lines, bytes;
};

static int
on_line(const struct cli_line *line, void *arg)
{
    struct seen *s = arg;
    if (line->len > CLI_LINE_MAX || memchr(line->text, '\n', line->len) ||
        line->text[line->len] != '\0' || line->number != s->lines + 1)
        abort();
    s->lines++;
    s->bytes += line->len;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char buf[CLI_SPLIT_BUF];
    struct cli_splitter sp = {.buf = buf};
    struct seen seen = {0};
    if (size < 1)
        return 0;
    /* The first byte picks the chunk size (1..256 bytes, or a full chunk). */
    size_t chunk = data[0] == 255 ? CLI_SPLIT_CHUNK : (size_t)data[0] + 1;
    data++, size--;
    size_t off = 0;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk;
        memcpy(buf + sp.have, data + off, n);
        off += n;
        cli_split(&sp, n, on_line, &seen);
        if (sp.have > CLI_LINE_MAX + 1)
            abort(); /* what waits for more is never more than one line */
    }
    cli_split(&sp, 0, on_line, &seen);
    if (sp.have != 0 || seen.bytes > size)
        abort();
    return 0;
}
