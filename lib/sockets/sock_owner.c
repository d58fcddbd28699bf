/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket owners: which processes hold which socket inodes, from the links in /proc/PID/fd
 * ("socket:[INODE]"). Reading a link is the whole cost, so the search reads as few as it
 * can: low descriptor numbers of every process first (listeners are opened at start-up),
 * then a bisection of the large tables of holders by inode order (see bisect_holder()),
 * then the rest, holders first, and it stops when every wanted inode has a holder.
 * Processes, and large descriptor tables in blocks, are shared out to one thread per CPU
 * (up to 4). Details
 * (comm, cmdline, user, cgroup) are read only for the processes found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/sockets.h"

#define LOW_FDS 256  /* descriptors below this are read in the first pass */
#define SHARED_FDS 8 /* descriptor numbers checked in processes not read in full */
#define CMDLINE_MAX 4096
#define COUNTED_MIN 128 /* processes with more descriptors are walked by number */
#define MAX_MISSES 256  /* absent numbers in a row before a walk lists the directory */
#define MAX_THREADS 4
#define SPLIT_MIN 2048 /* descriptors left in one process worth splitting over threads */
#define NOFD 2         /* check_fd(): no such descriptor */

/* What every thread shares. Flags and counters change only through atomics. */
struct scan {
    int procfd;
    bool sized_dirs;      /* the size of /proc/PID/fd is its number of descriptors */
    bool full;            /* never stop early */
    const uint64_t *want; /* sorted, unique */
    unsigned char *found;
    size_t nwant;
    size_t nleft;
    struct item *items;
    size_t nitems;
    size_t next; /* the next item to take */
};

/* One process. */
struct pstate {
    int pid;
    bool holder;   /* holds a wanted socket */
    bool complete; /* every descriptor has been read */
    bool denied;
    long nfds;  /* open descriptors when the kernel says (Linux 6.2+), else -1 */
    long seen;  /* descriptors found so far */
    int upto;   /* descriptors up to and including this number have been read */
    int relist; /* a walk gave up here: list the directory from this number */
};

/* A piece of work: descriptors lo..hi-1 of one process, walked by number or listed. */
struct item {
    struct pstate *ps;
    int lo, hi;
    bool walk;
    long expect; /* a walk stops after seeing this many descriptors */
    /* results, written by the one thread that takes the item: */
    bool taken;
    long seen;
    int upto;     /* the highest number read */
    bool stopped; /* gave up walking (too sparse) or stopped early */
    bool sparse;  /* gave up walking */
    bool listed_all;
    int err;
};

/* What one thread collects. */
struct worker {
    struct scan *sc;
    struct pk_owner_ref *refs;
    size_t nrefs, cap;
    size_t fds_read;
    int err;
};

/* Returns the index of inode in the wanted list, or -1. */
static long
want_index(const struct scan *sc, uint64_t inode)
{
    size_t lo = 0, hi = sc->nwant;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sc->want[mid] < inode)
            lo = mid + 1;
        else if (sc->want[mid] > inode)
            hi = mid;
        else
            return (long)mid;
    }
    return -1;
}

/* Parses "socket:[INODE]". Returns false for anything else. */
static bool
socket_inode(const char *link, ssize_t n, uint64_t *inode)
{
    if (n < 10 || memcmp(link, "socket:[", 8) != 0 || link[n - 1] != ']')
        return false;
    uint64_t v = 0;
    for (ssize_t i = 8; i < n - 1; i++) {
        if (link[i] < '0' || link[i] > '9' || v > UINT64_MAX / 10 - 1)
            return false;
        v = v * 10 + (uint64_t)(link[i] - '0');
    }
    *inode = v;
    return true;
}

/* True when the search may stop: every wanted inode has a holder. */
static bool
all_found(const struct scan *sc)
{
    return !sc->full && __atomic_load_n(&sc->nleft, __ATOMIC_RELAXED) == 0;
}

/*
 * Reads the link of descriptor fd (named name, relative to dirfd) and records it when it
 * is a wanted socket. Returns 1 when recorded, 0 when not, NOFD when there is no such
 * descriptor, PK_ENOMEM.
 */
