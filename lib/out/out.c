/* SPDX-License-Identifier: BSD-2-Clause */
/* What every serializer shares: the width to keep to, styles, the JSON cache, wrapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "out_int.h"
#include "portkit/error.h"
#include "utf8.h"

#define WRAP_DEFAULT 100
#define CACHE_OBJ_MAX (1u << 20)

unsigned
pk_out_width(int fd)
{
    struct winsize ws;
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    if (c && *c >= '1' && *c <= '9' && strlen(c) <= 5) {
        unsigned v = 0;
        for (const char *p = c; *p; p++) {
            if (*p < '0' || *p > '9')
                return 0;
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (v >= 20 && v <= 10000)
            return v;
    }
    return 0;
}

const char *
pk_out_sgr(const struct pk_out *o, enum pk_style st)
{
    static const char *const seq[] = {
        [PK_STYLE_NONE] = "",         [PK_STYLE_BOLD] = "\033[1m",  [PK_STYLE_DIM] = "\033[2m",
        [PK_STYLE_GOOD] = "\033[32m", [PK_STYLE_WARN] = "\033[33m", [PK_STYLE_BAD] = "\033[31m",
        [PK_STYLE_NOTE] = "\033[36m",
    };
    if (!(o->flags & PK_OUT_COLOR) || (unsigned)st >= sizeof(seq) / sizeof(seq[0]))
        return "";
    return seq[st];
}

const char *
pk_out_sgr_end(const struct pk_out *o, enum pk_style st)
{
    return (o->flags & PK_OUT_COLOR) && st != PK_STYLE_NONE ? "\033[0m" : "";
}

enum pk_style
pk_out_status_style(enum pk_status st)
{
    return st == PK_ASSIGNED ? PK_STYLE_GOOD : st == PK_RESERVED ? PK_STYLE_WARN : PK_STYLE_DIM;
}

void
pk__out_pad(struct pk_buf *b, size_t n)
{
    static const char spaces[] = "                                                                ";
    while (n > 0) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        pk_buf_put(b, spaces, k);
        n -= k;
    }
}

size_t
pk__out_wrap_width(const struct pk_out *o)
{
    return o->width && o->width < WRAP_DEFAULT ? o->width : WRAP_DEFAULT;
}

void
pk__out_wrapped(struct pk_buf *b, const char *text, size_t col, size_t indent, size_t wrap)
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
    size_t minroom = wrap > indent + 20 ? wrap - indent : 20;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t room = col + minroom <= wrap ? wrap - col : minroom;
        size_t n = strlen(p), used;
        size_t fit = pk__text_fit(p, n, room, &used);
        if (fit < n) {
            /* Break at the last space that fits; a longer word goes whole. */
            size_t cut = fit;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(p, " ");
            n = cut;
        }
        pk_buf_put(b, p, n);
        p += n;
        while (*p == ' ')
            p++;
        if (*p) {
            pk_buf_putc(b, '\n');
            pk__out_pad(b, indent);
            col = indent;
        }
    }
    pk_buf_free(&esc);
}

void
pk__ports_str(char *buf, size_t cap, unsigned lo, unsigned hi)
{
    if (hi != lo)
        snprintf(buf, cap, "%u-%u", lo, hi);
    else
        snprintf(buf, cap, "%u", lo);
}

const char *
pk__range_bounds(enum pk_range_class rc)
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

const char *
pk__range_use(enum pk_range_class rc)
{
    switch (rc) {
    case PK_RANGE_SYSTEM:
        return "assigned by IANA to standard services (\"well-known\")";
    case PK_RANGE_USER:
        return "registered with IANA by the makers of services";
    case PK_RANGE_DYNAMIC:
        return "never assigned: private use and ephemeral (client) ports";
    }
    return "";
}

long
pk__out_other_port(const char *text, unsigned port)
{
    const char *p = strstr(text, "port ");
    if (!p)
        return -1;
    long v = 0;
    int nd = 0;
    for (p += 5; *p >= '0' && *p <= '9' && nd < 6; p++, nd++)
        v = v * 10 + (*p - '0');
    return nd && v <= PK_PORT_MAX && (unsigned)v != port ? v : -1;
}

void
pk__protos_str(char *buf, size_t cap, unsigned protos)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1)
        if (protos & p)
            n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
                                  pk_proto_name(p));
    if (n == 0)
        snprintf(buf, cap, "-");
}

void
pk_out_protos_text(struct pk_buf *b, unsigned protos)
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

