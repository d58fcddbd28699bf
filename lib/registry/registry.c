/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "registry_int.h"

#define TERM_MAX 255

size_t
pk_registry_count(const struct pk_registry *reg)
{
    return reg->nrecs;
}

size_t
pk_registry_note_count(const struct pk_registry *reg)
{
    return reg->nnotes;
}

static inline void
fill_record(const struct pk_registry *reg, uint32_t id, struct pk_record *out)
{
    const struct pk__rec *r = &reg->recs[id];
    const char *pool = reg->pool;

    out->id = id;
    out->service = pool + r->str[PK__S_SERVICE];
    out->port_lo = r->lo;
    out->port_hi = r->hi;
    out->proto = r->proto;
    out->status = (enum pk_status)r->status;
    out->flags = r->flags;
    out->description = pool + r->str[PK__S_DESCRIPTION];
    out->assignee = pool + r->str[PK__S_ASSIGNEE];
    out->contact = pool + r->str[PK__S_CONTACT];
    out->registered = pool + r->str[PK__S_REGISTERED];
    out->modified = pool + r->str[PK__S_MODIFIED];
    out->reference = pool + r->str[PK__S_REFERENCE];
    out->service_code = pool + r->str[PK__S_SERVICE_CODE];
    out->unauthorized = pool + r->str[PK__S_UNAUTHORIZED];
    out->notes = pool + r->str[PK__S_NOTES];
    out->as_of = pool + r->str[PK__S_AS_OF];
}

int
pk_record_get(const struct pk_registry *reg, uint32_t id, struct pk_record *out)
{
    if (id >= reg->nrecs)
        return PK_ENOENT;
    fill_record(reg, id, out);
    return 0;
}

int
pk_note_get(const struct pk_registry *reg, uint32_t id, struct pk_note *out)
{
    if (id >= reg->nnotes)
        return PK_ENOENT;
    const struct pk__note *n = &reg->notes[id];
    out->id = id;
    out->port_lo = n->lo;
    out->port_hi = n->hi;
    out->protos = n->protos;
    out->kind = (enum pk_note_kind)n->kind;
    out->text = reg->pool + n->text;
    out->source = reg->pool + n->source;
    return 0;
}

int
pk_proto_index(unsigned proto)
{
    switch (proto) {
    case PK_TCP:
        return 0;
    case PK_UDP:
        return 1;
    case PK_SCTP:
        return 2;
    case PK_DCCP:
        return 3;
    }
    return -1;
}

int
pk_lookup(const struct pk_registry *reg, unsigned port, unsigned proto, struct pk_cursor *c)
{
    int p = pk_proto_index(proto);
    if (p < 0 || port > PK_PORT_MAX)
        return PK_EINVAL;
    const struct pk__port *e = &reg->ports[port];
    uint32_t start = pk__port_rec(e, (unsigned)p), end = start + e->n[p];
    c->reg = reg;
    c->ids = reg->refs + start;
    c->n = end - start;
    c->pos = 0;
    return (int)c->n;
}

bool
pk_cursor_next(struct pk_cursor *c, struct pk_record *out)
{
    if (c->pos >= c->n)
        return false;
    fill_record(c->reg, c->ids[c->pos++], out);
    return true;
}

enum pk_status
pk_status_of(const struct pk_registry *reg, unsigned port, unsigned proto)
{
    struct pk_cursor c;
    /* Records come assignments first, so the first one decides. */
    if (pk_lookup(reg, port, proto, &c) <= 0)
        return PK_UNASSIGNED;
    return (enum pk_status)reg->recs[c.ids[0]].status;
}

const char *
pk_service_name(const struct pk_registry *reg, unsigned port, unsigned proto)
{
    struct pk_cursor c;
    struct pk_record r;
    if (pk_lookup(reg, port, proto, &c) <= 0)
        return NULL;
    while (pk_cursor_next(&c, &r))
        if (r.status == PK_ASSIGNED && r.service[0])
            return r.service;
    return NULL;
}

/* Compares s with the already lowercased key, folding ASCII case in s. */
static int
cmp_folded(const char *s, const char *key)
{
    for (;; s++, key++) {
        unsigned char a = (unsigned char)*s, b = (unsigned char)*key;
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (a != b || a == 0)
            return (a > b) - (a < b);
    }
}

