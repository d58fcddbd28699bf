/* SPDX-License-Identifier: BSD-2-Clause */
/* portkit search TERM... [--limit N]: ranked search over names, descriptions and notes. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portkit/error.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 100000
#define MAX_TERMS 16

/* A row of the human table: one record, or records that differ only in protocol. */
struct row {
    struct pk_hit hit;
    unsigned protos;
};

/* True when records a and b say the same thing on the same ports, protocol aside. Strings
 * of the registry are pooled, so equal text is the same pointer. */
static bool
same_but_proto(const struct pk_record *a, const struct pk_record *b)
{
    return a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
           (a->flags & PK_REC_NOPORT) == (b->flags & PK_REC_NOPORT) && a->status == b->status &&
           a->service == b->service && a->description == b->description;
}

/*
 * Adds hits[0..n) as table rows, folding a record into an earlier row that differs only in
 * protocol (http on 80 is one row "tcp,udp"), until limit rows. Returns the number of hits
 * consumed, or a negative pk_errno.
 */
static long
add_rows(struct cli *cli, struct pk_table *t, const struct pk_hit *hits, size_t n, size_t limit)
{
    struct row *rows = calloc(limit, sizeof(*rows));
    size_t nrows = 0, used = 0;
    int rc = 0;
    if (!rows)
        return PK_ENOMEM;
    for (; used < n; used++) {
        const struct pk_hit *h = &hits[used];
        bool merged = false;
        struct pk_record r, o;
        if (!h->is_note) {
            pk_record_get(cli->reg, h->id, &r);
            for (size_t k = 0; k < nrows && !merged; k++) {
                if (rows[k].hit.is_note || rows[k].hit.score != h->score)
                    continue;
                pk_record_get(cli->reg, rows[k].hit.id, &o);
                if (same_but_proto(&r, &o)) {
                    rows[k].protos |= r.proto;
                    merged = true;
                }
            }
        }
        if (merged)
            continue;
        if (nrows == limit)
            break;
        rows[nrows].hit = *h;
        rows[nrows].protos = h->is_note ? 0 : r.proto;
        nrows++;
    }
    for (size_t k = 0; k < nrows && rc == 0; k++) {
        if (rows[k].hit.is_note) {
            struct pk_note note;
            pk_note_get(cli->reg, rows[k].hit.id, &note);
            rc = pk_out_note_row(t, &note);
        } else {
            struct pk_record r;
            pk_record_get(cli->reg, rows[k].hit.id, &r);
            rc = pk_out_record_row(t, &r, rows[k].protos, 0, 0);
        }
    }
    free(rows);
    return rc < 0 ? rc : (long)used;
}

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
        if (n == 0 || n > 255) {
            cli_err("search: '%.64s%s': a term must be 1 to 255 bytes", argv[i],
                    n > 64 ? "..." : "");
            return EXIT_USAGE;
        }
    }
    /* The text table folds tcp and udp rows of one service, so it asks for more hits. */
    size_t want = cli->json ? limit : limit * 4;
    struct pk_hit *hits = malloc(want * sizeof(*hits));
    if (!hits) {
        cli_err("search: %s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    int total = pk_search(cli->reg, (const char *const *)argv + 1, (size_t)nterms, hits, want);
    if (total < 0) {
        free(hits);
        cli_err("search: %s", pk_strerror(total));
        return EXIT_USAGE;
    }
    size_t got = (size_t)total < want ? (size_t)total : want, shown = got;
    if (cli->json) {
        for (size_t i = 0; i < got; i++) {
            if (hits[i].is_note) {
                struct pk_note n;
                pk_note_get(cli->reg, hits[i].id, &n);
                pk_out_note_json(&cli->o, &n);
            } else {
                struct pk_record r;
                pk_record_get(cli->reg, hits[i].id, &r);
                pk_out_record_json(&cli->o, &r, 0);
            }
            pk_buf_putc(&cli->out, '\n');
        }
    } else if (got > 0) {
        size_t ncols;
        struct pk_table *t = NULL;
        const struct pk_col *cols = pk_out_record_cols(&ncols);
        long used = pk_table_new(cols, ncols, &t);
        if (used == 0)
            used = add_rows(cli, t, hits, got, limit);
        if (used >= 0)
            used = pk_table_render(t, &cli->o, 0) < 0 ? PK_ENOMEM : used;
        pk_table_free(t);
        if (used < 0) {
            free(hits);
            cli_err("search: %s", pk_strerror((int)used));
            return EXIT_RUNTIME;
        }
        shown = (size_t)used;
    }
    free(hits);
    if (total == 0) {
        cli_err("search: nothing matches");
        return EXIT_NOTHING;
    }
    if (shown < (size_t)total) {
        cli_flush(cli);
        cli_err("search: showing %zu of %d matching records; --limit N shows more", shown, total);
    }
    return EXIT_FOUND;
}

const struct pk_cmd cmd_search = {
    .name = "search",
    .usage = "search [--limit N] TERM...",
    .summary = "ranked search over service names, descriptions and the project's notes",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "Every TERM must match (case-insensitive).",
    .run = run,
};
