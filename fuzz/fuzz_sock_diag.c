/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the netlink sock_diag decoding: the input is one reply buffer as the
 * kernel would send it (netlink headers, inet_diag messages, their attributes), walked by
 * pk__diag_reply() and, message by message, pk__diag_decode(). The first byte picks the
 * protocol and a port filter; the request's sequence number is 7.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "fuzz_sockq.h"
#include "sock_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 18))
        return 0;
    unsigned sel = data[0];
    struct pk__sockq q = fuzz_sockq((sel & 2) != 0, 4096);
    unsigned proto = (sel & 1) ? PK_UDP : PK_TCP;
    size_t len = size - 1;
    /* Exactly len bytes, from malloc (aligned as a receive buffer is). */
    void *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    struct pk_sock_list l = {0};
    int rc = pk__diag_reply(buf, len, 7, proto, &q, &l);
    if (rc > 1 || rc < -4095)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const struct pk_sock *s = &l.socks[i];
        if (s->proto != proto || (s->family != 4 && s->family != 6) || s->v6only < -1 ||
            s->v6only > 1)
            abort();
        if (q.port >= 0 && s->local_port != q.port)
            abort();
    }
    pk_sock_list_free(&l);
    /* The whole buffer as one message, whatever its header says. */
    struct pk_sock s;
    if (len >= 4 && ((uintptr_t)buf & 3) == 0)
        (void)pk__diag_decode(buf, len, proto, &s);
    free(buf);
    return 0;
}
