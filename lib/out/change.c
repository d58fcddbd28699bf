/* SPDX-License-Identifier: BSD-2-Clause */
/* Changes between two registries (portkit/change.h) as JSON, text and HTML. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "out_int.h"
#include "portkit/error.h"

static const char *const headings[PK_CHANGE_NKINDS] = {
    "Newly assigned", "De-assigned", "Renamed", "Re-described", "Reserved", "Unreserved"};
static const char *const counted[PK_CHANGE_NKINDS] = {
    "newly assigned", "de-assigned", "renamed", "re-described", "reserved", "unreserved"};

static void
side_json(struct pk__json *j, const struct pk_change_side *s)
{
    pk__json_obj_begin(j);
    pk__json_key_str(j, "status", pk_status_name(s->status));
    pk__json_key(j, "services");
    pk__json_arr_begin(j);
    for (size_t i = 0; i < s->nservices; i++)
        pk__json_val_str(j, s->services[i]);
    pk__json_arr_end(j);
    pk__json_key(j, "description");
    if (*s->description)
        pk__json_val_str(j, s->description);
    else
        pk__json_val_null(j);
    pk__json_obj_end(j);
}

void
pk_out_change_json(const struct pk_out *o, const struct pk_change *c)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__json_key_str(&j, "change", pk_change_kind_name(c->kind));
    pk__json_key_int(&j, "port", c->port);
    pk__json_key_int(&j, "port_end", c->port_end);
    pk__json_key(&j, "protocols");
    pk__out_protos(&j, c->protos);
    pk__json_key(&j, "before");
    side_json(&j, &c->before);
    pk__json_key(&j, "after");
    side_json(&j, &c->after);
    pk__json_obj_end(&j);
}

/* A side for a person: "name, name: description", or the status and what the record says
 * when it is more than the status ("reserved: Reserved for IANA"). */
static void
side_text(struct pk_buf *b, const struct pk_change_side *s)
{
    for (size_t i = 0; i < s->nservices; i++)
        pk_buf_printf(b, "%s%s", i ? ", " : "", s->services[i]);
    if (!s->nservices)
        pk_buf_puts(b, pk_status_name(s->status));
    if (*s->description && strcasecmp(s->description, pk_status_name(s->status)) != 0)
        pk_buf_printf(b, ": %s", s->description);
}

/* The cells of a change: its ports, protocols, and what it was and is (freed by the caller). */
struct cells {
    char ports[16], protos[32];
    struct pk_buf was, now;
};

static void
cells_of(const struct pk_change *c, struct cells *k)
{
    pk__ports_str(k->ports, sizeof(k->ports), c->port, c->port_end);
    pk__protos_str(k->protos, sizeof(k->protos), c->protos);
    pk_buf_init(&k->was, 1u << 20);
    pk_buf_init(&k->now, 1u << 20);
    side_text(&k->was, &c->before);
    side_text(&k->now, &c->after);
}

static void
cells_free(struct cells *k)
{
    pk_buf_free(&k->was);
    pk_buf_free(&k->now);
}

void
pk_out_changes_count(struct pk_buf *b, const struct pk_change *c, size_t n)
{
    size_t count[PK_CHANGE_NKINDS] = {0};
    for (size_t i = 0; i < n; i++)
        count[c[i].kind]++;
    for (int k = 0; k < PK_CHANGE_NKINDS; k++)
        pk_buf_printf(b, "%s%zu %s", k ? ", " : "", count[k], counted[k]);
}

int
pk_out_changes_text(const struct pk_out *o, const struct pk_change *c, size_t n)
{
    static const struct pk_col cols[] = {
        {"PORT", 0}, {"PROTO", 0}, {"WAS", PK_COL_SHRINK}, {"NOW", PK_COL_SHRINK}};
    int rc = 0;
    pk_buf_puts(o->b, "  ");
    pk_out_changes_count(o->b, c, n);
    pk_buf_putc(o->b, '\n');
    for (int kind = 0; kind < PK_CHANGE_NKINDS && rc == 0; kind++) {
        struct pk_table *t = NULL;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (c[i].kind != (enum pk_change_kind)kind)
                continue;
            if (!t && (rc = pk_table_new(cols, sizeof(cols) / sizeof(cols[0]), &t)) < 0)
                break;
            struct cells k;
            cells_of(&c[i], &k);
            if ((rc = pk_table_row(t)) == 0) {
                pk_table_cell(t, 0, k.ports, PK_STYLE_NONE);
                pk_table_cell(t, 1, k.protos, PK_STYLE_NONE);
                pk_table_cell(t, 2, k.was.data, PK_STYLE_DIM);
                int32_t id = pk_table_cell(t, 3, k.now.data, PK_STYLE_BOLD);
                rc = id < 0 ? id : 0;
            }
            cells_free(&k);
        }
        if (t && rc == 0) {
            pk_buf_printf(o->b, "\n%s%s (%zu)%s\n", pk_out_sgr(o, PK_STYLE_BOLD), headings[kind],
                          pk_table_rows(t), pk_out_sgr_end(o, PK_STYLE_BOLD));
            rc = pk_table_render(t, o, PK_TABLE_INDENT);
        }
        pk_table_free(t);
    }
    return rc;
}

void
pk_out_changes_html(const struct pk_out *o, const struct pk_change *c, size_t n)
{
    struct pk_buf *b = o->b;
    pk_buf_puts(b, "<table class=\"changes\">\n<tr><th>Change</th><th>Port</th><th>Protocol</th>"
                   "<th>Was</th><th>Now</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        struct cells k;
        cells_of(&c[i], &k);
        pk_buf_printf(b, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>",
                      pk_change_kind_name(c[i].kind), counted[c[i].kind], k.ports, k.protos);
        pk_buf_html_str(b, k.was.data ? k.was.data : "");
        pk_buf_puts(b, "</td><td>");
        pk_buf_html_str(b, k.now.data ? k.now.data : "");
        pk_buf_puts(b, "</td></tr>\n");
        cells_free(&k);
    }
    pk_buf_puts(b, "</table>\n");
}