static int
check_fd(struct worker *w, int dirfd, const char *name, struct pstate *ps, int fd)
{
    struct scan *sc = w->sc;
    char link[64];
    uint64_t inode;
    ssize_t n = readlinkat(dirfd, name, link, sizeof(link));
    w->fds_read++;
    if (n < 0 && errno == ENOENT)
        return NOFD;
    if (n <= 0 || n >= (ssize_t)sizeof(link) || !socket_inode(link, n, &inode))
        return 0;
    long i = want_index(sc, inode);
    if (i < 0)
        return 0;
    if (w->nrefs == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        struct pk_owner_ref *r = realloc(w->refs, cap * sizeof(*r));
        if (!r)
            return PK_ENOMEM;
        w->refs = r;
        w->cap = cap;
    }
    /* proc holds the pid for now; pk_owners_find() turns it into an index. */
    w->refs[w->nrefs++] =
        (struct pk_owner_ref){.inode = inode, .proc = (uint32_t)ps->pid, .fd = fd};
    __atomic_store_n(&ps->holder, true, __ATOMIC_RELAXED);
    if (__atomic_exchange_n(&sc->found[i], 1, __ATOMIC_RELAXED) == 0)
        __atomic_fetch_sub(&sc->nleft, 1, __ATOMIC_RELAXED);
    return 1;
}

/* Parses a descriptor name; -1 for "." and "..". */
static int
fd_number(const char *name)
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

/* Writes v in decimal to buf (16 bytes). */
static void
utoa(char *buf, unsigned v)
{
    char tmp[16];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

/*
 * Reads descriptor fd of a process (dfd is its /proc/PID/fd) and, when it is a socket, sets
 * *inode. Returns 1 for a socket, 0 for something else, NOFD when there is no such
 * descriptor.
 */
static int
probe_fd(struct worker *w, int dfd, int fd, uint64_t *inode)
{
    char name[16], link[64];
    utoa(name, (unsigned)fd);
    ssize_t n = readlinkat(dfd, name, link, sizeof(link));
    w->fds_read++;
    if (n < 0)
        return errno == ENOENT ? NOFD : 0;
    return n < (ssize_t)sizeof(link) && socket_inode(link, n, inode) ? 1 : 0;
}

/*
 * Looks for the wanted inodes not found yet in the large descriptor table of a process
 * known to hold one, by binary search on descriptor numbers. Socket inode numbers come from
 * a counter, and a server that accepts connections and keeps them gets descriptors in the
 * same order, so in such a table inode grows with descriptor number: a few reads find a
 * socket where a walk would read thousands. The order is an assumption, never trusted:
 * a socket is recorded only when the link read says so, and when searches miss (a table
 * whose order is broken by reuse), the search gives up and the walk of pass 2 reads
 * everything as before. Returns 0 or PK_ENOMEM.
 */
static int
bisect_holder(struct worker *w, struct pstate *ps)
{
    struct scan *sc = w->sc;
    char path[32];
    snprintf(path, sizeof(path), "%d/fd", ps->pid);
    int dfd = openat(sc->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    int rc = 0, misses = 0;
    int lo0 = ps->upto + 1;
    long hi0 = lo0 + (ps->nfds - ps->seen) + (ps->nfds - ps->seen) / 64 + 16;
    for (size_t i = 0; i < sc->nwant && misses < 8 && !all_found(sc); i++) {
        if (__atomic_load_n(&sc->found[i], __ATOMIC_RELAXED))
            continue;
        long lo = lo0, hi = hi0; /* the inode, if ordered, is at a descriptor in lo..hi-1 */
        bool hit = false;
        while (lo < hi && !hit) {
            long mid = lo + (hi - lo) / 2, fd = mid;
            uint64_t inode = 0;
            int r = NOFD;
            bool any = false;
            /* Step over closed descriptors and non-sockets, a few at most. */
            for (int step = 0; step < 4 && fd < hi && r != 1; step++, fd++) {
                r = probe_fd(w, dfd, (int)fd, &inode);
                any |= r != NOFD;
            }
            if (!any) {
                hi = mid; /* past the end of the table (or a gap): look lower */
                continue;
            }
            if (r != 1)
                break; /* nothing to compare with here: leave it to the walk */
            fd--;
            if (inode == sc->want[i]) {
                char name[16];
                utoa(name, (unsigned)fd);
                rc = check_fd(w, dfd, name, ps, (int)fd);
                if (rc < 0)
                    goto out;
                hit = rc == 1;
            } else if (inode < sc->want[i]) {
                lo = fd + 1;
            } else {
                hi = mid;
            }
        }
        misses = hit ? 0 : misses + 1;
    }
    rc = 0;
out:
    close(dfd);
    return rc;
}

/*
 * Does one item. A walk tries descriptor numbers lo..hi-1 in turn (where the kernel gives
 * the number of descriptors this saves listing the directory, a third of the cost) and
 * gives up after MAX_MISSES absent numbers in a row; a listing reads the directory.
 */
static void
do_item(struct worker *w, struct item *it)
{
    struct scan *sc = w->sc;
    char path[32];
    int rc = 0;
    it->taken = true;
    it->upto = it->lo - 1;
    snprintf(path, sizeof(path), "%d/fd", it->ps->pid);
    int dfd = openat(sc->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno != ENOENT)
            __atomic_store_n(&it->ps->denied, true, __ATOMIC_RELAXED);
        it->listed_all = true; /* nothing more to read there */
        return;
    }
    if (it->walk) {
        char name[16];
        int misses = 0;
        for (int fd = it->lo; fd < it->hi && it->seen < it->expect; fd++) {
            utoa(name, (unsigned)fd);
            rc = check_fd(w, dfd, name, it->ps, fd);
            if (rc < 0)
                goto out;
            it->upto = fd;
            if (rc == NOFD) {
                if (++misses > MAX_MISSES) {
                    it->stopped = it->sparse = true;
                    break;
                }
                continue;
            }
            misses = 0;
            it->seen++;
            if (all_found(sc)) {
                it->stopped = true;
                break;
            }
        }
        rc = 0;
        goto out;
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        rc = PK_ENOMEM;
        goto out;
    }
    dfd = -1;
    struct dirent *e;
    bool reached = false;
    while ((e = readdir(d)) != NULL) {
        int fd = fd_number(e->d_name);
        if (fd < it->lo)
            continue;
        if (fd >= it->hi) {
            reached = true;
            break;
        }
        rc = check_fd(w, dirfd(d), e->d_name, it->ps, fd);
        if (rc < 0)
            break;
        rc = 0;
        it->upto = fd;
        it->seen++;
        if (all_found(sc)) {
            it->stopped = true;
            break;
        }
    }
    if (!reached && !it->stopped && rc == 0)
        it->listed_all = true;
    closedir(d);
out:
    if (dfd >= 0)
        close(dfd);
    it->err = rc;
}

/* Takes items until none are left or the search may stop. */
static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct scan *sc = w->sc;
    for (;;) {
        size_t i = __atomic_fetch_add(&sc->next, 1, __ATOMIC_RELAXED);
        if (i >= sc->nitems || all_found(sc))
            break;
        do_item(w, &sc->items[i]);
        if (sc->items[i].err && !w->err)
            w->err = sc->items[i].err;
    }
    return NULL;
}

