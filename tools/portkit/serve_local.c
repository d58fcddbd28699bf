/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * This host's sockets for portkit serve (struct web_local): a snapshot of the listening
 * sockets, read again when a request finds it older than SNAPSHOT_MS, from which the pages
 * learn whether what they show changed (a signature); the port page's "here" section, /local
 * and /api/listening are rendered from it with the owners looked up then.
 *
 * Everything goes through the socket view of the output layer (portkit/sockout.h), as portkit
 * ls and the command's port pages do: /api/port/N holds exactly the "here" of portkit --json
 * N, and the HTML tables are the ls table's rows (pk_out_sockview_html()).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "serve.h"
#include "sock.h"

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
        .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
        .udp_states = PK_SS_BIT(PK_SS_CLOSE),
    };
    sock_query_host(l->cli, &q);
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
gather(struct serve_local *l, long port, unsigned protos, struct pk_sockview *v)
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
    /* The host's policy was read before the threads started: it is only read here. */
    if (rc == 0)
        rc = pk_sockview_finish(v, l->cli->procroot, 0, &l->cli->host);
    if (rc < 0)
        pk_sockview_free(v);
    return rc;
}

static void
here(void *arg, unsigned port, unsigned protos, const struct pk_out *o, enum pk_page_format fmt)
{
    struct serve_local *l = arg;
    struct pk_sockview v;
    protos &= PK_TCP | PK_UDP;
    if (!protos || port == 0 || fmt == PK_PAGE_TEXT)
        return; /* port 0 is never held: no section (as portkit PORT) */
    int rc = gather(l, port, protos, &v);
    if (fmt == PK_PAGE_JSON)
        pk_out_here_json(o, &v, rc);
    else
        pk_out_here_html(o, &v, port, rc);
    pk_sockview_free(&v);
}

static void
listening_html(void *arg, const struct pk_out *o)
{
    struct serve_local *l = arg;
    struct pk_sockview v;
    int rc = gather(l, -1, PK_TCP | PK_UDP, &v);
    if (rc < 0) {
        pk_buf_printf(o->b, "<p class=\"error\">The socket table is unreadable (%s).</p>\n",
                      pk_strerror(rc));
        return;
    }
    pk_buf_puts(o->b, "<div class=\"table\">");
    pk_out_sockview_html(o, &v);
    pk_buf_puts(o->b, "</div>\n");
    pk_sockview_free(&v);
}

static void
listening_json(void *arg, const struct pk_out *o)
{
    struct serve_local *l = arg;
    struct pk_sockview v;
    int rc = gather(l, -1, PK_TCP | PK_UDP, &v);
    if (rc < 0) {
        pk_out_error_json(o, "/api/listening", 14, rc, pk_strerror(rc));
        return;
    }
    pk_out_sockview_json(o, &v);
    pk_sockview_free(&v);
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
