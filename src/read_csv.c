/* read_csv.c — RFC 4180 CSV with a header row.
 *
 * The first non-blank row names the columns; names map to field ids once
 * per input. Quoted cells may hold commas, doubled quotes and CR/LF, so a
 * record can span lines. Cells are views into the input buffer; only a
 * quoted cell with "" is unescaped, into the batch arena. An empty cell is
 * an empty string. The Sumo CSV export (read_sumo.c) uses these functions.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

/* A cell of the current row: a view of its bytes. */
typedef struct csv_cell {
    const char *p;  /* bytes (inside the quotes for a quoted cell) */
    uint32_t n;     /* length */
    bool dq;        /* holds doubled quotes to unescape */
} csv_cell_t;

/* A column of the header. */
typedef struct csv_col {
    uint32_t id;    /* field to set, FIELD_NONE when not read */
    int sp;         /* enum rd_special */
} csv_col_t;

/* Per-input state (heap, owned by the reader). */
typedef struct csv_st {
    char sep;           /* the cell separator: ',' (or '\t' with csv_set_sep) */
    bool have_hdr;      /* the header row has been read */
    unsigned ncol;      /* its columns */
    csv_col_t *col;     /* ncol entries */
    csv_cell_t *cell;   /* the row being read, reused */
    unsigned cellcap;
    pstr_t *text;       /* csv_cells: the row's cells as text, reused */
    unsigned textcap;
} csv_st_t;

enum { ROW_OK, ROW_MORE, ROW_QUOTE };

static void cells_grow(csv_st_t *s) {
    s->cellcap = s->cellcap ? s->cellcap * 2 : 64;
    s->cell = xrealloc(s->cell, s->cellcap * sizeof *s->cell);
}

/* Separators a row's unquoted stretch has its positions of found at once
 * (str_byte_pos). */
#define CSV_SEPBATCH 64

/* Split the row at p[i]: cells into s->cell (*ncell), *end = the row's
 * last byte + 1 (line terminator excluded), *next = where the next row
 * starts. ROW_MORE when the row may continue past n and !eof; ROW_QUOTE
 * when a quote is still open at the end of the input, or after
 * RD_MAXREC bytes of the row. Cells are separated
 * by s->sep. */
