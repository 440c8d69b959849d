/* coverage.c — what a rule saw, and the words detect says about it (see
 * coverage.h).
 *
 * Sits beside the engine: exec.c and stream.c call cov_record for each
 * record they parse, the prefilter counts the lines it drops (prefilter.c,
 * pf_count), and main.c (detect), stream.c (--follow, watch) print the
 * summary with cov_report. The fields counted are inferred from the query
 * once (cov_plan), with the same walk the query command uses to say which
 * fields no record carried.
 */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "op.h"
#include "schema.h"
#include "tty.h"

/* ---- the fields a query reads from its input ---------------------------- */

/* Add field id to ids[0..*n) (at most max) when it comes from the input:
 * no built-in, nothing a stage of the query creates. */
static void inf_add(const query_t *q, uint32_t id, uint32_t *ids, uint32_t *n, uint32_t max) {
    if (id == FIELD_NONE || id < F_NBUILTIN || id >= q->ft.n || q->ft.e[id].assigned || *n >= max) return;
    for (uint32_t k = 0; k < *n; k++)
        if (ids[k] == id) return;
    ids[(*n)++] = id;
}

static void inf_expr(const query_t *q, const expr_t *e, uint32_t *ids, uint32_t *n, uint32_t max) {
    if (!e || e->kind == EX_SUBQUERY) return; /* a subquery's composed fields are the parent's args */
    if (e->kind == EX_FIELD || e->kind == EX_FIELDWILD) inf_add(q, e->field, ids, n, max);
    inf_expr(q, e->a, ids, n, max);
    inf_expr(q, e->b, ids, n, max);
    inf_expr(q, e->c, ids, n, max);
    for (uint32_t i = 0; i < e->nargs; i++) inf_expr(q, e->args[i], ids, n, max);
}

/* See coverage.h. */
uint32_t cov_input_fields(const query_t *q, uint32_t *ids, uint32_t max, cov_upto_t upto) {
    uint32_t n = 0;
    inf_expr(q, q->scope, ids, &n, max);
    for (uint32_t i = 0; i < q->nst; i++) {
        const stage_t *s = &q->st[i];
        bool blocking = (stage_info[s->kind].flags & SF_BLOCKING) != 0;
        if (blocking && upto == COV_FILTERS) break;
        inf_expr(q, s->e, ids, &n, max);
        if (s->src_given) inf_add(q, s->src, ids, &n, max);
        for (uint32_t k = 0; k < s->non; k++) inf_add(q, s->on_field[k], ids, &n, max);
        if (stage_info[s->kind].flags & SF_GROUP) {
            for (uint32_t k = 0; k < s->nby; k++) inf_add(q, s->by[k], ids, &n, max);
            for (uint32_t k = 0; k < s->naggs; k++)
                if (!s->aggs[k].one_if_missing) inf_add(q, s->aggs[k].field, ids, &n, max);
            if (s->kind == ST_TOP) inf_add(q, s->topfield, ids, &n, max);
        }
        if (blocking) break;
    }
    return n;
}

/* ---- the plan ------------------------------------------------------------ */

static bool is_field(const expr_t *e, uint32_t f) { return e && e->kind == EX_FIELD && e->field == f; }

/* Is condition e false for every record where field f is null? Every
 * comparison with null is false (docs/semantics.md §3), `in` and `not in`
 * alike; a `!` or a function may turn that around, so they answer no. */
static bool rejects_null(const expr_t *e, uint32_t f) {
    if (!e) return false;
    switch (e->kind) {
    case EX_AND: return rejects_null(e->a, f) || rejects_null(e->b, f);
    case EX_OR: return rejects_null(e->a, f) && rejects_null(e->b, f);
    case EX_IN: return is_field(e->a, f);
    case EX_MATCHES: return !e->neg && is_field(e->a, f);
    case EX_CONTAINS:
    case EX_EQ: case EX_NE: case EX_LT: case EX_GT: case EX_LE: case EX_GE:
        return is_field(e->a, f) || is_field(e->b, f);
    default: return false;
    }
}

