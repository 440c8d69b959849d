/* ruleset.c — the rules a command runs: loaded, tuned and compiled.
 *
 * Between rule.c (one YAML file) and the commands (main.c detect, watch.c,
 * validate.c): finds the rule files (or the builtin ones), switches on the
 * tunings asked for, and parses and lints each rule's query, with
 * positions that point into the rule file unless a tuning rewrote it.
 */
#include "ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "table.h"

/* See ruleset.h. */
query_t *ruleset_compile(const char *name, const char *text, size_t len, uint32_t line0, bool strict, bool quiet,
                         bool show_notes, const strlist_t *ignore, diag_t *d) {
    diag_init(d, name, text, len);
    d->line0 = line0;
    query_t *q = query_parse(text, len, d);
    if (q) lint_query(q, d);
    for (uint32_t i = 0; ignore && i < ignore->n; i++) {
        if (show_notes) diag_accept(d, ignore->v[i], "accepted by the rule's lint_ignore");
        else diag_suppress(d, ignore->v[i]);
    }
    if (strict) diag_promote_warnings(d);
    if (!quiet || d->nerr) diag_print(d, stderr, d->nerr && quiet ? D_ERROR : (show_notes ? D_NOTE : D_WARNING));
    if (d->nerr) {
        if (q) query_free(q);
        return NULL;
    }
    return q;
}

/* See ruleset.h. */
int ruleset_load(const char *const *files, int nfiles, const char *dir, rule_t **out, int *n) {
    int cap = 8, k = 0, bad = 0;
    rule_t *rs = xcalloc((size_t)cap, sizeof *rs);
    const char *paths[256];
    int np = 0;
    for (int i = 0; i < nfiles && np < 256; i++) paths[np++] = files[i];
    char *dirpaths[256];
    int ndir = 0;
    if (dir) {
        struct dirent **ents;
        int m = scandir(dir, &ents, NULL, alphasort);
        if (m < 0) {
            fprintf(stderr, "postern: %s: %s\n", dir, strerror(errno));
            free(rs);
            return -1;
        }
        for (int i = 0; i < m; i++) {
            size_t l = strlen(ents[i]->d_name);
            if (ents[i]->d_name[0] != '.' && l > 4 &&
                (strcmp(ents[i]->d_name + l - 4, ".yml") == 0 || (l > 5 && strcmp(ents[i]->d_name + l - 5, ".yaml") == 0)) &&
                np < 256 && ndir < 256) {
                buf_t b = {0};
                buf_printf(&b, "%s/%s", dir, ents[i]->d_name);
                dirpaths[ndir] = b.p;
                paths[np++] = dirpaths[ndir++];
            }
            free(ents[i]);
        }
        free(ents);
        if (ndir == 0) {
            fprintf(stderr, "postern: %s: no *.yml or *.yaml rule files: no rule to run\n", dir);
            free(rs);
            return -1;
        }
    }
    bool builtin = np == 0 && !dir;
    int total = builtin ? (int)rules_builtin_count : np;
    for (int i = 0; i < total; i++) {
        if (k == cap) {
            cap *= 2;
            rs = xrealloc(rs, (size_t)cap * sizeof *rs);
        }
        diag_t d = {0};
        int rc;
        char name[256]; /* d.name points here until diag_print below */
        if (builtin) {
            snprintf(name, sizeof name, "builtin:rules/%s", rules_builtin[i].name);
            rc = rule_parse(name, rules_builtin[i].text, rules_builtin[i].len, &rs[k], &d);
        } else {
            rc = rule_load_file(paths[i], &rs[k], &d);
        }
        diag_print(&d, stderr, D_WARNING);
        diag_free(&d);
        if (rc == 0) k++;
        else {
            rule_free(&rs[k]); /* a failed parse keeps its path and text */
            bad++;
        }
    }
    for (int i = 0; i < ndir; i++) free(dirpaths[i]);
    /* The same rule twice (a file named twice, or a copy in the folder)
     * would report each of its findings twice. */
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++)
            if (rs[i].id && rs[j].id && strcmp(rs[i].id, rs[j].id) == 0) {
                fprintf(stderr, "postern: %s: rule id '%s' is %s's too: each rule must be given once\n",
                        rs[i].path ? rs[i].path : "rule", rs[i].id, rs[j].path ? rs[j].path : "another rule");
                bad++;
                break;
            }
    *out = rs;
    *n = k;
    return bad ? -1 : 0;
}

