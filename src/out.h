/* out.h — writing result tables as a terminal table, CSV, JSON or NDJSON.
 *
 * Writers read the table and the field names; they own nothing. CSV is
 * RFC 4180 with the header as the first row and nothing else on the
 * stream.
 */
#ifndef POSTERN_OUT_H
#define POSTERN_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "field.h"
#include "table.h"

/* Output formats. ORDER OUTFMT: out_fmt_names. */
typedef enum out_fmt { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_NDJSON } out_fmt_t;

/* Format by name ("table", "csv", "json", "ndjson"), or -1. */
int out_fmt_parse(const char *name);
/* Write t's rows in t's column order. Returns 0, or -1 on a write error. */
int out_write(FILE *f, out_fmt_t fmt, const table_t *t, const ftab_t *ft);
/* Append row r as one JSON object (t's columns in order, no newline) to b. */
void out_json_row(buf_t *b, const record_t *r, const table_t *t, const ftab_t *ft);
/* Append s as a JSON string (quotes included) to b. */
void out_json_str(buf_t *b, pstr_t s);
/* Append s as one RFC 4180 CSV cell to b (quoted when needed). */
void out_csv_cell(buf_t *b, pstr_t s);

#endif
