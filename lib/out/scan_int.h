/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_OUT_SCAN_INT_H
#define PORTKIT_OUT_SCAN_INT_H

/* Shared by the scan serializers of lib/out (scan_*.c). */
#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "portkit/scanout.h"

/* Writes "22/tcp" into buf (16 bytes). */
void pk__scan_port_str(char *buf, size_t cap, unsigned port);

/* The style of a port state: open good, closed bad, filtered warn. */
enum pk_style pk__scan_state_style(enum pk_port_state s);

/* Appends target tg as "NAME (ADDRESS)", or "ADDRESS" when it was not named: the name
 * escaped for the terminal (term), else for HTML. */
void pk__scan_target_text(struct pk_buf *b, const struct pk_target *tg, bool term);

/* Writes the "address" and "hostname" members of tg into the object j has open. */
void pk__scan_target_json(struct pk__json *j, const struct pk_target *tg);

/* Writes the "service" member of TCP port (the registry's name, or null). */
void pk__scan_service_json(struct pk__json *j, const struct pk_out *o, unsigned port);

/* Writes the "notes" member of an open TCP port: its unofficial uses (narrow ranges). */
void pk__scan_notes_json(struct pk__json *j, const struct pk_out *o, unsigned port, bool open);

/* Writes t as nmap's timestr ("Sun Nov 22 02:15:58 2026") into buf. */
void pk__scan_timestr(char *buf, size_t cap, time_t t);

#endif
