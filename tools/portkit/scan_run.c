/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit scan, the run: opens the report files before the first probe, starts the job,
 * reads its results into the library's scan report (portkit/scanout.h) and drains the
 * report's outputs as they fill: JSON lines as results come, a host's table, XML and
 * grepable lines once the host is complete. SIGINT, SIGTERM and SIGPIPE cancel the job
 * (the handler sets a flag and calls pk_scan_cancel(), which only stores a flag and writes
 * eventfds); the results so far are then read and every output is finished, marked as
 * interrupted, and the command exits 130.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/scanout.h"
#include "portkit/version.h"
#include "scancmd.h"

#define FILE_BUF_MAX (64u << 20) /* a report file's buffer between two writes */
#define FILE_FLUSH_AT (64u << 10)
#define PROGRESS_MS 250
#define READ_BATCH 64 /* results read between two looks at the clock and the buffers */

/* The signal that stopped the scan (0 for none), and the job a handler cancels. */
static volatile sig_atomic_t caught;
static _Atomic(struct pk_scan_job *) job_now;

/* SIGINT, SIGTERM, SIGPIPE: stop the scan; what was scanned is still reported. */
static void
on_signal(int sig)
{
    int saved = errno;
    if (!caught)
        caught = sig;
    struct pk_scan_job *j = atomic_load(&job_now);
    if (j)
        pk_scan_cancel(j);
    errno = saved;
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGPIPE};
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

struct file_out {
    const char *path, *opt;
    int fd; /* -1: not a file (absent, or standard output) */
    struct pk_buf buf;
    bool failed;
};

struct run {
    struct cli *cli;
    struct scan_conf *c;
    struct file_out files[SCAN_NOUT];
    struct pk_scan_report *rep;
    const char *stop; /* why the scan stopped early, or NULL */
    bool failed;      /* a runtime failure, reported */
    bool progress;    /* a progress line on stderr (a terminal) */
    size_t progress_len;
};

/* Records a failure that stops the scan: the outputs are finished, the exit status is 3. */
static void
fail(struct run *r, const char *why)
{
    r->failed = true;
    if (!r->stop)
        r->stop = why;
    struct pk_scan_job *j = atomic_load(&job_now);
    if (j)
        pk_scan_cancel(j);
}

static void progress_line(struct run *r, const char *text);

/* Writes out the outputs' buffers: all of them (all), or those grown past a threshold. */
static void
drain(struct run *r, bool all)
{
    struct cli *cli = r->cli;
    if (r->progress_len && cli->out.len && (all || cli->out.len >= CLI_FLUSH_AT))
        progress_line(r, NULL); /* the table may share the terminal */
    if (!cli->out_failed && (all ? cli_flush(cli) : cli_maybe_flush(cli)) < 0 && caught != SIGPIPE)
        fail(r, "a failed standard output");
    for (int k = 0; k < SCAN_NOUT; k++) {
        struct file_out *f = &r->files[k];
        if (f->fd < 0 || f->buf.len == 0 || (!all && f->buf.len < FILE_FLUSH_AT))
            continue;
        int rc = f->buf.err  ? f->buf.err
                 : f->failed ? 0
                             : cli_write_all(f->fd, f->buf.data, f->buf.len);
        if (rc < 0 && !f->failed) {
            cli_err("scan: %s '%s': %s", f->opt, f->path,
                    rc == PK_ENOBUFS || rc == PK_ENOMEM ? pk_strerror(rc) : strerror(-rc));
            f->failed = true;
            fail(r, "a failed report file");
        }
        pk_buf_reset(&f->buf);
    }
}

/* Rewrites the progress line on stderr: text, or nothing (clear it) when NULL. */
static void
progress_line(struct run *r, const char *text)
{
    char line[256];
    size_t n = text ? strlen(text) : 0, pad = r->progress_len > n ? r->progress_len - n : 0;
    if (n + pad + 2 > sizeof(line))
        return;
    line[0] = '\r';
    memcpy(line + 1, text ? text : "", n);
    memset(line + 1 + n, ' ', pad);
    size_t len = 1 + n + pad;
    if (!text)
        line[len++] = '\r';
    if (cli_write_all(STDERR_FILENO, line, len) == 0)
        r->progress_len = n;
}

