/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_CORE_JSON_H
#define PORTKIT_CORE_JSON_H

/* Internal to the library: the output layer (lib/out) is its only user outside lib/core. */
#include <stdbool.h>
#include <stddef.h>

#include "portkit/buf.h"

/*
 * A JSON object writer on top of a pk_buf: keeps track of commas. Nesting up to 16 levels.
 * Usage: pk__json_obj_begin(&j); pk__json_key_str(&j, "k", "v"); ... pk__json_obj_end(&j);
 */
struct pk__json {
    struct pk_buf *b;
    int depth;
    bool need_comma[16];
};

void pk__json_init(struct pk__json *j, struct pk_buf *b);
void pk__json_obj_begin(struct pk__json *j);
void pk__json_obj_end(struct pk__json *j);
void pk__json_arr_begin(struct pk__json *j);
void pk__json_arr_end(struct pk__json *j);
/* Writes "key": (key is a trusted ASCII name, not escaped) and leaves the writer expecting a value
 * (begin an object or array, or a pk__json_val_* call). */
void pk__json_key(struct pk__json *j, const char *key);
void pk__json_val_str(struct pk__json *j, const char *s);
void pk__json_val_strn(struct pk__json *j, const char *s, size_t len);
void pk__json_val_int(struct pk__json *j, long long v);
void pk__json_val_bool(struct pk__json *j, bool v);
void pk__json_val_null(struct pk__json *j);
/* Appends n bytes of already-formed JSON (an object rendered earlier) as the next value. */
void pk__json_val_raw(struct pk__json *j, const char *json, size_t n);
/* The comma before a value or member, when one is due. */
static inline void
pk__json_sep(struct pk__json *j)
{
    if (j->need_comma[j->depth])
        pk_buf_putc(j->b, ',');
    j->need_comma[j->depth] = true;
}

/* Appends n bytes of a whole trusted member ("\"range\":\"system\"") as the next member of the
 * object open: the fast path of fixed keys and values. */
static inline void
pk__json_member_raw(struct pk__json *j, const char *member, size_t n)
{
    pk__json_sep(j);
    pk_buf_put(j->b, member, n);
}
#define PK_JSON_MEMBER(j, lit) pk__json_member_raw((j), (lit), sizeof(lit) - 1)

/* pk__json_key() for a key already quoted and followed by its colon, n bytes. */
static inline void
pk__json_key_raw(struct pk__json *j, const char *quoted, size_t n)
{
    pk__json_sep(j);
    pk_buf_put(j->b, quoted, n);
    j->need_comma[j->depth] = false;
}
#define PK_JSON_KEY(j, lit) pk__json_key_raw((j), "\"" lit "\":", sizeof(lit) + 2)
void pk__json_key_str(struct pk__json *j, const char *key, const char *s);
void pk__json_key_int(struct pk__json *j, const char *key, long long v);
void pk__json_key_bool(struct pk__json *j, const char *key, bool v);

#endif
