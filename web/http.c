/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP side of portkit serve, on libmicrohttpd in epoll mode (a pool of threads per
 * listening socket): the checks every request passes (method, target length, Host), the
 * static assets, the route's response from the cache or freshly made, and the limits that
 * keep slow clients from starving others. libmicrohttpd bounds connections in total and per
 * address, the size of request line and headers, and idle time; its idle timeout restarts
 * with every byte, so a client that trickles its headers is cut by our own deadline: every
 * connection is listed, in order of the time its request headers are due, from its start
 * (or the end of its previous request) until they are complete, and a reaper thread shuts
 * down those past due.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "portkit/error.h"
#include "portkit/version.h"
#include "web_int.h"

/* One connection, listed from its start to its end. due_ms is when its request headers
 * are due (0 while a request is being answered): written by the connection's thread
 * without the lock, read by the reaper. */
struct web_track {
    struct web_track *prev, *next;
    int fd;
    _Atomic uint64_t due_ms;
};

uint64_t
web_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* libmicrohttpd's connection start and end: the deadline of the first request starts. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct web_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct web_track *t = calloc(1, sizeof(*t));
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!t || !ci) {
            free(t);
            return; /* untracked: libmicrohttpd's idle timeout still applies */
        }
        t->fd = ci->connect_fd;
        t->due_ms = web_now_ms() + s->cfg.header_ms;
        pthread_mutex_lock(&s->mu);
        t->next = s->head;
        if (s->head)
            s->head->prev = t;
        s->head = t;
        pthread_mutex_unlock(&s->mu);
        *socket_context = t;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct web_track *t = *socket_context;
        pthread_mutex_lock(&s->mu);
        if (t->prev)
            t->prev->next = t->next;
        else
            s->head = t->next;
        if (t->next)
            t->next->prev = t->prev;
        pthread_mutex_unlock(&s->mu);
        free(t);
        *socket_context = NULL;
    }
}

/* Returns the tracking record of conn, or NULL. */
static struct web_track *
track_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* A request is done: the next one on the same connection has its own deadline. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct web_server *s = cls;
    struct web_track *t = track_of(conn);
    (void)con_cls;
    if (t && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        t->due_ms = web_now_ms() + s->cfg.header_ms;
}

/* The reaper: shuts down the connections whose headers are past due, a walk over the
 * connections every tick. The socket stays open (libmicrohttpd closes it after telling
 * on_connection(), which takes the lock held here), so the descriptor cannot be another's
 * meanwhile. */
