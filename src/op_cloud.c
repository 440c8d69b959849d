/* op_cloud.c — operators only Sumo's service can run: save, infer,
 * benchmark, logexplain, logreduce values.
 *
 * Their rows in STAGE_KINDS carry SF_CLOUD. postern parses them with their
 * documented syntax, so a query that uses them lints and dumps; lint warns
 * that they will not run offline, and lk_open_all (op_lookup.c) refuses
 * the run before any record with cloud_reason's words. One mechanism for
 * all of them: a new cloud-only operator is a row and a reason here.
 */
#include "op.h"

/* Why each SF_CLOUD stage runs only in Sumo's service. */
static const struct cloud_op {
    uint8_t kind;       /* stage_kind_t */
    const char *reason; /* one clause, for "stage N, <op>: <reason>" */
} cloud_ops[] = {
    {ST_SAVE, "it writes the results into a lookup table of Sumo's library (save page)"},
    {ST_INFER, "it runs a Global Intelligence model that Sumo hosts"},
    {ST_BENCHMARK, "it compares with Sumo's Global Intelligence benchmarks of other customers"},
    {ST_LOGEXPLAIN, "it is a Behavior Insights analysis that Sumo's service runs (logexplain page)"},
    {ST_LOGREDUCE_VALUES, "it clusters the values with Sumo's histogram model, which the logreduce values page does "
                          "not describe (`count by` the keys gives the exact combinations)"},
    {ST_LOGREDUCE_OPTIMIZE, "it groups the messages by the signatures Sumo stored from earlier logreduce runs "
                            "(logreduce page); drop `optimize` to make them at run time"},
};

/* See op.h. */
const char *cloud_reason(uint8_t k) {
    if (k >= ST__COUNT || !(stage_info[k].flags & SF_CLOUD)) return NULL;
    for (size_t i = 0; i < sizeof cloud_ops / sizeof *cloud_ops; i++)
        if (cloud_ops[i].kind == k) return cloud_ops[i].reason;
    return "only Sumo's service runs it";
}

/* See op.h (STAGE_KINDS). `save [append] path://"<table>"` (save page),
 * and the classic `save [append] <saved path>`. */
bool stage_save(parser_t *p, stage_t *st) {
    st->kind = ST_SAVE;
    ps_advance(p);
    if (ps_is_kw(&p->t, "append")) ps_advance(p);
    pstr_t src;
    span_t sp;
    bool is_path;
    if (!lk_parse_source(p, &src, &sp, &is_path)) return false;
    if (src.n == 0) {
        ps_error(p, sp, "empty lookup table path");
        return false;
    }
    st->lookup_path = src;
    return true;
}

/* `name=value` options, at least one (infer model=benchmark category=k8s). */
static bool parse_options(parser_t *p, const char *example) {
    bool any = false;
    while (p->t.kind == T_IDENT && ps_peek(p).kind == T_EQ) {
        ps_advance(p);
        ps_advance(p);
        if (p->t.kind != T_IDENT && p->t.kind != T_STR && p->t.kind != T_NUM) {
            ps_unexpected(p, "an option value");
            return false;
        }
        ps_advance(p);
        any = true;
    }
    if (!any) {
        uint32_t i = ps_unexpected(p, "name=value options");
        diag_hint(p->d, i, "e.g. %s", example);
        return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). `infer model=<name> [name=value ...]`, as Sumo's
 * Global Intelligence apps write it. */
bool stage_infer(parser_t *p, stage_t *st) {
    st->kind = ST_INFER;
    ps_advance(p);
    return parse_options(p, "infer model=benchmark category=k8sdevops");
}

/* See op.h (STAGE_KINDS). `benchmark name=value ...`. */
bool stage_benchmark(parser_t *p, stage_t *st) {
    st->kind = ST_BENCHMARK;
    ps_advance(p);
    return parse_options(p, "benchmark category=k8sdevops");
}

/* See op.h (STAGE_KINDS). `logexplain <event_condition> [against
 * <against_condition>] on <field>[, <field> ...]` (logexplain page). */
bool stage_logexplain(parser_t *p, stage_t *st) {
    st->kind = ST_LOGEXPLAIN;
    ps_advance(p);
    if (!ps_expr(p)) return false;
    if (ps_is_kw(&p->t, "against")) {
        ps_advance(p);
        if (!ps_expr(p)) return false;
    }
    if (!ps_expect_kw(p, "on", "'on' and the fields to explain, e.g. on _sourceHost")) return false;
    return ps_field_list(p, false, &st->flds, &st->flds_sp, &st->nflds);
}

/* See op.h (STAGE_KINDS). Never reached: lk_open_all refuses the run. */
int row_cloud(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    (void)i;
    (void)s;
    (void)r;
    x->err = 2;
    return 2;
}
