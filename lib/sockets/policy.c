/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's port policy from /proc/sys/net/ipv4: the files are read whole (small, bounded)
 * and parsed by pk__port_policy_parse(), a pure function over the three buffers that the
 * fuzz target fuzz_host calls on arbitrary bytes.
 */
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

/* Parses a decimal number up to 65535 at *p (before end), skipping leading blanks. */
static bool
num(const char **p, const char *end, unsigned *out)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    unsigned v = 0;
    const char *d = s;
    while (s < end && *s >= '0' && *s <= '9' && s - d < 6)
        v = v * 10 + (unsigned)(*s++ - '0');
    if (s == d || v > 65535 || (s < end && *s >= '0' && *s <= '9'))
        return false;
    *p = s;
    *out = v;
    return true;
}

/* True when only blanks and newlines remain between p and end. */
static bool
at_end(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
        p++;
    return p == end;
}

/* Sets ports a..b in the bitmap set. */
static void
set_range(uint8_t *set, unsigned a, unsigned b)
{
    for (; a <= b && a % 8; a++)
        set[a / 8] |= (uint8_t)(1u << (a % 8));
    if (a + 8 <= b + 1) {
        memset(set + a / 8, 0xff, (b + 1 - a) / 8);
        a += (b + 1 - a) / 8 * 8;
    }
    for (; a <= b; a++)
        set[a / 8] |= (uint8_t)(1u << (a % 8));
}

int
pk__port_policy_parse(const char *range, size_t rlen, const char *unpriv, size_t ulen,
                      const char *reserved, size_t reslen, struct pk_port_policy *out)
{
    const char *p, *end;
    unsigned a, b;

    memset(out, 0, sizeof(*out));
    if (range) {
        p = range;
        end = range + rlen;
        if (num(&p, end, &a) && num(&p, end, &b) && at_end(p, end) && a <= b) {
            out->have_ephemeral = true;
            out->ephemeral_lo = a;
            out->ephemeral_hi = b;
        }
    }
    if (unpriv) {
        p = unpriv;
        end = unpriv + ulen;
        if (num(&p, end, &a) && at_end(p, end)) {
            out->have_unprivileged = true;
            out->unprivileged_start = a;
        }
    }
    /* "1,2-4,8", or an empty line when none are reserved. */
    if (reserved) {
        p = reserved;
        end = reserved + reslen;
        bool ok = true;
        uint8_t set[sizeof(out->reserved)] = {0};
        while (ok && !at_end(p, end)) {
            if (!num(&p, end, &a)) {
                ok = false;
                break;
            }
            b = a;
            if (p < end && *p == '-') {
                p++;
                ok = num(&p, end, &b) && a <= b;
            }
            if (ok)
                set_range(set, a, b);
            if (p < end && *p == ',')
                p++;
            else if (!at_end(p, end))
                ok = false;
        }
        if (ok) {
            unsigned count = 0;
            for (size_t i = 0; i < sizeof(set); i++)
                count += (unsigned)__builtin_popcount(set[i]);
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
    ssize_t hr = read_small(procroot, "sys/net/ipv4/ip_local_port_range", range, sizeof(range));
    ssize_t hu =
        read_small(procroot, "sys/net/ipv4/ip_unprivileged_port_start", unpriv, sizeof(unpriv));
    ssize_t hs =
        read_small(procroot, "sys/net/ipv4/ip_local_reserved_ports", reserved, sizeof(reserved));
    return pk__port_policy_parse(hr > 0 ? range : NULL, hr > 0 ? (size_t)hr : 0,
                                 hu > 0 ? unpriv : NULL, hu > 0 ? (size_t)hu : 0,
                                 hs >= 0 ? reserved : NULL, hs >= 0 ? (size_t)hs : 0, out);
}

bool
pk_port_policy_reserved(const struct pk_port_policy *hp, unsigned port)
{
    return port <= 65535 && hp->have_reserved && (hp->reserved[port / 8] & (1u << (port % 8)));
}