static void *
reaper(void *arg)
{
    struct web_server *s = arg;
    unsigned tick = s->cfg.header_ms / 4 < 250 ? s->cfg.header_ms / 4 + 1 : 250;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        uint64_t now = web_now_ms();
        for (struct web_track *t = s->head; t; t = t->next) {
            uint64_t due = t->due_ms;
            if (due && due <= now) {
                t->due_ms = 0;
                shutdown(t->fd, SHUT_RDWR);
                s->reaped++;
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)tick * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Queues a small response made for this request only (errors, fresh routes). */
static int
answer_fresh(struct web_server *s, struct MHD_Connection *conn, struct web_reply *r, const char *cc)
{
    return web_cache_put_answer(s->cache, "", 0, false, cc, r, conn, false, NULL);
}

/* Fills r with a plain error page for the checks made before any route. */
static void
check_failed(const struct web_req *rq, unsigned status, const char *title, const char *text,
             struct web_reply *r)
{
    struct pk_buf body;
    pk_buf_init(&body, 1u << 16);
    pk_buf_printf(&body, "<h1>%s</h1>\n<p class=\"error\">%s</p>\n", title, text);
    web_page(rq, r, status, title, NULL, &body);
    pk_buf_free(&body);
}

/* The cache key of a route's request: the path and the query arguments the route reads. */
static bool
cache_key(const struct web_req *rq, const struct web_route *rt, struct pk_buf *key)
{
    pk_buf_puts(key, rq->path);
    for (size_t i = 0; i < sizeof(rt->args) / sizeof(rt->args[0]) && rt->args[i]; i++) {
        const char *v = web_arg(rq, rt->args[i]);
        if (v)
            pk_buf_printf(key, "\x01%s=%s", rt->args[i], v);
    }
    return !key->err;
}

/* Answers a request for /static/NAME from the responses made at start. */
static int
answer_static(struct web_server *s, const struct web_req *rq, const char *name, bool gzip,
              const char *inm)
{
    for (size_t i = 0; web_statics[i].name; i++) {
        if (strcmp(web_statics[i].name, name) != 0)
            continue;
        if (web_etag_match(inm, web_statics[i].etag)) {
            struct MHD_Response *r =
                MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
            if (!r)
                return MHD_NO;
            MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, web_statics[i].etag);
            web_common_headers(r, NULL);
            int rc = MHD_queue_response(rq->conn, MHD_HTTP_NOT_MODIFIED, r);
            MHD_destroy_response(r);
            return rc;
        }
        struct MHD_Response *gz = s->statics[2 * i + 1];
        return MHD_queue_response(rq->conn, MHD_HTTP_OK, gzip && gz ? gz : s->statics[2 * i]);
    }
    struct web_reply r = {0};
    web_not_found(rq, 0, name, "no such file", &r);
    return answer_fresh(s, rq->conn, &r, "no-store");
}

/* Every request: checks, then the static file or the route. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct web_server *s = cls;
    struct web_req rq = {s, conn, url};
    struct web_reply r = {0};
    static char seen; /* *con_cls of a request whose headers are in */
    (void)version, (void)upload;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!*con_cls) {
        /* The headers are complete: off the deadline list. A GET is answered on the next
         * call, when libmicrohttpd knows no body follows and can keep the connection. */
        struct web_track *t = track_of(conn);
        if (t)
            t->due_ms = 0;
        *con_cls = &seen;
        if (get)
            return MHD_YES;
    }
    if (!get) {
        check_failed(&rq, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
                     "This server answers GET and HEAD only.", &r);
        r.allow = "GET, HEAD";
        *upload_size = 0;
        return (enum MHD_Result)answer_fresh(s, conn, &r, "no-store");
    }
    if (*upload_size) {
        *upload_size = 0; /* a GET with a body: the body is ignored */
        return MHD_YES;
    }
    if (strlen(url) > WEB_URL_MAX) {
        check_failed(&rq, MHD_HTTP_URI_TOO_LONG, "URI too long",
                     "The request target is longer than this server reads.", &r);
        return (enum MHD_Result)answer_fresh(s, conn, &r, "no-store");
    }
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    if (s->cfg.local && host && !web_loopback_host(host)) {
        /* DNS rebinding: a page of another site, resolved to 127.0.0.1, asking. */
        check_failed(&rq, MHD_HTTP_MISDIRECTED_REQUEST, "Misdirected request",
                     "This server answers requests for localhost, 127.0.0.1 and [::1] only.", &r);
        return (enum MHD_Result)answer_fresh(s, conn, &r, "no-store");
    }
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    bool gzip = web_accepts_gzip(ae);
    if (strncmp(url, "/static/", 8) == 0)
        return (enum MHD_Result)answer_static(s, &rq, url + 8, gzip, inm);
    const char *rest = "";
    const struct web_route *rt = web_route_find(url, &rest);
    if (!rt || ((rt->flags & R_LOCAL) && !s->cfg.local)) {
        web_not_found(&rq, rt ? rt->flags : (strncmp(url, "/api/", 5) == 0 ? R_JSON : 0), url,
                      rt ? "not served: this server was started with --public" : "no such page",
                      &r);
        return (enum MHD_Result)answer_fresh(s, conn, &r, "no-store");
    }
    uint64_t sig = 0;
    bool of_host = rt->sig && s->cfg.local && rt->sig(&rq, rest, &sig);
    bool fresh = rt->flags & R_FRESH;
    /* A page showing this host's sockets is checked again every time (no-cache, ETag). */
    const char *cc = fresh ? "no-store" : of_host ? "no-cache" : "public, max-age=3600";
    /* The key on the stack: with cap one over max the buffer never grows (never realloc'd). */
    char kbuf[WEB_URL_MAX * 2 + 64];
    struct pk_buf key = {.data = kbuf, .cap = sizeof(kbuf), .max = sizeof(kbuf) - 1};
    kbuf[0] = '\0';
    int rc = -1;
    if (!fresh && cache_key(&rq, rt, &key))
        rc = web_cache_answer(s->cache, key.data, sig, conn, gzip, inm);
    if (rc < 0) {
        rt->render(&rq, rest, &r);
        if (r.body.err) {
            pk_buf_free(&r.body);
            r = (struct web_reply){0};
            check_failed(&rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal error",
                         "The response could not be made (out of memory or too large).", &r);
            fresh = true;
            cc = "no-store";
        }
        rc = web_cache_put_answer(s->cache, key.data, sig, !fresh && !key.err, cc, &r, conn, gzip,
                                  inm);
    }
    pk_buf_free(&r.body);
    return (enum MHD_Result)rc;
}

