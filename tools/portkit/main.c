/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit: everything about a port number. main() handles the global options that come
 * before the subcommand, picks the subcommand (a port spec with none means "info") and owns
 * stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portkit/error.h"
#include "portkit/version.h"

/* The subcommand table: adding a subcommand means adding its file and one line here. */
const struct pk_cmd *const cli_commands[] = {
    &cmd_info, &cmd_search, &cmd_name,   &cmd_list,  &cmd_ls,   &cmd_who,
    &cmd_free, &cmd_scan,   &cmd_update, &cmd_diff,  &cmd_serve, &cmd_help,
};
const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

static void
print_help(FILE *f)
{
    fputs("usage: portkit [--json] [--color=auto|always|never] COMMAND [ARGS]\n"
          "       portkit PORT[/PROTO]...      same as 'portkit info'\n\ncommands:\n",
          f);
    for (size_t i = 0; i < cli_ncommands; i++)
        fprintf(f, "  %-8s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fputs("\n'portkit COMMAND --help' or 'portkit help COMMAND' gives a command's options.\n"
          "Exit status: 0 found, 1 nothing found, 2 bad input, 3 runtime failure.\n"
          "See portkit(1) for details.\n",
          f);
}

void
cli_err(const char *fmt, ...)
{
    struct pk_buf msg, b;
    va_list ap;
    /* Formatted whole, however long: the reason at the end of a long message is kept. */
    pk_buf_init(&msg, 1u << 20);
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(small)) {
        pk_buf_puts(&msg, small);
    } else if (n >= 0) {
        char *big = malloc((size_t)n + 1);
        if (big) {
            va_start(ap, fmt);
            vsnprintf(big, (size_t)n + 1, fmt, ap);
            va_end(ap);
            pk_buf_puts(&msg, big);
            free(big);
        } else {
            pk_buf_puts(&msg, small);
        }
    }
    pk_buf_init(&b, 4u << 20);
    pk_buf_puts(&b, "portkit: ");
    pk_buf_term_str(&b, msg.data ? msg.data : "out of memory", true);
    pk_buf_putc(&b, '\n');
    if (b.data)
        fputs(b.data, stderr);
    else
        fputs("portkit: out of memory\n", stderr);
    pk_buf_free(&b);
    pk_buf_free(&msg);
}

int
cli_usage(const struct pk_cmd *cmd, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_err("%s: %s (see portkit %s --help)", cmd->name, msg, cmd->name);
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
    int rc = cli_write_all(STDOUT_FILENO, cli->out.data, cli->out.len);
    if (rc < 0) {
        if (rc != -EPIPE)
            cli_err("standard output: %s", strerror(-rc));
        cli->out_failed = true;
        pk_buf_reset(&cli->out);
        return -1;
    }
    pk_buf_reset(&cli->out);
    return 0;
}

int
cli_write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        data += n;
        len -= (size_t)n;
    }
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

void
cli_settle(struct cli *cli)
{
    const char *nc = getenv("NO_COLOR");
    bool tty = isatty(STDOUT_FILENO);
    cli->color = cli->color_mode == CLI_COLOR_ALWAYS ||
                 (cli->color_mode == CLI_COLOR_AUTO && !(nc && *nc) && tty && !cli->json);
    cli->o.b = &cli->out;
    cli->o.reg = cli->reg;
    cli->o.width = pk_out_width(STDOUT_FILENO);
    cli->o.flags = (cli->color ? PK_OUT_COLOR : 0) | (tty ? PK_OUT_TRUNCATE : 0) |
                   (cli->verbose ? PK_OUT_VERBOSE : 0);
}

void
cli_open_registry(struct cli *cli)
{
    const char *why = "";
    int rc = pk_registry_open_db(0, &cli->db, &why);
    /* Where the database was looked for: the user's own, else (for an ordinary user who has
     * none) the system's, as pk_registry_open_db() does. */
    if (pk_registry_db_path(0, cli->db_path, sizeof(cli->db_path)) < 0)
        cli->db_path[0] = '\0';
    if (*cli->db_path && access(cli->db_path, F_OK) < 0 && errno == ENOENT &&
        pk_registry_db_path(PK_DB_SYSTEM, cli->db_path, sizeof(cli->db_path)) < 0)
        cli->db_path[0] = '\0';
    if (rc == 0) {
        cli->reg = cli->db;
        return;
    }
    cli->db = NULL;
    if (rc != -ENOENT && rc != PK_ENOENT)
        cli_err("registry database %s: %s; the built-in snapshot answers (portkit update "
                "writes a new one)",
                cli->db_path, rc == PK_EBADMSG ? why : pk_strerror(rc));
}

/* Prints the version and which registry answers. */
static void
print_version(const struct cli *cli)
{
    struct pk_buf b;
    struct pk_registry_info info;
    pk_registry_info(cli->reg, &info);
    pk_buf_init(&b, 16384);
    pk_buf_printf(&b, "portkit %s\nregistry: ", pk_version());
    pk_out_registry_text(&b, cli->reg);
    pk_buf_printf(&b, "; %zu records, %zu notes", info.records, info.notes);
    if (cli->db) {
        pk_buf_puts(&b, "\ndatabase: ");
        pk_buf_term_str(&b, cli->db_path, true);
        if (*info.built)
            pk_buf_printf(&b, " (written %s)", info.built);
    }
    pk_buf_putc(&b, '\n');
    if (b.data)
        fputs(b.data, stdout);
    pk_buf_free(&b);
}

