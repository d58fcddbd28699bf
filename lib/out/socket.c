/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The socket view (a socket list, its owners, display order) and a socket as JSON. The text
 * table and HTML rows are in socket_text.c.
 */
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "sock_int.h"

#define PROC_JSON_MAX (64u << 10) /* the JSON of one process: its command line is at most 4 KiB */

/* Display order: protocol, port, listeners first, family, address, peer. (qsort_r) */
static int
cmp_sock(const void *a, const void *b, void *base)
{
    const struct pk_sock *socks = base;
    const struct pk_sock *x = &socks[*(const size_t *)a], *y = &socks[*(const size_t *)b];
    int d;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->local_port != y->local_port)
        return x->local_port < y->local_port ? -1 : 1;
    bool lx = pk_sock_is_listener(x), ly = pk_sock_is_listener(y);
    if (lx != ly)
        return lx ? -1 : 1;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    if ((d = memcmp(x->local, y->local, 16)) != 0)
        return d;
    if ((d = memcmp(x->remote, y->remote, 16)) != 0)
        return d;
    if (x->remote_port != y->remote_port)
        return x->remote_port < y->remote_port ? -1 : 1;
    return x->inode < y->inode ? -1 : x->inode > y->inode;
}

int
pk_sockview_finish(struct pk_sockview *v, const char *procroot, unsigned flags,
                   const struct pk_port_policy *pol)
{
    size_t n = v->list.n ? v->list.n : 1;
    int rc = PK_ENOMEM;
    uint64_t *inodes = malloc(n * sizeof(*inodes));
    v->policy = pol;
    v->order = malloc(n * sizeof(*v->order));
    v->group = malloc(n * sizeof(*v->group));
    v->listening = calloc(1, sizeof(*v->listening));
    if (!inodes || !v->order || !v->group || !v->listening ||
        pk_sock_groups(&v->list, v->group, NULL) < 0)
        goto out;
    for (size_t i = 0; i < v->list.n; i++) {
        v->order[i] = i;
        inodes[i] = v->list.socks[i].inode;
    }
    qsort_r(v->order, v->list.n, sizeof(*v->order), cmp_sock, v->list.socks);
    pk_sock_listening(&v->list, v->listening);
    if (!(flags & PK_SV_NO_OWNERS) && v->list.n) {
        int err = pk_owners_find(procroot, inodes, v->list.n, 0, &v->owners);
        if (err == PK_ENOMEM)
            goto out;
        v->owners_err = err < 0 ? err : 0;
    }
    rc = 0;
out:
    free(inodes);
    return rc;
}

int
pk_sockview_gather(struct pk_sockview *v, const struct pk_sock_query *q, unsigned flags,
                   const struct pk_port_policy *pol)
{
    memset(v, 0, sizeof(*v));
    int rc = pk_sock_list(q, &v->list);
    if (rc < 0)
        return rc;
    rc = pk_sockview_finish(v, q->procroot, flags, pol);
    if (rc < 0)
        pk_sockview_free(v);
    return rc;
}

void
pk_sockview_free(struct pk_sockview *v)
{
    struct pk__sockview_cache *c = v->cache;
    if (c) {
        for (size_t k = 0; c->json && k < v->owners.nprocs; k++)
            free(c->json[k]);
        free(c->json);
        free(c->json_len);
        free(c->cells);
        free(c);
    }
    pk_sock_list_free(&v->list);
    pk_owners_free(&v->owners);
    free(v->order);
    free(v->group);
    free(v->listening);
    memset(v, 0, sizeof(*v));
}

struct pk__sockview_cache *
pk__sockview_cache(struct pk_sockview *v)
{
    if (v->cache)
        return v->cache;
    struct pk__sockview_cache *c = calloc(1, sizeof(*c));
    size_t n = v->owners.nprocs ? v->owners.nprocs : 1;
    if (!c)
        return NULL;
    c->cells = malloc(n * sizeof(*c->cells));
    c->json = calloc(n, sizeof(*c->json));
    c->json_len = calloc(n, sizeof(*c->json_len));
    if (!c->cells || !c->json || !c->json_len) {
        free(c->cells);
        free(c->json);
        free(c->json_len);
        free(c);
        return NULL;
    }
    for (size_t k = 0; k < v->owners.nprocs; k++)
        c->cells[k][0] = PK__CELLS_UNSET;
    return v->cache = c;
}

size_t
pk_sockview_next(const struct pk_sockview *v, size_t pos)
{
    if (pos >= v->list.n)
        return v->list.n;
    const struct pk_sock *s = &v->list.socks[v->order[pos]];
    size_t j = pos + 1;
    while (pk_sock_is_listener(s) && j < v->list.n) {
        const struct pk_sock *o = &v->list.socks[v->order[j]];
        if (!pk_sock_is_listener(o) || o->proto != s->proto || o->family != s->family ||
            o->local_port != s->local_port || memcmp(o->local, s->local, 16) != 0)
            break;
        j++;
    }
    return j;
}

