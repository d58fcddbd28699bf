/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for target lists (the -iL format): no crash, no DNS (numeric only), the
 * first byte picks include or exclude per line, and every counted host can be read back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "portkit/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    struct pk_targets *t;
    if (pk_targets_new(&t) < 0)
        return 0;
    unsigned line = 0;
    char bad[64];
    const char *why = NULL;
    /* Half of the input (split at a byte the fuzzer picks) is targets, the rest exclusions. */
    size_t cut = data[0] % size;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (cut > len)
        cut = len;
    int rc = pk_targets_add_text(t, text, cut, PK_TARGET_NUMERIC, &line, bad, sizeof(bad), &why);
    if (rc == 0)
        rc = pk_targets_add_text(t, text + cut, len - cut, PK_TARGET_NUMERIC | PK_TARGET_EXCLUDE,
                                 &line, bad, sizeof(bad), &why);
    if (rc < 0 && (!why || line == 0))
        abort();
    if (rc == 0 && pk_targets_finish(t, 1u << 20, &why) == 0) {
        uint64_t n = pk_targets_count(t);
        struct pk_target tg;
        char buf[64];
        for (uint64_t i = 0; i < n && i < 64; i++) {
            if (pk_targets_get(t, i, &tg) != 0 || (tg.family != AF_INET && tg.family != AF_INET6))
                abort();
            pk_target_addr_str(&tg, buf, sizeof(buf));
        }
        if (n && pk_targets_get(t, n - 1, &tg) != 0)
            abort();
        if (pk_targets_get(t, n, &tg) == 0)
            abort();
    }
    pk_targets_free(t);
    return 0;
}
