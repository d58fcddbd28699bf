/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the scan port list parser: no crash, errors point inside the input,
 * a refused spec leaves the set alone, and an accepted one formats back to the same set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/portset.h"
#include "portkit/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pk_portset set, again, before;
    static char text[1 << 20];
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t len = strlen(s);
    pk_portset_clear(&set);
    pk_portset_add(&set, PK_UDP, 9, 9);
    memcpy(&before, &set, sizeof(set));
    struct pk_portset_err e = {0};
    int rc = pk_portset_parse(pk_registry_builtin(), s, PK_TCP, &set, &e);
    if (rc < 0) {
        if (!e.why && rc != -12 /* ENOMEM */)
            abort();
        if (e.why && (e.off > len || e.len > len - e.off))
            abort();
        if (memcmp(&set, &before, sizeof(set)) != 0)
            abort();
    } else if (rc == 0) {
        /* The compact form of the TCP ports parses back to the same TCP ports. */
        size_t n = pk_portset_format(&set, PK_TCP, text, sizeof(text));
        if (n >= sizeof(text))
            abort();
        pk_portset_clear(&again);
        if (n > 0) {
            if (pk_portset_parse(pk_registry_builtin(), text, PK_TCP, &again, NULL))
                abort();
            if (memcmp(again.bits[0], set.bits[0], sizeof(set.bits[0])) != 0)
                abort();
        }
    } else {
        abort();
    }
    free(s);
    return 0;
}
