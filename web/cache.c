/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The response cache: responses of registry routes, made once (headers, ETag, the gzip
 * variant) and queued again for every request of the same route. The registry does not
 * change while serving, so an entry is only replaced when what it shows of this host (its
 * signature) changed. Bounded in entries and bytes; the CLOCK algorithm picks what to drop.
 * libmicrohttpd counts the references to a response, so one dropped while a connection
 * still sends it is freed when that connection is done.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "portkit/error.h"
#include "web_int.h"

struct entry {
    char *key;
    uint64_t hash, sig;
    struct MHD_Response *resp, *resp_gz;
    char etag[24];
    const char *cache_control;
    unsigned status;
    size_t bytes;
    _Atomic bool ref; /* used since the clock hand last passed */
    size_t at;        /* its slot in the ring */
    struct entry *chain;
};

struct web_cache {
    pthread_rwlock_t mu;
    struct entry **buckets;
    size_t nbuckets;
    struct entry **ring; /* the entries, for the clock hand; NULL slots are free */
    size_t cap, n, hand;
    size_t bytes, max_bytes;
};

/* 64-bit FNV-1a. */
static uint64_t
fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}
#define FNV_SEED 0xcbf29ce484222325ull

int
web_cache_new(size_t max_entries, size_t max_bytes, struct web_cache **out)
{
    struct web_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return PK_ENOMEM;
    c->cap = max_entries ? max_entries : 1;
    c->nbuckets = 1;
    while (c->nbuckets < c->cap)
        c->nbuckets <<= 1;
    c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
    c->ring = calloc(c->cap, sizeof(*c->ring));
    c->max_bytes = max_bytes;
    if (!c->buckets || !c->ring || pthread_rwlock_init(&c->mu, NULL) != 0) {
        free(c->buckets);
        free(c->ring);
        free(c);
        return PK_ENOMEM;
    }
    *out = c;
    return 0;
}

/* Drops e's responses and frees it. */
static void
entry_free(struct entry *e)
{
    if (e->resp)
        MHD_destroy_response(e->resp);
    if (e->resp_gz)
        MHD_destroy_response(e->resp_gz);
    free(e->key);
    free(e);
}

void
web_cache_free(struct web_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->ring[i])
            entry_free(c->ring[i]);
    pthread_rwlock_destroy(&c->mu);
    free(c->ring);
    free(c->buckets);
    free(c);
}

/* Finds key (with hash h) under the lock. */
static struct entry **
find_slot(struct web_cache *c, const char *key, uint64_t h)
{
    struct entry **p = &c->buckets[h & (c->nbuckets - 1)];
    while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
        p = &(*p)->chain;
    return p;
}

/* Unlinks e from its chain and the ring, under the lock, and frees it. */
static void
drop(struct web_cache *c, struct entry *e, size_t ring_at)
{
    struct entry **p = find_slot(c, e->key, e->hash);
    if (*p == e)
        *p = e->chain;
    c->ring[ring_at] = NULL;
    c->n--;
    c->bytes -= e->bytes;
    entry_free(e);
}

/* Turns the clock hand until an entry is dropped (one not used since the last turn). */
static void
evict_one(struct web_cache *c)
{
    for (size_t turns = 0; turns < 2 * c->cap + 1 && c->n; turns++) {
        size_t i = c->hand;
        c->hand = (c->hand + 1) % c->cap;
        struct entry *e = c->ring[i];
        if (!e)
            continue;
        if (e->ref) {
            e->ref = false;
            continue;
        }
        drop(c, e, i);
        return;
    }
}

bool
web_etag_match(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t elen = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        size_t n = strcspn(p, ", \t");
        if (n == elen && memcmp(p, etag, n) == 0)
            return true;
        p += n;
    }
    return false;
}

/* Queues a 304 for e's ETag. */
static int
not_modified(struct MHD_Connection *conn, const char *etag, const char *cc, bool vary)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    if (cc)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
    if (vary)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    web_common_headers(r, NULL);
    int rc = MHD_queue_response(conn, MHD_HTTP_NOT_MODIFIED, r);
    MHD_destroy_response(r);
    return rc;
}

/* Answers conn with e (the lock held, so that e stays while it is queued). */
static int
answer(struct MHD_Connection *conn, const struct entry *e, bool gzip, const char *inm)
{
    if (e->status == MHD_HTTP_OK && web_etag_match(inm, e->etag))
        return not_modified(conn, e->etag, e->cache_control, e->resp_gz != NULL);
    return MHD_queue_response(conn, e->status, gzip && e->resp_gz ? e->resp_gz : e->resp);
}

