/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket owners: which processes hold which socket inodes. The descriptor scan (own_scan.c)
 * finds the holders' pids; the details (own_proc.c) are then read only for the processes
 * found, through a /proc/PID directory checked to still name the process the scan read.
 * This file runs the two and says why a socket has no holder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "grow.h"
#include "own_int.h"
#include "portkit/error.h"

#define PROCS_MAX ((size_t)1 << 23) /* processes (pid_max is at most 2^22) */

/* qsort order of inode numbers. */
static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* qsort order of pids. */
static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
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

/* qsort order of processes by pid. */
static int
cmp_proc(const void *a, const void *b)
{
    int x = ((const struct pk__proc *)a)->pid, y = ((const struct pk__proc *)b)->pid;
    return x < y ? -1 : x > y;
}

/* Lists the processes under procfd, in pid order. Returns 0 or a negative pk_errno;
 * *out is malloc'd. */
static int
list_procs(int procfd, struct pk__proc **out, size_t *n)
{
    struct pk__proc *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = 0;
    int dfd = dup(procfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        rc = errno == ENOMEM ? PK_ENOMEM : -errno; /* EMFILE, or procroot is no directory */
        if (dfd >= 0)
            close(dfd);
        return rc;
    }
    rewinddir(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid = pk__dir_number(e->d_name);
        if (pid <= 0)
            continue;
        struct pk__proc p = {.pid = pid, .nfds = -1};
        if ((rc = pk__push(&v, &cnt, &cap, &p, sizeof(p), PROCS_MAX)) < 0)
            break;
    }
    closedir(d);
    if (rc < 0) {
        free(v);
        return rc;
    }
    if (cnt)
        qsort(v, cnt, sizeof(*v), cmp_proc);
    *out = v;
    *n = cnt;
    return 0;
}

/* Finds the process with pid in the pid-ordered procs. */
static const struct pk__proc *
find_proc(const struct pk__proc *procs, size_t n, int pid)
{
    struct pk__proc key = {.pid = pid};
    return n ? bsearch(&key, procs, n, sizeof(*procs), cmp_proc) : NULL;
}

/* Fills the counters of o from the scanned processes. */
static void
tally(const struct pk__proc *procs, size_t n, struct pk_owners *o)
{
    for (size_t k = 0; k < n; k++) {
        o->procs_denied += procs[k].denied;
        o->procs_scanned += procs[k].nspans > 0 || procs[k].nprobes > 0 || procs[k].complete;
    }
}

/*
 * Reads the details of every distinct holder of refs (pid in .proc, sorted by inode) into
 * o->procs, drops the refs of holders gone meanwhile and turns the pids into indexes.
 * Returns 0 or PK_ENOMEM.
 */
static int
details(int procfd, const struct pk__proc *procs, size_t nprocs, bool no_details,
        struct pk_owners *o)
{
    size_t n = o->nrefs;
    int rc = 0;
    uint32_t *pids = malloc((n ? n : 1) * sizeof(*pids));
    o->procs = calloc(n ? n : 1, sizeof(*o->procs));
    if (!pids || !o->procs) {
        free(pids);
        return PK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        pids[i] = o->refs[i].proc;
    qsort(pids, n, sizeof(*pids), cmp_u32);
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        if (np == 0 || pids[np - 1] != pids[i])
            pids[np++] = pids[i];
    /* Each pid becomes the index of its process, or UINT32_MAX when it is gone. */
    uint32_t *index = malloc((np ? np : 1) * sizeof(*index));
    if (!index) {
        free(pids);
        return PK_ENOMEM;
    }
    for (size_t i = 0; i < np; i++) {
        const struct pk__proc *p = find_proc(procs, nprocs, (int)pids[i]);
        index[i] = UINT32_MAX;
        rc = p ? pk__proc_details(procfd, p, no_details, &o->users, &o->procs[o->nprocs]) : 0;
        if (rc < 0)
            goto out;
        if (rc == 1)
            index[i] = (uint32_t)o->nprocs++;
        else
            o->procs_gone++;
    }
    rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t *hit = bsearch(&o->refs[i].proc, pids, np, sizeof(*pids), cmp_u32);
        uint32_t idx = index[hit - pids];
        if (idx != UINT32_MAX)
            o->refs[k++] = (struct pk_owner_ref){o->refs[i].inode, idx, o->refs[i].fd};
    }
    o->nrefs = k;
out:
    free(index);
    free(pids);
    return rc;
}

