/* SPDX-License-Identifier: BSD-2-Clause */
/* Registry records, notes and errors as table rows, HTML and text (JSON is in out.c). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"

const struct pk__field pk__record_fields[] = {
    {"assignee", "assignee", offsetof(struct pk_record, assignee)},
    {"contact", "contact", offsetof(struct pk_record, contact)},
    {"registered", "registered", offsetof(struct pk_record, registered)},
    {"modified", "modified", offsetof(struct pk_record, modified)},
    {"reference", "reference", offsetof(struct pk_record, reference)},
    {"service code", "service_code", offsetof(struct pk_record, service_code)},
    {"unauthorized", "unauthorized", offsetof(struct pk_record, unauthorized)},
    {"notes", "assignment_notes", offsetof(struct pk_record, notes)},
};
const size_t pk__nrecord_fields = sizeof(pk__record_fields) / sizeof(pk__record_fields[0]);

const char *
pk__record_field(const struct pk_record *r, size_t i)
{
    const char *const *v = (const char *const *)((const char *)r + pk__record_fields[i].off);
    return *v;
}

enum { COL_PORT, COL_PROTO, COL_STATUS, COL_SERVICE, COL_DESC, NCOLS };

static const struct pk_col record_cols[NCOLS] = {
    {"PORT", 0}, {"PROTO", 0}, {"STATUS", 0}, {"SERVICE", 0}, {"DESCRIPTION", PK_COL_SHRINK},
};

const struct pk_col *
pk_out_record_cols(size_t *ncols)
{
    *ncols = NCOLS;
    return record_cols;
}

int
pk_out_record_row(struct pk_table *t, const struct pk_record *r, unsigned protos, unsigned lo,
                  unsigned hi)
{
    char ports[16], pr[32];
    int rc = pk_table_row(t);
    if (rc < 0)
        return rc;
    if (r && (r->flags & PK_REC_NOPORT))
        snprintf(ports, sizeof(ports), "-");
    else if (r)
        pk__ports_str(ports, sizeof(ports), r->port_lo, r->port_hi);
    else
        pk__ports_str(ports, sizeof(ports), lo, hi);
    pk__protos_str(pr, sizeof(pr), protos ? protos : r ? r->proto : 0);
    enum pk_status st = r ? r->status : PK_UNASSIGNED;
    pk_table_cell(t, COL_PORT, ports, PK_STYLE_NONE);
    pk_table_cell(t, COL_PROTO, pr, PK_STYLE_NONE);
    pk_table_cell(t, COL_STATUS, pk_status_name(st), pk_out_status_style(st));
    pk_table_cell(t, COL_SERVICE, r && *r->service ? r->service : "-", PK_STYLE_NONE);
    rc =
        (int)pk_table_cell(t, COL_DESC, r && *r->description ? r->description : "-", PK_STYLE_NONE);
    return rc < 0 ? rc : 0;
}

int
pk_out_note_row(struct pk_table *t, const struct pk_note *n)
{
    char ports[16];
    int rc = pk_table_row(t);
    if (rc < 0)
        return rc;
    char pr[32];
    pk__ports_str(ports, sizeof(ports), n->port_lo, n->port_hi);
    pk__protos_str(pr, sizeof(pr), n->protos);
    pk_table_cell(t, COL_PORT, ports, PK_STYLE_NONE);
    pk_table_cell(t, COL_PROTO, pr, PK_STYLE_NONE);
    pk_table_cell(t, COL_STATUS, pk_note_kind_name(n->kind), PK_STYLE_NOTE);
    pk_table_cell(t, COL_SERVICE, "-", PK_STYLE_NONE);
    rc = (int)pk_table_cell(t, COL_DESC, n->text, PK_STYLE_NONE);
    return rc < 0 ? rc : 0;
}

void
pk__out_url_path(struct pk_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            pk_buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            pk_buf_put(b, e, 3);
        }
    }
}

void
pk__out_ports_link(struct pk_buf *b, unsigned lo, unsigned hi)
{
    if (lo == hi)
        pk_buf_printf(b, "<a href=\"/port/%u\">%u</a>", lo, lo);
    else
        pk_buf_printf(b, "<a href=\"/range/%u-%u\">%u-%u</a>", lo, hi, lo, hi);
}

void
pk__out_records_thead(struct pk_buf *b)
{
    pk_buf_puts(b, "<div class=\"table\"><table class=\"records\">\n<thead><tr><th>Ports</th>"
                   "<th>Protocol</th><th>Status</th><th>Service</th><th>Description</th></tr>"
                   "</thead><tbody>\n");
}

/* Appends a service name as a link to its page, or "-". */
static void
service_link(struct pk_buf *b, const char *service)
{
    if (!*service) {
        pk_buf_puts(b, "-");
        return;
    }
    pk_buf_puts(b, "<a href=\"/name/");
    pk__out_url_path(b, service);
    pk_buf_puts(b, "\">");
    pk_buf_html_str(b, service);
    pk_buf_puts(b, "</a>");
}

