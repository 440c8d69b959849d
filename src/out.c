/* out.c — result writers (see out.h).
 *
 * One function per format, chosen through a table; each builds a line in
 * a buffer and writes it, so a failed write is noticed once per line.
 */
#include "out.h"

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

/* See out.h. */
void out_csv_cell(buf_t *b, pstr_t s) {
    bool q = false;
    for (size_t i = 0; i < s.n && !q; i++) q = s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\n' || s.p[i] == '\r';
    if (!q) { buf_put(b, s.p, s.n); return; }
    buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"') buf_putc(b, '"');
        buf_putc(b, s.p[i]);
    }
    buf_putc(b, '"');
}

static int flush(FILE *f, buf_t *b) {
    int rc = b->n && fwrite(b->p, 1, b->n, f) != b->n ? -1 : 0;
    buf_clear(b);
    return rc;
}

static int w_csv(FILE *f, const table_t *t, const ftab_t *ft) {
    /* No columns (a message query that kept nothing): no header line
     * either, rather than one empty record. */
    if (t->ncols == 0) return 0;
    buf_t b = {0};
    int rc = 0;
    for (uint32_t c = 0; c < t->ncols; c++) {
        if (c) buf_putc(&b, ',');
        out_csv_cell(&b, ftab_name(ft, t->cols[c]));
    }
    buf_puts(&b, "\r\n");
    rc |= flush(f, &b);
    buf_t cell = {0};
    for (size_t i = 0; i < t->n; i++) {
        for (uint32_t c = 0; c < t->ncols; c++) {
            if (c) buf_putc(&b, ',');
            buf_clear(&cell);
            val_fmt(&cell, rec_get(&t->rows[i], t->cols[c]));
            out_csv_cell(&b, pstr(cell.p, cell.n));
        }
        buf_puts(&b, "\r\n");
        if (b.n > 65536) rc |= flush(f, &b);
    }
    rc |= flush(f, &b);
    buf_free(&b);
    buf_free(&cell);
    return rc;
}

/* See out.h. */
void out_json_row(buf_t *b, const record_t *r, const table_t *t, const ftab_t *ft) {
    buf_putc(b, '{');
    for (uint32_t c = 0; c < t->ncols; c++) {
        if (c) buf_putc(b, ',');
        out_json_str(b, ftab_name(ft, t->cols[c]));
        buf_putc(b, ':');
        value_t v = rec_get(r, t->cols[c]);
        switch (v.t) {
        case V_NULL: buf_puts(b, "null"); break;
        case V_STR: out_json_str(b, val_pstr(v)); break;
        case V_NUM:
            if (v.d != v.d || v.d - v.d != 0) buf_puts(b, "null"); /* NaN, infinities */
            else val_fmt(b, v);
            break;
        default: val_fmt(b, v); break;
        }
    }
    buf_putc(b, '}');
}

static int w_json(FILE *f, const table_t *t, const ftab_t *ft, bool nd) {
    buf_t b = {0};
    int rc = 0;
    if (!nd) buf_putc(&b, '[');
    for (size_t i = 0; i < t->n; i++) {
        if (!nd && i) buf_putc(&b, ',');
        if (!nd) buf_puts(&b, "\n  ");
        out_json_row(&b, &t->rows[i], t, ft);
        if (nd) buf_putc(&b, '\n');
        if (b.n > 65536) rc |= flush(f, &b);
    }
    if (!nd) buf_puts(&b, t->n ? "\n]\n" : "]\n");
    rc |= flush(f, &b);
    buf_free(&b);
    return rc;
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

static int w_table(FILE *f, const table_t *t, const ftab_t *ft) {
    enum { MAXW = 64 };
    if (t->ncols == 0) return 0; /* nothing to show, not two empty lines */
    size_t *w = xcalloc(t->ncols ? t->ncols : 1, sizeof *w);
    buf_t cell = {0}, b = {0};
    for (uint32_t c = 0; c < t->ncols; c++) w[c] = width(ftab_name(ft, t->cols[c]));
    for (size_t i = 0; i < t->n; i++)
        for (uint32_t c = 0; c < t->ncols; c++) {
            buf_clear(&cell);
            val_fmt(&cell, rec_get(&t->rows[i], t->cols[c]));
            size_t cw = width(pstr(cell.p, cell.n));
            if (cw > w[c]) w[c] = cw > MAXW ? MAXW : cw;
        }
    int rc = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t c = 0; c < t->ncols; c++) {
            pstr_t name = ftab_name(ft, t->cols[c]);
            if (pass == 0) buf_put(&b, name.p, name.n);
            size_t nw = pass == 0 ? width(name) : 0;
            for (size_t k = nw; k < w[c]; k++) buf_putc(&b, pass == 0 ? ' ' : '-');
            if (c + 1 < t->ncols) buf_puts(&b, "  ");
        }
        trim_right(&b);
        buf_putc(&b, '\n');
    }
    for (size_t i = 0; i < t->n; i++) {
        for (uint32_t c = 0; c < t->ncols; c++) {
            buf_clear(&cell);
            val_fmt(&cell, rec_get(&t->rows[i], t->cols[c]));
            for (size_t k = 0; k < cell.n; k++)
                if (cell.p[k] == '\n' || cell.p[k] == '\r' || cell.p[k] == '\t') cell.p[k] = ' ';
            pstr_t s = pstr(cell.p, cell.n);
            size_t cw = width(s);
            if (cw > w[c]) {
                /* Cut at a code-point boundary and mark the cut. */
                size_t keep = 0, seen = 0;
                while (keep < s.n && seen < w[c] - 1) {
                    keep++;
                    while (keep < s.n && ((unsigned char)s.p[keep] & 0xC0) == 0x80) keep++;
                    seen++;
                }
                buf_put(&b, s.p, keep);
                buf_puts(&b, "\xe2\x80\xa6");
                cw = w[c];
            } else {
                buf_put(&b, s.p, s.n);
            }
            if (c + 1 < t->ncols) {
                for (size_t k = cw; k < w[c]; k++) buf_putc(&b, ' ');
                buf_puts(&b, "  ");
            }
        }
        trim_right(&b);
        buf_putc(&b, '\n');
        if (b.n > 65536) rc |= flush(f, &b);
    }
    rc |= flush(f, &b);
    buf_free(&b);
    buf_free(&cell);
    free(w);
    return rc;
}

/* See out.h. */
int out_write(FILE *f, out_fmt_t fmt, const table_t *t, const ftab_t *ft) {
    int rc;
    switch (fmt) {
    case OUT_CSV: rc = w_csv(f, t, ft); break;
    case OUT_JSON: rc = w_json(f, t, ft, false); break;
    case OUT_NDJSON: rc = w_json(f, t, ft, true); break;
    default: rc = w_table(f, t, ft); break;
    }
    if (fflush(f) != 0) rc = -1;
    return rc;
}
