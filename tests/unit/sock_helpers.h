/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_TEST_SOCK_HELPERS_H
#define PORTKIT_TEST_SOCK_HELPERS_H

/*
 * Helpers shared by the socket tests (test_sockets.c, test_owners.c): scratch files, and
 * sockets bound to port 0. Include after cmocka.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes len bytes to dir/rel. */
static inline void
put_bytes(const char *dir, const char *rel, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Writes text to dir/rel. */
static inline void
put_file(const char *dir, const char *rel, const char *text)
{
    put_bytes(dir, rel, text, strlen(text));
}

/* Removes a scratch directory. */
static inline void
rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Opens a socket bound to port 0 on addr (IPv4 or IPv6 text), listening when a stream one.
 * Returns the fd (and its port), or -1. */
static inline int
open_bound(int type, const char *addr, int v6only, unsigned *port)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    int fd = socket(fam, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (fam == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, addr, &s6->sin6_addr);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &s4->sin_addr);
        len = sizeof(*s4);
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (type == SOCK_STREAM && listen(fd, 8) < 0)) {
        close(fd);
        return -1;
    }
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *port = ntohs(fam == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                  : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* The inode of an open descriptor. */
static inline uint64_t
inode_of(int fd)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    return st.st_ino;
}

#endif
