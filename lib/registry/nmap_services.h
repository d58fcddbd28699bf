/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_REGISTRY_NMAP_SERVICES_H
#define PORTKIT_REGISTRY_NMAP_SERVICES_H

/*
 * nmap's services file (/usr/share/nmap/nmap-services): how often each port was found open.
 * One line per port and protocol, "name<TAB>port/proto<TAB>frequency", maybe followed by a
 * TAB and a comment; '#' starts a comment line. The parser is a pure function over a
 * buffer: no files, no allocation, no locale.
 */
#include <stddef.h>

#define PK__NMAP_SERVICES_MAX (16u << 20) /* largest file read */
#define PK__NMAP_LINE_MAX 1024u           /* longest line taken */

/* What a parse found. */
struct pk__nmap_services_stats {
    unsigned lines;    /* lines read */
    unsigned used;     /* lines of the protocol asked for, taken */
    unsigned bad;      /* malformed lines, skipped */
    unsigned bad_line; /* the first of them (1-based), 0 for none */
};

/*
 * Reads the len bytes at text and raises freq[port] (PK_PORT_MAX + 1 entries, the caller's
 * start values) to the frequency of each well-formed line of protocol proto (PK_TCP, PK_UDP
 * or PK_SCTP). A malformed line (a bad name, port, protocol or frequency, a NUL, or over
 * PK__NMAP_LINE_MAX bytes) is skipped and counted in *st. Returns 0, or PK_EINVAL for a bad
 * proto or len over PK__NMAP_SERVICES_MAX.
 */
int pk__nmap_services_parse(const char *text, size_t len, unsigned proto, double *freq,
                            struct pk__nmap_services_stats *st);

/*
 * Reads the file at path (at most PK__NMAP_SERVICES_MAX bytes) into freq as above. Returns 0,
 * -errno when it cannot be read, PK_EMSGSIZE when it is too large, or PK_ENOMEM.
 */
int pk__nmap_services_read(const char *path, unsigned proto, double *freq,
                           struct pk__nmap_services_stats *st);

#endif