/* See ruleset.h. */
int ruleset_tune(rule_t *rules, int n, const char *const *tunes, int ntunes) {
    int bad = 0;
    for (int k = 0; k < ntunes; k++) {
        bool found = false;
        const char *names[64];
        size_t nn = 0;
        for (int i = 0; i < n; i++)
            for (uint32_t j = 0; j < rules[i].ntunings; j++) {
                if (strcmp(rules[i].tunings[j].name, tunes[k]) == 0) rules[i].tunings[j].enabled = found = true;
                if (nn < 64) names[nn++] = rules[i].tunings[j].name;
            }
        if (found) continue;
        bad++;
        const char *near = nn ? str_closest(pstr_c(tunes[k]), names, nn) : NULL;
        fprintf(stderr, "postern: --tune %s: no rule has that tuning", tunes[k]);
        if (near) fprintf(stderr, "; did you mean '%s'?", near);
        else if (nn) {
            fprintf(stderr, " (the rules' tunings:");
            for (size_t i = 0; i < nn; i++) fprintf(stderr, "%s %s", i ? "," : "", names[i]);
            fputc(')', stderr);
        }
        else fprintf(stderr, " (the rules have none)");
        fputc('\n', stderr);
    }
    return bad ? -1 : 0;
}

/* q's first blocking stage when it is an aggregate (ST_AGG), else NULL. */
static stage_t *first_agg(query_t *q) {
    for (uint32_t i = 0; i < q->nst; i++)
        if (stage_info[q->st[i].kind].flags & SF_BLOCKING) return q->st[i].kind == ST_AGG ? &q->st[i] : NULL;
    return NULL;
}

/* Whether aggregate stage s groups by or makes field id. */
static bool agg_makes(const stage_t *s, uint32_t id) {
    for (uint32_t k = 0; k < s->nby; k++)
        if (s->by[k] == id) return true;
    for (uint32_t k = 0; k < s->naggs; k++)
        if (s->aggs[k].as == id) return true;
    return false;
}

/* Append aggregates add[0..n) to stage s of q; a later `fields a, b`
 * would drop their columns again: it keeps them too, last. */
static void agg_append(query_t *q, stage_t *s, const aggspec_t *add, uint32_t n) {
    aggspec_t *a = arena_alloc(&q->arena, (s->naggs + n) * sizeof *a);
    memcpy(a, s->aggs, s->naggs * sizeof *a);
    memcpy(a + s->naggs, add, n * sizeof *a);
    s->aggs = a;
    s->naggs += n;
    for (uint32_t j = (uint32_t)(s - q->st) + 1; j < q->nst; j++) {
        stage_t *f = &q->st[j];
        if (f->kind != ST_FIELDS || f->remove) continue;
        uint32_t *ids = arena_alloc(&q->arena, (f->nflds + n) * sizeof *ids);
        memcpy(ids, f->flds, f->nflds * sizeof *ids);
        uint32_t m = f->nflds;
        for (uint32_t k = 0; k < n; k++) {
            bool has = false;
            for (uint32_t i = 0; i < f->nflds; i++) has |= f->flds[i] == add[k].as;
            if (!has) ids[m++] = add[k].as;
        }
        f->flds = ids;
        f->nflds = m;
    }
}

/* See ruleset.h. */
bool ruleset_name_sources(query_t *q) {
    stage_t *s = first_agg(q);
    if (!s || agg_makes(s, F_SOURCENAME)) return false;
    aggspec_t a = {.fn = AG_VALUES, .field = F_SOURCENAME, .as = F_SOURCENAME, .as_given = true};
    agg_append(q, s, &a, 1);
    return true;
}

/* See ruleset.h. */
bool ruleset_keep_times(query_t *q, uint32_t keep) {
    stage_t *s = first_agg(q);
    uint32_t times = ftab_intern(&q->ft, PSTR_LIT(RULESET_TIMES)), count = ftab_intern(&q->ft, PSTR_LIT(RULESET_TIMES_N));
    if (!s || agg_makes(s, F_MESSAGETIME) || agg_makes(s, times) || agg_makes(s, count)) return false;
    aggspec_t a[2] = {
        {.fn = AG_VALUES, .field = F_MESSAGETIME, .as = times, .as_given = true, .keep = keep},
        {.fn = AG_COUNT, .field = FIELD_NONE, .as = count, .as_given = true},
    };
    agg_append(q, s, a, 2);
    return true;
}

/* Set field id of row r (of t) to a copy of s (NULL: ""). */
static void set_str(record_t *r, table_t *t, uint32_t id, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s);
    rec_set(r, id, val_str(arena_strndup(&t->arena, s, n), n));
}

/* See ruleset.h. ORDER META */
const char *const ruleset_meta_names[RULESET_NMETA] = {"rule_id",          "rule_title",          "mitre_tactic_id",
                                                       "mitre_tactic",     "mitre_technique_id",  "mitre_technique"};

/* See ruleset.h. */
void ruleset_meta(const rule_t *ru, const char *v[RULESET_NMETA]) {
    v[0] = ru->id;
    v[1] = ru->title;
    v[2] = ru->tactic_id;
    v[3] = ru->tactic;
    v[4] = ru->subtechnique_id ? ru->subtechnique_id : ru->technique_id;
    v[5] = ru->subtechnique ? ru->subtechnique : ru->technique;
}

