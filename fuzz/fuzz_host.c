/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the /proc/sys/net port policy parser. The input is the three files'
 * contents separated by NUL bytes: range, unprivileged start, reserved list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *buf = malloc(size + 3);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    memset(buf + size, 0, 3);
    /* Three NULs after the data keep every part inside the buffer. */
    const char *range = buf;
    const char *unpriv = range + strlen(range) + 1;
    const char *reserved = unpriv + strlen(unpriv) + 1;
    struct pk_port_policy *hp = malloc(sizeof(*hp));
    if (hp) {
        pk__port_policy_parse(range, unpriv, reserved, hp);
        if (hp->have_ephemeral && hp->ephemeral_lo > hp->ephemeral_hi)
            abort();
        if (hp->have_reserved && hp->nreserved > 65536)
            abort();
        free(hp);
    }
    free(buf);
    return 0;
}
