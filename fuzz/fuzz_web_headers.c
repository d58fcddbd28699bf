/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the header values portkit serve reads itself (Host, Accept-Encoding,
 * If-None-Match): no crash, no read past the value, and the answers hold what is known. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    bool lo = web_loopback_host(s);
    /* A host the check lets through names loopback: no other letters than localhost's. */
    if (lo && strncmp(s, "127.", 4) != 0 && s[0] != '[' && !strcasestr(s, "localhost"))
        abort();
    (void)web_accepts_gzip(s);
    if (web_etag_match(s, "\"0123456789abcdef\"") && !strchr(s, '*') &&
        !strstr(s, "\"0123456789abcdef\""))
        abort();
    free(s);
    return 0;
}
