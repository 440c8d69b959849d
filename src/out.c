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

#include <time.h>

#include "buf.h"
#include "datetime.h"
#include "tty.h"
#include "value.h"

static const char *const out_fmt_names[] = {"table", "csv", "json", "ndjson"}; /* ORDER OUTFMT */

/* See out.h. */
int out_fmt_parse(const char *name) {
    for (int i = 0; i < 4; i++)
        if (strcmp(name, out_fmt_names[i]) == 0) return i;
    return -1;
}

static const char *const out_time_names[] = {"epoch", "iso", "local"}; /* ORDER OUTTIME */

/* See out.h. */
int out_time_parse(const char *name) {
    for (int i = 0; i < 3; i++)
        if (strcmp(name, out_time_names[i]) == 0) return i;
    return -1;
}

/* Does one of the 8 bytes of w equal the byte that each byte of c is? */
static inline uint64_t has_byte(uint64_t w, uint64_t c) {
    uint64_t x = w ^ c;
    return (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
}

/* Is one of the 8 bytes of w below 0x20 (a C0 control: CR, LF, tab, ESC...)? */
static inline uint64_t has_ctl(uint64_t w) {
    return (w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL;
}

/* May one of the 8 bytes of w need escaping in a JSON string: below 0x20,
 * '"', '\\', DEL, or a byte of a UTF-8 sequence (perhaps a C1 or bidi
 * control)? (May say yes for a byte next to one that does; never no for
 * one that does.) */
static inline uint64_t json_special(uint64_t w) {
    const uint64_t quote = 0x2222222222222222ULL, bslash = 0x5c5c5c5c5c5c5c5cULL;
    return has_ctl(w) | has_byte(w, quote) | has_byte(w, bslash) |
           ((w | (w + 0x0101010101010101ULL)) & 0x8080808080808080ULL);
}

/* See out.h. */
void out_json_str(buf_t *b, pstr_t s) {
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < s.n; i++) {
        uint64_t w;
        while (i + 8 <= s.n && (memcpy(&w, s.p + i, 8), !json_special(w))) i += 8; /* 8 plain bytes at a time */
        if (i >= s.n) break;
        unsigned char ch = (unsigned char)s.p[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x7f) continue;
        if (ch >= 0x80) { /* C1 and bidi controls as \uXXXX; other text as it is; bytes that are no UTF-8 as U+FFFD */
            uint32_t cp;
            size_t k = tty_uni_ctl((const unsigned char *)s.p + i, s.n - i, &cp);
            if (!k) {
                size_t u = str_utf8_len((const unsigned char *)s.p + i, s.n - i);
                if (u) {
                    i += u - 1;
                    continue;
                }
                cp = 0xFFFD; /* (JSON text is UTF-8: a byte that is none cannot be written as it is) */
                k = 1;
            }
            buf_put(b, s.p + run, i - run);
            char u[7] = {'\\', 'u', hex[cp >> 12], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15], hex[cp & 15], 0};
            buf_puts(b, u);
            run = i + k;
            i += k - 1;
            continue;
        }
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


/* Must s be quoted in CSV: does it hold a comma, quote or control
 * character (C0, CR and LF among them, or DEL)? Eight bytes at a time. */
static bool csv_quoted(pstr_t s) {
    const uint64_t comma = 0x2c2c2c2c2c2c2c2cULL, quote = 0x2222222222222222ULL;
    const uint64_t del = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t w = 0x6161616161616161ULL;
    if (s.n < 8) { /* 'a' bytes pad it: no special byte */
        if (s.n) memcpy(&w, s.p, s.n);
        return (has_byte(w, comma) | has_byte(w, quote) | has_ctl(w) | has_byte(w, del)) != 0;
    }
    for (size_t i = 0;; i += 8) {
        if (i + 8 > s.n) i = s.n - 8; /* the last word overlaps the one before */
        memcpy(&w, s.p + i, 8);
        if (has_byte(w, comma) | has_byte(w, quote) | has_ctl(w) | has_byte(w, del)) return true;
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

/* Is s a JSON number (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?),
 * true or false? */
static bool json_literal(pstr_t s) {
    if (s.n == 4 && memcmp(s.p, "true", 4) == 0) return true;
    if (s.n == 5 && memcmp(s.p, "false", 5) == 0) return true;
    size_t i = 0;
#define DIGIT(k) ((k) < s.n && s.p[k] >= '0' && s.p[k] <= '9')
    if (i < s.n && s.p[i] == '-') i++;
    if (!DIGIT(i)) return false;
    if (s.p[i] == '0') i++;
    else
        while (DIGIT(i)) i++;
    if (i < s.n && s.p[i] == '.') {
        if (!DIGIT(i + 1)) return false;
        for (i++; DIGIT(i);) i++;
    }
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        i++;
        if (i < s.n && (s.p[i] == '+' || s.p[i] == '-')) i++;
        if (!DIGIT(i)) return false;
        while (DIGIT(i)) i++;
    }
#undef DIGIT
    return i == s.n;
}

/* Is s a number in the one form every JSON reader gives back as the same
 * text: an optional '-', an integer without leading zeros, an optional
 * fraction that does not end in 0, no exponent, at most 15 digits (a
 * double holds them exactly)? "-0" is not one. */
static bool plain_number(pstr_t s) {
    size_t i = s.n && s.p[0] == '-', digits = 0;
#define DIGIT(k) ((k) < s.n && s.p[k] >= '0' && s.p[k] <= '9')
    if (!DIGIT(i)) return false; /* most text stops here */
    if (s.p[i] == '0' && DIGIT(i + 1)) return false;
    while (DIGIT(i)) i++, digits++;
    if (i < s.n && s.p[i] == '.') {
        size_t f = ++i;
        while (DIGIT(i)) i++, digits++;
        if (i == f || s.p[i - 1] == '0') return false;
    }
#undef DIGIT
    return i == s.n && digits <= 15 && !(s.n == 2 && s.p[0] == '-' && s.p[1] == '0');
}

/* A value as JSON: null; a string, but unquoted when it is a number (a
 * JSON number, true or false from the input as it was written; text that
 * is a plain number: plain_number); a number (NaN and infinities: null),
 * true or false. */
static void json_val(buf_t *b, value_t v) {
    switch (v.t) {
    case V_NULL: buf_puts(b, "null"); break;
    case V_STR:
        if ((v.b == VAL_JSONLIT && json_literal(val_pstr(v))) || plain_number(val_pstr(v))) buf_put(b, v.s, v.n);
        else out_json_str(b, val_pstr(v));
        break;
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

/* Drop the padding spaces at the end of the line being built in b (the
 * line starts after the last newline; cells never hold newlines here). */
static void trim_right(buf_t *b) {
    while (b->n > 0 && b->p[b->n - 1] == ' ') b->n--;
}

/* ANSI colours of the terminal table. */
#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_UNDIM "\033[22m" /* normal intensity: ends bold and dim, keeps the colour */
#define SGR_RESET "\033[0m"

/* Severity names and the colour of a row that holds them. */
static const struct {
    const char *name; /* as a rule writes it (ASCII case ignored) */
    const char *sgr;  /* the row's colour */
} sev_colors[] = {
    {"critical", "\033[1;31m"}, {"high", "\033[31m"}, {"medium", "\033[33m"}, {"low", "\033[36m"},
};

/* The colour of a row whose severity is v, or NULL. */
static const char *sev_sgr(value_t v) {
    if (v.t != V_STR) return NULL;
    for (size_t k = 0; k < sizeof sev_colors / sizeof sev_colors[0]; k++)
        if (pstr_ieq_c(val_pstr(v), sev_colors[k].name)) return sev_colors[k].sgr;
    return NULL;
}

/* ---- times -------------------------------------------------------------- */

/* Whether a column named nm holds times (epoch ms): _messageTime,
 * _receiptTime, _timeslice, and a name ending in "seen" (FirstSeen,
 * last_seen), ASCII case ignored. */
static bool time_name(pstr_t nm) {
    static const char *const names[] = {"_messageTime", "_receiptTime", "_timeslice"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (pstr_ieq_c(nm, names[i])) return true;
    return nm.n > 4 && pstr_ieq_c(pstr(nm.p + nm.n - 4, 4), "seen");
}

/* The epoch ms v holds when it is a whole number (a number, or text of
 * digits) from 1 (1970) to 9999-12-31; false otherwise. */
static bool time_value(value_t v, int64_t *ms) {
    if (v.t == V_NUM) {
        if (!(v.d >= 1 && v.d < 253402300800000.0) || v.d != (double)(int64_t)v.d) return false;
        *ms = (int64_t)v.d;
        return true;
    }
    if (v.t != V_STR || v.n == 0 || v.n > 15) return false;
    int64_t x = 0;
    for (uint32_t i = 0; i < v.n; i++) {
        if (v.s[i] < '0' || v.s[i] > '9') return false;
        x = x * 10 + (v.s[i] - '0');
    }
    if (x < 1 || x >= 253402300800000LL) return false;
    *ms = x;
    return true;
}

/* Width of a time as fmt writes it: 2024-06-01T00:00:06.302Z or
 * 2024-06-01T02:00:06.302+02:00. */
static size_t time_width(out_time_t fmt) { return fmt == OUT_TIME_LOCAL ? 29 : 24; }

/* Append epoch ms as fmt says (ISO 8601 with milliseconds: UTC with a Z,
 * or the local zone (TZ) with its offset). */
static void time_put(buf_t *b, int64_t ms, out_time_t fmt) {
    if (fmt == OUT_TIME_LOCAL) {
        time_t sec = (time_t)(ms / 1000);
        struct tm tm;
        if (localtime_r(&sec, &tm)) {
            long off = tm.tm_gmtoff / 60;
            char sign = off < 0 ? '-' : '+';
            if (off < 0) off = -off;
            buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000), sign, off / 60, off % 60);
            return;
        }
    }
    dt_tm_t t;
    dt_split(ms, &t);
    buf_printf(b, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)t.year, t.month, t.day, t.hour, t.min, t.sec,
               t.ms);
}

/* Append v of column k as a time when it is one and c writes times
 * (quoted for JSON); false when v is to be written as it is. */
static bool time_cell(buf_t *b, const out_cols_t *c, uint32_t k, value_t v, bool json) {
    int64_t ms;
    if (!c->time || !c->time[k] || !time_value(v, &ms)) return false;
    if (json) buf_putc(b, '"');
    time_put(b, ms, c->o.time);
    if (json) buf_putc(b, '"');
    return true;
}

/* How the terminal table shows null: apart from empty text, which shows
 * as nothing. */
#define NULL_TEXT "null"

/* Append v as the terminal table shows it (escaped, tty.h) to cell;
 * returns its display width. */
static size_t cell_text(buf_t *cell, value_t v) {
    switch (v.t) {
    case V_NULL: buf_puts(cell, NULL_TEXT); return sizeof NULL_TEXT - 1;
    case V_STR: return tty_escape(cell, val_pstr(v));
    default: {
        size_t n0 = cell->n;
        val_fmt(cell, v); /* numbers and booleans: ASCII */
        return cell->n - n0;
    }
    }
}

/* See out.h. */
void out_cols_init(out_cols_t *c, const out_opts_t *o, const table_t *t, const ftab_t *ft) {
    memset(c, 0, sizeof *c);
    c->o = *o;
    c->fmt = o->fmt;
    c->sev = -1;
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
        if (c->o.color && c->sev < 0 && pstr_ieq_c(nm, "severity")) c->sev = (int)k;
    }
    for (uint32_t k = 0; k < c->n && o->time != OUT_TIME_EPOCH; k++)
        if (time_name(c->names[k])) {
            if (!c->time) c->time = xcalloc(c->n, 1);
            c->time[k] = 1;
        }
    c->known = xcalloc(c->nknown, 1);
    for (uint32_t id = 0; id < F_NBUILTIN; id++) c->known[id] = table_col_hidden(id);
    for (uint32_t k = 0; k < c->n; k++) c->known[c->ids[k]] = 1;
    if (c->fmt != OUT_TABLE) return;
    c->width = xcalloc(c->n ? c->n : 1, sizeof *c->width);
    c->vwidth = xcalloc(c->n ? c->n : 1, sizeof *c->vwidth);
    for (size_t i = 0; i < t->n; i++)
        for (uint32_t k = 0; k < c->n; k++) {
            size_t w = out_cell_width(rec_get(&t->rows[i], c->ids[k]));
            if (w > c->vwidth[k]) c->vwidth[k] = w;
        }
    for (uint32_t k = 0; k < c->n; k++) {
        c->width[k] = tty_width(c->names[k]);
        if (c->vwidth[k] > c->width[k]) c->width[k] = c->vwidth[k];
    }
}

/* See out.h. */
size_t out_cell_width(value_t v) {
    if (v.t == V_NULL) return sizeof NULL_TEXT - 1;
    if (v.t == V_STR) return tty_width(val_pstr(v));
    char tmp[40];
    return v.t == V_NUM ? (size_t)num_fmt(tmp, v.d) : v.b ? 4 : 5;
}

/* See out.h. */
void out_cols_widen(out_cols_t *c, const size_t *w, uint32_t nw) {
    for (uint32_t k = 0; k < c->n && c->width; k++)
        if (c->ids[k] < nw && w[c->ids[k]] > c->vwidth[k]) {
            c->vwidth[k] = w[c->ids[k]];
            if (c->vwidth[k] > c->width[k]) c->width[k] = c->vwidth[k];
        }
}

/* The width of columns w[0..n) capped at cap places, each kept at its
 * floor f[k] at least. */
static size_t capped(const size_t *w, const size_t *f, uint32_t n, size_t cap) {
    size_t sum = 0;
    for (uint32_t k = 0; k < n; k++) {
        size_t x = w[k] > cap ? cap : w[k];
        sum += x < f[k] ? f[k] : x;
    }
    return sum;
}

/* Shrink columns w[0..n) down to their floors f until they take avail
 * places: the widest go first, to the largest common cap that fits, and
 * what that cap leaves over goes back to the cut ones, left first. False
 * (w at the floors) when even the floors take more. */
static bool shrink(size_t *w, const size_t *f, uint32_t n, size_t avail) {
    size_t widest = 0;
    for (uint32_t k = 0; k < n; k++)
        if (w[k] > widest) widest = w[k];
    if (capped(w, f, n, widest) <= avail) return true;
    if (capped(w, f, n, 0) > avail) {
        for (uint32_t k = 0; k < n; k++)
            if (w[k] > f[k]) w[k] = f[k];
        return false;
    }
    size_t lo = 0, hi = widest;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (capped(w, f, n, mid) <= avail) lo = mid;
        else hi = mid - 1;
    }
    size_t used = capped(w, f, n, lo);
    for (uint32_t k = 0; k < n; k++) {
        if (w[k] <= lo) continue;
        size_t x = lo < f[k] ? f[k] : lo;
        if (x < w[k] && used < avail) x++, used++;
        w[k] = x;
    }
    return true;
}

/* See out.h. */
void out_cols_fit(out_cols_t *c) {
    /* (a time column's cells are as wide as the text of a time, whatever
     * the numbers measured) */
    for (uint32_t k = 0; k < c->n && c->time && c->width; k++)
        if (c->time[k] && c->vwidth[k] < time_width(c->o.time)) {
            c->vwidth[k] = time_width(c->o.time);
            if (c->width[k] < c->vwidth[k]) c->width[k] = c->vwidth[k];
        }
    if (c->fmt != OUT_TABLE || c->o.wide || !c->n) return;
    if (!c->o.columns) {
        for (uint32_t k = 0; k < c->n; k++)
            if (c->width[k] > OUT_MAXW) c->width[k] = OUT_MAXW;
        return;
    }
    size_t sep = 2 * (size_t)(c->n - 1), avail = c->o.columns > sep ? c->o.columns - sep : 0;
    size_t *f = xmalloc(c->n * sizeof *f);
    /* First the names wider than their cells give way, to the cells'
     * width; then the cells, the widest first. */
    for (uint32_t k = 0; k < c->n; k++) {
        size_t minw = c->width[k] < OUT_MINW ? c->width[k] : OUT_MINW;
        f[k] = c->vwidth[k] > minw ? c->vwidth[k] : minw;
    }
    if (!shrink(c->width, f, c->n, avail)) {
        for (uint32_t k = 0; k < c->n; k++) f[k] = c->width[k] < OUT_MINW ? c->width[k] : OUT_MINW;
        shrink(c->width, f, c->n, avail);
    }
    free(f);
}

/* See out.h. */
void out_cols_free(out_cols_t *c) {
    free(c->time);
    free(c->ids);
    free(c->names);
    free(c->text);
    free(c->width);
    free(c->vwidth);
    free(c->known);
    memset(c, 0, sizeof *c);
}

/* Byte offset in s past its first k code points (s is valid UTF-8). */
static size_t cp_skip(pstr_t s, size_t k) {
    size_t i = 0;
    for (; i < s.n && k; k--) {
        i++;
        while (i < s.n && ((unsigned char)s.p[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

/* Append cell s (escaped text cw places wide) as a terminal table cell w
 * places wide: wider, its middle gives way to `…` (a third of the places
 * for its start, the rest for its end, where file names are); narrower,
 * padded (but the last cell). */
static void put_cell(buf_t *b, pstr_t s, size_t cw, size_t w, bool last) {
    if (cw > w) {
        size_t head = (w - 1) / 3, tail = w - 1 - head;
        buf_put(b, s.p, cp_skip(s, head));
        buf_puts(b, "\xe2\x80\xa6");
        size_t from = cp_skip(s, cw - tail);
        buf_put(b, s.p + from, s.n - from);
        cw = w;
    } else {
        buf_put(b, s.p, s.n);
    }
    if (!last) {
        for (size_t k = cw; k < w; k++) buf_putc(b, ' ');
        buf_puts(b, "  ");
    }
}

/* Line end of CSV rows. */
static const char *csv_eol(const out_cols_t *c) { return c->o.crlf ? "\r\n" : "\n"; }

/* Append s as a CSV cell; escaped first when the output is a terminal. */
static void csv_text(buf_t *b, const out_cols_t *c, pstr_t s) {
    if (!c->o.escape || !tty_unsafe(s)) {
        out_csv_cell(b, s);
        return;
    }
    buf_t e = {0};
    tty_escape(&e, s);
    out_csv_cell(b, pstr(e.p, e.n));
    buf_free(&e);
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
            csv_text(b, c, c->names[k]);
        }
        buf_puts(b, csv_eol(c));
        return;
    case OUT_JSON: buf_putc(b, '['); return;
    case OUT_NDJSON: return;
    case OUT_TABLE: {
        if (!c->n) return; /* nothing to show, not two empty lines */
        buf_t cell = {0};
        if (c->o.color) buf_puts(b, SGR_BOLD);
        for (uint32_t k = 0; k < c->n; k++) {
            buf_clear(&cell);
            size_t cw = tty_escape(&cell, c->names[k]);
            put_cell(b, pstr(cell.p, cell.n), cw, c->width[k], k + 1 == c->n);
        }
        buf_free(&cell);
        trim_right(b);
        if (c->o.color) buf_puts(b, SGR_RESET);
        buf_putc(b, '\n');
        for (uint32_t k = 0; k < c->n; k++) {
            for (size_t i = 0; i < c->width[k]; i++) buf_putc(b, '-');
            if (k + 1 < c->n) buf_puts(b, "  ");
        }
        trim_right(b);
        buf_putc(b, '\n');
        return;
    }
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
            if (c->time && c->time[k]) {
                if (k) buf_putc(b, ',');
                if (time_cell(b, c, k, v, false)) continue;
                b->n -= k ? 1 : 0;
            }
            if (v.t == V_STR && !csv_quoted(val_pstr(v)) && !c->o.escape) { /* the common cell: copied as it is */
                buf_reserve(b, (size_t)v.n + 1);
                if (k) b->p[b->n++] = ',';
                memcpy(b->p + b->n, v.s, v.n);
                b->n += v.n;
                continue;
            }
            if (k) buf_putc(b, ',');
            if (v.t == V_STR) csv_text(b, c, val_pstr(v));
            else val_fmt(b, v); /* numbers and booleans need no quotes */
        }
        buf_puts(b, csv_eol(c));
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
            if (!time_cell(b, c, k, rec_get(r, c->ids[k]), true)) json_val(b, rec_get(r, c->ids[k]));
        }
        if (late) late_fields(b, c, r, late, ft, c->n > 0);
        buf_putc(b, '}');
        if (c->fmt == OUT_NDJSON) buf_putc(b, '\n');
        return;
    case OUT_TABLE: {
        if (!c->n) return;
        buf_t cell = {0};
        const char *row = c->sev >= 0 ? sev_sgr(rec_get(r, c->ids[c->sev])) : NULL;
        if (row) buf_puts(b, row);
        for (uint32_t k = 0; k < c->n; k++) {
            value_t v = rec_get(r, c->ids[k]);
            buf_clear(&cell);
            size_t cw = time_cell(&cell, c, k, v, false) ? cell.n : cell_text(&cell, v);
            bool dim = c->o.color && v.t == V_NULL;
            if (dim) buf_puts(b, SGR_DIM);
            put_cell(b, pstr(cell.p, cell.n), cw, c->width[k], k + 1 == c->n);
            if (dim) {
                /* the padding after the cell is only spaces: the row's colour again */
                buf_puts(b, SGR_UNDIM);
                if (row) buf_puts(b, row);
            }
        }
        buf_free(&cell);
        trim_right(b);
        if (row) buf_puts(b, SGR_RESET);
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
int out_write(FILE *f, const out_opts_t *o, const table_t *t, const ftab_t *ft) {
    out_cols_t c;
    out_cols_init(&c, o, t, ft);
    out_cols_fit(&c);
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
