/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit scan: which TCP ports are open on a host, annotated with the registry. Options
 * follow nmap's where nmap has one (including its two-letter options -oX, -iL, -Pn, -sT and
 * the -T0..-T5 templates); this file parses them into a struct scan_conf, and scan_run.c
 * runs the scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/portset.h"
#include "scancmd.h"

#define FILE_MAX (64u << 20) /* largest -iL / --excludefile read */
#define LISTS_MAX 16         /* -iL files, --exclude lists, --excludefile files */
#define SHOWN_MAX 64         /* bytes of a bad value quoted in a message */
#define SEED_SHARD 0x706f72746b6974ull
#define SHARDS_MAX 1000000u

enum {
    OPT_TOP = 256,
    OPT_XPORTS,
    OPT_OPEN,
    OPT_REASON,
    OPT_EXCL,
    OPT_EXCLF,
    OPT_MAXH,
    OPT_RATE,
    OPT_MAXRATE,
    OPT_RETRIES,
    OPT_TIMEOUT,
    OPT_PAR,
    OPT_SHARD,
    OPT_SEED,
};

/* What the options say, before it is checked as a whole. */
struct parsed {
    struct scan_conf *c;
    const char *portspec, *xportspec;
    const char *lists[3][LISTS_MAX]; /* -iL files, --exclude lists, --excludefile files */
    size_t nlists[3];
    char *owned[SCAN_NOUT]; /* the names -oA makes */
    unsigned long long top, max_hosts;
    int timing; /* -T0..-T5, or -1 */
    bool ipv6, seed_set, rate_set, max_rate_set, retries_set, par_set;
};
enum { L_TARGETS, L_EXCLUDE, L_EXCLUDEFILE };

/* Returns v for a message: whole, or its first bytes and "..." (on a UTF-8 boundary). */
static const char *
shown(const char *v, char buf[SHOWN_MAX + 4])
{
    size_t n = strlen(v);
    if (n <= SHOWN_MAX)
        return v;
    n = SHOWN_MAX - 4;
    while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
        n--;
    memcpy(buf, v, n);
    memcpy(buf + n, "...", 4);
    return buf;
}

/* Reports a bad value of opt: "scan: OPT 'VALUE': why". Returns EXIT_USAGE. */
static int
bad_value(const char *opt, const char *v, const char *why)
{
    char b[SHOWN_MAX + 4];
    cli_err("scan: %s '%s': %s", opt, shown(v, b), why);
    return EXIT_USAGE;
}

/* Reports an empty item at off of list v ("22,,80", "T:,U:"). Returns EXIT_USAGE. */
static int
empty_item(const char *opt, const char *v, size_t off)
{
    char b[SHOWN_MAX + 4], why[SHOWN_MAX + 40];
    if (off == 0) {
        snprintf(why, sizeof(why), "empty item at the start");
    } else {
        size_t from = off > 24 ? off - 24 : 0;
        snprintf(why, sizeof(why), "empty item after %s%.*s", from ? "..." : "", (int)(off - from),
                 v + from);
    }
    cli_err("scan: %s '%s': %s", opt, shown(v, b), why);
    return EXIT_USAGE;
}

/* Parses the strict decimal number at s..s+n (no sign, blank or leading '+') up to max
 * into *out. Returns false when it is not one. */
