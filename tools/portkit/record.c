/* SPDX-License-Identifier: BSD-2-Clause */
/* Output of registry records and notes shared by the subcommands. */
#include "cli.h"

/*
 * Appends one record as a JSON object line for search, name and list:
 * port (null without one), port_end for ranges, protocol (proto when the record names
 * none but the caller looked it up under one; null otherwise), service (null when none),
 * status and description.
 */
void
out_record_json(struct cli *cli, const struct pk_record *r, unsigned proto)
{
    struct pk_json j;
    pk_json_init(&j, &cli->out);
    pk_json_obj_begin(&j);
    pk_json_key(&j, "port");
    if (r->flags & PK_REC_NOPORT)
        pk_json_val_null(&j);
    else
        pk_json_val_int(&j, r->port_lo);
    if (r->flags & PK_REC_RANGE)
        pk_json_key_int(&j, "port_end", r->port_hi);
    pk_json_key(&j, "protocol");
    const char *pn = pk_proto_name(r->proto ? r->proto : proto);
    if (pn)
        pk_json_val_str(&j, pn);
    else
        pk_json_val_null(&j);
    pk_json_key(&j, "service");
    if (*r->service)
        pk_json_val_str(&j, r->service);
    else
        pk_json_val_null(&j);
    pk_json_key_str(&j, "status", pk_status_name(r->status));
    pk_json_key_str(&j, "description", r->description);
    pk_json_obj_end(&j);
    pk_buf_putc(&cli->out, '\n');
}

void
out_protos_json(struct pk_json *j, unsigned protos)
{
    pk_json_arr_begin(j);
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1)
        if (protos & p)
            pk_json_val_str(j, pk_proto_name(p));
    pk_json_arr_end(j);
}

/* Appends one note as a JSON object line for search. */
void
out_note_json(struct cli *cli, const struct pk_note *n)
{
    struct pk_json j;
    pk_json_init(&j, &cli->out);
    pk_json_obj_begin(&j);
    pk_json_key_int(&j, "port", n->port_lo);
    if (n->port_hi != n->port_lo)
        pk_json_key_int(&j, "port_end", n->port_hi);
    pk_json_key(&j, "protocol");
    pk_json_val_str(&j, pk_proto_name(n->protos & -n->protos));
    pk_json_key(&j, "protocols");
    out_protos_json(&j, n->protos);
    pk_json_key(&j, "service");
    pk_json_val_null(&j);
    pk_json_key_str(&j, "kind", pk_note_kind_name(n->kind));
    pk_json_key_str(&j, "description", n->text);
    pk_json_obj_end(&j);
    pk_buf_putc(&cli->out, '\n');
}

const char *
out_status_color(enum pk_status st)
{
    return st == PK_ASSIGNED ? C_GREEN : st == PK_RESERVED ? C_YELLOW : C_DIM;
}

void
out_protos_text(struct pk_buf *b, unsigned protos)
{
    bool first = true;
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(protos & p))
            continue;
        if (!first)
            pk_buf_putc(b, ',');
        pk_buf_puts(b, pk_proto_name(p));
        first = false;
    }
}
