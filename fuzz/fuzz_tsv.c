/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the readers of the project's data files (lib/ingest/tsv.c), which
 * pk-embed runs at build time: the input is a registry TSV and a notes file separated by a
 * NUL byte. Whatever the readers accept, the image builder must build and the verifier must
 * accept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build_check.h"
#include "tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t rlen = nul ? (size_t)(nul - data) : size;
    size_t nlen = nul ? size - rlen - 1 : 0;
    char *rbuf = malloc(rlen + 1), *nbuf = malloc(nlen + 1);
    if (!rbuf || !nbuf) {
        free(rbuf);
        free(nbuf);
        return 0;
    }
    memcpy(rbuf, data, rlen);
    rbuf[rlen] = '\0';
    if (nlen)
        memcpy(nbuf, nul + 1, nlen);
    nbuf[nlen] = '\0';
    struct pk__build_rec *recs = NULL;
    struct pk__build_note *notes = NULL;
    size_t nrecs = 0, nnotes = 0;
    int r1 = pk__tsv_registry(rbuf, rlen, NULL, NULL, &recs, &nrecs);
    int r2 = pk__tsv_notes(nbuf, nlen, NULL, NULL, &notes, &nnotes);
    if (r1 == 0 && r2 == 0)
        fuzz_check_build(recs, nrecs, notes, nnotes, "");
    free(recs);
    free(notes);
    free(rbuf);
    free(nbuf);
    return 0;
}
