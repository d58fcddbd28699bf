/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_POLICY_INT_H
#define PORTKIT_POLICY_INT_H

#include "portkit/policy.h"

/*
 * Parses the contents of ip_local_port_range, ip_unprivileged_port_start and
 * ip_local_reserved_ports (each NUL-terminated, or NULL when unreadable) into *out. A
 * malformed one leaves its have_ flag false. Returns 0. Shared with the fuzz target.
 */
int pk__port_policy_parse(const char *range, const char *unpriv, const char *reserved,
                         struct pk_port_policy *out);

#endif
