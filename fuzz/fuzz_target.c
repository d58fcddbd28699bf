/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for target lists (the -iL format): no crash, no DNS (numeric only), and
 * the list with exclusions is exactly the list without them, filtered. The first byte splits
 * the input into targets and exclusions; the exclusions are also read as a list of their
 * own, so that every host the finished list gives back can be checked against them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portkit/target.h"

#define CHECK_MAX 1024u /* hosts compared one by one */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads text into a finished list (exclusions from xtext when xlen). Returns NULL on refusal. */
static struct pk_targets *
load(const char *text, size_t len, const char *xtext, size_t xlen, uint64_t max)
{
    struct pk_targets *t;
    if (pk_targets_new(&t) < 0)
        return NULL;
    unsigned line = 0;
    char bad[64];
    const char *why = NULL;
    int rc = pk_targets_add_text(t, text, len, PK_TARGET_NUMERIC, &line, bad, sizeof(bad), &why);
    if (rc == 0 && xlen)
        rc = pk_targets_add_text(t, xtext, xlen, PK_TARGET_NUMERIC | PK_TARGET_EXCLUDE, &line, bad,
                                 sizeof(bad), &why);
    if (rc < 0 && (!why || line == 0))
        abort(); /* a refusal always says why and where */
    if (rc == 0)
        rc = pk_targets_finish(t, max, &why);
    if (rc < 0) {
        pk_targets_free(t);
        return NULL;
    }
    return t;
}

/* Returns true when host tg is one of the n hosts of list x (a linear walk: x is small). */
static bool
listed(const struct pk_targets *x, uint64_t n, const struct pk_target *tg)
{
    for (uint64_t i = 0; i < n; i++) {
        struct pk_target h;
        if (pk_targets_get(x, i, &h) != 0)
            abort();
        if (h.family == tg->family && memcmp(h.addr, tg->addr, 16) == 0)
            return true;
    }
    return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    size_t cut = data[0] % size;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (cut > len)
        cut = len;
    struct pk_targets *t = load(text, cut, text + cut, len - cut, 1u << 20);
    if (!t)
        return 0;
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

    /* The same targets without exclusions, and the exclusions as targets: small ones are
     * compared host by host. */
    struct pk_targets *all = load(text, cut, NULL, 0, CHECK_MAX);
    struct pk_targets *ex = load(text + cut, len - cut, NULL, 0, 256);
    if (all && ex) {
        uint64_t na = pk_targets_count(all), nx = pk_targets_count(ex), k = 0;
        for (uint64_t i = 0; i < na; i++) {
            struct pk_target a;
            if (pk_targets_get(all, i, &a) != 0)
                abort();
            if (listed(ex, nx, &a))
                continue;
            if (pk_targets_get(t, k++, &tg) != 0 || tg.family != a.family ||
                memcmp(tg.addr, a.addr, 16) != 0)
                abort();
        }
        if (k != n)
            abort();
    }
    pk_targets_free(all);
    pk_targets_free(ex);
    pk_targets_free(t);
    return 0;
}