static int csv_row(csv_st_t *s, const char *p, size_t n, bool eof, size_t i, unsigned *ncell, size_t *end,
                   size_t *next) {
    size_t j = i, eol = 0;
    bool eol_ok = false; /* eol is the next '\n' at or after j (or n) */
    unsigned k = 0;
    /* The separators of p[j..eol) while only unquoted cells are taken
     * (a quoted one may hold separators and line ends: it ends the batch). */
    size_t bpos[CSV_SEPBATCH];
    unsigned bn = 0, bi = 0;
    bool bvalid = false, bmore = false;
    for (;;) {
        if (k == s->cellcap) cells_grow(s);
        csv_cell_t *c = &s->cell[k++];
        if (j < n && p[j] == '"') {
            size_t q = j + 1, r;
            bool dq = false;
            for (;;) {
                const char *z = memchr(p + q, '"', n - q);
                if (!z) return eof || n - i > RD_MAXREC ? ROW_QUOTE : ROW_MORE; /* (never closing within a record's most) */
                r = (size_t)(z - p);
                if (r + 1 >= n && !eof) return ROW_MORE; /* could be the first of "" */
                if (r + 1 < n && p[r + 1] == '"') {
                    dq = true;
                    q = r + 2;
                    continue;
                }
                break;
            }
            c->p = p + j + 1;
            c->n = (uint32_t)(r - j - 1);
            c->dq = dq;
            size_t after = r + 1;
            eol_ok = false;
            bvalid = false;
            if (after < n && p[after] != s->sep && p[after] != '\n' && p[after] != '\r') {
                /* text after the closing quote: take the cell verbatim up
                 * to the next delimiter */
                const char *nl = memchr(p + after, '\n', n - after);
                size_t lim = nl ? (size_t)(nl - p) : n;
                if (!nl && !eof) return ROW_MORE;
                const char *cm = memchr(p + after, s->sep, lim - after);
                size_t e = cm ? (size_t)(cm - p) : lim;
                if (!cm && e > after && p[e - 1] == '\r') e--;
                c->p = p + j;
                c->n = (uint32_t)(e - j);
                c->dq = false;
                after = e;
            }
            j = after;
        } else {
            if (!eol_ok || eol < j) {
                const char *nl = memchr(p + j, '\n', n - j);
                eol = nl ? (size_t)(nl - p) : n;
                eol_ok = true;
                bvalid = false;
            }
            if (eol == n && !eof) return ROW_MORE;
            if (!bvalid || (bi == bn && bmore)) {
                bn = str_byte_pos(p, j, eol, s->sep, bpos, CSV_SEPBATCH, &bmore);
                bi = 0;
                bvalid = true;
            }
            const char *cm = bi < bn ? p + bpos[bi++] : NULL; /* (the next separator: the cell's end) */
            size_t e = cm ? (size_t)(cm - p) : eol;
            size_t ce = e;
            if (!cm && ce > j && p[ce - 1] == '\r') ce--;
            c->p = p + j;
            c->n = (uint32_t)(ce - j);
            c->dq = false;
            j = cm ? e : ce;
        }
        /* delimiter after the cell */
        if (j >= n) {
            if (!eof) return ROW_MORE;
            *end = *next = n;
            break;
        }
        if (p[j] == s->sep) {
            j++;
            continue;
        }
        if (p[j] == '\n') {
            *end = j;
            *next = j + 1;
            break;
        }
        /* '\r' */
        if (j + 1 >= n && !eof) return ROW_MORE;
        *end = j;
        *next = (j + 1 < n && p[j + 1] == '\n') ? j + 2 : j + 1;
        break;
    }
    *ncell = k;
    return ROW_OK;
}

/* ---- framing without reading: where records start ------------------- */

/* See reader.h. Only '"' changes the framing (csv_row): found with
 * memchr, each one is taken as csv_row takes it — a quote at a cell's
 * start opens a quoted cell, one elsewhere outside quotes is text, one
 * inside a quoted cell closes it or, doubled, stands for itself; after a
 * closing quote, a separator, CR or LF starts the next cell, anything
 * else is text up to the next separator. */
int csv_walk(const char *p, size_t n, char sep, int st) {
    size_t i = 0;
    while (i < n) {
        if (st == CSV_QUOTED) {
            const char *q = memchr(p + i, '"', n - i);
            if (!q) return CSV_QUOTED;
            i = (size_t)(q - p) + 1;
            st = CSV_QUOTE;
            continue;
        }
        if (st == CSV_QUOTE) {
            char b = p[i++];
            st = b == '"' ? CSV_QUOTED : (b == sep || b == '\n' || b == '\r') ? CSV_CELL : CSV_TEXT;
            continue;
        }
        const char *q = memchr(p + i, '"', n - i);
        if (!q) { /* text to the end: at a cell start when the last byte ended a cell */
            char b = p[n - 1];
            return b == sep || b == '\n' ? CSV_CELL : CSV_TEXT;
        }
        size_t x = (size_t)(q - p);
        bool start = x == i ? st == CSV_CELL : (p[x - 1] == sep || p[x - 1] == '\n');
        st = start ? CSV_QUOTED : CSV_TEXT;
        i = x + 1;
    }
    return st;
}

