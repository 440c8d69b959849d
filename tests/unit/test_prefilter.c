/* test_prefilter.c — the raw-byte prefilter must never drop a record the
 * full evaluation would keep: each case gives a query, a JSON line (and
 * the same record as a CSV row) and the answer expected from the raw
 * bytes; every "no" is also checked against the real evaluator.
 */
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "check.h"
#include "eval.h"
#include "prefilter.h"
#include "input.h"
#include "scan.h"


/* Does the full pipeline keep the record? Scope and where stages only. */
typedef struct keep_ud {
    query_t *q;
    eval_ctx_t *ev;
    int kept;
} keep_ud_t;

static int keep_cb(record_t *r, void *ud) {
    keep_ud_t *k = ud;
    bool ok = !k->q->scope || eval_cond(k->ev, k->q->scope, r);
    for (uint32_t i = 0; ok && i < k->q->nst && k->q->st[i].kind == ST_WHERE; i++) ok = eval_cond(k->ev, k->q->st[i].e, r);
    k->kept += ok;
    return 0;
}

static int full_keeps(query_t *q, const char *line, const char *category) {
    arena_t a = {0};
    eval_ctx_t ev;
    eval_init(&ev, &a, 0);
    keep_ud_t k = {q, &ev, 0};
    in_opts_t io = {.format = "jsonl", .category = category, .quiet = true};
    in_stats_t st = {0};
    q->ft.want_all = true;
    input_run_mem("t", line, strlen(line), 0, &io, &q->ft, keep_cb, &k, &st);
    eval_free(&ev);
    arena_free(&a);
    return k.kept;
}

static void jl(const char *query, const char *line, pf_ans_t want, const char *category) {
    query_t *q = check_parse(query);
    CHECK(q != NULL);
    if (!q) return;
    pf_t *p = pf_compile(q, category);
    pf_ans_t got = p ? pf_jsonl(p, line, strlen(line)) : PF_MAYBE;
    if (got != want) fprintf(stderr, "  query %s\n  line  %s\n  got %d want %d\n", query, line, got, want);
    CHECK(got == want);
    /* The same line read from a buffer (pf_jsonl_next), with every scan
     * kernel, and with the buffer ending at the newline or going on. */
    if (p) {
        static const char *const kern[] = {"avx512", "avx2", "sse2", "scalar"};
        size_t n = strlen(line);
        char *b = malloc(n + 80);
        memcpy(b, line, n);
        b[n] = '\n';
        memset(b + n + 1, 'x', 79);
        for (unsigned k = 0; k < 4; k++) {
            if (!scan_force(kern[k])) continue;
            for (size_t tail = 0; tail < 80; tail += 39) {
                size_t len = 0;
                pf_ans_t g2 = pf_jsonl_next(p, b, n + 1 + tail, &len);
                if (g2 != want || (g2 != PF_MAYBE && len != n + 1))
                    fprintf(stderr, "  next (%s): query %s line %s got %d want %d\n", kern[k], query, line, g2, want);
                CHECK(g2 == want && (g2 == PF_MAYBE || len == n + 1));
                /* pf_jsonl_drop: a "no" dropped, any other line's length
                 * told when its newline was found (never a wrong one) */
                size_t nx = 7;
                uint64_t dk = pf_jsonl_drop(p, b, n + 1 + tail, &len, &nx, NULL);
                if (want == PF_NO) CHECK(dk == 1 && len == n + 1 && nx == 0);
                else CHECK(dk == 0 && len == 0 && (nx == 0 || nx == n + 1));
            }
            size_t len = 0;
            CHECK(pf_jsonl_next(p, b, n, &len) == PF_MAYBE); /* no newline in the buffer: not answered */
        }
        scan_force("scalar");
        free(b);
    }
    /* Soundness: a "no" must agree with the evaluator, a "yes" too. */
    if (got != PF_MAYBE) {
        int kept = full_keeps(q, line, category);
        if (kept != (got == PF_YES)) fprintf(stderr, "  unsound: query %s line %s\n", query, line);
        CHECK(kept == (got == PF_YES));
    }
    pf_free(p);
    query_free(q);
}

