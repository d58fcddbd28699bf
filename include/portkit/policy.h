/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_POLICY_H
#define PORTKIT_POLICY_H

/*
 * This host's port policy as the kernel states it under /proc/sys/net/ipv4: the ephemeral
 * (local) port range, the reserved ports and the first unprivileged port.
 */
#include <stdbool.h>
#include <stdint.h>
#include "portkit/common.h"

PK_BEGIN_DECLS

struct pk_port_policy {
    bool have_ephemeral;
    unsigned ephemeral_lo;
    unsigned ephemeral_hi;
    bool have_unprivileged;
    unsigned unprivileged_start; /* ports below this need CAP_NET_BIND_SERVICE */
    bool have_reserved;
    unsigned nreserved; /* number of ports in ip_local_reserved_ports */
    uint8_t reserved[65536 / 8];
};

/*
 * Reads the policy from procroot ("/proc" normally; another root for tests). Fields whose
 * file is missing or malformed have their have_ flag false. Returns 0, or PK_EINVAL when
 * procroot is too long.
 */
PK_API int pk_port_policy_read(const char *procroot, struct pk_port_policy *out);

/* Returns true when port is in the kernel's reserved list. */
PK_API bool pk_port_policy_reserved(const struct pk_port_policy *hp, unsigned port);

PK_END_DECLS

#endif