/* See reader.h. Byte by byte: records are short. */
long csv_record_end(const char *p, size_t n, char sep, int *st) {
    int s = *st;
    for (size_t i = 0; i < n; i++) {
        char b = p[i];
        switch (s) {
        case CSV_QUOTED: s = b == '"' ? CSV_QUOTE : CSV_QUOTED; continue;
        case CSV_QUOTE:
            if (b == '"') s = CSV_QUOTED;
            else if (b == sep || b == '\r') s = CSV_CELL;
            else if (b != '\n') s = CSV_TEXT;
            break;
        case CSV_CELL:
            if (b == '"') s = CSV_QUOTED;
            else if (b != sep && b != '\n') s = CSV_TEXT;
            break;
        default: /* CSV_TEXT */
            if (b == sep) s = CSV_CELL;
            break;
        }
        if (b == '\n' && s != CSV_QUOTED) {
            *st = CSV_CELL;
            return (long)(i + 1);
        }
    }
    *st = s;
    return -1;
}

/* The cell's text, unescaping "" into the arena when needed. */
static pstr_t cell_text(const csv_cell_t *c, arena_t *a) {
    return c->dq ? rd_csv_dequote(pstr(c->p, c->n), true, a) : pstr(c->p, c->n);
}

static bool blank_line(const char *p, size_t a, size_t b) {
    while (a < b && (p[a] == ' ' || p[a] == '\t' || p[a] == '\r')) a++;
    return a == b;
}

/* See reader.h. */
void *csv_open(rd_ctx_t *c) {
    (void)c;
    csv_st_t *s = xcalloc(1, sizeof(csv_st_t));
    s->sep = ',';
    return s;
}

/* See reader.h. */
void csv_set_sep(void *st, char sep) { ((csv_st_t *)st)->sep = sep; }

/* See reader.h. */
void csv_close(void *st) {
    csv_st_t *s = st;
    if (!s) return;
    free(s->col);
    free(s->cell);
    free(s->text);
    free(s);
}

/* Map the header cells to columns. */
static void csv_header(rd_ctx_t *c, csv_st_t *s, unsigned ncell) {
    s->ncol = ncell;
    s->col = xrealloc(s->col, (ncell ? ncell : 1) * sizeof *s->col);
    for (unsigned k = 0; k < ncell; k++) {
        pstr_t name = pstr_trim(cell_text(&s->cell[k], c->arena));
        s->col[k].id = FIELD_NONE;
        s->col[k].sp = RD_SP_NONE;
        if (name.n) s->col[k].id = rd_lookup(c, RD_KCACHE, name, false, &s->col[k].sp);
    }
    s->have_hdr = true;
}

/* Frame the next non-blank row of p[0..n) into s->cell: c->rec_off,
 * c->text and *used as next() sets them. RD_REC with *ncell, RD_REJECT
 * (an unterminated quote), RD_MORE or RD_END. */
static rd_status_t frame_row(rd_ctx_t *c, csv_st_t *s, const char *p, size_t n, bool eof, size_t *used,
                             unsigned *ncell) {
    size_t i = 0;
    for (;;) {
        if (i >= n) {
            *used = i;
            return eof ? RD_END : RD_MORE;
        }
        /* a line that starts with a byte other than a blank or CR is not blank: its end is not looked for here */
        bool blank_start = p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n';
        const char *nl = blank_start ? memchr(p + i, '\n', n - i) : NULL;
        size_t le = nl ? (size_t)(nl - p) : n;
        if (blank_start && blank_line(p, i, le)) {
            if (!nl && !eof) {
                *used = i;
                return RD_MORE;
            }
            i = nl ? le + 1 : n;
            continue;
        }
        size_t end = 0, next = 0;
        int r = csv_row(s, p, n, eof, i, ncell, &end, &next);
        *used = i;
        if (r == ROW_MORE) return RD_MORE;
        c->rec_off = i;
        if (r == ROW_QUOTE) {
            if (!blank_start) {
                nl = memchr(p + i, '\n', n - i);
                le = nl ? (size_t)(nl - p) : n;
            }
            /* A quote that never closes: the row's first line is the bad
             * record, and the reading goes on at the next line, so the
             * rows after a stray '"' are read, not swallowed into one
             * cell (every -jN gives the same: the framing walk, in quotes
             * to the end, hands such a file's rest to one lane). */
            c->text = pstr(p + i, le - i);
            *used = nl ? le + 1 : n;
            c->reason = RD_R_QUOTE;
            return RD_REJECT;
        }
        c->text = pstr(p + i, end - i);
        *used = next;
        return RD_REC;
    }
}

