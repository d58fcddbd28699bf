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
#include "sockview.h"

#define FREE_MAX 65536

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
mark_used(struct used *u, const struct sockview *v)
{
    for (size_t i = 0; i < v->list.n; i++) {
        const struct pk_sock *s = &v->list.socks[i];
        int p = s->proto == PK_TCP ? 0 : 1;
        u->bits[p][s->local_port / 8] |= (uint8_t)(1u << (s->local_port % 8));
    }
}

/* Writes the JSON array of protocol names in protos. */
static void
protos_json(struct pk_json *j, unsigned protos)
{
    pk_json_arr_begin(j);
    if (protos & PK_TCP)
        pk_json_val_str(j, "tcp");
    if (protos & PK_UDP)
        pk_json_val_str(j, "udp");
    pk_json_arr_end(j);
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

/* Answers --check: prints why port is or is not free. Returns the exit status. */
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
    unsigned port = spec.lo;
    struct sockview v;
    struct pk_sock_query q = {.protos = protos, .port = (int)port, .procroot = cli->procroot};
    int rc = sv_gather(cli, &q, false, &v);
    if (rc)
        return rc;
    v.peer = true;
    size_t blocking = 0;
    for (size_t i = 0; i < v.list.n; i++)
        if (v.list.socks[i].state != PK_SS_TIME_WAIT)
            blocking++;
    bool is_free = blocking == 0;

    /* Facts about the port that matter to whoever binds it, free or not. */
    const char *facts[6];
    char fbuf[3][128];
    size_t nf = 0;
    const struct pk_port_policy *hp = cli_host(cli);
    if (v.list.n && is_free)
        facts[nf++] = "only TIME-WAIT sockets: bind with SO_REUSEADDR";
    if (hp->have_unprivileged && port < hp->unprivileged_start) {
        snprintf(fbuf[0], sizeof(fbuf[0]),
                 "below ip_unprivileged_port_start (%u): binding needs CAP_NET_BIND_SERVICE",
                 hp->unprivileged_start);
        facts[nf++] = fbuf[0];
    }
    if (hp->have_ephemeral && port >= hp->ephemeral_lo && port <= hp->ephemeral_hi) {
        snprintf(fbuf[1], sizeof(fbuf[1]),
                 "inside the ephemeral range %u-%u: an outgoing connection may take it",
                 hp->ephemeral_lo, hp->ephemeral_hi);
        facts[nf++] = fbuf[1];
    }
    if (pk_port_policy_reserved(hp, port))
        facts[nf++] = "in ip_local_reserved_ports: never handed out as an ephemeral port";
    for (unsigned p = PK_TCP; p <= PK_UDP; p <<= 1) {
        const char *svc = (protos & p) ? sv_service(cli, port, p) : NULL;
        if (svc && nf < 5) {
            snprintf(fbuf[2], sizeof(fbuf[2]), "assigned by IANA to %s", svc);
            facts[nf++] = fbuf[2];
            break;
        }
    }

    if (cli->json) {
        struct pk_json j;
        pk_json_init(&j, &cli->out);
        pk_json_obj_begin(&j);
        pk_json_key_int(&j, "port", port);
        pk_json_key(&j, "protocols");
        protos_json(&j, protos);
        pk_json_key_bool(&j, "free", is_free);
        pk_json_key(&j, "notes");
        pk_json_arr_begin(&j);
        for (size_t i = 0; i < nf; i++)
            pk_json_val_str(&j, facts[i]);
        pk_json_arr_end(&j);
        pk_json_key(&j, "holders");
        pk_json_arr_begin(&j);
        for (size_t i = 0; i < v.list.n; i++)
            sv_json_sock(cli, &j, &v, v.order[i]);
        pk_json_arr_end(&j);
        pk_json_obj_end(&j);
        pk_buf_putc(&cli->out, '\n');
    } else {
        pk_buf_printf(&cli->out, "%s%u%s%s is %s%s\n", cli_c(cli, C_BOLD), port,
                      protos == PK_TCP   ? "/tcp"
                      : protos == PK_UDP ? "/udp"
                                         : "",
                      cli_c(cli, C_RESET), is_free ? cli_c(cli, C_GREEN) : cli_c(cli, C_RED),
                      is_free ? "free" : "in use");
        pk_buf_puts(&cli->out, cli_c(cli, C_RESET));
        for (size_t i = 0; i < nf; i++)
            pk_buf_printf(&cli->out, "  note: %s\n", facts[i]);
        if (v.list.n)
            sv_print(cli, &v, true);
    }
    sv_free(&v);
    return is_free ? EXIT_FOUND : EXIT_NOTHING;
}

