/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit scan: which TCP ports are open on a host, annotated with the registry. Options
 * follow nmap's where nmap has one; results go to a table, --json lines, and -oX/-oG/-oA
 * files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "portkit/error.h"
#include "portkit/portset.h"
#include "portkit/scan.h"
#include "report.h"
#include "portkit/target.h"
#include "portkit/version.h"

#define FILE_MAX (64u << 20)  /* largest -iL / --excludefile read */
#define REPORT_MAX (1u << 30) /* largest XML or grepable report kept in memory */
#define SEED_SHARD 0x706f72746b6974ull

struct scan_ctx {
    struct cli *cli;
    bool open_only;
    bool progress;
    struct pk_scan_agg *agg; /* the results by host */
    uint64_t nhosts;
    bool oom;
    size_t progress_len;
};

struct outputs {
    const char *xml, *grep, *normal;
    char *owned[3];
};

/* Returns the registry's name of a TCP port, or NULL when it has none. */
static const char *
service_name(const struct pk_registry *reg, unsigned port)
{
    struct pk_cursor c;
    struct pk_record r;
    if (pk_lookup(reg, port, PK_TCP, &c) <= 0)
        return NULL;
    while (pk_cursor_next(&c, &r))
        if (r.status == PK_ASSIGNED && r.service[0])
            return r.service;
    return NULL;
}

/* pk_notes_for() callback: keeps the first unofficial use of a port or a narrow range. */
static int
first_unofficial(const struct pk_note *n, void *arg)
{
    /* A note on a wide range (an OS's ephemeral ports) is no hint about one open port. */
    if (n->kind != PK_NOTE_UNOFFICIAL || n->port_hi - n->port_lo >= 100)
        return 0;
    *(const char **)arg = n->text;
    return 1;
}

/* Returns the project's first note of an unofficial use of a TCP port, or NULL. */
static const char *
unofficial_hint(const struct pk_registry *reg, unsigned port)
{
    const char *text = NULL;
    pk_notes_for(reg, port, port, PK_TCP, first_unofficial, &text);
    return text;
}

/* Writes "key":text with text a JSON number the caller formatted. */
static void
json_key_raw(struct pk_json *j, const char *key, const char *text)
{
    pk_json_key(j, key);
    pk_buf_puts(j->b, text);
    j->need_comma[j->depth] = true;
}

/* Writes one result as a JSON line. */
static void
json_result(struct scan_ctx *x, const struct pk_scan_result *r)
{
    struct cli *cli = x->cli;
    struct pk_json j;
    char addr[64];
    pk_json_init(&j, &cli->out);
    pk_json_obj_begin(&j);
    pk_json_key_str(&j, "host", pk_target_addr_str(r->target, addr, sizeof(addr)));
    if (r->target->name)
        pk_json_key_str(&j, "hostname", r->target->name);
    pk_json_key_int(&j, "port", r->port);
    pk_json_key_str(&j, "protocol", "tcp");
    pk_json_key_str(&j, "state", pk_port_state_name(r->state));
    pk_json_key_str(&j, "reason", pk_scan_reason_name(r->reason));
    const char *svc = service_name(cli->reg, r->port);
    pk_json_key(&j, "service");
    if (svc)
        pk_json_val_str(&j, svc);
    else
        pk_json_val_null(&j);
    if (r->state == PK_PORT_OPEN) {
        const char *hint = unofficial_hint(cli->reg, r->port);
        if (hint)
            pk_json_key_str(&j, "unofficial", hint);
    }
    pk_json_key_int(&j, "attempts", r->attempts);
    if (r->rtt_us)
        pk_json_key_int(&j, "rtt_us", r->rtt_us);
    pk_json_obj_end(&j);
    pk_buf_putc(&cli->out, '\n');
}