int
pk_name_lookup(const struct pk_registry *reg, const char *name, struct pk_cursor *c)
{
    char key[TERM_MAX + 1];
    size_t n = strlen(name);

    c->reg = reg;
    c->ids = reg->names;
    c->n = 0;
    c->pos = 0;
    if (n == 0 || n > TERM_MAX)
        return 0;
    for (size_t i = 0; i <= n; i++)
        key[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];

    /* Lower bound of key among the sorted names, then the run of equal names. */
    size_t lo = 0, hi = reg->nnames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *s = reg->pool + reg->recs[reg->names[mid]].str[PK__S_SERVICE];
        if (cmp_folded(s, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < reg->nnames &&
           cmp_folded(reg->pool + reg->recs[reg->names[end]].str[PK__S_SERVICE], key) == 0)
        end++;
    c->ids = reg->names + lo;
    c->n = end - lo;
    return (int)c->n;
}

/* Calls fn for note i when it covers a protocol in protos. */
static inline int
note_call(const struct pk_registry *reg, uint32_t i, unsigned protos,
          int (*fn)(const struct pk_note *note, void *arg), void *arg)
{
    if (!(reg->notes[i].protos & protos))
        return 0;
    struct pk_note note;
    pk_note_get(reg, i, &note);
    return fn(&note, arg);
}

/*
 * The notes over one port, narrowest range first, then in image order (the order the
 * builder sorts them in): first the narrow ones, among those that start at most
 * PK__NOTE_WIDE - 1 ports before it, then the list of the wide ones. The narrow ones over
 * a port are a handful: gathered and sorted once; past PORT_NOTES of them (an image made
 * so), chosen one by one instead.
 */
#define PORT_NOTES 32

struct port_notes {
    const struct pk_registry *reg;
    unsigned port;
    uint32_t from, to; /* the narrow candidates: notes[from, to) */
    uint32_t ids[PORT_NOTES], n, pos;
    bool many;              /* more than PORT_NOTES: chosen one by one */
    uint32_t last_w, last_id; /* the last chosen, when many */
    bool any, narrow_done;
    uint32_t wide; /* next in nrefs */
};

static bool
narrow_over(const struct pk__note *n, unsigned port)
{
    return n->hi >= port && (uint32_t)(n->hi - n->lo) < PK__NOTE_WIDE;
}

/* True when note i (width wi) comes before note j (width wj). */
static bool
note_before(uint32_t wi, uint32_t i, uint32_t wj, uint32_t j)
{
    return wi < wj || (wi == wj && i < j);
}

static void
port_notes_start(struct port_notes *it, const struct pk_registry *reg, unsigned port)
{
    const struct pk__note *notes = reg->notes;
    it->reg = reg;
    it->port = port;
    it->from = pk__notes_from(reg, port >= PK__NOTE_WIDE - 1 ? port - (PK__NOTE_WIDE - 1) : 0);
    it->to = pk__notes_from(reg, port + 1);
    it->n = it->pos = 0;
    it->many = it->any = it->narrow_done = false;
    it->wide = 0;
    for (uint32_t i = it->from; i < it->to && !it->many; i++) {
        if (!narrow_over(&notes[i], port))
            continue;
        if (it->n == PORT_NOTES) {
            it->many = true;
            break;
        }
        /* Insertion in order: the list is short. */
        uint32_t w = (uint32_t)(notes[i].hi - notes[i].lo), k = it->n++;
        for (; k > 0; k--) {
            uint32_t j = it->ids[k - 1];
            if (note_before((uint32_t)(notes[j].hi - notes[j].lo), j, w, i))
                break;
            it->ids[k] = j;
        }
        it->ids[k] = i;
    }
}

/* The next narrow note of a port with more than PORT_NOTES: the first after the last. */
static bool
next_of_many(struct port_notes *it, uint32_t *id)
{
    const struct pk__note *notes = it->reg->notes;
    uint32_t best = UINT32_MAX, best_w = 0;
    for (uint32_t i = it->from; i < it->to; i++) {
        uint32_t w = (uint32_t)(notes[i].hi - notes[i].lo);
        if (!narrow_over(&notes[i], it->port) ||
            (it->any && !note_before(it->last_w, it->last_id, w, i)))
            continue;
        if (best == UINT32_MAX || note_before(w, i, best_w, best))
            best = i, best_w = w;
    }
    if (best == UINT32_MAX)
        return false;
    it->any = true;
    it->last_w = best_w;
    it->last_id = *id = best;
    return true;
}

static bool
port_notes_next(struct port_notes *it, uint32_t *id)
{
    const struct pk__note *notes = it->reg->notes;
    if (!it->narrow_done) {
        if (it->many ? next_of_many(it, id) : it->pos < it->n) {
            if (!it->many)
                *id = it->ids[it->pos++];
            return true;
        }
        it->narrow_done = true;
    }
    while (it->wide < it->reg->nrefs_n) {
        uint32_t k = it->reg->nrefs[it->wide++];
        if (notes[k].lo <= it->port && it->port <= notes[k].hi) {
            *id = k;
            return true;
        }
    }
    return false;
}

int
pk_notes_for(const struct pk_registry *reg, unsigned lo, unsigned hi, unsigned protos,
             int (*fn)(const struct pk_note *note, void *arg), void *arg)
{
    int rc;
    if (lo > hi || lo > PK_PORT_MAX)
        return 0;
    if (lo == hi) {
        /* One port: its notes, narrowest range first. */
        struct port_notes it;
        uint32_t id;
        port_notes_start(&it, reg, lo);
        while (port_notes_next(&it, &id))
            if ((rc = note_call(reg, id, protos, fn, arg)) != 0)
                return rc;
        return 0;
    }
    for (uint32_t i = 0; i < reg->nnotes; i++) {
        const struct pk__note *n = &reg->notes[i];
        if (n->lo > hi)
            break; /* sorted by first port */
        if (n->hi < lo)
            continue;
        if ((rc = note_call(reg, i, protos, fn, arg)) != 0)
            return rc;
    }
    return 0;
}

/* pk_port_notes()'s step: note id into out[*n] when it is for protos and there is room. */
static void
take_note(const struct pk_registry *reg, uint32_t id, unsigned protos, struct pk_note *out,
          size_t cap, size_t *n)
{
    if (!(reg->notes[id].protos & protos))
        return;
    if (*n < cap)
        pk_note_get(reg, id, &out[*n]);
    ++*n;
}

int
pk_port_notes(const struct pk_registry *reg, unsigned port, unsigned protos, struct pk_note *out,
              size_t cap)
{
    if (port > PK_PORT_MAX)
        return PK_EINVAL;
    size_t n = 0;
    struct port_notes it;
    uint32_t id;
    port_notes_start(&it, reg, port);
    while (port_notes_next(&it, &id))
        take_note(reg, id, protos, out, cap, &n);
    return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

enum pk_range_class
pk_range_class_of(unsigned port)
{
    if (port <= 1023)
        return PK_RANGE_SYSTEM;
    if (port <= 49151)
        return PK_RANGE_USER;
    return PK_RANGE_DYNAMIC;
}

/* The protocol names, by pk_proto_index(): the one table of them. */
static const char *const proto_names[PK_NPROTO] = {"tcp", "udp", "sctp", "dccp"};

const char *
pk_proto_name(unsigned proto)
{
    int i = pk_proto_index(proto);
    return i < 0 ? NULL : proto_names[i];
}

unsigned
pk_proto_from_name(const char *name, size_t len)
{
    for (unsigned i = 0; i < PK_NPROTO; i++) {
        const char *n = proto_names[i];
        size_t k = 0;
        while (k < len && n[k] && (name[k] | 0x20) == n[k])
            k++;
        if (k == len && n[k] == '\0')
            return 1u << i;
    }
    return 0;
}

const char *
pk_status_name(enum pk_status status)
{
    switch (status) {
    case PK_UNASSIGNED:
        return "unassigned";
    case PK_RESERVED:
        return "reserved";
    case PK_ASSIGNED:
        return "assigned";
    }
    return NULL;
}

const char *
pk_range_class_name(enum pk_range_class rc)
{
    switch (rc) {
    case PK_RANGE_SYSTEM:
        return "system";
    case PK_RANGE_USER:
        return "user";
    case PK_RANGE_DYNAMIC:
        return "dynamic";
    }
    return NULL;
}

const char *
pk_note_kind_name(enum pk_note_kind kind)
{
    switch (kind) {
    case PK_NOTE_UNOFFICIAL:
        return "unofficial";
    case PK_NOTE_HISTORICAL:
        return "historical";
    case PK_NOTE_ABUSE:
        return "abuse";
    }
    return NULL;
}
