/* op_text.h — the scanners behind the operators that take structured text
 * apart: keyvalue (op_kv.c) and csv/split (op_split.c).
 *
 * The stages and their fuzz targets share these functions. Every result is
 * a view into the text scanned, or, when the text had to be decoded
 * (quotes, escapes), bytes in the arena the caller passes; nothing here
 * allocates otherwise or keeps state between calls.
 */
#ifndef POSTERN_OP_TEXT_H
#define POSTERN_OP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "str.h"

/* ---- keyvalue ------------------------------------------------------------ */

/* Delimiters between a key and its value: the default ": = ->", or the
 * one of `delim "x"`. */
typedef struct kv_delims {
    pstr_t d[3];       /* the delimiters (borrowed: static text or the query) */
    uint32_t n;        /* how many */
} kv_delims_t;

/* The default delimiters, `:`, `=` and `->` (keyvalue page). */
void kv_delims_default(kv_delims_t *d);
/* Inference mode: the value of the first occurrence of key (ASCII case
 * ignored) in text that stands as a key (not inside a longer word) and is
 * followed by a delimiter. Quoted values lose their quotes (decoded into a
 * when they hold escapes). False when the key has no value there. */
bool kv_infer(pstr_t text, pstr_t key, const kv_delims_t *d, arena_t *a, pstr_t *val);
/* Where key stands as a key in text (first occurrence, ASCII case
 * ignored): *end receives the offset just after it. False when absent. */
bool kv_find_key(pstr_t text, pstr_t key, size_t *end);
/* Auto mode: the next key-value pair at or after *pos; *pos moves past
 * it. Keys are words (letters, digits, `_`, `.`, `-`, starting with a
 * letter or `_`) or quoted text. False when there is none. */
bool kv_next_pair(pstr_t text, size_t *pos, const kv_delims_t *d, arena_t *a, pstr_t *key, pstr_t *val);
/* The field name keyvalue makes of key: every byte other than a-z, A-Z,
 * 0-9 and `_` becomes `_` (keyvalue page). Writes at most cap bytes of
 * out; returns the name's length, or 0 when it does not fit. */
size_t kv_field_name(pstr_t key, char *out, size_t cap);

/* ---- csv and split ------------------------------------------------------- */

/* Longest delimiter: one UTF-8 character. */
#define SP_MAXDELIM 4

/* How a line is split. */
typedef struct sp_opts {
    char delim[SP_MAXDELIM]; /* the delimiter's bytes (one character) */
    uint8_t ndelim;          /* their number, 1 to SP_MAXDELIM */
    char quote;              /* the quote character */
    char esc;                /* the escape character */
} sp_opts_t;

/* The defaults of csv and split: `,`, `"` and `\` (csv and split pages). */
void sp_opts_default(sp_opts_t *o);
/* Split text into columns, the first max of them into cols[0..max): quoted
 * parts keep delimiters and lose their quotes (a doubled quote inside
 * quotes is one quote), the escape character before a delimiter, the
 * quote or itself stands for that character. Columns are views into text,
 * or decoded into a. Returns the number of columns (at least 1), counting
 * at most max + 1. */
uint32_t sp_split(pstr_t text, const sp_opts_t *o, arena_t *a, pstr_t *cols, uint32_t max);

#endif
