/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit serve [--listen ADDR:PORT]... [--public]: the port pages as a web site, a map of
 * the port space and a JSON API (the web server is in web/). It listens on loopback unless
 * told otherwise, or on the sockets systemd passes (LISTEN_FDS), prints the URL of each
 * address and serves until SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portkit/error.h"
#include "serve.h"

#define DEFAULT_PORT 8721
#define MAX_LISTEN 16
#define SD_LISTEN_FDS_START 3

struct serve_opts {
    const char *listen[MAX_LISTEN];
    size_t nlisten;
    bool public_mode;
    unsigned threads, max_conns, per_client;
    double header_s;
};

enum { O_PUBLIC = 256, O_THREADS, O_MAXCONN, O_PERCLIENT, O_HEADER };

static const struct cli_opt opts[] = {
    {'l', "listen", 'l', true, "ADDR:PORT",
     "listen there (repeatable; default 127.0.0.1:8721 and [::1]:8721; port 0: any free one)",
     NULL},
    {O_PUBLIC, "public", 0, false, NULL,
     "allow addresses other than loopback; /local, /api/listening and 'here' are then off", NULL},
    {O_THREADS, "threads", 0, true, "N", "threads per address (default: one per CPU, at most 16)",
     NULL},
    {O_MAXCONN, "max-connections", 0, true, "N", "connections per address (default 1024)", NULL},
    {O_PERCLIENT, "max-per-client", 0, true, "N",
     "connections from one client address (default 128)", NULL},
    {O_HEADER, "header-timeout", 0, true, "SECONDS",
     "a request's headers must arrive within this (default 10)", NULL},
};

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    struct serve_opts *so = ctx;
    unsigned long long v;
    (void)cli, (void)p;
    switch (id) {
    case 'l':
        if (so->nlisten == MAX_LISTEN)
            return cli_usage(&cmd_serve, "at most %d --listen addresses", MAX_LISTEN);
        so->listen[so->nlisten++] = arg;
        return 0;
    case O_PUBLIC:
        so->public_mode = true;
        return 0;
    case O_THREADS:
        if (!cli_parse_uint("serve", "--threads", arg, 1, 64, &v))
            return EXIT_USAGE;
        so->threads = (unsigned)v;
        return 0;
    case O_MAXCONN:
        if (!cli_parse_uint("serve", "--max-connections", arg, 1, 1000000, &v))
            return EXIT_USAGE;
        so->max_conns = (unsigned)v;
        return 0;
    case O_PERCLIENT:
        if (!cli_parse_uint("serve", "--max-per-client", arg, 1, 1000000, &v))
            return EXIT_USAGE;
        so->per_client = (unsigned)v;
        return 0;
    case O_HEADER:
        return cli_parse_decimal("serve", "--header-timeout", arg, 0.1, 3600, &so->header_s)
                   ? 0
                   : EXIT_USAGE;
    }
    return 0;
}

/*
 * Parses "ADDR:PORT" (IPv4 dotted quad, or an IPv6 address in brackets) into *ss. Returns
 * NULL, or a phrase saying what is wrong.
 */
static const char *
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[64];
    const char *colon;
    memset(ss, 0, sizeof(*ss));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return "expected [IPV6]:PORT";
        colon = close + 1;
        if ((size_t)(close - s - 1) >= sizeof(host))
            return "address too long";
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host))
            return "expected ADDR:PORT (IPv6 in brackets)";
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    const char *port = colon + 1;
    size_t n = strlen(port);
    if (n == 0 || n > 5 || strspn(port, "0123456789") != n || strtoul(port, NULL, 10) > 65535)
        return "port must be a number from 0 to 65535";
    uint16_t p = htons((uint16_t)strtoul(port, NULL, 10));
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (s[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = p;
        *len = sizeof(*v4);
    } else if (s[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = p;
        *len = sizeof(*v6);
    } else {
        return "not a numeric IPv4 address or [IPv6] address";
    }
    return NULL;
}

/* Binds and listens on ss. Returns the socket, or -errno. */
static int
listen_on(const struct sockaddr_storage *ss, socklen_t len)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 1024) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* Writes the URL of listening socket fd into buf, and says whether it is on loopback. */
static bool
url_of(int fd, char *buf, size_t cap, bool *loopback)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char a[INET6_ADDRSTRLEN];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return false;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a));
        *loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        snprintf(buf, cap, "http://%s:%u/", a, ntohs(v4->sin_port));
        return true;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ss;
        const uint8_t *b = v6->sin6_addr.s6_addr;
        inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof(a));
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        *loopback =
            IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) || (memcmp(b, mapped, 12) == 0 && b[12] == 127);
        snprintf(buf, cap, "http://[%s]:%u/", a, ntohs(v6->sin6_port));
        return true;
    }
    return false;
}

/*
 * The sockets systemd passed (socket activation), checked: LISTEN_PID must be this process
 * and every descriptor a listening stream socket. Returns how many (0 when none were
 * passed), or -1 after reporting.
 */
static int
activated(int *fds, size_t cap)
{
    const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
    if (!pid || !n)
        return 0;
    char *end;
    unsigned long p = strtoul(pid, &end, 10);
    if (*pid < '0' || *pid > '9' || *end || p != (unsigned long)getpid())
        return 0; /* meant for another process */
    unsigned long k = strtoul(n, &end, 10);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (*n < '0' || *n > '9' || *end || k == 0 || k > cap) {
        cli_err("serve: LISTEN_FDS '%s': expected 1 to %zu sockets", n, cap);
        return -1;
    }
    for (unsigned long i = 0; i < k; i++) {
        int fd = SD_LISTEN_FDS_START + (int)i, type = 0, acc = 0;
        socklen_t l1 = sizeof(type), l2 = sizeof(acc);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) < 0 || type != SOCK_STREAM ||
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l2) < 0 || !acc) {
            cli_err("serve: descriptor %d from systemd is not a listening TCP socket", fd);
            return -1;
        }
        fds[i] = fd;
    }
    return (int)k;
}

