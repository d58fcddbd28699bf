/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_CLI_H
#define PORTKIT_CLI_H

/*
 * What every subcommand of the portkit command shares: global options, option parsing, the
 * output buffer, messages and exit codes. Each subcommand lives in its own file and exports
 * one struct pk_cmd, listed in the table in main.c. Output goes through the library's output
 * layer (portkit/out.h) into cli->out.
 */
#include <stdbool.h>
#include <stdio.h>

#include "portkit/buf.h"
#include "portkit/out.h"
#include "portkit/page.h"
#include "portkit/policy.h"
#include "portkit/registry.h"

/* Exit statuses (PRODUCT.md): */
#define EXIT_FOUND 0
#define EXIT_NOTHING 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3
#define EXIT_INTERRUPTED 130

#define CLI_OUT_MAX (64u << 20) /* a single buffered chunk of output never grows past this */
#define CLI_FLUSH_AT (64u << 10)

enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

struct cli {
    bool json;
    enum cli_color color_mode;
    bool color;                    /* decided by cli_settle() once the options are known */
    bool verbose;                  /* -v / --verbose where a command takes it */
    const char *procroot;          /* "/proc", or $PORTKIT_PROCROOT for tests */
    const struct pk_registry *reg; /* the local database when valid, else the snapshot */
    const struct pk_registry *db;  /* the local database opened, or NULL */
    char db_path[4096];            /* where it is (or would be) */
    struct pk_buf out;             /* stdout, written by cli_flush() */
    bool out_failed;               /* stdout failed once (reported); later output is dropped */
    bool host_read;
    struct pk_port_policy host; /* read on first use: cli_host() */
    struct pk_out o;            /* the output layer's context: o.b is &out */
};

/* One option of a subcommand. */
struct cli_opt {
    int id;           /* handed to the command's handler: its short letter, or a code >= 256 */
    const char *lng;  /* long name without "--", or NULL */
    char shrt;        /* short letter, or 0 */
    bool has_arg;     /* takes a value */
    const char *arg;  /* the value's name in --help ("N"), or NULL */
    const char *help; /* one line for --help */
    const char *show; /* the left column of --help when the default does not fit ("-oX FILE") */
};

struct pk_cmd {
    const char *name;
    const char *usage;   /* one line, after "portkit " */
    const char *summary; /* one line for --help */
    const struct cli_opt *opts;
    size_t nopts;
    const char *operands; /* a few lines after the options in --help, or NULL */
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* The parser's state, for handlers that take a further argument (nmap's -oX FILE). */
struct cli_parser {
    int argc;
    char **argv;
    const struct pk_cmd *cmd;
};

/* What a command's handler returns for an option it took: 0, or an exit status. */
typedef int (*cli_on_opt)(struct cli *cli, int id, const char *arg, struct cli_parser *p,
                          void *ctx);

/* Returned by cli_parse() after it printed the command's help: the command returns
 * EXIT_FOUND. */
#define CLI_HELP_SHOWN (-1)

/*
 * Parses argv (argv[0] is the command's name) with getopt_long: the command's own options,
 * calling on() for each, and the global ones (--json, --color=WHEN, --no-color, -h/--help),
 * which are accepted here as the command's own. Short options cluster ("-tulpn"); a value
 * is never taken for an option ("-oN --json" writes to a file named --json); "--" ends the
 * options. Positional arguments are collected, in order, into argv[1..*npos]. Returns 0,
 * CLI_HELP_SHOWN, or an exit status after reporting a usage error.
 */
int cli_parse(struct cli *cli, const struct pk_cmd *cmd, int argc, char **argv, cli_on_opt on,
              void *ctx, int *npos);

/* The handler of a command with no options of its own. */
int cli_no_opts(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx);

/* Parses a --color value ("auto", "always", "never") into *out. Returns false when it is
 * none of them. */
bool cli_color_mode(const char *arg, enum cli_color *out);

/* Takes the next argument as a further value of the option being handled ("-oX FILE").
 * Returns NULL, after reporting, when there is none. */