static bool
decimal(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;
    if (n == 0 || n > 20 || strspn(s, "0123456789") < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Parses --shard K/N. */
static int
parse_shard(struct pk_scan_opts *so, const char *v)
{
    const char *slash = strchr(v, '/');
    unsigned long long k, n;
    if (!slash || !decimal(v, (size_t)(slash - v), SHARDS_MAX, &k) ||
        !decimal(slash + 1, strlen(slash + 1), SHARDS_MAX, &n) || k < 1 || k > n)
        return bad_value("--shard", v, "expected K/N, whole numbers with 1 <= K <= N <= 1000000");
    so->shard_k = (unsigned)k;
    so->shard_n = (unsigned)n;
    return 0;
}

/* Parses a time such as 500ms, 2s, 1.5s, 1m or 3 (seconds, as nmap reads it) into
 * milliseconds, from 1 ms to 10 min. */
static int
parse_time_ms(const char *opt, const char *v, unsigned *out)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}};
    size_t intd = strspn(v, "0123456789"), frac = 0;
    if (v[intd] == '.')
        frac = strspn(v + intd + 1, "0123456789");
    size_t num = intd + (v[intd] == '.' ? 1 + frac : 0);
    double ms = -1;
    for (size_t i = 0; intd > 0 && intd <= 9 && frac <= 3 && (v[intd] != '.' || frac > 0) &&
                       i < sizeof(units) / sizeof(units[0]);
         i++)
        if (strcmp(v + num, units[i].unit) == 0)
            ms = strtod(v, NULL) * units[i].ms;
    if (ms < 1 || ms > 600000)
        return bad_value(opt, v, "not a time from 1ms to 10m (500ms, 2s, 1.5s, 1m)");
    *out = (unsigned)ms;
    return 0;
}

/* Takes nmap's timing template t (0..5, or its name). */
static int
parse_timing(struct parsed *ps, const char *v)
{
    static const char *const names[] = {"paranoid", "sneaky",     "polite",
                                        "normal",   "aggressive", "insane"};
    for (int t = 0; t < 6; t++)
        if ((v[0] == '0' + t && v[1] == '\0') || strcasecmp(v, names[t]) == 0) {
            ps->timing = t;
            return 0;
        }
    return bad_value("-T", v,
                     "expected 0 to 5, or paranoid, sneaky, polite, normal, aggressive "
                     "or insane");
}

/*
 * Applies nmap's timing template to what the user did not set: T0, T1 and T2 probe one port
 * at a time, at most one per 5 min, 15 s and 0.4 s (nmap's scan delays); T3 is the default;
 * T4 caps the timeouts at 1250 ms and T5 at 300 ms with 2 retries (nmap's max-rtt-timeout
 * and max-retries).
 */
static void
apply_timing(struct parsed *ps)
{
    static const struct {
        double max_rate;
        unsigned max_inflight, max_timeout_ms;
        int retries;
    } t[6] = {
        {1.0 / 300, 1, 0, -1}, {1.0 / 15, 1, 0, -1}, {2.5, 1, 0, -1},
        {0, 0, 0, -1},         {0, 0, 1250, 6},      {0, 0, 300, 2},
    };
    if (ps->timing < 0)
        return;
    struct pk_scan_opts *so = &ps->c->so;
    if (!ps->max_rate_set && !ps->rate_set && t[ps->timing].max_rate > 0)
        so->max_rate = t[ps->timing].max_rate;
    if (!ps->par_set && t[ps->timing].max_inflight)
        so->max_inflight = t[ps->timing].max_inflight;
    if (!ps->retries_set && t[ps->timing].retries >= 0)
        so->retries = t[ps->timing].retries;
    so->max_timeout_ms = t[ps->timing].max_timeout_ms;
}

/* Takes an -oX/-oG/-oN/-oA value: the letter in arg, the file after it or in the next
 * argument (even one that looks like an option, as in nmap). */
