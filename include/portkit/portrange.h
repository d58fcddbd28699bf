/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_PORTRANGE_H
#define PORTKIT_PORTRANGE_H

/*
 * Port specs as the lookup command takes them: "PORT", "PORT/PROTO", "LO-HI" and
 * "LO-HI/PROTO", with PORT 0..65535 in decimal and PROTO one of tcp, udp, sctp, dccp.
 */
#include <stdbool.h>
#include <stddef.h>
#include "portkit/common.h"

PK_BEGIN_DECLS

struct pk_portrange {
    unsigned lo;
    unsigned hi;     /* equal to lo for a single port */
    unsigned protos; /* the protocol named, or PK_PROTO_ALL when none */
    bool has_proto;
};

/*
 * Parses the len bytes at s (no terminator needed; surrounding blanks are not accepted).
 * Returns 0 and fills *out, or a negative pk_errno and, when why is not NULL, points *why
 * at a short static English phrase naming what is wrong ("port number out of range
 * (0-65535)"). *out is set only on success.
 */
PK_API int pk_portrange_parse(const char *s, size_t len, struct pk_portrange *out,
                              const char **why);

PK_END_DECLS

#endif
