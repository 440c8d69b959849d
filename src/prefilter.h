/* prefilter.h — the query's filters, tested on a record's raw bytes.
 *
 * Before a JSON line or CSV row is parsed, the conditions that every
 * record must meet to reach the first aggregate (the scope, and `where`
 * tests on input fields: `in`, `=`, wildcard `matches`, `and`/`or`/`!`)
 * are tried on the undecoded text. Each answers yes, no or maybe; only a
 * certain "no" drops the record, so results never change — the readers
 * see fewer records. A pf_t is compiled once per query, owns its nodes
 * (heap) and is read-only afterwards, so threads may share it.
 */
#ifndef POSTERN_PREFILTER_H
#define POSTERN_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "input.h"

typedef struct pf pf_t;

/* Three-valued answers, and a fourth for a line the filters keep (or
 * leave to the reader) whose time lies certainly outside the range. */
typedef enum pf_ans { PF_NO = 0, PF_YES = 1, PF_MAYBE = 2, PF_OUT = 3 } pf_ans_t;

/* The run's --from/--to: [from_ms, to_ms), epoch ms, each bound when given. */
typedef struct pf_range {
    bool has_from, has_to;
    int64_t from_ms, to_ms;
} pf_range_t;

/* Compile the pushable filters of q; category is --category (may be
 * NULL). Returns NULL when nothing can be tested early. */
pf_t *pf_compile(const query_t *q, const char *category);
/* As pf_compile, and with range (NULL, or neither bound: none) JSON
 * lines (and CSV rows: pf_csv_timed) whose _messageTime is certainly
 * outside it answer PF_OUT: the only _messageTime key (any case; no
 * _messageTimeMs) holding an integer, else the only `timestamp` key whose
 * text dt_parse reads, at the top level of a line with no \u escape; any
 * doubt leaves the line to the reader. Such a line is dropped unparsed
 * (not checked for validity) and counted apart (in_tally_t.out_of_range).
 * Returns NULL when nothing can be tested early. */
pf_t *pf_compile_range(const query_t *q, const char *category, const pf_range_t *range);
/* Free p (NULL is fine). */
void pf_free(pf_t *p);
/* Count, in the lines the filters drop, what the engine's coverage
 * counts need (coverage.h): whether the scope keeps each line, and which
 * of the fields ids[0..n) it carries (at most IN_MAXTALLY; field i is
 * in_tally_t's i-th). From then on a line is dropped only when all of
 * that is certain and it carries one of the key fields ids[0..nkey) (any
 * field when nkey is 0): every other line is left to the reader, so the
 * engine sees each record that holds none of them. Returns false when a
 * field cannot be looked for in raw bytes (then do not use p to drop). */
bool pf_count(pf_t *p, const query_t *q, const uint32_t *ids, uint32_t n, uint32_t nkey);
/* Number of fields the filters read, and the counted ones (for binding CSV columns). */
uint32_t pf_nfields(const pf_t *p);
/* Field id of the i-th field the filters read. */
uint32_t pf_field(const pf_t *p, uint32_t i);

/* Test one JSON Lines record line[0..n) (without its newline). A key
 * that is an alias of a tested field (dstPort for dest_port) answers
 * "maybe": the reader fills the field from it. */
pf_ans_t pf_jsonl(const pf_t *p, const char *line, size_t n);
/* Test the JSON Lines record at the start of buf[0..n): as pf_jsonl, and
 * only a line shaped like an object ({...} between blanks) that ends in
 * a '\n' inside buf is answered yes or no, with *len its length including
 * the '\n'. Blank, cut or garbled lines answer "maybe" (the reader's to
 * skip or report). One vector pass (scan.h) finds the line's end and the
 * tested keys at once. */
pf_ans_t pf_jsonl_next(const pf_t *p, const char *buf, size_t n, size_t *len);
/* Skip the lines at the start of buf[0..n) that pf_jsonl_next answers
 * "no" or PF_OUT for, up to the first it does not: returns how many, with
 * *len the bytes they take (one call per run of lines, not per line);
 * what they held is added to *t when p counts (pf_count), and the PF_OUT
 * ones to t->out_of_range in any case (t may be NULL). *next gets the
 * length of the line it stopped at, its '\n' included, when its scan found
 * that newline (buf[*len + *next - 1] is the line's first '\n'), else 0:
 * the reader need not look for it again. */
uint64_t pf_jsonl_drop(const pf_t *p, const char *buf, size_t n, size_t *len, size_t *next, in_tally_t *t);
/* Test one CSV row row[0..n) (a whole record, without its newline):
 * col[i] is the column holding pf_field(p, i), or -1 when the header has
 * no such column; ncol is the header's width (a row of another width is
 * the reader's to reject: "maybe"; 0 skips that check). A dropped row's
 * counts go to *t as in pf_jsonl_drop. */
pf_ans_t pf_csv(const pf_t *p, const int *col, unsigned ncol, const char *row, size_t n, in_tally_t *t);
/* As pf_csv, and with a range (pf_compile_range) a row whose time column
 * tcol (-1: none) holds a time outside it answers PF_OUT: epoch ms when
 * ms (an integer of at most 15 digits), else a text dt_parse reads. */
pf_ans_t pf_csv_timed(const pf_t *p, const int *col, unsigned ncol, int tcol, bool ms, const char *row, size_t n,
                      in_tally_t *t);

#endif
