/* fuzz_prefilter.c — libFuzzer target for the raw-byte prefilter
 * (prefilter.c): the first byte picks one of a set of queries, the rest is
 * one JSON line (and, second, the same bytes as a CSV row under a fixed
 * header). Whenever the prefilter answers yes or no, the full evaluation
 * of the parsed record must agree; a disagreement aborts. Soundness, not
 * just absence of crashes, is what this target checks.
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

typedef struct ud {
    query_t *q;
    eval_ctx_t *ev;
    int n, kept;
} ud_t;

static int cb(record_t *r, void *p) {
    ud_t *u = p;
    bool ok = !u->q->scope || eval_cond(u->ev, u->q->scope, r);
    for (uint32_t i = 0; ok && i < u->q->nst && u->q->st[i].kind == ST_WHERE; i++) ok = eval_cond(u->ev, u->q->st[i].e, r);
    u->n++;
    u->kept += ok;
    return 0;
}

/* Parse text as one record of format fmt; the number of records read
 * (must be 1 to compare) and whether the pipeline kept it. */
static int full(query_t *q, const char *fmt, const char *text, size_t n, int *kept) {
    arena_t a = {0};
    eval_ctx_t ev;
    eval_init(&ev, &a, 0);
    ud_t u = {q, &ev, 0, 0};
    in_opts_t io = {.format = fmt, .quiet = true};
    in_stats_t st = {0};
    input_run_mem("f", text, n, 0, &io, &q->ft, cb, &u, &st);
    eval_free(&ev);
    arena_free(&a);
    *kept = u.kept;
    return u.n;
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
        if (a != PF_MAYBE && full(q, "jsonl", line, n, &kept) == 1 && kept != (a == PF_YES)) {
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
        if (a != PF_MAYBE && full(q, "csv", csv, sizeof hdr - 1 + n, &kept) == 1 && kept != (a == PF_YES)) {
            fprintf(stderr, "prefilter unsound on CSV row: query %s answer %d kept %d\n", qt, a, kept);
            abort();
        }
        free(csv);
    }
    pf_free(p);
    query_free(q);
    return 0;
}