/* Does e read field f anywhere? */
static bool reads(const expr_t *e, uint32_t f) {
    if (!e) return false;
    if ((e->kind == EX_FIELD || e->kind == EX_FIELDWILD) && e->field == f) return true;
    if (reads(e->a, f) || reads(e->b, f) || reads(e->c, f)) return true;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (reads(e->args[i], f)) return true;
    return false;
}

/* See coverage.h. */
void cov_init(cov_t *c, const query_t *q) {
    memset(c, 0, sizeof *c);
    cov_plan_t *p = &c->plan;
    uint32_t ids[COV_MAXFIELDS + 1];
    uint32_t n = cov_input_fields(q, ids, COV_MAXFIELDS + 1, COV_FILTERS);
    p->partial = n > COV_MAXFIELDS;
    p->n = p->partial ? COV_MAXFIELDS : n;
    memcpy(p->ids, ids, p->n * sizeof *ids);
    for (uint32_t i = 0; i < q->nst && !(stage_info[q->st[i].kind].flags & SF_BLOCKING); i++)
        if (q->st[i].kind == ST_WHERE)
            for (uint32_t k = 0; k < p->n; k++) p->required[k] |= rejects_null(q->st[i].e, p->ids[k]);
    p->scope_category = reads(q->scope, F_SOURCECATEGORY);
}

/* ---- counting ------------------------------------------------------------ */

/* Keep a _sourceCategory value of a record out of scope, for the
 * warning's examples (the first COV_NCATS distinct ones). */
static void keep_category(cov_t *c, value_t v) {
    if (v.t != V_STR || c->ncats >= COV_NCATS) return;
    pstr_t s = val_pstr(v);
    if (s.n >= sizeof c->cats[0]) s.n = sizeof c->cats[0] - 1;
    for (uint32_t i = 0; i < c->ncats; i++)
        if (strlen(c->cats[i]) == s.n && memcmp(c->cats[i], s.p, s.n) == 0) return;
    memcpy(c->cats[c->ncats], s.p, s.n);
    c->cats[c->ncats++][s.n] = 0;
}

/* The entry of input number input called name, added when new. */
static cov_file_t *file_of(cov_t *c, uint64_t input, const char *name) {
    for (uint32_t i = c->nfiles; i-- > 0;)
        if (c->files[i].input == input && strcmp(c->files[i].name, name) == 0) {
            c->cur = i;
            return &c->files[i];
        }
    if (c->nfiles == c->capfiles) {
        c->capfiles = c->capfiles ? 2 * c->capfiles : 8;
        c->files = xrealloc(c->files, c->capfiles * sizeof *c->files);
    }
    c->cur = c->nfiles++;
    c->files[c->cur] = (cov_file_t){.name = xstrndup(name, strlen(name)), .input = input};
    return &c->files[c->cur];
}

/* See coverage.h. */
void cov_record(cov_t *c, const record_t *r, bool in_scope, bool in_range) {
    const cov_plan_t *p = &c->plan;
    c->parsed++;
    bool any = false;
    for (uint32_t k = 0; k < p->n; k++) {
        bool has = rec_get(r, p->ids[k]).t != V_NULL;
        any |= has;
        c->any_with[k] += has;
        if (in_scope) c->with[k] += has;
    }
    value_t cat = rec_get(r, F_SOURCECATEGORY);
    if (cat.t != V_NULL) {
        c->with_category++;
        if (!in_scope) keep_category(c, cat);
    }
    if (in_scope) {
        c->in_scope++;
        c->scoped_parsed++;
        c->in_range += in_range;
    }
    if (!p->n) return;
    /* A record's input number is the high bits of its seq (input.h). */
    uint64_t input = r->seq >> 44;
    const char *name = r->file ? r->file : "-";
    cov_file_t *f = c->nfiles && c->files[c->cur].input == input ? &c->files[c->cur] : file_of(c, input, name);
    f->records++;
    f->unmapped += !any;
}

