/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portkit info PORT[/PROTO]... : the port page. A range ("788-799") is shown as a compact
 * table; "-" reads specs from standard input, one per line, streaming.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portkit/error.h"
#include "portkit/portrange.h"

#define LABEL_WIDTH 14
#define WRAP_AT 100

struct info_state {
    int rc; /* worst exit status so far */
};

static const char *
range_bounds(enum pk_range_class rc)
{
    switch (rc) {
    case PK_RANGE_SYSTEM:
        return "0-1023";
    case PK_RANGE_USER:
        return "1024-49151";
    case PK_RANGE_DYNAMIC:
        return "49152-65535";
    }
    return "";
}

/* Appends n spaces. */
static void
pad(struct cli *cli, size_t n)
{
    static const char spaces[] = "                                        ";
    while (n > 0) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        pk_buf_put(&cli->out, spaces, k);
        n -= k;
    }
}

/*
 * Appends untrusted text escaped for the terminal, wrapped at WRAP_AT columns with
 * continuation lines indented by indent; the first line starts at column col.
 */
static void
wrapped(struct cli *cli, const char *text, size_t col, size_t indent)
{
    struct pk_buf esc;
    pk_buf_init(&esc, 1u << 20);
    pk_buf_term_str(&esc, text, true);
    /* Runs of blanks (folded line breaks of IANA's notes) become one space. */
    char *w = esc.data;
    for (const char *r = esc.data; r && *r; r++)
        if (*r != ' ' || (w > esc.data && w[-1] != ' '))
            *w++ = *r;
    if (w)
        *w = '\0';
    const char *p = esc.data ? esc.data : "";
    while (*p) {
        while (*p == ' ')
            p++;
        size_t room = col < WRAP_AT - 20 ? WRAP_AT - col : 20;
        size_t n = strlen(p);
        if (n > room) {
            /* Break at the last space that fits; a longer word goes whole. */
            size_t cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(p, " ");
            n = cut;
        }
        pk_buf_put(&cli->out, p, n);
        p += n;
        while (*p == ' ')
            p++;
        if (*p) {
            pk_buf_putc(&cli->out, '\n');
            pad(cli, indent);
            col = indent;
        }
    }
    pk_buf_free(&esc);
}

/* The IANA columns shown after the description, as text labels and JSON keys. */
static const struct {
    const char *label;
    const char *key;
    size_t off;
} extra_fields[] = {
    {"assignee", "assignee", offsetof(struct pk_record, assignee)},
    {"contact", "contact", offsetof(struct pk_record, contact)},
    {"registered", "registered", offsetof(struct pk_record, registered)},
    {"modified", "modified", offsetof(struct pk_record, modified)},
    {"reference", "reference", offsetof(struct pk_record, reference)},
    {"service code", "service_code", offsetof(struct pk_record, service_code)},
    {"unauthorized", "unauthorized", offsetof(struct pk_record, unauthorized)},
    {"notes", "notes", offsetof(struct pk_record, notes)},
};

static const char *
extra_value(const struct pk_record *r, size_t i)
{
    const char *const *v = (const char *const *)((const char *)r + extra_fields[i].off);
    return *v;
}

/* Appends "  label   value" for a non-empty value. */
static void
field(struct cli *cli, const char *label, const char *value)
{
    if (!*value)
        return;
    pad(cli, 4);
    pk_buf_printf(&cli->out, "%s%-*s%s ", cli_c(cli, C_DIM), LABEL_WIDTH - 3, label,
                  cli_c(cli, C_RESET));
    wrapped(cli, value, 2 + LABEL_WIDTH, 2 + LABEL_WIDTH);
    pk_buf_putc(&cli->out, '\n');
}

