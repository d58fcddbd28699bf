/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one option parser of the command: getopt_long over a table per subcommand, with the
 * global options added to every table, --help generated from the table, and strict numbers.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { G_JSON = 1000, G_COLOR, G_COLOUR, G_NOCOLOR, G_HELP };

static const struct cli_opt globals[] = {
    {G_JSON, "json", 0, false, NULL, "one JSON object per line (the schema is in portkit(1))",
     NULL},
    {G_COLOR, "color", 0, true, "WHEN", "colour: auto (on a terminal), always or never", NULL},
    {G_COLOUR, "colour", 0, true, "WHEN", NULL, NULL},
    {G_NOCOLOR, "no-color", 0, false, NULL, "no colour (as --color=never)", NULL},
    {G_HELP, "help", 'h', false, NULL, "this help", NULL},
};
#define NGLOBALS (sizeof(globals) / sizeof(globals[0]))
#define MAX_OPTS 64
#define LONG_BASE 0x10000 /* getopt's value for long option i of the merged table */

/* The merged table: the command's options, then the globals it does not define itself. */
struct table {
    const struct cli_opt *opt[MAX_OPTS];
    size_t n;
};

static void
merge(const struct pk_cmd *cmd, struct table *t)
{
    t->n = 0;
    for (size_t i = 0; i < cmd->nopts && t->n < MAX_OPTS; i++)
        t->opt[t->n++] = &cmd->opts[i];
    for (size_t g = 0; g < NGLOBALS && t->n < MAX_OPTS; g++) {
        bool taken = false;
        for (size_t i = 0; i < cmd->nopts; i++)
            if ((globals[g].lng && cmd->opts[i].lng && !strcmp(globals[g].lng, cmd->opts[i].lng)) ||
                (globals[g].shrt && globals[g].shrt == cmd->opts[i].shrt))
                taken = true;
        if (!taken)
            t->opt[t->n++] = &globals[g];
    }
}

/* Takes a global option. Returns 0, CLI_HELP_SHOWN or an exit status. */
static int
global(struct cli *cli, const struct pk_cmd *cmd, int id, const char *arg)
{
    switch (id) {
    case G_JSON:
        cli->json = true;
        return 0;
    case G_COLOR:
    case G_COLOUR:
        if (!cli_color_mode(arg, &cli->color_mode))
            return cli_usage(cmd, "--color '%s': expected auto, always or never", arg);
        return 0;
    case G_NOCOLOR:
        cli->color_mode = CLI_COLOR_NEVER;
        return 0;
    case G_HELP:
        cli_help(stdout, cmd);
        return CLI_HELP_SHOWN;
    }
    return 0;
}

bool
cli_color_mode(const char *arg, enum cli_color *out)
{
    static const char *const names[] = {
        [CLI_COLOR_AUTO] = "auto", [CLI_COLOR_ALWAYS] = "always", [CLI_COLOR_NEVER] = "never"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = (enum cli_color)i;
            return true;
        }
    return false;
}

int
cli_no_opts(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    (void)cli, (void)id, (void)arg, (void)p, (void)ctx;
    return 0;
}

/* True for "-1", "-80/tcp" where no short option is that digit: a negative number, an operand
 * that a port-taking command reports as one ("port number must not be negative"). */
static bool
negative_number(const char *a, const char *shortopts)
{
    return a[0] == '-' && a[1] >= '0' && a[1] <= '9' && !strchr(shortopts + 2, a[1]);
}

int
cli_parse(struct cli *cli, const struct pk_cmd *cmd, int argc, char **argv, cli_on_opt on,
          void *ctx, int *npos)
{
    struct table t;
    char shortopts[3 * MAX_OPTS + 4] = "+:";
    struct option longopts[MAX_OPTS + 1];
    size_t ns = 2, nl = 0;
    merge(cmd, &t);
    for (size_t i = 0; i < t.n; i++) {
        const struct cli_opt *o = t.opt[i];
        if (o->shrt) {
            shortopts[ns++] = o->shrt;
            if (o->has_arg)
                shortopts[ns++] = ':';
        }
        if (o->lng)
            longopts[nl++] = (struct option){o->lng, o->has_arg ? required_argument : no_argument,
                                             NULL, LONG_BASE + (int)i};
    }
    shortopts[ns] = '\0';
    longopts[nl] = (struct option){NULL, 0, NULL, 0};

    char **pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof(*pos));
    if (!pos) {
        cli_err("%s: out of memory", cmd->name);
        return EXIT_RUNTIME;
    }
    int n = 0, rc = 0;
    bool in_cluster = false;
    struct cli_parser p = {argc, argv, cmd};
    optind = 0; /* a full reset of getopt's state: main() has run it before */
    opterr = 0;
    for (;;) {
        int at = optind ? optind : 1;
        if (!in_cluster && at < argc && negative_number(argv[at], shortopts)) {
            pos[n++] = argv[at];
            optind = at + 1;
            continue;
        }
        int c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c == -1) {
            if (optind >= argc)
                break;
            if (optind > at && !strcmp(argv[optind - 1], "--")) {
                /* "--": all that follows is an operand. */
                while (optind < argc)
                    pos[n++] = argv[optind++];
                break;
            }
            pos[n++] = argv[optind++];
            in_cluster = false;
            continue;
        }
        in_cluster = c < LONG_BASE && c != '?' && c != ':' && optind == at;
        if (c == '?') {
            if (optopt && optopt < LONG_BASE)
                rc = cli_usage(cmd, "-%c: unknown option", optopt);
            else
                rc = cli_usage(cmd, "%s: unknown option", argv[optind - 1]);
            goto out;
        }
        if (c == ':') {
            if (optopt && optopt < LONG_BASE)
                rc = cli_usage(cmd, "-%c needs a value", optopt);
            else
                rc = cli_usage(cmd, "%s needs a value", argv[optind - 1]);
            goto out;
        }
        const struct cli_opt *o = NULL;
        if (c >= LONG_BASE) {
            o = t.opt[c - LONG_BASE];
        } else {
            for (size_t i = 0; i < t.n && !o; i++)
                if (t.opt[i]->shrt == c)
                    o = t.opt[i];
        }
        if (!o)
            continue;
        rc = o->id >= G_JSON && o->id <= G_HELP ? global(cli, cmd, o->id, optarg)
                                                : on(cli, o->id, optarg, &p, ctx);
        if (rc)
            goto out;
    }
    for (int i = 0; i < n; i++)
        argv[i + 1] = pos[i];
    *npos = n;
    cli_settle(cli);
