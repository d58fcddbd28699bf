/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit search TERM... [--limit N]: what a person means by the terms, ranked by port (see
 * pk_search_ports()): one row, or one JSON object, per port, block of ports or name without a
 * port, with the records and notes of it that matched.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portkit/error.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 100000
#define MAX_TERMS 16

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    (void)cli, (void)p;
    if (id == 'n') {
        unsigned long long v;
        if (!cli_parse_uint("search", "--limit", arg, 1, MAX_LIMIT, &v))
            return EXIT_USAGE;
        *(size_t *)ctx = (size_t)v;
    }
    return 0;
}

static const struct cli_opt opts[] = {
    {'n', "limit", 'n', true, "N", "at most N results (default 50, at most 100000)", NULL},
};

static int
run(struct cli *cli, int argc, char **argv)
{
    size_t limit = DEFAULT_LIMIT;
    int nterms, rc = cli_parse(cli, &cmd_search, argc, argv, on_opt, &limit, &nterms);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (nterms <= 0)
        return cli_usage(&cmd_search, "no search term given");
    if (nterms > MAX_TERMS)
        return cli_usage(&cmd_search, "at most %d terms", MAX_TERMS);
    for (int i = 1; i <= nterms; i++) {
        size_t n = strlen(argv[i]);
        if (n == 0 || n > 255 || strspn(argv[i], " ") == n) {
            cli_err("search: '%.64s%s': a term must be 1 to 255 bytes, not only blanks", argv[i],
                    n > 64 ? "..." : "");
            return EXIT_USAGE;
        }
    }
    struct pk_search_result *res = malloc(limit * sizeof(*res));
    if (!res) {
        cli_err("search: %s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    int total =
        pk_search_ports(cli->reg, (const char *const *)argv + 1, (size_t)nterms, res, limit);
    if (total < 0) {
        free(res);
        cli_err("search: %s", pk_strerror(total));
        return total == PK_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
    }
    size_t shown = (size_t)total < limit ? (size_t)total : limit;
    rc = 0;
    if (cli->json) {
        for (size_t i = 0; i < shown; i++) {
            pk_out_search_json(&cli->o, &res[i]);
            pk_buf_putc(&cli->out, '\n');
        }
    } else if (shown) {
        rc = pk_out_search_text(&cli->o, res, shown);
    }
    free(res);
    if (rc < 0) {
        cli_err("search: %s", pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    if (total == 0) {
        cli_err("search: nothing matches");
        return EXIT_NOTHING;
    }
    if (shown < (size_t)total) {
        cli_flush(cli);
        cli_err("search: showing %zu of %d results; --limit N shows more", shown, total);
    }
    return EXIT_FOUND;
}

const struct pk_cmd cmd_search = {
    .name = "search",
    .usage = "search [--limit N] TERM...",
    .summary = "what you mean by a name, acronym or phrase: ports ranked by everything their "
               "pages say",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "Every TERM must match (case-insensitive); a quoted phrase is its words.",
    .run = run,
};
