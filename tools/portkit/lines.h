/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_LINES_H
#define PORTKIT_LINES_H

/* The line splitter behind cli_each_stdin_line(), shared with fuzz/fuzz_lines.c. */
#include <stddef.h>

#include "cli.h"

#define CLI_SPLIT_CHUNK (1u << 16)
#define CLI_SPLIT_BUF (CLI_SPLIT_CHUNK + CLI_LINE_MAX + 1)

/* A splitter over buf (CLI_SPLIT_BUF bytes): have bytes of an unfinished line wait at its
 * start. */
struct cli_splitter {
    char *buf;
    size_t have;
    size_t number;
    bool skipping; /* inside a line already passed on as too long */
};

/*
 * Takes the n bytes just read into s->buf + s->have (at most CLI_SPLIT_CHUNK; n == 0 at the
 * end of input) and hands every complete line to fn; a final line without LF is handed over
 * at the end of input, a line over CLI_LINE_MAX bytes once, cut, with too_long set. Returns
 * fn's first non-zero value, or 0.
 */
int cli_split(struct cli_splitter *s, size_t n, int (*fn)(const struct cli_line *, void *),
              void *arg);

#endif
