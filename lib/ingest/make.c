/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The registry of a source (portkit/ingest.h): read by its kind's reader, built with the
 * built-in registry's notes and prior when asked, and opened through the image's verifier.
 * Not part of pk-embed, which makes the built-in registry itself.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "ingest.h"
#include "portkit/buf.h"
#include "portkit/error.h"
#include "portkit/ingest.h"

/* The first malformed line a reader reports, for pk_ingest()'s one line. */
struct first_err {
    char *why;
    size_t cap;
    bool set;
};

static void
on_first_err(void *arg, unsigned line, const char *msg)
{
    struct first_err *e = arg;
    if (e->set)
        return;
    e->set = true;
    if (line)
        snprintf(e->why, e->cap, "line %u: %s", line, msg);
    else
        snprintf(e->why, e->cap, "%s", msg);
}

int
pk_ingest(const void *buf, size_t len, const char *source, unsigned flags, struct pk_ingest *out,
          char *why, size_t cap)
{
    _Static_assert(PK_INGEST_MAX == PK__SOURCE_MAX, "one bound of a source");
    memset(out, 0, sizeof(*out));
    if (len > PK_INGEST_MAX) {
        snprintf(why, cap, "larger than %zu MiB", PK_INGEST_MAX >> 20);
        return PK_EMSGSIZE;
    }
    /* The readers want the bytes 8-byte aligned (an image) with a NUL after them, and the
     * CSV reader cuts its fields in place. */
    char *copy = aligned_alloc(8, (len + 8) & ~(size_t)7);
    struct pk__build_note *nv = NULL;
    struct pk__build_prior *pv = NULL;
    size_t nn = 0, np = 0;
    struct pk__source src = {0};
    struct first_err fe = {why, cap, false};
    void *img = NULL;
    size_t imglen = 0;
    int rc = PK_ENOMEM;
    if (!copy)
        goto fail;
    memcpy(copy, buf, len);
    copy[len] = '\0';
    if ((rc = pk__source_read(copy, len, on_first_err, &fe, &src)) < 0)
        goto fail;
    if (src.nrecs == 0) {
        snprintf(why, cap, "no records");
        fe.set = true;
        rc = PK_EBADMSG;
        goto fail;
    }
    if ((flags & PK_INGEST_NOTES) &&
        (rc = pk__ingest_notes_of(pk_registry_builtin(), &nv, &nn, &pv, &np)) < 0)
        goto fail;
    char built[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(built, sizeof(built), "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct pk__build_meta meta = {source, src.date, built};
    if ((rc = pk__registry_build(src.recs, src.nrecs, nv, nn, pv, np, &meta, &img, &imglen)) < 0) {
        snprintf(why, cap, "building the registry: %s", pk_strerror(rc));
        fe.set = true;
        goto fail;
    }
    const char *vwhy = "";
    if ((rc = pk_registry_from_image(img, imglen, &out->reg, &vwhy)) < 0) {
        snprintf(why, cap, "the registry built does not verify: %s", vwhy);
        fe.set = true;
        goto fail;
    }
    out->image = img;
    out->image_len = imglen;
    img = NULL;
fail:
    if (rc < 0 && !fe.set)
        snprintf(why, cap, "%s", pk_strerror(rc));
    free(img);
    free(nv);
    free(pv);
    pk__source_free(&src);
    free(copy);
    return rc;
}

void
pk_ingest_free(struct pk_ingest *in)
{
    pk_registry_close(in->reg);
    free((void *)in->image);
    memset(in, 0, sizeof(*in));
}

uint64_t
pk_registry_notes_sum(const struct pk_registry *reg)
{
    struct pk_buf b;
    pk_buf_init(&b, 64u << 20);
    for (uint32_t i = 0; i < pk_registry_note_count(reg); i++) {
        struct pk_note n;
        pk_note_get(reg, i, &n);
        pk_buf_printf(&b, "%u %u %u %u %s %s\n", n.port_lo, n.port_hi, n.protos, n.kind, n.source,
                      n.text);
    }
    for (size_t i = 0; i < reg->nprior; i++)
        pk_buf_printf(&b, "%u %u %d\n", (unsigned)reg->prior[i].port,
                      (unsigned)reg->prior[i].protos, (int)reg->prior[i].weight);
    uint64_t s = b.data ? pk__image_sum(b.data, b.len) : 0;
    pk_buf_free(&b);
    return s;
}