void
pk__out_record_tr(const struct pk_out *o, const struct pk_record *r, const struct pk_record *block)
{
    struct pk_buf *b = o->b;
    pk_buf_printf(b, "<tr class=\"%s\"", pk_status_name(r->status));
    if (*r->as_of) {
        pk_buf_puts(b, " data-as-of=\"");
        pk_buf_html_str(b, r->as_of);
        pk_buf_putc(b, '"');
    }
    pk_buf_puts(b, "><td class=\"ports\">");
    if (r->flags & PK_REC_NOPORT)
        pk_buf_puts(b, "-");
    else
        pk__out_ports_link(b, r->port_lo, r->port_hi);
    pk_buf_puts(b, "</td><td>");
    pk_buf_puts(b, r->proto ? pk_proto_name(r->proto) : "-");
    pk_buf_printf(b, "</td><td class=\"status\">%s</td><td class=\"service\">",
                  pk_status_name(r->status));
    service_link(b, r->service);
    pk_buf_puts(b, "</td><td>");
    pk_buf_html_str(b, *r->description ? r->description : "-");
    if (block && (block->flags & PK_REC_RANGE))
        pk_buf_printf(b, " <span class=\"block\">(block %u-%u)</span>", block->port_lo,
                      block->port_hi);
    pk_buf_puts(b, "</td></tr>\n");
}

void
pk_out_record_html(const struct pk_out *o, const struct pk_record *r)
{
    pk__out_record_tr(o, r, NULL);
}

void
pk_out_note_html(const struct pk_out *o, const struct pk_note *n)
{
    struct pk_buf *b = o->b;
    pk_buf_printf(b, "<li class=\"note %s\"><span class=\"ports\">", pk_note_kind_name(n->kind));
    pk__out_ports_link(b, n->port_lo, n->port_hi);
    pk_buf_putc(b, '/');
    pk_out_protos_text(b, n->protos);
    pk_buf_puts(b, "</span> ");
    pk_buf_html_str(b, n->text);
    if (*n->source) {
        pk_buf_puts(b, " <span class=\"source\">(");
        pk_buf_html_str(b, n->source);
        pk_buf_puts(b, ")</span>");
    }
    pk_buf_puts(b, "</li>\n");
}

int
pk_out_name_html(const struct pk_out *o, const char *name)
{
    struct pk_buf *b = o->b;
    struct pk_cursor c;
    struct pk_record r;
    int n = pk_name_lookup(o->reg, name, &c);
    pk_buf_puts(b, "<article class=\"name\">\n<h1>Service ");
    pk_buf_html_str(b, name);
    pk_buf_puts(b, "</h1>\n");
    if (n <= 0) {
        pk_buf_puts(b, "<p class=\"summary\">IANA has no service of that name.</p>\n</article>\n");
        return 0;
    }
    pk_buf_printf(b,
                  "<p class=\"summary\">IANA lists the name on %d record%s: every port and "
                  "protocol it is registered for.</p>\n",
                  n, n == 1 ? "" : "s");
    pk__out_records_thead(b);
    while (pk_cursor_next(&c, &r))
        pk__out_record_tr(o, &r, NULL);
    pk_buf_puts(b, "</tbody></table></div>\n</article>\n");
    return n;
}

/* True when a and b are one name but for case and '-'/'_'. */
static bool
alias_of(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
        a++, b++;
    }
}

