/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_WEB_H
#define PORTKIT_WEB_H

/*
 * The web server of portkit serve: the port pages, search, the map of the port space and a
 * JSON API, on libmicrohttpd. Pages are rendered by the library's output layer (lib/out) and
 * wrapped in the layout of web/templates/; responses of registry routes are built once and
 * kept in a bounded cache. What this host's sockets say (the "here" section, /local,
 * /api/listening) comes from the command through struct web_local, so that this module
 * needs nothing but the public API.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/buf.h"
#include "portkit/out.h"
#include "portkit/page.h"
#include "portkit/policy.h"
#include "portkit/registry.h"

/*
 * This host's sockets, for a server bound to loopback only. Every function may be called
 * from several threads at once. A signature says what the pages would show of the sockets:
 * pages rendered under one signature are reused while it stays the same.
 */
struct web_local {
    void *arg;
    /* The signature of the listeners on port now (0 when none), and of every listening
     * port. */
    uint64_t (*port_sig)(void *arg, unsigned port);
    uint64_t (*all_sig)(void *arg);
    /* The port page's "here" section: the sockets listening on port over the protocols in
     * protos, in the page's format (PK_PAGE_HTML: a <section>; PK_PAGE_JSON: whole members
     * into o->b, as portkit --json PORT writes them). */
    void (*here)(void *arg, unsigned port, unsigned protos, const struct pk_out *o,
                 enum pk_page_format fmt);
    /* Every listening socket with its owners: an HTML table, and a JSON array. */
    void (*listening_html)(void *arg, const struct pk_out *o);
    void (*listening_json)(void *arg, const struct pk_out *o);
    /* Sets bit in map[port] for every port something listens on (map has 65,536 bytes). */
    void (*listening_bits)(void *arg, uint8_t *map, uint8_t bit);
};

struct web_config {
    const struct pk_registry *reg;
    const struct pk_port_policy *policy; /* this host's, or NULL */
    const struct web_local *local;       /* NULL when serving other hosts (--public) */
    unsigned threads;                    /* per listening socket */
    unsigned max_conns;                  /* per listening socket */
    unsigned max_per_client;             /* connections from one address */
    unsigned header_ms;                  /* a request's headers must arrive within this */
    unsigned idle_s;                     /* an idle connection is closed after this */
    size_t cache_entries, cache_bytes;   /* bounds of the response cache */
};

#define WEB_URL_MAX 2048     /* a longer request target gets 414 */
#define WEB_HEADERS_MAX 8192 /* request line and headers together; more gets 431 */

struct web_server;

/*
 * Starts serving on the listening sockets fds[0..nfds) (taken over: closed by
 * web_stop()). Returns 0 and *out, or a negative pk_errno with a message in err.
 */
int web_start(const struct web_config *cfg, const int *fds, size_t nfds, struct web_server **out,
              char *err, size_t errlen);

/* Milliseconds of the monotonic clock (the server's deadlines and snapshots). */
uint64_t web_now_ms(void);

/* Stops the server and frees it. */
void web_stop(struct web_server *s);

#endif