/* The scan's result callback: aggregates per host and streams JSON. */
static int
on_result(const struct pk_scan_result *r, void *arg)
{
    struct scan_ctx *x = arg;
    if (pk_scan_agg_add(x->agg, r) < 0) {
        x->oom = true;
        return 1;
    }
    if (x->cli->json && (!x->open_only || r->state == PK_PORT_OPEN)) {
        json_result(x, r);
        if (cli_maybe_flush(x->cli) < 0)
            return 1;
    }
    return 0;
}

/* The scan's progress callback: one line on stderr, rewritten in place. */
static void
on_progress(const struct pk_scan_stats *st, void *arg)
{
    struct scan_ctx *x = arg;
    if (!x->progress || st->total == 0)
        return;
    char line[160];
    double pct = 100.0 * (double)st->done / (double)st->total;
    double eta = st->done ? st->elapsed * (double)(st->total - st->done) / (double)st->done : 0;
    int n =
        snprintf(line, sizeof(line),
                 "\r%5.1f%%  %llu/%llu ports  %.0f probes/s  %llu retransmitted  loss %.1f%%  "
                 "ETA %d:%02d ",
                 pct, (unsigned long long)st->done, (unsigned long long)st->total, st->rate,
                 (unsigned long long)st->retransmits, 100 * st->loss, (int)eta / 60, (int)eta % 60);
    if (n > 0 && write(STDERR_FILENO, line, strlen(line)) > 0)
        x->progress_len = strlen(line);
}

/*
 * Fills rh from the aggregate of host h, with its listed ports (and their registry names)
 * in *ports, which the caller frees, and its open ports counted in *open. Returns false when
 * out of memory.
 */
static bool
make_report(struct scan_ctx *x, uint64_t h, const struct pk_target *tg, time_t start, time_t end,
            struct pk_report_host *rh, struct pk_report_port **ports, uint64_t *open)
{
    struct pk_scan_host sh;
    memset(rh, 0, sizeof(*rh));
    *ports = NULL;
    rh->target = tg;
    rh->start = start;
    rh->end = end;
    if (pk_scan_agg_host(x->agg, h, &sh) < 0)
        return false;
    if (sh.nports && !(*ports = calloc(sh.nports, sizeof(**ports))))
        return false;
    for (size_t i = 0; i < sh.nports; i++)
        (*ports)[i] =
            (struct pk_report_port){sh.ports[i].port, sh.ports[i].state, sh.ports[i].reason,
                                    service_name(x->cli->reg, sh.ports[i].port)};
    memcpy(rh->extra, sh.extra, sizeof(rh->extra));
    memcpy(rh->extra_reason, sh.extra_reason, sizeof(rh->extra_reason));
    rh->ports = *ports;
    rh->nports = sh.nports;
    rh->srtt_us = sh.srtt_us;
    rh->rttvar_us = sh.rttvar_us;
    rh->to_us = sh.to_us;
    *open = sh.count[PK_PORT_OPEN];
    return true;
}

