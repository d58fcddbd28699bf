/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit list [RANGE] [--status S] [--proto P]: the registry as a table, by port. Runs of
 * ports with no record show as one unassigned row.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "portkit/portrange.h"
#include "table.h"

static void
run_json(struct cli *cli, unsigned lo, unsigned hi, unsigned proto)
{
    struct pk_json j;
    pk_json_init(&j, &cli->out);
    pk_json_obj_begin(&j);
    pk_json_key_int(&j, "port", lo);
    if (hi != lo)
        pk_json_key_int(&j, "port_end", hi);
    pk_json_key_str(&j, "protocol", pk_proto_name(proto));
    pk_json_key(&j, "service");
    pk_json_val_null(&j);
    pk_json_key_str(&j, "status", "unassigned");
    pk_json_key(&j, "description");
    pk_json_val_null(&j);
    pk_json_obj_end(&j);
    pk_buf_putc(&cli->out, '\n');
}

static int
run(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"status", required_argument, NULL, 's'},
                                         {"proto", required_argument, NULL, 'p'},
                                         {NULL, 0, NULL, 0}};
    int statuses = 0; /* bits of 1 << pk_status; 0 means all */
    unsigned protos = 0;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:p:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (strcmp(optarg, "assigned") == 0)
                statuses |= 1 << PK_ASSIGNED;
            else if (strcmp(optarg, "reserved") == 0)
                statuses |= 1 << PK_RESERVED;
            else if (strcmp(optarg, "unassigned") == 0)
                statuses |= 1 << PK_UNASSIGNED;
            else {
                cli_err("list: --status %s: expected assigned, reserved or unassigned", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'p': {
            unsigned p = pk_proto_from_name(optarg, strlen(optarg));
            if (!p) {
                cli_err("list: --proto %s: unknown protocol (tcp, udp, sctp or dccp)", optarg);
                return EXIT_USAGE;
            }
            protos |= p;
            break;
        }
        case ':':
            return cli_usage(&cmd_list, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage(&cmd_list, "%s: unknown option", cli_bad_option(argv, optind));
        }
    }
    struct pk_portrange spec = {.lo = 0, .hi = PK_PORT_MAX, .protos = PK_PROTO_ALL};
    if (optind < argc) {
        const char *why;
        if (pk_portrange_parse(argv[optind], strlen(argv[optind]), &spec, &why) < 0) {
            cli_err("list: %s: %s", argv[optind], why);
            return EXIT_USAGE;
        }
        if (spec.has_proto)
            protos |= spec.protos;
        optind++;
    }
    if (optind < argc)
        return cli_usage(&cmd_list, "%s: unexpected argument", argv[optind]);
    /* Empty sctp and dccp ports are listed only when asked for by name. */
    unsigned empty_protos = protos ? protos : (PK_TCP | PK_UDP);
    if (!protos)
        protos = PK_PROTO_ALL;
    if (!statuses)
        statuses = (1 << PK_ASSIGNED) | (1 << PK_RESERVED) | (1 << PK_UNASSIGNED);

    size_t rows = 0;
    table_head(cli);
    for (unsigned port = spec.lo;; port++) {
        for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
            if (!(protos & p))
                continue;
            struct pk_cursor cur;
            int n = pk_lookup(cli->reg, port, p, &cur);
            if (n == 0) {
                /* Start of a run of ports with no record: find its end and show it once. */
                if (!(empty_protos & p) || !(statuses & (1 << PK_UNASSIGNED)))
                    continue;
                struct pk_cursor prev;
                if (port > spec.lo && pk_lookup(cli->reg, port - 1, p, &prev) == 0)
                    continue;
                unsigned end = port;
                struct pk_cursor next;
                while (end < spec.hi && pk_lookup(cli->reg, end + 1, p, &next) == 0)
                    end++;
                if (cli->json)
                    run_json(cli, port, end, p);
                else
                    table_row(cli, NULL, p, port, end);
                rows++;
                continue;
            }
            struct pk_record r;
            while (pk_cursor_next(&cur, &r)) {
                /* A record covering several ports is shown at the first one in view. */
                unsigned first = r.port_lo > spec.lo ? r.port_lo : spec.lo;
                if (port != first || !(statuses & (1 << r.status)))
                    continue;
                if (cli->json)
                    out_record_json(cli, &r, p);
                else
                    table_row(cli, &r, p, 0, 0);
                rows++;
            }
        }
        if (cli_maybe_flush(cli) < 0)
            return EXIT_RUNTIME;
        if (port == spec.hi)
            break;
    }
    return rows ? EXIT_FOUND : EXIT_NOTHING;
}

const struct pk_cmd cmd_list = {
    .name = "list",
    .usage = "list [LO-HI[/PROTO]] [--status assigned|reserved|unassigned] [--proto P]",
    .run = run,
};
