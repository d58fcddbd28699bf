/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Local socket lists: the query front end that picks netlink or /proc/net, and small helpers
 * on sockets (names, addresses, namespaces).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "portkit/error.h"
#include "portkit/registry.h"
#include "sock_int.h"

/* Appends one socket, up to max entries. */
int
pk__sock_push(struct pk_sock_list *l, size_t max, const struct pk_sock *s)
{
    return pk__push(&l->socks, &l->n, &l->cap, s, sizeof(*s), max);
}

int
pk_sock_list_push(struct pk_sock_list *l, const struct pk_sock *s)
{
    return pk__sock_push(l, PK_SOCK_MAX_DEFAULT, s);
}

/* Applies the filters the kernel may not have applied (always true for netlink results). */
bool
pk__sock_wanted(const struct pk__sockq *q, const struct pk_sock *s)
{
    uint32_t states = s->proto == PK_TCP ? q->tcp_states : q->udp_states;
    if (!(q->protos & s->proto))
        return false;
    if (!(q->families & (s->family == 4 ? PK_FAM_4 : PK_FAM_6)))
        return false;
    if (s->state > 15 || !(states & PK_SS_BIT(s->state)))
        return false;
    return q->port < 0 || s->local_port == (unsigned)q->port;
}

/* Validates q and fills in its defaults. Returns 0 or PK_EINVAL. */
static int
normalize(const struct pk_sock_query *q, struct pk__sockq *out)
{
    out->protos = q->protos ? q->protos : (PK_TCP | PK_UDP);
    out->families = q->families ? q->families : (PK_FAM_4 | PK_FAM_6);
    out->tcp_states = q->tcp_states ? q->tcp_states : PK_SS_ALL;
    out->udp_states = q->udp_states ? q->udp_states : PK_SS_ALL;
    out->port = q->port > 0 ? q->port : -1;
    out->procroot = q->procroot ? q->procroot : "/proc";
    out->max = q->max ? q->max : PK_SOCK_MAX_DEFAULT;
    if (out->protos & ~(unsigned)(PK_TCP | PK_UDP) || out->families & ~(PK_FAM_4 | PK_FAM_6))
        return PK_EINVAL;
    if ((out->tcp_states | out->udp_states) & ~(uint32_t)PK_SS_ALL)
        return PK_EINVAL;
    if (q->port < -1 || q->port > PK_PORT_MAX)
        return PK_EINVAL;
    return 0;
}

int
pk_sock_list(const struct pk_sock_query *q, struct pk_sock_list *out)
{
    struct pk__sockq nq;
    struct pk_sock_list l = {0};
    int rc = normalize(q, &nq);
    if (rc < 0)
        return rc;

    if (!(q->flags & PK_SOCKQ_NO_NETLINK)) {
        rc = pk__sock_diag(&nq, &l);
        if (rc == 0) {
            l.source = PK_SOCK_SRC_NETLINK;
            goto out;
        }
        /* Only a refusal falls back; running out of room or memory is final. */
        if (rc == PK_ENOBUFS || rc == PK_ENOMEM || (q->flags & PK_SOCKQ_NO_PROC))
            goto out;
        l.netlink_err = rc;
        l.n = 0;
    }
    rc = pk__sock_proc(&nq, &l);
    l.source = PK_SOCK_SRC_PROC;
out:
    if (rc < 0) {
        free(l.socks);
        return rc;
    }
    *out = l;
    return 0;
}

void
pk_sock_list_free(struct pk_sock_list *l)
{
    free(l->socks);
    memset(l, 0, sizeof(*l));
}

const char *
pk_sock_state_name(unsigned proto, unsigned state)
{
    static const char *const names[] = {
        "UNKNOWN", "ESTAB",      "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT",
        "UNCONN",  "CLOSE-WAIT", "LAST-ACK", "LISTEN",   "CLOSING",    "SYN-RECV",
    };
    if (state == PK_SS_CLOSE && proto == PK_TCP)
        return "CLOSE";
    if (state >= sizeof(names) / sizeof(names[0]))
        return "UNKNOWN";
    return names[state];
}

const char *
pk_sock_addr_str(const struct pk_sock *s, bool remote, char *buf, size_t len)
{
    const uint8_t *a = remote ? s->remote : s->local;
    if (s->family == 4 && len >= 16) {
        /* By hand: inet_ntop goes through sprintf, and a busy host has 100,000 of these. */
        char *p = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = a[i];
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
        return buf;
    }
    if (!inet_ntop(s->family == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

bool
pk_sock_is_wildcard(const struct pk_sock *s)
{
    static const uint8_t zero[16];
    return memcmp(s->local, zero, s->family == 4 ? 4 : 16) == 0;
}

bool
pk_sock_is_loopback(const struct pk_sock *s)
{
    static const uint8_t lo6[16] = {[15] = 1};
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (s->family == 4)
        return s->local[0] == 127;
    if (memcmp(s->local, lo6, 16) == 0)
        return true;
    return memcmp(s->local, mapped, 12) == 0 && s->local[12] == 127;
}

bool
pk_sock_is_dual_stack(const struct pk_sock *s)
{
    return s->family == 6 && s->v6only == 0 && pk_sock_is_wildcard(s);
}

int
pk_netns_enter(const char *spec, const char *procroot)
{
    char path[4200];
    int rc;
    size_t n = strlen(spec);
    bool digits = n > 0 && n <= 10 && strspn(spec, "0123456789") == n;

    if (!procroot)
        procroot = "/proc";
    if (n == 0 || n > 255 || strchr(spec, '/') || strcmp(spec, ".") == 0 ||
        strcmp(spec, "..") == 0 || strlen(procroot) > 4000)
        return PK_EINVAL;
    if (digits)
        snprintf(path, sizeof(path), "%s/%s/ns/net", procroot, spec);
    else
        snprintf(path, sizeof(path), "/run/netns/%s", spec);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? PK_ENOENT : -errno;
    rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
    close(fd);
    return rc;
}
