/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The registry the module answers from, chosen once per process. A program calling
 * getservbyport() a million times maps and verifies the local database once (about a
 * millisecond for IANA's whole registry); every later call is a load of one pointer. The
 * database is replaced by rename, never rewritten, so the mapping stays valid; it is never
 * unmapped, since another thread may be reading it and the module cannot know when nobody
 * is. A process sees a newer database when it starts again.
 */
#include <errno.h>
#include <stdatomic.h>

#include "nss_portkit.h"
#include "portkit/error.h"

static _Atomic(const struct pk_registry *) the_registry;

/* True for a failure that may pass (memory, descriptors, a signal): the database is tried
 * again on a later call instead of being given up for the life of the process. */
static bool
transient(int rc)
{
    return rc == PK_ENOMEM || rc == -EMFILE || rc == -ENFILE || rc == -EINTR || rc == -EAGAIN;
}

const struct pk_registry *
pk__nss_registry(void)
{
    const struct pk_registry *reg = atomic_load_explicit(&the_registry, memory_order_acquire);
    if (reg)
        return reg;

    /* The system's database, or $PORTKIT_DATA_DIR's (secure_getenv: never in a set-user-ID
     * program). Opening it must not change the caller's errno when the lookup succeeds. */
    int saved = errno;
    const struct pk_registry *db = NULL;
    int rc = pk_registry_open_db(PK_DB_SYSTEM, &db, NULL);
    errno = saved;
    if (rc < 0) {
        /* None, unreadable or damaged (its checksum or a bound is wrong: never trusted):
         * the built-in snapshot answers. */
        if (transient(rc))
            return pk_registry_builtin();
        db = pk_registry_builtin();
    }
    const struct pk_registry *none = NULL;
    if (atomic_compare_exchange_strong_explicit(&the_registry, &none, db, memory_order_acq_rel,
                                                memory_order_acquire))
        return db;
    /* Another thread published its registry first; nobody has seen this one. */
    pk_registry_close(db);
    return none;
}
