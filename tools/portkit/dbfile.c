/* SPDX-License-Identifier: BSD-2-Clause */
/* Writing the local registry database atomically, under a lock (dbfile.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dbfile.h"

#define TMP_PREFIX ".portkit-tmp."

/*
 * A test build (PK_TEST_HOOKS) stops at the named point of a write when $PORTKIT_TEST_HOOK
 * is "POINT:FILE": it creates FILE and sleeps, so that a test can kill it exactly there.
 */
#ifdef PK_TEST_HOOKS
static void
hook(const char *point)
{
    const char *h = getenv("PORTKIT_TEST_HOOK");
    size_t n = strlen(point);
    if (!h || strncmp(h, point, n) != 0 || h[n] != ':')
        return;
    int fd = open(h + n + 1, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    sleep(60);
}
#else
#define hook(point) ((void)0)
#endif

int
db_mkdir(const char *dir, char *why, size_t cap)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
        snprintf(why, cap, "path too long");
        return -1;
    }
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            snprintf(why, cap, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (end)
            break;
        *p = '/';
    }
    return 0;
}

int
db_lock(const char *dir, char *why, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, DB_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        snprintf(why, cap,
                 e == EWOULDBLOCK ? "another portkit update is running (%s is locked)" : "%s: %s",
                 path, strerror(e));
        return -1;
    }
    return fd;
}

void
db_clean(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

int
db_write(const char *dir, const char *name, const void *data, size_t len,
         volatile sig_atomic_t *stop, char *why, size_t cap)
{
    char tmp[4200], dst[4200];
    snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%s.XXXXXX", dir, name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    int fd = mkostemp(tmp, O_CLOEXEC), dfd = -1, err = 0;
    const char *what = "writing";
    if (fd < 0) {
        snprintf(why, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    /* Written in two halves, so that a test can stop it in the middle. */
    size_t half = len / 2;
    if ((err = cli_write_all(fd, data, half)) < 0)
        goto fail;
    hook("write");
    if ((err = cli_write_all(fd, (const char *)data + half, len - half)) < 0)
        goto fail;
    what = "syncing";
    if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
        err = -errno;
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        err = -errno;
        goto fail;
    }
    fd = -1;
    hook("rename");
    if (stop && *stop) {
        unlink(tmp);
        snprintf(why, cap, "interrupted");
        return -1;
    }
    what = "renaming";
    if (rename(tmp, dst) < 0) {
        err = -errno;
        goto fail;
    }
    /* The rename itself made durable. */
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    hook("renamed");
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    snprintf(why, cap, "%s %s: %s", what, dst, strerror(-err));
    return -1;
}

/* Copies a validator read from the file, which must be one line. */
static void
take(char *out, size_t cap, const char *v)
{
    size_t n = strcspn(v, "\r\n");
    if (n < cap)
        snprintf(out, cap, "%.*s", (int)n, v);
}

bool
db_meta_read(const char *dir, struct db_meta *m)
{
    char path[4200], line[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, DB_META_FILE);
    memset(m, 0, sizeof(*m));
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "url ", 4) == 0)
            take(m->url, sizeof(m->url), line + 4);
        else if (strncmp(line, "etag ", 5) == 0)
            take(m->etag, sizeof(m->etag), line + 5);
        else if (strncmp(line, "last-modified ", 14) == 0)
            take(m->last_modified, sizeof(m->last_modified), line + 14);
        else if (strncmp(line, "notes ", 6) == 0)
            m->notes = strtoull(line + 6, NULL, 16);
    }
    fclose(f);
    return *m->url != '\0';
}

int
db_meta_write(const char *dir, const struct db_meta *m, char *why, size_t cap)
{
    char text[5000];
    int n = snprintf(text, sizeof(text),
                     "# what portkit update last fetched, for its next conditional request\n"
                     "url %s\netag %s\nlast-modified %s\nnotes %016llx\n",
                     m->url, m->etag, m->last_modified, (unsigned long long)m->notes);
    if (n < 0 || (size_t)n >= sizeof(text)) {
        snprintf(why, cap, "validators too long");
        return -1;
    }
    return db_write(dir, DB_META_FILE, text, (size_t)n, NULL, why, cap);
}
