/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The processes the descriptor scan found: their details (comm, cmdline, user, cgroup) read
 * through one /proc/PID directory descriptor that is first checked to name the process the
 * scan read (same start time), and the cache of user names.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "own_int.h"
#include "portkit/error.h"

#define CMDLINE_MAX 4096
#define STAT_MAX 2048 /* /proc/PID/stat: 52 numbers and a name of at most 64 bytes */

/* Reads up to cap-1 bytes of dirfd-relative rel into buf, NUL-terminated. Returns the
 * length, or -1 with errno set. */
static ssize_t
read_at(int dirfd, const char *rel, char *buf, size_t cap)
{
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    int err = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = errno;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    if (err && len == 0) {
        errno = err;
        return -1;
    }
    return (ssize_t)len;
}

/* Reads the state and start time from stat relative to dirfd. Returns 1, 0 when the file
 * is there but malformed, or -1 (errno set) when it can't be read. */
static int
read_stat(int dirfd, const char *rel, char *state, uint64_t *start)
{
    char buf[STAT_MAX];
    ssize_t n = read_at(dirfd, rel, buf, sizeof(buf));
    if (n < 0)
        return -1;
    return pk__stat_parse(buf, (size_t)n, state, start) ? 1 : 0;
}

bool
pk__read_start(int dfd, uint64_t *start)
{
    char state;
    return read_stat(dfd, "../stat", &state, start) == 1;
}

const char *
pk_users_name(struct pk_users *u, uint32_t uid)
{
    size_t lo = 0, hi = u->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->v[mid].uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < u->n && u->v[lo].uid == uid)
        return u->v[lo].name;
    struct pk_user_name e = {.uid = uid};
    struct passwd pw, *res = NULL;
    char pwbuf[4096];
    if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
        strlen(res->pw_name) < sizeof(e.name))
        snprintf(e.name, sizeof(e.name), "%s", res->pw_name);
    else
        snprintf(e.name, sizeof(e.name), "%u", (unsigned)uid);
    /* Past the cap (or out of memory) the name is not kept: the caller copies it anyway. */
    if (pk__grow(&u->v, &u->cap, u->n + 1, sizeof(*u->v), PK_USERS_MAX) < 0) {
        memcpy(u->spill, e.name, sizeof(u->spill));
        return u->spill;
    }
    memmove(&u->v[lo + 1], &u->v[lo], (u->n - lo) * sizeof(*u->v));
    u->v[lo] = e;
    u->n++;
    return u->v[lo].name;
}

void
pk_users_free(struct pk_users *u)
{
    free(u->v);
    memset(u, 0, sizeof(*u));
}

int
pk__proc_details(int procfd, const struct pk__proc *p, bool no_details, struct pk_users *users,
                 struct pk_proc_info *pi)
{
    char rel[16], buf[CMDLINE_MAX], state = 0;
    uint64_t start = 0;
    ssize_t n;
    int rc = 0;

    snprintf(rel, sizeof(rel), "%d", p->pid);
    int pfd = openat(procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return 0; /* exited */
    /* Every file below is read through pfd: the process checked here is the one described. */
    int st = read_stat(pfd, "stat", &state, &start);
    if (st == 1 && (state == 'Z' || state == 'X'))
        goto out; /* exited, not reaped yet: its descriptors are closed */
    if (p->start_known && (st != 1 || start != p->start))
        goto out; /* exited meanwhile, or the pid now names another process */

    memset(pi, 0, sizeof(*pi));
    pi->pid = p->pid;
    if (no_details) {
        rc = 1;
        goto out;
    }
    n = read_at(pfd, "comm", buf, sizeof(buf));
    pk__comm_parse(buf, n > 0 ? (size_t)n : 0, pi->comm, sizeof(pi->comm));
    n = read_at(pfd, "cmdline", buf, sizeof(buf));
    char *cmd = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!cmd) {
        rc = PK_ENOMEM;
        goto out;
    }
    pk__cmdline_parse(buf, n > 0 ? (size_t)n : 0, cmd, n > 0 ? (size_t)n + 1 : 1);
    pi->cmdline = cmd;
    n = read_at(pfd, "status", buf, sizeof(buf));
    if (n > 0 && pk__status_euid(buf, (size_t)n, &pi->uid)) {
        pi->uid_known = true;
        snprintf(pi->user, sizeof(pi->user), "%s", pk_users_name(users, pi->uid));
    }
    n = read_at(pfd, "cgroup", buf, sizeof(buf));
    if (n > 0)
        pk__cgroup_parse(buf, (size_t)n, pi);
    rc = 1;
out:
    close(pfd);
    return rc;
}

void
pk__procs_free(struct pk__proc *procs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(procs[k].spans);
        free(procs[k].probes);
    }
}
