/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The table writer: cells are escaped once into one text pool as they are set; widths are
 * found at render time, in display columns. On a terminal of known width, columns marked
 * PK_COL_SHRINK give up width (cut with an ellipsis) until the rows fit; in a pipe nothing
 * is cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "out_int.h"
#include "portkit/error.h"
#include "utf8.h"

#define TEXT_MAX (1u << 30)   /* bytes of cell text in one table */
#define CELLS_MAX (64u << 20) /* cells in one table */
#define SHRINK_MIN 8          /* a shrinkable column keeps at least this many columns */
#define EMPTY ((int32_t)-1)

struct cell {
    int32_t text; /* offset into the text pool, EMPTY for none */
    uint8_t style;
};

/* What the pool holds before each text: its length and display width, found once when the
 * cell is set (a table of 40,000 rows is measured once, not at every render step). */
struct meta {
    uint32_t len, width;
};

struct pk_table {
    const struct pk_col *cols;
    size_t ncols;
    struct pk_buf text; /* every cell's escaped text, each NUL-terminated */
    struct cell *cells; /* nrows * ncols */
    size_t nrows, cap;  /* cap counts cells */
    int err;
};

int
pk_table_new(const struct pk_col *cols, size_t ncols, struct pk_table **out)
{
    struct pk_table *t = calloc(1, sizeof(*t));
    if (!t || ncols == 0) {
        free(t);
        return ncols ? PK_ENOMEM : PK_EINVAL;
    }
    t->cols = cols;
    t->ncols = ncols;
    pk_buf_init(&t->text, TEXT_MAX);
    *out = t;
    return 0;
}

void
pk_table_free(struct pk_table *t)
{
    if (!t)
        return;
    pk_buf_free(&t->text);
    free(t->cells);
    free(t);
}

size_t
pk_table_rows(const struct pk_table *t)
{
    return t->nrows;
}

int
pk_table_row(struct pk_table *t)
{
    if (t->err)
        return t->err;
    int rc = pk__grow(&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells), CELLS_MAX);
    if (rc < 0)
        return t->err = rc;
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = (struct cell){EMPTY, PK_STYLE_NONE};
    t->nrows++;
    return 0;
}

void
pk_table_cell_id(struct pk_table *t, size_t col, int32_t id, enum pk_style st)
{
    if (t->nrows == 0 || col >= t->ncols || id < 0)
        return;
    t->cells[(t->nrows - 1) * t->ncols + col] = (struct cell){id, (uint8_t)st};
}

int32_t
pk_table_cell(struct pk_table *t, size_t col, const char *text, enum pk_style st)
{
    if (t->err)
        return t->err;
    if (t->nrows == 0 || col >= t->ncols)
        return PK_EINVAL;
    if (!text || !*text)
        return EMPTY;
    struct meta m = {0, 0};
    size_t at = t->text.len;
    pk_buf_put(&t->text, &m, sizeof(m));
    size_t off = t->text.len;
    pk_buf_term_str(&t->text, text, true);
    m.len = (uint32_t)(t->text.len - off);
    pk_buf_putc(&t->text, '\0');
    if (t->text.err)
        return t->err = t->text.err;
    m.width = (uint32_t)pk__text_width(t->text.data + off, m.len);
    memcpy(t->text.data + at, &m, sizeof(m));
    pk_table_cell_id(t, col, (int32_t)off, st);
    return (int32_t)off;
}

/* The text of cell k, and its length and width. */
static const char *
cell_text(const struct pk_table *t, size_t k, struct meta *m)
{
    if (t->cells[k].text == EMPTY) {
        *m = (struct meta){0, 0};
        return "";
    }
    memcpy(m, t->text.data + t->cells[k].text - sizeof(*m), sizeof(*m));
    return t->text.data + t->cells[k].text;
}

/* Appends s (m its length and width) cut to width columns (with an ellipsis when cut), in
 * style st. */
static void
put_cell(struct pk_buf *b, const struct pk_out *o, const char *s, struct meta m, size_t width,
         enum pk_style st, size_t *used)
{
    size_t len = m.len, w = m.width;
    const char *sgr = pk_out_sgr(o, st);
    if (*sgr)
        pk_buf_puts(b, sgr);
    if (m.width > width) {
        /* The ellipsis takes one column in a UTF-8 locale, three otherwise. */
        bool utf8 = MB_CUR_MAX > 1;
        size_t ew = utf8 ? 1 : 3;
        size_t fit = pk__text_fit(s, len, width > ew ? width - ew : 0, &w);
        pk_buf_put(b, s, fit);
        pk_buf_puts(b, utf8 ? "\xe2\x80\xa6" : "...");
        w += ew;
    } else {
        pk_buf_put(b, s, len);
    }
    if (*sgr)
        pk_buf_puts(b, pk_out_sgr_end(o, st));
    *used = w;
}

