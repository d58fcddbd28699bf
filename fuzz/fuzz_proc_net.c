/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the /proc/net/{tcp,tcp6,udp,udp6} parser. The first byte picks the
 * protocol and family (and a port filter); the rest is the file's text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "fuzz_sockq.h"
#include "sock_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses one input and checks what comes out against the query. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    unsigned sel = data[0];
    struct pk__sockq q = fuzz_sockq((sel & 4) != 0, 4096);
    unsigned proto = (sel & 1) ? PK_UDP : PK_TCP;
    unsigned family = (sel & 2) ? 6 : 4;
    /* A copy of exactly size-1 bytes, so that ASan catches any read past the end. */
    char *text = malloc(size - 1 ? size - 1 : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    struct pk_sock_list l = {0};
    int rc = pk__sock_proc_parse(text, size - 1, proto, family, &q, &l);
    if (rc != 0 && rc != PK_ENOBUFS && rc != PK_ENOMEM)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const struct pk_sock *s = &l.socks[i];
        if (s->proto != proto || s->family != family || s->state < 1 || s->state > 12)
            abort();
        if (q.port >= 0 && s->local_port != q.port)
            abort();
    }
    pk_sock_list_free(&l);
    free(text);
    return 0;
}
