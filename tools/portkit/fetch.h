/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_FETCH_H
#define PORTKIT_FETCH_H

/*
 * Downloading a registry with libcurl, for portkit update: http, https (the certificate and
 * host name verified) and file URLs; at most FETCH_REDIRECTS redirects, to http or https
 * only; a size cap; connect, stall and total timeouts; If-None-Match / If-Modified-Since
 * from the last download, so that an unchanged registry comes back as 304 with no body.
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define FETCH_MAX (32u << 20)
#define FETCH_REDIRECTS 5

struct fetch_req {
    const char *url;
    const char *etag;            /* of the last download, or NULL */
    const char *last_modified;   /* likewise */
    long timeout;                /* seconds for the whole transfer */
    bool progress;               /* a progress line on stderr (a terminal) */
    volatile sig_atomic_t *stop; /* set by a signal: the transfer is abandoned */
};

struct fetch_res {
    long status; /* 200, 304; 0 for a file URL */
    char *body;  /* len bytes (NULL when none); free() it */
    size_t len;
    char etag[256];
    char last_modified[128];
};

/* Opens and starts libcurl (once, before any fetch). Returns 0, or -1 with why.
 * fetch_done() ends it. */
int fetch_init(char *why, size_t cap);
void fetch_done(void);

/*
 * Fetches req->url. Returns 0 with *res (status 200 or 304, or 0 for file URLs), or -1
 * with why (cap bytes) saying in one line what failed: the network, the HTTP status, a
 * timeout, a redirect loop, a body over FETCH_MAX bytes or cut short, a refused certificate.
 */
int fetch(const struct fetch_req *req, struct fetch_res *res, char *why, size_t cap);

#endif
