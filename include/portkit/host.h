/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_HOST_H
#define PORTKIT_HOST_H

/*
 * This host's port policy as the kernel states it under /proc/sys/net/ipv4: the ephemeral
 * (local) port range, the reserved ports and the first unprivileged port.
 */
#include <stdbool.h>
#include <stdint.h>

struct pk_host_ports {
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
int pk_host_ports_read(const char *procroot, struct pk_host_ports *out);

/* Returns true when port is in the kernel's reserved list. */
bool pk_host_port_reserved(const struct pk_host_ports *hp, unsigned port);

#endif
