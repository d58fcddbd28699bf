/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket owners: holders in a fake /proc and in the real one; no descriptor read twice and
 * an early stop on large tables; holders that exit, or whose pid is reused, between the
 * descriptor pass and the details, or while their descriptors are listed; permission denied
 * versus no holder here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "own_int.h"
#include "portkit/error.h"
#include "portkit/sockets.h"
#include "sock_helpers.h"

/* The real /proc: this process and a forked child share one listener. */
static void
test_owners_real(void **state)
{
    (void)state;
    unsigned port;
    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(t >= 0);
    uint64_t ino = inode_of(t);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char c;
        close(pipefd[1]);
        alarm(60); /* never outlive a stuck test */
        (void)!read(pipefd[0], &c, 1);
        _exit(0);
    }
    close(pipefd[0]);

    struct pk_owners o;
    for (int full = 0; full < 2; full++) {
        assert_int_equal(pk_owners_find(NULL, &ino, 1, full ? PK_OWN_FULL : 0, &o), 0);
        size_t first, n = pk_owners_of(&o, ino, &first);
        assert_int_equal(n, 2);
        bool self = false, kid = false;
        for (size_t i = 0; i < n; i++) {
            const struct pk_proc_info *p = &o.procs[o.refs[first + i].proc];
            assert_int_equal(o.refs[first + i].fd, t);
            self |= p->pid == getpid();
            kid |= p->pid == child;
            assert_true(p->uid_known);
            assert_int_equal(p->uid, geteuid());
            assert_string_equal(p->comm, "test_owners");
            assert_non_null(strstr(p->cmdline, "test_owners"));
            assert_true(p->user[0] != '\0');
        }
        assert_true(self && kid);
        pk_owners_free(&o);
    }
    /* Nothing wanted: nothing read. */
    assert_int_equal(pk_owners_find(NULL, &ino, 0, 0, &o), 0);
    assert_int_equal(o.nrefs, 0);
    assert_int_equal(o.fds_read, 0);
    pk_owners_free(&o);

    close(pipefd[1]);
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    close(t);
}

/* A table large enough to be walked by number, with a wanted socket far past a gap. */
static void
test_owners_sparse(void **state)
{
    (void)state;
    struct rlimit rl;
    enum { N = 200 };
    int fds[N];
    unsigned port;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < N + 600) {
        print_message("RLIMIT_NOFILE %lu: sparse-table check skipped\n",
                      (unsigned long)rl.rlim_cur);
        return;
    }
    int high = rl.rlim_cur > 3001 ? 3000 : (int)rl.rlim_cur - 1;
    for (int i = 0; i < N; i++)
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(t >= 0);
    assert_int_equal(dup2(t, high), high);
    close(t);
    uint64_t ino = inode_of(high);
    struct pk_owners o;
    assert_int_equal(pk_owners_find(NULL, &ino, 1, 0, &o), 0);
    size_t first;
    assert_int_equal(pk_owners_of(&o, ino, &first), 1);
    assert_int_equal(o.procs[o.refs[first].proc].pid, getpid());
    assert_int_equal(o.refs[first].fd, high);
    pk_owners_free(&o);
    close(high);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

