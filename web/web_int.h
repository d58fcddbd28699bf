/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_WEB_INT_H
#define PORTKIT_WEB_INT_H

/* Shared by the files of web/: the server, its routes, the response cache and the layout. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web.h"

#define WEB_BODY_MAX (64u << 20) /* no response is larger */
#define WEB_ENTRY_MAX (8u << 20) /* larger responses are rendered each time, not kept */
#define WEB_MAX_FDS 16
#define WEB_SEARCH_DEFAULT 50
#define WEB_SEARCH_MAX 500

/* What a route made: status, type and body; kept in the cache unless the route is fresh. */
struct web_reply {
    unsigned status;
    const char *type;
    struct pk_buf body;
    const char *allow; /* the Allow header of a 405, or NULL */
};

/* One request as the routes see it. */
struct web_req {
    struct web_server *srv;
    struct MHD_Connection *conn;
    const char *path;
};

/* Route flags. */
#define R_PREFIX 0x01u /* the path is a prefix; the rest is handed to the route */
#define R_LOCAL 0x02u  /* this host's sockets: loopback servers only (404 when public) */
#define R_JSON 0x04u   /* an API route: errors are JSON */
#define R_FRESH 0x08u  /* never cached: rendered for each request */

struct web_route {
    const char *path;
    unsigned flags;
    const char *args[3]; /* the query arguments it reads (part of the cache key) */
    /* Whether the response shows this host's sockets, and then their signature in *sig;
     * NULL for a route of the registry alone. */
    bool (*sig)(const struct web_req *rq, const char *rest, uint64_t *sig);
    void (*render)(const struct web_req *rq, const char *rest, struct web_reply *out);
};

/* Finds the route of path: an exact path or the longest prefix route, with *rest the part
 * after the prefix. Returns NULL when none. */
const struct web_route *web_route_find(const char *path, const char **rest);

/* Fills r with the "not found" page (or JSON error object) of route flags: what was asked
 * for (input, escaped) and why it is not there. */
void web_not_found(const struct web_req *rq, unsigned flags, const char *input, const char *why,
                   struct web_reply *r);

/* Sets r to an HTML page: the layout around body (HTML), with title (escaped) and the
 * extra head elements head (trusted HTML, or NULL). */
void web_page(const struct web_req *rq, struct web_reply *r, unsigned status, const char *title,
              const char *head, const struct pk_buf *body);

/* Returns the value of query argument name, or NULL. */
const char *web_arg(const struct web_req *rq, const char *name);

/* ---- the server (http.c) ---- */

struct web_server {
    struct web_config cfg;
    struct MHD_Daemon *d[WEB_MAX_FDS];
    size_t nd;
    struct web_cache *cache;
    struct MHD_Response **statics; /* per asset: identity, gzip (NULL when none) */
    char registry[160];            /* what the footer says of the registry */
    uint8_t *map;                  /* the registry's status byte of every port (map.c) */
    /* Every connection, for the reaper of late request headers. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct web_track *head;
    pthread_t reaper;
    bool reaper_started, stopping;
    size_t reaped; /* connections cut at their deadline */
};

/* Returns the asset named name of table t, or NULL. */
const struct web_asset *web_asset_find(const struct web_asset *t, const char *name);

/* ---- the response cache (cache.c) ---- */

struct web_cache;

int web_cache_new(size_t max_entries, size_t max_bytes, struct web_cache **out);
void web_cache_free(struct web_cache *c);

/*
 * Answers conn from the cache when it holds key with signature sig: 304 when the client's
 * If-None-Match (inm, may be NULL) has the entry's ETag, else the gzip variant when gzip is
 * set and there is one. Returns the MHD result, or -1 when the cache cannot answer.
 */
int web_cache_answer(struct web_cache *c, const char *key, uint64_t sig,
                     struct MHD_Connection *conn, bool gzip, const char *inm);

/*
 * Makes the responses of a reply (compressing the body once when it is worth it), keeps
 * them under key and sig when keep is set, and answers conn with them. Takes r->body.
 * Returns the MHD result.
 */
int web_cache_put_answer(struct web_cache *c, const char *key, uint64_t sig, bool keep,
                         const char *cache_control, struct web_reply *r,
                         struct MHD_Connection *conn, bool gzip, const char *inm);

/* Adds the headers every response carries (CSP, nosniff, no referrer) and ct. Returns
 * false when one could not be added. */
bool web_common_headers(struct MHD_Response *resp, const char *type);

/* True when the Accept-Encoding value ae takes gzip (and does not refuse it with q=0);
 * when the Host value host names this machine's loopback: localhost (or a name under
 * .localhost), 127.0.0.0/8 or [::1], with or without a port. (headers.c) */
bool web_accepts_gzip(const char *ae);
bool web_loopback_host(const char *host);

/* True when the If-None-Match value inm names etag (or is "*"). */
bool web_etag_match(const char *inm, const char *etag);

/* Compresses n bytes as gzip into *out (malloc'd). Returns the length, or 0 on failure or
 * when it would not be smaller. */
size_t web_gzip(const void *in, size_t n, unsigned char **out);

/* ---- the map (map.c) ---- */

/* Map status bytes: bits 0-1 the status (pk_status), then these. */
#define WEB_MAP_UNOFFICIAL 0x04u
#define WEB_MAP_LISTENING 0x08u

/* Builds srv->map from the registry. Returns 0 or PK_ENOMEM. */
int web_map_build(struct web_server *srv);

/* The map routes: the page, the picture, the status bytes and the names. */
void web_map_page(const struct web_req *rq, const char *rest, struct web_reply *r);
void web_map_png(const struct web_req *rq, const char *rest, struct web_reply *r);
void web_map_bytes(const struct web_req *rq, const char *rest, struct web_reply *r);
void web_map_names(const struct web_req *rq, const char *rest, struct web_reply *r);

/* The map of this moment: srv->map with the listening bit of this host (65,536 bytes,
 * malloc'd), or NULL. */
uint8_t *web_map_now(const struct web_server *srv);

#endif
