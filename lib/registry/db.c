/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the local registry database lives, and opening it. The database is a registry image
 * (image.h) that portkit update writes; lookups use it when it is there and valid, else the
 * built-in snapshot. The environment is read with secure_getenv(), so a set-user-ID program
 * (and the NSS module inside one) never takes a path from its caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portkit/error.h"
#include "registry_int.h"

#define SYSTEM_DIR "/var/lib/portkit"

int
pk_registry_db_dir(unsigned flags, char *buf, size_t cap)
{
    const char *env = secure_getenv("PORTKIT_DATA_DIR");
    int n;
    if (env && *env)
        n = snprintf(buf, cap, "%s", env);
    else if ((flags & PK_DB_SYSTEM) || geteuid() == 0)
        n = snprintf(buf, cap, "%s", SYSTEM_DIR);
    else {
        const char *xdg = secure_getenv("XDG_DATA_HOME");
        const char *home = secure_getenv("HOME");
        if (xdg && *xdg == '/')
            n = snprintf(buf, cap, "%s/portkit", xdg);
        else if (home && *home == '/')
            n = snprintf(buf, cap, "%s/.local/share/portkit", home);
        else
            return PK_ENOENT;
    }
    if (n < 0 || (size_t)n >= cap)
        return PK_EMSGSIZE;
    return 0;
}

int
pk_registry_db_path(unsigned flags, char *buf, size_t cap)
{
    int rc = pk_registry_db_dir(flags, buf, cap);
    if (rc < 0)
        return rc;
    size_t n = strlen(buf);
    if (n + sizeof("/" PK_DB_FILE) > cap)
        return PK_EMSGSIZE;
    memcpy(buf + n, "/" PK_DB_FILE, sizeof("/" PK_DB_FILE));
    return 0;
}

int
pk_registry_open_db(unsigned flags, const struct pk_registry **out, const char **why)
{
    char path[4096];
    int rc = pk_registry_db_path(flags, path, sizeof(path));
    if (rc < 0)
        return rc;
    rc = pk_registry_open(path, out, why);
    /* An ordinary user without a database of their own reads the system's. */
    if (rc == -ENOENT && !(flags & PK_DB_SYSTEM) && geteuid() != 0 &&
        !secure_getenv("PORTKIT_DATA_DIR"))
        rc = pk_registry_open(SYSTEM_DIR "/" PK_DB_FILE, out, why);
    return rc;
}
