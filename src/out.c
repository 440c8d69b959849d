/* out.c — result writers (see out.h).
 *
 * A result is written as a head (CSV header, table header, JSON '['), one
 * line per row, and an end (JSON ']'), each built in a buffer: out_write
 * writes a whole table so, and streamed results (emit.c) use the same
 * pieces row by row, in several threads at once (out_row only reads the
 * columns, and the field table under its lock).
 */
#include "out.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "value.h"

static const char *const out_fmt_names[] = {"table", "csv", "json", "ndjson"}; /* ORDER OUTFMT */

/* See out.h. */
int out_fmt_parse(const char *name) {
    for (int i = 0; i < 4; i++)
        if (strcmp(name, out_fmt_names[i]) == 0) return i;
    return -1;
}

/* See out.h. */
void out_json_str(buf_t *b, pstr_t s) {
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f) continue;
        buf_put(b, s.p + run, i - run);
        run = i + 1;
        switch (ch) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15], 0};
            buf_puts(b, u);
        }
        }
    }
    buf_put(b, s.p + run, s.n - run);
    buf_putc(b, '"');
}

/* Does one of the 8 bytes of w equal the byte that each byte of c is? */
static inline uint64_t has_byte(uint64_t w, uint64_t c) {
    uint64_t x = w ^ c;
    return (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
}

/* Must s be quoted in CSV: does it hold a comma, quote, CR or LF? Eight
 * bytes at a time. */
static bool csv_quoted(pstr_t s) {
    const uint64_t comma = 0x2c2c2c2c2c2c2c2cULL, quote = 0x2222222222222222ULL;
    const uint64_t lf = 0x0a0a0a0a0a0a0a0aULL, cr = 0x0d0d0d0d0d0d0d0dULL;
    uint64_t w = 0;
    if (s.n < 8) { /* zero bytes pad it: no special byte */
        if (s.n) memcpy(&w, s.p, s.n);
        return (has_byte(w, comma) | has_byte(w, quote) | has_byte(w, lf) | has_byte(w, cr)) != 0;
    }
    for (size_t i = 0;; i += 8) {
        if (i + 8 > s.n) i = s.n - 8; /* the last word overlaps the one before */
        memcpy(&w, s.p + i, 8);
        if (has_byte(w, comma) | has_byte(w, quote) | has_byte(w, lf) | has_byte(w, cr)) return true;
        if (i + 8 == s.n) return false;
    }
}

/* See out.h. */
void out_csv_cell(buf_t *b, pstr_t s) {
    if (!csv_quoted(s)) { buf_put(b, s.p, s.n); return; }
    buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"') buf_putc(b, '"');
        buf_putc(b, s.p[i]);
    }
    buf_putc(b, '"');
}

/* A value as JSON: null, a string, a number (NaN and infinities: null),
 * true or false. */
static void json_val(buf_t *b, value_t v) {
    switch (v.t) {
    case V_NULL: buf_puts(b, "null"); break;
    case V_STR: out_json_str(b, val_pstr(v)); break;
    case V_NUM:
        if (v.d != v.d || v.d - v.d != 0) buf_puts(b, "null");
        else val_fmt(b, v);
        break;
    default: val_fmt(b, v); break;
    }
}