int
pk__owners_find(const char *procroot, const uint64_t *inodes, size_t n, unsigned flags,
                pk__owners_hook between, void *arg, struct pk_owners *out)
{
    struct pk_owners o = {0};
    struct pk__proc *procs = NULL;
    struct pk__scan_result res = {0};
    size_t nprocs = 0;
    int procfd = -1, rc = 0;

    if (!procroot)
        procroot = "/proc";
    uint64_t *want = malloc((n ? n : 1) * sizeof(*want));
    if (!want)
        return PK_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (inodes[i])
            want[m++] = inodes[i];
    qsort(want, m, sizeof(*want), cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || want[u - 1] != want[i])
            want[u++] = want[i];
    if (u == 0)
        goto done;

    procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) {
        rc = -errno;
        goto out;
    }
    if ((rc = list_procs(procfd, &procs, &nprocs)) < 0)
        goto out;
    /* Linux 6.2 and later give /proc/PID/fd the number of descriptors as its size. With
     * hidepid, /proc lists only this user's processes: pid 1 is missing. */
    struct statfs sf;
    struct stat st;
    bool procfs = fstatfs(procfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
    bool sized = procfs && fstatat(procfd, "self/fd", &st, 0) == 0 && st.st_size > 0;
    o.procs_hidden = procfs && getpid() != 1 && fstatat(procfd, "1", &st, 0) < 0 && errno == ENOENT;
    rc = pk__scan_fds(procfd, sized, (flags & PK_OWN_FULL) != 0, want, u, procs, nprocs, &res);
    if (rc < 0)
        goto out;
    o.refs = res.refs;
    o.nrefs = res.nrefs;
    o.fds_read = res.fds_read;
    tally(procs, nprocs, &o);
    if (between)
        between(arg);
    /* A process holding one socket under several descriptors (dup) counts once. */
    if (o.nrefs)
        qsort(o.refs, o.nrefs, sizeof(*o.refs), cmp_ref);
    size_t k = 0;
    for (size_t i = 0; i < o.nrefs; i++)
        if (k == 0 || o.refs[k - 1].inode != o.refs[i].inode ||
            o.refs[k - 1].proc != o.refs[i].proc)
            o.refs[k++] = o.refs[i];
    o.nrefs = k;
done:
    if ((rc = details(procfd, procs, nprocs, (flags & PK_OWN_NO_DETAILS) != 0, &o)) < 0)
        goto out;
out:
    if (procfd >= 0)
        close(procfd);
    pk__procs_free(procs, nprocs);
    free(procs);
    free(want);
    if (rc < 0) {
        pk_owners_free(&o);
        return rc;
    }
    *out = o;
    return 0;
}

int
pk_owners_find(const char *procroot, const uint64_t *inodes, size_t n, unsigned flags,
               struct pk_owners *out)
{
    return pk__owners_find(procroot, inodes, n, flags, NULL, NULL, out);
}

void
pk_owners_free(struct pk_owners *o)
{
    for (size_t i = 0; i < o->nprocs; i++)
        free(o->procs[i].cmdline);
    free(o->procs);
    free(o->refs);
    pk_users_free(&o->users);
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

enum pk_owner_status
pk_owners_status(const struct pk_owners *o, const struct pk_sock *s)
{
    size_t first;
    if (s->inode == 0)
        return PK_OWNER_NO_FILE;
    if (pk_owners_of(o, s->inode, &first) > 0)
        return PK_OWNER_HELD;
    return o->procs_denied || o->procs_hidden ? PK_OWNER_DENIED : PK_OWNER_NOT_HERE;
}
