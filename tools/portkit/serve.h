/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SERVE_H
#define PORTKIT_SERVE_H

/* portkit serve's view of this host's sockets for the web server (serve_local.c). */
#include "cli.h"
#include "web.h"

struct serve_local;

/* Makes the view over cli's /proc and registry (cli must outlive it; it is only read while
 * serving). Returns NULL when out of memory. */
struct serve_local *serve_local_new(struct cli *cli);

/* The functions the web server calls. */
const struct web_local *serve_local_ops(const struct serve_local *l);

void serve_local_free(struct serve_local *l);

#endif
