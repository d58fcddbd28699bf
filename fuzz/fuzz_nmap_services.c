/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for nmap's services file parser: no crash, no read past the buffer, every
 * frequency it takes is within 0..1, and its counts add up. The input is the file itself,
 * parsed for each protocol.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nmap_services.h"
#include "portkit/portset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static double freq[PK_PORT_MAX + 1], none[PK_PORT_MAX + 1];
    static const unsigned protos[] = {PK_TCP, PK_UDP, PK_SCTP};
    if (none[0] == 0)
        for (unsigned p = 0; p <= PK_PORT_MAX; p++)
            none[p] = -1;
    /* A copy of exactly size bytes: ASan catches a read one past the end. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    for (size_t i = 0; i < size; i++)
        text[i] = (char)data[i];
    unsigned used = 0, bad = 0;
    for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++) {
        memcpy(freq, none, sizeof(freq));
        struct pk__nmap_services_stats st;
        if (pk__nmap_services_parse(text, size, protos[k], freq, &st) != 0)
            abort();
        if (st.used + st.bad > st.lines || (st.bad == 0) != (st.bad_line == 0) ||
            st.bad_line > st.lines)
            abort();
        unsigned set = 0;
        for (unsigned p = 0; p <= PK_PORT_MAX; p++) {
            if (freq[p] != -1 && !(freq[p] >= 0 && freq[p] <= 1))
                abort();
            set += freq[p] != -1;
        }
        if (set > st.used)
            abort();
        /* Bad lines are bad for every protocol alike. */
        if (k > 0 && st.bad != bad)
            abort();
        bad = st.bad;
        used += st.used;
    }
    if (used > 0 && size == 0)
        abort();
    struct pk__nmap_services_stats st;
    if (pk__nmap_services_parse(text, size, 0x40, freq, &st) == 0)
        abort(); /* not a protocol */
    free(text);
    return 0;
}
