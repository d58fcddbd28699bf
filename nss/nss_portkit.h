/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_NSS_PORTKIT_H
#define PORTKIT_NSS_PORTKIT_H

/*
 * libnss_portkit.so.2: the port registry as glibc's "services" database (nsswitch.conf:
 * "services: files portkit"). An answer is one (port, protocol, name) the registry assigns:
 * s_name is that name, s_aliases the other names assigned on the same port and protocol (in
 * registry order), s_port the port in network byte order, s_proto "tcp", "udp", "sctp" or
 * "dccp". Every string and the alias array are copied into the caller's buffer; a buffer too
 * small gives NSS_STATUS_TRYAGAIN with *errnop = ERANGE, and glibc retries with a bigger one.
 * Only the five _nss_portkit_* functions are exported (nss_portkit.map).
 */
#include <netdb.h>
#include <nss.h>
#include <stdbool.h>
#include <stddef.h>

#include "portkit/registry.h"

#define PK_NSS_EXPORT __attribute__((visibility("default")))

/* The module's entry points, as glibc's NSS calls them (port in network byte order). */
PK_NSS_EXPORT enum nss_status _nss_portkit_getservbyname_r(const char *name, const char *proto,
                                                           struct servent *res, char *buf,
                                                           size_t len, int *errnop);
PK_NSS_EXPORT enum nss_status _nss_portkit_getservbyport_r(int port, const char *proto,
                                                           struct servent *res, char *buf,
                                                           size_t len, int *errnop);
PK_NSS_EXPORT enum nss_status _nss_portkit_setservent(int stayopen);
PK_NSS_EXPORT enum nss_status _nss_portkit_getservent_r(struct servent *res, char *buf, size_t len,
                                                        int *errnop);
PK_NSS_EXPORT enum nss_status _nss_portkit_endservent(void);

/*
 * Returns the registry this process answers from: the local database (PK_DB_SYSTEM), mapped
 * and verified on the first call and kept for the life of the process, or the built-in
 * snapshot when there is none or it is damaged. Never NULL; safe from any thread.
 */
const struct pk_registry *pk__nss_registry(void);

/*
 * Reads record k of the records c covers (one port and protocol) into *r. Returns true when
 * it names a service there: assigned, with a name and a port, and no earlier record of c
 * gives the same name (a name is listed once per port and protocol).
 */
bool pk__nss_slot_name(const struct pk_cursor *c, size_t k, struct pk_record *r);

/*
 * Writes the answer for name on (port, proto), proto one pk_proto bit, into buf (the
 * strings and the alias array) and *res. Returns NSS_STATUS_SUCCESS, or NSS_STATUS_TRYAGAIN
 * with *errnop = ERANGE, *res untouched, when len bytes are not enough.
 */
enum nss_status pk__nss_fill(const struct pk_registry *reg, unsigned port, unsigned proto,
                             const char *name, struct servent *res, char *buf, size_t len,
                             int *errnop);

#endif
