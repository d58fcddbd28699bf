/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit info PORT[/PROTO]... : the port page. A range ("788-799") is shown in compact form
 * (one table, one JSON object); "-" reads specs from standard input, one per line,
 * streaming, one answer per line.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portkit/error.h"
#include "portkit/page.h"
#include "portkit/portrange.h"

struct info_state {
    bool first;
    int rc; /* worst exit status so far */
    struct pk_out_cache *cache;
};

/* True when s is a word of letters: a mistyped command more likely than a port. */
static bool
looks_like_command(const char *s, size_t len)
{
    if (len == 0 || len > 32)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
            return false;
    return s[0] != '-';
}

/*
 * Reports a bad spec: a line on stderr naming it and, for standard input, its line number;
 * in JSON mode also an error object on stdout, so that output lines stay in step with input
 * lines. Returns EXIT_USAGE.
 */
static int
bad_spec(struct cli *cli, const char *input, size_t len, size_t lineno, int err, const char *why)
{
    struct pk_buf msg;
    struct pk_out eo = cli->o;
    pk_buf_init(&msg, 4096);
    eo.b = &msg;
    pk_buf_puts(&msg, "portkit: ");
    if (lineno)
        pk_buf_printf(&msg, "standard input line %zu: ", lineno);
    if (!lineno && looks_like_command(input, len) && err == PK_EINVAL)
        why = "not a port number or command (see portkit --help)";
    pk_out_error_text(&eo, input, len, why);
    pk_buf_putc(&msg, '\n');
    if (msg.data)
        fputs(msg.data, stderr);
    pk_buf_free(&msg);
    if (cli->json) {
        pk_out_error_json(&cli->o, input, len, err, why);
        pk_buf_putc(&cli->out, '\n');
    }
    return EXIT_USAGE;
}

/*
 * Shows one spec. A port named on the command line gets the "here" section (who listens on
 * it now); lines streamed on stdin don't, so that enriching a log stays a registry lookup.
 * Returns an exit status.
 */
static int
show(struct cli *cli, struct info_state *st, const char *input, size_t len, size_t lineno,
     bool here)
{
    struct pk_portrange spec;
    const char *why;
    int err = pk_portrange_parse(input, len, &spec, &why);
    if (err < 0)
        return bad_spec(cli, input, len, lineno, err, why);
    struct pk_out o = cli->o;
    o.cache = st->cache;
    if (!cli->json) {
        if (!st->first)
            pk_buf_putc(&cli->out, '\n');
        st->first = false;
    }
    if (spec.lo != spec.hi) {
        if (cli->json) {
            pk_out_range_json(&o, spec.lo, spec.hi, spec.protos, spec.has_proto);
            pk_buf_putc(&cli->out, '\n');
        } else if ((err = pk_out_range_text(&o, spec.lo, spec.hi, spec.protos, spec.has_proto)) <
                   0) {
            cli_err("%.*s: %s", (int)len, input, pk_strerror(err));
            return EXIT_RUNTIME;
        }
        return EXIT_FOUND;
    }
    struct pk_page page;
    err = pk_page_build(cli->reg, spec.lo, spec.protos, spec.has_proto, cli_host(cli), &page);
    if (err < 0) {
        cli_err("%.*s: %s", (int)len, input, pk_strerror(err));
        return EXIT_RUNTIME;
    }
    struct here_arg ha = {cli, spec.lo, spec.protos};
    if (here) {
        page.extra = here_section_hook;
        page.extra_arg = &ha;
    }
    if (cli->json) {
        pk_out_page_json(&o, &page);
        pk_buf_putc(&cli->out, '\n');
    } else {
        pk_out_page_text(&o, &page);
    }
    pk_page_free(&page);
    return EXIT_FOUND;
}

static int
stdin_line(struct cli *cli, const struct cli_line *line, void *arg)
{
    struct info_state *st = arg;
    int rc;
    if (line->too_long)
        rc = bad_spec(cli, line->text, line->len, line->number, PK_EMSGSIZE,
                      "line longer than 4096 bytes");
    else
        rc = show(cli, st, line->text, line->len, line->number, false);
    if (rc > st->rc)
        st->rc = rc;
    return cli_maybe_flush(cli) < 0 ? -1 : 0;
}

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    (void)arg, (void)p, (void)ctx;
    if (id == 'v')
        cli->verbose = true;
    return 0;
}

static const struct cli_opt opts[] = {
    {'v', "verbose", 'v', false, NULL, "long registry texts whole", NULL},
};

static int
run(struct cli *cli, int argc, char **argv)
{
    struct info_state st = {.first = true, .rc = EXIT_FOUND};
    int n, rc = cli_parse(cli, &cmd_info, argc, argv, on_opt, NULL, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n == 0)
        return cli_usage(&cmd_info, "no port given");
    if (cli->json && pk_out_cache_new(cli->reg, &st.cache) < 0)
        st.cache = NULL; /* slower, not wrong */
    for (int i = 1; i <= n; i++) {
        int r;
        if (strcmp(argv[i], "-") == 0) {
            if (cli_each_stdin_line(cli, stdin_line, &st) < 0) {
                st.rc = EXIT_RUNTIME;
                break;
            }
            r = st.rc;
        } else {
            r = show(cli, &st, argv[i], strlen(argv[i]), 0, true);
        }
        if (r > st.rc)
            st.rc = r;
        if (cli_maybe_flush(cli) < 0) {
            st.rc = EXIT_RUNTIME;
            break;
        }
    }
    pk_out_cache_free(st.cache);
    return st.rc;
}

const struct pk_cmd cmd_info = {
    .name = "info",
    .usage = "[info] [-v] PORT[/PROTO]|LO-HI[/PROTO]|- ...",
    .summary = "the port page: every protocol, every assignment, notes, who listens here",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "PORT is 0-65535, PROTO tcp, udp, sctp or dccp; LO-HI a range, shown compact.\n"
                "'-' reads one spec per line from standard input and answers each line.",
    .run = run,
};
