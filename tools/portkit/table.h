/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_TABLE_H
#define PORTKIT_TABLE_H

#include "cli.h"

/* The table of records that search, name and list print for humans. */
void table_head(struct cli *cli);
/* One row: ports (a record's, or lo-hi of an unassigned run when r is NULL), protocols (the
 * set protos, or the record's own when protos is 0), status, service and description,
 * escaped. */
void table_row(struct cli *cli, const struct pk_record *r, unsigned protos, unsigned lo,
               unsigned hi);
/* One row for a note: ports, protocols, kind and text. */
void table_note(struct cli *cli, const struct pk_note *n);

#endif
