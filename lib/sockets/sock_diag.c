/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sockets from NETLINK_SOCK_DIAG (inet_diag): one dump request per protocol and family,
 * asking the kernel only for the states wanted (a LISTEN-only TCP dump never walks the
 * established table) and, for one port, with a bytecode filter on the local port. TCP of
 * both families comes from one request (one walk of the kernel's table), with one request
 * per family, on two threads, where the kernel refuses it.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "sock_int.h"

#define RECV_BUF (256u << 10)

/* A request: header, then an inet_diag_req_v2 (or, for the one-walk TCP dump of both
 * families, the older inet_diag_req), then the optional port filter. */
struct diag_req {
    struct nlmsghdr nlh;
    union {
        struct inet_diag_req_v2 v2;
        struct inet_diag_req v1;
    } r;
    struct nlattr bc_attr;
    struct inet_diag_bc_op bc[4]; /* sport >= P && sport <= P */
};

/* Fills the bytecode for "local port == port": two comparisons, 16 bytes. A failed
 * comparison jumps 4 bytes past the end, which the kernel reads as "reject". */
static void
port_filter(struct inet_diag_bc_op *bc, unsigned port)
{
    memset(bc, 0, 4 * sizeof(*bc));
    bc[0].code = INET_DIAG_BC_S_GE;
    bc[0].yes = 8;
    bc[0].no = 16 + 4;
    bc[1].no = (unsigned short)port;
    bc[2].code = INET_DIAG_BC_S_LE;
    bc[2].yes = 8;
    bc[2].no = 8 + 4;
    bc[3].no = (unsigned short)port;
}

bool
pk__diag_decode(const void *msg, size_t len, unsigned proto, struct pk_sock *s)
{
    const struct nlmsghdr *h = msg;
    if (len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)) || h->nlmsg_len > len ||
        h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
        return false;
    const struct inet_diag_msg *m = NLMSG_DATA(h);
    if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
        return false;
    memset(s, 0, sizeof(*s));
    s->proto = proto;
    s->family = m->idiag_family == AF_INET ? 4 : 6;
    s->state = m->idiag_state;
    s->v6only = -1;
    memcpy(s->local, m->id.idiag_src, s->family == 4 ? 4 : 16);
    memcpy(s->remote, m->id.idiag_dst, s->family == 4 ? 4 : 16);
    s->local_port = ntohs(m->id.idiag_sport);
    s->remote_port = ntohs(m->id.idiag_dport);
    s->uid = m->idiag_uid;
    s->ifindex = m->id.idiag_if;
    s->inode = m->idiag_inode;
    s->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
    s->rqueue = m->idiag_rqueue;
    s->wqueue = m->idiag_wqueue;

    /* The attributes follow the aligned message, up to nlmsg_len. */
    size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)));
    size_t left = h->nlmsg_len > off ? h->nlmsg_len - off : 0;
    const char *a = (const char *)m + NLMSG_ALIGN(sizeof(*m));
    while (left >= NLA_HDRLEN) {
        struct nlattr nla;
        memcpy(&nla, a, sizeof(nla));
        if (nla.nla_len < NLA_HDRLEN || nla.nla_len > left)
            break;
        if ((nla.nla_type & NLA_TYPE_MASK) == INET_DIAG_SKV6ONLY && nla.nla_len >= NLA_HDRLEN + 1)
            s->v6only = a[NLA_HDRLEN] ? 1 : 0;
        size_t step = NLA_ALIGN(nla.nla_len);
        if (step >= left)
            break;
        left -= step;
        a += step;
    }
    return true;
}

int
pk__diag_reply(const void *buf, size_t len, uint32_t seq, unsigned proto, const struct pk__sockq *q,
               struct pk_sock_list *out)
{
    const char *p = buf;
    while (len >= NLMSG_HDRLEN) {
        struct nlmsghdr h;
        memcpy(&h, p, sizeof(h));
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
            return PK_EBADMSG; /* a message cut short: the reply can't be trusted */
        if (h.nlmsg_seq == seq) {
            if (h.nlmsg_type == NLMSG_DONE)
                return 1;
            if (h.nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr e;
                if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
                    return PK_EBADMSG;
                memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
                if (e.error == 0)
                    return PK_EIO;
                return e.error < 0 && e.error > -4096 ? e.error : PK_EBADMSG;
            }
            struct pk_sock s;
            if ((h.nlmsg_type == SOCK_DIAG_BY_FAMILY || h.nlmsg_type == TCPDIAG_GETSOCK) &&
                pk__diag_decode(p, h.nlmsg_len, proto, &s) && pk__sock_wanted(q, &s)) {
                int rc = pk__sock_push(out, q->max, &s);
                if (rc < 0)
                    return rc;
            }
        }
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step >= len)
            break;
        len -= step;
        p += step;
    }
    return 0;
}

/*
 * Sends one dump request and appends its answers. family is 4 or 6, or 0 for TCP in both
 * families at once: the older TCPDIAG_GETSOCK request dumps with no family filter, so the
 * kernel walks its connection table once instead of once per family. Returns 0 or a
 * negative pk_errno.
 */
