/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "portkit/error.h"
#include "portkit/version.h"

const char *
pk_strerror(int err)
{
    switch (err) {
#define PK__ERRMSG(name, val, msg)                                                                 \
    case (val):                                                                                    \
        return msg;
        PK_ERRNO_MAP(PK__ERRMSG)
#undef PK__ERRMSG
    }
    return err < 0 ? strerror(-err) : "unknown error";
}

const char *
pk_errname(int err)
{
    switch (err) {
#define PK__ERRNAME(name, val, msg)                                                                \
    case (val):                                                                                    \
        return #name;
        PK_ERRNO_MAP(PK__ERRNAME)
#undef PK__ERRNAME
    }
    return "EUNKNOWN";
}

const char *
pk_version(void)
{
    return PK_VERSION_STRING;
}