/* Makes the responses of the static assets, once. Returns 0 or PK_ENOMEM. */
static int
make_statics(struct web_server *s)
{
    s->statics = calloc(2 * (web_nstatics + 1), sizeof(*s->statics));
    if (!s->statics)
        return PK_ENOMEM;
    for (size_t i = 0; web_statics[i].name; i++) {
        const struct web_asset *a = &web_statics[i];
        for (int gz = 0; gz < 2; gz++) {
            if (gz && !a->gz)
                continue;
            struct MHD_Response *r = MHD_create_response_from_buffer(
                gz ? a->gzlen : a->len, (void *)(gz ? a->gz : a->data), MHD_RESPMEM_PERSISTENT);
            if (!r)
                return PK_ENOMEM;
            s->statics[2 * i + (size_t)gz] = r;
            /* Pages name assets with ?v=ETAG, so a cached copy never goes stale. */
            bool ok = web_common_headers(r, a->type) &&
                      MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag) == MHD_YES &&
                      MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                                              "public, max-age=86400") == MHD_YES &&
                      (!a->gz || MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
                                                         "Accept-Encoding") == MHD_YES) &&
                      (!gz || MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
                                                      "gzip") == MHD_YES);
            if (!ok)
                return PK_ENOMEM;
        }
    }
    return 0;
}

const struct web_asset *
web_asset_find(const struct web_asset *t, const char *name)
{
    for (size_t i = 0; t[i].name; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

void
web_stop(struct web_server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nd; i++)
        MHD_stop_daemon(s->d[i]); /* closes its listening socket */
    if (s->reaper_started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->reaper, NULL);
    }
    for (size_t i = 0; s->statics && i < 2 * web_nstatics; i++)
        if (s->statics[i])
            MHD_destroy_response(s->statics[i]);
    free(s->statics);
    web_cache_free(s->cache);
    free(s->map);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int
web_start(const struct web_config *cfg, const int *fds, size_t nfds, struct web_server **out,
          char *err, size_t errlen)
{
    struct web_server *s = calloc(1, sizeof(*s));
    pthread_condattr_t ca;
    int rc = PK_ENOMEM;
    if (!s || nfds == 0 || nfds > WEB_MAX_FDS) {
        snprintf(err, errlen, "%s", s ? "1 to 16 listening sockets" : pk_strerror(PK_ENOMEM));
        for (size_t i = 0; i < nfds; i++)
            close(fds[i]);
        free(s);
        return s ? PK_EINVAL : PK_ENOMEM;
    }
    s->cfg = *cfg;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    struct pk_registry_info info;
    pk_registry_info(cfg->reg, &info);
    snprintf(s->registry, sizeof(s->registry), "%zu records, %zu notes%s%.20s", info.records,
             info.notes, *info.date ? ", IANA data of " : "", info.date);
    if (web_cache_new(cfg->cache_entries, cfg->cache_bytes, &s->cache) < 0 || make_statics(s) < 0 ||
        web_map_build(s) < 0) {
        snprintf(err, errlen, "%s", pk_strerror(PK_ENOMEM));
        goto fail;
    }
    if (pthread_create(&s->reaper, NULL, reaper, s) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        goto fail;
    }
    s->reaper_started = true;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
    for (size_t i = 0; i < nfds; i++) {
        s->d[i] = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fds[i],
            MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_client, MHD_OPTION_CONNECTION_TIMEOUT,
            cfg->idle_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(2 * WEB_HEADERS_MAX),
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, s, MHD_OPTION_END);
        if (!s->d[i]) {
            snprintf(err, errlen, "libmicrohttpd would not start on listening socket %zu", i);
            rc = PK_EINVAL;
            for (size_t k = i; k < nfds; k++)
                close(fds[k]);
            goto fail;
        }
        s->nd++;
    }
    *out = s;
    return 0;
fail:
    web_stop(s);
    return rc;
}