/* Shows the job's counters on the progress line. */
static void
show_progress(struct run *r, struct pk_scan_job *job)
{
    struct pk_scan_stats st;
    pk_scan_stats(job, &st);
    if (st.total == 0)
        return;
    char text[200];
    struct pk_buf b;
    pk_buf_init(&b, sizeof(text) - 1);
    struct pk_out o = {.b = &b, .reg = r->cli->reg};
    pk_out_scan_progress(&o, &st);
    if (b.data && !b.err) {
        memcpy(text, b.data, b.len + 1);
        progress_line(r, text);
    }
    pk_buf_free(&b);
}

/* -v: an open port as it is found, on stderr (above the progress line). */
static void
show_found(struct run *r, const struct pk_scan_result *res)
{
    struct pk_buf b;
    pk_buf_init(&b, 4096);
    struct pk_out o = {.b = &b, .reg = r->cli->reg};
    pk_out_scan_result_text(&o, res);
    pk_buf_putc(&b, '\n');
    if (r->progress_len)
        progress_line(r, NULL);
    if (b.data && !b.err && cli_write_all(STDERR_FILENO, b.data, b.len) < 0) {
        /* stderr is gone: nothing better to do */
    }
    pk_buf_free(&b);
}

/* Opens the report files. Returns 0, or EXIT_USAGE for a file that cannot be written or is
 * named twice (reported). */
static int
open_files(struct run *r)
{
    struct stat seen[SCAN_NOUT];
    for (int k = 0; k < SCAN_NOUT; k++) {
        struct file_out *f = &r->files[k];
        f->fd = -1;
        f->path = r->c->out[k];
        f->opt = r->c->out_opt[k];
        pk_buf_init(&f->buf, FILE_BUF_MAX);
        if (!f->path || strcmp(f->path, "-") == 0)
            continue;
        f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (f->fd < 0 || fstat(f->fd, &seen[k]) < 0) {
            cli_err("scan: %s '%s': %s", f->opt, f->path, strerror(errno));
            return EXIT_USAGE;
        }
        for (int i = 0; i < k; i++)
            if (r->files[i].fd >= 0 && S_ISREG(seen[k].st_mode) &&
                seen[i].st_dev == seen[k].st_dev && seen[i].st_ino == seen[k].st_ino) {
                cli_err("scan: %s '%s' and %s '%s' are one file", r->files[i].opt, r->files[i].path,
                        f->opt, f->path);
                return EXIT_USAGE;
            }
    }
    return 0;
}

/* Closes the report files. */
static void
close_files(struct run *r)
{
    for (int k = 0; k < SCAN_NOUT; k++) {
        struct file_out *f = &r->files[k];
        if (f->fd >= 0 && close(f->fd) < 0 && !f->failed) {
            cli_err("scan: %s '%s': %s", f->opt, f->path, strerror(errno));
            r->failed = true;
        }
        f->fd = -1;
        pk_buf_free(&f->buf);
    }
}

/* Gives the report its outputs: standard output (the table, JSON, or a report named "-")
 * and the files. Returns 0 or an exit status (reported). */