/* The "this host" lines: privilege, ephemeral range, reserved ports. */
static void
host_lines(struct cli *cli, unsigned port)
{
    const struct pk_port_policy *hp = cli_host(cli);
    unsigned start = hp->have_unprivileged ? hp->unprivileged_start : 1024;
    pk_buf_printf(&cli->out, "  %-*s", LABEL_WIDTH, "this host");
    if (port < start)
        pk_buf_printf(&cli->out, "binding needs privilege (ports below %u%s)", start,
                      hp->have_unprivileged ? "" : ", the default");
    else
        pk_buf_printf(&cli->out, "any user may bind it (unprivileged from %u%s)", start,
                      hp->have_unprivileged ? "" : ", the default");
    pk_buf_putc(&cli->out, '\n');
    pad(cli, 2 + LABEL_WIDTH);
    if (!hp->have_ephemeral)
        pk_buf_puts(&cli->out, "ephemeral range unknown");
    else
        pk_buf_printf(&cli->out, "%s the ephemeral range %u-%u",
                      port >= hp->ephemeral_lo && port <= hp->ephemeral_hi ? "inside" : "outside",
                      hp->ephemeral_lo, hp->ephemeral_hi);
    if (pk_port_policy_reserved(hp, port))
        pk_buf_puts(&cli->out, "; reserved (ip_local_reserved_ports)");
    pk_buf_putc(&cli->out, '\n');
}

/* Human form of one record under its protocol. */
static void
record_text(struct cli *cli, const struct pk_record *r)
{
    char name[64];
    const char *svc = *r->service ? r->service : "-";
    pad(cli, 2);
    pk_buf_puts(&cli->out, cli_c(cli, C_BOLD));
    struct pk_buf nb;
    pk_buf_init(&nb, sizeof(name) - 1);
    pk_buf_term_str(&nb, svc, true);
    size_t w = nb.len;
    pk_buf_put(&cli->out, nb.data ? nb.data : "", nb.len);
    pk_buf_free(&nb);
    pk_buf_puts(&cli->out, cli_c(cli, C_RESET));
    if (r->flags & PK_REC_RANGE) {
        int n = snprintf(name, sizeof(name), " (%u-%u)", r->port_lo, r->port_hi);
        pk_buf_puts(&cli->out, name);
        w += (size_t)n;
    }
    pad(cli, w + 2 < LABEL_WIDTH + 2 ? LABEL_WIDTH + 2 - w - 2 : 2);
    size_t col = w + 2 < LABEL_WIDTH + 2 ? LABEL_WIDTH + 2 : w + 4;
    wrapped(cli, r->description, col, LABEL_WIDTH + 2);
    pk_buf_putc(&cli->out, '\n');
    for (size_t i = 0; i < sizeof(extra_fields) / sizeof(extra_fields[0]); i++) {
        const char *v = extra_value(r, i);
        /* The contact is nearly always the assignee: said once. */
        if (extra_fields[i].off == offsetof(struct pk_record, contact) &&
            strcmp(v, r->assignee) == 0)
            continue;
        field(cli, extra_fields[i].label, v);
    }
}

struct note_ctx {
    enum pk_note_kind kind;
    size_t count;
    size_t cap; /* the registry's number of notes: every one fits */
    struct pk_note *found;
};

static int
note_collect(const struct pk_note *n, void *arg)
{
    struct note_ctx *c = arg;
    if (n->kind == c->kind && c->count < c->cap)
        c->found[c->count++] = *n;
    return 0;
}