const char *
pk__sock_unknown(const struct pk_sockview *v, const struct pk_sock *s, size_t nowners, bool brief)
{
    if (nowners)
        return NULL;
    if (s->state == PK_SS_TIME_WAIT)
        return brief ? "(time-wait)" : "TIME-WAIT: closed, no process holds it";
    if (s->state == PK_SS_SYN_RECV || s->state == PK_SS_NEW_SYN_RECV)
        return brief ? "(not accepted yet)"
                     : "handshake in progress: not yet accepted by a process";
    if (s->inode == 0 && (s->state == PK_SS_ESTABLISHED || s->state == PK_SS_CLOSE_WAIT))
        return brief ? "(not accepted yet)"
                     : "in a listener's queue: not yet accepted by a process";
    if (s->inode == 0)
        return brief ? "(orphaned)" : "orphaned: closed by its process, the kernel finishes it";
    if (v->owners_err)
        return brief ? "(unreadable /proc)" : "process table unreadable";
    if (pk_owners_status(&v->owners, s) == PK_OWNER_DENIED)
        return brief ? "(permission denied)"
                     : "permission denied: run as root to see the process holding it";
    return brief ? "(other PID namespace)"
                 : "no process in this PID namespace holds it (another namespace or the kernel)";
}

unsigned
pk__sock_service_port(const struct pk_sockview *v, const struct pk_sock *s)
{
    return pk_sock_service_end(s, v->listening, v->policy) == PK_END_LOCAL ? s->local_port
                                                                           : s->remote_port;
}

const char *
pk__sock_service(const struct pk_out *o, const struct pk_sockview *v, const struct pk_sock *s)
{
    return pk_service_name(o->reg, pk__sock_service_port(v, s), s->proto);
}

const char *
pk__sock_warning(const struct pk_out *o, const struct pk_sock *s)
{
    if (pk_sock_is_listener(s) && s->local_port > 0 && s->local_port < 1024 &&
        pk_status_of(o->reg, s->local_port, s->proto) != PK_ASSIGNED)
        return "system port with no IANA assignment";
    return NULL;
}

const char *
pk__sock_scope(const struct pk_sock *s)
{
    if (pk_sock_is_wildcard(s))
        return "all interfaces";
    if (pk_sock_is_loopback(s))
        return "loopback only";
    return NULL;
}

void
pk__sock_endpoint(struct pk_buf *b, const struct pk_sock *s, bool remote)
{
    char a[64];
    /* No printf: ls --all writes this 40,000 times. */
    pk_sock_addr_str(s, remote, a, sizeof(a));
    if (s->family == 6)
        pk_buf_putc(b, '[');
    pk_buf_puts(b, a);
    pk_buf_puts(b, s->family == 6 ? "]:" : ":");
    pk_buf_putu(b, remote ? s->remote_port : s->local_port);
}

/* ---- JSON ---- */

/* Writes the members of process p after "fd" (",\"command\":..."), each string escaped. */
static void
proc_members(struct pk_buf *b, const struct pk_proc_info *p)
{
    pk_buf_puts(b, ",\"command\":");
    pk_buf_json_str(b, p->comm);
    pk_buf_puts(b, ",\"cmdline\":");
    pk_buf_json_str(b, p->cmdline ? p->cmdline : "");
    pk_buf_puts(b, ",\"user\":");
    if (p->user[0])
        pk_buf_json_str(b, p->user);
    else
        pk_buf_puts(b, "null");
    pk_buf_puts(b, ",\"uid\":");
    if (p->uid_known)
        pk_buf_putu(b, p->uid);
    else
        pk_buf_puts(b, "null");
    if (p->unit[0]) {
        pk_buf_puts(b, ",\"unit\":");
        pk_buf_json_str(b, p->unit);
    }
    if (p->container[0]) {
        pk_buf_puts(b, ",\"container\":");
        pk_buf_json_str(b, p->container);
    }
}

/* Appends the members of process k after "fd": escaped once per view, for a process that
 * holds thousands of sockets. */
static void
proc_members_cached(struct pk_buf *b, struct pk_sockview *v, uint32_t k)
{
    const struct pk_proc_info *p = &v->owners.procs[k];
    struct pk__sockview_cache *c = pk__sockview_cache(v);
    if (c && !c->json[k]) {
        struct pk_buf t;
        pk_buf_init(&t, PROC_JSON_MAX);
        proc_members(&t, p);
        if (!t.err && t.data) {
            c->json[k] = t.data;
            c->json_len[k] = (uint32_t)t.len;
        } else {
            pk_buf_free(&t);
        }
    }
    if (c && c->json[k])
        pk_buf_put(b, c->json[k], c->json_len[k]);
    else
        proc_members(b, p);
}

#define PUT(b, lit) pk_buf_put((b), (lit), sizeof(lit) - 1)

/* Appends one end of s as {"address":...,"port":...}: an address inet_ntop wrote needs no
 * escaping. */