static int
add_outputs(struct run *r)
{
    static const enum pk_scan_format fmt_of[SCAN_NOUT] = {PK_SCAN_XML, PK_SCAN_GREP, PK_SCAN_TEXT};
    struct cli *cli = r->cli;
    unsigned extra = (r->c->reason ? PK_OUT_SCAN_REASON : 0) | (r->c->verbose ? PK_OUT_VERBOSE : 0);
    int on_stdout = -1, rc = 0;
    for (int k = 0; k < SCAN_NOUT; k++) {
        const char *path = r->c->out[k];
        if (!path || strcmp(path, "-") != 0)
            continue;
        if (on_stdout >= 0 || cli->json)
            return cli_usage(&cmd_scan, "%s - and %s%s both write to standard output",
                             on_stdout >= 0 ? r->c->out_opt[on_stdout] : r->c->out_opt[k],
                             on_stdout >= 0 ? r->c->out_opt[k] : "--json",
                             on_stdout >= 0 ? " -" : "");
        on_stdout = k;
    }
    struct pk_out so = cli->o;
    so.flags |= extra;
    if (on_stdout >= 0) {
        so.flags = extra; /* a report, not a terminal's table */
        so.width = 0;
        rc = pk_scan_report_output(r->rep, fmt_of[on_stdout], &so);
    } else {
        rc = pk_scan_report_output(r->rep, cli->json ? PK_SCAN_JSON : PK_SCAN_TEXT, &so);
    }
    for (int k = 0; k < SCAN_NOUT && rc == 0; k++) {
        if (r->files[k].fd < 0)
            continue;
        struct pk_out fo = {.b = &r->files[k].buf, .reg = cli->reg, .flags = extra};
        rc = pk_scan_report_output(r->rep, fmt_of[k], &fo);
    }
    if (rc < 0) {
        cli_err("scan: %s", pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    return 0;
}

/* Raises the soft descriptor limit to the hard one: more sockets in flight. */
static void
raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Milliseconds of the monotonic clock. */
static long long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the job's results into the report until the job ends. */
static void
pump(struct run *r, struct pk_scan_job *job)
{
    long long next_progress = now_ms() + PROGRESS_MS;
    unsigned n = 0;
    for (;;) {
        struct pk_scan_result res;
        int k = pk_scan_next(job, &res);
        if (k == PK_SCAN_END)
            break;
        if (k == PK_SCAN_RESULT) {
            int rc = pk_scan_report_add(r->rep, &res);
            if (rc < 0 && !r->failed) {
                cli_err("scan: %s", pk_strerror(rc));
                fail(r, pk_strerror(rc));
            }
            if (r->c->verbose && res.state == PK_PORT_OPEN)
                show_found(r, &res);
            if (++n % READ_BATCH != 0)
                continue;
        }
        /* Now and then while results flow, and before every wait. */
        drain(r, k == PK_SCAN_AGAIN);
        long long now = now_ms();
        if (now >= next_progress) {
            next_progress = now + PROGRESS_MS;
            if (r->progress)
                show_progress(r, job);
        }
        if (k == PK_SCAN_AGAIN)
            pk_scan_wait(job, (int)(next_progress - now)); /* EINTR: a signal, look again */
    }
}

int
scan_run(struct cli *cli, struct scan_conf *c)
{
    struct run r = {.cli = cli, .c = c};
    struct pk_scan_job *job = NULL;
    struct sigaction sa = {.sa_handler = on_signal}, old[NSTOP];
    struct pk_scan_report_opts ro = {
        .targets = c->targets,
        .ports = c->ports,
        .args = c->args,
        .version = pk_version(),
        .seed = c->so.seed,
        .shard_k = c->so.shard_k,
        .shard_n = c->so.shard_n,
        .open_only = c->open_only,
    };
    for (int k = 0; k < SCAN_NOUT; k++)
        r.files[k].fd = -1;
    int rc = open_files(&r);
    if (rc)
        goto out;
    if (pk_scan_report_new(&ro, &r.rep) < 0) {
        cli_err("scan: out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    if ((rc = add_outputs(&r)) != 0)
        goto out;

    raise_nofile();
    r.progress = isatty(STDERR_FILENO);
    caught = 0;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++) {
        sigaction(stop_signals[i], NULL, &old[i]);
        /* A shell starts background jobs with SIGINT ignored: they keep ignoring it. */
        if (old[i].sa_handler != SIG_IGN || stop_signals[i] == SIGPIPE)
            sigaction(stop_signals[i], &sa, NULL);
    }
    pk_scan_report_begin(r.rep);
    drain(&r, true);
    c->so.targets = c->targets;
    c->so.ports = c->ports;
    int err = pk_scan_start(&c->so, &job);
    struct pk_scan_stats st = {0};
    if (err == 0) {
        atomic_store(&job_now, job);
        if (caught || r.failed)
            pk_scan_cancel(job); /* a signal came before there was a job to cancel */
        pump(&r, job);
        err = pk_scan_stats(job, &st);
        atomic_store(&job_now, NULL);
    }
    if (err < 0) {
        cli_err("scan: %s", pk_strerror(err));
        fail(&r, pk_strerror(err));
    }
    if (r.progress_len)
        progress_line(&r, NULL);
    static const char *const names[] = {
        [SIGINT] = "SIGINT", [SIGTERM] = "SIGTERM", [SIGPIPE] = "SIGPIPE"};
    int sig = caught; /* one that comes later finds every report complete */
    const char *why = sig ? names[sig] : r.stop;
    if (pk_scan_report_end(r.rep, &st, why) < 0 && !r.failed) {
        cli_err("scan: out of memory");
        r.failed = true;
    }
    drain(&r, true);
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &old[i], NULL);
    close_files(&r);
    rc = sig                          ? EXIT_INTERRUPTED
         : r.failed                   ? EXIT_RUNTIME
         : pk_scan_report_open(r.rep) ? EXIT_FOUND
                                      : EXIT_NOTHING;
out:
    pk_scan_free(job);
    close_files(&r);
    pk_scan_report_free(r.rep);
    return rc;
}
