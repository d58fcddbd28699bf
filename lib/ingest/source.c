/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registry sources read by content (ingest.h): IANA's CSV, IANA's XML, or a registry image
 * whose records are taken back as builder input; and the project's notes and prior of a
 * registry, for an image built from IANA's files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "portkit/error.h"

/* Takes the records of the image at buf back as builder input. */
static int
image_records(const char *buf, size_t len, pk__ingest_err err, void *arg, struct pk__source *out)
{
    const struct pk_registry *reg;
    const char *why = "";
    int rc = pk_registry_from_image(buf, len, &reg, &why);
    if (rc < 0) {
        if (err && rc == PK_EBADMSG)
            err(arg, 0, why);
        return rc;
    }
    size_t n = pk_registry_count(reg);
    struct pk__build_rec *recs = malloc((n ? n : 1) * sizeof(*recs));
    if (!recs) {
        pk_registry_close(reg);
        return PK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct pk_record r;
        pk_record_get(reg, (uint32_t)i, &r);
        recs[i] = (struct pk__build_rec){
            .str = {r.service, r.description, r.assignee, r.contact, r.registered, r.modified,
                    r.reference, r.service_code, r.unauthorized, r.notes, r.as_of},
            .lo = r.port_lo,
            .hi = r.port_hi,
            .proto = r.proto,
            .status = r.status,
            .flags = r.flags,
        };
    }
    struct pk_registry_info info;
    pk_registry_info(reg, &info);
    *out = (struct pk__source){.kind = PK__SOURCE_IMAGE, .recs = recs, .nrecs = n, .reg = reg};
    snprintf(out->date, sizeof(out->date), "%s", info.date);
    return 0;
}

int
pk__source_read(char *buf, size_t len, pk__ingest_err err, void *arg, struct pk__source *out)
{
    switch (pk__source_detect(buf, len)) {
    case PK__SOURCE_CSV:
        return pk__csv_read(buf, len, err, arg, out);
    case PK__SOURCE_XML:
        return pk__xml_read(buf, len, err, arg, out);
    case PK__SOURCE_IMAGE:
        return image_records(buf, len, err, arg, out);
    case PK__SOURCE_UNKNOWN:
        break;
    }
    if (err)
        err(arg, 0, "neither IANA's CSV, IANA's XML nor a portkit registry image");
    return PK_EBADMSG;
}

void
pk__source_free(struct pk__source *s)
{
    free(s->recs);
    free(s->mem);
    pk_registry_close(s->reg);
    memset(s, 0, sizeof(*s));
}

int
pk__ingest_notes_of(const struct pk_registry *reg, struct pk__build_note **notes, size_t *nnotes,
                    struct pk__build_prior **prior, size_t *nprior)
{
    size_t nn = pk_registry_note_count(reg), np = reg->nprior;
    struct pk__build_note *nv = malloc((nn ? nn : 1) * sizeof(*nv));
    struct pk__build_prior *pv = malloc((np ? np : 1) * sizeof(*pv));
    if (!nv || !pv) {
        free(nv);
        free(pv);
        return PK_ENOMEM;
    }
    for (size_t i = 0; i < nn; i++) {
        struct pk_note n;
        pk_note_get(reg, (uint32_t)i, &n);
        nv[i] = (struct pk__build_note){n.text, n.source, n.port_lo, n.port_hi, n.protos, n.kind};
    }
    for (size_t i = 0; i < np; i++)
        pv[i] = (struct pk__build_prior){reg->prior[i].port, reg->prior[i].protos,
                                         reg->prior[i].weight};
    *notes = nv;
    *nnotes = nn;
    *prior = pv;
    *nprior = np;
    return 0;
}