/* See ruleset.h. */
pstr_t ruleset_severity(const rule_t *ru, value_t sv, int *score) {
    pstr_t sev = sv.t == V_STR ? val_pstr(sv) : pstr_c(ru->default_severity ? ru->default_severity : "medium");
    *score = rule_sev_score(ru, sev.p, sev.n);
    return sev;
}

/* See ruleset.h. */
void ruleset_decorate(const rule_t *ru, query_t *q, table_t *t) {
    ftab_t *ft = &q->ft;
    uint32_t front[RULESET_NMETA + 2];
    const char *meta[RULESET_NMETA];
    ruleset_meta(ru, meta);
    for (unsigned k = 0; k < RULESET_NMETA; k++) front[k] = ftab_intern(ft, pstr_c(ruleset_meta_names[k]));
    uint32_t f_sev = ftab_intern(ft, PSTR_LIT("severity")), f_score = ftab_intern(ft, PSTR_LIT("severity_score"));
    front[RULESET_NMETA] = f_sev;
    front[RULESET_NMETA + 1] = f_score;
    /* (the rule's Severity is the same field, names being case-insensitive: one spelling for every rule) */
    ftab_rename(ft, f_sev, PSTR_LIT("severity"));
    uint32_t f_rowsev = ru->severity_field ? ftab_find(ft, pstr_c(ru->severity_field)) : FIELD_NONE;
    for (size_t i = 0; i < t->n; i++) {
        record_t *r = &t->rows[i];
        int score;
        pstr_t sev = ruleset_severity(ru, f_rowsev != FIELD_NONE ? rec_get(r, f_rowsev) : val_null(), &score);
        for (unsigned k = 0; k < RULESET_NMETA; k++) set_str(r, t, front[k], meta[k]);
        rec_set(r, f_sev, val_str(arena_strndup(&t->arena, sev.p, sev.n), sev.n));
        rec_set(r, f_score, score >= 0 ? val_num(score) : val_null());
    }
    uint32_t *old = t->cols, nold = t->ncols;
    t->cols = NULL;
    t->ncols = t->colcap = 0;
    for (unsigned k = 0; k < RULESET_NMETA + 2; k++) table_add_col(t, front[k]);
    for (uint32_t k = 0; k < nold; k++)
        if (old[k] != f_rowsev) table_add_col(t, old[k]);
    free(old);
    t->fixed = true;
}

/* See ruleset.h. */
int ruleset_prepare(ruleset_t *rs, const char *const *files, int nfiles, const char *dir, const char *const *tunes,
                    int ntunes, bool strict, bool quiet) {
    memset(rs, 0, sizeof *rs);
    if (ruleset_load(files, nfiles, dir, &rs->rules, &rs->n) != 0) {
        ruleset_free(rs);
        return -1;
    }
    if (ruleset_tune(rs->rules, rs->n, tunes, ntunes) != 0) {
        ruleset_free(rs);
        return -1;
    }
    int n = rs->n ? rs->n : 1;
    rs->q = xcalloc((size_t)n, sizeof *rs->q);
    rs->text = xcalloc((size_t)n, sizeof *rs->text);
    rs->d = xcalloc((size_t)n, sizeof *rs->d);
    for (int i = 0; i < rs->n; i++) {
        rule_t *ru = &rs->rules[i];
        rs->text[i] = rule_tuned_query(ru);
        bool tuned = strcmp(rs->text[i], ru->query) != 0;
        /* Positions refer to the rule file unless a tuning rewrote the query. */
        rs->q[i] = ruleset_compile(tuned ? "query (tuned)" : ru->path, rs->text[i], strlen(rs->text[i]),
                                   tuned ? 0 : ru->query_line - 1, strict, quiet, false, &ru->lint_ignore, &rs->d[i]);
        if (!rs->q[i]) {
            ruleset_free(rs);
            return -1;
        }
        ruleset_name_sources(rs->q[i]);
    }
    return 0;
}

/* See ruleset.h. */
void ruleset_free(ruleset_t *rs) {
    for (int i = 0; i < rs->n; i++) {
        if (rs->q && rs->q[i]) query_free(rs->q[i]);
        if (rs->d && rs->text && rs->text[i]) diag_free(&rs->d[i]);
        if (rs->text) free(rs->text[i]);
        rule_free(&rs->rules[i]);
    }
    free(rs->rules);
    free(rs->q);
    free(rs->text);
    free(rs->d);
    memset(rs, 0, sizeof *rs);
}

/* See ruleset.h. */
const char *ruleset_lookup_dir(const rule_t *r, const char *given, char *buf, size_t n) {
    if (given) return given;
    if (!r->path || strncmp(r->path, "builtin:", 8) == 0) return NULL;
    const char *slash = strrchr(r->path, '/');
    if (!slash) return ".";
    size_t len = slash == r->path ? 1 : (size_t)(slash - r->path);
    snprintf(buf, n, "%.*s", (int)len, r->path);
    return buf;
}