/* A fake /proc: a process in a docker container, one in a systemd unit, one unrelated. */
static void
test_owners_fake_proc(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-own-XXXXXX";
    char p[512];
    size_t first;
    assert_non_null(mkdtemp(dir));
    static const char *const mk[] = {"100", "100/fd", "200", "200/fd", "300", "300/fd", "self"};
    for (size_t i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, mk[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    static const struct {
        const char *path, *target;
    } links[] = {{"100/fd/0", "/dev/null"},       {"100/fd/3", "socket:[5001]"},
                 {"100/fd/7", "socket:[5002]"},   {"200/fd/3", "socket:[5003]"},
                 {"200/fd/4", "socket:[5001]"},   {"300/fd/3", "socket:[9]"},
                 {"300/fd/700", "socket:[5004]"}, {"300/fd/5", "pipe:[5001]"}};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, links[i].path);
        assert_int_equal(symlink(links[i].target, p), 0);
    }
    put_file(dir, "100/comm", "ngin\x1b[31mx\n");
    static const char argv100[] = "nginx: master\0-g\0daemon off;\0";
    put_bytes(dir, "100/cmdline", argv100, sizeof(argv100) - 1);
    put_file(dir, "100/status", "Name:\tnginx\nUid:\t0\t0\t0\t0\nGid:\t0\n");
    put_file(dir, "100/cgroup",
             "0::/system.slice/docker-"
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n");
    put_file(dir, "200/comm", "sshd\n");
    put_file(dir, "200/cmdline", "");
    put_file(dir, "200/status", "Name:\tsshd\nUid:\t4000000\t4000000\t0\t0\n");
    put_file(dir, "200/cgroup",
             "1:name=systemd:/system.slice/ssh.service\n0::/system.slice/ssh.service\n");

    uint64_t want[] = {5003, 5001, 5002, 5001, 0, 77, 5004};
    struct pk_owners o;
    assert_int_equal(pk_owners_find(dir, want, 7, 0, &o), 0);
    assert_int_equal(o.nprocs, 3);
    assert_int_equal(pk_owners_of(&o, 5004, &first), 1); /* past the first pass */
    assert_int_equal(o.procs[o.refs[first].proc].pid, 300);
    assert_int_equal(o.refs[first].fd, 700);
    size_t n = pk_owners_of(&o, 5001, &first);
    assert_int_equal(n, 2);
    const struct pk_proc_info *a = &o.procs[o.refs[first].proc];
    const struct pk_proc_info *b = &o.procs[o.refs[first + 1].proc];
    assert_int_equal(a->pid, 100);
    assert_int_equal(b->pid, 200);
    assert_int_equal(o.refs[first].fd, 3);
    assert_int_equal(o.refs[first + 1].fd, 4);
    assert_string_equal(a->comm, "ngin\x1b[31mx"); /* raw: the CLI escapes */
    assert_string_equal(a->cmdline, "nginx: master -g daemon off;");
    assert_string_equal(a->user, "root");
    assert_string_equal(a->container,
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_string_equal(a->unit, "");
    assert_string_equal(b->unit, "ssh.service");
    assert_string_equal(b->container, "");
    assert_string_equal(b->user, "4000000"); /* no passwd entry: the number */
    assert_string_equal(b->cmdline, "");
    assert_int_equal(pk_owners_of(&o, 5002, &first), 1);
    assert_int_equal(pk_owners_of(&o, 5003, &first), 1);
    assert_int_equal(pk_owners_of(&o, 77, &first), 0);
    assert_int_equal(pk_owners_of(&o, 9, &first), 0);
    assert_true(o.fds_read <= 8); /* 8 links: none read twice */
    assert_int_equal(o.procs_gone, 0);
    pk_owners_free(&o);
    assert_int_equal(pk_owners_find(dir, want, 7, PK_OWN_FULL, &o), 0);
    assert_int_equal(o.fds_read, 8);
    pk_owners_free(&o);

    assert_true(pk_owners_find("/nonexistent-procroot", want, 7, 0, &o) < 0);
    rm_rf(dir);
}

/* A child process holding NPAIRS loopback TCP connections to itself, both ends (2 * NPAIRS
 * descriptors in a row, as a busy server talking to its own clients), and what it told about
 * them. */
enum { NPAIRS = 3000 };
struct holder {
    pid_t pid;
    int ctl; /* the child lives until this closes */
    size_t n;
    int fd[2 * NPAIRS];
    uint64_t inode[2 * NPAIRS];
};

/* Starts the holder. Returns false (after saying why) when the descriptor limit is too low. */
static bool
holder_start(struct holder *h)
{
    struct rlimit rl;
    int ctl[2], rep[2];
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max < 2 * NPAIRS + 256) {
        print_message("RLIMIT_NOFILE hard limit %lu: large-table checks skipped\n",
                      (unsigned long)rl.rlim_max);
        return false;
    }
    assert_int_equal(pipe(ctl), 0);
    assert_int_equal(pipe(rep), 0);
    h->pid = fork();
    assert_true(h->pid >= 0);
    if (h->pid == 0) {
        char c;
        close(ctl[1]);
        close(rep[0]);
        alarm(120); /* never outlive a stuck test */
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            _exit(1);
        unsigned port;
        int lst = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        if (lst < 0 || listen(lst, 4096) < 0)
            _exit(1);
        for (int i = 0; i < NPAIRS; i++) {
            int sv[2] = {socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), -1};
            if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
                (sv[1] = accept(lst, NULL, NULL)) < 0)
                _exit(1);
            for (int k = 0; k < 2; k++) {
                struct stat st;
                fstat(sv[k], &st);
                uint64_t rec[2] = {(uint64_t)sv[k], st.st_ino};
                if (write(rep[1], rec, sizeof(rec)) != sizeof(rec))
                    _exit(1);
            }
        }
        close(rep[1]);
        (void)!read(ctl[0], &c, 1);
        _exit(0);
    }
    close(ctl[0]);
    close(rep[1]);
    h->ctl = ctl[1];
    h->n = 0;
    uint64_t rec[2];
    while (h->n < 2 * NPAIRS && read(rep[0], rec, sizeof(rec)) == sizeof(rec)) {
        h->fd[h->n] = (int)rec[0];
        h->inode[h->n++] = rec[1];
    }
    close(rep[0]);
    assert_int_equal(h->n, 2 * NPAIRS);
    return true;
}