out:
    free(pos);
    return rc;
}

const char *
cli_take(struct cli_parser *p, const char *what)
{
    if (optind >= p->argc) {
        cli_usage(p->cmd, "%s needs a value", what);
        return NULL;
    }
    return p->argv[optind++];
}

void
cli_help(FILE *f, const struct pk_cmd *cmd)
{
    struct table t;
    merge(cmd, &t);
    fprintf(f, "usage: portkit %s\n\n%s\n\noptions:\n", cmd->usage, cmd->summary);
    for (size_t i = 0; i < t.n; i++) {
        const struct cli_opt *o = t.opt[i];
        if (!o->help)
            continue;
        char left[64];
        if (o->show)
            snprintf(left, sizeof(left), "%s", o->show);
        else if (o->shrt && o->lng)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt, o->lng, o->has_arg ? " " : "",
                     o->has_arg ? o->arg : "");
        else if (o->shrt)
            snprintf(left, sizeof(left), "-%c%s%s", o->shrt, o->has_arg ? " " : "",
                     o->has_arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->lng, o->has_arg ? " " : "",
                     o->has_arg ? o->arg : "");
        if (strlen(left) >= 24)
            fprintf(f, "  %s\n  %-24s%s\n", left, "", o->help);
        else
            fprintf(f, "  %-24s%s\n", left, o->help);
    }
    if (cmd->operands)
        fprintf(f, "\n%s\n", cmd->operands);
    fprintf(f, "\nSee portkit(1)%s%s%s.\n", strcmp(cmd->name, "info") ? " and portkit-" : "",
            strcmp(cmd->name, "info") ? cmd->name : "", strcmp(cmd->name, "info") ? "(1)" : "");
}

/* Reports a bad number. Returns false. */
static bool
bad_number(const char *cmd, const char *opt, const char *value, const char *why, const char *lo,
           const char *hi)
{
    cli_err("%s%s%s '%s': %s (%s-%s)", cmd ? cmd : "", cmd ? ": " : "", opt, value, why, lo, hi);
    return false;
}

bool
cli_parse_uint(const char *cmd, const char *opt, const char *value, unsigned long long min,
               unsigned long long max, unsigned long long *out)
{
    char lo[24], hi[24];
    snprintf(lo, sizeof(lo), "%llu", min);
    snprintf(hi, sizeof(hi), "%llu", max);
    size_t n = value ? strlen(value) : 0;
    if (n == 0 || strspn(value, "0123456789") != n)
        return bad_number(cmd, opt, value ? value : "", "not a whole number", lo, hi);
    unsigned long long v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(value[i] - '0');
        if (v > (max - d) / 10 || v * 10 + d > max)
            return bad_number(cmd, opt, value, "out of range", lo, hi);
        v = v * 10 + d;
    }
    if (v < min)
        return bad_number(cmd, opt, value, "out of range", lo, hi);
    *out = v;
    return true;
}

bool
cli_parse_decimal(const char *cmd, const char *opt, const char *value, double min, double max,
                  double *out)
{
    char lo[32], hi[32];
    snprintf(lo, sizeof(lo), "%g", min);
    snprintf(hi, sizeof(hi), "%g", max);
    size_t n = value ? strlen(value) : 0;
    size_t intd = value ? strspn(value, "0123456789") : 0, frac = 0;
    if (intd < n && value[intd] == '.')
        frac = strspn(value + intd + 1, "0123456789");
    bool ok = n > 0 && n <= 32 && intd > 0 &&
              (intd == n || (value[intd] == '.' && frac > 0 && intd + 1 + frac == n));
    if (!ok)
        return bad_number(cmd, opt, value ? value : "", "not a decimal number", lo, hi);
    errno = 0;
    double d = strtod(value, NULL);
    if (errno || !isfinite(d) || d < min || d > max)
        return bad_number(cmd, opt, value, "out of range", lo, hi);
    *out = d;
    return true;
}

bool
cli_parse_count(const char *opt, const char *value, unsigned long max, unsigned long *out)
{
    unsigned long long v;
    if (!cli_parse_uint(NULL, opt, value, 1, max, &v))
        return false;
    *out = (unsigned long)v;
    return true;
}