/* Narrow notes first: a note on 721-731 says more about 721 than one on 0-1023. */
static int
cmp_width(const void *a, const void *b)
{
    const struct pk_note *x = a, *y = b;
    unsigned wx = x->port_hi - x->port_lo, wy = y->port_hi - y->port_lo;
    if (wx != wy)
        return wx < wy ? -1 : 1;
    if (x->port_lo != y->port_lo)
        return x->port_lo < y->port_lo ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Prints the notes of one kind that touch lo..hi, under a heading. */
static void
notes_text(struct cli *cli, unsigned lo, unsigned hi, unsigned protos, enum pk_note_kind kind)
{
    static const char *heads[] = {"Unofficial uses", "History", "Abuse reports"};
    struct note_ctx ctx = {.kind = kind, .cap = pk_registry_note_count(cli->reg)};
    struct note_ctx *c = &ctx;
    c->found = malloc((c->cap ? c->cap : 1) * sizeof(*c->found));
    if (!c->found)
        return;
    pk_notes_for(cli->reg, lo, hi, protos, note_collect, c);
    if (c->count == 0)
        goto out;
    qsort(c->found, c->count, sizeof(c->found[0]), cmp_width);
    pk_buf_printf(&cli->out, "\n%s%s%s\n", cli_c(cli, C_BOLD), heads[kind], cli_c(cli, C_RESET));
    for (size_t i = 0; i < c->count; i++) {
        const struct pk_note *n = &c->found[i];
        struct pk_buf pb;
        pk_buf_init(&pb, 64);
        if (n->port_hi != n->port_lo)
            pk_buf_printf(&pb, "%u-%u/", n->port_lo, n->port_hi);
        else
            pk_buf_printf(&pb, "%u/", n->port_lo);
        out_protos_text(&pb, n->protos);
        pk_buf_printf(&cli->out, "  %-*s", LABEL_WIDTH, pb.data ? pb.data : "");
        if (pb.len >= LABEL_WIDTH) {
            pk_buf_putc(&cli->out, '\n');
            pad(cli, 2 + LABEL_WIDTH);
        }
        pk_buf_free(&pb);
        wrapped(cli, n->text, 2 + LABEL_WIDTH, 2 + LABEL_WIDTH);
        pk_buf_putc(&cli->out, '\n');
    }
out:
    free(c->found);
}

/* Appends key: value when value is not empty. */
static void
opt_str(struct pk_json *j, const char *key, const char *value)
{
    if (*value)
        pk_json_key_str(j, key, value);
}

static void
record_json(struct pk_json *j, const struct pk_record *r)
{
    pk_json_obj_begin(j);
    pk_json_key(j, "service");
    if (*r->service)
        pk_json_val_str(j, r->service);
    else
        pk_json_val_null(j);
    pk_json_key_str(j, "description", r->description);
    if (r->status != PK_ASSIGNED)
        pk_json_key_str(j, "status", pk_status_name(r->status));
    if (r->flags & PK_REC_RANGE) {
        pk_json_key_int(j, "port_lo", r->port_lo);
        pk_json_key_int(j, "port_hi", r->port_hi);
    }
    for (size_t i = 0; i < sizeof(extra_fields) / sizeof(extra_fields[0]); i++)
        opt_str(j, extra_fields[i].key, extra_value(r, i));
    pk_json_obj_end(j);
}

/*
 * The JSON objects of records and notes, rendered on first use and kept: a stream of
 * specs shows the same objects again and again. A slot that could not be rendered stays
 * empty and the object is rendered in place each time.
 */
struct rendered {
    char *json;
    size_t len;
};

static struct {
    struct rendered *recs;
    struct rendered *notes;
} cache;

static void
cache_free(void)
{
    const struct pk_registry *reg = pk_registry_builtin();
    for (size_t i = 0; cache.recs && i < pk_registry_count(reg); i++)
        free(cache.recs[i].json);
    for (size_t i = 0; cache.notes && i < pk_registry_note_count(reg); i++)
        free(cache.notes[i].json);
    free(cache.recs);
    free(cache.notes);
    cache.recs = cache.notes = NULL;
}

/* Appends the object in slot, rendering it into the slot first when it is new. */
static void
cached(struct pk_json *j, struct rendered *slot, void (*render)(struct pk_json *, const void *),
       const void *item)
{
    if (slot && !slot->json) {
        struct pk_buf b;
        struct pk_json tj;
        pk_buf_init(&b, 1u << 20);
        pk_json_init(&tj, &b);
        render(&tj, item);
        if (!b.err && b.data) {
            slot->json = b.data;
            slot->len = b.len;
        } else {
            pk_buf_free(&b);
        }
    }
    if (slot && slot->json)
        pk_json_val_raw(j, slot->json, slot->len);
    else
        render(j, item);
}

static void
render_record(struct pk_json *j, const void *item)
{
    record_json(j, item);
}

static void
render_note(struct pk_json *j, const void *item)
{
    const struct pk_note *n = item;
    pk_json_obj_begin(j);
    pk_json_key_str(j, "kind", pk_note_kind_name(n->kind));
    pk_json_key_int(j, "port_lo", n->port_lo);
    pk_json_key_int(j, "port_hi", n->port_hi);
    pk_json_key(j, "protocols");
    out_protos_json(j, n->protos);
    pk_json_key_str(j, "text", n->text);
    pk_json_obj_end(j);
}

/* Appends a string literal. */
#define PUT_LIT(b, lit) pk_buf_put((b), (lit), sizeof(lit) - 1)

/* JSON: "unofficial" holds the unofficial uses, "notes" the history and abuse reports. */
struct note_json_ctx {
    struct pk_buf *b;
    bool unofficial;
    bool first;
};

/* Appends the cached JSON of an item, rendering it on first use. */
static void
put_cached(struct pk_buf *b, bool *first, struct rendered *slot,
           void (*render)(struct pk_json *, const void *), const void *item)
{
    struct pk_json j;
    pk_json_init(&j, b);
    /* The writer adds the comma when this is not the first value of the array. */
    j.need_comma[0] = !*first;
    *first = false;
    cached(&j, slot, render, item);
}

static int
note_json(const struct pk_note *n, void *arg)
{
    struct note_json_ctx *c = arg;
    if ((n->kind == PK_NOTE_UNOFFICIAL) != c->unofficial)
        return 0;
    put_cached(c->b, &c->first, cache.notes ? &cache.notes[n->id] : NULL, render_note, n);
    return 0;
}

/*
 * One info object. This is the hot path of "portkit --json -": the fixed parts are
 * written as literals and records and notes come pre-rendered from the cache.
 */
static void
port_json(struct cli *cli, unsigned port, const struct pk_portrange *spec, bool here)
{
    const struct pk_port_policy *hp = cli_host(cli);
    struct pk_buf *b = &cli->out;
    if (!cache.recs) {
        cache.recs = calloc(pk_registry_count(cli->reg), sizeof(*cache.recs));
        cache.notes = calloc(pk_registry_note_count(cli->reg) + 1, sizeof(*cache.notes));
    }
    PUT_LIT(b, "{\"port\":");
    pk_buf_putu(b, port);
    switch (pk_range_class_of(port)) {
    case PK_RANGE_SYSTEM:
        PUT_LIT(b, ",\"range\":\"system\"");
        break;
    case PK_RANGE_USER:
        PUT_LIT(b, ",\"range\":\"user\"");
        break;
    case PK_RANGE_DYNAMIC:
        PUT_LIT(b, ",\"range\":\"dynamic\"");
        break;
    }
    if (port < (hp->have_unprivileged ? hp->unprivileged_start : 1024))
        PUT_LIT(b, ",\"host\":{\"privileged\":true");
    else
        PUT_LIT(b, ",\"host\":{\"privileged\":false");
    if (hp->have_ephemeral) {
        if (port >= hp->ephemeral_lo && port <= hp->ephemeral_hi)
            PUT_LIT(b, ",\"ephemeral\":true");
        else
            PUT_LIT(b, ",\"ephemeral\":false");
    }
    if (pk_port_policy_reserved(hp, port))
        PUT_LIT(b, ",\"reserved\":true},\"protocols\":[");
    else
        PUT_LIT(b, ",\"reserved\":false},\"protocols\":[");
    bool first_proto = true;
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(spec->protos & p))
            continue;
        struct pk_cursor c;
        int n = pk_lookup(cli->reg, port, p, &c);
        if (!first_proto)
            pk_buf_putc(b, ',');
        first_proto = false;
        PUT_LIT(b, "{\"protocol\":\"");
        pk_buf_puts(b, pk_proto_name(p));
        PUT_LIT(b, "\",\"status\":\"");
        pk_buf_puts(b, pk_status_name(pk_status_of(cli->reg, port, p)));
        PUT_LIT(b, "\",\"assignments\":[");
        struct pk_record r;
        bool first = true;
        while (n > 0 && pk_cursor_next(&c, &r))
            put_cached(b, &first, cache.recs ? &cache.recs[r.id] : NULL, render_record, &r);
        PUT_LIT(b, "]}");
    }
    struct note_json_ctx nc = {.b = b, .unofficial = true, .first = true};
    PUT_LIT(b, "],\"unofficial\":[");
    pk_notes_for(cli->reg, port, port, spec->protos, note_json, &nc);
    PUT_LIT(b, "],\"notes\":[");
    nc.unofficial = false;
    nc.first = true;
    pk_notes_for(cli->reg, port, port, spec->protos, note_json, &nc);
    pk_buf_putc(b, ']');
    if (here) {
        struct pk_json j;
        pk_json_init(&j, b);
        j.need_comma[0] = true;
        here_section(cli, port, spec->protos, &j);
    }
    PUT_LIT(b, "}\n");
}

