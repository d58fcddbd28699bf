/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_PORTSET_H
#define PORTKIT_PORTSET_H

/*
 * Sets of ports to scan, in nmap's syntax: "22,80,443", ranges "1-1024", open ends "-1024"
 * and "60000-", "-" for 1-65535, protocol prefixes "T:" and "U:" (a prefix applies to what
 * follows it up to the next prefix), and service names from the registry ("http", "ssh").
 * Port 0 is scanned only when written explicitly.
 *
 * The top-ports ranking is the project's own (registry assignments and the notes file); when
 * nmap's frequency table (nmap-services) is present it is read at run time and ranks first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/registry.h"
#include "portkit/common.h"

PK_BEGIN_DECLS

/*
 * A set of ports per protocol: one bit per port, for each of the four pk_proto protocols.
 * Protocols are named by their pk_proto bit (PK_TCP, PK_UDP, ...) everywhere in this API;
 * bits[] is indexed by pk_proto_index(). 32 KiB.
 */
struct pk_portset {
    uint8_t bits[PK_NPROTO][(PK_PORT_MAX + 1) / 8];
};

/* Where a parse went wrong: the offending item within the spec, and why. */
struct pk_portset_err {
    size_t off;      /* offset of the item in the spec */
    size_t len;      /* its length */
    const char *why; /* a short static English phrase */
};

/* Empties s. */
PK_API void pk_portset_clear(struct pk_portset *s);

/* Adds, or removes, ports lo..hi of protocol proto (one pk_proto bit) to s. A bad protocol
 * or range is ignored. */
PK_API void pk_portset_add(struct pk_portset *s, unsigned proto, unsigned lo, unsigned hi);
PK_API void pk_portset_remove(struct pk_portset *s, unsigned proto, unsigned lo, unsigned hi);

/* Returns true when port of protocol proto (one pk_proto bit) is in s. */
PK_API bool pk_portset_has(const struct pk_portset *s, unsigned proto, unsigned port);

/* Returns the number of ports of protocol proto (one pk_proto bit) in s. */
PK_API size_t pk_portset_count(const struct pk_portset *s, unsigned proto);

/* Removes from s every port that is in x, for every protocol. */
PK_API void pk_portset_subtract(struct pk_portset *s, const struct pk_portset *x);

/*
 * Parses spec (NUL-terminated) and adds its ports to *out. Ports without a prefix go to each
 * protocol in default_protos (a set of pk_proto bits). Service names are
 * looked up in reg. Returns 0, or a negative pk_errno with *err filled (when err is not NULL);
 * *out is changed only on success.
 */
PK_API int pk_portset_parse(const struct pk_registry *reg, const char *spec,
                            unsigned default_protos, struct pk_portset *out,
                            struct pk_portset_err *err);

/*
 * Writes the ports of protocol proto in s as a compact spec ("1-1024,8080") into buf of size
 * cap, NUL-terminated. Returns the length it needs (excluding the NUL), as snprintf does.
 */
PK_API size_t pk_portset_format(const struct pk_portset *s, unsigned proto, char *buf, size_t cap);

/*
 * Adds the n highest-ranked ports of protocol proto to *out. The ranking: the open frequency
 * in nmap_services (a path to nmap's nmap-services; NULL or a missing file skips it), then the
 * project's score from reg (notes on unofficial use, assignment, the system range), then the
 * lower port; port 0 is never among them. Returns 0, PK_EINVAL for a bad proto or n over 65536, or
 * PK_ENOMEM.
 */
PK_API int pk_portset_top(const struct pk_registry *reg, const char *nmap_services, unsigned proto,
                          unsigned n, struct pk_portset *out);

PK_END_DECLS

#endif
