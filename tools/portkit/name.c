/* SPDX-License-Identifier: BSD-2-Clause */
/* portkit name NAME...: the ports and protocols of a service name or alias. */
#include <string.h>

#include "cli.h"
#include "table.h"

static int
run(struct cli *cli, int argc, char **argv)
{
    int i = 1;
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc)
        return cli_usage(&cmd_name, "no service name given");
    int rc = EXIT_FOUND;
    table_head(cli);
    for (; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (len == 0 || len > 255 || argv[i][0] == '-') {
            cli_err("name: '%s': not a service name", argv[i]);
            rc = EXIT_USAGE;
            continue;
        }
        struct pk_cursor c;
        if (pk_name_lookup(cli->reg, argv[i], &c) == 0) {
            cli_err("name: %s: no such service name", argv[i]);
            if (rc == EXIT_FOUND)
                rc = EXIT_NOTHING;
            continue;
        }
        struct pk_record r;
        while (pk_cursor_next(&c, &r)) {
            if (cli->json)
                out_record_json(cli, &r, 0);
            else
                table_row(cli, &r, 0, 0, 0);
        }
    }
    return rc;
}

const struct pk_cmd cmd_name = {
    .name = "name",
    .usage = "name NAME...",
    .run = run,
};
