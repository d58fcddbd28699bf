/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit: everything about a port number. main() handles the global options, picks the
 * subcommand (a port spec with none means "info") and owns stdout.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portkit/error.h"
#include "portkit/version.h"

/* The subcommand table: adding a subcommand means adding its file and one line here. */
static const struct pk_cmd *const commands[] = {
    &cmd_info, &cmd_search, &cmd_name, &cmd_list, &cmd_scan, &cmd_ls, &cmd_who, &cmd_free,
};

static void
print_help(FILE *f)
{
    fputs("usage: portkit [--json] [--color=auto|always|never] COMMAND [ARGS]\n"
          "       portkit PORT[/PROTO]...      same as 'portkit info'\n\ncommands:\n",
          f);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  portkit %s\n", commands[i]->usage);
    fputs("\nExit status: 0 found, 1 nothing found, 2 bad input, 3 runtime failure.\n"
          "See portkit(1) for details.\n",
          f);
}

void
cli_err(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct pk_buf b;
    pk_buf_init(&b, 4096);
    pk_buf_puts(&b, "portkit: ");
    pk_buf_term_str(&b, msg, true);
    pk_buf_putc(&b, '\n');
    if (b.data)
        fputs(b.data, stderr);
    pk_buf_free(&b);
}

int
cli_usage(const struct pk_cmd *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_err("%s: %s (usage: portkit %s)", cmd->name, msg, cmd->usage);
    return EXIT_USAGE;
}

int
cli_flush(struct cli *cli)
{
    if (cli->out_failed) {
        pk_buf_reset(&cli->out);
        return -1;
    }
    if (cli->out.err) {
        cli_err("output: %s", pk_strerror(cli->out.err));
        cli->out_failed = true;
        pk_buf_reset(&cli->out);
        return -1;
    }
    size_t off = 0;
    while (off < cli->out.len) {
        ssize_t n = write(STDOUT_FILENO, cli->out.data + off, cli->out.len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EPIPE)
                cli_err("standard output: %s", strerror(errno));
            cli->out_failed = true;
            pk_buf_reset(&cli->out);
            return -1;
        }
        off += (size_t)n;
    }
    pk_buf_reset(&cli->out);
    return 0;
}

int
cli_maybe_flush(struct cli *cli)
{
    return cli->out.len >= CLI_FLUSH_AT || cli->out.err ? cli_flush(cli) : 0;
}

const struct pk_port_policy *
cli_host(struct cli *cli)
{
    if (!cli->host_read) {
        pk_port_policy_read(cli->procroot, &cli->host);
        cli->host_read = true;
    }
    return &cli->host;
}

const char *
cli_c(const struct cli *cli, const char *sgr)
{
    if (!cli->color)
        return "";
    static const struct {
        const char *code, *seq;
    } seqs[] = {{C_BOLD, "\033[1m"},   {C_DIM, "\033[2m"},     {C_RED, "\033[31m"},
                {C_GREEN, "\033[32m"}, {C_YELLOW, "\033[33m"}, {C_BLUE, "\033[34m"},
                {C_CYAN, "\033[36m"},  {C_RESET, "\033[0m"}};
    for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
        if (strcmp(seqs[i].code, sgr) == 0)
            return seqs[i].seq;
    return "";
}

void
cli_text(struct cli *cli, const char *s)
{
    pk_buf_term_str(&cli->out, s, true);
}

bool
cli_parse_count(const char *opt, const char *value, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!value || !*value || *value < '0' || *value > '9') {
        cli_err("%s: '%s': not a positive number", opt, value ? value : "");
        return false;
    }
    unsigned long v = strtoul(value, &end, 10);
    if (*end || errno == ERANGE || v == 0 || v > max) {
        cli_err("%s: '%s': %s (1-%lu)", opt, value, *end ? "not a positive number" : "out of range",
                max);
        return false;
    }
    *out = v;
    return true;
}

const char *
cli_bad_option(char **argv, int ind)
{
    static char shortopt[3];
    if (optopt > 0 && optopt < 256) {
        shortopt[0] = '-';
        shortopt[1] = (char)optopt;
        return shortopt;
    }
    return argv[ind - 1];
}

