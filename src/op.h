/* op.h — the private interface between the pipeline and the operators.
 *
 * A stage (where, parse, transpose, ...) is one row of STAGE_KINDS in
 * ast.h: its kind, keyword, flags, and up to three functions — the parse
 * function that fills a stage_t from the tokens after the keyword, the
 * row function that runs the stage on one record (streaming), and the
 * table function that runs a blocking stage on the whole table. The
 * operators live in parse.c and exec.c (the first ones) and in op_*.c
 * files; they reach the parser and the executor through this header.
 * Everything here borrows the query and its arena: nodes and per-stage
 * data a parse function makes go into ps_arena(p) and die with the query.
 */
#ifndef POSTERN_OP_H
#define POSTERN_OP_H

#include <stdarg.h>

#include "ast.h"
#include "eval.h"
#include "exec.h"
#include "lex.h"
#include "table.h"

/* ---- parsing (implemented in parse.c) --------------------------------- */

/* The parser's state. */
typedef struct parser {
    query_t *q;         /* the query being built (owned by the caller of query_parse) */
    diag_t *d;          /* where errors go */
    lexer_t lx;         /* the tokenizer */
    tok_t t;            /* current token */
    uint32_t prev_end;  /* end offset of the token before t, for spans */
    int depth;          /* current nesting, checked against the depth cap */
    bool fail;          /* the current stage (or the scope) has an error */
    uint32_t stcap;     /* allocated entries of q->st */
    bool sub;           /* parsing a subquery's child (compose allowed) */
} parser_t;

/* Move to the next token. */
void ps_advance(parser_t *p);
/* The token after the current one, without consuming anything. */
tok_t ps_peek(const parser_t *p);
/* t is the identifier (or scope word) w, in any case. */
bool ps_is_kw(const tok_t *t, const char *w);
/* The span from offset start to the end of the last consumed token. */
span_t ps_span_from(const parser_t *p, uint32_t start);
/* Report an error at sp unless this stage already has one; returns the
 * message index for diag_hint(p->d, ...). */
