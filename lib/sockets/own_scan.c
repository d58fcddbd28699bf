/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The descriptor scan of the owner search: which processes hold which socket inodes, from
 * the links in /proc/PID/fd ("socket:[INODE]"). Reading a link is the whole cost, so the scan
 * reads as few as it can, and none twice: every process remembers the descriptors it has
 * read (spans of numbers, and single numbers probed out of order), and every path (the
 * first pass, the bisection, the walks, the listings, the shared-number check) skips them.
 *
 * Pass 1 reads the low descriptors of every process (listeners are opened at start-up).
 * The large tables of holders are then bisected by inode order when few inodes are left to
 * find (see bisect()). Pass 2 reads the rest, holders first, walking descriptor numbers or
 * listing the directory, and the scan stops when every wanted inode has a holder.
 * Processes, and large tables in blocks, are shared out to one thread per CPU (up to 4).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "own_int.h"
#include "portkit/error.h"

#define LOW_FDS 256     /* descriptors below this are read in the first pass */
#define SHARED_FDS 8    /* descriptor numbers checked in processes not read in full */
#define COUNTED_MIN 128 /* processes with more descriptors are walked by number */
#define MAX_MISSES 256  /* absent numbers in a row before a walk lists the directory */
#define MAX_THREADS 4
#define SPLIT_MIN 2048 /* descriptors left in one process worth splitting or searching */
#define SAMPLE_STEP 64 /* descriptors between two samples of a table searched by order */
#define REFS_MAX ((size_t)1 << 26)
#define ITEMS_MAX ((size_t)1 << 24)
#define SPANS_MAX ((size_t)1 << 16)
#define PROBES_MAX ((size_t)1 << 24)

/* What every thread shares. Flags and counters change only through atomics. */
struct scan {
    int procfd;
    bool full;            /* never stop early */
    const uint64_t *want; /* sorted, unique */
    unsigned char *found;
    size_t nwant;
    size_t nleft;
    struct item *items;
    size_t nitems;
    size_t next; /* the next item to take */
};

/* A piece of work: the descriptors lo..hi-1 of one process not read yet, walked by number
 * or listed. */