/* See coverage.h. */
uint32_t cov_tally_ids(const cov_t *c, uint32_t *ids) {
    memcpy(ids, c->plan.ids, c->plan.n * sizeof *ids);
    ids[c->plan.n] = F_SOURCECATEGORY;
    return c->plan.n + 1;
}

/* See coverage.h. */
void cov_add_tally(cov_t *c, const in_tally_t *t) {
    uint32_t n = c->plan.n;
    c->in_scope += t->in_scope;
    /* (lines in scope dropped as outside --from/--to: the engine would have seen them) */
    c->scoped_parsed += t->range_in_scope;
    for (uint32_t k = 0; k < n; k++) {
        c->with[k] += t->with_in_scope[k];
        c->any_with[k] += t->with[k];
    }
    c->with_category += t->with[n];
}

/* See coverage.h. */
void cov_merge(cov_t *dst, cov_t *src) {
    dst->parsed += src->parsed;
    dst->in_scope += src->in_scope;
    for (uint32_t k = 0; k < dst->plan.n; k++) {
        dst->with[k] += src->with[k];
        dst->any_with[k] += src->any_with[k];
    }
    dst->with_category += src->with_category;
    dst->scoped_parsed += src->scoped_parsed;
    dst->in_range += src->in_range;
    for (uint32_t i = 0; i < src->ncats; i++) keep_category(dst, val_strv(pstr_c(src->cats[i])));
    for (uint32_t i = 0; i < src->nfiles; i++) {
        cov_file_t *s = &src->files[i];
        cov_file_t *d = file_of(dst, s->input, s->name);
        d->records += s->records;
        d->unmapped += s->unmapped;
        free(s->name);
    }
    free(src->files);
    src->files = NULL;
    src->nfiles = src->capfiles = src->cur = 0;
}

/* See coverage.h. */
void cov_free(cov_t *c) {
    for (uint32_t i = 0; i < c->nfiles; i++) free(c->files[i].name);
    free(c->files);
    memset(c, 0, sizeof *c);
}

/* ---- what is said -------------------------------------------------------- */

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

/* Append names of the plan fields whose bit is in mask, "a", "a or b",
 * "a, b or c" (word: "or", "and"). */
static void put_names(buf_t *b, const ftab_t *ft, const cov_plan_t *p, uint32_t mask, const char *word) {
    uint32_t total = 0, done = 0;
    for (uint32_t k = 0; k < p->n; k++) total += mask >> k & 1;
    for (uint32_t k = 0; k < p->n; k++) {
        if (!(mask >> k & 1)) continue;
        if (done && done + 1 == total) buf_printf(b, " %s ", word);
        else if (done) buf_puts(b, ", ");
        pstr_t nm = ftab_name(ft, p->ids[k]);
        buf_put(b, nm.p, nm.n);
        done++;
    }
}

/* Append the query's scope as written, blanks squeezed, cut at 120 bytes. */
static void put_scope(buf_t *b, const query_t *q) {
    if (!q->scope) {
        buf_puts(b, "*");
        return;
    }
    span_t sp = q->scope->sp;
    size_t start = b->n;
    bool blank = false;
    for (uint32_t i = sp.off; i < sp.off + sp.len && i < q->len; i++) {
        char ch = q->text[i];
        bool ws = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
        if (ws) {
            blank = b->n > start;
            continue;
        }
        if (blank) buf_putc(b, ' ');
        blank = false;
        if (b->n - start >= 120) {
            buf_puts(b, "...");
            return;
        }
        buf_putc(b, ch);
    }
}

/* Append the Cloud SIEM names a JSON or CSV key may use for schema field
 * name (" (or dstPort)"), if any. */
static void put_aliases(buf_t *b, pstr_t name) {
    unsigned f;
    const char *al;
    bool any = false;
    for (unsigned k = 0; (al = schema_alias_at(k, &f)) != NULL; k++) {
        if (!pstr_ieq_c(name, schema_name(f))) continue;
        buf_puts(b, any ? ", " : " (or ");
        buf_puts(b, al);
        any = true;
    }
    if (any) buf_putc(b, ')');
}