static void csv(const char *query, const char *header, const char *row, pf_ans_t want) {
    query_t *q = check_parse(query);
    CHECK(q != NULL);
    if (!q) return;
    pf_t *p = pf_compile(q, NULL);
    CHECK(p != NULL);
    if (!p) { query_free(q); return; }
    /* Columns: position of each filter field's name in the header. */
    int col[32];
    for (uint32_t i = 0; i < pf_nfields(p); i++) {
        pstr_t name = ftab_name(&q->ft, pf_field(p, i));
        col[i] = -1;
        const char *h = header;
        for (int k = 0; *h; k++) {
            const char *e = strchr(h, ',');
            size_t n = e ? (size_t)(e - h) : strlen(h);
            if (pstr_ieq(pstr(h, n), name)) col[i] = k;
            h = e ? e + 1 : h + n;
        }
    }
    unsigned ncol = 1;
    for (const char *h = header; *h; h++) ncol += *h == ',';
    pf_ans_t got = pf_csv(p, col, ncol, row, strlen(row), NULL);
    if (got != want) fprintf(stderr, "  csv query %s row %s: got %d want %d\n", query, row, got, want);
    CHECK(got == want);
    pf_free(p);
    query_free(q);
}

/* What the engine sees in a record: whether the scope keeps it and which
 * of the fields ids[0..n) it carries (bit i). */
typedef struct view_ud {
    query_t *q;
    eval_ctx_t *ev;
    const uint32_t *ids;
    uint32_t n;
    int in_scope;
    unsigned have;
} view_ud_t;

static int view_cb(record_t *r, void *ud) {
    view_ud_t *v = ud;
    v->in_scope = !v->q->scope || eval_cond(v->ev, v->q->scope, r);
    for (uint32_t i = 0; i < v->n; i++)
        if (rec_get(r, v->ids[i]).t != V_NULL) v->have |= 1u << i;
    return 0;
}

/* pf_count on the rule's shape: a line the filters drop is dropped only
 * when the scope's answer and the presence of dest_port, process_name and
 * _sourceCategory are certain and it carries dest_port or process_name
 * (the key fields); the counts it adds must be what the engine sees when
 * it reads the line (view_cb). drop: whether the line is dropped. */
static void tally_case(const char *line, bool drop) {
    query_t *q = check_parse("_sourceCategory=*network* | where dest_port in (\"25\") | where !(process_name matches /mail/)");
    CHECK(q != NULL);
    if (!q) return;
    uint32_t ids[3] = {ftab_find(&q->ft, PSTR_LIT("dest_port")), ftab_find(&q->ft, PSTR_LIT("process_name")),
                       F_SOURCECATEGORY};
    pf_t *p = pf_compile(q, NULL);
    CHECK(p && pf_count(p, q, ids, 3, 2));
    if (!p) { query_free(q); return; }
    size_t n = strlen(line), len = 0;
    char *b = malloc(n + 1);
    memcpy(b, line, n);
    b[n] = '\n';
    in_tally_t t = {0};
    size_t nx = 0;
    uint64_t k = pf_jsonl_drop(p, b, n + 1, &len, &nx, &t);
    CHECK(k == 1 ? nx == 0 : nx == n + 1); /* the one line: dropped, or its length told */
    if ((k == 1) != drop) fprintf(stderr, "  tally: line %s: dropped %llu, want %d\n", line, (unsigned long long)k, drop);
    CHECK((k == 1) == drop);
    /* The engine's view of the same record. */
    arena_t a = {0};
    eval_ctx_t ev;
    eval_init(&ev, &a, 0);
    view_ud_t v = {q, &ev, ids, 3, 0, 0};
    in_opts_t io = {.format = "jsonl", .quiet = true};
    in_stats_t st = {0};
    q->ft.want_all = true;
    input_run_mem("t", line, n, 0, &io, &q->ft, view_cb, &v, &st);
    if (k == 1) {
        CHECK(t.in_scope == (uint64_t)v.in_scope);
        for (unsigned i = 0; i < 3; i++) {
            bool has = v.have >> i & 1;
            if (t.with[i] != has || t.with_in_scope[i] != (has && v.in_scope))
                fprintf(stderr, "  tally: line %s: field %u counted %llu, engine %d\n", line, i,
                        (unsigned long long)t.with[i], has);
            CHECK(t.with[i] == has && t.with_in_scope[i] == (has && v.in_scope));
        }
    } else {
        CHECK(t.in_scope == 0 && t.with[0] == 0 && t.with[1] == 0 && t.with[2] == 0);
    }
    eval_free(&ev);
    arena_free(&a);
    free(b);
    pf_free(p);
    query_free(q);
}

