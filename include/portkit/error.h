/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_ERROR_H
#define PORTKIT_ERROR_H

/*
 * Errors are negative values. Where a libc errno fits, the code is its negation, so a
 * failing system call can be passed through as -errno. The table drives pk_strerror() and
 * pk_errname(); JSON error objects use the names ("EINVAL", ...).
 */
#include <errno.h>
#include "portkit/common.h"

PK_BEGIN_DECLS

#define PK_ERRNO_MAP(XX)                                                                           \
    XX(EINVAL, -EINVAL, "invalid argument")                                                        \
    XX(ERANGE, -ERANGE, "value out of range")                                                      \
    XX(ENOENT, -ENOENT, "not found")                                                               \
    XX(ENOMEM, -ENOMEM, "out of memory")                                                           \
    XX(EIO, -EIO, "input/output error")                                                            \
    XX(EPERM, -EPERM, "operation not permitted")                                                   \
    XX(EACCES, -EACCES, "permission denied")                                                       \
    XX(EMSGSIZE, -EMSGSIZE, "input too long")                                                      \
    XX(ENOBUFS, -ENOBUFS, "output limit reached")                                                  \
    XX(EPROTONOSUPPORT, -EPROTONOSUPPORT, "unknown protocol")                                      \
    XX(EBADMSG, -EBADMSG, "malformed input")                                                       \
    XX(ENOSYS, -ENOSYS, "not supported here")                                                      \
    XX(ETIMEDOUT, -ETIMEDOUT, "timed out")

enum pk_errno {
#define PK__ERRDEF(name, val, msg) PK_##name = (val),
    PK_ERRNO_MAP(PK__ERRDEF)
#undef PK__ERRDEF
};

/* Returns a short English description of err (a negative pk_errno or -errno value). */
PK_API const char *pk_strerror(int err);

/* Returns the symbolic name of err ("EINVAL"), or "EUNKNOWN". */
PK_API const char *pk_errname(int err);

PK_END_DECLS

#endif