static void
port_text(struct cli *cli, unsigned port, const struct pk_portrange *spec, bool here)
{
    enum pk_range_class rc = pk_range_class_of(port);
    pk_buf_printf(&cli->out, "%sPort %u%s\n", cli_c(cli, C_BOLD), port, cli_c(cli, C_RESET));
    pk_buf_printf(&cli->out, "  %-*s%s (%s)\n", LABEL_WIDTH, "range", pk_range_class_name(rc),
                  range_bounds(rc));
    host_lines(cli, port);
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(spec->protos & p))
            continue;
        struct pk_cursor c;
        int n = pk_lookup(cli->reg, port, p, &c);
        /* sctp and dccp are shown only when named or when the registry has something. */
        if (n <= 0 && !spec->has_proto && (p == PK_SCTP || p == PK_DCCP))
            continue;
        enum pk_status st = pk_status_of(cli->reg, port, p);
        pk_buf_printf(&cli->out, "\n%s%-5s%s %s%s%s\n", cli_c(cli, C_BOLD), pk_proto_name(p),
                      cli_c(cli, C_RESET), cli_c(cli, out_status_color(st)), pk_status_name(st),
                      cli_c(cli, C_RESET));
        struct pk_record r;
        while (n > 0 && pk_cursor_next(&c, &r))
            record_text(cli, &r);
    }
    for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++)
        notes_text(cli, port, port, spec->protos, (enum pk_note_kind)k);
    if (here)
        here_section(cli, port, spec->protos, NULL);
}

