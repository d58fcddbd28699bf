/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>

#include "table.h"

#define DESC_MAX 200

void
table_head(struct cli *cli)
{
    if (cli->json)
        return;
    pk_buf_printf(&cli->out, "%s%-12s %-8s %-11s %-22s %s%s\n", cli_c(cli, C_BOLD), "PORT", "PROTO",
                  "STATUS", "SERVICE", "DESCRIPTION", cli_c(cli, C_RESET));
}

/* Appends s escaped and padded to width (at least one space after it). */
static void
cell(struct cli *cli, const char *s, int width)
{
    size_t before = cli->out.len;
    pk_buf_term_str(&cli->out, s, true);
    /* Columns are counted in characters: UTF-8 continuation bytes take no column. */
    size_t w = 0;
    for (size_t i = before; i < cli->out.len; i++)
        w += ((unsigned char)cli->out.data[i] & 0xc0) != 0x80;
    do
        pk_buf_putc(&cli->out, ' ');
    while ((int)++w <= width);
}

/* Appends s escaped, cut to about max bytes with "...". */
static void
cut(struct cli *cli, const char *s, size_t max)
{
    size_t before = cli->out.len;
    pk_buf_term_str(&cli->out, s, true);
    if (cli->out.len - before > max && !cli->out.err) {
        size_t at = before + max;
        /* Don't cut inside a UTF-8 sequence. */
        while (at > before && ((unsigned char)cli->out.data[at] & 0xc0) == 0x80)
            at--;
        cli->out.len = at;
        pk_buf_puts(&cli->out, "...");
    }
}

void
table_row(struct cli *cli, const struct pk_record *r, unsigned protos, unsigned lo, unsigned hi)
{
    char ports[16];
    if (r && (r->flags & PK_REC_NOPORT))
        snprintf(ports, sizeof(ports), "-");
    else if (r)
        lo = r->port_lo, hi = r->port_hi;
    if (!r || !(r->flags & PK_REC_NOPORT)) {
        if (hi != lo)
            snprintf(ports, sizeof(ports), "%u-%u", lo, hi);
        else
            snprintf(ports, sizeof(ports), "%u", lo);
    }
    struct pk_buf pb;
    pk_buf_init(&pb, 64);
    out_protos_text(&pb, protos ? protos : r ? r->proto : 0);
    enum pk_status st = r ? r->status : PK_UNASSIGNED;
    pk_buf_printf(&cli->out, "%-12s %-8s %s%-11s%s ", ports, pb.len ? pb.data : "-",
                  cli_c(cli, out_status_color(st)), pk_status_name(st), cli_c(cli, C_RESET));
    pk_buf_free(&pb);
    cell(cli, r && *r->service ? r->service : "-", 22);
    cut(cli, r ? r->description : "-", DESC_MAX);
    pk_buf_putc(&cli->out, '\n');
}

void
table_note(struct cli *cli, const struct pk_note *n)
{
    char ports[16];
    if (n->port_hi != n->port_lo)
        snprintf(ports, sizeof(ports), "%u-%u", n->port_lo, n->port_hi);
    else
        snprintf(ports, sizeof(ports), "%u", n->port_lo);
    struct pk_buf protos;
    pk_buf_init(&protos, 64);
    out_protos_text(&protos, n->protos);
    pk_buf_printf(&cli->out, "%-12s %-8s %s%-11s%s %-22s ", ports, protos.data ? protos.data : "",
                  cli_c(cli, C_CYAN), pk_note_kind_name(n->kind), cli_c(cli, C_RESET), "-");
    pk_buf_free(&protos);
    cut(cli, n->text, DESC_MAX);
    pk_buf_putc(&cli->out, '\n');
}