int
pk_table_render(struct pk_table *t, const struct pk_out *o, unsigned flags)
{
    return pk_table_render_flush(t, o, flags, NULL, NULL);
}

int
pk_table_render_flush(struct pk_table *t, const struct pk_out *o, unsigned flags,
                      int (*flush)(void *arg), void *arg)
{
    if (t->err)
        return t->err;
    size_t nc = t->ncols;
    size_t *width = calloc(nc, sizeof(*width));
    bool *used = calloc(nc, sizeof(*used));
    if (!width || !used) {
        free(width);
        free(used);
        return PK_ENOMEM;
    }
    for (size_t c = 0; c < nc; c++)
        width[c] = pk__text_width(t->cols[c].name, strlen(t->cols[c].name));
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < nc; c++) {
            size_t k = r * nc + c;
            if (t->cells[k].text == EMPTY)
                continue;
            used[c] = true;
            struct meta m;
            cell_text(t, k, &m);
            if (m.width > width[c])
                width[c] = m.width;
        }
    size_t indent = (flags & PK_TABLE_INDENT) ? 2 : 0, total = indent, nused = 0;
    int last = -1;
    for (size_t c = 0; c < nc; c++)
        if (used[c]) {
            total += width[c] + (nused ? 2 : 0);
            nused++;
            last = (int)c;
        }
    /* Shrink the shrinkable columns, last first, to fit the terminal. */
    if ((o->flags & PK_OUT_TRUNCATE) && o->width && total > o->width) {
        size_t excess = total - o->width;
        for (int c = last; c >= 0 && excess > 0; c--) {
            if (!used[c] || !(t->cols[c].flags & PK_COL_SHRINK))
                continue;
            size_t min = pk__text_width(t->cols[c].name, strlen(t->cols[c].name));
            if (min < SHRINK_MIN)
                min = SHRINK_MIN;
            if (width[c] <= min)
                continue;
            size_t give = width[c] - min < excess ? width[c] - min : excess;
            width[c] -= give;
            excess -= give;
        }
    }
    struct pk_buf *b = o->b;
    size_t w;
    int rc = 0;
    if (!(flags & PK_TABLE_NO_HEADER) && last >= 0) {
        pk__out_pad(b, indent);
        pk_buf_puts(b, pk_out_sgr(o, PK_STYLE_BOLD));
        for (int c = 0; c <= last; c++) {
            if (!used[c])
                continue;
            const char *name = t->cols[c].name;
            pk_buf_puts(b, name);
            if (c != last)
                pk__out_pad(b, width[c] - pk__text_width(name, strlen(name)) + 2);
        }
        pk_buf_puts(b, pk_out_sgr_end(o, PK_STYLE_BOLD));
        pk_buf_putc(b, '\n');
    }
    for (size_t r = 0; r < t->nrows; r++) {
        /* Trailing empty cells are not padded. */
        int end = -1;
        for (int c = 0; c <= last; c++)
            if (used[c] && t->cells[r * nc + (size_t)c].text != EMPTY)
                end = c;
        pk__out_pad(b, indent);
        for (int c = 0; c <= end; c++) {
            if (!used[c])
                continue;
            size_t k = r * nc + (size_t)c;
            struct meta m;
            const char *s = cell_text(t, k, &m);
            size_t cw = width[c];
            if (t->cols[c].flags & PK_COL_RIGHT) {
                pk__out_pad(b, cw > m.width ? cw - m.width : 0);
                put_cell(b, o, s, m, cw, (enum pk_style)t->cells[k].style, &w);
                w = cw;
            } else {
                put_cell(b, o, s, m, cw, (enum pk_style)t->cells[k].style, &w);
            }
            if (c != end)
                pk__out_pad(b, cw - (w < cw ? w : cw) + 2);
        }
        pk_buf_putc(b, '\n');
        if (flush && (rc = flush(arg)) < 0)
            break;
    }
    free(width);
    free(used);
    return rc < 0 ? rc : b->err;
}