/* qsort order of port numbers. */
static int
cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Runs "portkit free [COUNT] [--range LO-HI] [--proto P] [--lowest] | --check PORT". */
static int
run(struct cli *cli, int argc, char **argv)
{
    unsigned long count = 1;
    bool have_count = false, lowest = false, have_range = false;
    unsigned protos = PK_TCP | PK_UDP, lo = 1024, hi = 49151;
    const char *check_arg = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t klen = eq && a[0] == '-' ? (size_t)(eq - a) : strlen(a);
        bool takes = (klen == 7 && strncmp(a, "--range", 7) == 0) ||
                     (klen == 7 && strncmp(a, "--proto", 7) == 0) ||
                     (klen == 7 && strncmp(a, "--check", 7) == 0) ||
                     (klen == 7 && strncmp(a, "--netns", 7) == 0);
        if (takes) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return cli_usage(&cmd_free, "%.*s needs a value", (int)klen, a);
        }
        if (takes && strncmp(a, "--range", 7) == 0) {
            struct pk_portrange spec;
            const char *why = NULL;
            if (pk_portrange_parse(val, strlen(val), &spec, &why) < 0 || spec.has_proto ||
                spec.lo == 0) {
                cli_err("free: --range '%s': %s", val,
                        why              ? why
                        : spec.has_proto ? "a port range, no protocol"
                                         : "starts at 0");
                return EXIT_USAGE;
            }
            lo = spec.lo, hi = spec.hi, have_range = true;
        } else if (takes && strncmp(a, "--proto", 7) == 0) {
            protos = parse_protos(val);
            if (!protos) {
                cli_err("free: --proto '%s': expected tcp, udp or both", val);
                return EXIT_USAGE;
            }
        } else if (takes && strncmp(a, "--check", 7) == 0) {
            check_arg = val;
        } else if (takes) {
            if ((rc = sv_netns(cli, "free", val)) != 0)
                return rc;
        } else if (strcmp(a, "--lowest") == 0) {
            lowest = true;
        } else if (a[0] >= '0' && a[0] <= '9' && !have_count) {
            if (!cli_parse_count("free: COUNT", a, FREE_MAX, &count))
                return EXIT_USAGE;
            have_count = true;
        } else {
            return cli_usage(&cmd_free, "unexpected argument '%s'", a);
        }
    }
    if (check_arg) {
        if (have_count || have_range || lowest)
            return cli_usage(&cmd_free, "--check takes no count, range or --lowest");
        return check(cli, check_arg, protos);
    }

    struct sockview v;
    struct pk_sock_query q = {.protos = protos, .port = -1, .procroot = cli->procroot};
    if ((rc = sv_gather(cli, &q, true, &v)) != 0)
        return rc;
    struct used *u = calloc(1, sizeof(*u));
    uint16_t *cand = malloc((size_t)(hi - lo + 1) * sizeof(*cand));
    if (!u || !cand) {
        cli_err("free: %s", pk_strerror(PK_ENOMEM));
        rc = EXIT_RUNTIME;
        goto out;
    }
    mark_used(u, &v);
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
    if (n == 0) {
        cli_err("free: no unassigned, unbound port in %u-%u outside the ephemeral range", lo, hi);
        rc = EXIT_NOTHING;
        goto out;
    }
    if (count > n)
        count = n;
    if (!lowest) {
        /* A random pick, so that two people asking don't get the same port. */
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
    for (size_t i = 0; i < count; i++) {
        if (cli->json) {
            struct pk_json j;
            pk_json_init(&j, &cli->out);
            pk_json_obj_begin(&j);
            pk_json_key_int(&j, "port", cand[i]);
            pk_json_key(&j, "protocols");
            protos_json(&j, protos);
            pk_json_key_str(&j, "range", pk_range_class_name(pk_range_class_of(cand[i])));
            pk_json_obj_end(&j);
            pk_buf_putc(&cli->out, '\n');
        } else {
            pk_buf_printf(&cli->out, "%u\n", cand[i]);
        }
    }
    rc = EXIT_FOUND;
out:
    free(u);
    free(cand);
    sv_free(&v);
    return rc;
}

const struct pk_cmd cmd_free = {
    .name = "free",
    .summary = "free ports for a new service, or whether a port is free to bind",
    .usage = "free [COUNT] [--range LO-HI] [--proto tcp|udp|both] [--lowest] | free --check PORT",
    .run = run,
};