static int
dump(int fd, char *buf, const struct pk__sockq *q, unsigned proto, unsigned family, uint32_t seq,
     struct pk_sock_list *out)
{
    struct diag_req req;
    memset(&req, 0, sizeof(req));
    size_t len = sizeof(req.nlh);
    struct inet_diag_sockid *id;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nlh.nlmsg_seq = seq;
    if (family == 0) {
        req.nlh.nlmsg_type = TCPDIAG_GETSOCK;
        req.r.v1.idiag_family = AF_INET;
        req.r.v1.idiag_states = q->tcp_states;
        id = &req.r.v1.id;
        len += sizeof(req.r.v1);
    } else {
        req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        req.r.v2.sdiag_family = family == 4 ? AF_INET : AF_INET6;
        req.r.v2.sdiag_protocol = proto == PK_TCP ? IPPROTO_TCP : IPPROTO_UDP;
        req.r.v2.idiag_states = proto == PK_TCP ? q->tcp_states : q->udp_states;
        id = &req.r.v2.id;
        len += sizeof(req.r.v2);
    }
    /* IPv6 answers carry INET_DIAG_SKV6ONLY without asking (idiag_ext can't name it). */
    if (q->port >= 0) {
        /* The kernel also matches id.idiag_sport itself when walking listeners and UDP. */
        id->idiag_sport = htons((uint16_t)q->port);
        struct nlattr *attr = (struct nlattr *)((char *)&req + len);
        attr->nla_type = INET_DIAG_REQ_BYTECODE;
        attr->nla_len = (unsigned short)(NLA_HDRLEN + sizeof(req.bc));
        port_filter((struct inet_diag_bc_op *)((char *)attr + NLA_HDRLEN), (unsigned)q->port);
        len += NLA_HDRLEN + sizeof(req.bc);
    }
    req.nlh.nlmsg_len = (uint32_t)len;

    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct iovec iov = {.iov_base = &req, .iov_len = len};
    struct msghdr msg = {
        .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = &iov, .msg_iovlen = 1};
    while (sendmsg(fd, &msg, 0) < 0)
        if (errno != EINTR)
            return -errno;

    for (;;) {
        ssize_t n = recv(fd, buf, RECV_BUF, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return PK_EIO;
        int rc = pk__diag_reply(buf, (size_t)n, seq, proto, q, out);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
}

/* Dumps of one family (0: TCP of both), for the protocols in protos, on a netlink socket of
 * their own. */
struct family_job {
    const struct pk__sockq *q;
    unsigned family;
    unsigned protos;
    struct pk_sock_list list;
    int rc;
};

/* Runs the dumps of job. Returns NULL (a thread function). */
static void *
family_dumps(void *arg)
{
    static const unsigned protos[] = {PK_TCP, PK_UDP};
    struct family_job *job = arg;
    char *buf = NULL;
    job->rc = 0;
    if (!(job->protos & (PK_TCP | PK_UDP)))
        return NULL; /* nothing asked of this family (a TCP-only query's UDP jobs) */
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        job->rc = -errno;
        return NULL;
    }
    buf = malloc(RECV_BUF);
    if (!buf) {
        job->rc = PK_ENOMEM;
        goto out;
    }
    uint32_t seq = (uint32_t)time(NULL) + job->family * 16;
    for (size_t i = 0; i < 2 && job->rc == 0; i++)
        if (job->protos & protos[i])
            job->rc = dump(fd, buf, job->q, protos[i], job->family, ++seq, &job->list);
out:
    free(buf);
    close(fd);
    return NULL;
}

/* Appends the sockets of the jobs to out, within q->max. Returns 0 or PK_ENOBUFS. */
static int
merge(const struct pk__sockq *q, struct family_job *jobs, size_t n, struct pk_sock_list *out)
{
    int rc = 0;
    for (size_t j = 0; j < n && rc == 0; j++)
        for (size_t i = 0; i < jobs[j].list.n && rc == 0; i++)
            rc = pk__sock_push(out, q->max, &jobs[j].list.socks[i]);
    return rc;
}

int
pk__sock_diag(const struct pk__sockq *q, struct pk_sock_list *out)
{
    bool want4 = q->families & PK_FAM_4, want6 = q->families & PK_FAM_6;
    unsigned tcp = q->protos & PK_TCP;
    int rc = 0;

    /* TCP of both families in one walk of the kernel's table, UDP (cheap) per family. */
    if (want4 && want6 && tcp) {
        struct family_job jobs[3] = {{.q = q, .family = 0, .protos = PK_TCP},
                                     {.q = q, .family = 4, .protos = q->protos & PK_UDP},
                                     {.q = q, .family = 6, .protos = q->protos & PK_UDP}};
        for (size_t j = 0; j < 3; j++)
            family_dumps(&jobs[j]);
        rc = jobs[0].rc ? jobs[0].rc : jobs[1].rc ? jobs[1].rc : jobs[2].rc;
        if (rc == 0)
            rc = merge(q, jobs, 3, out);
        for (size_t j = 0; j < 3; j++)
            free(jobs[j].list.socks);
        /* A kernel without the older request falls through to one dump per family. */
        if (rc == 0 || rc == PK_ENOBUFS || rc == PK_ENOMEM || jobs[0].rc == 0)
            return rc;
        out->n = 0;
    }

    /* One family each: each dump walks the whole table, so the two run side by side. */
    struct family_job v4 = {.q = q, .family = 4, .protos = q->protos},
                      v6 = {.q = q, .family = 6, .protos = q->protos};
    pthread_t tid;
    bool threaded = false;
    if (want4 && want6)
        threaded = pthread_create(&tid, NULL, family_dumps, &v6) == 0;
    if (want4)
        family_dumps(&v4);
    if (threaded)
        pthread_join(tid, NULL);
    else if (want6)
        family_dumps(&v6);
    rc = v4.rc ? v4.rc : v6.rc;
    if (rc == 0) {
        struct family_job jobs[2] = {v4, v6};
        rc = merge(q, jobs, 2, out);
    }
    free(v4.list.socks);
    free(v6.list.socks);
    return rc;
}