void
pk__out_protos(struct pk__json *j, unsigned protos)
{
    pk__json_arr_begin(j);
    for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1)
        if (protos & p)
            pk__json_val_str(j, pk_proto_name(p));
    pk__json_arr_end(j);
}

/* ---- the JSON cache ---- */

struct rendered {
    char *json;
    size_t len;
};

struct pk_out_cache {
    const struct pk_registry *reg;
    struct rendered *recs;
    struct rendered *notes;
    /* Records that name no protocol (IANA's unassigned blocks mostly) show the protocol
     * they were looked up under: one rendering per protocol, nrecs * PK_NPROTO. */
    struct rendered *hinted;
    size_t nrecs, nnotes;
    const struct pk_port_policy *pol; /* whose members polfrag holds */
    char polfrag[8][192];             /* by the bits of pk__out_cached_policy() */
    size_t polfrag_n[8];              /* 0: not formed yet */
    struct pk_buf regm;               /* the page's "registry" member, formed once */
};

const char *
pk__out_cached_policy(const struct pk_out *o, const struct pk_port_policy *pol, unsigned bits,
                      size_t (*fill)(const struct pk_port_policy *, unsigned, char *, size_t),
                      size_t *n)
{
    struct pk_out_cache *c = o->cache;
    if (!c || bits >= 8)
        return NULL;
    if (c->pol != pol) {
        memset(c->polfrag_n, 0, sizeof(c->polfrag_n));
        c->pol = pol;
    }
    if (!c->polfrag_n[bits])
        c->polfrag_n[bits] = fill(pol, bits, c->polfrag[bits], sizeof(c->polfrag[bits]));
    *n = c->polfrag_n[bits];
    return *n ? c->polfrag[bits] : NULL;
}

/* Appends the "registry" member of a page: which registry answered, and of what date. */
static void
registry_member(struct pk_buf *b, const struct pk_registry *reg)
{
    struct pk_registry_info info;
    pk_registry_info(reg, &info);
    pk_buf_puts(b, "\"registry\":{\"source\":");
    pk_buf_json_str(b, info.source);
    pk_buf_puts(b, ",\"date\":");
    if (*info.date)
        pk_buf_json_str(b, info.date);
    else
        pk_buf_puts(b, "null");
    pk_buf_puts(b, info.builtin ? ",\"builtin\":true}" : ",\"builtin\":false}");
}

void
pk__out_registry_put(struct pk_buf *b, const struct pk_out *o)
{
    struct pk_out_cache *c = o->cache;
    if (c && !c->regm.len)
        registry_member(&c->regm, o->reg);
    if (c && c->regm.len && !c->regm.err)
        pk_buf_put(b, c->regm.data, c->regm.len);
    else
        registry_member(b, o->reg);
}

void
pk_out_registry_text(struct pk_buf *b, const struct pk_registry *reg)
{
    struct pk_registry_info info;
    pk_registry_info(reg, &info);
    pk_buf_puts(b, info.builtin ? "built-in snapshot" : "local database");
    if (*info.date)
        pk_buf_printf(b, " of %s", info.date);
    if (*info.source) {
        pk_buf_puts(b, ", from ");
        pk_buf_term_str(b, info.source, true);
    }
}

int
pk_out_cache_new(const struct pk_registry *reg, struct pk_out_cache **out)
{
    struct pk_out_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return PK_ENOMEM;
    c->reg = reg;
    pk_buf_init(&c->regm, 8192);
    c->nrecs = pk_registry_count(reg);
    c->nnotes = pk_registry_note_count(reg);
    c->recs = calloc(c->nrecs ? c->nrecs : 1, sizeof(*c->recs));
    c->notes = calloc(c->nnotes ? c->nnotes : 1, sizeof(*c->notes));
    c->hinted = calloc((c->nrecs ? c->nrecs : 1) * PK_NPROTO, sizeof(*c->hinted));
    if (!c->recs || !c->notes || !c->hinted) {
        pk_out_cache_free(c);
        return PK_ENOMEM;
    }
    *out = c;
    return 0;
}

void
pk_out_cache_free(struct pk_out_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->recs && i < c->nrecs; i++)
        free(c->recs[i].json);
    for (size_t i = 0; c->notes && i < c->nnotes; i++)
        free(c->notes[i].json);
    for (size_t i = 0; c->hinted && i < c->nrecs * PK_NPROTO; i++)
        free(c->hinted[i].json);
    free(c->hinted);
    free(c->recs);
    free(c->notes);
    pk_buf_free(&c->regm);
    free(c);
}

/* Appends item's JSON object to b: from slot, rendering it into the slot on first use; in
 * place when there is no slot or it could not be kept. */
