/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Downloading a registry with libcurl (fetch.h). libcurl is opened (dlopen) when portkit
 * update first needs it, not linked: with its TLS, HTTP/2, SSH, LDAP and Kerberos
 * libraries it is 33 shared objects, whose loading would make every other portkit command
 * start 8 ms later.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fetch.h"
#include "portkit/version.h"

/* The functions of libcurl portkit calls, from the library opened by fetch_init(). */
static struct {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *c);
    const char *(*easy_strerror)(CURLcode cc);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} cu;

struct xfer {
    const struct fetch_req *req;
    char *body;
    size_t len, cap;
    bool too_big;
    struct fetch_res *res;
    double last_progress;
    bool progress_shown;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;
    if (x->len + n > FETCH_MAX) {
        x->too_big = true;
        return 0; /* abandons the transfer */
    }
    if (x->len + n > x->cap) {
        size_t cap = x->cap ? x->cap : 64 * 1024;
        while (cap < x->len + n)
            cap *= 2;
        char *p = realloc(x->body, cap < FETCH_MAX ? cap : FETCH_MAX);
        if (!p)
            return 0;
        x->body = p;
        x->cap = cap < FETCH_MAX ? cap : FETCH_MAX;
    }
    memcpy(x->body + x->len, data, n);
    x->len += n;
    return n;
}

/* Keeps value of header name ("ETag: ..."), without its line end, in out. */
static void
take_header(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0)
        return;
    const char *v = line + nl;
    size_t vl = n - nl;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl < cap)
        snprintf(out, cap, "%.*s", (int)vl, v);
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;
    /* A new response (after a redirect): only the last one's validators count. */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0)
        x->res->etag[0] = x->res->last_modified[0] = '\0';
    take_header(line, n, "ETag:", x->res->etag, sizeof(x->res->etag));
    take_header(line, n, "Last-Modified:", x->res->last_modified, sizeof(x->res->last_modified));
    return n;
}

/* The progress line, on a terminal, at most ten times a second; and the stop signal. */
static int
on_progress(void *arg, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
    struct xfer *x = arg;
    (void)ut, (void)un;
    if (x->req->stop && *x->req->stop)
        return 1;
    if (!x->req->progress)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (t - x->last_progress < 0.1 || now == 0)
        return 0;
    x->last_progress = t;
    x->progress_shown = true;
    if (total > 0)
        fprintf(stderr, "\rportkit: update: %lld of %lld KiB ", (long long)now / 1024,
                (long long)total / 1024);
    else
        fprintf(stderr, "\rportkit: update: %lld KiB ", (long long)now / 1024);
    return 0;
}

/* What a failed transfer was, in one line. */
static void
explain(CURLcode cc, const struct xfer *x, const char *errbuf, long timeout, char *why, size_t cap)
{
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(why, cap, "timed out (%s)", *errbuf ? errbuf : "no answer");
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(why, cap, "more than %d redirects", FETCH_REDIRECTS);
        break;
    case CURLE_FILESIZE_EXCEEDED:
        snprintf(why, cap, "larger than %u MiB", FETCH_MAX >> 20);
        break;
    case CURLE_PARTIAL_FILE:
        snprintf(why, cap, "the transfer was cut short after %zu bytes (%s)", x->len, errbuf);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        snprintf(why, cap, "the server's TLS certificate is not trusted (%s)", errbuf);
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        snprintf(why, cap, "interrupted");
        break;
    case CURLE_WRITE_ERROR:
        if (x->too_big) {
            snprintf(why, cap, "larger than %u MiB", FETCH_MAX >> 20);
            break;
        }
        /* fall through */
    default:
        snprintf(why, cap, "%s", *errbuf ? errbuf : cu.easy_strerror(cc));
    }
    (void)timeout;
}

