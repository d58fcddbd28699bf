/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Standard input as lines, streaming: read in chunks, split in place (split.c), each line
 * handed over as soon as it is complete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lines.h"

struct each {
    struct cli *cli;
    int (*fn)(struct cli *, const struct cli_line *, void *);
    void *arg;
};

static int
each_line(const struct cli_line *line, void *arg)
{
    struct each *e = arg;
    return e->fn(e->cli, line, e->arg);
}

int
cli_each_stdin_line(struct cli *cli, int (*fn)(struct cli *, const struct cli_line *, void *),
                    void *arg)
{
    static char buf[CLI_SPLIT_BUF];
    struct cli_splitter s = {.buf = buf};
    struct each e = {cli, fn, arg};
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf + s.have, CLI_SPLIT_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            cli_err("standard input: %s", strerror(errno));
            return -1;
        }
        int rc = cli_split(&s, (size_t)n, each_line, &e);
        if (rc)
            return rc;
        if (cli_flush(cli) < 0)
            return -1;
        if (n == 0)
            return 0;
    }
}