/* Appends the human table for one host to b (the terminal output or the -oN file). */
static void
table_host(struct cli *cli, struct pk_buf *b, const struct pk_report_host *rh, bool color)
{
    char addr[64];
    pk_target_addr_str(rh->target, addr, sizeof(addr));
    bool saved = cli->color;
    cli->color = color;
    pk_buf_puts(b, "scan report for ");
    if (rh->target->name) {
        pk_buf_term_str(b, rh->target->name, true);
        pk_buf_printf(b, " (%s)\n", addr);
    } else {
        pk_buf_printf(b, "%s\n", addr);
    }
    for (int s = 0; s < PK_PORT_NSTATES; s++) {
        if (!rh->extra[s])
            continue;
        pk_buf_printf(b, "Not shown: %llu %s tcp port%s (", (unsigned long long)rh->extra[s],
                      pk_port_state_name((enum pk_port_state)s), rh->extra[s] == 1 ? "" : "s");
        bool first = true;
        for (int r = 0; r < PK_REASON_COUNT; r++)
            if (rh->extra_reason[s][r]) {
                pk_buf_printf(b, "%s%llu %s", first ? "" : ", ",
                              (unsigned long long)rh->extra_reason[s][r],
                              pk_scan_reason_name((enum pk_scan_reason)r));
                first = false;
            }
        pk_buf_puts(b, ")\n");
    }
    if (rh->nports) {
        pk_buf_printf(b, "%s%-10s %-9s %-16s %s%s\n", cli_c(cli, C_BOLD), "PORT", "STATE",
                      "SERVICE", "UNOFFICIAL USE", cli_c(cli, C_RESET));
        for (size_t i = 0; i < rh->nports; i++) {
            const struct pk_report_port *p = &rh->ports[i];
            char port[16];
            snprintf(port, sizeof(port), "%u/tcp", p->port);
            const char *sc = p->state == PK_PORT_OPEN     ? C_GREEN
                             : p->state == PK_PORT_CLOSED ? C_RED
                                                          : C_YELLOW;
            pk_buf_printf(b, "%-10s %s%-9s%s ", port, cli_c(cli, sc), pk_port_state_name(p->state),
                          cli_c(cli, C_RESET));
            size_t before = b->len;
            pk_buf_term_str(b, p->service ? p->service : "unknown", true);
            for (size_t w = b->len - before; w < 16; w++)
                pk_buf_putc(b, ' ');
            const char *hint = p->state == PK_PORT_OPEN ? unofficial_hint(cli->reg, p->port) : NULL;
            if (hint) {
                pk_buf_putc(b, ' ');
                /* One line per port: the hint is cut at 60 bytes, on a UTF-8 boundary. */
                char cut[64];
                size_t k = strlen(hint);
                if (k > 60) {
                    k = 57;
                    while (k > 0 && ((unsigned char)hint[k] & 0xc0) == 0x80)
                        k--;
                    memcpy(cut, hint, k);
                    memcpy(cut + k, "...", 4);
                } else {
                    memcpy(cut, hint, k + 1);
                }
                pk_buf_puts(b, cli_c(cli, C_DIM));
                pk_buf_term_str(b, cut, true);
                pk_buf_puts(b, cli_c(cli, C_RESET));
            }
            while (b->len > 0 && b->data[b->len - 1] == ' ')
                b->len--;
            pk_buf_putc(b, '\n');
        }
    }
    pk_buf_putc(b, '\n');
    cli->color = saved;
}