/* Stops the holder. */
static void
holder_stop(struct holder *h)
{
    int st;
    close(h->ctl);
    assert_int_equal(waitpid(h->pid, &st, 0), h->pid);
}

/* The number of descriptors of every process now: what a search reading each at most once
 * reads at most. */
static size_t
host_fds(void)
{
    size_t n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[300];
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
        DIR *f = opendir(path);
        if (!f)
            continue;
        struct dirent *x;
        while ((x = readdir(f)) != NULL)
            n += x->d_name[0] != '.';
        closedir(f);
    }
    closedir(d);
    return n;
}

/* Searches for the holder's inodes i with i % every == 0 and i < upto, and checks that each
 * is found with its descriptor. Returns fds_read. */
static size_t
search_some(const struct holder *h, size_t every, size_t upto)
{
    uint64_t *want = malloc(h->n * sizeof(*want));
    size_t n = 0, first;
    struct pk_owners o;
    assert_non_null(want);
    for (size_t i = 0; i < h->n && i < upto; i += every)
        want[n++] = h->inode[i];
    assert_int_equal(pk_owners_find(NULL, want, n, 0, &o), 0);
    for (size_t i = 0; i < h->n && i < upto; i += every) {
        if (pk_owners_of(&o, h->inode[i], &first) != 1)
            fail_msg("inode %zu of %zu (fd %d): %zu holders", i, n, h->fd[i],
                     pk_owners_of(&o, h->inode[i], &first));
        assert_int_equal(o.procs[o.refs[first].proc].pid, h->pid);
        assert_int_equal(o.refs[first].fd, h->fd[i]);
    }
    size_t reads = o.fds_read;
    pk_owners_free(&o);
    free(want);
    return reads;
}

/*
 * One process with 6,000 sockets: whatever is asked for (all of them as ls --all does, every
 * second as who does for one end of each connection, every 50th, the bisection's case), no
 * descriptor is read twice, so the links read never pass the descriptors of the host; asked
 * for sockets among the first 500 descriptors only, the search stops early.
 */
static void
test_owners_read_once(void **state)
{
    (void)state;
    static struct holder h;
    if (!holder_start(&h))
        return;
    static const size_t every[] = {1, 2, 50};
    for (size_t k = 0; k < sizeof(every) / sizeof(every[0]); k++) {
        size_t total = host_fds();
        size_t reads = search_some(&h, every[k], SIZE_MAX);
        print_message("every %zu: %zu links read, %zu descriptors on the host\n", every[k], reads,
                      total);
        if (reads > total + 512)
            fail_msg("every %zu: %zu links read for %zu descriptors", every[k], reads, total);
    }
    size_t total = host_fds();
    size_t reads = search_some(&h, 1, 500);
    print_message("first 500: %zu links read, %zu descriptors on the host\n", reads, total);
    if (reads + 2000 > total)
        fail_msg("first 500: %zu links read of %zu: no early stop", reads, total);
    holder_stop(&h);
}

/* What the hook of test_owners_gone does between the passes. */
struct kill_arg {
    pid_t pid;
    bool reap; /* else wait until it is a zombie */
};

/* Kills the child (and reaps it, or waits for it to be a zombie): it exits between the
 * descriptor pass and the details. */
static void
kill_between(void *arg)
{
    struct kill_arg *k = arg;
    assert_int_equal(kill(k->pid, SIGKILL), 0);
    if (k->reap) {
        assert_int_equal(waitpid(k->pid, NULL, 0), k->pid);
        return;
    }
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)k->pid);
    for (int i = 0; i < 2000; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'Z')
            return;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("pid %d never became a zombie", (int)k->pid);
}

