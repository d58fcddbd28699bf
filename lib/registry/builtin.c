/* SPDX-License-Identifier: BSD-2-Clause */
/* The snapshot compiled into the library: tables that tools/gen/pk-embed generated with the
 * image builder (registry_data.c in the build tree). Kept apart from registry.c so that
 * pk-embed itself can link the lookups without the tables it is about to make. */
#include "registry_int.h"

const struct pk_registry *
pk_registry_builtin(void)
{
    return &pk__builtin_registry;
}