static void
cached_put(struct pk_buf *b, struct rendered *slot, void (*render)(struct pk__json *, const void *),
           const void *item)
{
    if (slot && !slot->json) {
        struct pk_buf t;
        struct pk__json tj;
        pk_buf_init(&t, CACHE_OBJ_MAX);
        pk__json_init(&tj, &t);
        render(&tj, item);
        if (!t.err && t.data) {
            slot->json = t.data;
            slot->len = t.len;
        } else {
            pk_buf_free(&t);
        }
    }
    if (slot && slot->json) {
        pk_buf_put(b, slot->json, slot->len);
    } else {
        struct pk__json j;
        pk__json_init(&j, b);
        render(&j, item);
    }
}

/* The record and its protocol hint, for render_record(). */
struct rec_item {
    const struct pk_record *r;
    unsigned proto;
};

/* Appends key: value when value is not empty. */
static void
opt_str(struct pk__json *j, const char *key, const char *value)
{
    if (*value)
        pk__json_key_str(j, key, value);
}

static void
render_record(struct pk__json *j, const void *item)
{
    const struct rec_item *it = item;
    const struct pk_record *r = it->r;
    pk__json_obj_begin(j);
    pk__json_key(j, "service");
    if (*r->service)
        pk__json_val_str(j, r->service);
    else
        pk__json_val_null(j);
    if (r->flags & PK_REC_NOPORT) {
        pk__json_key(j, "port");
        pk__json_val_null(j);
        pk__json_key(j, "port_end");
        pk__json_val_null(j);
    } else {
        pk__json_key_int(j, "port", r->port_lo);
        pk__json_key_int(j, "port_end", r->port_hi);
    }
    pk__json_key(j, "protocol");
    const char *pn = pk_proto_name(r->proto ? r->proto : it->proto);
    if (pn)
        pk__json_val_str(j, pn);
    else
        pk__json_val_null(j);
    pk__json_key_str(j, "status", pk_status_name(r->status));
    pk__json_key_str(j, "description", r->description);
    for (size_t i = 0; i < pk__nrecord_fields; i++)
        opt_str(j, pk__record_fields[i].key, pk__record_field(r, i));
    opt_str(j, "as_of", r->as_of);
    pk__json_obj_end(j);
}

static void
render_note(struct pk__json *j, const void *item)
{
    const struct pk_note *n = item;
    pk__json_obj_begin(j);
    pk__json_key_str(j, "kind", pk_note_kind_name(n->kind));
    pk__json_key_int(j, "port", n->port_lo);
    pk__json_key_int(j, "port_end", n->port_hi);
    pk__json_key(j, "protocols");
    pk__out_protos(j, n->protos);
    pk__json_key_str(j, "text", n->text);
    pk__json_key_str(j, "source", n->source);
    pk__json_obj_end(j);
}

void
pk__out_record_put(struct pk_buf *b, const struct pk_out *o, const struct pk_record *r,
                   unsigned proto)
{
    struct rec_item it = {r, proto};
    struct rendered *slot = NULL;
    if (o->cache && o->cache->reg == o->reg && r->id < o->cache->nrecs) {
        /* The hint shows only in records that name no protocol. */
        int k = pk_proto_index(proto);
        if (r->proto || !proto)
            slot = &o->cache->recs[r->id];
        else if (k >= 0)
            slot = &o->cache->hinted[(size_t)r->id * PK_NPROTO + (size_t)k];
    }
    cached_put(b, slot, render_record, &it);
}

void
pk__out_record(struct pk__json *j, const struct pk_out *o, const struct pk_record *r, unsigned proto)
{
    pk__json_sep(j);
    pk__out_record_put(j->b, o, r, proto);
}

void
pk__out_note_put(struct pk_buf *b, const struct pk_out *o, const struct pk_note *n)
{
    bool cacheable = o->cache && o->cache->reg == o->reg && n->id < o->cache->nnotes;
    cached_put(b, cacheable ? &o->cache->notes[n->id] : NULL, render_note, n);
}

void
pk__out_note(struct pk__json *j, const struct pk_out *o, const struct pk_note *n)
{
    pk__json_sep(j);
    pk__out_note_put(j->b, o, n);
}

void
pk_out_record_json(const struct pk_out *o, const struct pk_record *r, unsigned proto)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__out_record(&j, o, r, proto);
}

void
pk_out_note_json(const struct pk_out *o, const struct pk_note *n)
{
    struct pk__json j;
    pk__json_init(&j, o->b);
    pk__out_note(&j, o, n);
}
