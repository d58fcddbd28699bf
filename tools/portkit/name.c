/* SPDX-License-Identifier: BSD-2-Clause */
/* portkit name NAME...: the ports and protocols of a service name or alias. */
#include <string.h>

#include "cli.h"
#include "portkit/error.h"

#define NAME_MAX_LEN 255

static int
run(struct cli *cli, int argc, char **argv)
{
    int n, rc = cli_parse(cli, &cmd_name, argc, argv, cli_no_opts, NULL, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n == 0)
        return cli_usage(&cmd_name, "no service name given");
    size_t ncols;
    const struct pk_col *cols = pk_out_record_cols(&ncols);
    struct pk_table *t = NULL;
    if (!cli->json && pk_table_new(cols, ncols, &t) < 0) {
        cli_err("name: %s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    rc = EXIT_FOUND;
    for (int i = 1; i <= n; i++) {
        size_t len = strlen(argv[i]);
        if (len == 0 || len > NAME_MAX_LEN) {
            cli_err("name: '%.64s%s': %s", argv[i], len > 64 ? "..." : "",
                    len ? "too long for a service name (255 bytes at most)" : "empty service name");
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
            if (cli->json) {
                pk_out_record_json(&cli->o, &r, 0);
                pk_buf_putc(&cli->out, '\n');
            } else {
                pk_out_record_row(t, &r, 0, 0, 0);
            }
        }
    }
    if (t && pk_table_rows(t) && pk_table_render(t, &cli->o, 0) < 0 && rc < EXIT_RUNTIME) {
        cli_err("name: %s", pk_strerror(PK_ENOMEM));
        rc = EXIT_RUNTIME;
    }
    pk_table_free(t);
    return rc;
}

const struct pk_cmd cmd_name = {
    .name = "name",
    .usage = "name NAME...",
    .summary = "every port and protocol of a service name or alias (case-insensitive)",
    .run = run,
};
