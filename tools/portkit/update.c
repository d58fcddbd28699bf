/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit update [--from URL|PATH] [--dry-run] [--force] [--timeout SECONDS]: IANA's own
 * registry, fetched (its CSV by default) and built into the local registry database with the
 * project's notes, then what changed against the registry that answered until now.
 *
 * Nothing is trusted before it is whole: the download is capped and timed, the file read
 * strictly, the image built and verified in memory, and only then written (dbfile.h: a
 * temporary file, fsync, rename). Whatever fails, or kills the process, the previous
 * database stays as it was. An unchanged registry is not fetched twice: the server's ETag
 * and Last-Modified are kept beside the database and sent back (304: nothing to do).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dbfile.h"
#include "fetch.h"
#include "portkit/error.h"
#include "regsrc.h"

#define IANA_CSV                                                                                   \
    "https://www.iana.org/assignments/service-names-port-numbers/"                                 \
    "service-names-port-numbers.csv"
#define TIMEOUT_DEFAULT 300

struct opts {
    const char *from;
    bool dry_run, force;
    long timeout;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int
on_opt(struct cli *cli, int id, const char *arg, struct cli_parser *p, void *ctx)
{
    struct opts *o = ctx;
    unsigned long long v;
    (void)cli, (void)p;
    switch (id) {
    case 'f':
        o->from = arg;
        break;
    case 'n':
        o->dry_run = true;
        break;
    case 'F':
        o->force = true;
        break;
    case 't':
        if (!cli_parse_uint("update", "--timeout", arg, 1, 3600, &v))
            return EXIT_USAGE;
        o->timeout = (long)v;
        break;
    }
    return 0;
}

static const struct cli_opt opts[] = {
    {'f', "from", 'f', true, "URL|PATH",
     "IANA's CSV or XML from another http(s) or file URL, or a local file", NULL},
    {'n', "dry-run", 'n', false, NULL, "show what would change; write nothing", NULL},
    {'F', "force", 0, false, NULL,
     "fetch even when the server says unchanged; take a much smaller registry", NULL},
    {'t', "timeout", 0, true, "SECONDS", "give up a download after this long (default 300)", NULL},
};

/* True when s names a URL portkit can fetch; *bad when it names another scheme. */
static bool
is_url(const char *s, bool *bad)
{
    static const char *const schemes[] = {"http://", "https://", "file://"};
    *bad = false;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
            return true;
    *bad = strstr(s, "://") != NULL;
    return false;
}

/* Everything one update holds, freed by cleanup(). */
struct update {
    struct cli *cli;
    struct opts o;
    char dir[4096];
    char source[PATH_MAX + 16];
    bool url;
    int lock;
    struct regsrc src;
    struct db_meta meta;           /* of the last update */
    struct db_meta now;            /* of this one */
    const struct pk_registry *cur; /* the database at dir, when valid */
    bool cur_ours;                 /* opened here (else it is cli->db) */
};

/* Reports a failure in one line. Returns EXIT_RUNTIME. */
static int
failed(const struct update *u, const char *why)
{
    cli_err("update: %s: %s; the registry is unchanged", u->source, why);
    return EXIT_RUNTIME;
}

/* Fetches or reads the source into u->src.buf. Returns 0, 1 for "unchanged", or an exit
 * status after reporting. */
static int
get_source(struct update *u, bool conditional)
{
    char why[1024];
    if (!u->url) {
        if (regsrc_read_file(u->source, FETCH_MAX, &u->src.buf, &u->src.len, why, sizeof(why)))
            return failed(u, why);
        return 0;
    }
    if (fetch_init(why, sizeof(why)) < 0)
        return failed(u, why);
    struct fetch_req req = {
        .url = u->source,
        .etag = conditional ? u->meta.etag : NULL,
        .last_modified = conditional ? u->meta.last_modified : NULL,
        .timeout = u->o.timeout,
        .progress = isatty(STDERR_FILENO),
        .stop = &stop,
    };
    struct fetch_res res;
    int rc = fetch(&req, &res, why, sizeof(why));
    fetch_done();
    if (rc < 0)
        return failed(u, why);
    if (res.status == 304) {
        free(res.body);
        cli_err("update: %s is unchanged since %s (HTTP 304 Not Modified); nothing to do",
                u->source, *u->meta.last_modified ? u->meta.last_modified : "the last update");
        return 1;
    }
    u->src.buf = res.body;
    u->src.len = res.len;
    snprintf(u->now.etag, sizeof(u->now.etag), "%s", res.etag);
    snprintf(u->now.last_modified, sizeof(u->now.last_modified), "%s", res.last_modified);
    return 0;
}

/* Opens the database at dir when it is valid (main opened it already when it answers). */
static void
open_current(struct update *u)
{
    char path[4200];
    const char *why;
    snprintf(path, sizeof(path), "%s/%s", u->dir, PK_DB_FILE);
    if (u->cli->db && strcmp(u->cli->db_path, path) == 0) {
        u->cur = u->cli->db;
        return;
    }
    u->cur_ours = pk_registry_open(path, &u->cur, &why) == 0;
    if (!u->cur_ours)
        u->cur = NULL;
}

static int
update(struct update *u)
{
    char why[1024];
    int rc;
    if (!u->o.dry_run) {
        if (db_mkdir(u->dir, why, sizeof(why)) < 0 ||
            (u->lock = db_lock(u->dir, why, sizeof(why))) < 0)
            return failed(u, why);
        db_clean(u->dir);
    }
    open_current(u);
    snprintf(u->now.url, sizeof(u->now.url), "%s", u->source);
    u->now.notes = pk_registry_notes_sum(pk_registry_builtin());
    bool same = u->cur && db_meta_read(u->dir, &u->meta) && strcmp(u->meta.url, u->source) == 0 &&
                !u->o.force;
    /* The validators are sent back only for a database built from them, with these notes. */
    bool conditional = same && u->meta.notes == u->now.notes && !u->o.dry_run;
    if ((rc = get_source(u, conditional)) != 0)
        return rc == 1 ? EXIT_FOUND : rc;
    if (stop)
        return failed(u, "interrupted");
    if ((rc = regsrc_build(&u->src, u->source, true, why, sizeof(why))) < 0)
        return failed(u, why);
    /* A registry far smaller than the one that answers now is more likely a file cut short
     * at a record's end than IANA's: taken only when asked. */
    const struct pk_registry *before = u->cur ? u->cur : u->cli->reg;
    size_t nrecs = pk_registry_count(u->src.in.reg);
    if (nrecs < pk_registry_count(before) / 2 && !u->o.force) {
        snprintf(why, sizeof(why),
                 "%zu records against %zu now: refusing a registry this much smaller (cut "
                 "short?); --force takes it",
                 nrecs, pk_registry_count(before));
        return failed(u, why);
    }
    int changes = cli_show_changes(u->cli, before,
                                   before == pk_registry_builtin() ? "the built-in snapshot"
                                                                   : "the local database",
                                   u->src.in.reg, u->source);
    if (changes < 0)
        return EXIT_RUNTIME;
    cli_flush(u->cli);
    if (u->o.dry_run) {
        cli_err("update: dry run: nothing written");
        return EXIT_FOUND;
    }
    if (stop)
        return failed(u, "interrupted");
    if (db_write(u->dir, PK_DB_FILE, u->src.in.image, u->src.in.image_len, &stop, why, sizeof(why)) < 0)
        return failed(u, why);
    /* The validators after the database: a database newer than them is only fetched again. */
    if (db_meta_write(u->dir, &u->now, why, sizeof(why)) < 0)
        cli_err("update: %s (the next update fetches the registry again)", why);
    struct pk_registry_info info;
    pk_registry_info(u->src.in.reg, &info);
    cli_err("update: %s/%s: %zu records of %s from %s", u->dir, PK_DB_FILE, nrecs,
            *info.date ? info.date : "an unknown date", u->source);
    return EXIT_FOUND;
}

static int
run(struct cli *cli, int argc, char **argv)
{
    struct update u = {.cli = cli, .o = {.from = IANA_CSV, .timeout = TIMEOUT_DEFAULT}, .lock = -1};
    int n, rc = cli_parse(cli, &cmd_update, argc, argv, on_opt, &u.o, &n);
    if (rc)
        return rc == CLI_HELP_SHOWN ? EXIT_FOUND : rc;
    if (n > 0)
        return cli_usage(&cmd_update, "unexpected argument '%s' (a source is --from URL|PATH)",
                         argv[1]);
    bool bad;
    for (const char *p = u.o.from; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return cli_usage(&cmd_update, "--from: a control character in the source");
    u.url = is_url(u.o.from, &bad);
    if (bad)
        return cli_usage(&cmd_update, "--from '%s': a URL is http, https or file", u.o.from);
    if (!*u.o.from)
        return cli_usage(&cmd_update, "--from: an empty source");
    /* A local file is named in the database by its absolute path. */
    if (u.url || !realpath(u.o.from, u.source))
        snprintf(u.source, sizeof(u.source), "%s", u.o.from);
    if ((rc = pk_registry_db_dir(0, u.dir, sizeof(u.dir))) < 0) {
        cli_err("update: no place for the database (%s): set PORTKIT_DATA_DIR or HOME",
                pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    struct sigaction sa = {.sa_handler = on_signal}, old[3];
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old[i]);
    rc = update(&u);
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
    if (u.cur_ours)
        pk_registry_close(u.cur);
    regsrc_free(&u.src);
    if (u.lock >= 0)
        close(u.lock);
    return rc;
}

const struct pk_cmd cmd_update = {
    .name = "update",
    .usage = "update [--from URL|PATH] [--dry-run] [--force] [--timeout SECONDS]",
    .summary = "IANA's own registry into the local database, and what changed",
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .operands = "The default source is IANA's CSV:\n  " IANA_CSV "\n"
                "The database is $PORTKIT_DATA_DIR/registry.img, /var/lib/portkit for root, "
                "else ~/.local/share/portkit.",
    .run = run,
};