/* Forks a child that holds what this process holds and waits (a minute at most) to be
 * killed. Returns its pid. */
static pid_t
fork_idle(void)
{
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        alarm(60);
        pause();
        _exit(0);
    }
    return child;
}

/* A holder that exits between the descriptor pass and the details is not shown, reaped or
 * still a zombie; the test process holding the same socket still is. */
static void
test_owners_gone(void **state)
{
    (void)state;
    unsigned port;
    for (int reap = 0; reap < 2; reap++) {
        int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
        assert_true(t >= 0);
        uint64_t ino = inode_of(t);
        pid_t child = fork_idle();
        struct pk_owners o;
        size_t first;
        struct kill_arg k = {.pid = child, .reap = reap};
        assert_int_equal(pk_owners_find(NULL, &ino, 1, 0, &o), 0);
        assert_int_equal(pk_owners_of(&o, ino, &first), 2); /* both, while alive */
        pk_owners_free(&o);
        assert_int_equal(pk__owners_find(NULL, &ino, 1, 0, kill_between, &k, &o), 0);
        assert_int_equal(pk_owners_of(&o, ino, &first), 1);
        assert_int_equal(o.procs[o.refs[first].proc].pid, getpid());
        assert_int_equal(o.nprocs, 1);
        assert_int_equal(o.procs_gone, 1);
        pk_owners_free(&o);
        if (!reap)
            assert_int_equal(waitpid(child, NULL, 0), child);
        close(t);
    }
}

/* A process killed (and reaped) when the search starts listing its descriptors: the window
 * between opening /proc/PID/fd and listing it, which a busy host hits now and then. */
static pid_t doomed;

/* This program's fdopendir() (the library's calls bind to it): kills doomed just before
 * listing its descriptor directory, then lists as libc does. */
