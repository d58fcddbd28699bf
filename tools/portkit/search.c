/* SPDX-License-Identifier: BSD-2-Clause */
/* portkit search TERM... [--limit N]: ranked search over names, descriptions and notes. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portkit/error.h"
#include "table.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 100000
#define MAX_TERMS 16

static int
run(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"limit", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    unsigned long limit = DEFAULT_LIMIT;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_count("--limit", optarg, MAX_LIMIT, &limit))
                return EXIT_USAGE;
            break;
        default:
            return cli_usage(&cmd_search, "%s: unknown option", argv[optind - 1]);
        }
    }
    int nterms = argc - optind;
    if (nterms <= 0)
        return cli_usage(&cmd_search, "no search term given");
    if (nterms > MAX_TERMS)
        return cli_usage(&cmd_search, "at most %d terms", MAX_TERMS);
    for (int i = optind; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (n == 0 || n > 255) {
            cli_err("search: '%s': a term must be 1 to 255 bytes", argv[i]);
            return EXIT_USAGE;
        }
    }
    struct pk_hit *hits = malloc(limit * sizeof(*hits));
    if (!hits) {
        cli_err("search: %s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    int total =
        pk_search(cli->reg, (const char *const *)argv + optind, (size_t)nterms, hits, limit);
    if (total < 0) {
        free(hits);
        cli_err("search: %s", pk_strerror(total));
        return EXIT_USAGE;
    }
    size_t shown = (size_t)total < limit ? (size_t)total : limit;
    table_head(cli);
    for (size_t i = 0; i < shown; i++) {
        if (hits[i].is_note) {
            struct pk_note n;
            pk_note_get(cli->reg, hits[i].id, &n);
            if (cli->json)
                out_note_json(cli, &n);
            else
                table_note(cli, &n);
        } else {
            struct pk_record r;
            pk_record_get(cli->reg, hits[i].id, &r);
            if (cli->json)
                out_record_json(cli, &r, 0);
            else
                table_row(cli, &r, 0, 0, 0);
        }
    }
    free(hits);
    if (total == 0) {
        cli_err("search: nothing matches");
        return EXIT_NOTHING;
    }
    if (shown < (size_t)total && !cli->json) {
        cli_flush(cli);
        cli_err("search: showing %zu of %d matches; --limit N shows more", shown, total);
    }
    return EXIT_FOUND;
}

const struct pk_cmd cmd_search = {
    .name = "search",
    .usage = "search [--limit N] TERM...",
    .run = run,
};
