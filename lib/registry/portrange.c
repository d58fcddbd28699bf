/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/portrange.h"
#include "portnum.h"

long
pk__port_num(const char *s, const char *e)
{
    if (s == e)
        return -1;
    long v = 0;
    for (const char *p = s; p < e; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        if (v <= PK_PORT_MAX)
            v = v * 10 + (*p - '0');
    }
    return v > PK_PORT_MAX ? -2 : v;
}

static int
fail(const char **why, const char *msg, int err)
{
    if (why)
        *why = msg;
    return err;
}

int
pk_portrange_parse(const char *s, size_t len, struct pk_portrange *out, const char **why)
{
    if (len == 0)
        return fail(why, "empty port spec", PK_EINVAL);
    if (len > 64)
        return fail(why, "port spec too long", PK_EMSGSIZE);
    const char *end = s + len;
    if (memchr(s, '\0', len))
        return fail(why, "not a port number", PK_EINVAL);

    unsigned protos = PK_PROTO_ALL;
    bool has_proto = false;
    const char *slash = memchr(s, '/', len);
    if (slash) {
        protos = pk_proto_from_name(slash + 1, (size_t)(end - slash - 1));
        if (slash + 1 == end)
            return fail(why, "missing protocol after '/'", PK_EPROTONOSUPPORT);
        if (!protos)
            return fail(why, "unknown protocol (tcp, udp, sctp or dccp)", PK_EPROTONOSUPPORT);
        has_proto = true;
        end = slash;
    }

    if (end == s)
        return fail(why, "not a port number", PK_EINVAL);
    /* A leading '-' is a negative number, not an open range. */
    if (s < end && *s == '-')
        return fail(why, "port number must not be negative", PK_ERANGE);
    const char *dash = NULL;
    for (const char *q = s; q < end && !dash; q++)
        if (*q == '-')
            dash = q;
    long lo = pk__port_num(s, dash ? dash : end);
    if (lo == -2)
        return fail(why, "port number out of range (0-65535)", PK_ERANGE);
    if (lo < 0)
        return fail(why, "not a port number", PK_EINVAL);
    long hi = lo;
    if (dash) {
        if (dash + 1 == end)
            return fail(why, "range has no end", PK_EINVAL);
        hi = pk__port_num(dash + 1, end);
        if (hi == -2)
            return fail(why, "port number out of range (0-65535)", PK_ERANGE);
        if (hi < 0)
            return fail(why, "range end is not a port number", PK_EINVAL);
        if (hi < lo)
            return fail(why, "range end is below its start", PK_EINVAL);
    }
    out->lo = (unsigned)lo;
    out->hi = (unsigned)hi;
    out->protos = protos;
    out->has_proto = has_proto;
    return 0;
}
