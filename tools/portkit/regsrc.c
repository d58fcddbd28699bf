/* SPDX-License-Identifier: BSD-2-Clause */
/* Registries made from source files (regsrc.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portkit/error.h"
#include "regsrc.h"

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
    if (!(buf = malloc(len ? len : 1))) {
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
    *bufp = buf;
    *lenp = len;
    buf = NULL;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

int
regsrc_build(struct regsrc *r, const char *source, bool notes, char *why, size_t cap)
{
    return pk_ingest(r->buf, r->len, source, notes ? PK_INGEST_NOTES : 0, &r->in, why, cap);
}

void
regsrc_free(struct regsrc *r)
{
    pk_ingest_free(&r->in);
    free(r->buf);
    memset(r, 0, sizeof(*r));
}