static int
take_output(struct parsed *ps, const char *arg, struct cli_parser *p)
{
    static const char letters[] = "XGNA";
    char opt[4] = {'-', 'o', arg[0], '\0'};
    const char *at = strchr(letters, arg[0]);
    if (!at || !arg[0]) {
        cli_err("scan: %s: not an output portkit writes (-oX, -oG, -oN or -oA)", opt);
        return EXIT_USAGE;
    }
    const char *file = arg[1] ? arg + 1 : cli_take(p, opt);
    if (!file)
        return EXIT_USAGE;
    if (!*file)
        return bad_value(opt, file, "an empty file name");
    struct scan_conf *c = ps->c;
    if (arg[0] != 'A') {
        int k = (int)(at - letters);
        c->out[k] = file;
        c->out_opt[k] = k == SCAN_OUT_XML ? "-oX" : k == SCAN_OUT_GREP ? "-oG" : "-oN";
        return 0;
    }
    static const char *const ext[SCAN_NOUT] = {".xml", ".gnmap", ".nmap"};
    for (int k = 0; k < SCAN_NOUT; k++) {
        free(ps->owned[k]);
        size_t n = strlen(file);
        ps->owned[k] = malloc(n + strlen(ext[k]) + 1);
        if (!ps->owned[k]) {
            cli_err("scan: out of memory");
            return EXIT_RUNTIME;
        }
        memcpy(ps->owned[k], file, n);
        strcpy(ps->owned[k] + n, ext[k]);
        c->out[k] = ps->owned[k];
        c->out_opt[k] = "-oA";
    }
    return 0;
}

/* True when arg is the value getopt found in the same argument as its option ("-oX"),
 * not the next one ("-o X"). */
static bool
attached(const struct cli_parser *p, const char *arg)
{
    return optind > 0 && optind <= p->argc && arg != p->argv[optind - 1];
}

/* Keeps value v for list k (-iL files, --exclude lists, --excludefile files). */
static int
add_list(struct parsed *ps, int k, const char *opt, const char *v)
{
    if (ps->nlists[k] == LISTS_MAX) {
        cli_err("scan: %s: given more than %d times", opt, LISTS_MAX);
        return EXIT_USAGE;
    }
    if (!*v)
        return bad_value(opt, v, k == L_EXCLUDE ? "an empty list" : "an empty file name");
    ps->lists[k][ps->nlists[k]++] = v;
    return 0;
}

