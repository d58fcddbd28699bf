/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_FUZZ_SOCKQ_H
#define PORTKIT_FUZZ_SOCKQ_H

/* The socket query of the socket fuzz targets. */
#include <stdbool.h>
#include <stddef.h>

#include "portkit/registry.h"
#include "sock_int.h"

/* Every protocol, family and state; local port 22 only when port22; at most max sockets. */
static inline struct pk__sockq
fuzz_sockq(bool port22, size_t max)
{
    return (struct pk__sockq){
        .protos = PK_TCP | PK_UDP,
        .families = PK_FAM_4 | PK_FAM_6,
        .tcp_states = PK_SS_ALL,
        .udp_states = PK_SS_ALL,
        .port = port22 ? 22 : -1,
        .procroot = "/proc",
        .max = max,
    };
}

#endif
