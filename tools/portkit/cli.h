/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_CLI_H
#define PORTKIT_CLI_H

/*
 * What every subcommand of the portkit command shares: global options, the output buffer,
 * messages and exit codes. Each subcommand lives in its own file and exports one
 * struct pk_cmd, listed in the table in main.c.
 */
#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "portkit/policy.h"
#include "portkit/registry.h"

/* Exit statuses (PRODUCT.md): */
#define EXIT_FOUND 0
#define EXIT_NOTHING 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

#define CLI_OUT_MAX (64u << 20) /* a single buffered chunk of output never grows past this */
#define CLI_FLUSH_AT (64u << 10)

struct cli {
    bool json;
    bool color;
    const char *procroot; /* "/proc", or $PORTKIT_PROCROOT for tests */
    const struct pk_registry *reg;
    struct pk_buf out; /* stdout, written by cli_flush() */
    bool out_failed;   /* stdout failed once (reported); later output is dropped */
    bool host_read;
    struct pk_port_policy host; /* read on first use: cli_host() */
};

struct pk_cmd {
    const char *name;
    const char *usage; /* one line, after "portkit " */
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Prints "portkit: MESSAGE" to stderr; the message is escaped for the terminal. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage error for cmd and returns EXIT_USAGE. */
int cli_usage(const struct pk_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the buffered output to stdout. Returns 0, or -1 when stdout fails (reported). */
int cli_flush(struct cli *cli);

/* Flushes when the buffer is over CLI_FLUSH_AT. Returns cli_flush()'s value, or 0. */
int cli_maybe_flush(struct cli *cli);

/* Returns the host's port policy, reading it once. */
const struct pk_port_policy *cli_host(struct cli *cli);

/* SGR colour codes; each returns "" when colour is off. */
const char *cli_c(const struct cli *cli, const char *sgr);
#define C_BOLD "1"
#define C_DIM "2"
#define C_RED "31"
#define C_GREEN "32"
#define C_YELLOW "33"
#define C_BLUE "34"
#define C_CYAN "36"
#define C_RESET "0"

/* Appends untrusted text for the terminal (escaped, newlines folded). */
void cli_text(struct cli *cli, const char *s);

/*
 * Parses a positive count for an option such as --limit. Returns false (after printing
 * "portkit: OPTION: VALUE: what is wrong") when it is not a number in 1..max.
 */
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

/* The option getopt refused, for a message: "-z" for a short one, else the argument. */
const char *cli_bad_option(char **argv, int ind);

/* The subcommands. */
extern const struct pk_cmd cmd_info;
extern const struct pk_cmd cmd_search;
extern const struct pk_cmd cmd_name;
extern const struct pk_cmd cmd_list;
extern const struct pk_cmd cmd_scan;
extern const struct pk_cmd cmd_ls;
extern const struct pk_cmd cmd_who;
extern const struct pk_cmd cmd_free;

/* The port page's "here" section: who listens on port now (here.c, sockview.h). */
int here_section(struct cli *cli, unsigned port, unsigned protos, struct pk_json *j);

/* Shared record output (record.c). */
void out_record_json(struct cli *cli, const struct pk_record *r, unsigned proto);
void out_note_json(struct cli *cli, const struct pk_note *n);
/* The colour (C_*) for a status. */
const char *out_status_color(enum pk_status st);
/* Appends a protocol set as "tcp,udp", or as a JSON array of names. */
void out_protos_text(struct pk_buf *b, unsigned protos);
void out_protos_json(struct pk_json *j, unsigned protos);

#endif
