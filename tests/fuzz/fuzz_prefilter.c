/* fuzz_prefilter.c — libFuzzer target for the raw-byte prefilter
 * (prefilter.c): the first byte picks one of a set of queries, the rest is
 * one JSON line (and, second, the same bytes as a CSV row under a fixed
 * header). Whenever the prefilter answers yes or no, the full evaluation
 * of the parsed record must agree; a disagreement aborts. Soundness, not
 * just absence of crashes, is what this target checks. With counting on
 * (pf_count, as detect uses it), a line dropped must also be counted as
 * the engine sees the parsed record: in scope or not, and which fields it
 * carries. With a time range (pf_compile_range), a line answered PF_OUT
 * must parse to a record whose _messageTime lies outside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "eval.h"
#include "prefilter.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const queries[] = {
    "| where dest_port in (\"25\",\"587\")",
    "_sourceCategory=*network* OR _sourceCategory=*fire* | where dest_port = 25",
    "| where !(process_name matches \"*chrome*\") and a = \"x\"",
    "| where !(a = \"x\" or b in (\"y\", \"\"))",
    "error | where a matches \"x*y\"",
    "| where !(a = \"1\" and c > 2)",
};
#define NQ (sizeof queries / sizeof queries[0])

/* The fields counted with pf_count (the first NKEY are the key ones). */
static const char *const counted[] = {"dest_port", "process_name", "a", "_sourceCategory"};
#define NCOUNT 4
#define NKEY 3

typedef struct ud {
    query_t *q;
    eval_ctx_t *ev;
    int n, kept;
    int scoped;           /* the scope kept the record */
    unsigned have;        /* bit i: it carries counted[i] */
    bool timed;           /* the record has a _messageTime ... */
    double t;             /* ... t */
} ud_t;

static int cb(record_t *r, void *p) {
    ud_t *u = p;
    bool ok = !u->q->scope || eval_cond(u->ev, u->q->scope, r);
    u->scoped = ok;
    u->timed = val_to_num(rec_get(r, F_MESSAGETIME), &u->t);
    for (uint32_t i = 0; i < NCOUNT; i++)
        if (rec_get(r, ftab_find(&u->q->ft, pstr_c(counted[i]))).t != V_NULL) u->have |= 1u << i;
    for (uint32_t i = 0; ok && i < u->q->nst && u->q->st[i].kind == ST_WHERE; i++) ok = eval_cond(u->ev, u->q->st[i].e, r);
    u->n++;
    u->kept += ok;
    return 0;
}

/* Parse text as one record of format fmt; the number of records read
 * (must be 1 to compare), whether the pipeline kept it, and what the
 * counts see in it. */
static int full(query_t *q, const char *fmt, const char *text, size_t n, int *kept, ud_t *view) {
    arena_t a = {0};
    eval_ctx_t ev;
    eval_init(&ev, &a, 0);
    ud_t u = {q, &ev, 0, 0, 0, 0, false, 0};
    in_opts_t io = {.format = fmt, .quiet = true};
    in_stats_t st = {0};
    input_run_mem("f", text, n, 0, &io, &q->ft, cb, &u, &st);
    eval_free(&ev);
    arena_free(&a);
    *kept = u.kept;
    if (view) *view = u;
    return u.n;
}

/* A line the counting prefilter dropped (t its counts) must be counted as
 * the engine sees it. */
