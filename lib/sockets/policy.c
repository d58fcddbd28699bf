/* SPDX-License-Identifier: BSD-2-Clause */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/policy.h"
#include "policy_int.h"

#define SMALL_FILE 16384

/*
 * Reads at most cap-1 bytes of procroot/rel into buf, NUL-terminated. Returns the length, or
 * -1 when the file can't be read. A file that fills the buffer is treated as unreadable
 * rather than cut short.
 */
static ssize_t
read_small(const char *procroot, const char *rel, char *buf, size_t cap)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", procroot, rel) >= (int)sizeof(path))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len >= cap - 1)
        return -1;
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Parses a decimal number up to 65535 at *p, skipping leading blanks. */
static bool
num(const char **p, unsigned *out)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    unsigned v = 0;
    const char *d = s;
    while (*s >= '0' && *s <= '9' && s - d < 6)
        v = v * 10 + (unsigned)(*s++ - '0');
    if (s == d || v > 65535)
        return false;
    *p = s;
    *out = v;
    return true;
}

/* True when only blanks and one optional newline remain at p. */
static bool
at_end(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    return *p == '\0';
}

int
pk__port_policy_parse(const char *range, const char *unpriv, const char *reserved,
                     struct pk_port_policy *out)
{
    const char *p;
    unsigned a, b;

    memset(out, 0, sizeof(*out));
    if (range) {
        p = range;
        if (num(&p, &a) && num(&p, &b) && at_end(p) && a <= b) {
            out->have_ephemeral = true;
            out->ephemeral_lo = a;
            out->ephemeral_hi = b;
        }
    }
    if (unpriv) {
        p = unpriv;
        if (num(&p, &a) && at_end(p)) {
            out->have_unprivileged = true;
            out->unprivileged_start = a;
        }
    }
    /* "1,2-4,8", or an empty line when none are reserved. */
    if (reserved) {
        p = reserved;
        bool ok = true;
        unsigned count = 0;
        uint8_t set[sizeof(out->reserved)] = {0};
        while (ok && !at_end(p)) {
            if (!num(&p, &a)) {
                ok = false;
                break;
            }
            b = a;
            if (*p == '-') {
                p++;
                ok = num(&p, &b) && a <= b;
            }
            for (unsigned port = a; ok && port <= b; port++) {
                if (!(set[port / 8] & (1u << (port % 8))))
                    count++;
                set[port / 8] |= (uint8_t)(1u << (port % 8));
            }
            if (*p == ',')
                p++;
            else if (!at_end(p))
                ok = false;
        }
        if (ok) {
            out->have_reserved = true;
            out->nreserved = count;
            memcpy(out->reserved, set, sizeof(set));
        }
    }
    return 0;
}

int
pk_port_policy_read(const char *procroot, struct pk_port_policy *out)
{
    char range[256], unpriv[256], reserved[SMALL_FILE];

    if (strlen(procroot) > 4000)
        return PK_EINVAL;
    bool hr = read_small(procroot, "sys/net/ipv4/ip_local_port_range", range, sizeof(range)) > 0;
    bool hu = read_small(procroot, "sys/net/ipv4/ip_unprivileged_port_start", unpriv,
                         sizeof(unpriv)) > 0;
    bool hs = read_small(procroot, "sys/net/ipv4/ip_local_reserved_ports", reserved,
                         sizeof(reserved)) >= 0;
    return pk__port_policy_parse(hr ? range : NULL, hu ? unpriv : NULL, hs ? reserved : NULL, out);
}

bool
pk_port_policy_reserved(const struct pk_port_policy *hp, unsigned port)
{
    return port <= 65535 && hp->have_reserved && (hp->reserved[port / 8] & (1u << (port % 8)));
}