/* Fills names with the service names of r's matched records, aliases folded; when no
 * record matched (a note did), the names its port is assigned to. Returns how many. */
static size_t
search_services(const struct pk_out *o, const struct pk_search_result *r,
                const char *names[PK_SEARCH_REFS])
{
    size_t ns = 0;
    for (size_t i = 0; i < r->nrefs; i++) {
        struct pk_record rec;
        if (r->refs[i].is_note || pk_record_get(o->reg, r->refs[i].id, &rec) < 0 || !*rec.service)
            continue;
        bool dup = false;
        for (size_t k = 0; k < ns && !dup; k++)
            dup = alias_of(names[k], rec.service);
        if (!dup)
            names[ns++] = rec.service;
    }
    for (unsigned p = PK_TCP; ns == 0 && !r->noport && r->port == r->port_end && p <= PK_DCCP;
         p <<= 1) {
        const char *svc = pk_service_name(o->reg, r->port, p);
        if (svc)
            names[ns++] = svc;
    }
    return ns;
}

/* The description of a search result: its best record's, or its best note's text. */
static const char *
search_description(const struct pk_out *o, const struct pk_search_result *r)
{
    struct pk_record rec;
    struct pk_note note;
    if (r->nrefs == 0)
        return "-";
    if (r->refs[0].is_note)
        return pk_note_get(o->reg, r->refs[0].id, &note) == 0 ? note.text : "-";
    return pk_record_get(o->reg, r->refs[0].id, &rec) == 0 && *rec.description ? rec.description
                                                                               : "-";
}

static const struct pk_col search_cols[] = {
    {"PORT", 0},
    {"PROTO", 0},
    {"SERVICE", 0},
    {"DESCRIPTION", PK_COL_SHRINK},
};

int
pk_out_search_text(const struct pk_out *o, const struct pk_search_result *r, size_t n)
{
    struct pk_table *t;
    struct pk_buf cell;
    int rc = pk_table_new(search_cols, sizeof(search_cols) / sizeof(search_cols[0]), &t);
    if (rc < 0)
        return rc;
    pk_buf_init(&cell, 64 * 1024);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char ports[16];
        if ((rc = pk_table_row(t)) < 0)
            break;
        if (r[i].noport)
            strcpy(ports, "-");
        else if (r[i].port == r[i].port_end)
            snprintf(ports, sizeof(ports), "%u", r[i].port);
        else
            snprintf(ports, sizeof(ports), "%u-%u", r[i].port, r[i].port_end);
        pk_table_cell(t, 0, ports, PK_STYLE_NONE);
        pk_buf_reset(&cell);
        pk_out_protos_text(&cell, r[i].protos);
        pk_table_cell(t, 1, cell.len ? cell.data : "-", PK_STYLE_NONE);
        const char *names[PK_SEARCH_REFS];
        size_t ns = search_services(o, &r[i], names);
        pk_buf_reset(&cell);
        for (size_t k = 0; k < ns; k++) {
            if (k)
                pk_buf_puts(&cell, ", ");
            pk_buf_puts(&cell, names[k]);
        }
        pk_table_cell(t, 2, cell.len ? cell.data : "-", PK_STYLE_BOLD);
        int32_t w = pk_table_cell(t, 3, search_description(o, &r[i]), PK_STYLE_NONE);
        if (w < 0)
            rc = (int)w;
    }
    if (rc == 0)
        rc = pk_table_render(t, o, 0);
    pk_buf_free(&cell);
    pk_table_free(t);
    return rc;
}