/* Print one warning (an error under strict) for rule r: "postern:
 * warning: rule ID TEXT". */
static void say(const cov_report_t *r, FILE *f, const buf_t *text) {
    fprintf(f, "postern: %s: rule %s %s\n", r->strict ? "error" : "warning", r->rule, text->p ? text->p : "");
}

/* Order of file entries: input number. */
static int cmp_input(const void *a, const void *b) {
    const cov_file_t *x = *(const cov_file_t *const *)a, *y = *(const cov_file_t *const *)b;
    return (x->input > y->input) - (x->input < y->input);
}

/* The summary line and the lines naming files whose records carry none
 * of the plan's fields (the first ten). */
static void summary(const cov_report_t *r, FILE *f) {
    const cov_t *c = r->c;
    const cov_plan_t *p = &c->plan;
    const ftab_t *ft = &r->q->ft;
    fprintf(f, "postern: rule %s: read=%llu in_scope=%llu", r->rule, (unsigned long long)r->read,
            (unsigned long long)c->in_scope);
    for (uint32_t k = 0; k < p->n; k++) {
        pstr_t nm = ftab_name(ft, p->ids[k]);
        fprintf(f, " with_%.*s=%llu", (int)nm.n, nm.p, (unsigned long long)c->with[k]);
    }
    fprintf(f, " %s=%llu", r->what, (unsigned long long)r->results);
    if (r->has_range) fprintf(f, " outside_range=%llu", (unsigned long long)r->out_of_range);
    fputc('\n', f);
    if (!p->n || !c->nfiles) return;
    const cov_file_t **fs = xmalloc(c->nfiles * sizeof *fs);
    uint32_t n = 0;
    /* Files none of whose records the readers mapped (a file that is
     * mapped may still hold a few records of other kinds: not named). */
    for (uint32_t i = 0; i < c->nfiles; i++)
        if (c->files[i].unmapped && c->files[i].unmapped == c->files[i].records) fs[n++] = &c->files[i];
    qsort(fs, n, sizeof *fs, cmp_input);
    buf_t names = {0};
    put_names(&names, ft, p, (uint32_t)((1ull << p->n) - 1), "or");
    for (uint32_t i = 0; i < n && i < 10; i++) {
        uint64_t rej = r->st ? in_stats_rejected(r->st, fs[i]->input) : 0;
        fprintf(f, "postern: rule %s: %s: %llu record%s without %s", r->rule, tty_name(fs[i]->name),
                (unsigned long long)fs[i]->unmapped, plural(fs[i]->unmapped), names.p);
        if (rej) /* (the fields may be in those: not said absent) */
            fprintf(f, ", and %llu record%s of it rejected as malformed (the skipped: lines), which may hold them\n",
                    (unsigned long long)rej, plural(rej));
        else
            fputs(" (events of other kinds, or a format postern does not map to its schema: postern formats --detect "
                  "FILE names the reader)\n", f);
    }
    if (n > 10) fprintf(f, "postern: rule %s: and %u more files like these\n", r->rule, n - 10);
    buf_free(&names);
    free(fs);
}

