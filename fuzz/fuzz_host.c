/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the /proc/sys/net port policy parser. The input is the three files'
 * contents separated by NUL bytes: range, unprivileged start, reserved list. Each part is
 * copied to a buffer of its exact size, so that a read past its end is caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns a malloc'd copy of the len bytes at p (at least 1 byte allocated). */
static char *
dup_exact(const uint8_t *p, size_t len)
{
    char *c = malloc(len ? len : 1);
    if (c && len)
        memcpy(c, p, len);
    return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    const uint8_t *part[3] = {data, NULL, NULL}, *end = data + size;
    size_t len[3] = {0};
    for (int i = 0; i < 3; i++) {
        if (!part[i])
            break;
        const uint8_t *nul = memchr(part[i], 0, (size_t)(end - part[i]));
        len[i] = nul ? (size_t)(nul - part[i]) : (size_t)(end - part[i]);
        if (i < 2 && nul)
            part[i + 1] = nul + 1;
    }
    char *buf[3];
    for (int i = 0; i < 3; i++)
        buf[i] = part[i] ? dup_exact(part[i], len[i]) : NULL;
    struct pk_port_policy *hp = malloc(sizeof(*hp));
    if (hp) {
        pk__port_policy_parse(buf[0], len[0], buf[1], len[1], buf[2], len[2], hp);
        if (hp->have_ephemeral && hp->ephemeral_lo > hp->ephemeral_hi)
            abort();
        if (hp->have_reserved) {
            unsigned count = 0;
            for (unsigned port = 0; port < 65536; port++)
                count += pk_port_policy_reserved(hp, port);
            if (count != hp->nreserved)
                abort();
        }
        free(hp);
    }
    for (int i = 0; i < 3; i++)
        free(buf[i]);
    return 0;
}
