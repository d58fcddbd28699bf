/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit free: ports to pick for a new service (IANA-unassigned, not bound now, outside the
 * ephemeral range and the reserved ports), and --check PORT: may this port be bound now?
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "portkit/error.h"
#include "portkit/portrange.h"
#include "sock.h"

#define FREE_MAX 65536
#define FREE_WHY " (unassigned, unbound, outside the ephemeral range and the reserved ports)"

enum { O_RANGE = 256, O_PROTO, O_LOWEST, O_CHECK };

struct free_args {
    struct sock_args s;
    unsigned lo, hi;
    bool have_range, lowest;
    const char *check;
};

/* Ports held by any socket, one bitmap per protocol (0 tcp, 1 udp). */
struct used {
    uint8_t bits[2][65536 / 8];
};

/* True when a socket of proto holds port. */
static bool
is_used(const struct used *u, unsigned proto, unsigned port)
{
    int p = proto == PK_TCP ? 0 : 1;
    return u->bits[p][port / 8] & (1u << (port % 8));
}

/* Marks the local port of every socket in v (TIME-WAIT too: binding may still fail). */
static void
mark_used(struct used *u, const struct pk_sockview *v)
{
    for (size_t i = 0; i < v->list.n; i++) {
        const struct pk_sock *s = &v->list.socks[i];
        int p = s->proto == PK_TCP ? 0 : 1;
        u->bits[p][s->local_port / 8] |= (uint8_t)(1u << (s->local_port % 8));
    }
}

/* Parses --proto: "tcp", "udp", "tcp,udp" or "both". Returns the set, or 0. */
static unsigned
parse_protos(const char *s)
{
    if (strcmp(s, "both") == 0 || strcmp(s, "tcp,udp") == 0 || strcmp(s, "udp,tcp") == 0)
        return PK_TCP | PK_UDP;
    unsigned p = pk_proto_from_name(s, strlen(s));
    return p & (PK_TCP | PK_UDP);
}

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    struct free_args *a = ctx;
    struct pk_portrange spec;
    const char *why = NULL;
    (void)cli, (void)p;
    switch (id) {
    case O_RANGE:
        if (pk_portrange_parse(arg, strlen(arg), &spec, &why) < 0 || spec.has_proto ||
            spec.lo == 0) {
            cli_err("free: --range '%s': %s", arg,
                    why              ? why
                    : spec.has_proto ? "a port range, no protocol"
                                     : "starts at 0");
            return EXIT_USAGE;
        }
        a->lo = spec.lo, a->hi = spec.hi, a->have_range = true;
        return 0;
    case O_PROTO:
        a->s.q.protos = parse_protos(arg);
        if (!a->s.q.protos) {
            cli_err("free: --proto '%s': expected tcp, udp or both", arg);
            return EXIT_USAGE;
        }
        return 0;
    case O_LOWEST:
        a->lowest = true;
        return 0;
    case O_CHECK:
        a->check = arg;
        return 0;
    }
    sock_opt(&a->s, id, arg);
    return 0;
}

static const struct cli_opt opts[] = {
    {O_RANGE, "range", 0, true, "LO-HI", "pick among ports LO-HI (default 1024-49151)", NULL},
    {O_PROTO, "proto", 0, true, "P", "free for tcp, udp or both (the default)", NULL},
    {O_LOWEST, "lowest", 0, false, NULL, "the lowest free ports, not a random pick", NULL},
    {O_CHECK, "check", 0, true, "PORT", "whether PORT[/PROTO] may be bound now", NULL},
    SOCK_OPT_NETNS,
};