static void
endpoint_json(struct pk_buf *b, const struct pk_sock *s, bool remote)
{
    char a[64];
    PUT(b, "{\"address\":\"");
    pk_buf_puts(b, pk_sock_addr_str(s, remote, a, sizeof(a)));
    PUT(b, "\",\"port\":");
    pk_buf_putu(b, remote ? s->remote_port : s->local_port);
    pk_buf_putc(b, '}');
}

/* Appends a string member's value: the string escaped, or null. */
static void
str_or_null(struct pk_buf *b, const char *s)
{
    if (s)
        pk_buf_json_str(b, s);
    else
        PUT(b, "null");
}

/*
 * Appends socket i of v as a JSON object. The hot path of "portkit --json ls --all" (40,000
 * sockets), so written by hand rather than through the JSON writer: fixed keys as literals,
 * the program's own names (protocols, states) as they are, everything else escaped.
 */
static void
socket_json(struct pk_buf *b, const struct pk_out *o, struct pk_sockview *v, size_t i)
{
    const struct pk_sock *s = &v->list.socks[i];
    bool listener = pk_sock_is_listener(s);
    PUT(b, "{\"protocol\":\"");
    pk_buf_puts(b, pk_proto_name(s->proto));
    if (s->family == 4)
        PUT(b, "\",\"family\":\"ipv4\",\"dual_stack\":");
    else
        PUT(b, "\",\"family\":\"ipv6\",\"dual_stack\":");
    pk_buf_puts(b, pk_sock_is_dual_stack(s) ? "true" : "false");
    PUT(b, ",\"local\":");
    endpoint_json(b, s, false);
    if (!listener) {
        PUT(b, ",\"remote\":");
        endpoint_json(b, s, true);
    }
    PUT(b, ",\"state\":\"");
    pk_buf_puts(b, pk_sock_state_name(s->proto, s->state));
    pk_buf_putc(b, '"');
    if (listener) {
        const char *scope = pk__sock_scope(s);
        pk_buf_puts(b, !scope            ? ",\"scope\":\"address\""
                       : scope[0] == 'a' ? ",\"scope\":\"all\""
                                         : ",\"scope\":\"loopback\"");
    }
    PUT(b, ",\"uid\":");
    pk_buf_putu(b, s->uid);
    /* No file holds a socket of inode 0: the kernel's uid for it names nobody. */
    PUT(b, ",\"user\":");
    str_or_null(b, s->inode ? pk_users_name(&v->owners.users, s->uid) : NULL);
    PUT(b, ",\"inode\":");
    pk_buf_putu(b, s->inode);
    size_t first = 0, cnt = s->inode ? pk_owners_of(&v->owners, s->inode, &first) : 0;
    PUT(b, ",\"processes\":[");
    for (size_t k = 0; k < cnt; k++) {
        const struct pk_owner_ref *ref = &v->owners.refs[first + k];
        if (k)
            pk_buf_putc(b, ',');
        PUT(b, "{\"pid\":");
        pk_buf_putu(b, (unsigned)v->owners.procs[ref->proc].pid);
        PUT(b, ",\"fd\":");
        pk_buf_putu(b, (unsigned)ref->fd);
        proc_members_cached(b, v, ref->proc);
        pk_buf_putc(b, '}');
    }
    pk_buf_putc(b, ']');
    const char *why = pk__sock_unknown(v, s, cnt, false);
    if (why) {
        PUT(b, ",\"owner_unknown\":");
        pk_buf_json_str(b, why);
    }
    PUT(b, ",\"service_port\":");
    pk_buf_putu(b, pk__sock_service_port(v, s));
    PUT(b, ",\"service\":");
    str_or_null(b, pk__sock_service(o, v, s));
    const char *warn = pk__sock_warning(o, s);
    if (warn) {
        PUT(b, ",\"warning\":");
        pk_buf_json_str(b, warn);
    }
    if (v->group[i] > 1) { /* sockets sharing protocol, address and port: SO_REUSEPORT */
        PUT(b, ",\"reuseport_group\":");
        pk_buf_putu(b, v->group[i]);
    }
    pk_buf_putc(b, '}');
}

void
pk_out_socket_json(const struct pk_out *o, struct pk_sockview *v, size_t i)
{
    if (i < v->list.n)
        socket_json(o->b, o, v, i);
}

void
pk__out_sockview(struct pk__json *j, const struct pk_out *o, struct pk_sockview *v)
{
    pk__json_sep(j);
    pk_buf_putc(j->b, '[');
    for (size_t i = 0; i < v->list.n; i++) {
        if (i)
            pk_buf_putc(j->b, ',');
        socket_json(j->b, o, v, v->order[i]);
    }
    pk_buf_putc(j->b, ']');
}

void
pk_out_sockview_json(const struct pk_out *o, struct pk_sockview *v)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__out_sockview(&j, o, v);
}

void
pk_out_here_json(const struct pk_out *o, struct pk_sockview *v, int err)
{
    if (err < 0) {
        PUT(o->b, "\"here\":null,\"here_error\":");
        pk_buf_json_str(o->b, pk_strerror(err));
        return;
    }
    PUT(o->b, "\"here\":");
    pk_out_sockview_json(o, v);
}
