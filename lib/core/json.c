/* SPDX-License-Identifier: BSD-2-Clause */
/* The JSON object writer of json.h: commas and nesting on top of a pk_buf. */
#include <string.h>

#include "json.h"
#include "portkit/error.h"

void
pk__json_init(struct pk__json *j, struct pk_buf *b)
{
    j->b = b;
    j->depth = 0;
    j->need_comma[0] = false;
}

/* Writes the comma that separates this value from the previous one, if any. */
static void
sep(struct pk__json *j)
{
    if (j->need_comma[j->depth])
        pk_buf_putc(j->b, ',');
    j->need_comma[j->depth] = true;
}

static void
json_open(struct pk__json *j, char c)
{
    sep(j);
    pk_buf_putc(j->b, c);
    if (j->depth < 15)
        j->depth++;
    else if (!j->b->err)
        j->b->err = PK_ENOBUFS;
    j->need_comma[j->depth] = false;
}

static void
json_close(struct pk__json *j, char c)
{
    pk_buf_putc(j->b, c);
    if (j->depth > 0)
        j->depth--;
}

void
pk__json_obj_begin(struct pk__json *j)
{
    json_open(j, '{');
}

void
pk__json_obj_end(struct pk__json *j)
{
    json_close(j, '}');
}

void
pk__json_arr_begin(struct pk__json *j)
{
    json_open(j, '[');
}

void
pk__json_arr_end(struct pk__json *j)
{
    json_close(j, ']');
}

void
pk__json_key(struct pk__json *j, const char *key)
{
    /* Keys are the program's own ASCII names: written as they are, not escaped. */
    sep(j);
    struct pk_buf *b = j->b;
    size_t n = strlen(key);
    if (b->len + n + 3 < b->cap && !b->err) {
        char *d = b->data + b->len;
        d[0] = '"';
        memcpy(d + 1, key, n);
        d[n + 1] = '"';
        d[n + 2] = ':';
        b->len += n + 3;
        b->data[b->len] = '\0';
    } else {
        pk_buf_putc(b, '"');
        pk_buf_put(b, key, n);
        pk_buf_put(b, "\":", 2);
    }
    /* The value that follows must not write a comma of its own. */
    j->need_comma[j->depth] = false;
}

/* After a value, the next key or value needs a comma. */
static void
done(struct pk__json *j)
{
    j->need_comma[j->depth] = true;
}

void
pk__json_val_str(struct pk__json *j, const char *s)
{
    sep(j);
    pk_buf_json_str(j->b, s);
    done(j);
}

void
pk__json_val_strn(struct pk__json *j, const char *s, size_t len)
{
    sep(j);
    pk_buf_json_strn(j->b, s, len);
    done(j);
}

void
pk__json_val_int(struct pk__json *j, long long v)
{
    sep(j);
    if (v < 0) {
        pk_buf_putc(j->b, '-');
        pk_buf_putu(j->b, (unsigned long long)(-(v + 1)) + 1);
    } else {
        pk_buf_putu(j->b, (unsigned long long)v);
    }
    done(j);
}

void
pk__json_val_bool(struct pk__json *j, bool v)
{
    sep(j);
    pk_buf_puts(j->b, v ? "true" : "false");
    done(j);
}

void
pk__json_val_null(struct pk__json *j)
{
    sep(j);
    pk_buf_puts(j->b, "null");
    done(j);
}

void
pk__json_val_raw(struct pk__json *j, const char *json, size_t n)
{
    sep(j);
    pk_buf_put(j->b, json, n);
    done(j);
}

void
pk__json_key_str(struct pk__json *j, const char *key, const char *s)
{
    pk__json_key(j, key);
    pk__json_val_str(j, s);
}

void
pk__json_key_int(struct pk__json *j, const char *key, long long v)
{
    pk__json_key(j, key);
    pk__json_val_int(j, v);
}

void
pk__json_key_bool(struct pk__json *j, const char *key, bool v)
{
    pk__json_key(j, key);
    pk__json_val_bool(j, v);
}