/* The nmap options portkit takes as a letter and its value: -oX, -iL, -Pn, -sT. */
static int
nmap_pair(struct parsed *ps, int id, const char *arg, struct cli_parser *p)
{
    char opt[64];
    snprintf(opt, sizeof(opt), "-%c%s", id, arg);
    if (!attached(p, arg)) {
        cli_err("scan: -%c: unknown option (see portkit scan --help)", id);
        return EXIT_USAGE;
    }
    switch (id) {
    case 'o':
        return take_output(ps, arg, p);
    case 'i':
        if (arg[0] != 'L')
            break;
        if (arg[1])
            return add_list(ps, L_TARGETS, "-iL", arg + 1);
        const char *file = cli_take(p, "-iL");
        return file ? add_list(ps, L_TARGETS, "-iL", file) : EXIT_USAGE;
    case 'P':
        if (strcmp(arg, "n") == 0)
            return 0; /* no host discovery: what portkit always does */
        cli_err("scan: %s: host discovery is not supported (portkit scans every target, as "
                "with -Pn)",
                opt);
        return EXIT_USAGE;
    case 's':
        if (strcmp(arg, "T") == 0)
            return 0; /* the connect scan: what portkit does */
        if (strcmp(arg, "U") == 0 || strcmp(arg, "S") == 0 || strcmp(arg, "V") == 0) {
            cli_err("scan: %s: %s is not supported yet (only -sT, the TCP connect scan)", opt,
                    arg[0] == 'U'   ? "UDP scanning"
                    : arg[0] == 'S' ? "SYN scanning"
                                    : "service detection");
            return EXIT_USAGE;
        }
        cli_err("scan: %s: not supported (only -sT, the TCP connect scan)", opt);
        return EXIT_USAGE;
    }
    cli_err("scan: %s: unknown option (see portkit scan --help)", opt);
    return EXIT_USAGE;
}

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    struct parsed *ps = ctx;
    struct scan_conf *c = ps->c;
    struct pk_scan_opts *so = &c->so;
    unsigned long long n;
    switch (id) {
    case 'p':
        ps->portspec = arg;
        return 0;
    case 'F':
        ps->top = 100;
        return 0;
    case OPT_TOP:
        if (!cli_parse_uint("scan", "--top-ports", arg, 1, PK_PORT_MAX, &ps->top))
            return EXIT_USAGE;
        return 0;
    case OPT_XPORTS:
        ps->xportspec = arg;
        return 0;
    case OPT_OPEN:
        c->open_only = true;
        return 0;
    case OPT_REASON:
        c->reason = true;
        return 0;
    case 'v':
        c->verbose++;
        cli->verbose = true;
        return 0;
    case '6':
        ps->ipv6 = true;
        return 0;
    case 'n':
        return 0; /* no reverse lookups: what portkit always does */
    case 'o':
    case 'i':
    case 'P':
    case 's':
        return nmap_pair(ps, id, arg, p);
    case 'T':
        return parse_timing(ps, arg);
    case OPT_EXCL:
        return add_list(ps, L_EXCLUDE, "--exclude", arg);
    case OPT_EXCLF:
        return add_list(ps, L_EXCLUDEFILE, "--excludefile", arg);
    case OPT_MAXH:
        return cli_parse_uint("scan", "--max-hosts", arg, 1, 1ull << 32, &ps->max_hosts)
                   ? 0
                   : EXIT_USAGE;
    case OPT_RATE:
        if (!cli_parse_decimal("scan", "--rate", arg, 1, 1e8, &so->rate))
            return EXIT_USAGE;
        ps->rate_set = true;
        return 0;
    case OPT_MAXRATE:
        if (!cli_parse_decimal("scan", "--max-rate", arg, 1, 1e8, &so->max_rate))
            return EXIT_USAGE;
        ps->max_rate_set = true;
        return 0;
    case OPT_RETRIES:
        if (!cli_parse_uint("scan", "--retries", arg, 0, 50, &n))
            return EXIT_USAGE;
        so->retries = (int)n;
        ps->retries_set = true;
        return 0;
    case OPT_TIMEOUT:
        return parse_time_ms("--timeout", arg, &so->timeout_ms);
    case OPT_PAR:
        if (!cli_parse_uint("scan", "--max-parallelism", arg, 1, 65536, &n))
            return EXIT_USAGE;
        so->max_inflight = (unsigned)n;
        ps->par_set = true;
        return 0;
    case OPT_SHARD:
        return parse_shard(so, arg);
    case OPT_SEED:
        if (!cli_parse_uint("scan", "--seed", arg, 0, UINT64_MAX, &n))
            return EXIT_USAGE;
        so->seed = n;
        ps->seed_set = true;
        return 0;
    }
    return 0;
}

/* Reads all of path ("-" for stdin), at most FILE_MAX bytes, into *out. Returns 0 or
 * EXIT_USAGE (reported). */