const char *cli_take(struct cli_parser *p, const char *what);

/* Prints the full help of cmd (usage, summary, every option) to f. */
void cli_help(FILE *f, const struct pk_cmd *cmd);

/*
 * Opens the local registry database when there is one: cli->reg becomes it when it is
 * valid; a damaged or unreadable one is reported (once) and the built-in snapshot answers.
 */
void cli_open_registry(struct cli *cli);

/* Decides colour and width once options are known. */
void cli_settle(struct cli *cli);

/* Prints "portkit: MESSAGE" to stderr, whole; the message is escaped for the terminal. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage error for cmd and returns EXIT_USAGE. */
int cli_usage(const struct pk_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the buffered output to stdout. Returns 0, or -1 when stdout fails (reported). */
int cli_flush(struct cli *cli);

/* Flushes when the buffer is over CLI_FLUSH_AT. Returns cli_flush()'s value, or 0. */
int cli_maybe_flush(struct cli *cli);

/* Writes all len bytes of data to fd (again after EINTR). Returns 0 or -errno. */
int cli_write_all(int fd, const char *data, size_t len);

/* Returns the host's port policy, reading it once. */
const struct pk_port_policy *cli_host(struct cli *cli);

/*
 * Strict numbers for options: decimal digits only (no sign, blanks, hex or exponent), in
 * min..max. On failure prints "portkit: CMD: OPT 'VALUE': why (MIN-MAX)" and returns false.
 * cli_parse_decimal also takes one '.' and digits after it.
 */
bool cli_parse_uint(const char *cmd, const char *opt, const char *value, unsigned long long min,
                    unsigned long long max, unsigned long long *out);
bool cli_parse_decimal(const char *cmd, const char *opt, const char *value, double min, double max,
                       double *out);

/* The old spelling of cli_parse_uint() for counts 1..max. */
bool cli_parse_count(const char *opt, const char *value, unsigned long max, unsigned long *out);

/* One line of standard input as cli_each_stdin_line() hands it over. */
struct cli_line {
    char *text;    /* without its line end; NUL-terminated, but may hold NUL bytes */
    size_t len;    /* bytes in text */
    size_t number; /* 1 for the first line */
    bool too_long; /* longer than CLI_LINE_MAX: text is its first CLI_LINE_MAX bytes */
};
#define CLI_LINE_MAX 4096

/*
 * Calls fn for each line of stdin, streaming: output is flushed between chunks of input.
 * A CR before the LF is dropped. Returns the first non-zero value of fn, or 0; -1 on a read
 * error (reported).
 */
int cli_each_stdin_line(struct cli *cli, int (*fn)(struct cli *, const struct cli_line *, void *),
                        void *arg);

/* The subcommands. */
extern const struct pk_cmd cmd_info;
extern const struct pk_cmd cmd_search;
extern const struct pk_cmd cmd_name;
extern const struct pk_cmd cmd_list;
extern const struct pk_cmd cmd_scan;
extern const struct pk_cmd cmd_ls;
extern const struct pk_cmd cmd_who;
extern const struct pk_cmd cmd_free;
extern const struct pk_cmd cmd_serve;
extern const struct pk_cmd cmd_help;
extern const struct pk_cmd cmd_update;
extern const struct pk_cmd cmd_diff;

/*
 * Prints what changed from before to after (named so in the heading): counts and tables,
 * or one JSON object per change. Returns the number of changes, or -1 after reporting.
 */
int cli_show_changes(struct cli *cli, const struct pk_registry *before, const char *before_name,
                     const struct pk_registry *after, const char *after_name);

/* The table of subcommands (main.c), for help. */
extern const struct pk_cmd *const cli_commands[];
extern const size_t cli_ncommands;

/* The port page's "here" section: who listens on port now (here.c). It is the page's
 * extra-section hook (struct pk_page.extra) with arg a struct here_arg. */
struct here_arg {
    struct cli *cli;
    unsigned port;
    unsigned protos;
};
void here_section_hook(const struct pk_out *o, enum pk_page_format fmt, void *arg);

#endif