/* Finds a subcommand by name. */
static const struct pk_cmd *
find_command(const char *name)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        if (strcmp(name, cli_commands[i]->name) == 0)
            return cli_commands[i];
    return NULL;
}

/* portkit help [COMMAND]: the global help, or a command's full options. */
static int
run_help(struct cli *cli, int argc, char **argv)
{
    int n, rc = cli_parse(cli, &cmd_help, argc, argv, cli_no_opts, NULL, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n < 1) {
        print_help(stdout);
        return EXIT_FOUND;
    }
    if (n > 1)
        return cli_usage(&cmd_help, "one command at a time");
    const struct pk_cmd *cmd = find_command(argv[1]);
    if (!cmd) {
        cli_err("help: '%s': no such command (see portkit --help)", argv[1]);
        return EXIT_USAGE;
    }
    cli_help(stdout, cmd);
    return EXIT_FOUND;
}

const struct pk_cmd cmd_help = {
    .name = "help",
    .usage = "help [COMMAND]",
    .summary = "the commands, or one command's options",
    .run = run_help,
};

/* Picks a UTF-8 character set for display widths: the user's locale when it is one, else
 * C.UTF-8. Output is UTF-8 whatever the locale. */
static void
pick_locale(void)
{
    const char *cs = setlocale(LC_CTYPE, "") ? nl_langinfo(CODESET) : "";
    if (strcmp(cs, "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

/* Parses the global options before the subcommand. Returns the index of the first
 * argument after them, or -(exit status + 1) when main should exit. */
static int
global_options(struct cli *cli, int argc, char **argv)
{
    enum { O_JSON = 256, O_COLOR, O_NOCOLOR, O_VERSION };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"color", required_argument, NULL, O_COLOR},
        {"colour", required_argument, NULL, O_COLOR},
        {"no-color", no_argument, NULL, O_NOCOLOR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, O_VERSION},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    for (;;) {
        int at = optind ? optind : 1;
        /* "portkit -1" is a (bad) port, not an option. */
        if (at < argc && argv[at][0] == '-' && argv[at][1] >= '0' && argv[at][1] <= '9')
            return at;
        int c = getopt_long(argc, argv, "+:h", longopts, NULL);
        switch (c) {
        case -1:
            /* "--" ends the options; what follows is a command or a port. */
            if (optind > at && strcmp(argv[optind - 1], "--") == 0)
                return -(optind + 1000);
            return optind;
        case O_JSON:
            cli->json = true;
            break;
        case O_COLOR:
            if (!cli_color_mode(optarg, &cli->color_mode)) {
                cli_err("--color '%s': expected auto, always or never", optarg);
                return -(EXIT_USAGE + 1);
            }
            break;
        case O_NOCOLOR:
            cli->color_mode = CLI_COLOR_NEVER;
            break;
        case 'h':
            print_help(stdout);
            return -(EXIT_FOUND + 1);
        case O_VERSION:
            print_version(cli);
            return -(EXIT_FOUND + 1);
        case ':':
            cli_err("%s needs a value (see portkit --help)", argv[optind - 1]);
            return -(EXIT_USAGE + 1);
        default:
            if (optopt && optopt < 256)
                cli_err("-%c: unknown option (see portkit --help)", optopt);
            else
                cli_err("%s: unknown option (see portkit --help)", argv[optind - 1]);
            return -(EXIT_USAGE + 1);
        }
    }
}

/* Runs the command line with the registry open. */
static int
run(struct cli *cli, int argc, char **argv)
{
    int first = global_options(cli, argc, argv);
    bool dashdash = false;
    if (first <= -1000) {
        first = -first - 1000;
        dashdash = true;
    } else if (first < 0) {
        return -first - 1;
    }
    if (first >= argc) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const struct pk_cmd *cmd = dashdash ? NULL : find_command(argv[first]);
    int rc;
    if (cmd) {
        /* Subcommands see argv[0] as their name, getopt style. */
        argv[first] = (char *)cmd->name;
        rc = cmd->run(cli, argc - first, argv + first);
    } else {
        /* "portkit 721", "portkit -- 22": port specs for info, which also reports a typo
         * of a command as a bad spec. After "--" everything is a spec. */
        cmd = &cmd_info;
        int n = argc - first + 1 + (dashdash ? 1 : 0);
        char **av = calloc((size_t)n + 1, sizeof(*av));
        if (!av) {
            cli_err("out of memory");
            return EXIT_RUNTIME;
        }
        av[0] = (char *)cmd->name;
        int k = 1;
        static char dd[] = "--";
        if (dashdash)
            av[k++] = dd;
        for (int i = first; i < argc; i++)
            av[k++] = argv[i];
        rc = cmd->run(cli, k, av);
        free(av);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    struct cli cli = {0};

    pick_locale();
    cli.reg = pk_registry_builtin();
    cli_open_registry(&cli);
    cli.procroot = getenv("PORTKIT_PROCROOT");
    if (!cli.procroot || !*cli.procroot)
        cli.procroot = "/proc";
    pk_buf_init(&cli.out, CLI_OUT_MAX);
    cli_settle(&cli);
    int rc = run(&cli, argc, argv);
    /* A failed standard output outranks what the command found. */
    if ((cli_flush(&cli) < 0 || cli.out_failed) && rc < EXIT_RUNTIME)
        rc = EXIT_RUNTIME;
    pk_buf_free(&cli.out);
    pk_registry_close(cli.db);
    return rc;
}
