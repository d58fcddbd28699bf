/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit list [RANGE] [--status S] [--proto P]: the registry as a table, by port. Runs of
 * ports with no record show as one unassigned row.
 */
#include <string.h>

#include "cli.h"
#include "portkit/error.h"
#include "portkit/portrange.h"

struct list_opts {
    int statuses; /* bits of 1 << pk_status; 0 means all */
    unsigned protos;
};

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    struct list_opts *lo = ctx;
    (void)cli, (void)p;
    if (id == 's') {
        if (strcmp(arg, "assigned") == 0)
            lo->statuses |= 1 << PK_ASSIGNED;
        else if (strcmp(arg, "reserved") == 0)
            lo->statuses |= 1 << PK_RESERVED;
        else if (strcmp(arg, "unassigned") == 0)
            lo->statuses |= 1 << PK_UNASSIGNED;
        else
            return cli_usage(&cmd_list, "--status '%s': expected assigned, reserved or unassigned",
                             arg);
    } else if (id == 'p') {
        unsigned pr = pk_proto_from_name(arg, strlen(arg));
        if (!pr)
            return cli_usage(&cmd_list, "--proto '%s': unknown protocol (tcp, udp, sctp or dccp)",
                             arg);
        lo->protos |= pr;
    }
    return 0;
}

/* An unassigned run lo..hi of proto, as a record without a name. */
static void
unassigned_run(struct pk_record *r, unsigned lo, unsigned hi, unsigned proto)
{
    memset(r, 0, sizeof(*r));
    r->id = UINT32_MAX; /* no record of the registry: never taken from a cache */
    r->service = r->description = r->assignee = r->contact = r->registered = r->modified =
        r->reference = r->service_code = r->unauthorized = r->notes = r->as_of = "";
    r->port_lo = (uint16_t)lo;
    r->port_hi = (uint16_t)hi;
    r->proto = proto;
    r->status = PK_UNASSIGNED;
    r->flags = hi != lo ? PK_REC_RANGE : 0;
}

/* Adds one row: a JSON line, or a table row. */
static int
emit(struct cli *cli, struct pk_table *t, const struct pk_record *r, unsigned proto)
{
    if (cli->json) {
        pk_out_record_json(&cli->o, r, proto);
        pk_buf_putc(&cli->out, '\n');
        return cli_maybe_flush(cli) < 0 ? -1 : 0;
    }
    return pk_out_record_row(t, r, proto, 0, 0);
}

static const struct cli_opt opts[] = {
    {'s', "status", 's', true, "STATUS", "assigned, reserved or unassigned (may be repeated)",
     NULL},
    {'p', "proto", 'p', true, "PROTO", "tcp, udp, sctp or dccp (may be repeated)", NULL},
};

static int
run(struct cli *cli, int argc, char **argv)
{
    struct list_opts lo = {0};
    int n, rc = cli_parse(cli, &cmd_list, argc, argv, on_opt, &lo, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    struct pk_portrange spec = {.lo = 0, .hi = PK_PORT_MAX, .protos = PK_PROTO_ALL};
    if (n > 1)
        return cli_usage(&cmd_list, "'%s': one range at most", argv[2]);
    if (n == 1) {
        const char *why;
        if (pk_portrange_parse(argv[1], strlen(argv[1]), &spec, &why) < 0) {
            cli_err("list: %s: %s", argv[1], why);
            return EXIT_USAGE;
        }
        if (spec.has_proto)
            lo.protos |= spec.protos;
    }
    /* Empty sctp and dccp ports are listed only when asked for by name. */
    unsigned protos = lo.protos ? lo.protos : PK_PROTO_ALL;
    unsigned empty_protos = lo.protos ? lo.protos : (PK_TCP | PK_UDP);
    int statuses =
        lo.statuses ? lo.statuses : (1 << PK_ASSIGNED) | (1 << PK_RESERVED) | (1 << PK_UNASSIGNED);
    size_t ncols;
    const struct pk_col *cols = pk_out_record_cols(&ncols);
    struct pk_table *t = NULL;
    if (!cli->json && pk_table_new(cols, ncols, &t) < 0) {
        cli_err("list: %s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    size_t rows = 0;
    rc = 0;
    for (unsigned port = spec.lo; rc == 0; port++) {
        for (unsigned p = PK_TCP; p <= PK_DCCP && rc == 0; p <<= 1) {
            if (!(protos & p))
                continue;
            struct pk_cursor cur;
            struct pk_record r;
            if (pk_lookup(cli->reg, port, p, &cur) == 0) {
                /* Start of a run of ports with no record: find its end and show it once. */
                struct pk_cursor other;
                if (!(empty_protos & p) || !(statuses & (1 << PK_UNASSIGNED)) ||
                    (port > spec.lo && pk_lookup(cli->reg, port - 1, p, &other) == 0))
                    continue;
                unsigned end = port;
                while (end < spec.hi && pk_lookup(cli->reg, end + 1, p, &other) == 0)
                    end++;
                unassigned_run(&r, port, end, p);
                rc = emit(cli, t, &r, p);
                rows++;
                continue;
            }
            while (rc == 0 && pk_cursor_next(&cur, &r)) {
                /* A record covering several ports is shown at the first one in view. */
                unsigned first = r.port_lo > spec.lo ? r.port_lo : spec.lo;
                if (port != first || !(statuses & (1 << r.status)))
                    continue;
                rc = emit(cli, t, &r, p);
                rows++;
            }
        }
        if (port == spec.hi)
            break;
    }
    if (rc == 0 && t && rows)
        rc = pk_table_render(t, &cli->o, 0);
    pk_table_free(t);
    if (rc < 0) {
        if (!cli->out_failed)
            cli_err("list: %s", pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    return rows ? EXIT_FOUND : EXIT_NOTHING;
}

const struct pk_cmd cmd_list = {
    .name = "list",
    .usage = "list [LO-HI[/PROTO]] [--status STATUS] [--proto PROTO]",
    .summary = "the registry as a table, by port",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .run = run,
};
