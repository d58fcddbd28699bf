/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libmicrohttpd, opened (dlopen) when portkit serve starts, not linked: with GnuTLS and its
 * ten libraries it would make every other portkit command start about 4 ms later. The
 * functions the server calls are defined here under their own names and call the library's
 * through the table web_mhd_open() fills; nothing else in web/ knows the difference.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

#include "web_int.h"

static struct {
    struct MHD_Daemon *(*start_daemon_va)(unsigned int flags, uint16_t port,
                                          MHD_AcceptPolicyCallback apc, void *apc_cls,
                                          MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap);
    void (*stop_daemon)(struct MHD_Daemon *d);
    const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *c,
                                                            enum MHD_ConnectionInfoType t, ...);
    const char *(*lookup_connection_value)(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                           const char *key);
    struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
                                                        enum MHD_ResponseMemoryMode mode);
    struct MHD_Response *(*create_response_from_buffer_with_free_callback)(
        size_t size, void *buffer, MHD_ContentReaderFreeCallback crfc);
    enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
                                           const char *content);
    enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status,
                                      struct MHD_Response *r);
    void (*destroy_response)(struct MHD_Response *r);
} mhd;

int
web_mhd_open(char *err, size_t errlen)
{
    if (mhd.start_daemon_va)
        return 0;
    /* Never closed: the daemons' threads run its code until the process ends. */
    void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "libmicrohttpd is not installed (Debian's libmicrohttpd12)");
        return -1;
    }
    struct {
        const char *name;
        void **fn;
    } syms[] = {
        {"MHD_start_daemon_va", (void **)&mhd.start_daemon_va},
        {"MHD_stop_daemon", (void **)&mhd.stop_daemon},
        {"MHD_get_connection_info", (void **)&mhd.get_connection_info},
        {"MHD_lookup_connection_value", (void **)&mhd.lookup_connection_value},
        {"MHD_create_response_from_buffer", (void **)&mhd.create_response_from_buffer},
        {"MHD_create_response_from_buffer_with_free_callback",
         (void **)&mhd.create_response_from_buffer_with_free_callback},
        {"MHD_add_response_header", (void **)&mhd.add_response_header},
        {"MHD_queue_response", (void **)&mhd.queue_response},
        {"MHD_destroy_response", (void **)&mhd.destroy_response},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
        if (!(*syms[i].fn = dlsym(h, syms[i].name))) {
            snprintf(err, errlen, "libmicrohttpd lacks %s", syms[i].name);
            mhd.start_daemon_va = NULL;
            return -1;
        }
    return 0;
}

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                 MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = mhd.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

void
MHD_stop_daemon(struct MHD_Daemon *d)
{
    mhd.stop_daemon(d);
}

/* The server asks only for kinds of information that take no further argument. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t, ...)
{
    return mhd.get_connection_info(c, t);
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
    return mhd.lookup_connection_value(c, kind, key);
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
    return mhd.create_response_from_buffer(size, buffer, mode);
}

struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback(size_t size, void *buffer,
                                                   MHD_ContentReaderFreeCallback crfc)
{
    return mhd.create_response_from_buffer_with_free_callback(size, buffer, crfc);
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *header, const char *content)
{
    return mhd.add_response_header(r, header, content);
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
    return mhd.queue_response(c, status, r);
}

void
MHD_destroy_response(struct MHD_Response *r)
{
    mhd.destroy_response(r);
}