/* See reader.h. Blank lines are skipped; the first row is the header. */
rd_status_t csv_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    csv_st_t *s = c->st;
    size_t done = 0;
    for (;;) {
        unsigned ncell = 0;
        size_t u;
        rd_status_t st = frame_row(c, s, p + done, n - done, eof, &u, &ncell);
        *used = done + u;
        if (st != RD_REC && st != RD_REJECT) return st;
        c->rec_off += done;
        if (st == RD_REJECT) return st;
        if (!s->have_hdr) {
            csv_header(c, s, ncell);
            done += u;
            continue;
        }
        if (ncell != s->ncol) {
            c->reason = RD_R_COLS;
            return RD_REJECT;
        }
        for (unsigned k = 0; k < ncell; k++) {
            const csv_col_t *col = &s->col[k];
            if (col->id == FIELD_NONE && col->sp == RD_SP_NONE) continue;
            value_t v = val_strv(cell_text(&s->cell[k], c->arena));
            if (col->id != FIELD_NONE) rec_set(rec, col->id, v);
            rd_note(c, col->sp, v);
        }
        return RD_REC;
    }
}

/* See reader.h. */
rd_status_t csv_cells(rd_ctx_t *c, void *st, const char *p, size_t n, bool eof, size_t *used, const pstr_t **cells,
                      unsigned *ncell) {
    csv_st_t *s = st;
    rd_status_t r = frame_row(c, s, p, n, eof, used, ncell);
    if (r != RD_REC) return r;
    if (*ncell > s->textcap) {
        s->textcap = *ncell;
        s->text = xrealloc(s->text, s->textcap * sizeof *s->text);
    }
    for (unsigned k = 0; k < *ncell; k++) s->text[k] = cell_text(&s->cell[k], c->arena);
    *cells = s->text;
    return RD_REC;
}

/* The first non-blank line of p[0..n), or PSTR_NULL when it does not
 * end inside p and more may come. */
static pstr_t first_line(const char *p, size_t n, bool eof) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && (p[i] == '\n' || p[i] == '\r' || p[i] == ' ' || p[i] == '\t')) i++;
    const char *nl = memchr(p + i, '\n', n - i);
    if (!nl && !eof) return PSTR_NULL;
    return pstr_trim(pstr(p + i, (nl ? (size_t)(nl - p) : n) - i));
}

/* See reader.h. */
char csv_sep_of(pstr_t header) {
    return memchr(header.p, '\t', header.n) && !memchr(header.p, ',', header.n) ? '\t' : ',';
}

/* See reader.h. */
rd_status_t csv_data_row(rd_ctx_t *c, void *st, const char *p, size_t n, bool eof, size_t *used,
                         const pstr_t **cells, unsigned *ncell, csv_hdr_fn hdr, void *ud) {
    csv_st_t *s = st;
    size_t done = 0;
    for (;;) {
        if (!s->have_hdr) { /* the header's separator is the rows' */
            pstr_t h = first_line(p + done, n - done, eof);
            if (!h.p) {
                *used = done;
                return RD_MORE;
            }
            s->sep = h.n ? csv_sep_of(h) : ',';
        }
        size_t u;
        rd_status_t r = csv_cells(c, s, p + done, n - done, eof, &u, cells, ncell);
        *used = done + u;
        if (r != RD_REC && r != RD_REJECT) return r;
        c->rec_off += done;
        if (r == RD_REJECT) return r;
        if (!s->have_hdr) {
            s->have_hdr = true;
            s->ncol = *ncell;
            hdr(c, ud, *cells, *ncell);
            done += u;
            continue;
        }
        if (*ncell != s->ncol) {
            c->reason = RD_R_COLS;
            return RD_REJECT;
        }
        return RD_REC;
    }
}

