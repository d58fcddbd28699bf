/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit diff OLD NEW: what changed from one registry file to another (IANA's CSV or XML,
 * or a registry image, each told apart by its content): ports newly assigned, de-assigned,
 * renamed, re-described, reserved and unreserved; counts, then the list. --json: one object
 * per change (docs/schema/change.json). The summary portkit update prints is this one.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portkit/error.h"
#include "regsrc.h"

/* Appends how a registry is named in the heading: "NAME (of DATE)". */
static void
label(struct pk_buf *b, const char *name, const struct pk_registry *reg)
{
    struct pk_registry_info info;
    pk_registry_info(reg, &info);
    pk_buf_term_str(b, name, true);
    if (*info.date)
        pk_buf_printf(b, " (of %s)", info.date);
}

int
cli_show_changes(struct cli *cli, const struct pk_registry *before, const char *before_name,
                 const struct pk_registry *after, const char *after_name)
{
    struct pk_change *c;
    size_t n;
    int rc = pk_registry_diff(before, after, &c, &n);
    if (rc < 0) {
        cli_err("comparing the registries: %s", pk_strerror(rc));
        return -1;
    }
    if (cli->json) {
        for (size_t i = 0; i < n; i++) {
            pk_out_change_json(&cli->o, &c[i]);
            pk_buf_putc(&cli->out, '\n');
            if (cli_maybe_flush(cli) < 0)
                break;
        }
    } else {
        pk_buf_printf(&cli->out, "%sChanges from ", pk_out_sgr(&cli->o, PK_STYLE_BOLD));
        label(&cli->out, before_name, before);
        pk_buf_puts(&cli->out, " to ");
        label(&cli->out, after_name, after);
        pk_buf_printf(&cli->out, "%s\n", pk_out_sgr_end(&cli->o, PK_STYLE_BOLD));
        rc = pk_out_changes_text(&cli->o, c, n);
    }
    pk_changes_free(c);
    if (rc < 0) {
        cli_err("%s", pk_strerror(rc));
        return -1;
    }
    return (int)(n > INT32_MAX ? INT32_MAX : n);
}

/* Reads and builds the registry of path. Returns 0, or an exit status after saying why. */
static int
load(const char *path, struct regsrc *r)
{
    char why[512];
    int rc = regsrc_read_file(path, REGSRC_FILE_MAX, &r->buf, &r->len, why, sizeof(why));
    if (rc == 0)
        rc = regsrc_build(r, path, false, why, sizeof(why));
    if (rc == 0)
        return 0;
    cli_err("diff: %s: %s", path, why);
    return rc == PK_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
}

static int
run(struct cli *cli, int argc, char **argv)
{
    int n, rc = cli_parse(cli, &cmd_diff, argc, argv, cli_no_opts, NULL, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n != 2)
        return cli_usage(&cmd_diff, "two registry files, OLD and NEW");
    struct regsrc a = {0}, b = {0};
    if ((rc = load(argv[1], &a)) == 0 && (rc = load(argv[2], &b)) == 0) {
        int changes = cli_show_changes(cli, a.in.reg, argv[1], b.in.reg, argv[2]);
        rc = changes < 0 ? EXIT_RUNTIME : changes ? EXIT_FOUND : EXIT_NOTHING;
    }
    regsrc_free(&a);
    regsrc_free(&b);
    return rc;
}

const struct pk_cmd cmd_diff = {
    .name = "diff",
    .usage = "diff OLD NEW",
    .summary = "what changed between two registry files (IANA's CSV or XML, or an image)",
    .operands = "OLD and NEW: IANA's CSV or XML, or a registry image, told apart by content.\n"
                "Exit status 0 when something changed, 1 when nothing did.",
    .run = run,
};