/* See out.h. */
void out_json_row(buf_t *b, const record_t *r, const table_t *t, const ftab_t *ft) {
    buf_putc(b, '{');
    for (uint32_t c = 0; c < t->ncols; c++) {
        if (c) buf_putc(b, ',');
        out_json_str(b, ftab_name(ft, t->cols[c]));
        buf_putc(b, ':');
        json_val(b, rec_get(r, t->cols[c]));
    }
    buf_putc(b, '}');
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t width(pstr_t s) {
    size_t w = 0;
    for (size_t i = 0; i < s.n; i++) w += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return w;
}

/* Drop the padding spaces at the end of the line being built in b (the
 * line starts after the last newline; cells never hold newlines here). */
static void trim_right(buf_t *b) {
    while (b->n > 0 && b->p[b->n - 1] == ' ') b->n--;
}

/* Widest cell the terminal table shows in full. */
#define TABLE_MAXW 64

/* Column k of the terminal table takes a cell cw wide: wider than the
 * column (the name or an earlier cell), it widens it up to TABLE_MAXW. */
static void widen(out_cols_t *c, uint32_t k, size_t cw) {
    if (cw > c->width[k]) c->width[k] = cw > TABLE_MAXW ? TABLE_MAXW : cw;
}

/* See out.h. */
void out_cols_init(out_cols_t *c, out_fmt_t fmt, const table_t *t, const ftab_t *ft) {
    memset(c, 0, sizeof *c);
    c->fmt = fmt;
    c->n = t->ncols;
    c->ids = xmalloc((c->n ? c->n : 1) * sizeof *c->ids);
    c->names = xmalloc((c->n ? c->n : 1) * sizeof *c->names);
    size_t len = 0;
    c->nknown = F_NBUILTIN;
    for (uint32_t k = 0; k < c->n; k++) {
        c->ids[k] = t->cols[k];
        len += ftab_name(ft, t->cols[k]).n;
        if (t->cols[k] >= c->nknown) c->nknown = t->cols[k] + 1;
    }
    c->text = xmalloc(len ? len : 1);
    len = 0;
    for (uint32_t k = 0; k < c->n; k++) {
        pstr_t nm = ftab_name(ft, t->cols[k]);
        memcpy(c->text + len, nm.p, nm.n);
        c->names[k] = pstr(c->text + len, nm.n);
        len += nm.n;
    }
    c->known = xcalloc(c->nknown, 1);
    for (uint32_t id = 0; id < F_NBUILTIN; id++) c->known[id] = table_col_hidden(id);
    for (uint32_t k = 0; k < c->n; k++) c->known[c->ids[k]] = 1;
    if (fmt != OUT_TABLE) return;
    c->width = xcalloc(c->n ? c->n : 1, sizeof *c->width);
    buf_t cell = {0};
    for (uint32_t k = 0; k < c->n; k++) c->width[k] = width(c->names[k]);
    for (size_t i = 0; i < t->n; i++)
        for (uint32_t k = 0; k < c->n; k++) widen(c, k, out_cell_width(rec_get(&t->rows[i], c->ids[k]), &cell));
    buf_free(&cell);
}

/* See out.h. */
size_t out_cell_width(value_t v, buf_t *scratch) {
    buf_clear(scratch);
    val_fmt(scratch, v);
    return width(pstr(scratch->p, scratch->n));
}

/* See out.h. */
void out_cols_widen(out_cols_t *c, const size_t *w, uint32_t nw) {
    for (uint32_t k = 0; k < c->n && c->width; k++)
        if (c->ids[k] < nw) widen(c, k, w[c->ids[k]]);
}

/* See out.h. */
void out_cols_free(out_cols_t *c) {
    free(c->ids);
    free(c->names);
    free(c->text);
    free(c->width);
    free(c->known);
    memset(c, 0, sizeof *c);
}

/* See out.h. */
void out_head(buf_t *b, const out_cols_t *c) {
    switch (c->fmt) {
    case OUT_CSV:
        /* No columns (a message query that kept nothing): no header line
         * either, rather than one empty record. */
        if (!c->n) return;
        for (uint32_t k = 0; k < c->n; k++) {
            if (k) buf_putc(b, ',');
            out_csv_cell(b, c->names[k]);
        }
        buf_puts(b, "\r\n");
        return;
    case OUT_JSON: buf_putc(b, '['); return;
    case OUT_NDJSON: return;
    case OUT_TABLE:
        if (!c->n) return; /* nothing to show, not two empty lines */
        for (int pass = 0; pass < 2; pass++) {
            for (uint32_t k = 0; k < c->n; k++) {
                if (pass == 0) buf_put(b, c->names[k].p, c->names[k].n);
                size_t nw = pass == 0 ? width(c->names[k]) : 0;
                for (size_t i = nw; i < c->width[k]; i++) buf_putc(b, pass == 0 ? ' ' : '-');
                if (k + 1 < c->n) buf_puts(b, "  ");
            }
            trim_right(b);
            buf_putc(b, '\n');
        }
        return;
    }
}

/* One cell of the terminal table: newlines and tabs as spaces, cut at
 * the column's width (at a code-point boundary, the cut marked) or
 * padded to it (but the last). */
static void table_cell(buf_t *b, buf_t *cell, size_t w, bool last) {
    for (size_t k = 0; k < cell->n; k++)
        if (cell->p[k] == '\n' || cell->p[k] == '\r' || cell->p[k] == '\t') cell->p[k] = ' ';
    pstr_t s = pstr(cell->p, cell->n);
    size_t cw = width(s);
    if (cw > w) {
        size_t keep = 0, seen = 0;
        while (keep < s.n && seen < w - 1) {
            keep++;
            while (keep < s.n && ((unsigned char)s.p[keep] & 0xC0) == 0x80) keep++;
            seen++;
        }
        buf_put(b, s.p, keep);
        buf_puts(b, "\xe2\x80\xa6");
        cw = w;
    } else {
        buf_put(b, s.p, s.n);
    }
    if (!last) {
        for (size_t k = cw; k < w; k++) buf_putc(b, ' ');
        buf_puts(b, "  ");
    }
}

/* Record the fields of r that are no column in late; with JSON, write
 * them into the object being built in b (any: a member came before). */
static void late_fields(buf_t *b, const out_cols_t *c, const record_t *r, out_late_t *late, ftab_t *ft, bool any) {
    bool json = c->fmt == OUT_JSON || c->fmt == OUT_NDJSON, seen = false;
    for (uint32_t k = 0; k < r->norder; k++) {
        uint32_t id = r->order[k];
        if (id < c->nknown && c->known[id]) continue;
        seen = true;
        bool have = false;
        for (uint32_t j = 0; j < late->n && !have; j++) have = late->ids[j] == id;
        if (!have && late->n < OUT_MAXLATE) late->ids[late->n++] = id;
        if (!json) continue;
        if (any) buf_putc(b, ',');
        any = true;
        ftab_lock(ft);
        out_json_str(b, ftab_name(ft, id));
        ftab_unlock(ft);
        buf_putc(b, ':');
        json_val(b, rec_get(r, id));
    }
    late->rows += seen;
}

/* See out.h. */
void out_row(buf_t *b, const out_cols_t *c, const record_t *r, bool first, out_late_t *late, ftab_t *ft) {
    switch (c->fmt) {
    case OUT_CSV:
        if (!c->n) return;
        for (uint32_t k = 0; k < c->n; k++) {
            value_t v = rec_get(r, c->ids[k]);
            if (v.t == V_STR && !csv_quoted(val_pstr(v))) { /* the common cell: copied as it is */
                buf_reserve(b, (size_t)v.n + 1);
                if (k) b->p[b->n++] = ',';
                memcpy(b->p + b->n, v.s, v.n);
                b->n += v.n;
                continue;
            }
            if (k) buf_putc(b, ',');
            if (v.t == V_STR) out_csv_cell(b, val_pstr(v));
            else val_fmt(b, v); /* numbers and booleans need no quotes */
        }
        buf_put(b, "\r\n", 2);
        if (late) late_fields(b, c, r, late, ft, false);
        return;
    case OUT_JSON:
    case OUT_NDJSON:
        if (c->fmt == OUT_JSON) buf_puts(b, first ? "\n  " : ",\n  ");
        buf_putc(b, '{');
        for (uint32_t k = 0; k < c->n; k++) {
            if (k) buf_putc(b, ',');
            out_json_str(b, c->names[k]);
            buf_putc(b, ':');
            json_val(b, rec_get(r, c->ids[k]));
        }
        if (late) late_fields(b, c, r, late, ft, c->n > 0);
        buf_putc(b, '}');
        if (c->fmt == OUT_NDJSON) buf_putc(b, '\n');
        return;
    case OUT_TABLE: {
        if (!c->n) return;
        buf_t cell = {0};
        for (uint32_t k = 0; k < c->n; k++) {
            buf_clear(&cell);
            val_fmt(&cell, rec_get(r, c->ids[k]));
            table_cell(b, &cell, c->width[k], k + 1 == c->n);
        }
        buf_free(&cell);
        trim_right(b);
        buf_putc(b, '\n');
        if (late) late_fields(b, c, r, late, ft, false);
        return;
    }
    }
}

/* See out.h. */
void out_end(buf_t *b, const out_cols_t *c, uint64_t nrows) {
    if (c->fmt == OUT_JSON) buf_puts(b, nrows ? "\n]\n" : "]\n");
}

/* See out.h. */
void out_late_merge(out_late_t *into, const out_late_t *from) {
    for (uint32_t k = 0; k < from->n; k++) {
        bool have = false;
        for (uint32_t j = 0; j < into->n && !have; j++) have = into->ids[j] == from->ids[k];
        if (!have && into->n < OUT_MAXLATE) into->ids[into->n++] = from->ids[k];
    }
    into->rows += from->rows;
}

/* Write b to f and empty it; -1 on a write error. */
static int flush(FILE *f, buf_t *b) {
    int rc = b->n && fwrite(b->p, 1, b->n, f) != b->n ? -1 : 0;
    buf_clear(b);
    return rc;
}

/* See out.h. */
int out_write(FILE *f, out_fmt_t fmt, const table_t *t, const ftab_t *ft) {
    out_cols_t c;
    out_cols_init(&c, fmt, t, ft);
    buf_t b = {0};
    int rc = 0;
    out_head(&b, &c);
    for (size_t i = 0; i < t->n && !rc; i++) {
        out_row(&b, &c, &t->rows[i], i == 0, NULL, NULL);
        if (b.n > 65536) rc |= flush(f, &b);
    }
    out_end(&b, &c, t->n);
    if (!rc) rc |= flush(f, &b);
    buf_free(&b);
    out_cols_free(&c);
    if (fflush(f) != 0) rc = -1;
    return rc;
}