int
web_cache_answer(struct web_cache *c, const char *key, uint64_t sig, struct MHD_Connection *conn,
                 bool gzip, const char *inm)
{
    uint64_t h = fnv1a(key, strlen(key), FNV_SEED);
    int rc = -1;
    /* Readers share the lock: entries do not change once in; the clock bit is a relaxed
     * atomic store, and the entry cannot be dropped while the lock is held. */
    pthread_rwlock_rdlock(&c->mu);
    struct entry *e = *find_slot(c, key, h);
    if (e && e->sig == sig) {
        if (!atomic_load_explicit(&e->ref, memory_order_relaxed))
            atomic_store_explicit(&e->ref, true, memory_order_relaxed);
        rc = answer(conn, e, gzip, inm);
    }
    pthread_rwlock_unlock(&c->mu);
    return rc;
}

size_t
web_gzip(const void *in, size_t n, unsigned char **out)
{
    z_stream z = {0};
    if (n < 256 || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    uLong cap = deflateBound(&z, (uLong)n);
    unsigned char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&z);
        return 0;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || len >= n) {
        free(buf);
        return 0;
    }
    *out = buf;
    return len;
}

bool
web_common_headers(struct MHD_Response *resp, const char *type)
{
    bool ok = true;
    if (type)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES;
    ok &= MHD_add_response_header(resp, "Content-Security-Policy",
                                  "default-src 'self'; script-src 'self'; style-src 'self'; "
                                  "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                  "frame-ancestors 'none'; form-action 'self'") == MHD_YES;
    ok &= MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES;
    ok &= MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") == MHD_YES;
    return ok;
}

/* Makes one response over n bytes at data (freed with it), with every header. */
static struct MHD_Response *
make(void *data, size_t n, const struct web_reply *r, const char *etag, const char *cc, bool gz,
     bool vary)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(n, data, free);
    if (!resp) {
        free(data);
        return NULL;
    }
    bool ok = web_common_headers(resp, r->type);
    if (etag && r->status == MHD_HTTP_OK)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) == MHD_YES;
    if (cc)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cc) == MHD_YES;
    if (gz)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") == MHD_YES;
    if (vary)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding") == MHD_YES;
    if (r->allow)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow) == MHD_YES;
    if (!ok) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

int
web_cache_put_answer(struct web_cache *c, const char *key, uint64_t sig, bool keep,
                     const char *cache_control, struct web_reply *r, struct MHD_Connection *conn,
                     bool gzip, const char *inm)
{
    struct entry *e = calloc(1, sizeof(*e));
    size_t n = r->body.len;
    char *body = r->body.data;
    r->body.data = NULL;
    r->body.len = 0;
    if (!e || !body) {
        free(e);
        free(body);
        return MHD_NO;
    }
    e->status = r->status;
    e->sig = sig;
    e->cache_control = cache_control;
    snprintf(e->etag, sizeof(e->etag), "\"%016llx\"",
             (unsigned long long)fnv1a(body, n, fnv1a(&sig, sizeof(sig), FNV_SEED)));
    unsigned char *gz = NULL;
    size_t gzn = web_gzip(body, n, &gz);
    e->resp = make(body, n, r, e->etag, cache_control, false, gzn > 0);
    if (gzn)
        e->resp_gz = make(gz, gzn, r, e->etag, cache_control, true, true);
    e->bytes = n + gzn + strlen(key) + sizeof(*e);
    if (!e->resp || (gzn && !e->resp_gz)) {
        entry_free(e);
        return MHD_NO;
    }
    keep = keep && n <= WEB_ENTRY_MAX && e->bytes <= c->max_bytes;
    if (keep && !(e->key = strdup(key)))
        keep = false;
    if (!keep) {
        int rc = answer(conn, e, gzip, inm);
        entry_free(e);
        return rc;
    }
    e->hash = fnv1a(key, strlen(key), FNV_SEED);
    pthread_rwlock_wrlock(&c->mu);
    struct entry **slot = find_slot(c, key, e->hash);
    if (*slot) {
        /* Another thread's rendering, or one of an older signature: this one replaces it. */
        drop(c, *slot, (*slot)->at);
    }
    while (c->n && (c->n >= c->cap || c->bytes + e->bytes > c->max_bytes))
        evict_one(c);
    size_t at = c->hand;
    while (c->ring[at])
        at = (at + 1) % c->cap;
    c->ring[at] = e;
    e->at = at;
    slot = find_slot(c, key, e->hash);
    *slot = e;
    c->n++;
    c->bytes += e->bytes;
    int rc = answer(conn, e, gzip, inm);
    pthread_rwlock_unlock(&c->mu);
    return rc;
}
