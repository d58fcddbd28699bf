/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sockets from the text tables under /proc/net (tcp, tcp6, udp, udp6): the fallback when
 * netlink is refused. The files are read in fixed-size chunks and parsed line by line, so a
 * host with a million sockets costs time but no unbounded memory; lines are untrusted input
 * to a strict parser (it is fuzzed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "sock_int.h"

#define CHUNK (64u << 10)

/* Reads n hex digits (exactly) at *p into *v. */
static bool
hexn(const char **p, const char *end, size_t n, uint32_t *v)
{
    uint32_t x = 0;
    const char *s = *p;
    if ((size_t)(end - s) < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        x = x << 4 | d;
    }
    *p = s + n;
    *v = x;
    return true;
}

/* Reads a decimal number of up to 20 digits at *p, after blanks. */
static bool
decimal(const char **p, const char *end, uint64_t max, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    while (s < end && *s == ' ')
        s++;
    const char *d = s;
    while (s < end && *s >= '0' && *s <= '9' && s - d < 20) {
        uint64_t digit = (uint64_t)(*s - '0');
        if (x > (max - digit) / 10)
            return false;
        x = x * 10 + digit;
        s++;
    }
    if (s == d)
        return false;
    *p = s;
    *v = x;
    return true;
}

/* Skips blanks, then expects c. */
static bool
expect(const char **p, const char *end, char c)
{
    while (*p < end && **p == ' ')
        (*p)++;
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

/* Skips one or more blanks; false when there is none. */
static bool
blanks(const char **p, const char *end)
{
    const char *s = *p;
    while (*p < end && **p == ' ')
        (*p)++;
    return *p > s;
}

/* Reads "ADDR:PORT" (8 or 32 hex digits for the address, 4 for the port). The kernel writes
 * each 32-bit word of the address as a number in host byte order, so storing the parsed
 * value back in host order gives the network-order bytes. */
static bool
endpoint(const char **p, const char *end, unsigned family, uint8_t *addr, uint16_t *port)
{
    uint32_t w, pv;
    while (*p < end && **p == ' ')
        (*p)++;
    for (unsigned i = 0; i < (family == 4 ? 1u : 4u); i++) {
        if (!hexn(p, end, 8, &w))
            return false;
        memcpy(addr + 4 * i, &w, 4);
    }
    if (!expect(p, end, ':') || !hexn(p, end, 4, &pv))
        return false;
    *port = (uint16_t)pv;
    return true;
}

/*
 * Parses one line: "  sl: local remote st tx:rx tr:when retrnsmt uid timeout inode ...".
 * Returns true and fills *s for a well-formed socket line; false for the header and for
 * anything malformed.
 */
static bool
parse_line(const char *p, const char *end, unsigned proto, unsigned family, struct pk_sock *s)
{
    uint64_t v;
    uint32_t st, x;
    memset(s, 0, sizeof(*s));
    s->proto = proto;
    s->family = (uint8_t)family;
    s->v6only = -1;
    if (!decimal(&p, end, UINT32_MAX, &v) || !expect(&p, end, ':'))
        return false;
    if (!endpoint(&p, end, family, s->local, &s->local_port) ||
        !endpoint(&p, end, family, s->remote, &s->remote_port))
        return false;
    if (!blanks(&p, end) || !hexn(&p, end, 2, &st) || st == 0 || st > PK_SS_NEW_SYN_RECV)
        return false;
    s->state = (uint8_t)st;
    /* tx_queue:rx_queue */
    if (!blanks(&p, end) || !hexn(&p, end, 8, &s->wqueue) || !expect(&p, end, ':') ||
        !hexn(&p, end, 8, &s->rqueue))
        return false;
    /* tr:tm->when, then retrnsmt */
    if (!blanks(&p, end) || !hexn(&p, end, 2, &x) || !expect(&p, end, ':') ||
        !hexn(&p, end, 8, &x) || !blanks(&p, end) || !hexn(&p, end, 8, &x))
        return false;
    if (!decimal(&p, end, UINT32_MAX, &v))
        return false;
    s->uid = (uint32_t)v;
    if (!decimal(&p, end, UINT32_MAX, &v)) /* timeout */
        return false;
    if (!decimal(&p, end, UINT64_MAX, &v) || (p < end && *p != ' '))
        return false;
    s->inode = v;
    return true;
}

int
pk__sock_proc_parse(const char *data, size_t len, unsigned proto, unsigned family,
                    const struct pk__sockq *q, struct pk_sock_list *out)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        struct pk_sock s;
        if ((size_t)(eol - p) <= PK__PROC_LINE_MAX && parse_line(p, eol, proto, family, &s) &&
            pk__sock_wanted(q, &s)) {
            int rc = pk__sock_push(out, q->max, &s);
            if (rc < 0)
                return rc;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int
pk__sock_proc_read(pk__read_fn rd, void *ctx, char *buf, size_t chunk, unsigned proto,
                   unsigned family, const struct pk__sockq *q, struct pk_sock_list *out)
{
    size_t have = 0;
    bool skipping = false; /* inside an over-long line */
    if (chunk <= PK__PROC_LINE_MAX)
        return PK_EINVAL;
    for (;;) {
        ssize_t n = rd(ctx, buf + have, chunk - have);
        if (n < 0)
            return (int)n;
        if ((size_t)n > chunk - have)
            return PK_EIO;
        size_t end = have + (size_t)n;
        char *last = memrchr(buf, '\n', end);
        size_t upto = last ? (size_t)(last - buf) + 1 : (n == 0 ? end : 0);
        size_t start = 0;
        if (skipping && upto > 0) {
            /* Drop the tail of the over-long line. */
            char *nl = memchr(buf, '\n', upto);
            start = nl ? (size_t)(nl - buf) + 1 : upto;
            skipping = false;
        }
        if (upto > start) {
            int rc = pk__sock_proc_parse(buf + start, upto - start, proto, family, q, out);
            if (rc < 0)
                return rc;
        }
        if (n == 0)
            return 0;
        have = end - upto;
        if (have == chunk) {
            /* A line longer than the whole chunk: no socket line is that long. */
            have = 0;
            skipping = true;
        } else {
            memmove(buf, buf + upto, have);
        }
    }
}

/* Reads from the file descriptor *ctx, again after a signal. */
static ssize_t
read_file(void *ctx, char *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(*(int *)ctx, buf, len);
        if (n >= 0 || errno != EINTR)
            return n < 0 ? -errno : n;
    }
}

/* Parses one file in chunks. Returns 0, PK_ENOENT when it does not exist, or an error. */
static int
parse_file(const char *path, char *buf, unsigned proto, unsigned family, const struct pk__sockq *q,
           struct pk_sock_list *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? PK_ENOENT : -errno;
    int rc = pk__sock_proc_read(read_file, &fd, buf, CHUNK, proto, family, q, out);
    close(fd);
    return rc;
}

int
pk__sock_proc(const struct pk__sockq *q, struct pk_sock_list *out)
{
    static const struct {
        const char *name;
        unsigned proto, family;
    } files[] = {{"tcp", PK_TCP, 4}, {"tcp6", PK_TCP, 6}, {"udp", PK_UDP, 4}, {"udp6", PK_UDP, 6}};
    char path[4200];
    int rc = 0;
    size_t found = 0;
    if (strlen(q->procroot) > 4000)
        return PK_EINVAL;
    char *buf = malloc(CHUNK);
    if (!buf)
        return PK_ENOMEM;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (!(q->protos & files[i].proto) ||
            !(q->families & (files[i].family == 4 ? PK_FAM_4 : PK_FAM_6)))
            continue;
        snprintf(path, sizeof(path), "%s/net/%s", q->procroot, files[i].name);
        rc = parse_file(path, buf, files[i].proto, files[i].family, q, out);
        if (rc == PK_ENOENT) {
            rc = 0; /* no IPv6 on this host, say */
            continue;
        }
        if (rc < 0)
            goto out;
        found++;
    }
    if (found == 0)
        rc = PK_ENOENT;
out:
    free(buf);
    return rc;
}
