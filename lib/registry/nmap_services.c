/* SPDX-License-Identifier: BSD-2-Clause */
/* nmap's services file: a strict, bounded line parser and the file reader around it. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nmap_services.h"
#include "portkit/error.h"
#include "portkit/registry.h"

#define NAME_MAX_ 64

/*
 * Parses one line (without its newline) of n bytes. Returns 1 and sets *port and *f when it
 * is a line of protocol want, 0 for a line of another protocol, -1 when it is malformed.
 */
static int
parse_line(const char *s, size_t n, const char *want, unsigned *port, double *f)
{
    const char *p = s, *end = s + n;
    if (n && end[-1] == '\r')
        end--;
    /* name: printable ASCII, no blanks */
    const char *name = p;
    while (p<end && * p> ' ' && *p < 0x7f && *p != '#')
        p++;
    if (p == name || p - name > NAME_MAX_ || p == end || *p++ != '\t')
        return -1;
    /* port: decimal 0..65535, no sign, no leading zeros */
    unsigned v = 0;
    const char *d = p;
    while (p < end && *p >= '0' && *p <= '9' && p - d < 6)
        v = v * 10 + (unsigned)(*p++ - '0');
    if (p == d || v > PK_PORT_MAX || (p - d > 1 && *d == '0') || p == end || *p++ != '/')
        return -1;
    /* protocol */
    const char *pr = p;
    while (p < end && *p >= 'a' && *p <= 'z')
        p++;
    size_t pl = (size_t)(p - pr);
    if (pl == 0 || pl > 4 || p == end || *p++ != '\t')
        return -1;
    /* frequency: 0, 1, or a decimal fraction in 0..1 */
    if (p == end || (*p != '0' && *p != '1'))
        return -1;
    double x = *p++ - '0', scale = 1;
    if (p < end && *p == '.') {
        p++;
        const char *fd = p;
        while (p < end && *p >= '0' && *p <= '9' && p - fd < 12) {
            scale /= 10;
            x += (*p++ - '0') * scale;
        }
        if (p == fd)
            return -1;
    }
    if (x > 1 || (p < end && *p != '\t'))
        return -1;
    if (pl != strlen(want) || memcmp(pr, want, pl) != 0) {
        bool known = (pl == 3 && (memcmp(pr, "tcp", 3) == 0 || memcmp(pr, "udp", 3) == 0)) ||
                     (pl == 4 && memcmp(pr, "sctp", 4) == 0);
        return known ? 0 : -1;
    }
    *port = v;
    *f = x;
    return 1;
}

int
pk__nmap_services_parse(const char *text, size_t len, unsigned proto, double *freq,
                        struct pk__nmap_services_stats *st)
{
    const char *want = proto == PK_TCP    ? "tcp"
                       : proto == PK_UDP  ? "udp"
                       : proto == PK_SCTP ? "sctp"
                                          : NULL;
    memset(st, 0, sizeof(*st));
    if (!want || len > PK__NMAP_SERVICES_MAX)
        return PK_EINVAL;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = (nl ? (size_t)(nl - text) : len) - i;
        const char *s = text + i;
        i += n + (nl != NULL);
        st->lines++;
        if (n == 0 || s[0] == '#')
            continue;
        unsigned port = 0;
        double f = 0;
        int rc =
            n > PK__NMAP_LINE_MAX || memchr(s, '\0', n) ? -1 : parse_line(s, n, want, &port, &f);
        if (rc < 0) {
            if (st->bad++ == 0)
                st->bad_line = st->lines;
            continue;
        }
        if (rc == 0)
            continue;
        st->used++;
        if (f > freq[port])
            freq[port] = f;
    }
    return 0;
}

int
pk__nmap_services_read(const char *path, unsigned proto, double *freq,
                       struct pk__nmap_services_stats *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = 0;
    char *buf = NULL;
    size_t len = 0;
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > PK__NMAP_SERVICES_MAX) {
        rc = S_ISREG(sb.st_mode) ? PK_EMSGSIZE : PK_EINVAL;
        goto out;
    }
    /* One byte more than the size: a file that grew since fstat() is caught. */
    size_t cap = (size_t)sb.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        rc = PK_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            rc = PK_EMSGSIZE;
            goto out;
        }
    }
    rc = pk__nmap_services_parse(buf, len, proto, freq, st);
out:
    free(buf);
    close(fd);
    return rc;
}
