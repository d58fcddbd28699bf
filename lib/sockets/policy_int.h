/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_POLICY_INT_H
#define PORTKIT_POLICY_INT_H

#include "portkit/policy.h"

#include <stddef.h>

/*
 * Parses the contents of ip_local_port_range, ip_unprivileged_port_start and
 * ip_local_reserved_ports (rlen, ulen and reslen bytes, no NUL needed; NULL when unreadable)
 * into *out. A malformed one leaves its have_ flag false. Returns 0. Shared with the fuzz
 * target.
 */
int pk__port_policy_parse(const char *range, size_t rlen, const char *unpriv, size_t ulen,
                          const char *reserved, size_t reslen, struct pk_port_policy *out);

#endif