/* Writes the len bytes at data to path ("-" for standard output). Returns 0 or -1 (reported). */
static int
write_file(struct cli *cli, const char *path, const struct pk_buf *b)
{
    if (b->err) {
        cli_err("%s: %s", path, pk_strerror(b->err));
        return -1;
    }
    if (strcmp(path, "-") == 0) {
        pk_buf_put(&cli->out, b->data, b->len);
        return cli_flush(cli);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        cli_err("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = write(fd, b->data + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            cli_err("%s: %s", path, strerror(err));
            return -1;
        }
        off += (size_t)n;
    }
    if (close(fd) < 0) {
        cli_err("%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads all of path ("-" for stdin), at most FILE_MAX bytes, into *out. Returns 0 or -1. */
static int
read_all(const char *opt, const char *path, struct pk_buf *out)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_err("%s %s: %s", opt, path, strerror(errno));
        return -1;
    }
    pk_buf_init(out, FILE_MAX);
    char chunk[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_err("%s %s: %s", opt, path, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        pk_buf_put(out, chunk, (size_t)n);
        if (out->err) {
            cli_err("%s %s: %s", opt, path,
                    out->err == PK_ENOBUFS ? "file too large (64 MiB at most)" : "out of memory");
            rc = -1;
            break;
        }
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc < 0)
        pk_buf_free(out);
    return rc;
}

/* Parses a non-negative decimal number for opt. Returns false after reporting. */
static bool
parse_double(const char *opt, const char *v, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double d = v && *v ? strtod(v, &end) : -1;
    if (!v || !*v || *end || errno || d != d || d < min || d > max) {
        cli_err("%s %s: not a number in %g-%g", opt, v ? v : "", min, max);
        return false;
    }
    *out = d;
    return true;
}

/* Parses a time such as 500ms, 2s, 1m or 3 (seconds, as nmap reads it) into milliseconds. */
static bool
parse_time_ms(const char *opt, const char *v, unsigned *out)
{
    char *end;
    errno = 0;
    double d = v && *v >= '0' && *v <= '9' ? strtod(v, &end) : -1;
    double mult = 1000;
    if (d >= 0) {
        if (strcmp(end, "ms") == 0)
            mult = 1;
        else if (strcmp(end, "s") == 0 || *end == '\0')
            mult = 1000;
        else if (strcmp(end, "m") == 0)
            mult = 60000;
        else
            d = -1;
    }
    if (d < 0 || errno || d * mult < 1 || d * mult > 600000) {
        cli_err("%s %s: not a time from 1ms to 10m (500ms, 2s, 1m)", opt, v ? v : "");
        return false;
    }
    *out = (unsigned)(d * mult);
    return true;
}

/* Parses a port spec for opt into *set, reporting a bad item. */
static bool
parse_ports(struct cli *cli, const char *opt, const char *spec, struct pk_portset *set)
{
    struct pk_portset_err e;
    int rc = pk_portset_parse(cli->reg, spec, PK_TCP, set, &e);
    if (rc == 0)
        return true;
    if (rc == PK_ENOMEM) {
        cli_err("%s: %s", opt, pk_strerror(rc));
    } else if (e.off == 0 && e.len == strlen(spec)) {
        cli_err("%s %s: %s", opt, spec, e.why);
    } else {
        cli_err("%s %s: %.*s: %s", opt, spec, (int)e.len, spec + e.off, e.why);
    }
    return false;
}

/* Adds a comma-separated --exclude list to t. */
static bool
add_excludes(struct pk_targets *t, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    bool ok = copy != NULL;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && ok;
         tok = strtok_r(NULL, ",", &save)) {
        const char *why = "";
        int rc = pk_targets_add(t, tok, PK_TARGET_EXCLUDE, &why);
        if (rc < 0) {
            cli_err("--exclude %s: %s", tok, why);
            ok = false;
        }
    }
    if (!copy)
        cli_err("--exclude: out of memory");
    free(copy);
    return ok;
}

/* Adds the specs in file path to t. */
static bool
add_file(struct pk_targets *t, const char *opt, const char *path, unsigned flags)
{
    struct pk_buf b;
    if (read_all(opt, path, &b) < 0)
        return false;
    unsigned line = 0;
    char bad[80];
    const char *why = "";
    int rc =
        pk_targets_add_text(t, b.data ? b.data : "", b.len, flags, &line, bad, sizeof(bad), &why);
    pk_buf_free(&b);
    if (rc < 0) {
        cli_err("%s %s: line %u: %s: %s", opt, path, line, bad, why);
        return false;
    }
    return true;
}

/* Raises the soft descriptor limit to the hard one: more sockets in flight. */
static void
raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Joins argv into one string for the reports. Returns a malloc'd string or NULL. */
static char *
join_args(int argc, char **argv)
{
    size_t n = strlen("portkit") + 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    strcpy(s, "portkit");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int run_scan(struct cli *cli, int argc, char **argv);

const struct pk_cmd cmd_scan = {
    .name = "scan",
    .usage = "scan [-p PORTS|--top-ports N|-F] [--exclude-ports PORTS] [--open] [-oX|-oG FILE] "
             "[-oA BASE] [--rate N] [--retries N] [--timeout T] [--shard K/N --seed S] TARGET...",
    .summary = "which TCP ports are open on hosts you may scan (connect scan, nmap's options)",
    .run = run_scan,
};

/*
 * Matches argv[*i] against option name (with a value): "-p 22", "-p22", "--ports=22",
 * "--ports 22". Sets *val and advances *i past a separate value. Returns 1 on a match, 0 when
 * it is not this option, -1 when the value is missing (reported).
 */
static int
opt_val(int argc, char **argv, int *i, const char *name, bool attached_ok, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '\0') {
        if (*i + 1 >= argc) {
            cli_err("%s: missing value", name);
            return -1;
        }
        *val = argv[++*i];
        return 1;
    }
    if (name[1] == '-' && a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (attached_ok && name[1] != '-') {
        *val = a + n;
        return 1;
    }
    return 0;
}

/* portkit scan: parses the options, runs the scan and writes the reports. Returns the exit
 * status. */
static int
run_scan(struct cli *cli, int argc, char **argv)
{
    int rc = EXIT_USAGE;
    struct pk_targets *targets = NULL;
    struct pk_portset *ports = calloc(1, sizeof(*ports));
    struct pk_portset *xports = calloc(1, sizeof(*xports));
    struct scan_ctx x = {.cli = cli};
    struct outputs out = {0};
    struct pk_scan_opts o = {.retries = -1};
    const char *portspec = NULL, *xportspec = NULL;
    const char *targetfiles[16], *excludefiles[16], *excludes[16];
    size_t ntargetfiles = 0, nexcludefiles = 0, nexcludes = 0;
    unsigned long top = 0, max_hosts = PK_TARGET_MAX_HOSTS_DEFAULT;
    bool seed_set = false, ipv6 = false;
    char *args = join_args(argc, argv);
    const char **positional = calloc((size_t)argc + 1, sizeof(*positional));
    size_t npositional = 0;

    if (!ports || !xports || !args || !positional || pk_targets_new(&targets) < 0) {
        cli_err("out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m;
#define VAL(name, attached)                                                                        \
    ((m = opt_val(argc, argv, &i, name, attached, &v)) < 0 ? (rc = EXIT_USAGE, true) : m > 0)
        if (a[0] != '-' || a[1] == '\0') {
            positional[npositional++] = a; /* added after the options: -6 may follow */
            continue;
        }
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                positional[npositional++] = argv[i];
            break;
        }
        if (strcmp(a, "--open") == 0) {
            x.open_only = true;
        } else if (strcmp(a, "-F") == 0) {
            top = 100;
        } else if (strcmp(a, "-6") == 0) {
            ipv6 = true;
        } else if (strcmp(a, "-n") == 0 || strcmp(a, "-Pn") == 0 || strcmp(a, "-sT") == 0) {
            /* nmap's defaults here anyway: no reverse DNS, no ping, connect scan. */
        } else if (VAL("--exclude-ports", false)) {
            if (!v)
                goto out;
            xportspec = v;
        } else if (VAL("--excludefile", false)) {
            if (!v || nexcludefiles == 16)
                goto out;
            excludefiles[nexcludefiles++] = v;
        } else if (VAL("--exclude", false)) {
            if (!v || nexcludes == 16)
                goto out;
            excludes[nexcludes++] = v;
        } else if (VAL("--ports", false) || VAL("-p", true)) {
            if (!v)
                goto out;
            portspec = v;
        } else if (VAL("--top-ports", false)) {
            if (!v || !cli_parse_count("--top-ports", v, PK_PORT_MAX, &top))
                goto out;
        } else if (VAL("-iL", true)) {
            if (!v || ntargetfiles == 16)
                goto out;
            targetfiles[ntargetfiles++] = v;
        } else if (VAL("--max-hosts", false)) {
            if (!v || !cli_parse_count("--max-hosts", v, 1ul << 32, &max_hosts))
                goto out;
        } else if (VAL("-oX", true)) {
            if (!v)
                goto out;
            out.xml = v;
        } else if (VAL("-oG", true)) {
            if (!v)
                goto out;
            out.grep = v;
        } else if (VAL("-oN", true)) {
            if (!v)
                goto out;
            out.normal = v;
        } else if (VAL("-oA", true)) {
            if (!v)
                goto out;
            const char *ext[3] = {".xml", ".gnmap", ".nmap"};
            const char **dst[3] = {&out.xml, &out.grep, &out.normal};
            for (int k = 0; k < 3; k++) {
                free(out.owned[k]);
                out.owned[k] = malloc(strlen(v) + 7);
                if (!out.owned[k]) {
                    cli_err("out of memory");
                    rc = EXIT_RUNTIME;
                    goto out;
                }
                strcpy(out.owned[k], v);
                strcat(out.owned[k], ext[k]);
                *dst[k] = out.owned[k];
            }
        } else if (VAL("--rate", false) || VAL("--min-rate", false)) {
            if (!v || !parse_double("--rate", v, 1, 1e8, &o.rate))
                goto out;
        } else if (VAL("--max-rate", false)) {
            if (!v || !parse_double("--max-rate", v, 1, 1e8, &o.max_rate))
                goto out;
        } else if (VAL("--retries", false) || VAL("--max-retries", false)) {
            double d = 0;
            if (!v || !parse_double("--retries", v, 0, 50, &d) || d != (double)(long)d) {
                if (v && d != (double)(long)d)
                    cli_err("--retries %s: not a whole number", v);
                goto out;
            }
            o.retries = (int)d;
        } else if (VAL("--timeout", false)) {
            if (!v || !parse_time_ms("--timeout", v, &o.timeout_ms))
                goto out;
        } else if (VAL("--max-parallelism", false)) {
            unsigned long n;
            if (!v || !cli_parse_count("--max-parallelism", v, 65536, &n))
                goto out;
            o.max_inflight = (unsigned)n;
        } else if (VAL("--shard", false)) {
            unsigned k, n;
            char extra;
            if (!v || sscanf(v, "%u/%u%c", &k, &n, &extra) != 2 || n == 0 || k < 1 || k > n ||
                n > 1000000 || strspn(v, "0123456789/") != strlen(v)) {
                if (v)
                    cli_err("--shard %s: expected K/N with 1 <= K <= N", v);
                goto out;
            }
            o.shard_k = k;
            o.shard_n = n;
        } else if (VAL("--seed", false)) {
            char *end;
            errno = 0;
            if (!v || !*v || *v == '-' || (o.seed = strtoull(v, &end, 0), *end) || errno) {
                if (v)
                    cli_err("--seed %s: not a number", v);
                goto out;
            }
            seed_set = true;
        } else {
            rc = cli_usage(&cmd_scan, "%s: unknown option", a);
            goto out;
        }
#undef VAL
    }

    /* Targets. */
    for (size_t i = 0; i < npositional; i++) {
        const char *why = "";
        if (pk_targets_add(targets, positional[i], ipv6 ? PK_TARGET_IPV6 : 0, &why) < 0) {
            cli_err("%s: %s", positional[i], why);
            goto out;
        }
    }
    for (size_t i = 0; i < ntargetfiles; i++)
        if (!add_file(targets, "-iL", targetfiles[i], ipv6 ? PK_TARGET_IPV6 : 0))
            goto out;
    for (size_t i = 0; i < nexcludes; i++)
        if (!add_excludes(targets, excludes[i]))
            goto out;
    for (size_t i = 0; i < nexcludefiles; i++)
        if (!add_file(targets, "--excludefile", excludefiles[i], PK_TARGET_EXCLUDE))
            goto out;
    const char *why = "";
    int trc = pk_targets_finish(targets, max_hosts, &why);
    if (trc == PK_ERANGE) {
        cli_err("targets: more than %lu hosts; raise --max-hosts to scan them all", max_hosts);
        goto out;
    } else if (trc < 0) {
        cli_err("targets: %s", why);
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (pk_targets_count(targets) == 0) {
        rc = cli_usage(&cmd_scan, "no targets given (or all excluded)");
        goto out;
    }

    /* Ports. */
    if (portspec && top) {
        rc = cli_usage(&cmd_scan, "-p and --top-ports/-F exclude each other");
        goto out;
    }
    if (portspec) {
        if (!parse_ports(cli, "-p", portspec, ports))
            goto out;
    } else {
        const char *svc = getenv("PORTKIT_NMAP_SERVICES");
        if (!svc)
            svc = "/usr/share/nmap/nmap-services";
        if (pk_portset_top(cli->reg, *svc ? svc : NULL, PK_TCP, top ? (unsigned)top : 1000, ports) <
            0) {
            cli_err("--top-ports: out of memory");
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    if (xportspec) {
        if (!parse_ports(cli, "--exclude-ports", xportspec, xports))
            goto out;
        pk_portset_subtract(ports, xports);
    }
    if (pk_portset_count(ports, PK_UDP)) {
        cli_err("-p %s: UDP ports given, but only TCP connect scanning is supported", portspec);
        goto out;
    }
    if (pk_portset_count(ports, PK_TCP) == 0) {
        if (xportspec)
            cli_err("--exclude-ports %s: no TCP ports left to scan", xportspec);
        else
            cli_err("-p %s: no TCP ports to scan", portspec ? portspec : "");
        goto out;
    }

    /* The scan. */
    x.nhosts = pk_targets_count(targets);
    struct pk_scan_agg_opts ao = {.open_only = x.open_only};
    if (pk_scan_agg_new(x.nhosts, &ao, &x.agg) < 0) {
        cli_err("out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    x.progress = isatty(STDERR_FILENO);
    if (!seed_set) {
        if (o.shard_n || getrandom(&o.seed, sizeof(o.seed), GRND_NONBLOCK) != sizeof(o.seed))
            o.seed = SEED_SHARD;
    }
    raise_nofile();
    o.targets = targets;
    o.ports = ports;
    o.on_result = on_result;
    o.on_progress = on_progress;
    o.arg = &x;
    struct pk_scan_stats st;
    time_t t0 = time(NULL);
    int src = pk_scan_run(&o, &st);
    time_t t1 = time(NULL);
    if (x.progress_len) {
        char clear[200];
        size_t n = x.progress_len < sizeof(clear) - 3 ? x.progress_len : sizeof(clear) - 3;
        clear[0] = '\r';
        memset(clear + 1, ' ', n);
        clear[n + 1] = '\r';
        if (write(STDERR_FILENO, clear, n + 2) < 0) {
            /* the progress line stays; nothing better to do */
        }
    }
    if (x.oom) {
        cli_err("out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (src < 0) {
        cli_err("scan: %s", pk_strerror(src));
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (src > 0) { /* stopped by a failed write to stdout, already reported */
        rc = EXIT_RUNTIME;
        goto out;
    }

    /* Reports. */
    struct pk_buf xml, grep, normal;
    pk_buf_init(&xml, REPORT_MAX);
    pk_buf_init(&grep, REPORT_MAX);
    pk_buf_init(&normal, REPORT_MAX);
    struct pk_report_info info = {args, pk_version(), t0, t1, st.elapsed, ports, x.nhosts};
    bool table = !cli->json && !(out.xml && strcmp(out.xml, "-") == 0) &&
                 !(out.grep && strcmp(out.grep, "-") == 0) &&
                 !(out.normal && strcmp(out.normal, "-") == 0);
    if (out.xml)
        pk_report_xml_begin(&xml, &info);
    if (out.grep)
        pk_report_grep_begin(&grep, &info);
    for (uint64_t h = 0; h < x.nhosts; h++) {
        struct pk_target tg;
        struct pk_report_host rh;
        struct pk_report_port *listed;
        uint64_t open = 0;
        pk_targets_get(targets, h, &tg);
        if (!make_report(&x, h, &tg, t0, t1, &rh, &listed, &open)) {
            cli_err("out of memory");
            rc = EXIT_RUNTIME;
            goto reports_out;
        }
        if (out.xml)
            pk_report_xml_host(&xml, &rh);
        if (out.grep)
            pk_report_grep_host(&grep, &rh);
        bool show = !x.open_only || open;
        if (out.normal && show)
            table_host(cli, &normal, &rh, false);
        if (table && show)
            table_host(cli, &cli->out, &rh, cli->color);
        free(listed);
        if (table && show && cli_maybe_flush(cli) < 0) {
            rc = EXIT_RUNTIME;
            goto reports_out;
        }
    }
    char summary[400];
    snprintf(summary, sizeof(summary),
             "scanned %llu host%s, %llu port%s in %.2f s: %llu open, %llu closed, %llu filtered; "
             "%llu probe%s, %llu retransmitted, observed loss %.1f%%\n",
             (unsigned long long)x.nhosts, x.nhosts == 1 ? "" : "s", (unsigned long long)st.total,
             st.total == 1 ? "" : "s", st.elapsed, (unsigned long long)st.states[PK_PORT_OPEN],
             (unsigned long long)st.states[PK_PORT_CLOSED],
             (unsigned long long)st.states[PK_PORT_FILTERED], (unsigned long long)st.probes,
             st.probes == 1 ? "" : "s", (unsigned long long)st.retransmits, 100 * st.loss);
    if (table)
        pk_buf_puts(&cli->out, summary);
    if (out.normal)
        pk_buf_puts(&normal, summary);
    if (cli->json) {
        struct pk_json j;
        pk_json_init(&j, &cli->out);
        pk_json_obj_begin(&j);
        pk_json_key(&j, "summary");
        pk_json_obj_begin(&j);
        pk_json_key_int(&j, "hosts", (long long)x.nhosts);
        pk_json_key_int(&j, "ports", (long long)pk_portset_count(ports, PK_TCP));
        pk_json_key_int(&j, "pairs", (long long)st.total);
        pk_json_key_int(&j, "open", (long long)st.states[PK_PORT_OPEN]);
        pk_json_key_int(&j, "closed", (long long)st.states[PK_PORT_CLOSED]);
        pk_json_key_int(&j, "filtered", (long long)st.states[PK_PORT_FILTERED]);
        pk_json_key_int(&j, "probes", (long long)st.probes);
        pk_json_key_int(&j, "retransmissions", (long long)st.retransmits);
        char num[32];
        snprintf(num, sizeof(num), "%.4f", st.loss);
        json_key_raw(&j, "loss", num);
        snprintf(num, sizeof(num), "%.3f", st.elapsed);
        json_key_raw(&j, "elapsed", num);
        if (o.shard_n) {
            pk_json_key_int(&j, "shard", o.shard_k);
            pk_json_key_int(&j, "shards", o.shard_n);
        }
        snprintf(num, sizeof(num), "%llu", (unsigned long long)o.seed);
        pk_json_key_str(&j, "seed", num);
        pk_json_obj_end(&j);
        pk_json_obj_end(&j);
        pk_buf_putc(&cli->out, '\n');
    }
    if (cli_flush(cli) < 0) {
        rc = EXIT_RUNTIME;
        goto reports_out;
    }
    rc = st.states[PK_PORT_OPEN] ? EXIT_FOUND : EXIT_NOTHING;
    if (out.xml) {
        pk_report_xml_end(&xml, &info);
        if (write_file(cli, out.xml, &xml) < 0)
            rc = EXIT_RUNTIME;
    }
    if (out.grep) {
        pk_report_grep_end(&grep, &info);
        if (write_file(cli, out.grep, &grep) < 0)
            rc = EXIT_RUNTIME;
    }
    if (out.normal && write_file(cli, out.normal, &normal) < 0)
        rc = EXIT_RUNTIME;
reports_out:
    pk_buf_free(&xml);
    pk_buf_free(&grep);
    pk_buf_free(&normal);

out:
    pk_scan_agg_free(x.agg);
    for (int k = 0; k < 3; k++)
        free(out.owned[k]);
    pk_targets_free(targets);
    free(positional);
    free(ports);
    free(xports);
    free(args);
    return rc;
}