/* See reader.h. */
int csv_colmap(void *st, uint32_t id) {
    const csv_st_t *s = st;
    if (!s || !s->have_hdr) return -2;
    if (id == FIELD_NONE) return (int)s->ncol;
    for (unsigned k = 0; k < s->ncol; k++)
        if (s->col[k].id == id) return (int)k;
    return -1;
}

/* See reader.h. The input layer takes the first time column by rank
 * whose cell reads (input_lane.c complete); certain here: the only
 * _messageTime column (no _messageTimeMs, which ranks above), else, with
 * neither, the only timestamp column (the next rank). */
int csv_timecol(void *st, bool *ms) {
    const csv_st_t *s = st;
    if (!s || !s->have_hdr) return -2;
    int col[RD_NSPECIAL] = {0}, n[RD_NSPECIAL] = {0};
    for (unsigned k = 0; k < s->ncol; k++)
        if (s->col[k].sp > RD_SP_NONE) col[s->col[k].sp] = (int)k, n[s->col[k].sp]++;
    if (n[RD_SP_MTIMEMS]) return -1;
    *ms = n[RD_SP_MTIME] > 0;
    int sp = *ms ? RD_SP_MTIME : RD_SP_TIMESTAMP;
    return n[sp] == 1 ? col[sp] : -1;
}

static bool name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '@' || ch == '.' || ch == '-' || ch == ' ' || ch == '/' || ch == '(' || ch == ')' || ch == '#';
}

/* See reader.h. A header has at least two cells, each a short name made of
 * letters, digits, spaces and _@.-/()# that does not start with a digit. */
unsigned csv_header_probe(const char *p, size_t n, void (*fn)(pstr_t name, void *ud), void *ud) {
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
    for (;;) { /* first non-blank line */
        const char *nl = memchr(p + i, '\n', n - i);
        size_t le = nl ? (size_t)(nl - p) : n;
        if (!blank_line(p, i, le)) {
            n = le;
            break;
        }
        if (!nl) return 0;
        i = le + 1;
    }
    for (int pass = 0; pass < 2; pass++) {
        unsigned k = 0;
        size_t j = i;
        for (;;) {
            pstr_t cell;
            if (j < n && p[j] == '"') {
                const char *z = memchr(p + j + 1, '"', n - j - 1);
                if (!z) return 0;
                cell = pstr(p + j + 1, (size_t)(z - (p + j + 1)));
                j = (size_t)(z - p) + 1;
            } else {
                const char *cm = memchr(p + j, ',', n - j);
                size_t e = cm ? (size_t)(cm - p) : n;
                cell = pstr(p + j, e - j);
                j = e;
            }
            cell = pstr_trim(cell);
            if (pass == 0) {
                if (!cell.n || cell.n > 128 || (cell.p[0] >= '0' && cell.p[0] <= '9')) return 0;
                for (size_t m = 0; m < cell.n; m++)
                    if (!name_char(cell.p[m])) return 0;
            } else if (fn) {
                fn(cell, ud);
            }
            k++;
            while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r')) j++;
            if (j >= n) break;
            if (p[j] != ',') return 0;
            j++;
        }
        if (k < 2) return 0;
        if (pass == 1) return k;
    }
    return 0;
}

static int csv_probe(const char *p, size_t n) { return csv_header_probe(p, n, NULL, NULL) ? 40 : 0; }

/* See reader.h. */
const rd_impl_t rd_csv = {
    .pub = {"csv", "CSV with a header row (RFC 4180 quoting); header names become fields",
            "a first line of two or more short column names",
            "none: native columns only (Cloud SIEM alias columns fill their schema field)"},
    .probe = csv_probe,
    .open = csv_open,
    .next = csv_next,
    .close = csv_close,
    .line_sync = true,
    .split = 2,
    .prefilter = 2,
    .colmap = csv_colmap,
    .timecol = csv_timecol,
};
