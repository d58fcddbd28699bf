/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_PORTSPEC_H
#define PORTKIT_PORTSPEC_H

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

/* Protocols a port set holds, as indexes. */
enum pk_portset_proto {
    PK_PS_TCP = 0,
    PK_PS_UDP = 1,
    PK_PS_NPROTO = 2,
};

/* A set of ports per protocol: one bit per port. About 16 KiB; fine on the stack. */
struct pk_portset {
    uint8_t bits[PK_PS_NPROTO][(PK_PORT_MAX + 1) / 8];
};

/* Where a parse went wrong: the offending item within the spec, and why. */
struct pk_portspec_err {
    size_t off;      /* offset of the item in the spec */
    size_t len;      /* its length */
    const char *why; /* a short static English phrase */
};

/* Empties s. */
void pk_portset_clear(struct pk_portset *s);

/* Adds, or removes, ports lo..hi of protocol proto (a pk_portset_proto index) to s. */
void pk_portset_add(struct pk_portset *s, int proto, unsigned lo, unsigned hi);
void pk_portset_remove(struct pk_portset *s, int proto, unsigned lo, unsigned hi);

/* Returns true when port of protocol proto is in s. */
bool pk_portset_has(const struct pk_portset *s, int proto, unsigned port);

/* Returns the number of ports of protocol proto in s. */
size_t pk_portset_count(const struct pk_portset *s, int proto);

/* Removes from s every port that is in x, for both protocols. */
void pk_portset_subtract(struct pk_portset *s, const struct pk_portset *x);

/*
 * Parses spec (NUL-terminated) and adds its ports to *out. Ports without a prefix go to each
 * protocol index in default_protos (a bit set of 1u << PK_PS_TCP etc.). Service names are
 * looked up in reg. Returns 0, or a negative pk_errno with *err filled (when err is not NULL);
 * *out is changed only on success.
 */
int pk_portspec_parse(const struct pk_registry *reg, const char *spec, unsigned default_protos,
                      struct pk_portset *out, struct pk_portspec_err *err);

/*
 * Writes the ports of protocol proto in s as a compact spec ("1-1024,8080") into buf of size
 * cap, NUL-terminated. Returns the length it needs (excluding the NUL), as snprintf does.
 */
size_t pk_portset_format(const struct pk_portset *s, int proto, char *buf, size_t cap);

/*
 * Adds the n highest-ranked ports of protocol proto to *out. The ranking: the open frequency
 * in nmap_services (a path to nmap's nmap-services; NULL or a missing file skips it), then the
 * project's score from reg (notes on unofficial use, assignment, the system range), then the
 * lower port. Returns 0, PK_EINVAL for a bad proto or n over 65536, or PK_ENOMEM.
 */
int pk_portset_top(const struct pk_registry *reg, const char *nmap_services, int proto, unsigned n,
                   struct pk_portset *out);

#endif
