/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_TARGET_H
#define PORTKIT_TARGET_H

/*
 * Lists of hosts to scan, in nmap's target syntax: IPv4 dotted quads (four decimal octets;
 * inet_aton()'s shorthands such as "127.1" or "0x7f.1" are refused, not resolved), IPv6
 * addresses, CIDR blocks ("198.18.0.0/24", "fd00::/120"), IPv4 octet ranges
 * ("198.18.0.1-20", "10.*.*.1") and host names (resolved with getaddrinfo, first address).
 * IPv4-mapped IPv6 addresses ("::ffff:198.18.0.1") are IPv4 addresses: they are listed as
 * IPv4, and excluding an address excludes it in either spelling. Excluded addresses are
 * taken out when the list is finished. A spec is never expanded: memory follows the length
 * of the specs, not the number of hosts, which pk_targets_finish() holds to max_hosts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "portkit/common.h"

PK_BEGIN_DECLS

#define PK_TARGET_MAX_HOSTS_DEFAULT 65536u

/* One host: an address, and the name it was given by (NULL for an address). */
struct pk_target {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
    const char *name; /* lives as long as the list */
};

/* Flags for pk_targets_add(). */
#define PK_TARGET_EXCLUDE 0x1u /* the spec names addresses to leave out */
#define PK_TARGET_NUMERIC 0x2u /* refuse host names (no DNS) */
#define PK_TARGET_IPV6 0x4u    /* resolve host names to IPv6 addresses */

struct pk_targets;

/* Returns a new empty list in *out; free it with pk_targets_free(). Returns 0 or PK_ENOMEM. */
PK_API int pk_targets_new(struct pk_targets **out);

/* Frees t and everything it holds. NULL is fine. */
PK_API void pk_targets_free(struct pk_targets *t);

/*
 * Adds one target spec (NUL-terminated) to t, or to its exclusions with PK_TARGET_EXCLUDE.
 * Returns 0, or a negative pk_errno with *why (when not NULL) pointing at a short static
 * phrase: PK_EINVAL for a malformed spec, PK_ENOENT for a name that does not resolve,
 * PK_ERANGE for a block too large to list, PK_ENOMEM.
 */
PK_API int pk_targets_add(struct pk_targets *t, const char *spec, unsigned flags, const char **why);

/*
 * Adds every spec in the len bytes at text: specs separated by blanks or newlines, '#'
 * starting a comment to the end of the line (the -iL file format). On failure returns what
 * pk_targets_add() does, with *line set to the 1-based line and *bad to a copy of the
 * offending spec (at most badcap bytes with its NUL).
 */
PK_API int pk_targets_add_text(struct pk_targets *t, const char *text, size_t len, unsigned flags,
                               unsigned *line, char *bad, size_t badcap, const char **why);

/*
 * Takes the exclusions out and counts the hosts; call once, after the last add. Returns 0,
 * PK_ERANGE (with *why) when there are more than max_hosts addresses, or PK_ENOMEM.
 */
PK_API int pk_targets_finish(struct pk_targets *t, uint64_t max_hosts, const char **why);

/* Returns the number of hosts of a finished list. */
PK_API uint64_t pk_targets_count(const struct pk_targets *t);

/* Fills *out with host i (0 <= i < count) of a finished list. Returns 0 or PK_ENOENT. */
PK_API int pk_targets_get(const struct pk_targets *t, uint64_t i, struct pk_target *out);

/* Writes the address of tg as text into buf (at least 46 bytes). Returns buf. */
PK_API const char *pk_target_addr_str(const struct pk_target *tg, char *buf, size_t cap);

PK_END_DECLS

#endif