int
cli_each_stdin_line(struct cli *cli, int (*fn)(struct cli *, const struct cli_line *, void *),
                    void *arg)
{
    enum { CHUNK = 1 << 16 };
    static char buf[CHUNK + CLI_LINE_MAX + 1];
    size_t have = 0;
    size_t number = 0;
    bool skipping = false; /* inside a line already passed on as too long */
    int rc = 0;

    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf + have, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            cli_err("standard input: %s", strerror(errno));
            return -1;
        }
        size_t end = have + (size_t)n;
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', end - start);
            if (!nl && n > 0 && end - start <= CLI_LINE_MAX)
                break; /* need more input for this line */
            size_t linelen = nl ? (size_t)(nl - buf) - start : end - start;
            if (!nl && linelen == 0)
                break;
            struct cli_line line = {.text = buf + start, .len = linelen};
            line.too_long = linelen > CLI_LINE_MAX;
            if (line.too_long)
                line.len = CLI_LINE_MAX;
            /* The line's bytes are not needed again once handed over, so its end can be
             * overwritten in place (buf has room for the terminator after a full chunk). */
            buf[start + line.len] = '\0';
            if (!line.too_long && line.len > 0 && line.text[line.len - 1] == '\r')
                line.text[--line.len] = '\0';
            if (!skipping) {
                line.number = ++number;
                rc = fn(cli, &line, arg);
            }
            if (rc)
                return rc;
            if (nl) {
                skipping = false;
                start = (size_t)(nl - buf) + 1;
            } else {
                /* Over-long line: passed on once, the rest of it is dropped. */
                skipping = true;
                start = end;
            }
        }
        have = end - start;
        memmove(buf, buf + start, have);
        if (cli_flush(cli) < 0)
            return -1;
        if (n == 0)
            return 0;
    }
}

/* Removes argv[i] from the argument list. */
static void
drop_arg(int *argc, char **argv, int i)
{
    memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof(*argv));
    (*argc)--;
}

int
main(int argc, char **argv)
{
    struct cli cli = {0};
    const char *color = "auto";

    cli.reg = pk_registry_builtin();
    cli.procroot = getenv("PORTKIT_PROCROOT");
    if (!cli.procroot || !*cli.procroot)
        cli.procroot = "/proc";
    pk_buf_init(&cli.out, CLI_OUT_MAX);

    /* Global options may stand anywhere before "--". */
    for (int i = 1; i < argc;) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--json") == 0) {
            cli.json = true;
        } else if (strncmp(a, "--color=", 8) == 0 || strncmp(a, "--colour=", 9) == 0) {
            color = strchr(a, '=') + 1;
            if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
                cli_err("%s: expected auto, always or never", a);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--no-color") == 0) {
            color = "never";
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_help(stdout);
            return EXIT_FOUND;
        } else if (strcmp(a, "--version") == 0) {
            printf("portkit %s\n", pk_version());
            return EXIT_FOUND;
        } else {
            i++;
            continue;
        }
        drop_arg(&argc, argv, i);
    }
    const char *nc = getenv("NO_COLOR");
    cli.color = strcmp(color, "always") == 0 ||
                (strcmp(color, "auto") == 0 && !(nc && *nc) && isatty(STDOUT_FILENO) && !cli.json);

    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const struct pk_cmd *cmd = NULL;
    int first = 1;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            cmd = commands[i], first = 2;
    if (!cmd) {
        /* "portkit 721", "portkit -": a port spec. Anything else that isn't one is a typo
         * of a command or a bad spec; info reports it as a bad spec. */
        if (argv[1][0] != '-' || argv[1][1] == '\0' || (argv[1][1] >= '0' && argv[1][1] <= '9'))
            cmd = &cmd_info;
        else {
            cli_err("%s: unknown option or command (see portkit --help)", argv[1]);
            return EXIT_USAGE;
        }
    }
    /* Subcommands see argv[0] as their name, getopt style. */
    argv[first - 1] = (char *)cmd->name;
    int rc = cmd->run(&cli, argc - first + 1, argv + first - 1);
    /* A failed standard output outranks what the command found. */
    if ((cli_flush(&cli) < 0 || cli.out_failed) && rc < EXIT_RUNTIME)
        rc = EXIT_RUNTIME;
    pk_buf_free(&cli.out);
    return rc;
}
