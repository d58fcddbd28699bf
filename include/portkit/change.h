/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_CHANGE_H
#define PORTKIT_CHANGE_H

/*
 * What changed between two registries (portkit update, portkit diff): for every port and
 * protocol, what its status, names and description were and are; the ports whose change is
 * the same, one after another, make one change, and so do the protocols of a port.
 */
#include <stddef.h>

#include "portkit/common.h"
#include "portkit/registry.h"

PK_BEGIN_DECLS

enum pk_change_kind {
    PK_CHANGE_ASSIGNED,    /* assigned now, not before */
    PK_CHANGE_DEASSIGNED,  /* assigned before, reserved or unassigned now */
    PK_CHANGE_RENAMED,     /* assigned both times, under other names */
    PK_CHANGE_REDESCRIBED, /* the same names, another description */
    PK_CHANGE_RESERVED,    /* unassigned before, reserved now */
    PK_CHANGE_UNRESERVED,  /* reserved before, unassigned now */
};
#define PK_CHANGE_NKINDS 6

#define PK_CHANGE_NAMES 8

/* A port and protocol as one registry has it. */
struct pk_change_side {
    enum pk_status status;
    size_t nservices;                      /* names that assign it (at most PK_CHANGE_NAMES) */
    const char *services[PK_CHANGE_NAMES]; /* in registry order, each once */
    const char *description;               /* of its first record (the one the page leads
                                              with); "" when it has no record */
};

struct pk_change {
    enum pk_change_kind kind;
    unsigned port, port_end; /* equal for one port */
    unsigned protos;         /* pk_proto bits */
    struct pk_change_side before, after;
};

/*
 * Compares every port and protocol of before and after. Returns 0 with *out (free it with
 * pk_changes_free(); its strings point into both registries) and *n changes, by port, or
 * PK_ENOMEM.
 */
PK_API int pk_registry_diff(const struct pk_registry *before, const struct pk_registry *after,
                            struct pk_change **out, size_t *n);
PK_API void pk_changes_free(struct pk_change *changes);

/* "assigned", "deassigned", "renamed", "redescribed", "reserved", "unreserved"; NULL for a
 * bad value. */
PK_API const char *pk_change_kind_name(enum pk_change_kind k);

PK_END_DECLS

#endif