struct item {
    struct pk__proc *p;
    int lo, hi;
    bool walk;
    long expect; /* a walk stops after seeing this many descriptors */
    /* results, written by the one thread that takes the item: */
    bool taken;
    long seen;
    int upto;     /* the highest number read or passed */
    bool stopped; /* gave up walking (too sparse) or stopped early */
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

/* bsearch order of inode numbers. */
static int
cmp_inode(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Returns the index of inode in the wanted list, or -1. */
static long
want_index(const struct scan *sc, uint64_t inode)
{
    const uint64_t *hit = bsearch(&inode, sc->want, sc->nwant, sizeof(*sc->want), cmp_inode);
    return hit ? (long)(hit - sc->want) : -1;
}

/* True when the search may stop: every wanted inode has a holder. */
static bool
all_found(const struct scan *sc)
{
    return !sc->full && __atomic_load_n(&sc->nleft, __ATOMIC_RELAXED) == 0;
}

/* The index of the first probe of p at or past descriptor fd. */
static size_t
probe_pos(const struct pk__proc *p, int fd)
{
    size_t lo = 0, hi = p->nprobes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->probes[mid].fd < fd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* True when descriptor fd of p has been read; *pr is set to its probe when it was read on
 * its own (else NULL). */
static bool
fd_done(const struct pk__proc *p, int fd, const struct pk__probe **pr)
{
    *pr = NULL;
    for (size_t i = 0; i < p->nspans && p->spans[i].lo <= fd; i++)
        if (fd < p->spans[i].hi)
            return true;
    size_t i = probe_pos(p, fd);
    if (i < p->nprobes && p->probes[i].fd == fd) {
        *pr = &p->probes[i];
        return true;
    }
    return false;
}

/* Adds descriptors lo..hi-1 to the spans of p, merging. Returns 0 or a pk__grow() error. */
static int
span_add(struct pk__proc *p, int lo, int hi)
{
    if (lo >= hi)
        return 0;
    size_t i = 0;
    while (i < p->nspans && p->spans[i].hi < lo)
        i++;
    /* spans[i..j) touch lo..hi: they melt into one. */
    size_t j = i;
    while (j < p->nspans && p->spans[j].lo <= hi) {
        if (p->spans[j].lo < lo)
            lo = p->spans[j].lo;
        if (p->spans[j].hi > hi)
            hi = p->spans[j].hi;
        j++;
    }
    if (j == i) {
        int rc = pk__grow(&p->spans, &p->capspans, p->nspans + 1, sizeof(*p->spans), SPANS_MAX);
        if (rc < 0)
            return rc;
        memmove(&p->spans[i + 1], &p->spans[i], (p->nspans - i) * sizeof(*p->spans));
        p->nspans++;
        j = i + 1;
    }
    p->spans[i] = (struct pk__span){lo, hi};
    memmove(&p->spans[i + 1], &p->spans[j], (p->nspans - j) * sizeof(*p->spans));
    p->nspans -= j - i - 1;
    return 0;
}

/* The first descriptor number of p not read yet, by spans. */
static int
first_gap(const struct pk__proc *p)
{
    return p->nspans && p->spans[0].lo == 0 ? p->spans[0].hi : 0;
}

/* Writes fd in decimal at the end of buf; returns where it starts. (No printf: a search
 * may name 100,000 descriptors.) */
static const char *
fd_name(char buf[16], int fd)
{
    char *p = buf + 15;
    unsigned v = (unsigned)fd;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return p;
}

/*
 * Reads the link of descriptor fd of p (dfd is its /proc/PID/fd) and records it when it is
 * a wanted socket; the first such find also reads the process's start time, through the same
 * directory. Returns PK__FD_SOCK (and *inode), PK__FD_OTHER, PK__FD_NONE when there is no
 * such descriptor, or a pk__push() error.
 */
static int
read_fd(struct worker *w, struct pk__proc *p, int dfd, int fd, uint64_t *inode)
{
    struct scan *sc = w->sc;
    char name[16], link[64];
    uint64_t ino;
    ssize_t n = readlinkat(dfd, fd_name(name, fd), link, sizeof(link));
    w->fds_read++;
    if (n < 0)
        return errno == ENOENT ? PK__FD_NONE : PK__FD_OTHER;
    if ((size_t)n >= sizeof(link) || !pk__fd_link_inode(link, (size_t)n, &ino))
        return PK__FD_OTHER;
    *inode = ino;
    long i = want_index(sc, ino);
    if (i < 0)
        return PK__FD_SOCK;
    /* proc holds the pid for now; pk_owners_find() turns it into an index. */
    struct pk_owner_ref ref = {.inode = ino, .proc = (uint32_t)p->pid, .fd = fd};
    int rc = pk__push(&w->refs, &w->nrefs, &w->cap, &ref, sizeof(ref), REFS_MAX);
    if (rc < 0)
        return rc;
    if (!__atomic_exchange_n(&p->holder, true, __ATOMIC_ACQ_REL))
        p->start_known = pk__read_start(dfd, &p->start);
    if (__atomic_exchange_n(&sc->found[i], 1, __ATOMIC_RELAXED) == 0)
        __atomic_fetch_sub(&sc->nleft, 1, __ATOMIC_RELAXED);
    return PK__FD_SOCK;
}

/* Reads descriptor fd of p unless it was read before, and remembers it. Only for one
 * thread at a time (between passes). Returns what read_fd() does, or a cached answer. */
static int
probe(struct worker *w, struct pk__proc *p, int dfd, int fd, uint64_t *inode)
{
    const struct pk__probe *pr;
    if (fd_done(p, fd, &pr)) {
        if (!pr)
            return PK__FD_OTHER; /* read in a walk: nothing to compare with */
        *inode = pr->inode;
        return pr->kind;
    }
    uint64_t ino = 0;
    int kind = read_fd(w, p, dfd, fd, &ino);
    if (kind < 0)
        return kind;
    size_t lo = probe_pos(p, fd);
    int rc = pk__grow(&p->probes, &p->capprobes, p->nprobes + 1, sizeof(*p->probes), PROBES_MAX);
    if (rc < 0)
        return rc;
    memmove(&p->probes[lo + 1], &p->probes[lo], (p->nprobes - lo) * sizeof(*p->probes));
    p->probes[lo] = (struct pk__probe){.fd = fd, .kind = kind, .inode = ino};
    p->nprobes++;
    if (kind != PK__FD_NONE)
        p->seen++;
    *inode = ino;
    return kind;
}

/* Opens the descriptor directory of p; on a failure other than "gone" (permission), marks
 * p denied. Returns the descriptor or -1. */
static int
open_fd_dir(const struct scan *sc, struct pk__proc *p)
{
    char path[32];
    snprintf(path, sizeof(path), "%d/fd", p->pid);
    int dfd = openat(sc->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 && errno != ENOENT)
        __atomic_store_n(&p->denied, true, __ATOMIC_RELAXED);
    return dfd;
}

/* Finds the first socket at or past descriptor fd (below hi), stepping over closed
 * descriptors and non-sockets, 4 at most. Returns 1 with *at and *inode set, 0 when there
 * is none, or a pk__grow() error; *any says whether a descriptor was there at all. */
static int
socket_near(struct worker *w, struct pk__proc *p, int dfd, long fd, long hi, long *at,
            uint64_t *inode, bool *any)
{
    *any = false;
    for (int step = 0; step < 4 && fd < hi; step++, fd++) {
        int r = probe(w, p, dfd, (int)fd, inode);
        if (r < 0 || r == PK__FD_SOCK) {
            *any = true;
            *at = fd;
            return r < 0 ? r : 1;
        }
        *any |= r != PK__FD_NONE;
    }
    return 0;
}

/* Bisects descriptors lo..hi-1 of p, taken to hold increasing inodes, for want[i]. Returns
 * 0 (found or not: sc->found says) or an error. */
static int
bisect_range(struct worker *w, struct pk__proc *p, int dfd, long lo, long hi, size_t i)
{
    struct scan *sc = w->sc;
    while (lo < hi && !sc->found[i]) {
        long mid = lo + (hi - lo) / 2, at;
        uint64_t inode;
        bool any;
        int r = socket_near(w, p, dfd, mid, hi, &at, &inode, &any);
        if (r < 0)
            return r;
        if (!any)
            hi = mid; /* past the end of the table (or a gap): look lower */
        else if (r == 0 || inode == sc->want[i])
            break; /* found, or nothing to compare with here: leave it to the walk */
        else if (inode < sc->want[i])
            lo = at + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Reads descriptors lo..hi-1 of p in turn until want[i] is found. Returns 0 or an error. */
static int
read_range(struct worker *w, struct pk__proc *p, int dfd, long lo, long hi, size_t i)
{
    uint64_t inode;
    for (long fd = lo; fd < hi && !w->sc->found[i]; fd++) {
        int r = probe(w, p, dfd, (int)fd, &inode);
        if (r < 0)
            return r;
    }
    return 0;
}

/* One sample of a descriptor table: a socket and its inode. */
struct sample {
    long fd;
    uint64_t inode;
};

/*
 * Looks for the wanted inodes not found yet in the large descriptor table of a process
 * known to hold one, by inode order. Socket inode numbers come from a counter, and a server
 * that accepts connections and keeps them gets descriptors in the same order, so in such a
 * table inode grows with descriptor number, in runs: the kernel hands each CPU a batch of
 * numbers, so a process that moves between CPUs takes runs from different batches. So the
 * table is sampled every SAMPLE_STEP descriptors, and each inode is looked for only between
 * the two samples around it, by bisection; an interval where the order breaks is read in
 * full (once). The order is an assumption, never trusted: a socket is recorded only when its
 * link says so, and after misses in a row the search gives up and pass 2 reads the rest.
 * Every read is remembered (no descriptor is read twice, here or later), and the search
 * stops after reading half of what is left. Returns 0 or an error.
 */
static int
search_table(struct worker *w, struct pk__proc *p)
{
    struct scan *sc = w->sc;
    struct sample *smp = NULL;
    size_t ns = 0, cap = 0;
    int dfd = open_fd_dir(sc, p);
    if (dfd < 0)
        return 0;
    int rc = 0, misses = 0, empty = 0;
    long lo0 = first_gap(p), left = p->nfds - p->seen, at;
    long hi0 = lo0 + left + left / 64 + 16;
    size_t budget = w->fds_read + (size_t)left / 2;
    uint64_t inode;
    bool any;
    for (long fd = lo0; fd < hi0 && empty < 2 && w->fds_read < budget; fd += SAMPLE_STEP) {
        int r = socket_near(w, p, dfd, fd, hi0, &at, &inode, &any);
        struct sample sm = {at, inode};
        if (r < 0 || (r == 1 && (r = pk__push(&smp, &ns, &cap, &sm, sizeof(sm), SIZE_MAX)) < 0)) {
            rc = r;
            goto out;
        }
        empty = any ? 0 : empty + 1; /* two empty samples in a row: past the end */
    }
    for (size_t i = 0; i < sc->nwant && misses < 8 && w->fds_read < budget && !all_found(sc); i++) {
        uint64_t want = sc->want[i];
        /* The interval between samples j-1 and j (the ends of the range outside). */
        for (size_t j = 0; j <= ns && !sc->found[i] && rc == 0; j++) {
            long a = j ? smp[j - 1].fd + 1 : lo0, b = j < ns ? smp[j].fd : hi0;
            uint64_t ia = j ? smp[j - 1].inode : 0, ib = j < ns ? smp[j].inode : UINT64_MAX;
            if (ia < ib && want > ia && want < ib)
                rc = bisect_range(w, p, dfd, a, b, i);
            else if (ia > ib && (want > ia || want < ib))
                rc = read_range(w, p, dfd, a, b, i); /* two runs meet in here */
        }
        if (rc < 0)
            goto out;
        misses = sc->found[i] ? 0 : misses + 1;
    }
out:
    free(smp);
    close(dfd);
    return rc;
}

/* Reads descriptor fd of an item (unless read before) and counts it. Returns 1 when the
 * item must stop (the search may), 0 to go on, NOFD-like 2 for an absent descriptor, or a
 * negative error. */
static int
item_fd(struct worker *w, struct item *it, int dfd, int fd)
{
    const struct pk__probe *pr;
    uint64_t inode;
    it->upto = fd;
    if (fd_done(it->p, fd, &pr))
        return pr && pr->kind == PK__FD_NONE ? 2 : 0;
    int rc = read_fd(w, it->p, dfd, fd, &inode);
    if (rc < 0)
        return rc;
    if (rc == PK__FD_NONE)
        return 2;
    it->seen++;
    return all_found(w->sc) ? 1 : 0;
}

/*
 * Does one item. A walk tries descriptor numbers lo..hi-1 in turn (where the kernel gives
 * the number of descriptors this saves listing the directory, a third of the cost) and
 * gives up after MAX_MISSES absent numbers in a row; a listing reads the directory.
 */
static void
do_item(struct worker *w, struct item *it)
{
    int rc = 0;
    it->taken = true;
    it->upto = it->lo - 1;
    int dfd = open_fd_dir(w->sc, it->p);
    if (dfd < 0) {
        it->listed_all = true; /* nothing more to read there */
        return;
    }
    if (it->walk) {
        int misses = 0;
        for (int fd = it->lo; fd < it->hi && it->seen < it->expect; fd++) {
            rc = item_fd(w, it, dfd, fd);
            if (rc < 0)
                goto out;
            if (rc == 2 && ++misses > MAX_MISSES)
                rc = 1;
            else if (rc != 2)
                misses = 0;
            if (rc == 1) {
                it->stopped = true;
                break;
            }
        }
        rc = 0;
        goto out;
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        /* Linux 6.2+ refuses to describe the directory of a process that exited since it
         * was opened (ENOENT): nothing more to read there, like a directory already gone. */
        if (errno == ENOMEM)
            rc = PK_ENOMEM;
        else
            it->listed_all = true;
        goto out;
    }
    dfd = -1;
    struct dirent *e;
    bool reached = false;
    while ((e = readdir(d)) != NULL) {
        int fd = pk__dir_number(e->d_name);
        if (fd < it->lo)
            continue;
        if (fd >= it->hi) {
            reached = true;
            break;
        }
        rc = item_fd(w, it, dirfd(d), fd);
        if (rc < 0)
            break;
        if (rc == 1) {
            it->stopped = true;
            break;
        }
        rc = 0;
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

/* Folds the results of the items into their processes: what was read becomes a span.
 * Returns 0 or a pk__grow() error. */
static int
fold_items(struct scan *sc)
{
    for (size_t i = 0; i < sc->nitems; i++) {
        struct item *it = &sc->items[i];
        struct pk__proc *p = it->p;
        if (!it->taken)
            continue; /* the search stopped first */
        p->seen += it->seen;
        int end = it->listed_all ? INT_MAX : it->stopped ? it->upto + 1 : it->hi;
        int rc = span_add(p, it->lo, end);
        if (rc < 0)
            return rc;
        if (end == INT_MAX || (p->nfds >= 0 && p->seen >= p->nfds))
            p->complete = true;
    }
    return 0;
}

/* The work lists of the passes. */
struct plan {
    struct item *items;
    size_t n, cap;
};

/* Appends an item for descriptors lo..hi-1 of p. Returns 0 or a pk__push() error. */
static int
add_item(struct plan *pl, struct pk__proc *p, int lo, int hi, bool walk)
{
    struct item it = {.p = p, .lo = lo, .hi = hi, .walk = walk, .expect = p->nfds - p->seen};
    return pk__push(&pl->items, &pl->n, &pl->cap, &it, sizeof(it), ITEMS_MAX);
}

/* Runs one pass: the items of pl on nthreads threads, then folds the results into the
 * processes and empties pl. Returns 0 or the first error. */
static int
run_pass(struct scan *sc, struct plan *pl, struct worker *w, int nthreads)
{
    sc->items = pl->items;
    sc->nitems = pl->n;
    int rc = run_items(sc, w, nthreads);
    int frc = fold_items(sc);
    pl->n = 0;
    return rc < 0 ? rc : frc;
}

/*
 * After an early stop: processes not read in full may still hold a found socket under the
 * same descriptor number as a holder (forked workers sharing their master's listener).
 * Reads those numbers, the SHARED_FDS lowest, where not read yet.
 */
static int
check_shared(struct worker *w, struct pk__proc *procs, size_t nprocs)
{
    int fds[SHARED_FDS];
    size_t nfds = 0;
    /* The lowest distinct numbers, kept sorted. */
    for (size_t i = 0; i < w->nrefs; i++) {
        int fd = w->refs[i].fd;
        size_t k = 0;
        while (k < nfds && fds[k] < fd)
            k++;
        if ((k < nfds && fds[k] == fd) || k == SHARED_FDS)
            continue;
        if (nfds < SHARED_FDS)
            nfds++;
        memmove(&fds[k + 1], &fds[k], (nfds - 1 - k) * sizeof(int));
        fds[k] = fd;
    }
    for (size_t k = 0; k < nprocs; k++) {
        struct pk__proc *p = &procs[k];
        const struct pk__probe *pr;
        int dfd = -1;
        if (p->complete || p->denied)
            continue;
        for (size_t i = 0; i < nfds; i++) {
            uint64_t inode;
            if (fd_done(p, fds[i], &pr))
                continue;
            if (dfd < 0 && (dfd = open_fd_dir(w->sc, p)) < 0)
                break;
            int rc = probe(w, p, dfd, fds[i], &inode);
            if (rc < 0) {
                close(dfd);
                return rc;
            }
        }
        if (dfd >= 0)
            close(dfd);
    }
    return 0;
}

/* Sets the descriptor count of every process when the kernel gives it. */
static void
count_fds(int procfd, struct pk__proc *procs, size_t n)
{
    char path[32];
    struct stat st;
    int self = (int)getpid();
    for (size_t k = 0; k < n; k++) {
        /* This process opens descriptors while it counts its own: no count for it. */
        if (procs[k].pid == self)
            continue;
        snprintf(path, sizeof(path), "%d/fd", procs[k].pid);
        if (fstatat(procfd, path, &st, 0) == 0)
            procs[k].nfds = (long)st.st_size;
        /* No descriptors (kernel threads), gone, or not ours to read: nothing to do. */
        procs[k].complete = procs[k].nfds <= 0;
    }
}

/* Bit length of v: 1 + floor(log2(v)) for v > 0. */
static int
bits(unsigned long v)
{
    int b = 0;
    for (; v; v >>= 1)
        b++;
    return b;
}

/* Pass 2 for the processes whose holder flag is holders: walks of what is left (a large
 * table in one block per thread, then a walk of its tail), then listings of whatever walks
 * left (sparse tables). */
static int
pass2(struct scan *sc, struct plan *pl, struct worker *w, int nthreads, struct pk__proc *procs,
      size_t nprocs, bool holders)
{
    int rc = 0;
    bool split = false;
    for (size_t k = 0; k < nprocs && rc == 0; k++) {
        struct pk__proc *p = &procs[k];
        if (p->complete || p->holder != holders)
            continue;
        int lo = p->nspans ? p->spans[p->nspans - 1].hi : 0;
        long left = p->nfds - p->seen;
        if (left <= SPLIT_MIN || nthreads < 2) {
            rc = add_item(pl, p, lo, INT_MAX, left > 0);
            continue;
        }
        /* A dense table ends at lo + the descriptors not seen yet + those probed past lo:
         * the blocks stop there, and the walk of the tail reads on only while descriptors
         * are missing. */
        long end = lo + left;
        for (size_t i = probe_pos(p, lo); i < p->nprobes; i++)
            end += p->probes[i].kind != PK__FD_NONE;
        long step = (end - lo + nthreads - 1) / nthreads;
        for (long b = lo; b < end && rc == 0; b += step) {
            rc = add_item(pl, p, (int)b, (int)(b + step < end ? b + step : end), true);
            if (rc == 0)
                pl->items[pl->n - 1].expect = LONG_MAX;
        }
        p->split_end = (int)end;
        split = true;
    }
    if (rc == 0)
        rc = run_pass(sc, pl, w, nthreads);
    for (size_t k = 0; k < nprocs && rc == 0 && split && !all_found(sc); k++) {
        struct pk__proc *p = &procs[k];
        /* Only where every block read to its end: one that gave up left a sparse table,
         * which is listed. */
        if (p->split_end && !p->complete && first_gap(p) == p->split_end)
            rc = add_item(pl, p, p->split_end, INT_MAX, true);
        p->split_end = 0;
    }
    if (rc == 0 && split)
        rc = run_pass(sc, pl, w, nthreads);
    for (size_t k = 0; k < nprocs && rc == 0 && !all_found(sc); k++)
        if (!procs[k].complete && procs[k].holder == holders)
            rc = add_item(pl, &procs[k], first_gap(&procs[k]), INT_MAX, false);
    return rc < 0 ? rc : run_pass(sc, pl, w, nthreads);
}

/* Merges the refs of workers 1..n-1 into worker 0. Returns 0 or a pk__grow() error. */
static int
merge_workers(struct worker *w, int n)
{
    for (int t = 1; t < n; t++) {
        w[0].fds_read += w[t].fds_read;
        w[t].fds_read = 0;
        if (!w[t].nrefs)
            continue;
        size_t need = w[0].nrefs + w[t].nrefs;
        int rc = pk__grow(&w[0].refs, &w[0].cap, need, sizeof(*w[0].refs), REFS_MAX);
        if (rc < 0)
            return rc;
        memcpy(w[0].refs + w[0].nrefs, w[t].refs, w[t].nrefs * sizeof(struct pk_owner_ref));
        w[0].nrefs = need;
        w[t].nrefs = 0;
    }
    return 0;
}

int
pk__scan_fds(int procfd, bool sized, bool full, const uint64_t *want, size_t nwant,
             struct pk__proc *procs, size_t nprocs, struct pk__scan_result *res)
{
    struct scan sc = {.procfd = procfd, .full = full, .want = want, .nwant = nwant};
    struct worker w[MAX_THREADS];
    struct plan pl = {0};
    int rc = 0;

    memset(w, 0, sizeof(w));
    for (int t = 0; t < MAX_THREADS; t++)
        w[t].sc = &sc;
    sc.nleft = nwant;
    sc.found = calloc(nwant ? nwant : 1, 1);
    if (!sc.found)
        return PK_ENOMEM;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
    for (size_t k = 0; k < nprocs; k++)
        procs[k].nfds = -1;
    if (sized)
        count_fds(procfd, procs, nprocs);

    /* Pass 1: the low descriptors of every process (all of them for small tables). */
    for (size_t k = 0; k < nprocs && rc == 0; k++) {
        struct pk__proc *p = &procs[k];
        if (p->complete)
            continue;
        bool walk = p->nfds > COUNTED_MIN;
        /* A small table known to be small is read whole; others up to LOW_FDS. */
        bool whole = full || (!walk && p->nfds >= 0);
        rc = add_item(&pl, p, 0, whole ? INT_MAX : LOW_FDS, walk);
    }
    if (rc == 0)
        rc = run_pass(&sc, &pl, w, nthreads);
    if (rc < 0)
        goto out;

    /* Pass 1b: large tables of holders, searched by inode order, when few inodes are left:
     * a sample every SAMPLE_STEP descriptors and k bisections of about log2(SAMPLE_STEP) + 2
     * reads each must cost well under a walk of the table. */
    for (size_t k = 0; k < nprocs && !full && sized && !all_found(&sc); k++) {
        struct pk__proc *p = &procs[k];
        long left = p->nfds - p->seen;
        unsigned long kleft = __atomic_load_n(&sc.nleft, __ATOMIC_RELAXED);
        if (!p->holder || p->complete || left <= SPLIT_MIN)
            continue;
        if (kleft * (unsigned long)(bits(SAMPLE_STEP) + 2) + (unsigned long)left / SAMPLE_STEP >
            (unsigned long)left / 2)
            continue;
        if ((rc = search_table(&w[0], p)) < 0)
            goto out;
    }

    /* Pass 2: the rest, holders first. */
    for (int holders = 1; holders >= 0 && !all_found(&sc); holders--)
        if ((rc = pass2(&sc, &pl, w, nthreads, procs, nprocs, holders)) < 0)
            goto out;
    if ((rc = merge_workers(w, nthreads)) < 0)
        goto out;
    if (!full && (rc = check_shared(&w[0], procs, nprocs)) < 0)
        goto out;
    res->refs = w[0].refs;
    res->nrefs = w[0].nrefs;
    res->fds_read = w[0].fds_read;
    w[0].refs = NULL;
out:
    for (int t = 0; t < MAX_THREADS; t++)
        free(w[t].refs);
    free(pl.items);
    free(sc.found);
    return rc;
}
