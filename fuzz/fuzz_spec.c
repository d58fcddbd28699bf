/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the port spec parser: no crash, and a parsed spec is in bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "portkit/registry.h"
#include "portkit/portrange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pk_portrange spec;
    const char *why = NULL;
    int rc = pk_portrange_parse((const char *)data, size, &spec, &why);
    if (rc == 0) {
        if (spec.lo > spec.hi || spec.hi > PK_PORT_MAX || !spec.protos ||
            (spec.protos & ~(unsigned)PK_PROTO_ALL))
            abort();
        /* Everything the parser accepts must be something the registry can look up. */
        struct pk_cursor c;
        for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1)
            if ((spec.protos & p) && pk_lookup(pk_registry_builtin(), spec.lo, p, &c) < 0)
                abort();
    } else if (rc >= 0 || !why) {
        abort();
    }
    return 0;
}