DIR *
fdopendir(int fd)
{
    static DIR *(*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fdopendir");
    pid_t victim = __atomic_load_n(&doomed, __ATOMIC_ACQUIRE);
    if (victim > 0) {
        char self[64], link[64], want[64];
        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        snprintf(want, sizeof(want), "/proc/%d/fd", (int)victim);
        ssize_t n = readlink(self, link, sizeof(link) - 1);
        link[n > 0 ? n : 0] = '\0';
        if (strcmp(link, want) == 0 &&
            __atomic_compare_exchange_n(&doomed, &victim, 0, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            kill(victim, SIGKILL);
            waitpid(victim, NULL, 0);
        }
    }
    return real(fd);
}

/* A process that exits while the search lists its descriptors is no failure of the search
 * (it reported "out of memory" once the kernel refused to describe the gone directory):
 * the search goes on and finds the holders that are there. */
static void
test_owners_exit_while_listed(void **state)
{
    (void)state;
    struct stat st;
    if (stat("/proc/self/fd", &st) != 0 || st.st_size == 0) {
        print_message("note: /proc does not count descriptors (Linux < 6.2): the window is "
                      "harmless there\n");
        skip();
    }
    unsigned port;
    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(t >= 0);
    /* An inode no process holds: the search reads every process, the doomed one too. */
    uint64_t want[2] = {inode_of(t), UINT64_MAX - 1};
    pid_t child = fork_idle();
    __atomic_store_n(&doomed, child, __ATOMIC_RELEASE);
    struct pk_owners o;
    size_t first;
    int rc = pk_owners_find(NULL, want, 2, 0, &o);
    bool listed = __atomic_load_n(&doomed, __ATOMIC_ACQUIRE) == 0;
    if (!listed) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        __atomic_store_n(&doomed, 0, __ATOMIC_RELEASE);
    }
    assert_int_equal(rc, 0);
    assert_true(listed); /* the child's descriptors were listed, and it died right then */
    assert_int_equal(pk_owners_of(&o, want[0], &first), 1);
    assert_int_equal(o.procs[o.refs[first].proc].pid, getpid());
    assert_int_equal(pk_owners_of(&o, want[1], &first), 0);
    pk_owners_free(&o);
    close(t);
}

/* What the hook of test_owners_pid_reused writes over the fake process's files. */
struct reuse_arg {
    const char *dir;
    const char *stat;
};

/* Rewrites 100/stat and 100/comm of the fake /proc: another process now has pid 100. */
static void
reuse_between(void *arg)
{
    struct reuse_arg *r = arg;
    put_file(r->dir, "100/stat", r->stat);
    put_file(r->dir, "100/comm", "intruder\n");
}

/* A pid that names another process after the descriptor pass (another start time) is not
 * shown as the owner; the same process (same start time) is, with details read after. */
static void
test_owners_pid_reused(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-reuse-XXXXXX";
    char p[512];
    size_t first;
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/100", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/100/fd", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/100/fd/3", dir);
    assert_int_equal(symlink("socket:[5001]", p), 0);
    static const char before[] = "100 (server) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
                                 "4000 1000 10 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
    static const char after[] = "100 (intr) der) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 "
                                "0 9000 1000 10 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
    static const char zombie[] = "100 (server) Z 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
                                 "4000 1000 10 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
    uint64_t ino = 5001;
    struct pk_owners o;

    put_file(dir, "100/comm", "server\n");
    put_file(dir, "100/stat", before);
    struct reuse_arg same = {dir, before}, other = {dir, after}, dead = {dir, zombie};
    assert_int_equal(pk__owners_find(dir, &ino, 1, 0, reuse_between, &same, &o), 0);
    assert_int_equal(pk_owners_of(&o, ino, &first), 1);
    assert_string_equal(o.procs[o.refs[first].proc].comm, "intruder");
    assert_int_equal(o.procs_gone, 0);
    pk_owners_free(&o);

    put_file(dir, "100/stat", before);
    assert_int_equal(pk__owners_find(dir, &ino, 1, 0, reuse_between, &other, &o), 0);
    assert_int_equal(pk_owners_of(&o, ino, &first), 0);
    assert_int_equal(o.nprocs, 0);
    assert_int_equal(o.procs_gone, 1);
    pk_owners_free(&o);

    put_file(dir, "100/stat", before);
    assert_int_equal(pk__owners_find(dir, &ino, 1, PK_OWN_NO_DETAILS, reuse_between, &dead, &o), 0);
    assert_int_equal(pk_owners_of(&o, ino, &first), 0);
    assert_int_equal(o.procs_gone, 1);
    pk_owners_free(&o);
    rm_rf(dir);
}

/* Run as nobody, a search for a socket a root process holds says permission denied; as
 * root, a socket nobody holds is held by no process here. */
static void
test_owners_denied(void **state)
{
    (void)state;
    unsigned port;
    struct pk_owners o;
    if (geteuid() != 0) {
        print_message("not root: the permission checks need a root holder, skipped\n");
        return;
    }
    int gone = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(gone >= 0);
    struct pk_sock s = {.proto = PK_TCP, .family = 4, .state = PK_SS_LISTEN, .uid = 0};
    s.inode = inode_of(gone);
    close(gone); /* now nobody holds it */
    assert_int_equal(pk_owners_find(NULL, &s.inode, 1, 0, &o), 0);
    if (o.procs_denied || o.procs_hidden)
        print_message("root can't read %zu processes here: NOT_HERE check skipped\n",
                      o.procs_denied);
    else
        assert_int_equal(pk_owners_status(&o, &s), PK_OWNER_NOT_HERE);
    pk_owners_free(&o);

    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(t >= 0);
    s.inode = inode_of(t);
    s.uid = 65534; /* whoever made the socket: a root process holds it */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        alarm(60);
        close(t); /* only the root parent holds it */
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(3);
        int rc = pk_owners_find(NULL, &s.inode, 1, 0, &o);
        if (rc < 0)
            _exit(4);
        _exit(o.nrefs != 0                                  ? 5
              : o.procs_denied == 0 && !o.procs_hidden      ? 6
              : pk_owners_status(&o, &s) != PK_OWNER_DENIED ? 7
                                                            : 0);
    }
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        fail_msg("as nobody: exit %d (5: found, 6: nothing denied, 7: not DENIED)",
                 WEXITSTATUS(st));
    assert_int_equal(pk_owners_find(NULL, &s.inode, 1, 0, &o), 0);
    assert_int_equal(pk_owners_status(&o, &s), PK_OWNER_HELD);
    pk_owners_free(&o);
    s.inode = 0;
    assert_int_equal(pk_owners_status(&o, &s), PK_OWNER_NO_FILE);
    close(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owners_real),   cmocka_unit_test(test_owners_fake_proc),
        cmocka_unit_test(test_owners_sparse), cmocka_unit_test(test_owners_read_once),
        cmocka_unit_test(test_owners_gone),   cmocka_unit_test(test_owners_pid_reused),
        cmocka_unit_test(test_owners_denied), cmocka_unit_test(test_owners_exit_while_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