void
pk_out_search_html(const struct pk_out *o, const struct pk_search_result *r)
{
    struct pk_buf *b = o->b;
    const char *names[PK_SEARCH_REFS];
    size_t ns = search_services(o, r, names);
    pk_buf_puts(b, "<li class=\"result\"><span class=\"ports\">");
    if (r->noport)
        pk_buf_puts(b, "no port");
    else
        pk__out_ports_link(b, r->port, r->port_end);
    pk_buf_puts(b, "</span> <span class=\"protos\">");
    pk_out_protos_text(b, r->protos);
    pk_buf_puts(b, "</span> <span class=\"services\">");
    for (size_t i = 0; i < ns; i++) {
        if (i)
            pk_buf_puts(b, ", ");
        service_link(b, names[i]);
    }
    pk_buf_puts(b, "</span> <span class=\"desc\">");
    struct pk_record rec;
    struct pk_note note;
    if (r->nrefs && r->refs[0].is_note && pk_note_get(o->reg, r->refs[0].id, &note) == 0)
        pk_buf_html_str(b, note.text);
    else if (r->nrefs && !r->refs[0].is_note && pk_record_get(o->reg, r->refs[0].id, &rec) == 0)
        pk_buf_html_str(b, *rec.description ? rec.description : "-");
    pk_buf_puts(b, "</span></li>\n");
}

void
pk_out_search_json(const struct pk_out *o, const struct pk_search_result *r)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    if (r->noport) {
        pk__json_key(&j, "port");
        pk__json_val_null(&j);
        pk__json_key(&j, "port_end");
        pk__json_val_null(&j);
    } else {
        pk__json_key_int(&j, "port", r->port);
        pk__json_key_int(&j, "port_end", r->port_end);
    }
    pk__json_key(&j, "protocols");
    pk__out_protos(&j, r->protos);
    pk__json_key(&j, "services");
    pk__json_arr_begin(&j);
    const char *names[PK_SEARCH_REFS];
    size_t ns = search_services(o, r, names);
    for (size_t i = 0; i < ns; i++)
        pk__json_val_str(&j, names[i]);
    pk__json_arr_end(&j);
    pk__json_key_int(&j, "score", r->score);
    pk__json_key(&j, "records");
    pk__json_arr_begin(&j);
    for (size_t i = 0; i < r->nrefs; i++) {
        struct pk_record rec;
        if (!r->refs[i].is_note && pk_record_get(o->reg, r->refs[i].id, &rec) == 0)
            pk__out_record(&j, o, &rec, 0);
    }
    pk__json_arr_end(&j);
    pk__json_key(&j, "notes");
    pk__json_arr_begin(&j);
    for (size_t i = 0; i < r->nrefs; i++) {
        struct pk_note n;
        if (r->refs[i].is_note && pk_note_get(o->reg, r->refs[i].id, &n) == 0)
            pk__out_note(&j, o, &n);
    }
    pk__json_arr_end(&j);
    pk__json_obj_end(&j);
}

void
pk_out_error_json(const struct pk_out *o, const char *input, size_t len, int err,
                  const char *message)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__json_obj_begin(&j);
    pk__json_key(&j, "input");
    pk__json_val_strn(&j, input, len);
    pk__json_key_str(&j, "error", pk_errname(err));
    pk__json_key_str(&j, "message", message);
    pk__json_obj_end(&j);
}

/* Appends at most 64 bytes of input for a message, escaped (a NUL byte as \x00). */
static void
error_input(struct pk_buf *b, const char *input, size_t len, bool html)
{
    size_t shown = len > 64 ? 64 : len;
    if (shown == 0)
        pk_buf_puts(b, "''");
    for (size_t i = 0; i < shown;) {
        /* Escape the text up to the next NUL byte, then the NUL itself. */
        size_t n = strnlen(input + i, shown - i);
        char part[65];
        memcpy(part, input + i, n);
        part[n] = '\0';
        if (html)
            pk_buf_html_str(b, part);
        else
            pk_buf_term_str(b, part, true);
        i += n;
        if (i < shown) {
            pk_buf_puts(b, "\\x00");
            i++;
        }
    }
    if (len > shown)
        pk_buf_puts(b, "...");
}

void
pk_out_error_text(const struct pk_out *o, const char *input, size_t len, const char *message)
{
    error_input(o->b, input, len, false);
    pk_buf_puts(o->b, ": ");
    pk_buf_term_str(o->b, message, true);
}

void
pk_out_error_html(const struct pk_out *o, const char *input, size_t len, const char *message)
{
    pk_buf_puts(o->b, "<p class=\"error\"><code>");
    error_input(o->b, input, len, true);
    pk_buf_puts(o->b, "</code>: ");
    pk_buf_html_str(o->b, message);
    pk_buf_puts(o->b, "</p>\n");
}