int main(void) {
    /* pf_count: what the dropped lines held. */
    tally_case("{\"_sourceCategory\":\"a/network\",\"dest_port\":\"443\",\"process_name\":\"C:\\\\a.exe\"}", true);
    tally_case("{\"_sourceCategory\":\"app/web\",\"dest_port\":\"443\"}", true);   /* out of scope */
    tally_case("{\"dest_port\":\"443\",\"process_name\":null}", true);                /* no category, a null */
    tally_case("{\"process_name\":\"/bin/x\",\"_sourceCategory\":\"b/network\"}", true); /* no dest_port */
    tally_case("{\"_sourceCategory\":\"a/network\",\"x\":1}", false);   /* no key field: the engine names it */
    tally_case("{\"x\":1}", false);
    tally_case("{\"_sourceCategory\":\"a/network\",\"dest_port\":\"25\"}", false); /* passes the filters */
    tally_case("{\"_sourceCategory\":\"a/netw\\u006frk\",\"dest_port\":\"443\"}", false); /* an escape: unsure */
    tally_case("{\"dest_port\":\"443\",\"baseImage\":\"x\"}", false); /* an alias of process_name */
    tally_case("{\"dest_port\":\"443\",\"process_name\":{\"a\":1}}", false); /* an object: unsure */
    tally_case("{\"dest_port\":\"443\",\"Process_Name\":\"x\"}", false); /* another spelling */
    tally_case("{\"dest_port\":\"443\",\"process_name\":\"x\",\"process_name\":null}", true); /* the last wins */

    const char *in = "| where dest_port in (\"25\",\"465\",\"587\")";
    jl(in, "{\"dest_port\":\"25\",\"x\":1}", PF_YES, NULL);
    jl(in, "{\"dest_port\":\"443\",\"x\":1}", PF_NO, NULL);
    jl(in, "{\"dest_port\":25}", PF_YES, NULL);        /* a JSON number keeps its text */
    jl(in, "{\"dest_port\":\"25.0\"}", PF_NO, NULL);   /* string compare, no cast */
    jl(in, "{\"dest_port\":null}", PF_NO, NULL);
    jl(in, "{\"x\":\"a\"}", PF_NO, NULL);              /* absent: null never matches */
    jl(in, "{\"DEST_PORT\":\"25\"}", PF_MAYBE, NULL);  /* another spelling: ask the parser */
    jl(in, "{\"dest_port\":\"443\",\"DEST_PORT\":\"25\"}", PF_MAYBE, NULL); /* two spellings, the last wins */
    jl(in, "{\"Dest_Port\":\"25\",\"dest_port\":\"443\"}", PF_MAYBE, NULL);
    jl(in, "{\"x\":\"\\\"DEST_PORT\\\":1\",\"dest_port\":\"443\"}", PF_NO, NULL); /* other spelling only inside a value */
    jl(in, "{\"dest_port\":\"2\\u0035\"}", PF_MAYBE, NULL); /* escapes */
    jl(in, "{\"note\":\"\\\"dest_port\\\":\\\"25\\\"\",\"dest_port\":\"443\"}", PF_NO, NULL); /* key text inside a value */
    jl(in, "{\"dest_port\":\"25\",\"dest_port\":\"443\"}", PF_NO, NULL); /* the last duplicate wins */
    jl(in, "{ \"dest_port\" : \"587\" }", PF_YES, NULL);
    jl(in, "{\"dest_port\":{\"a\":1}}", PF_MAYBE, NULL);
    jl(in, "{\"dest_\\u0070ort\":\"25\"}", PF_MAYBE, NULL);
    /* The value's end (a quote) or an escape at every byte of the words
     * the value is read in: "25" only when nothing follows it. */
    for (unsigned k = 0; k < 20; k++) {
        char line[96];
        snprintf(line, sizeof line, "{\"dest_port\":\"%.*s25\"}", (int)k, "00000000000000000000");
        jl(in, line, k ? PF_NO : PF_YES, NULL);
        snprintf(line, sizeof line, "{\"dest_port\":\"25%.*s\\\"\"}", (int)k, "xxxxxxxxxxxxxxxxxxxx");
        jl(in, line, PF_MAYBE, NULL);
        snprintf(line, sizeof line, "{\"dest_port\":\"%.*s\\\\25\"}", (int)k, "xxxxxxxxxxxxxxxxxxxx");
        jl(in, line, PF_MAYBE, NULL);
    }
    /* A key of an inner object is not the record's field. */
    jl(in, "{\"dest_port\":\"25\",\"a\":{\"dest_port\":\"443\"}}", PF_YES, NULL);
    jl(in, "{\"a\":{\"dest_port\":\"25\"},\"dest_port\":\"443\"}", PF_NO, NULL);
    jl(in, "{\"a\":[{\"dest_port\":\"25\"}]}", PF_NO, NULL); /* only an inner key: the field is absent */
    jl(in, "{\"a\":\"{[\",\"dest_port\":\"25\"}", PF_YES, NULL);
    /* A key spelled with \u escapes is the field too, even after a plain one. */
    jl(in, "{\"dest_port\":\"443\",\"dest\\u005fport\":\"25\"}", PF_MAYBE, NULL);
    jl(in, "{\"dest_port\":\"443\",\"dst\\u0050ort\":\"25\"}", PF_MAYBE, NULL);
    jl(in, "{\"p\":\"C:\\\\users\",\"dest_port\":\"443\"}", PF_NO, NULL); /* an escaped backslash, then u */
    /* An alias key (dstPort) fills dest_port in the reader: never "no". */
    jl(in, "{\"dstPort\":\"25\"}", PF_MAYBE, NULL);
    jl(in, "{\"dest_port\":\"443\",\"DSTPORT\":25}", PF_MAYBE, NULL);
    jl(in, "{\"dest_port\":\"443\",\"dstPortX\":25}", PF_NO, NULL); /* no alias, just alike */
    /* Keys at every position of the vector blocks, after plain text or
     * after escaped backslashes (pairs, so the string stays closed). */
    {
        char line[400], pad[200];
        for (int n = 0; n < 150; n += 7) {
            for (int i = 0; i < n; i++) pad[i] = (char)('a' + i % 26);
            snprintf(line, sizeof line, "{\"pad\":\"%.*s\",\"dest_port\":\"443\",\"z\":[%d]}", n, pad, n);
            jl(in, line, PF_NO, NULL);
            for (int i = 0; i < n; i++) pad[i] = '\\';
            snprintf(line, sizeof line, "{\"pad\":\"%.*s\",\"dest_port\":\"587\"}", n & ~1, pad);
            jl(in, line, PF_YES, NULL);
        }
    }

    const char *scope = "(_sourceCategory=*network* OR _sourceCategory=*firewall*) | where dest_port in (\"25\")";
    jl(scope, "{\"_sourceCategory\":\"prod/Network/edr\",\"dest_port\":\"25\"}", PF_YES, NULL);
    jl(scope, "{\"_sourceCategory\":\"prod/endpoint\",\"dest_port\":\"25\"}", PF_NO, NULL);
    jl(scope, "{\"dest_port\":\"25\"}", PF_NO, NULL);
    jl(scope, "{\"dest_port\":\"25\"}", PF_YES, "corp/firewall/x"); /* --category fills it */
    jl(scope, "{\"dest_port\":\"25\"}", PF_NO, "corp/web");
    jl(scope, "{\"_sourceCategory\":\"prod/endpoint\",\"dest_port\":\"25\"}", PF_NO, "corp/firewall/x");

    jl("| where !(process_name matches \"(?i)(outlook)\")", "{\"process_name\":\"OUTLOOK.EXE\"}", PF_YES, NULL);
    jl("| where !(process_name matches \"*OUTLOOK*\")", "{\"process_name\":\"C:\\\\x\\\\OUTLOOK.EXE\"}", PF_MAYBE, NULL);
    jl("| where !(process_name matches \"*OUTLOOK*\")", "{\"process_name\":\"/usr/bin/OUTLOOK\"}", PF_NO, NULL);
    jl("| where !(process_name matches \"*OUTLOOK*\")", "{\"process_name\":null}", PF_YES, NULL);
    jl("| where process_name matches /outlook/", "{\"process_name\":\"x\"}", PF_MAYBE, NULL); /* regex: later */
    jl("| where bytes = 25", "{\"bytes\":\"25.0\"}", PF_YES, NULL);
    jl("| where bytes = 25", "{\"bytes\":\"x\"}", PF_NO, NULL);
    jl("| where a = \"x\" or b = \"y\"", "{\"a\":\"z\",\"b\":\"y\"}", PF_YES, NULL);
    jl("| where a = \"x\" or b = \"y\"", "{\"a\":\"z\",\"b\":\"z\"}", PF_NO, NULL);
    jl("| where a = \"x\" and c > 3", "{\"a\":\"z\",\"c\":9}", PF_NO, NULL);
    jl("| where a = \"x\" and c > 3", "{\"a\":\"x\",\"c\":9}", PF_MAYBE, NULL);
    /* A NOT over an AND with an untestable side must not turn "yes" into "no". */
    jl("| where !(a = \"x\" and c > 3)", "{\"a\":\"x\",\"c\":1}", PF_MAYBE, NULL);
    /* A field assigned before the where is not the input's. */
    jl("| \"25\" as dest_port | where dest_port in (\"25\")", "{\"dest_port\":\"443\"}", PF_MAYBE, NULL);
    /* A where after a limit must not be pushed below it. */
    jl("| limit 1 | where a = \"x\"", "{\"a\":\"y\"}", PF_MAYBE, NULL);
    jl("error", "{\"msg\":\"an error here\"}", PF_YES, NULL);
    jl("error", "{\"msg\":\"errors here\"}", PF_NO, NULL);
    jl("error", "{\"_raw\":\"error\"}", PF_MAYBE, NULL); /* its own _raw */

    csv(in, "ts,dest_port,x", "1,25,a", PF_YES);
    csv(in, "ts,dest_port,x", "1,443,a", PF_NO);
    csv(in, "ts,dest_port,x", "1,\"25\",a", PF_MAYBE); /* quoted cells: the reader decides */
    csv(in, "ts,dest_port,x", "1,25", PF_MAYBE);      /* wrong width: the reader rejects */
    csv(in, "ts,x", "1,a", PF_NO);                    /* no such column */
    csv(in, "ts,dest_port", "1,25\r", PF_YES);
    {
        /* A column past the 256 whose commas are stored: left to the reader. */
        char hdr[4096] = "", row[4096] = "";
        for (int i = 0; i < 300; i++) {
            char h[16];
            snprintf(h, sizeof h, "%sc%d", i ? "," : "", i);
            strcat(hdr, i == 256 ? (i ? ",dest_port" : "dest_port") : h);
            strcat(row, i == 256 ? ",25" : i ? ",443" : "443"); /* the old code read "25,443,..." */
        }
        csv(in, hdr, row, PF_MAYBE);
    }

    /* Nothing to push down: no prefilter at all. */
    query_t *q = check_parse("| count by a");
    CHECK(q && pf_compile(q, NULL) == NULL);
    query_free(q);
    return CHECK_DONE("test_prefilter");
}
