/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_OUT_SOCK_INT_H
#define PORTKIT_OUT_SOCK_INT_H

/* Shared by the socket serializers of lib/out (socket.c, socket_text.c, free.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "portkit/sockout.h"

/* What a view keeps of each process once it is written: its cells in one table, and its
 * JSON members after "fd". */
struct pk__sockview_cache {
    const struct pk_table *cells_of; /* the table the ids of cells are in */
    int32_t (*cells)[5];             /* per process: PID USER COMMAND UNIT CMDLINE; see below */
    char **json;                     /* per process: ,"command":...,"container":"..." or NULL */
    uint32_t *json_len;
    /* Cells of static text (protocol, IP versions, state) in cells_of, by the text's
     * address. */
    struct {
        const char *text;
        int32_t id;
    } fixed[32];
    size_t nfixed;
};
#define PK__CELLS_UNSET (-2) /* cells[k][0] before process k is written into cells_of */

/* Returns the cache of v, made on first use; NULL when out of memory (then nothing is
 * kept: slower, not wrong). */
struct pk__sockview_cache *pk__sockview_cache(struct pk_sockview *v);

/* Writes every socket of v, in display order, as a JSON array: the next value of j. */
void pk__out_sockview(struct pk__json *j, const struct pk_out *o, struct pk_sockview *v);

/* Says why no process is shown for socket s of v, or NULL when nowners processes are: a
 * sentence for JSON, or a few words in parentheses for the table when brief. */
const char *pk__sock_unknown(const struct pk_sockview *v, const struct pk_sock *s, size_t nowners,
                             bool brief);

/* The port of the service end of s: its local port for a listener. */
unsigned pk__sock_service_port(const struct pk_sockview *v, const struct pk_sock *s);

/* The registry's service name of the service end of s, or NULL. */
const char *pk__sock_service(const struct pk_out *o, const struct pk_sockview *v,
                             const struct pk_sock *s);

/* The warning about listener s, or NULL: a system port with no IANA assignment. */
const char *pk__sock_warning(const struct pk_out *o, const struct pk_sock *s);

/* "all interfaces", "loopback only", or NULL (one address) for a listener. */
const char *pk__sock_scope(const struct pk_sock *s);

/* Writes "ADDR:PORT" of one end of s, an IPv6 address in brackets. */
void pk__sock_endpoint(struct pk_buf *b, const struct pk_sock *s, bool remote);

#endif