/* Answers --check: whether port may be bound now, and why. Returns the exit status. */
static int
check(struct cli *cli, const char *arg, unsigned protos)
{
    struct pk_portrange spec;
    const char *why = NULL;
    if (pk_portrange_parse(arg, strlen(arg), &spec, &why) < 0 || spec.lo != spec.hi) {
        cli_err("free: --check '%s': %s", arg, why ? why : "one port, not a range");
        return EXIT_USAGE;
    }
    if (spec.has_proto) {
        if (!(spec.protos & (PK_TCP | PK_UDP))) {
            cli_err("free: --check '%s': only tcp and udp can be checked", arg);
            return EXIT_USAGE;
        }
        protos = spec.protos;
    }
    if (spec.lo == 0) {
        cli_err("free: --check '%s': port 0 means \"any port\" and can't be held", arg);
        return EXIT_USAGE;
    }
    struct pk_sockview v;
    struct pk_port_check c;
    struct pk_sock_query q = {.protos = protos, .port = (int)spec.lo};
    int rc = sock_gather(cli, "free", &q, 0, &v);
    if (rc)
        return rc;
    v.peer = true;
    pk_port_check_build(&c, cli->reg, cli_host(cli), spec.lo, protos, &v);
    if (cli->json) {
        pk_out_port_check_json(&cli->o, &c);
        pk_buf_putc(&cli->out, '\n');
        rc = 0;
    } else {
        rc = pk_out_port_check_text(&cli->o, &c);
    }
    pk_sockview_free(&v);
    if (rc < 0) {
        cli_err("free: %s", pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    return c.free ? EXIT_FOUND : EXIT_NOTHING;
}

/* qsort order of port numbers. */
static int
cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Collects into cand the ports of lo..hi free for every protocol of protos: unassigned, not
 * held in u, outside the ephemeral range and the reserved ports. Returns their number. */
static size_t
candidates(struct cli *cli, const struct used *u, unsigned lo, unsigned hi, unsigned protos,
           uint16_t *cand)
{
    const struct pk_port_policy *hp = cli_host(cli);
    size_t n = 0;
    for (unsigned port = lo; port <= hi; port++) {
        if (hp->have_ephemeral && port >= hp->ephemeral_lo && port <= hp->ephemeral_hi)
            continue;
        if (pk_port_policy_reserved(hp, port))
            continue;
        bool ok = true;
        for (unsigned p = PK_TCP; p <= PK_UDP && ok; p <<= 1)
            if (protos & p)
                ok = !is_used(u, p, port) && pk_status_of(cli->reg, port, p) == PK_UNASSIGNED;
        if (ok)
            cand[n++] = (uint16_t)port;
    }
    return n;
}

/* Puts count of the n candidates first, in order: a random pick, so that two people asking
 * don't get the same port. */
static void
pick_random(uint16_t *cand, size_t n, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t r;
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            r = (uint32_t)(i * 2654435761u);
        size_t k = i + r % (n - i);
        uint16_t t = cand[i];
        cand[i] = cand[k];
        cand[k] = t;
    }
    qsort(cand, count, sizeof(*cand), cmp_u16);
}

/* Runs "portkit free [COUNT] [--range LO-HI] [--proto P] [--lowest] | --check PORT". */
static int
run(struct cli *cli, int argc, char **argv)
{
    struct free_args a = {.s.q.protos = PK_TCP | PK_UDP, .s.q.port = -1, .lo = 1024, .hi = 49151};
    unsigned long long count = 1;
    int n, rc = cli_parse(cli, &cmd_free, argc, argv, on_opt, &a, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n > 1)
        return cli_usage(&cmd_free, "unexpected argument '%s'", argv[2]);
    if (n == 1 && !cli_parse_uint("free", "COUNT", argv[1], 1, FREE_MAX, &count))
        return EXIT_USAGE;
    if (a.check && (n || a.have_range || a.lowest))
        return cli_usage(&cmd_free, "--check takes no count, range or --lowest");
    if ((rc = sock_netns(cli, "free", &a.s)) != 0)
        return rc;
    if (a.check)
        return check(cli, a.check, a.s.q.protos);

    struct pk_sockview v;
    if ((rc = sock_gather(cli, "free", &a.s.q, PK_SV_NO_OWNERS, &v)) != 0)
        return rc;
    struct used *u = calloc(1, sizeof(*u));
    uint16_t *cand = malloc((size_t)(a.hi - a.lo + 1) * sizeof(*cand));
    if (!u || !cand) {
        cli_err("free: %s", pk_strerror(PK_ENOMEM));
        rc = EXIT_RUNTIME;
        goto out;
    }
    mark_used(u, &v);
    size_t found = candidates(cli, u, a.lo, a.hi, a.s.q.protos, cand);
    size_t shown = found < count ? found : count;
    if (!a.lowest)
        pick_random(cand, found, shown);
    for (size_t i = 0; i < shown; i++) {
        if (cli->json) {
            pk_out_free_pick_json(&cli->o, cand[i], a.s.q.protos);
            pk_buf_putc(&cli->out, '\n');
        } else {
            pk_out_free_pick_text(&cli->o, cand[i]);
        }
    }
    rc = EXIT_FOUND;
    if (shown < count) {
        /* Fewer than asked for is not what was asked: the ones found are given, and the
         * exit status says so. */
        cli_flush(cli);
        if (found)
            cli_err("free: only %zu of the %llu ports asked for %s free in %u-%u%s", found, count,
                    found == 1 ? "is" : "are", a.lo, a.hi, FREE_WHY);
        else
            cli_err("free: no port is free in %u-%u%s", a.lo, a.hi, FREE_WHY);
        rc = EXIT_NOTHING;
    }
out:
    free(u);
    free(cand);
    pk_sockview_free(&v);
    return rc;
}

const struct pk_cmd cmd_free = {
    .name = "free",
    .usage = "free [COUNT] [--range LO-HI] [--proto tcp|udp|both] [--lowest] [--netns NAME|PID]"
             " | free --check PORT[/PROTO]",
    .summary = "free ports for a new service, or whether a port is free to bind",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "COUNT is 1-65536 (default 1): how many ports to pick.",
    .run = run,
};
