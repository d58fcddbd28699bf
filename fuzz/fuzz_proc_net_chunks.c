/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the chunked /proc/net reader: the text is fed through
 * pk__sock_proc_read() in reads of sizes the input picks, with a chunk size it picks, and
 * the sockets must be exactly those of pk__sock_proc_parse() on the whole text (a line
 * longer than a chunk is longer than any line the parser takes). Input: a byte for the
 * protocol and family, two for the chunk size, one seeding the read sizes, then the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "fuzz_sockq.h"
#include "sock_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
    const char *text;
    size_t len, off;
    uint32_t state; /* picks the size of each read */
};

/* Hands out the next few bytes of the text, as a file read might. */
static ssize_t
feed_read(void *ctx, char *buf, size_t len)
{
    struct feed *f = ctx;
    f->state = f->state * 1103515245u + 12345u;
    size_t n = (f->state >> 16) % 3000 + 1;
    if (n > len)
        n = len;
    if (n > f->len - f->off)
        n = f->len - f->off;
    memcpy(buf, f->text + f->off, n);
    f->off += n;
    return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > (1u << 18))
        return 0;
    struct pk__sockq q = fuzz_sockq((data[0] & 4) != 0, 1u << 16);
    unsigned proto = (data[0] & 1) ? PK_UDP : PK_TCP;
    unsigned family = (data[0] & 2) ? 6 : 4;
    size_t chunk = PK__PROC_LINE_MAX + 1 + ((size_t)data[1] << 8 | data[2]) % 4096;
    struct feed f = {.text = (const char *)data + 4, .len = size - 4, .state = data[3]};
    char *buf = malloc(chunk);
    if (!buf)
        return 0;
    struct pk_sock_list a = {0}, b = {0};
    int ra = pk__sock_proc_read(feed_read, &f, buf, chunk, proto, family, &q, &a);
    int rb = pk__sock_proc_parse(f.text, f.len, proto, family, &q, &b);
    if (ra != rb || a.n != b.n || (a.n && memcmp(a.socks, b.socks, a.n * sizeof(*a.socks)) != 0))
        abort();
    pk_sock_list_free(&a);
    pk_sock_list_free(&b);
    free(buf);
    return 0;
}
