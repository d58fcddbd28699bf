/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the /proc/PID parsers of the owner search: the first byte picks one
 * (descriptor link, status, cgroup, comm, cmdline, stat), the rest is the file's text, in a
 * buffer of its exact size so that a read past its end is caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "own_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless s is NUL-terminated within cap bytes. */
static void
terminated(const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    switch (data[0] % 6) {
    case 0: {
        uint64_t inode = 0;
        if (pk__fd_link_inode(text, len, &inode) &&
            (len < 10 || memcmp(text, "socket:[", 8) != 0 || text[len - 1] != ']'))
            abort();
        break;
    }
    case 1: {
        uint32_t uid;
        pk__status_euid(text, len, &uid);
        break;
    }
    case 2: {
        struct pk_proc_info pi;
        memset(&pi, 'x', sizeof(pi));
        pk__cgroup_parse(text, len, &pi);
        terminated(pi.unit, sizeof(pi.unit));
        terminated(pi.container, sizeof(pi.container));
        if (pi.container[0] && pi.unit[0])
            abort(); /* a container name clears the unit */
        break;
    }
    case 3: {
        char comm[16];
        pk__comm_parse(text, len, comm, sizeof(comm));
        terminated(comm, sizeof(comm));
        if (strchr(comm, '\n'))
            abort();
        break;
    }
    case 4: {
        char out[64];
        size_t n = pk__cmdline_parse(text, len, out, sizeof(out));
        if (n >= sizeof(out) || out[n] != '\0' || strlen(out) > n)
            abort();
        break;
    }
    default: {
        char state;
        uint64_t start;
        pk__stat_parse(text, len, &state, &start);
        break;
    }
    }
    free(text);
    return 0;
}