static int
read_all(const char *opt, const char *path, struct pk_buf *out)
{
    char b[SHOWN_MAX + 4];
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bad_value(opt, path, strerror(errno));
    pk_buf_init(out, FILE_MAX);
    char chunk[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = bad_value(opt, path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        pk_buf_put(out, chunk, (size_t)n);
        if (out->err) {
            cli_err("scan: %s '%s': %s", opt, shown(path, b),
                    out->err == PK_ENOBUFS ? "file too large (64 MiB at most)" : "out of memory");
            rc = EXIT_USAGE;
            break;
        }
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc)
        pk_buf_free(out);
    return rc;
}

/* Adds the specs in file path to t. */
static int
add_file(struct pk_targets *t, const char *opt, const char *path, unsigned flags)
{
    struct pk_buf b;
    int rc = read_all(opt, path, &b);
    if (rc)
        return rc;
    unsigned line = 0;
    char bad[80], sb[SHOWN_MAX + 4];
    const char *why = "";
    rc = pk_targets_add_text(t, b.data ? b.data : "", b.len, flags, &line, bad, sizeof(bad), &why);
    pk_buf_free(&b);
    if (rc == PK_ENOMEM) {
        cli_err("scan: out of memory");
        return EXIT_RUNTIME;
    }
    if (rc < 0) {
        cli_err("scan: %s '%s': line %u: %s: %s", opt, shown(path, sb), line, bad, why);
        return EXIT_USAGE;
    }
    return 0;
}

/* Adds a comma-separated --exclude list to t. */
static int
add_excludes(struct pk_targets *t, const char *list)
{
    char item[256];
    for (const char *p = list;; p++) {
        size_t n = strcspn(p, ",");
        if (n == 0)
            return empty_item("--exclude", list, (size_t)(p - list));
        if (n >= sizeof(item))
            return bad_value("--exclude", list, "an item longer than 255 bytes");
        memcpy(item, p, n);
        item[n] = '\0';
        const char *why = "";
        int rc = pk_targets_add(t, item, PK_TARGET_EXCLUDE, &why);
        if (rc == PK_ENOMEM) {
            cli_err("scan: out of memory");
            return EXIT_RUNTIME;
        }
        if (rc < 0) {
            char b[SHOWN_MAX + 4];
            cli_err("scan: --exclude '%s': %s: %s", shown(list, b), item, why);
            return EXIT_USAGE;
        }
        p += n;
        if (!*p)
            return 0;
    }
}

/* Builds the target list: operands, -iL files, then the exclusions. */
static int
make_targets(struct parsed *ps, char **operands, int n)
{
    struct pk_targets *t = ps->c->targets;
    unsigned fam = ps->ipv6 ? PK_TARGET_IPV6 : 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *why = "";
        int e = pk_targets_add(t, operands[i], fam, &why);
        if (e == PK_ENOMEM) {
            cli_err("scan: out of memory");
            return EXIT_RUNTIME;
        }
        if (e < 0)
            rc = bad_value("target", operands[i], why);
    }
    for (size_t i = 0; i < ps->nlists[L_TARGETS] && rc == 0; i++)
        rc = add_file(t, "-iL", ps->lists[L_TARGETS][i], fam);
    for (size_t i = 0; i < ps->nlists[L_EXCLUDE] && rc == 0; i++)
        rc = add_excludes(t, ps->lists[L_EXCLUDE][i]);
    for (size_t i = 0; i < ps->nlists[L_EXCLUDEFILE] && rc == 0; i++)
        rc = add_file(t, "--excludefile", ps->lists[L_EXCLUDEFILE][i], PK_TARGET_EXCLUDE);
    if (rc)
        return rc;
    const char *why = "";
    int e = pk_targets_finish(t, ps->max_hosts, &why);
    if (e == PK_ERANGE) {
        cli_err("scan: more than %llu hosts to scan; raise --max-hosts to scan them all",
                ps->max_hosts);
        return EXIT_USAGE;
    }
    if (e < 0) {
        cli_err("scan: targets: %s", why);
        return EXIT_RUNTIME;
    }
    if (pk_targets_count(t) == 0)
        return cli_usage(&cmd_scan, "no targets given (or all excluded)");
    return 0;
}

/* Parses port spec v of opt into *set, reporting a bad item. */
static int
parse_ports(const struct cli *cli, const char *opt, const char *v, struct pk_portset *set)
{
    struct pk_portset_err e;
    int rc = pk_portset_parse(cli->reg, v, PK_TCP, set, &e);
    if (rc == 0)
        return 0;
    if (rc == PK_ENOMEM) {
        cli_err("scan: out of memory");
        return EXIT_RUNTIME;
    }
    if (e.len == 0 && *v)
        return empty_item(opt, v, e.off);
    if (e.off == 0 && e.len == strlen(v))
        return bad_value(opt, v, e.why);
    char b[SHOWN_MAX + 4], item[SHOWN_MAX + 4];
    char *copy = strndup(v + e.off, e.len);
    cli_err("scan: %s '%s': %s: %s", opt, shown(v, b), copy ? shown(copy, item) : "", e.why);
    free(copy);
    return EXIT_USAGE;
}

