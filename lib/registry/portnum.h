/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_PORTNUM_H
#define PORTKIT_PORTNUM_H

/*
 * Parses a decimal port in s..e (leading zeros allowed), for the spec parsers of lib/spec.c
 * and lib/portspec.c. Returns the value, -1 when the text is not a number, or -2 when it
 * is a number over PK_PORT_MAX.
 */
long pk__port_num(const char *s, const char *e);

#endif