/*
 * Runs the items of sc on up to nthreads threads (this one included), with workers w[0..].
 * Returns 0 or the first error of a worker.
 */
static int
run_items(struct scan *sc, struct worker *w, int nthreads)
{
    pthread_t tid[MAX_THREADS];
    int started = 0;
    sc->next = 0;
    if ((size_t)nthreads > sc->nitems)
        nthreads = (int)sc->nitems; /* an idle thread costs its start-up */
    if (nthreads < 1)
        nthreads = 1;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&tid[t], NULL, worker_main, &w[t]) != 0)
            break;
        started = t;
    }
    worker_main(&w[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    for (int t = 0; t < nthreads; t++)
        if (w[t].err)
            return w[t].err;
    return 0;
}

/* Reads up to cap-1 bytes of procroot-relative rel into buf. Returns the length or -1. */
static ssize_t
read_rel(int procfd, const char *rel, char *buf, size_t cap)
{
    int fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
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

/*
 * Finds the systemd unit or the container named by a cgroup path such as
 * "/system.slice/nginx.service" or "/system.slice/docker-<64 hex>.scope".
 */
static void
cgroup_names(const char *path, struct pk_proc_info *pi)
{
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        /* A 64-hex-digit id, bare (cgroup v1 "/docker/ID") or inside a scope name. */
        for (size_t i = 0; i + 64 <= n; i++) {
            if (is_hex(p + i, 64) && (i == 0 || p[i - 1] == '-') &&
                (i + 64 == n || p[i + 64] == '.')) {
                memcpy(pi->container, p + i, 64);
                pi->container[64] = '\0';
                pi->unit[0] = '\0';
                return;
            }
        }
        if (n > 8 && n < sizeof(pi->unit) &&
            (strncmp(p + n - 8, ".service", 8) == 0 ||
             (n > 6 && strncmp(p + n - 6, ".scope", 6) == 0))) {
            memcpy(pi->unit, p, n);
            pi->unit[n] = '\0';
        }
        if (n > 12 && strncmp(p, "lxc.payload.", 12) == 0 && n - 12 < sizeof(pi->container)) {
            memcpy(pi->container, p + 12, n - 12);
            pi->container[n - 12] = '\0';
            pi->unit[0] = '\0';
            return;
        }
        p += n;
    }
}

/* Fills everything but pid of pi from /proc/PID; the user name comes from prev when the
 * uid is the same. Missing files leave fields empty. Returns 0 or PK_ENOMEM. */
static int
proc_details(int procfd, int pid, struct pk_proc_info *pi, const struct pk_proc_info *prev)
{
    char rel[48], buf[CMDLINE_MAX];
    ssize_t n;

    snprintf(rel, sizeof(rel), "%d/comm", pid);
    n = read_rel(procfd, rel, pi->comm, sizeof(pi->comm));
    if (n > 0 && pi->comm[n - 1] == '\n')
        pi->comm[n - 1] = '\0';

    snprintf(rel, sizeof(rel), "%d/cmdline", pid);
    n = read_rel(procfd, rel, buf, sizeof(buf));
    if (n < 0)
        n = 0;
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    pi->cmdline = strdup(buf);
    if (!pi->cmdline)
        return PK_ENOMEM;

    snprintf(rel, sizeof(rel), "%d/status", pid);
    if (read_rel(procfd, rel, buf, sizeof(buf)) > 0) {
        const char *u = strstr(buf, "\nUid:");
        unsigned long ruid, euid;
        if (u && sscanf(u + 5, "%lu %lu", &ruid, &euid) == 2) {
            pi->uid = (uint32_t)euid;
            pi->uid_known = true;
        }
    }
    if (pi->uid_known && prev && prev->uid_known && prev->uid == pi->uid) {
        memcpy(pi->user, prev->user, sizeof(pi->user)); /* the passwd lookup may be remote */
    } else if (pi->uid_known) {
        struct passwd pw, *res = NULL;
        char pwbuf[2048];
        if (getpwuid_r(pi->uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
            strlen(res->pw_name) < sizeof(pi->user))
            snprintf(pi->user, sizeof(pi->user), "%s", res->pw_name);
        else
            snprintf(pi->user, sizeof(pi->user), "%u", (unsigned)pi->uid);
    }

    snprintf(rel, sizeof(rel), "%d/cgroup", pid);
    if (read_rel(procfd, rel, buf, sizeof(buf)) > 0) {
        /* Prefer the unified hierarchy ("0::/path"), else the named systemd one. */
        char *line = strstr(buf, "0::");
        if (!(line == buf || (line && line[-1] == '\n')))
            line = strstr(buf, ":name=systemd:");
        if (line) {
            char *path = strchr(line, '/');
            if (path) {
                char *nl = strchr(path, '\n');
                if (nl)
                    *nl = '\0';
                cgroup_names(path, pi);
            }
        }
    }
    return 0;
}

/* qsort order of inode numbers. */
static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* qsort order of refs: by inode, then by process. */
static int
cmp_ref(const void *a, const void *b)
{
    const struct pk_owner_ref *x = a, *y = b;
    if (x->inode != y->inode)
        return x->inode < y->inode ? -1 : 1;
    return x->proc < y->proc ? -1 : x->proc > y->proc;
}

/* qsort order of ints. */
static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* Lists the process ids under procroot. Returns 0 or PK_ENOMEM; *out is malloc'd. */
static int
list_pids(int procfd, struct pstate **out, size_t *n)
{
    size_t cap = 256, cnt = 0;
    struct pstate *v = malloc(cap * sizeof(*v));
    int dfd = dup(procfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!v || !d) {
        if (dfd >= 0 && !d)
            close(dfd);
        free(v);
        return PK_ENOMEM;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid = fd_number(e->d_name);
        if (pid <= 0)
            continue;
        if (cnt == cap) {
            struct pstate *nv = realloc(v, cap * 2 * sizeof(*v));
            if (!nv) {
                closedir(d);
                free(v);
                return PK_ENOMEM;
            }
            v = nv;
            cap *= 2;
        }
        v[cnt++] = (struct pstate){.pid = pid, .nfds = -1, .upto = -1, .relist = INT32_MAX};
    }
    closedir(d);
    *out = v;
    *n = cnt;
    return 0;
}

/* Sets the descriptor count of every process when the kernel gives it. */
static void
count_fds(struct scan *sc, struct pstate *ps, size_t nps)
{
    char path[32];
    struct stat st;
    int self = (int)getpid();
    if (!sc->sized_dirs)
        return;
    for (size_t k = 0; k < nps; k++) {
        /* This process opens descriptors while it counts its own: no count for it. */
        if (ps[k].pid == self)
            continue;
        snprintf(path, sizeof(path), "%d/fd", ps[k].pid);
        if (fstatat(sc->procfd, path, &st, 0) == 0)
            ps[k].nfds = (long)st.st_size;
        /* No descriptors (kernel threads), gone, or not ours to read: nothing to do. */
        ps[k].complete = ps[k].nfds <= 0;
    }
}

/* Appends an item. Returns false when out of memory. */
static bool
add_item(struct item **v, size_t *n, size_t *cap, struct pstate *ps, int lo, int hi, bool walk)
{
    long expect = ps->nfds - ps->seen;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        struct item *nv = realloc(*v, c * sizeof(*nv));
        if (!nv)
            return false;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = (struct item){.ps = ps, .lo = lo, .hi = hi, .walk = walk, .expect = expect};
    return true;
}

/* Folds the results of the items into their processes. */
static void
fold_items(struct scan *sc)
{
    for (size_t i = 0; i < sc->nitems; i++) {
        struct item *it = &sc->items[i];
        struct pstate *ps = it->ps;
        if (!it->taken)
            continue; /* the search stopped first */
        ps->seen += it->seen;
        if (it->listed_all || (ps->nfds >= 0 && ps->seen >= ps->nfds))
            ps->complete = true;
        if (!it->stopped && it->upto < it->hi - 1)
            it->upto = it->hi - 1;
        if (it->upto > ps->upto)
            ps->upto = it->upto;
        /* A block that gave up or stopped early leaves a gap below later blocks. */
        if (it->stopped && it->upto + 1 < ps->relist)
            ps->relist = it->upto + 1;
    }
}

/*
 * After an early stop: processes not read in full may still hold a found socket under the
 * same descriptor number as a holder (forked workers sharing their master's listener).
 */
static int
check_shared(struct worker *w, struct pstate *ps, size_t nps)
{
    int fds[SHARED_FDS];
    size_t nfds = 0, nrefs = w->nrefs;
    int rc = 0;
    int *all = malloc((nrefs ? nrefs : 1) * sizeof(int));
    if (!all)
        return PK_ENOMEM;
    for (size_t i = 0; i < nrefs; i++)
        all[i] = w->refs[i].fd;
    qsort(all, nrefs, sizeof(int), cmp_int);
    for (size_t i = 0; i < nrefs && nfds < SHARED_FDS; i++)
        if (nfds == 0 || fds[nfds - 1] != all[i])
            fds[nfds++] = all[i];
    free(all);

    for (size_t k = 0; k < nps; k++) {
        if (ps[k].complete)
            continue;
        char path[32];
        for (size_t i = 0; i < nfds; i++) {
            if (fds[i] <= ps[k].upto && fds[i] < ps[k].relist)
                continue; /* read already */
            snprintf(path, sizeof(path), "%d/fd/%d", ps[k].pid, fds[i]);
            rc = check_fd(w, w->sc->procfd, path, &ps[k], fds[i]);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Merges the refs of workers 1..n-1 into worker 0. Returns 0 or PK_ENOMEM. */
static int
merge_workers(struct worker *w, int n)
{
    for (int t = 1; t < n; t++) {
        w[0].fds_read += w[t].fds_read;
        if (!w[t].nrefs)
            continue;
        size_t need = w[0].nrefs + w[t].nrefs;
        if (need > w[0].cap) {
            struct pk_owner_ref *r = realloc(w[0].refs, need * sizeof(*r));
            if (!r)
                return PK_ENOMEM;
            w[0].refs = r;
            w[0].cap = need;
        }
        memcpy(w[0].refs + w[0].nrefs, w[t].refs, w[t].nrefs * sizeof(struct pk_owner_ref));
        w[0].nrefs = need;
    }
    return 0;
}

/* Runs one pass: items[0..nitems) on nthreads threads, then folds the results into the
 * processes. Returns run_items()'s value. */
static int
run_pass(struct scan *sc, struct item *items, size_t nitems, struct worker *w, int nthreads)
{
    sc->items = items;
    sc->nitems = nitems;
    int rc = run_items(sc, w, nthreads);
    fold_items(sc);
    return rc;
}

int
pk_owners_find(const char *procroot, const uint64_t *inodes, size_t n, unsigned flags,
               struct pk_owners *out)
{
    struct scan sc = {.procfd = -1, .full = (flags & PK_OWN_FULL) != 0};
    struct worker w[MAX_THREADS];
    struct pstate *ps = NULL;
    struct item *items = NULL;
    size_t nps = 0, nitems = 0, capitems = 0;
    struct pk_owners o = {0};
    int rc = 0;
    int nthreads = 1;

    memset(w, 0, sizeof(w));
    for (int t = 0; t < MAX_THREADS; t++)
        w[t].sc = &sc;
    if (!procroot)
        procroot = "/proc";
    uint64_t *want = malloc((n ? n : 1) * sizeof(*want));
    sc.found = calloc(n ? n : 1, 1);
    if (!want || !sc.found) {
        rc = PK_ENOMEM;
        goto out;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (inodes[i])
            want[m++] = inodes[i];
    qsort(want, m, sizeof(*want), cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || want[u - 1] != want[i])
            want[u++] = want[i];
    sc.want = want;
    sc.nwant = sc.nleft = u;
    if (u == 0)
        goto done;

    sc.procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sc.procfd < 0) {
        rc = -errno;
        goto out;
    }
    rc = list_pids(sc.procfd, &ps, &nps);
    if (rc < 0)
        goto out;
    {
        /* Linux 6.2 and later give /proc/PID/fd the number of descriptors as its size. */
        struct statfs sf;
        struct stat st;
        sc.sized_dirs = fstatfs(sc.procfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC &&
                        fstatat(sc.procfd, "self/fd", &st, 0) == 0 && st.st_size > 0;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
    count_fds(&sc, ps, nps);

    /* Pass 1: the low descriptors of every process (all of them for small tables). */
    for (size_t k = 0; k < nps; k++) {
        if (ps[k].complete || ps[k].nfds == 0)
            continue;
        bool walk = ps[k].nfds > COUNTED_MIN;
        /* A small table known to be small is read whole; others up to LOW_FDS. */
        bool whole = sc.full || (!walk && ps[k].nfds >= 0);
        int hi = whole ? INT32_MAX : LOW_FDS;
        if (!add_item(&items, &nitems, &capitems, &ps[k], 0, hi, walk)) {
            rc = PK_ENOMEM;
            goto out;
        }
    }
    rc = run_pass(&sc, items, nitems, w, nthreads);
    if (rc < 0)
        goto out;

    /* Pass 1b: large tables of holders, by binary search on the inode order. */
    if (!sc.full && sc.sized_dirs)
        for (size_t k = 0; k < nps && !all_found(&sc); k++)
            if (ps[k].holder && !ps[k].complete && ps[k].nfds > (long)SPLIT_MIN &&
                (rc = bisect_holder(&w[0], &ps[k])) < 0)
                goto out;

    /* Pass 2: the rest, holders first. */
    for (int holders = 1; holders >= 0 && !all_found(&sc); holders--) {
        nitems = 0;
        for (size_t k = 0; k < nps; k++) {
            struct pstate *p = &ps[k];
            if (p->complete || p->holder != (bool)holders)
                continue;
            int lo = p->upto + 1;
            long left = p->nfds - p->seen;
            if (left > SPLIT_MIN && nthreads > 1) {
                /* A large table is read in one block per thread: a dense table ends near
                 * lo + the descriptors not seen yet; a sparse one is listed afterwards. */
                long end = lo + left + left / 64 + 16;
                long step = (end - lo + nthreads - 1) / nthreads;
                for (long b = lo; b < end; b += step) {
                    long e = b + step < end ? b + step : end;
                    if (!add_item(&items, &nitems, &capitems, p, (int)b, (int)e, true)) {
                        rc = PK_ENOMEM;
                        goto out;
                    }
                    items[nitems - 1].expect = LONG_MAX;
                }
            } else if (!add_item(&items, &nitems, &capitems, p, lo, INT32_MAX, left > 0)) {
                rc = PK_ENOMEM;
                goto out;
            }
        }
        rc = run_pass(&sc, items, nitems, w, nthreads);
        if (rc < 0)
            goto out;
        /* Whatever a walk left (a sparse table): list the directory. */
        nitems = 0;
        for (size_t k = 0; k < nps && !all_found(&sc); k++)
            if (!ps[k].complete && ps[k].holder == (bool)holders &&
                !add_item(&items, &nitems, &capitems, &ps[k],
                          ps[k].relist < ps[k].upto + 1 ? ps[k].relist : ps[k].upto + 1, INT32_MAX,
                          false)) {
                rc = PK_ENOMEM;
                goto out;
            }
        rc = run_pass(&sc, items, nitems, w, nthreads);
        if (rc < 0)
            goto out;
    }
    rc = merge_workers(w, nthreads);
    if (rc < 0)
        goto out;
    nthreads = 1;
    if (!sc.full) {
        rc = check_shared(&w[0], ps, nps);
        if (rc < 0)
            goto out;
    }
    for (size_t k = 0; k < nps; k++) {
        o.procs_denied += ps[k].denied;
        o.procs_scanned += ps[k].upto >= 0 || ps[k].complete;
    }

done:
    if (w[0].nrefs)
        qsort(w[0].refs, w[0].nrefs, sizeof(*w[0].refs), cmp_ref);
    /* A process holding one socket under several descriptors (dup) counts once. */
    {
        size_t k = 0;
        for (size_t i = 0; i < w[0].nrefs; i++)
            if (k == 0 || w[0].refs[k - 1].inode != w[0].refs[i].inode ||
                w[0].refs[k - 1].proc != w[0].refs[i].proc)
                w[0].refs[k++] = w[0].refs[i];
        w[0].nrefs = k;
    }
    /* One pk_proc_info per distinct pid, in pid order. */
    {
        int *pids = malloc((w[0].nrefs ? w[0].nrefs : 1) * sizeof(int));
        if (!pids) {
            rc = PK_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < w[0].nrefs; i++)
            pids[i] = (int)w[0].refs[i].proc;
        qsort(pids, w[0].nrefs, sizeof(int), cmp_int);
        size_t np = 0;
        for (size_t i = 0; i < w[0].nrefs; i++)
            if (np == 0 || pids[np - 1] != pids[i])
                pids[np++] = pids[i];
        o.procs = calloc(np ? np : 1, sizeof(*o.procs));
        if (!o.procs) {
            free(pids);
            rc = PK_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < np; i++) {
            o.procs[i].pid = pids[i];
            o.nprocs = i + 1;
            if (!(flags & PK_OWN_NO_DETAILS) && sc.procfd >= 0) {
                rc = proc_details(sc.procfd, pids[i], &o.procs[i], i ? &o.procs[i - 1] : NULL);
                if (rc < 0) {
                    free(pids);
                    goto out;
                }
            }
        }
        for (size_t i = 0; i < w[0].nrefs; i++) {
            int *hit = bsearch(&(int){(int)w[0].refs[i].proc}, pids, np, sizeof(int), cmp_int);
            w[0].refs[i].proc = (uint32_t)(hit - pids);
        }
        free(pids);
    }
    o.refs = w[0].refs;
    o.nrefs = w[0].nrefs;
    o.fds_read = w[0].fds_read;
    w[0].refs = NULL;
out:
    if (sc.procfd >= 0)
        close(sc.procfd);
    for (int t = 0; t < MAX_THREADS; t++)
        free(w[t].refs);
    free(items);
    free(ps);
    free(want);
    free(sc.found);
    if (rc < 0) {
        pk_owners_free(&o);
        return rc;
    }
    *out = o;
    return 0;
}

void
pk_owners_free(struct pk_owners *o)
{
    for (size_t i = 0; i < o->nprocs; i++)
        free(o->procs[i].cmdline);
    free(o->procs);
    free(o->refs);
    memset(o, 0, sizeof(*o));
}

size_t
pk_owners_of(const struct pk_owners *o, uint64_t inode, size_t *first)
{
    size_t lo = 0, hi = o->nrefs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->refs[mid].inode < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < o->nrefs && o->refs[end].inode == inode)
        end++;
    *first = lo;
    return end - lo;
}
