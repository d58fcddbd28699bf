/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit search TERM... [--limit N]: what a person means by the terms, ranked by port (see
 * pk_search_ports()): one row, or one JSON object, per port, block of ports or name without a
 * port, with the records and notes of it that matched.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "portkit/error.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 100000
#define MAX_TERMS 16

static const struct pk_col cols[] = {
    {"PORT", 0},
    {"PROTO", 0},
    {"SERVICE", 0},
    {"DESCRIPTION", PK_COL_SHRINK},
};

/* True when a and b are one name but for case and '-'/'_' (printer-agent, printer_agent). */
static bool
alias_of(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
        a++, b++;
    }
}

/* Appends the service names of r's matched records, aliases folded, to b ("-" for none). */
static void
services_of(const struct cli *cli, const struct pk_search_result *r, struct pk_buf *b)
{
    const char *seen[PK_SEARCH_REFS];
    size_t n = 0;
    for (size_t i = 0; i < r->nrefs; i++) {
        struct pk_record rec;
        if (r->refs[i].is_note || pk_record_get(cli->reg, r->refs[i].id, &rec) < 0 || !*rec.service)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = alias_of(seen[k], rec.service);
        if (dup)
            continue;
        seen[n++] = rec.service;
        if (b->len)
            pk_buf_puts(b, ", ");
        pk_buf_puts(b, rec.service);
    }
    /* No record matched (a note did): the names the port is assigned to. */
    for (unsigned p = PK_TCP; !b->len && !r->noport && r->port == r->port_end && p <= PK_DCCP;
         p <<= 1) {
        const char *svc = pk_service_name(cli->reg, r->port, p);
        if (svc)
            pk_buf_puts(b, svc);
    }
    if (!b->len)
        pk_buf_puts(b, "-");
}

/* The description of a result: its best record's, or its best note's text. */
static const char *
description_of(const struct cli *cli, const struct pk_search_result *r)
{
    struct pk_record rec;
    struct pk_note note;
    if (r->nrefs == 0)
        return "-";
    if (r->refs[0].is_note)
        return pk_note_get(cli->reg, r->refs[0].id, &note) == 0 ? note.text : "-";
    return pk_record_get(cli->reg, r->refs[0].id, &rec) == 0 && *rec.description ? rec.description
                                                                                 : "-";
}

static int
row(struct cli *cli, struct pk_table *t, const struct pk_search_result *r)
{
    char ports[16], protos[32];
    struct pk_buf names;
    int rc = pk_table_row(t);
    if (rc < 0)
        return rc;
    if (r->noport)
        strcpy(ports, "-");
    else if (r->port == r->port_end)
        snprintf(ports, sizeof(ports), "%u", r->port);
    else
        snprintf(ports, sizeof(ports), "%u-%u", r->port, r->port_end);
    struct pk_buf pb;
    pk_buf_init(&pb, sizeof(protos) - 1);
    pk_out_protos_text(&pb, r->protos);
    snprintf(protos, sizeof(protos), "%s", pb.len ? pb.data : "-");
    pk_buf_free(&pb);
    pk_buf_init(&names, 4096);
    services_of(cli, r, &names);
    pk_table_cell(t, 0, ports, PK_STYLE_NONE);
    pk_table_cell(t, 1, protos, PK_STYLE_NONE);
    pk_table_cell(t, 2, names.data, PK_STYLE_BOLD);
    pk_buf_free(&names);
    rc = (int)pk_table_cell(t, 3, description_of(cli, r), PK_STYLE_NONE);
    return rc < 0 ? rc : 0;
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
    struct pk_table *t = NULL;
    rc = 0;
    if (cli->json) {
        for (size_t i = 0; i < shown; i++) {
            pk_out_search_json(&cli->o, &res[i]);
            pk_buf_putc(&cli->out, '\n');
        }
    } else if (shown && (rc = pk_table_new(cols, sizeof(cols) / sizeof(cols[0]), &t)) == 0) {
        for (size_t i = 0; i < shown && rc == 0; i++)
            rc = row(cli, t, &res[i]);
        if (rc == 0)
            rc = pk_table_render(t, &cli->o, 0);
    }
    pk_table_free(t);
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
