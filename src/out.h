/* out.h — writing result tables as a terminal table, CSV, JSON or NDJSON.
 *
 * Writers read the table and the field names; they own nothing. CSV is
 * RFC 4180 with the header as the first row and nothing else on the
 * stream (LF line ends unless --crlf). JSON writes input JSON numbers and
 * booleans (VAL_JSONLIT), computed numbers and text that is a plain number
 * unquoted, and escapes every
 * control character (C0, DEL, C1, bidi) as \uXXXX. The terminal table
 * escapes them as tty.h says, fits the width it is given by eliding the
 * middle of long cells, and shows null as `null` (empty text as nothing).
 */
#ifndef POSTERN_OUT_H
#define POSTERN_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "field.h"
#include "table.h"

/* Output formats. ORDER OUTFMT: out_fmt_names. */
typedef enum out_fmt { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_NDJSON } out_fmt_t;

/* How times (_messageTime and the other time columns, epoch ms) are
 * written. ORDER OUTTIME: out_time_names. */
typedef enum out_time { OUT_TIME_EPOCH, OUT_TIME_ISO, OUT_TIME_LOCAL } out_time_t;

/* Widest column of a terminal table whose width is unknown (no terminal,
 * no $COLUMNS) and not --wide. */
#define OUT_MAXW 64
/* A column of a table fitted to a width keeps at least this many places
 * (fewer when its widest cell is narrower). */
#define OUT_MINW 6

/* How results are written: the format and its options (main.c's). */
typedef struct out_opts {
    out_fmt_t fmt;      /* the format */
    bool crlf;          /* CSV: CRLF line ends (RFC 4180, --crlf); else LF */
    bool escape;        /* CSV: values escaped as in the table (tty.h): the output is a terminal */
    bool color;         /* table: ANSI colours (header bold, null dim, rows by their severity) */
    bool wide;          /* table: cells shown whole (--wide), no width limit */
    unsigned columns;   /* table: the width to fit (tty_columns); 0: unknown, each column at most OUT_MAXW */
    out_time_t time;    /* how time columns are written (--time-format) */
} out_opts_t;

/* Format by name ("table", "csv", "json", "ndjson"), or -1. */
int out_fmt_parse(const char *name);
/* Time format by name ("epoch", "iso", "local"), or -1. */
int out_time_parse(const char *name);
/* Write t's rows in t's column order as o says. Returns 0, or -1 on a
 * write error (errno says which: EPIPE when the reader of a pipe went
 * away). */
int out_write(FILE *f, const out_opts_t *o, const table_t *t, const ftab_t *ft);
/* Append row r as one JSON object (t's columns in order, no newline) to b. */
void out_json_row(buf_t *b, const record_t *r, const table_t *t, const ftab_t *ft);
/* Append s as a JSON string (quotes included) to b. */
void out_json_str(buf_t *b, pstr_t s);
/* Append s as one RFC 4180 CSV cell to b (quoted when needed). */
void out_csv_cell(buf_t *b, pstr_t s);

/* ---- row by row (out_write, and streamed results: emit.c) ---------------- */

/* Distinct late fields out_late_t remembers. */
#define OUT_MAXLATE 32

/* The columns rows are written with: copies of their names (rows may be
 * written while other threads intern names) and, for the terminal table,
 * each column's width. Owned; out_cols_free releases it. */
typedef struct out_cols {
    out_fmt_t fmt;      /* the format (o.fmt) */
    out_opts_t o;       /* the options */
    int sev;            /* table with colour: the column named `severity` that colours rows, or -1 */
    uint32_t n;         /* columns */
    uint32_t *ids;      /* their field ids */
    pstr_t *names;      /* their display names (bytes in text) */
    char *text;         /* the names' bytes */
    size_t *width;      /* OUT_TABLE: each column's display width; else NULL */
    size_t *vwidth;     /* OUT_TABLE: each column's widest cell, its name left out; else NULL */
    uint8_t *time;      /* per column: 1 for a time column written as o.time says (not epoch); NULL: none */
    uint8_t *known;     /* per field id below nknown: 1 for a column or metadata that columns leave out */
    uint32_t nknown;    /* entries of known */
} out_cols_t;

/* Fields that rows carried but the columns do not show (decided before
 * those rows were seen): out_row's record of them. Zero it to start. */
typedef struct out_late {
    uint32_t ids[OUT_MAXLATE]; /* the first distinct ones, by field id */
    uint32_t n;                /* how many ids holds */
    uint64_t rows;             /* rows that carried one */
} out_late_t;

/* The columns of t (t->cols, fixed by the caller) for output o; the
 * terminal table's widths are measured over t's rows (and headers). */
void out_cols_init(out_cols_t *c, const out_opts_t *o, const table_t *t, const ftab_t *ft);
/* The display width of value v as a terminal table cell: escaped
 * (tty.h), null as `null`. Nothing is written or allocated. */
size_t out_cell_width(value_t v);
/* Widen the terminal table's columns of c as cells w[id] wide would (per
 * field id below nw; the widest cell each column's rows hold, measured
 * apart: the result is the same as out_cols_init's over those rows). No-op
 * for the other formats. */
void out_cols_widen(out_cols_t *c, const size_t *w, uint32_t nw);
/* Fit the terminal table's columns to o.columns once their widths are
 * final (after out_cols_init and out_cols_widen, before out_head): when
 * the table is wider, the widest columns shrink: first the names wider
 * than their cells, to the cells' width (or OUT_MINW), then the widest
 * cells (to OUT_MINW at least); cut cells lose their middle, marked `…`. Width unknown: each column at
 * most OUT_MAXW. --wide: nothing. No-op for the other formats. */
void out_cols_fit(out_cols_t *c);
/* Free what out_cols_init allocated. */
void out_cols_free(out_cols_t *c);
/* Append what comes before the rows: the CSV header, the table's header
 * and rule, JSON's '['. */
void out_head(buf_t *b, const out_cols_t *c);
/* Append row r. first: r is the first row (JSON's separator). late:
 * NULL, or where fields of r that are no column (nor hidden metadata)
 * are recorded; JSON and NDJSON then write them too, after the columns,
 * under their names in ft (taken under ft's lock). */
void out_row(buf_t *b, const out_cols_t *c, const record_t *r, bool first, out_late_t *late, ftab_t *ft);
/* Append what comes after nrows rows (JSON's ']'). */
void out_end(buf_t *b, const out_cols_t *c, uint64_t nrows);
/* Add the late fields of from to into. */
void out_late_merge(out_late_t *into, const out_late_t *from);

#endif