int
fetch_init(char *why, size_t cap)
{
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};
    void *h = NULL;
    for (size_t i = 0; !h && i < sizeof(names) / sizeof(names[0]); i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, cap, "libcurl is not installed (Debian's libcurl4)");
        return -1;
    }
    /* Never closed: libcurl's TLS library may keep handlers registered until exit. */
    struct {
        const char *name;
        void **fn;
    } syms[] = {
        {"curl_global_init", (void **)&cu.global_init},
        {"curl_global_cleanup", (void **)&cu.global_cleanup},
        {"curl_easy_init", (void **)&cu.easy_init},
        {"curl_easy_setopt", (void **)&cu.easy_setopt},
        {"curl_easy_perform", (void **)&cu.easy_perform},
        {"curl_easy_getinfo", (void **)&cu.easy_getinfo},
        {"curl_easy_cleanup", (void **)&cu.easy_cleanup},
        {"curl_easy_strerror", (void **)&cu.easy_strerror},
        {"curl_slist_append", (void **)&cu.slist_append},
        {"curl_slist_free_all", (void **)&cu.slist_free_all},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
        if (!(*syms[i].fn = dlsym(h, syms[i].name))) {
            snprintf(why, cap, "libcurl lacks %s", syms[i].name);
            return -1;
        }
    if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(why, cap, "libcurl could not start");
        return -1;
    }
    return 0;
}

void
fetch_done(void)
{
    if (cu.global_cleanup)
        cu.global_cleanup();
}

int
fetch(const struct fetch_req *req, struct fetch_res *res, char *why, size_t cap)
{
    memset(res, 0, sizeof(*res));
    struct xfer x = {.req = req, .res = res};
    char errbuf[CURL_ERROR_SIZE] = "", agent[64], h1[320], h2[192];
    struct curl_slist *hdrs = NULL;
    CURL *c = cu.easy_init();
    int rc = -1;
    if (!c) {
        snprintf(why, cap, "libcurl could not start");
        return -1;
    }
    snprintf(agent, sizeof(agent), "portkit/%s", pk_version());
    if (req->etag && *req->etag) {
        snprintf(h1, sizeof(h1), "If-None-Match: %s", req->etag);
        hdrs = cu.slist_append(hdrs, h1);
    }
    if (req->last_modified && *req->last_modified) {
        snprintf(h2, sizeof(h2), "If-Modified-Since: %s", req->last_modified);
        hdrs = cu.slist_append(hdrs, h2);
    }
    long timeout = req->timeout > 0 ? req->timeout : 300;
    /* The options that keep the transfer safe must all take, or nothing is fetched. */
    if (cu.easy_setopt(c, CURLOPT_URL, req->url) != CURLE_OK ||
        cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file") != CURLE_OK ||
        cu.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
        cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
        cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX) != CURLE_OK) {
        snprintf(why, cap, "this libcurl is too old (7.85 or later is needed)");
        goto out;
    }
    cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    cu.easy_setopt(c, CURLOPT_MAXREDIRS, (long)FETCH_REDIRECTS);
    cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L);
    cu.easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    /* A server that stops sending: under 1 byte/s for 30 s (or the whole timeout). */
    cu.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    cu.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout < 30 ? timeout : 30L);
    cu.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    cu.easy_setopt(c, CURLOPT_USERAGENT, agent);
    cu.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    cu.easy_setopt(c, CURLOPT_WRITEDATA, &x);
    cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    cu.easy_setopt(c, CURLOPT_HEADERDATA, &x);
    cu.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    cu.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    cu.easy_setopt(c, CURLOPT_XFERINFODATA, &x);
    if (hdrs)
        cu.easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode cc = cu.easy_perform(c);
    if (x.progress_shown)
        fputs("\r\033[K", stderr);
    if (cc != CURLE_OK) {
        explain(cc, &x, errbuf, timeout, why, cap);
        goto out;
    }
    cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
    if (res->status != 200 && res->status != 304 && res->status != 0) {
        snprintf(why, cap, "HTTP status %ld", res->status);
        goto out;
    }
    res->body = x.body;
    res->len = x.len;
    x.body = NULL;
    rc = 0;
out:
    free(x.body);
    cu.slist_free_all(hdrs);
    cu.easy_cleanup(c);
    return rc;
}