uint32_t ps_error(parser_t *p, span_t sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Report "unexpected X, expected what" at the current token. */
uint32_t ps_unexpected(parser_t *p, const char *what);
/* Consume a token of kind (tok_kind_t), or report and return false. */
bool ps_expect(parser_t *p, uint8_t kind, const char *what);
/* Consume the word w, or report and return false. */
bool ps_expect_kw(parser_t *p, const char *w, const char *what);
/* A full expression (NULL after an error). */
expr_t *ps_expr(parser_t *p);
/* A field name: an identifier or %"quoted name". */
bool ps_fieldname(parser_t *p, pstr_t *name, span_t *sp);
/* A comma-separated list of field names, read (def false) or created. */
bool ps_field_list(parser_t *p, bool def, uint32_t **ids, span_t **sps, uint32_t *n);
/* The id of a field the query reads / creates (the spelling of the last
 * creation is its display name). */
uint32_t ps_field_use(parser_t *p, pstr_t name);
uint32_t ps_field_def(parser_t *p, pstr_t name);
/* A non-negative whole number (size suffixes allowed). */
bool ps_count(parser_t *p, int64_t *out);
/* `field=x` before a pattern: st->src (F_RAW when absent). */
bool ps_src(parser_t *p, stage_t *st);
/* `as a, b, ...` (the current token is `as`): the n fields a stage
 * extracts, created into st->flds; an error such as "json extracts 2
 * paths but 'as' names 1 field" (op, what) when the count differs. */
bool ps_as_fields(parser_t *p, stage_t *st, uint32_t n, const char *op, const char *what);
/* Compile the regex of token t (a /regex/ or a "quoted" one) with pattern
 * pat; errors point into the token. The query owns the result. */
struct rx *ps_regex(parser_t *p, const tok_t *t, pstr_t pat);
/* Parse q's text [from, to) as a subquery's child query (the caller owns
 * the result: query_free, or the parent's subs); NULL after an error. */
query_t *ps_parse_range(parser_t *p, uint32_t from, uint32_t to);
/* Parse q's text [from, to) as a table of join or filter: stages only
 * when it starts with an operator or aggregate (`parse "x=*" as x`),
 * else a scope and stages (*scope set: join ignores the scope). The
 * parent query owns the result (q->tables); NULL after an error. */
query_t *ps_parse_table(parser_t *p, uint32_t from, uint32_t to, bool *scope);
/* A table's query in parentheses, `(<query>)`, at the current token, for
 * join and filter (op_join.c): the query (parent-owned, see
 * ps_parse_table) and *scope, or NULL after an error. op names the
 * operator in messages. */
query_t *jn_parse_table(parser_t *p, const char *op, bool *scope);
/* A subquery at the current '[' token (op_subquery.c); ctx is SUB_SCOPE,
 * SUB_EXPR or SUB_IN. The node joins q->subs. NULL after an error. */
expr_t *ps_subquery(parser_t *p, uint8_t ctx);
/* A new expression node of kind (expr_kind_t) with span sp (query arena). */
expr_t *ps_node(parser_t *p, uint8_t kind, span_t sp);
/* The query arena (nodes, per-stage data). */
arena_t *ps_arena(parser_t *p);
/* Make room for one more element of an arena array of n elements (cap
 * allocated); returns the array, maybe moved. */
void *ps_grow(parser_t *p, void *arr, uint32_t n, uint32_t *cap, size_t elem);
/* Append val to the arena array arr of n elements (cap allocated). */
#define PS_PUSH(p, arr, n, cap, val) \
    ((arr) = ps_grow((p), (arr), (n), &(cap), sizeof *(arr)), (arr)[(n)++] = (val))

/* ---- the parse operator's anchors (implemented in op_parse.c) ----------- */

/* Captures of one anchor pattern at most (each `*` is one). */
#define PA_MAXCAPS 64

/* Match the anchor pattern pat (`start*stop`, anchors ignoring ASCII
 * case, the first occurrence of each, a final `*` to the end) against
 * text; the captures (views into text) go to caps[0..*ncaps), at most
 * PA_MAXCAPS. False when an anchor is missing. */
bool pa_match(pstr_t text, pstr_t pat, value_t *caps, uint32_t *ncaps);

/* ---- transaction analytics (implemented in op_transaction.c) ---------- */

/* The rows of t by message time, oldest first, input order among equals
 * (no time counts as 0): an array of pointers into t the caller frees. */
record_t **tr_by_time(table_t *t);

/* ---- running (implemented in exec.c) ----------------------------------- */

struct lktab;
typedef struct exec exec_t;
/* Where a record goes after the last stage of a run. */
typedef int (*sink_fn)(exec_t *x, record_t *r);

/* A worker: one per input lane, each with its own evaluator, scratch and
 * partial result (groups or rows). */
struct exec {
    query_t *q;            /* the query (borrowed) */
    const exec_opts_t *eo; /* the run's options (borrowed) */
    eval_ctx_t ev;         /* the evaluator */
    arena_t scratch;       /* per-record strings of the streaming phase */
    uint32_t stop;         /* first blocking stage (or nst) */
    struct gtab *g;        /* when stop is an aggregate/top */
    struct gtab *gnext;    /* agg_chain: the next aggregate, fed the rows of g (borrowed) */
    uint64_t pre_rx;       /* agg_row: the regex give-ups counted before this row */
    table_t *tab;          /* otherwise: the collected rows */
    struct rowheap *heap;  /* `sort | limit k`: the k first rows so far, moved to tab at the end (owned) */
    struct sortpack *pack; /* a full sort over messages: the rows that reach it, packed (owned) */
    bool drop_raw;         /* rows kept for a sort leave the message text behind (nothing after reads it) */
    in_stats_t st;         /* this worker's in_scope and used counts */
    int64_t *limit_left;   /* per stage: rows still allowed (LIMIT), -1 = none (owned) */
    struct lktab **lk;     /* per stage: lookup table (shared by the workers) */
    bool stream_limit_hit; /* a streaming LIMIT is satisfied: stop reading */
    uint32_t end;          /* stage where the current run stops */
    sink_fn sink;          /* where rows go after stage end-1 */
    table_t *next;         /* table phase: rows of the next table */
    uint32_t resume;       /* an aggregate's rows put in a sort's order before they run: the stage after
                            * that sort, where the run goes on past it (0: none) */
    sink_fn after;         /* then: where rows go after the last stage */
    exec_row_fn row_fn;    /* streaming: where rows reaching the aggregate go */
    void *row_ud;          /* its argument */
    bool parse_hit;        /* the current record matched a `nodrop` parse since the last parse
                            * without nodrop: a later parse without nodrop keeps it (ex_parse_next) */
    int err;               /* an error stopped the run (2) */
    const uint32_t *inf;   /* the fields the query reads from its input (exec_run's list, borrowed) */
    uint32_t ninf;
    uint64_t *inf_hits;    /* per inf[k]: 1 once a record in scope carried it, else 0 (owned) */
    uint32_t inf_unmet;    /* the inf[k] no record in scope carried yet (0: records are not looked at) */
    struct cov *cov;       /* what this worker saw (coverage.h; exec_run's), NULL when not counted */
    const char *const *paths; /* the run's inputs (borrowed), for stages that read them again */
    int npaths;
    const in_opts_t *io;   /* how they are read (borrowed) */
    struct emit_lane *emit;/* streamed results: where rows go after the last stage (emit.h), else NULL */
};

/* Run stages i+1.. (up to x->end) on r: a row function's "go on". */
int ex_next(exec_t *x, uint32_t i, record_t *r);
/* A parse-family stage i matched r (or not): go on, keep or drop it by
 * nodrop and the chain rule (parse nodrop page). */
int ex_parse_next(exec_t *x, uint32_t i, const stage_t *s, record_t *r, bool matched);
/* The value a parse-family stage reads: its field= or _raw. */
value_t ex_src(const record_t *r, const stage_t *s);
/* Run every subquery of q (its children over the same inputs) and fill in
 * the conditions they compose; before q's own run. 0, or 2 with a message. */
int ex_subqueries(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo);
/* True when the inputs include stdin (no path and no in-memory input of
 * io, or "-"), which a second pass (time range, subqueries, compare)
 * cannot read again. io may be NULL. */
bool ex_reads_stdin(const char *const *paths, int npaths, const in_opts_t *io);
/* Run every stage of query q (its scope left aside) over the rows of in,
 * a table of x's query, read by field name into q's fields; the result,
 * in q's field ids, goes to out (initialised here; the caller frees it).
 * For join and filter, in the table phase. 0, or 2 with a message. */
int ex_run_on_table(exec_t *x, query_t *q, const table_t *in, table_t *out);
/* Intern a field name found at run time (json auto, kv): thread-safe. */
uint32_t ex_field(exec_t *x, pstr_t name);
/* ex_field for a name found in record r's data (json auto, kv auto): a
 * spelling met earlier in the input replaces a later one (ftab_meet), so
 * threads show the names -j1 shows. */
uint32_t ex_field_in(exec_t *x, pstr_t name, const record_t *r);

/* The parse, row and table functions of the stages, by the names
 * STAGE_KINDS gives them (row_none and tab_none where a stage has none:
 * the flags decide which one runs). A row function runs stage i on r and
 * goes on with ex_next (zero or more times); a table function runs
 * stage i on the whole table t, in place. Both return 0, or non-zero to
 * stop the run (x->err set on an error). */
/* ---- lookups and cloud-only operators (op_lookup.c, op_cloud.c) -------- */

/* Read the source after `from` (or save's table): path://"...", or the
 * bare text up to the next blank (https://host/t.csv,
 * geo://location, shared/table), which the tokenizer would split. *src
 * borrows the query; *sp is its span; *is_path: it was path://"...". */
bool lk_parse_source(parser_t *p, pstr_t *src, span_t *sp, bool *is_path);
/* Open what q's stages and lookupContains calls read (lookup tables, the
 * MaxMind databases), before any record, and refuse the stages only Sumo's
 * service runs. Returns one entry per stage (NULL for stages that read
 * nothing; the array is the caller's, freed with lk_close_all), or NULL
 * with a one-line reason in why (nothing left open). */
struct lktab **lk_open_all(query_t *q, const exec_opts_t *eo, char *why, size_t whylen);
/* Close what lk_open_all opened and free the array (NULL is a no-op). */
void lk_close_all(query_t *q, struct lktab **lk);
/* Why a stage of kind k only runs in Sumo's service (SF_CLOUD rows), or
 * NULL. Static text. */
const char *cloud_reason(uint8_t k);

#define X(kind, name, flags, ps, row, tab)                                  \
    bool ps(parser_t *p, stage_t *st);                                      \
    int row(exec_t *x, uint32_t i, const stage_t *s, record_t *r);          \
    int tab(exec_t *x, uint32_t i, const stage_t *s, table_t *t);
STAGE_KINDS(X)
#undef X

#endif
