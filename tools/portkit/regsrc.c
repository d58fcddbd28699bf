/* SPDX-License-Identifier: BSD-2-Clause */
/* Registries made from source files (regsrc.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "portkit/error.h"
#include "regsrc.h"

char *
regsrc_alloc(size_t len)
{
    return aligned_alloc(8, (len + 8) & ~(size_t)7);
}

int
regsrc_read_file(const char *path, size_t max, char **bufp, size_t *lenp, char *why, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    int rc = 0;
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
        snprintf(why, cap, "%s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        rc = S_ISREG(st.st_mode) ? PK_EMSGSIZE : PK_EINVAL;
        snprintf(why, cap, S_ISREG(st.st_mode) ? "larger than %zu MiB" : "not a regular file",
                 max >> 20);
        goto out;
    }
    size_t len = (size_t)st.st_size, got = 0;
    if (!(buf = regsrc_alloc(len))) {
        rc = PK_ENOMEM;
        snprintf(why, cap, "%s", pk_strerror(rc));
        goto out;
    }
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : PK_EIO;
            snprintf(why, cap, "%s", n < 0 ? strerror(errno) : "the file shrank while read");
            goto out;
        }
        got += (size_t)n;
    }
    buf[len] = '\0';
    *bufp = buf;
    *lenp = len;
    buf = NULL;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The first malformed line a reader reports, for the one line of the message. */
struct first_err {
    char *why;
    size_t cap;
    bool set;
};

static void
on_err(void *arg, unsigned line, const char *msg)
{
    struct first_err *e = arg;
    if (e->set)
        return;
    e->set = true;
    if (line)
        snprintf(e->why, e->cap, "line %u: %s", line, msg);
    else
        snprintf(e->why, e->cap, "%s", msg);
}

int
regsrc_build(struct regsrc *r, const char *source, bool notes, char *why, size_t cap)
{
    struct first_err fe = {why, cap, false};
    struct pk__build_note *nv = NULL;
    struct pk__build_prior *pv = NULL;
    size_t nn = 0, np = 0;
    int rc = pk__source_read(r->buf, r->len, on_err, &fe, &r->src);
    if (rc < 0) {
        if (!fe.set)
            snprintf(why, cap, "%s", pk_strerror(rc));
        return rc;
    }
    if (r->src.nrecs == 0) {
        snprintf(why, cap, "no records");
        return PK_EBADMSG;
    }
    if (notes && (rc = pk__ingest_notes_of(pk_registry_builtin(), &nv, &nn, &pv, &np)) < 0) {
        snprintf(why, cap, "%s", pk_strerror(rc));
        return rc;
    }
    char built[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(built, sizeof(built), "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct pk__build_meta meta = {source, r->src.date, built};
    rc = pk__registry_build(r->src.recs, r->src.nrecs, nv, nn, pv, np, &meta, &r->img, &r->imglen);
    free(nv);
    free(pv);
    if (rc < 0) {
        snprintf(why, cap, "building the registry: %s", pk_strerror(rc));
        return rc;
    }
    const char *vwhy = "";
    if ((rc = pk_registry_from_image(r->img, r->imglen, &r->reg, &vwhy)) < 0) {
        snprintf(why, cap, "the registry built does not verify: %s", vwhy);
        return rc;
    }
    return 0;
}

void
regsrc_free(struct regsrc *r)
{
    pk_registry_close(r->reg);
    free(r->img);
    pk__source_free(&r->src);
    free(r->buf);
    memset(r, 0, sizeof(*r));
}
