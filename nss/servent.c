/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * getservbyname_r and getservbyport_r: stateless lookups in the registry, and the one
 * function that lays an answer out in the caller's buffer. Nothing here allocates or keeps
 * state; any number of threads may call at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "nss_portkit.h"

bool
pk__nss_slot_name(const struct pk_cursor *c, size_t k, struct pk_record *r)
{
    if (pk_record_get(c->reg, c->ids[k], r) < 0)
        return false;
    if (r->status != PK_ASSIGNED || !r->service[0] || (r->flags & PK_REC_NOPORT))
        return false;
    for (size_t j = 0; j < k; j++) {
        struct pk_record q;
        if (pk_record_get(c->reg, c->ids[j], &q) == 0 && q.status == PK_ASSIGNED &&
            !(q.flags & PK_REC_NOPORT) && strcmp(q.service, r->service) == 0)
            return false;
    }
    return true;
}

/* Copies s to *p and moves *p past its NUL. Returns the copy. */
static char *
put(char **p, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = memcpy(*p, s, n);
    *p += n;
    return d;
}

enum nss_status
pk__nss_fill(const struct pk_registry *reg, unsigned port, unsigned proto, const char *name,
             struct servent *res, char *buf, size_t len, int *errnop)
{
    const char *pname = pk_proto_name(proto);
    struct pk_cursor c;
    struct pk_record r;
    size_t nalias = 0, text = strlen(name) + 1 + strlen(pname) + 1;

    /* First the size: the alias array (aligned, NULL-ended), then the strings. */
    int n = pk_lookup(reg, port, proto, &c);
    for (int k = 0; k < n; k++)
        if (pk__nss_slot_name(&c, (size_t)k, &r) && strcmp(r.service, name) != 0) {
            nalias++;
            text += strlen(r.service) + 1;
        }
    size_t pad = (alignof(char *) - (uintptr_t)buf % alignof(char *)) % alignof(char *);
    if (len < pad || (len - pad) / sizeof(char *) < nalias + 1 ||
        len - pad - (nalias + 1) * sizeof(char *) < text) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }

    char **aliases = (char **)(void *)(buf + pad);
    char *p = (char *)(aliases + nalias + 1);
    char *s_name = put(&p, name);
    char *s_proto = put(&p, pname);
    size_t a = 0;
    for (int k = 0; k < n; k++)
        if (pk__nss_slot_name(&c, (size_t)k, &r) && strcmp(r.service, name) != 0)
            aliases[a++] = put(&p, r.service);
    aliases[a] = NULL;

    res->s_name = s_name;
    res->s_aliases = aliases;
    res->s_port = (int)htons((uint16_t)port);
    res->s_proto = s_proto;
    return NSS_STATUS_SUCCESS;
}

/* Returns the pk_proto bit that proto names, PK_PROTO_ALL for NULL (any), or 0 when it names
 * none that the registry knows. */
static unsigned
protos_of(const char *proto)
{
    return proto ? pk_proto_from_name(proto, strlen(proto)) : PK_PROTO_ALL;
}

/* Finds the service name (proto NULL: any protocol) and writes its entry into res and buf.
 * Returns SUCCESS, NOTFOUND (errno untouched), or TRYAGAIN with ERANGE for a small buffer. */
enum nss_status
_nss_portkit_getservbyname_r(const char *name, const char *proto, struct servent *res, char *buf,
                             size_t len, int *errnop)
{
    const struct pk_registry *reg = pk__nss_registry();
    unsigned protos = protos_of(proto);
    struct pk_cursor c;
    struct pk_record r, best = {0};
    bool found = false;

    if (!name || !protos)
        return NSS_STATUS_NOTFOUND;
    /* Of the records with this name (ASCII case folded, as IANA's names are), the lowest
     * port, then tcp before udp before sctp before dccp: what files gives for a services
     * file in port order. A block (x11 6000-6063) answers with its first port. */
    pk_name_lookup(reg, name, &c);
    while (pk_cursor_next(&c, &r)) {
        if (r.status != PK_ASSIGNED || (r.flags & PK_REC_NOPORT) || !(r.proto & protos))
            continue;
        if (!found || r.port_lo < best.port_lo ||
            (r.port_lo == best.port_lo && pk_proto_index(r.proto) < pk_proto_index(best.proto))) {
            best = r;
            found = true;
        }
    }
    if (!found)
        return NSS_STATUS_NOTFOUND;
    return pk__nss_fill(reg, best.port_lo, best.proto, best.service, res, buf, len, errnop);
}

/* Finds the first name of port (network byte order) for proto (NULL: any) and writes its
 * entry into res and buf. Returns as _nss_portkit_getservbyname_r() does. */
enum nss_status
_nss_portkit_getservbyport_r(int port, const char *proto, struct servent *res, char *buf,
                             size_t len, int *errnop)
{
    const struct pk_registry *reg = pk__nss_registry();
    unsigned protos = protos_of(proto);
    unsigned p = ntohs((uint16_t)port);

    /* The first name of the port for the protocol asked for; for any protocol, tcp's, else
     * udp's, sctp's, dccp's. Ranges answer for every port inside them. */
    for (int i = 0; i < PK_NPROTO; i++) {
        unsigned bit = 1u << i;
        struct pk_cursor c;
        struct pk_record r;
        if (!(protos & bit))
            continue;
        int n = pk_lookup(reg, p, bit, &c);
        for (int k = 0; k < n; k++)
            if (pk__nss_slot_name(&c, (size_t)k, &r))
                return pk__nss_fill(reg, p, bit, r.service, res, buf, len, errnop);
    }
    return NSS_STATUS_NOTFOUND;
}