/* See coverage.h. */
unsigned cov_report(const cov_report_t *r, FILE *f) {
    const cov_t *c = r->c;
    const cov_plan_t *p = &c->plan;
    const ftab_t *ft = &r->q->ft;
    if (!r->quiet) summary(r, f);
    if (!r->read) return 0; /* said by cov_no_input */
    unsigned warned = 0;
    buf_t b = {0};
    if (!c->in_scope) {
        /* Fields no record at all carries: the records are not postern's schema. */
        uint32_t absent = 0;
        for (uint32_t k = 0; k < p->n; k++)
            if (p->required[k] && !c->any_with[k]) absent |= 1u << k;
        buf_printf(&b, "saw nothing: %llu record%s read, none in its scope `", (unsigned long long)r->read,
                   plural(r->read));
        put_scope(&b, r->q);
        buf_putc(&b, '`');
        if (absent) {
            buf_puts(&b, " and none with ");
            put_names(&b, ft, p, absent, "or");
            buf_puts(&b, ": postern could not map them to its schema (docs/schema.md; postern formats --detect FILE "
                         "names the reader of a file)");
        } else if (p->scope_category && !c->with_category) {
            buf_puts(&b, ": the records have no _sourceCategory; give them one the scope matches with --category");
        } else {
            if (c->ncats) {
                buf_puts(&b, " (their _sourceCategory: ");
                for (uint32_t i = 0; i < c->ncats; i++) { /* categories from the data, escaped */
                    buf_puts(&b, i ? ", `" : "`");
                    tty_escape(&b, pstr_c(c->cats[i]));
                    buf_putc(&b, '`');
                }
                buf_puts(&b, c->ncats == COV_NCATS ? ", ...)" : ")");
            }
            if (p->scope_category && c->with_category < r->read)
                buf_printf(&b, "; %llu have no _sourceCategory: --category gives them one",
                           (unsigned long long)(r->read - c->with_category));
            else
                buf_puts(&b, "; check the records' _sourceCategory against the scope");
        }
        say(r, f, &b);
        buf_free(&b);
        return 1;
    }
    for (uint32_t k = 0; k < p->n; k++) {
        if (!p->required[k] || c->with[k]) continue;
        pstr_t nm = ftab_name(ft, p->ids[k]);
        buf_clear(&b);
        buf_printf(&b, "saw no %.*s: none of the %llu record%s in its scope has it, and the rule cannot match without it; ",
                   (int)nm.n, nm.p, (unsigned long long)c->in_scope, plural(c->in_scope));
        if (c->any_with[k])
            buf_printf(&b, "%llu record%s out of scope do%s (check the scope and --category)",
                       (unsigned long long)c->any_with[k], plural(c->any_with[k]), c->any_with[k] == 1 ? "es" : "");
        else if (r->st && r->st->rejected)
            buf_printf(&b, "%llu record%s rejected as malformed may hold it",
                       (unsigned long long)r->st->rejected, plural(r->st->rejected));
        else {
            buf_printf(&b, "the readers of these records do not fill it (postern formats lists what each fills; a JSON "
                           "or CSV file must name it %.*s", (int)nm.n, nm.p);
            put_aliases(&b, nm);
            buf_putc(&b, ')');
        }
        say(r, f, &b);
        warned++;
    }
    if (!warned && r->has_range && c->scoped_parsed && !c->in_range) {
        buf_clear(&b);
        buf_printf(&b, "saw nothing in the time range: none of the records in its scope lies inside --from/--to");
        say(r, f, &b);
        warned++;
    }
    buf_free(&b);
    return warned;
}

/* See coverage.h. */
bool cov_no_input(const in_stats_t *st, const char *who, bool error, FILE *f) {
    if (st->records) return false;
    buf_t b = {0};
    if (st->rejected)
        buf_printf(&b, "all %llu record%s were malformed", (unsigned long long)st->rejected, plural(st->rejected));
    else if (!st->files && !st->files_skipped)
        buf_puts(&b, "no input file was found (an empty directory?)");
    else if (st->files_skipped && st->files_skipped >= st->files)
        buf_printf(&b, "%llu file%s found, none in a format postern reads (see postern formats)",
                   (unsigned long long)st->files_skipped, plural(st->files_skipped));
    else if (st->skipped)
        buf_printf(&b, "%llu line%s, none a record of the input's format", (unsigned long long)st->skipped,
                   plural(st->skipped));
    else if (!st->bytes)
        buf_puts(&b, st->files > 1 ? "the inputs are empty" : "the input is empty");
    else
        buf_printf(&b, "%llu byte%s read, no record in them", (unsigned long long)st->bytes, plural(st->bytes));
    fprintf(f, "%s: %s: no records to run the rules on: %s\n", who, error ? "error" : "warning", b.p);
    buf_free(&b);
    return true;
}