/*
 * A range as a compact table: consecutive ports whose records are the same are one row.
 * Notes touching the range follow.
 */
static void
range_text(struct cli *cli, const struct pk_portrange *spec)
{
    pk_buf_printf(&cli->out, "%s%-13s %-6s %-11s %-18s %s%s\n", cli_c(cli, C_BOLD), "PORTS",
                  "PROTO", "STATUS", "SERVICE", "DESCRIPTION", cli_c(cli, C_RESET));
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
        if (!(spec->protos & p))
            continue;
        bool any = false;
        unsigned port = spec->lo;
        while (port <= spec->hi) {
            struct pk_cursor c;
            int n = pk_lookup(cli->reg, port, p, &c);
            /* Extend the run while the next port has the same record list. */
            unsigned end = port;
            while (end < spec->hi) {
                struct pk_cursor d;
                int m = pk_lookup(cli->reg, end + 1, p, &d);
                if (m != n || (n > 0 && memcmp(c.ids, d.ids, (size_t)n * sizeof(*c.ids)) != 0))
                    break;
                end++;
            }
            if (n > 0 || spec->has_proto || p == PK_TCP || p == PK_UDP) {
                char ports[16];
                if (end != port)
                    snprintf(ports, sizeof(ports), "%u-%u", port, end);
                else
                    snprintf(ports, sizeof(ports), "%u", port);
                struct pk_record r;
                if (n <= 0) {
                    pk_buf_printf(&cli->out, "%-13s %-6s %s%-11s%s %-18s %s\n", ports,
                                  pk_proto_name(p), cli_c(cli, C_DIM), "unassigned",
                                  cli_c(cli, C_RESET), "-", "-");
                }
                while (n > 0 && pk_cursor_next(&c, &r)) {
                    pk_buf_printf(&cli->out, "%-13s %-6s %s%-11s%s ", ports, pk_proto_name(p),
                                  cli_c(cli, out_status_color(r.status)), pk_status_name(r.status),
                                  cli_c(cli, C_RESET));
                    struct pk_buf sb;
                    pk_buf_init(&sb, 256);
                    pk_buf_term_str(&sb, *r.service ? r.service : "-", true);
                    pk_buf_printf(&cli->out, "%-18s ", sb.data ? sb.data : "");
                    pk_buf_free(&sb);
                    wrapped(cli, r.description, 52, 52);
                    if (r.flags & PK_REC_RANGE)
                        pk_buf_printf(&cli->out, " (block %u-%u)", r.port_lo, r.port_hi);
                    pk_buf_putc(&cli->out, '\n');
                }
                any = true;
            }
            if (end == PK_PORT_MAX)
                break;
            port = end + 1;
        }
        (void)any;
    }
    for (int k = PK_NOTE_UNOFFICIAL; k <= PK_NOTE_ABUSE; k++)
        notes_text(cli, spec->lo, spec->hi, spec->protos, (enum pk_note_kind)k);
}

