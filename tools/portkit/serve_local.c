/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * This host's sockets for portkit serve (struct web_local): a snapshot of the listening
 * sockets, read again when a request finds it older than SNAPSHOT_MS, from which the pages
 * learn whether what they show changed (a signature); the port page's "here" section, /local
 * and /api/listening are rendered from it with the owners looked up then.
 *
 * JSON goes through the socket view of portkit ls (sockview.h: sv_finish, sv_json_sock), so
 * /api/port/N holds exactly the "here" of portkit --json N. The HTML tables below are the
 * server's own until the socket rows of the output layer (pk_out_sock_html, being written
 * with the socket commands) land; sock_rows_html() is the one place to switch over.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "serve.h"
#include "sockview.h"

#define SNAPSHOT_MS 1000

struct serve_local {
    struct web_local ops;
    struct cli *cli; /* read only while serving: registry, /proc, host policy */
    pthread_rwlock_t mu;
    struct pk_sock_list snap; /* listeners, by port */
    uint64_t at_ms;
    bool loaded;
    int err;
};

static int
by_port(const void *a, const void *b)
{
    const struct pk_sock *x = a, *y = b;
    if (x->local_port != y->local_port)
        return x->local_port < y->local_port ? -1 : 1;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* Reads the listeners again when the snapshot is old (the lock held). */
static void
refresh(struct serve_local *l)
{
    uint64_t now = web_now_ms();
    if (l->loaded && now - l->at_ms < SNAPSHOT_MS)
        return;
    struct pk_sock_query q = {
        .procroot = l->cli->procroot,
        .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
        .udp_states = PK_SS_BIT(PK_SS_CLOSE),
    };
    if (sv_fake_host(l->cli))
        q.flags |= PK_SOCKQ_NO_NETLINK;
    struct pk_sock_list fresh = {0};
    l->err = pk_sock_list(&q, &fresh);
    pk_sock_list_free(&l->snap);
    if (l->err == 0) {
        if (fresh.n)
            qsort(fresh.socks, fresh.n, sizeof(*fresh.socks), by_port);
        l->snap = fresh;
    } else {
        pk_sock_list_free(&fresh);
    }
    l->at_ms = now;
    l->loaded = true;
}

/* Takes the lock for reading with a snapshot no older than SNAPSHOT_MS: many requests read
 * it at once; the one that finds it old reads the sockets again under the write lock. */
static void
lock_fresh(struct serve_local *l)
{
    pthread_rwlock_rdlock(&l->mu);
    if (l->loaded && web_now_ms() - l->at_ms < SNAPSHOT_MS)
        return;
    pthread_rwlock_unlock(&l->mu);
    pthread_rwlock_wrlock(&l->mu);
    refresh(l);
    pthread_rwlock_unlock(&l->mu);
    pthread_rwlock_rdlock(&l->mu);
}

/* Index of the first listener on port in the snapshot (the lock held). */
static size_t
first_on(const struct serve_local *l, unsigned port)
{
    size_t lo = 0, hi = l->snap.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->snap.socks[mid].local_port < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t
port_sig(void *arg, unsigned port)
{
    struct serve_local *l = arg;
    uint64_t h = 0xcbf29ce484222325ull;
    size_t n = 0;
    lock_fresh(l);
    h = mix(h, &l->err, sizeof(l->err));
    for (size_t i = first_on(l, port); i < l->snap.n && l->snap.socks[i].local_port == port;
         i++, n++) {
        const struct pk_sock *s = &l->snap.socks[i];
        h = mix(h, &s->proto, sizeof(s->proto));
        h = mix(h, s->local, sizeof(s->local));
        h = mix(h, &s->inode, sizeof(s->inode));
    }
    bool any = n || l->err;
    pthread_rwlock_unlock(&l->mu);
    return any ? h | 1 : 0;
}

static uint64_t
all_sig(void *arg)
{
    struct serve_local *l = arg;
    uint64_t h = 0xcbf29ce484222325ull;
    lock_fresh(l);
    unsigned last = 70000;
    for (size_t i = 0; i < l->snap.n; i++)
        if (l->snap.socks[i].local_port != last) {
            last = l->snap.socks[i].local_port;
            h = mix(h, &last, sizeof(last));
        }
    pthread_rwlock_unlock(&l->mu);
    return h;
}

static void
listening_bits(void *arg, uint8_t *map, uint8_t bit)
{
    struct serve_local *l = arg;
    lock_fresh(l);
    for (size_t i = 0; i < l->snap.n; i++)
        map[l->snap.socks[i].local_port] |= bit;
    pthread_rwlock_unlock(&l->mu);
}

/* Copies the listeners of port (every port when port < 0) over protos into v and finds
 * their owners. Returns 0, or the error of the socket table (v is then empty). */
static int
gather(struct serve_local *l, long port, unsigned protos, struct sockview *v)
{
    memset(v, 0, sizeof(*v));
    lock_fresh(l);
    int rc = l->err;
    size_t i = port < 0 ? 0 : first_on(l, (unsigned)port);
    for (; rc == 0 && i < l->snap.n; i++) {
        const struct pk_sock *s = &l->snap.socks[i];
        if (port >= 0 && s->local_port != port)
            break;
        if (s->proto & protos)
            rc = pk_sock_list_push(&v->list, s);
    }
    pthread_rwlock_unlock(&l->mu);
    if (rc == 0 && sv_finish(l->cli, false, v) != 0)
        rc = PK_ENOMEM;
    if (rc < 0)
        sv_free(v);
    return rc;
}

/* The socket table of a page: one row per socket, its holders in one cell. (To be the
 * output layer's socket rows when they land.) */
static void
sock_rows_html(struct serve_local *l, const struct pk_out *o, struct sockview *v, bool ports)
{
    struct pk_buf *b = o->b;
    char addr[64];
    pk_buf_printf(b,
                  "<div class=\"table\"><table class=\"local\"><thead><tr><th>Protocol</th>"
                  "<th>Address</th>%s<th>Process</th><th>User</th><th>Unit</th></tr></thead>"
                  "<tbody>\n",
                  ports ? "<th>Port</th><th>Service</th>" : "");
    for (size_t k = 0; k < v->list.n; k++) {
        const struct pk_sock *s = &v->list.socks[v->order[k]];
        pk_sock_addr_str(s, false, addr, sizeof(addr));
        pk_buf_printf(b, "<tr><td>%s</td><td>%s%s%s</td>", pk_proto_name(s->proto),
                      s->family == 6 ? "[" : "", addr, s->family == 6 ? "]" : "");
        if (ports) {
            const char *svc = sv_service(l->cli, s->local_port, s->proto);
            pk_buf_printf(b, "<td><a href=\"/port/%u\">%u</a></td><td>", s->local_port,
                          s->local_port);
            pk_buf_html_str(b, svc ? svc : "-");
            pk_buf_puts(b, "</td>");
        }
        size_t first = 0, cnt = s->inode ? pk_owners_of(&v->owners, s->inode, &first) : 0;
        pk_buf_puts(b, "<td>");
        const char *user = NULL, *unit = "";
        for (size_t i = 0; i < cnt; i++) {
            const struct pk_proc_info *p = &v->owners.procs[v->owners.refs[first + i].proc];
            pk_buf_printf(b, "%s%d ", i ? "<br>" : "", p->pid);
            pk_buf_html_str(b, p->comm[0] ? p->comm : "?");
            user = p->user[0] ? p->user : user;
            unit = p->unit[0] ? p->unit : p->container[0] ? p->container : unit;
        }
        if (cnt == 0) {
            enum pk_owner_status st =
                v->owners_err ? PK_OWNER_DENIED : pk_owners_status(&v->owners, s);
            pk_buf_puts(b, st == PK_OWNER_DENIED    ? "(permission denied: run as root)"
                           : st == PK_OWNER_NO_FILE ? "(no process holds it)"
                                                    : "(another PID namespace)");
            user = s->inode ? pk_users_name(&v->owners.users, s->uid) : NULL;
        }
        pk_buf_puts(b, "</td><td>");
        pk_buf_html_str(b, user ? user : "-");
        pk_buf_puts(b, "</td><td>");
        pk_buf_html_str(b, *unit ? unit : "-");
        pk_buf_puts(b, "</td></tr>\n");
    }
    pk_buf_puts(b, "</tbody></table></div>\n");
}

static void
here(void *arg, unsigned port, unsigned protos, const struct pk_out *o, enum pk_page_format fmt)
{
    struct serve_local *l = arg;
    struct sockview v;
    protos &= PK_TCP | PK_UDP;
    if (!protos || port == 0 || fmt == PK_PAGE_TEXT)
        return; /* port 0 is never held: no section (as portkit PORT) */
    int rc = gather(l, port, protos, &v);
    if (fmt == PK_PAGE_JSON) {
        struct pk_json j;
        pk_json_init(&j, o->b);
        pk_json_key(&j, "here");
        if (rc < 0) {
            pk_json_val_null(&j);
            pk_json_key_str(&j, "here_error", pk_strerror(rc));
            return;
        }
        pk_json_arr_begin(&j);
        for (size_t i = 0; i < v.list.n; i++)
            sv_json_sock(l->cli, &j, &v, v.order[i]);
        pk_json_arr_end(&j);
    } else {
        pk_buf_puts(o->b, "<section class=\"here\" id=\"here\"><h2>Here, now</h2>\n");
        if (rc < 0)
            pk_buf_printf(o->b, "<p>The socket table is unreadable (%s).</p>\n", pk_strerror(rc));
        else if (v.list.n == 0)
            pk_buf_printf(o->b, "<p>Nothing listens on port %u on this host.</p>\n", port);
        else {
            pk_buf_printf(o->b, "<p>Listening on port %u on this host now:</p>\n", port);
            sock_rows_html(l, o, &v, false);
        }
        pk_buf_puts(o->b, "</section>\n");
    }
    if (rc == 0)
        sv_free(&v);
}

static void
listening_html(void *arg, const struct pk_out *o)
{
    struct serve_local *l = arg;
    struct sockview v;
    int rc = gather(l, -1, PK_TCP | PK_UDP, &v);
    if (rc < 0) {
        pk_buf_printf(o->b, "<p class=\"error\">The socket table is unreadable (%s).</p>\n",
                      pk_strerror(rc));
        return;
    }
    sock_rows_html(l, o, &v, true);
    sv_free(&v);
}

static void
listening_json(void *arg, const struct pk_out *o)
{
    struct serve_local *l = arg;
    struct sockview v;
    int rc = gather(l, -1, PK_TCP | PK_UDP, &v);
    if (rc < 0) {
        pk_out_error_json(o, "/api/listening", 14, rc, pk_strerror(rc));
        return;
    }
    struct pk_json j;
    pk_json_init(&j, o->b);
    pk_json_arr_begin(&j);
    for (size_t i = 0; i < v.list.n; i++)
        sv_json_sock(l->cli, &j, &v, v.order[i]);
    pk_json_arr_end(&j);
    sv_free(&v);
}

struct serve_local *
serve_local_new(struct cli *cli)
{
    struct serve_local *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    cli_host(cli); /* read now: the threads only read it */
    l->cli = cli;
    pthread_rwlock_init(&l->mu, NULL);
    l->ops = (struct web_local){
        .arg = l,
        .port_sig = port_sig,
        .all_sig = all_sig,
        .here = here,
        .listening_html = listening_html,
        .listening_json = listening_json,
        .listening_bits = listening_bits,
    };
    return l;
}

const struct web_local *
serve_local_ops(const struct serve_local *l)
{
    return &l->ops;
}

void
serve_local_free(struct serve_local *l)
{
    if (!l)
        return;
    pk_sock_list_free(&l->snap);
    pthread_rwlock_destroy(&l->mu);
    free(l);
}
