/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_HOST_INT_H
#define PORTKIT_HOST_INT_H

#include "portkit/host.h"

/*
 * Parses the contents of ip_local_port_range, ip_unprivileged_port_start and
 * ip_local_reserved_ports (each NUL-terminated, or NULL when unreadable) into *out. A
 * malformed one leaves its have_ flag false. Returns 0. Shared with the fuzz target.
 */
int pk__host_ports_parse(const char *range, const char *unpriv, const char *reserved,
                         struct pk_host_ports *out);

#endif