/* Builds the port set: -p, or the top ports, less --exclude-ports. */
static int
make_ports(const struct cli *cli, struct parsed *ps)
{
    struct pk_portset *ports = ps->c->ports;
    int rc;
    if (ps->portspec && ps->top)
        return cli_usage(&cmd_scan, "-p and --top-ports/-F exclude each other");
    if (ps->portspec) {
        if ((rc = parse_ports(cli, "-p", ps->portspec, ports)) != 0)
            return rc;
    } else {
        const char *svc = getenv("PORTKIT_NMAP_SERVICES");
        if (!svc)
            svc = "/usr/share/nmap/nmap-services";
        if (pk_portset_top(cli->reg, *svc ? svc : NULL, PK_TCP, ps->top ? (unsigned)ps->top : 1000,
                           ports) < 0) {
            cli_err("scan: out of memory");
            return EXIT_RUNTIME;
        }
    }
    if (ps->xportspec) {
        struct pk_portset *x = calloc(1, sizeof(*x));
        if (!x) {
            cli_err("scan: out of memory");
            return EXIT_RUNTIME;
        }
        rc = parse_ports(cli, "--exclude-ports", ps->xportspec, x);
        if (rc == 0)
            pk_portset_subtract(ports, x);
        free(x);
        if (rc)
            return rc;
    }
    if (pk_portset_count(ports, PK_UDP))
        return bad_value("-p", ps->portspec,
                         "UDP ports given, but only TCP connect scanning is supported");
    if (pk_portset_count(ports, PK_TCP) == 0) {
        if (ps->xportspec)
            return bad_value("--exclude-ports", ps->xportspec, "no TCP ports left to scan");
        return bad_value("-p", ps->portspec ? ps->portspec : "", "no TCP ports to scan");
    }
    return 0;
}

/* Joins argv into one string for the reports. Returns a malloc'd string or NULL. */
static char *
join_args(int argc, char **argv)
{
    size_t n = strlen("portkit") + 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n), *w = s;
    if (!s)
        return NULL;
    w = stpcpy(w, "portkit");
    for (int i = 0; i < argc; i++) {
        *w++ = ' ';
        w = stpcpy(w, argv[i]);
    }
    return s;
}

