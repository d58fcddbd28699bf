/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Parsers of /proc/PID text: descriptor links, status, cgroup, comm, cmdline and stat. A
 * process writes its own name and arguments, so all of it is untrusted input: every parser
 * is bounded by the length it is given, never by a NUL, and is fuzzed (fuzz_proc_pid).
 */
#include <string.h>

#include "own_int.h"

int
pk__dir_number(const char *name)
{
    int v = 0;
    if (!*name)
        return -1;
    for (; *name; name++) {
        if (*name < '0' || *name > '9' || v > 100000000)
            return -1;
        v = v * 10 + (*name - '0');
    }
    return v;
}

bool
pk__fd_link_inode(const char *link, size_t n, uint64_t *inode)
{
    if (n < 10 || memcmp(link, "socket:[", 8) != 0 || link[n - 1] != ']')
        return false;
    uint64_t v = 0;
    for (size_t i = 8; i < n - 1; i++) {
        unsigned d = (unsigned)(link[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *inode = v;
    return true;
}

/* Reads a decimal number of at most max after blanks at *p (before end). Returns false
 * when there is none, or it is too large or not followed by a blank or the end. */
static bool
decimal(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    const char *d = s;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        unsigned digit = (unsigned)(*s - '0');
        if (v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (s == d || (s < end && *s != ' ' && *s != '\t' && *s != '\n'))
        return false;
    *p = s;
    *out = v;
    return true;
}

bool
pk__status_euid(const char *buf, size_t len, uint32_t *euid)
{
    const char *end = buf + len;
    for (const char *line = buf; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *eol = nl ? nl : end;
        if (eol - line > 4 && memcmp(line, "Uid:", 4) == 0) {
            const char *p = line + 4;
            uint64_t ruid, e;
            if (!decimal(&p, eol, UINT32_MAX, &ruid) || !decimal(&p, eol, UINT32_MAX, &e))
                return false;
            *euid = (uint32_t)e;
            return true;
        }
        line = eol + 1;
    }
    return false;
}

/* True when s is n lowercase hex digits. */
static bool
is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Copies n bytes at s into out (cap bytes) when they fit with their NUL. */
static bool
put(char *out, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/*
 * Finds the systemd unit or the container named by a cgroup path of len bytes, such as
 * "/system.slice/nginx.service" or "/system.slice/docker-<64 hex>.scope"; the innermost
 * unit wins, a container ends the search.
 */
static void
cgroup_path(const char *path, size_t len, struct pk_proc_info *pi)
{
    const char *p = path, *end = path + len;
    while (p < end) {
        while (p < end && *p == '/')
            p++;
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
        /* A 64-hex-digit id, bare (cgroup v1 "/docker/ID") or inside a scope name. */
        for (size_t i = 0; i + 64 <= n; i++) {
            if (is_hex(p + i, 64) && (i == 0 || p[i - 1] == '-') &&
                (i + 64 == n || p[i + 64] == '.')) {
                put(pi->container, sizeof(pi->container), p + i, 64);
                pi->unit[0] = '\0';
                return;
            }
        }
        if ((n > 8 && memcmp(p + n - 8, ".service", 8) == 0) ||
            (n > 6 && memcmp(p + n - 6, ".scope", 6) == 0))
            put(pi->unit, sizeof(pi->unit), p, n);
        if (n > 12 && memcmp(p, "lxc.payload.", 12) == 0 &&
            put(pi->container, sizeof(pi->container), p + 12, n - 12)) {
            pi->unit[0] = '\0';
            return;
        }
        p += n;
    }
}

/* Returns the start of the first line of buf (len bytes) that begins with prefix (plen
 * bytes), or NULL; *eol is set to its end. */
static const char *
find_line(const char *buf, size_t len, const char *prefix, size_t plen, const char **eol)
{
    const char *end = buf + len;
    for (const char *line = buf; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *e = nl ? nl : end;
        if ((size_t)(e - line) >= plen && memcmp(line, prefix, plen) == 0) {
            *eol = e;
            return line;
        }
        line = e + 1;
    }
    return NULL;
}

void
pk__cgroup_parse(const char *buf, size_t len, struct pk_proc_info *pi)
{
    const char *eol = NULL;
    pi->unit[0] = pi->container[0] = '\0';
    /* Prefer the unified hierarchy ("0::/path"), else the named systemd one. */
    const char *line = find_line(buf, len, "0::", 3, &eol);
    if (!line) {
        for (const char *l = buf; l < buf + len && !line;) {
            const char *nl = memchr(l, '\n', (size_t)(buf + len - l));
            const char *e = nl ? nl : buf + len;
            const char *c = memchr(l, ':', (size_t)(e - l));
            if (c && (size_t)(e - c) >= 14 && memcmp(c, ":name=systemd:", 14) == 0) {
                line = l;
                eol = e;
            }
            l = e + 1;
        }
    }
    if (!line)
        return;
    const char *path = memchr(line, '/', (size_t)(eol - line));
    if (path)
        cgroup_path(path, (size_t)(eol - path), pi);
}

void
pk__comm_parse(const char *buf, size_t len, char *out, size_t cap)
{
    const char *nl = memchr(buf, '\n', len);
    size_t n = nl ? (size_t)(nl - buf) : len;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, buf, n);
    out[n] = '\0';
}

size_t
pk__cmdline_parse(const char *buf, size_t len, char *out, size_t cap)
{
    while (len > 0 && buf[len - 1] == '\0')
        len--;
    if (len >= cap)
        len = cap - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = buf[i] ? buf[i] : ' ';
    out[len] = '\0';
    return len;
}

bool
pk__stat_parse(const char *buf, size_t len, char *state, uint64_t *start)
{
    const char *end = buf + len, *p = NULL;
    for (const char *s = buf; s < end; s++)
        if (*s == ')')
            p = s;
    if (!p || end - p < 4 || p[1] != ' ' || p[2] == ' ' || p[2] == '\n')
        return false;
    char st = p[2];
    p += 3;
    /* Fields 4 (ppid) to 21 (itrealvalue) are numbers, some of them negative. */
    for (int field = 4; field < 22; field++) {
        if (p >= end || *p != ' ')
            return false;
        p++;
        if (p < end && *p == '-')
            p++;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return false;
    }
    uint64_t v;
    if (p >= end || *p != ' ' || !decimal(&p, end, UINT64_MAX, &v))
        return false;
    *state = st;
    *start = v;
    return true;
}