static void check_tally(query_t *q, const char *fmt, const char *text, size_t n, const in_tally_t *t, const char *qt) {
    int kept;
    ud_t v;
    if (full(q, fmt, text, n, &kept, &v) != 1) return;
    bool bad = kept || t->in_scope != (uint64_t)v.scoped;
    for (unsigned i = 0; i < NCOUNT; i++) {
        bool has = v.have >> i & 1;
        bad |= t->with[i] != has || t->with_in_scope[i] != (has && v.scoped);
    }
    if (bad) {
        fprintf(stderr, "prefilter counts wrong on %s: query %s scope %d have %x\n", fmt, qt, v.scoped, v.have);
        abort();
    }
}

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *qt = queries[data[0] % NQ];
    const char *line = (const char *)data + 1;
    size_t n = size - 1;
    if (memchr(line, '\n', n)) return 0; /* one record only */
    diag_t d;
    diag_init(&d, "q", qt, strlen(qt));
    query_t *q = query_parse(qt, strlen(qt), &d);
    diag_free(&d);
    if (!q) abort();
    q->ft.want_all = true;
    pf_t *p = pf_compile(q, NULL);
    if (p) {
        int kept;
        pf_ans_t a = pf_jsonl(p, line, n);
        if (a != PF_MAYBE && full(q, "jsonl", line, n, &kept, NULL) == 1 && kept != (a == PF_YES)) {
            fprintf(stderr, "prefilter unsound on JSON line: query %s answer %d kept %d\n", qt, a, kept);
            abort();
        }
        /* The same bytes as a CSV row under the header a,b,c,dest_port,process_name,_sourceCategory. */
        static const char hdr[] = "a,b,c,dest_port,process_name,_sourceCategory\n";
        char *csv = malloc(sizeof hdr + n);
        memcpy(csv, hdr, sizeof hdr - 1);
        memcpy(csv + sizeof hdr - 1, line, n);
        int col[32];
        for (uint32_t i = 0; i < pf_nfields(p); i++) {
            pstr_t name = ftab_name(&q->ft, pf_field(p, i));
            static const char *const cols[] = {"a", "b", "c", "dest_port", "process_name", "_sourceCategory"};
            col[i] = -1;
            for (int k = 0; k < 6; k++)
                if (pstr_ieq_c(name, cols[k])) col[i] = k;
        }
        a = pf_csv(p, col, 6, line, n, NULL);
        if (a != PF_MAYBE && full(q, "csv", csv, sizeof hdr - 1 + n, &kept, NULL) == 1 && kept != (a == PF_YES)) {
            fprintf(stderr, "prefilter unsound on CSV row: query %s answer %d kept %d\n", qt, a, kept);
            abort();
        }
        /* Counting: a dropped line's counts are the engine's view of it. */
        uint32_t ids[NCOUNT];
        for (unsigned i = 0; i < NCOUNT; i++) ids[i] = ftab_intern(&q->ft, pstr_c(counted[i]));
        pf_t *pc = pf_compile(q, NULL);
        if (pc && pf_count(pc, q, ids, NCOUNT, NKEY)) {
            char *jl = malloc(n + 1);
            memcpy(jl, line, n);
            jl[n] = '\n';
            size_t len;
            in_tally_t t = {0};
            size_t nx;
            if (pf_jsonl_drop(pc, jl, n + 1, &len, &nx, &t) == 1) check_tally(q, "jsonl", line, n, &t, qt);
            free(jl);
            for (uint32_t i = 0; i < pf_nfields(pc) && i < 32; i++) {
                pstr_t name = ftab_name(&q->ft, pf_field(pc, i));
                static const char *const cols[] = {"a", "b", "c", "dest_port", "process_name", "_sourceCategory"};
                col[i] = -1;
                for (int k = 0; k < 6; k++)
                    if (pstr_ieq_c(name, cols[k])) col[i] = k;
            }
            memset(&t, 0, sizeof t);
            if (pf_csv(pc, col, 6, line, n, &t) == PF_NO) check_tally(q, "csv", csv, sizeof hdr - 1 + n, &t, qt);
        }
        pf_free(pc);
        free(csv);
    }
    pf_free(p);
    /* The time range: PF_OUT only for a record certainly outside it. */
    static const pf_range_t range = {true, true, 1717416001000, 1717416002000};
    pf_t *pr = pf_compile_range(q, NULL, &range);
    if (pr) {
        int kept;
        ud_t v;
        pf_ans_t a = pf_jsonl(pr, line, n);
        if (a != PF_MAYBE && full(q, "jsonl", line, n, &kept, &v) == 1) {
            bool out = v.timed && (v.t < (double)range.from_ms || v.t >= (double)range.to_ms);
            if (a == PF_OUT ? !out : kept != (a == PF_YES)) {
                fprintf(stderr, "prefilter unsound on JSON line with a range: query %s answer %d kept %d time %d %.0f\n",
                        qt, a, kept, v.timed, v.t);
                abort();
            }
        }
    }
    pf_free(pr);
    query_free(q);
    return 0;
}