static const struct cli_opt opts[] = {
    {'p', "ports", 'p', true, "PORTS", "ports to scan: 22,80,1-1024,T:ssh,http*; - for all", NULL},
    {OPT_TOP, "top-ports", 0, true, "N", "the N top ports (default: 1000)", NULL},
    {'F', NULL, 'F', false, NULL, "the 100 top ports", NULL},
    {OPT_XPORTS, "exclude-ports", 0, true, "PORTS", "leave these ports out", NULL},
    {OPT_OPEN, "open", 0, false, NULL, "open ports only", NULL},
    {OPT_REASON, "reason", 0, false, NULL, "a REASON column: why each port is in its state", NULL},
    {'v', "verbose", 'v', false, NULL, "open ports on stderr as they are found; more detail", NULL},
    {'o', NULL, 'o', true, NULL, NULL, NULL},
    {0, NULL, 0, false, NULL, "nmap's XML report to FILE (- for standard output)", "-oX FILE"},
    {0, NULL, 0, false, NULL, "nmap's grepable report to FILE", "-oG FILE"},
    {0, NULL, 0, false, NULL, "the table to FILE", "-oN FILE"},
    {0, NULL, 0, false, NULL, "all three: BASE.xml, BASE.gnmap, BASE.nmap", "-oA BASE"},
    {'i', NULL, 'i', true, NULL, NULL, NULL},
    {0, NULL, 0, false, NULL, "targets from FILE (- for standard input)", "-iL FILE"},
    {OPT_EXCL, "exclude", 0, true, "LIST", "leave out these hosts (comma-separated)", NULL},
    {OPT_EXCLF, "excludefile", 0, true, "FILE", "leave out the hosts in FILE", NULL},
    {OPT_MAXH, "max-hosts", 0, true, "N", "refuse more than N hosts (default: 65536)", NULL},
    {'6', NULL, '6', false, NULL, "IPv6 addresses for host names", NULL},
    {OPT_RATE, "rate", 0, true, "N", "N probes per second", NULL},
    {OPT_RATE, "min-rate", 0, true, "N", NULL, NULL},
    {OPT_MAXRATE, "max-rate", 0, true, "N", "at most N probes per second", NULL},
    {OPT_RETRIES, "retries", 0, true, "N", "send an unanswered probe again at most N times", NULL},
    {OPT_RETRIES, "max-retries", 0, true, "N", NULL, NULL},
    {OPT_TIMEOUT, "timeout", 0, true, "T", "a fixed probe timeout (500ms, 2s, 1m)", NULL},
    {OPT_PAR, "max-parallelism", 0, true, "N", "at most N probes in flight", NULL},
    {'T', NULL, 'T', true, NULL, NULL, NULL},
    {0, NULL, 0, false, NULL, "nmap's timing templates (paranoid .. insane)", "-T0 .. -T5"},
    {OPT_SHARD, "shard", 0, true, "K/N", "scan share K of N of the (host, port) pairs", NULL},
    {OPT_SEED, "seed", 0, true, "S", "the order of the pairs (the same for every shard)", NULL},
    {'n', NULL, 'n', false, NULL, NULL, NULL},
    {'P', NULL, 'P', true, NULL, NULL, NULL},
    {'s', NULL, 's', true, NULL, NULL, NULL},
    {0, NULL, 0, false, NULL, "accepted: what portkit always does", "-n, -Pn, -sT"},
};

/* portkit scan: parses the options, builds the targets and ports, and runs the scan.
 * Returns the exit status. */
static int
run(struct cli *cli, int argc, char **argv)
{
    struct scan_conf c = {.so = {.retries = -1}};
    struct parsed ps = {.c = &c, .max_hosts = PK_TARGET_MAX_HOSTS_DEFAULT, .timing = -1};
    int rc = EXIT_RUNTIME, n = 0;
    c.args = join_args(argc, argv);
    c.ports = calloc(1, sizeof(*c.ports));
    if (!c.args || !c.ports || pk_targets_new(&c.targets) < 0) {
        cli_err("scan: out of memory");
        goto out;
    }
    rc = cli_parse(cli, &cmd_scan, argc, argv, on_opt, &ps, &n);
    if (rc) {
        rc = rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
        goto out;
    }
    if ((rc = make_targets(&ps, argv + 1, n)) != 0 || (rc = make_ports(cli, &ps)) != 0)
        goto out;
    apply_timing(&ps);
    if (!ps.seed_set && (c.so.shard_n || getrandom(&c.so.seed, sizeof(c.so.seed), GRND_NONBLOCK) !=
                                             (ssize_t)sizeof(c.so.seed)))
        c.so.seed = SEED_SHARD; /* shards must agree on the order */
    rc = scan_run(cli, &c);
out:
    for (int k = 0; k < SCAN_NOUT; k++)
        free(ps.owned[k]);
    pk_targets_free(c.targets);
    free(c.ports);
    free(c.args);
    return rc;
}

const struct pk_cmd cmd_scan = {
    .name = "scan",
    .usage = "scan [-p PORTS|--top-ports N|-F] [--open] [-oX|-oG|-oN FILE] [-oA BASE] "
             "[--rate N] [-T0..5] [--shard K/N --seed S] TARGET...",
    .summary = "which TCP ports are open on hosts you may scan (connect scan, nmap's options)",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "TARGET: an address, a CIDR block (198.18.0.0/24), octet ranges (198.18.0.1-20) "
                "or a host name.",
    .run = run,
};