/* Lets the server have as many descriptors as the hard limit allows. */
static rlim_t
raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

/* Opens the listening sockets of the options (or the defaults) into fds. Returns how many,
 * or an exit status as a negative number after reporting. */
static int
open_listeners(const struct serve_opts *so, int *fds)
{
    static const char *const defaults[] = {"127.0.0.1:8721", "[::1]:8721"};
    const char *const *addrs = so->nlisten ? so->listen : defaults;
    size_t n = so->nlisten ? so->nlisten : 2;
    int got = 0, status = 0;
    for (size_t i = 0; i < n && !status; i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        const char *why = parse_listen(addrs[i], &ss, &len);
        if (why) {
            status = cli_usage(&cmd_serve, "--listen '%s': %s", addrs[i], why);
            break;
        }
        int fd = listen_on(&ss, len);
        if (fd < 0 && !so->nlisten && ss.ss_family == AF_INET6 &&
            (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT))
            continue; /* no IPv6 loopback here: IPv4 alone */
        if (fd < 0) {
            cli_err("serve: %s: %s", addrs[i], strerror(-fd));
            status = EXIT_RUNTIME;
            break;
        }
        fds[got++] = fd;
    }
    if (!status)
        return got;
    while (got > 0)
        close(fds[--got]);
    return -status;
}

static int
run(struct cli *cli, int argc, char **argv)
{
    struct serve_opts so = {.max_conns = 1024, .per_client = 128, .header_s = 10};
    int fds[MAX_LISTEN], npos;
    for (size_t i = 0; i < MAX_LISTEN; i++)
        fds[i] = -1;
    int rc = cli_parse(cli, &cmd_serve, argc, argv, on_opt, &so, &npos);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (npos > 0)
        return cli_usage(&cmd_serve, "unexpected argument '%s'", argv[1]);
    int nfds = activated(fds, MAX_LISTEN);
    if (nfds < 0)
        return EXIT_RUNTIME;
    if (nfds > 0 && so.nlisten)
        return cli_usage(&cmd_serve, "--listen given, but systemd passed the sockets");
    if (nfds == 0 && (nfds = open_listeners(&so, fds)) <= 0)
        return nfds < 0 ? -nfds : EXIT_RUNTIME;
    char urls[MAX_LISTEN][80];
    bool all_loopback = true;
    for (int i = 0; i < nfds; i++) {
        bool lo = false;
        if (!url_of(fds[i], urls[i], sizeof(urls[i]), &lo))
            snprintf(urls[i], sizeof(urls[i]), "(socket %d)", fds[i]);
        all_loopback &= lo;
        if (!lo && !so.public_mode) {
            cli_usage(&cmd_serve,
                      "%s is not a loopback address: --public serves other hosts "
                      "(and turns /local and the here section off)",
                      urls[i]);
            for (int k = 0; k < nfds; k++)
                close(fds[k]);
            return EXIT_USAGE;
        }
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = so.threads ? so.threads : ncpu < 1 ? 1 : ncpu > 16 ? 16 : (unsigned)ncpu;
    rlim_t nofile = raise_nofile();
    unsigned max_conns = so.max_conns;
    if ((rlim_t)max_conns * (rlim_t)nfds + 64 > nofile)
        max_conns = nofile > 64 + (rlim_t)nfds ? (unsigned)((nofile - 64) / (rlim_t)nfds) : 1;
    struct serve_local *local = NULL;
    if (all_loopback && !so.public_mode && !(local = serve_local_new(cli))) {
        cli_err("serve: %s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    struct web_config cfg = {
        .reg = cli->reg,
        .policy = cli_host(cli),
        .local = local ? serve_local_ops(local) : NULL,
        .threads = threads,
        .max_conns = max_conns,
        .max_per_client = so.per_client,
        .header_ms = (unsigned)(so.header_s * 1000 + 0.5),
        .idle_s = 30,
        .cache_entries = 4096,
        .cache_bytes = 64u << 20,
    };
    /* The server's threads inherit this mask: the signals come to sigwait() below. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct web_server *srv;
    char err[160];
    rc = web_start(&cfg, fds, (size_t)nfds, &srv, err, sizeof(err));
    if (rc < 0) {
        cli_err("serve: %s", err);
        serve_local_free(local);
        return EXIT_RUNTIME;
    }
    for (int i = 0; i < nfds; i++)
        pk_buf_printf(&cli->out, "%s\n", urls[i]);
    cli_flush(cli);
    cli_err("serve: serving the registry%s on %d address%s until interrupted",
            local ? " and this host's sockets" : " (--public)", nfds, nfds == 1 ? "" : "es");
    int sig = 0;
    sigdelset(&set, SIGPIPE);
    while (sigwait(&set, &sig) != 0 || (sig != SIGINT && sig != SIGTERM))
        ;
    web_stop(srv);
    serve_local_free(local);
    return EXIT_FOUND;
}

const struct pk_cmd cmd_serve = {
    .name = "serve",
    .usage = "serve [--listen ADDR:PORT]... [--public] [--threads N] ...",
    .summary = "the port pages as a web site, a map of the port space and a JSON API",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "Serves http://127.0.0.1:8721/ and http://[::1]:8721/ by default; systemd "
                "socket activation (LISTEN_FDS) works too.",
    .run = run,
};