/*
 * Reports a bad spec: a line on stderr naming it (at most 64 bytes of it, escaped; NUL
 * bytes shown as \x00) and, for standard input, its line number; in JSON mode also an error
 * object on stdout, so that output lines stay in step with input lines.
 */
static int
bad_spec(struct cli *cli, const char *input, size_t len, size_t lineno, int err, const char *why)
{
    struct pk_buf msg;
    pk_buf_init(&msg, 4096);
    pk_buf_puts(&msg, "portkit: ");
    if (lineno)
        pk_buf_printf(&msg, "standard input line %zu: ", lineno);
    size_t shown = len > 64 ? 64 : len;
    if (shown == 0)
        pk_buf_puts(&msg, "''");
    for (size_t i = 0; i < shown;) {
        /* Escape the text up to the next NUL byte, then the NUL itself. */
        size_t n = strnlen(input + i, shown - i);
        char part[65];
        memcpy(part, input + i, n);
        part[n] = '\0';
        pk_buf_term_str(&msg, part, true);
        i += n;
        if (i < shown) {
            pk_buf_puts(&msg, "\\x00");
            i++;
        }
    }
    if (len > shown)
        pk_buf_puts(&msg, "...");
    pk_buf_printf(&msg, ": %s\n", why);
    if (msg.data)
        fputs(msg.data, stderr);
    pk_buf_free(&msg);
    if (cli->json) {
        struct pk_json j;
        pk_json_init(&j, &cli->out);
        pk_json_obj_begin(&j);
        pk_json_key(&j, "input");
        pk_json_val_strn(&j, input, len);
        pk_json_key_str(&j, "error", pk_errname(err));
        pk_json_key_str(&j, "message", why);
        pk_json_obj_end(&j);
        pk_buf_putc(&cli->out, '\n');
    }
    return EXIT_USAGE;
}

/*
 * Shows one spec. A port named on the command line gets the "here" section (who listens on
 * it now); lines streamed on stdin don't, so that enriching a log stays a registry lookup.
 * Returns an exit status.
 */
static int
show(struct cli *cli, const char *input, size_t len, size_t lineno, bool *first, bool here)
{
    struct pk_portrange spec;
    const char *why;
    int err = pk_portrange_parse(input, len, &spec, &why);
    if (err < 0)
        return bad_spec(cli, input, len, lineno, err, why);
    if (cli->json) {
        for (unsigned port = spec.lo;; port++) {
            port_json(cli, port, &spec, here);
            if (cli_maybe_flush(cli) < 0 || port == spec.hi)
                break;
        }
        return EXIT_FOUND;
    }
    if (!*first)
        pk_buf_putc(&cli->out, '\n');
    *first = false;
    if (spec.lo == spec.hi)
        port_text(cli, spec.lo, &spec, here);
    else
        range_text(cli, &spec);
    return EXIT_FOUND;
}

struct stdin_ctx {
    bool first;
    int rc;
};

static int
stdin_line(struct cli *cli, const struct cli_line *line, void *arg)
{
    struct stdin_ctx *s = arg;
    int rc;
    if (line->too_long)
        rc = bad_spec(cli, line->text, line->len, line->number, PK_EMSGSIZE,
                      "line longer than 4096 bytes");
    else
        rc = show(cli, line->text, line->len, line->number, &s->first, false);
    if (rc > s->rc)
        s->rc = rc;
    return cli_maybe_flush(cli) < 0 ? -1 : 0;
}

static int
run(struct cli *cli, int argc, char **argv)
{
    int rc = EXIT_FOUND;
    bool first = true;
    int i = 1;

    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc)
        return cli_usage(&cmd_info, "no port given");
    for (; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "-") == 0) {
            struct stdin_ctx s = {.first = first, .rc = EXIT_FOUND};
            if (cli_each_stdin_line(cli, stdin_line, &s) < 0) {
                cache_free();
                return EXIT_RUNTIME;
            }
            first = s.first;
            r = s.rc;
        } else {
            r = show(cli, argv[i], strlen(argv[i]), 0, &first, true);
        }
        if (r > rc)
            rc = r;
        if (cli_maybe_flush(cli) < 0) {
            rc = EXIT_RUNTIME;
            break;
        }
    }
    cache_free();
    return rc;
}

const struct pk_cmd cmd_info = {
    .name = "info",
    .usage = "[info] PORT[/PROTO]|LO-HI[/PROTO]|- ...",
    .run = run,
};
