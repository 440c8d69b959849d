/* rule.c — loading detection rules from YAML (see rule.h).
 *
 * A rule file is read with libyaml's document API and walked with tables
 * that say, for each known key, what kind of node it wants and where the
 * value goes in the rule_t. Errors pile up in the diag_t with the byte
 * position of the offending node; unknown keys are warnings. The second
 * half turns a rule's enabled tunings into extra `where` stages
 * (rule_tuned_query), which the detect command runs instead of the query.
 */
#include "rule.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "out.h"
#include "str.h"

/* Rule files larger than this are refused (the shipped ones are ~6 KiB). */
#define RULE_MAX_FILE (1u << 20)
/* Most nesting of a test's inline record, and most bytes one test's records
 * may make as JSON Lines (aliases can multiply a small file's text). */
#define RULE_TEST_DEPTH 64
#define RULE_TEST_MAX_RECORDS (4u << 20)

/* ---------------------------------------------------------------------------
 * Parse state and positions
 * ------------------------------------------------------------------------- */

/* What the walk over one document needs. */
typedef struct rp {
    yaml_document_t doc; /* the loaded document (libyaml owns its nodes) */
    diag_t *d;           /* where messages go */
    const char *text;    /* the file text (borrowed) */
    size_t len;          /* its length in bytes */
    size_t bom;          /* bytes of a leading UTF-8 byte-order mark */
    size_t ci, bi;       /* cache: character index ci starts at byte bi */
    const yaml_node_t *mitre; /* the 'mitre' mapping, for messages about it */
    rule_t *r;           /* the rule being filled */
} rp_t;

/* Byte offset in the file of a libyaml character index. libyaml counts
 * characters (not bytes) from after the byte-order mark; diag_t wants
 * bytes, so walk the UTF-8 text counting lead bytes. Marks arrive mostly
 * in order, so resume from the last answer when we can. */
static uint32_t char_to_byte(rp_t *p, size_t index) {
    size_t ci = 0, bi = p->bom;
    if (index >= p->ci && p->bi >= p->bom) {
        ci = p->ci;
        bi = p->bi;
    }
    while (ci < index && bi < p->len) {
        bi++;
        while (bi < p->len && ((unsigned char)p->text[bi] & 0xC0) == 0x80) bi++;
        ci++;
    }
    p->ci = ci;
    p->bi = bi;
    return bi > UINT32_MAX ? UINT32_MAX : (uint32_t)bi;
}

/* The span a node covers in the file (at least one byte, for the caret). */
static span_t node_span(rp_t *p, const yaml_node_t *n) {
    uint32_t a = char_to_byte(p, n->start_mark.index);
    uint32_t b = char_to_byte(p, n->end_mark.index);
    return (span_t){a, b > a ? b - a : 1};
}

/* Add a message about node n (NULL: the start of the file). */
static void say(rp_t *p, dlevel_t lvl, const yaml_node_t *n, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void say(rp_t *p, dlevel_t lvl, const yaml_node_t *n, const char *code, const char *fmt, ...) {
    buf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    span_t sp = n ? node_span(p, n) : (span_t){(uint32_t)p->bom, 1};
    diag_add(p->d, lvl, sp, code, "%s", b.p ? b.p : "");
    buf_free(&b);
}

/* ---------------------------------------------------------------------------
 * Reading typed values
 * ------------------------------------------------------------------------- */

/* True for a plain scalar YAML reads as null: empty, ~ or null. */
static bool is_null(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    return len == 0 || (len == 1 && v[0] == '~') ||
           (len == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* A heap copy of scalar n, or NULL (with an error) when n is not a string
 * or holds a NUL byte. what names the key in messages. */
static char *get_str(rp_t *p, const yaml_node_t *n, const char *what) {
    if (n->type != YAML_SCALAR_NODE) {
        say(p, D_ERROR, n, NULL, "expected a string for '%s'", what);
        return NULL;
    }
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (memchr(v, '\0', len)) {
        say(p, D_ERROR, n, NULL, "'%s' contains a NUL character", what);
        return NULL;
    }
    return xstrndup(v, len);
}

/* Store a string at *dst (replacing nothing: keys are unique by then). */
static void read_str(rp_t *p, const yaml_node_t *n, const char *what, char **dst) {
    if (is_null(n)) return;
    *dst = get_str(p, n, what);
}

/* Read a sequence of strings into *l. */
static void read_list(rp_t *p, const yaml_node_t *n, const char *what, strlist_t *l) {
    if (is_null(n)) return;
    if (n->type != YAML_SEQUENCE_NODE) {
        say(p, D_ERROR, n, NULL, "expected a sequence for '%s'", what);
        return;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) return;
    l->v = xcalloc(cnt, sizeof *l->v);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
        if (!e) continue;
        char *s = get_str(p, e, what);
        if (s) l->v[l->n++] = s;
    }
}

/* Read a YAML boolean (true/false, and YAML 1.1's yes/no/on/off). */
static void read_bool(rp_t *p, const yaml_node_t *n, const char *what, bool *dst) {
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    if (n->type == YAML_SCALAR_NODE) {
        pstr_t v = pstr((const char *)n->data.scalar.value, n->data.scalar.length);
        for (size_t i = 0; i < 3; i++) {
            if (pstr_ieq_c(v, yes[i])) { *dst = true; return; }
            if (pstr_ieq_c(v, no[i])) { *dst = false; return; }
        }
    }
    say(p, D_ERROR, n, NULL, "expected true or false for '%s'", what);
}

/* True when s is a field name a query can use bare: [A-Za-z_][A-Za-z0-9_.]*. */
static bool is_ident(const char *s) {
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.'))
            return false;
    return true;
}

/* ---------------------------------------------------------------------------
 * Key tables
 * ------------------------------------------------------------------------- */

/* What a key's value is. */
typedef enum kkind {
    K_STR,      /* char * */
    K_LIST,     /* strlist_t */
    K_BOOL,     /* bool */
    K_QUERY,    /* char *, also records rule_t.query_line */
    K_MITRE,    /* mapping read with mitre_keys into the rule */
    K_SEVERITY, /* mapping read by read_severity */
    K_TUNING,   /* sequence read by read_tunings */
    K_TESTS,    /* sequence read by read_tests */
    K_RECORDS,  /* a test's inline records, read by read_records */
    K_FILES,    /* a test's `file:` (a string or a list) */
    K_TUNE,     /* a test's `tune:` (a string or a list) */
    K_EXPECT    /* a test's expected findings, read by read_expect */
} kkind_t;

/* One known key of a mapping. */
typedef struct kdesc {
    const char *name;  /* the YAML key */
    kkind_t kind;      /* what its value is */
    size_t off;        /* where it goes, from the start of the filled struct */
    bool required;     /* an error when missing */
} kdesc_t;

static const kdesc_t top_keys[] = {
    {"id", K_STR, offsetof(rule_t, id), true},
    {"title", K_STR, offsetof(rule_t, title), true},
    {"description", K_STR, offsetof(rule_t, description), false},
    {"status", K_STR, offsetof(rule_t, status), false},
    {"mitre", K_MITRE, 0, false},
    {"severity", K_SEVERITY, 0, false},
    {"references", K_LIST, offsetof(rule_t, references), false},
    {"data_sources", K_LIST, offsetof(rule_t, data_sources), false},
    {"false_positives", K_LIST, offsetof(rule_t, false_positives), false},
    {"tuning", K_TUNING, 0, false},
    {"blind_spots", K_LIST, offsetof(rule_t, blind_spots), false},
    {"lint_ignore", K_LIST, offsetof(rule_t, lint_ignore), false},
    {"query", K_QUERY, offsetof(rule_t, query), true},
    {"tests", K_TESTS, 0, false},
};

static const kdesc_t mitre_keys[] = {
    {"tactic", K_STR, offsetof(rule_t, tactic), false},
    {"tactic_id", K_STR, offsetof(rule_t, tactic_id), false},
    {"technique", K_STR, offsetof(rule_t, technique), false},
    {"technique_id", K_STR, offsetof(rule_t, technique_id), false},
    {"subtechnique", K_STR, offsetof(rule_t, subtechnique), false},
    {"subtechnique_id", K_STR, offsetof(rule_t, subtechnique_id), false},
};

static const kdesc_t tuning_keys[] = {
    {"name", K_STR, offsetof(rule_tuning_t, name), true},
    {"description", K_STR, offsetof(rule_tuning_t, description), false},
    {"field", K_STR, offsetof(rule_tuning_t, field), true},
    {"enabled", K_BOOL, offsetof(rule_tuning_t, enabled), false},
    {"values", K_LIST, offsetof(rule_tuning_t, values), false},
    {"prefixes", K_LIST, offsetof(rule_tuning_t, prefixes), false},
};

static const kdesc_t test_keys[] = {
    {"name", K_STR, offsetof(rule_test_t, name), true},
    {"records", K_RECORDS, 0, false},
    {"file", K_FILES, 0, false},
    {"category", K_STR, offsetof(rule_test_t, category), false},
    {"tune", K_TUNE, 0, false},
    {"expect", K_EXPECT, 0, true},
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

static void read_severity(rp_t *p, const yaml_node_t *n);
static void read_tunings(rp_t *p, const yaml_node_t *n);
static void read_tests(rp_t *p, const yaml_node_t *n);
static void read_records(rp_t *p, const yaml_node_t *n, rule_test_t *t);
static void read_strs(rp_t *p, const yaml_node_t *n, const char *what, strlist_t *l);
static void read_expect(rp_t *p, const yaml_node_t *n, rule_test_t *t);

/* Walk mapping n (named what in messages), storing each known key's value
 * at base + its offset. Returns a bitmask of the keys that were present
 * (tables have at most 32 keys), or 0 with an error when n is not a
 * mapping. Duplicate keys are errors; unknown keys are warnings. */
static uint32_t read_map(rp_t *p, const yaml_node_t *n, const char *what, const kdesc_t *tab, size_t ntab,
                         void *base) {
    if (n->type != YAML_MAPPING_NODE) {
        say(p, D_ERROR, n, NULL, "expected a mapping for '%s'", what);
        return 0;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(&p->doc, pr->value);
        if (!k || !v) continue;
        if (k->type != YAML_SCALAR_NODE) {
            say(p, D_ERROR, k, NULL, "expected a string key in '%s'", what);
            continue;
        }
        pstr_t key = pstr((const char *)k->data.scalar.value, k->data.scalar.length);
        size_t i = 0;
        while (i < ntab && !pstr_eq(key, pstr_c(tab[i].name))) i++;
        if (i == ntab) {
            say(p, D_WARNING, k, "unknown-key", "unknown key '%.*s' in '%s' (ignored)", (int)key.n, key.p,
                what);
            continue;
        }
        if (seen & (1u << i)) {
            say(p, D_ERROR, k, NULL, "duplicate key '%s' in '%s'", tab[i].name, what);
            continue;
        }
        seen |= 1u << i;
        /* A required key left empty (`query:`, `id: ~`) is as good as missing. */
        if (tab[i].required && is_null(v)) {
            say(p, D_ERROR, v, NULL, "required key '%s' in '%s' is empty", tab[i].name, what);
            continue;
        }
        char *slot = (char *)base + tab[i].off;
        switch (tab[i].kind) {
        case K_STR: read_str(p, v, tab[i].name, (char **)(void *)slot); break;
        case K_LIST: read_list(p, v, tab[i].name, (strlist_t *)(void *)slot); break;
        case K_BOOL: read_bool(p, v, tab[i].name, (bool *)(void *)slot); break;
        case K_QUERY:
            read_str(p, v, tab[i].name, (char **)(void *)slot);
            /* A block scalar (`query: |`) starts on the line after its
             * indicator; any other scalar on the key's line. */
            p->r->query_line = (uint32_t)v->start_mark.line + 1;
            if (v->type == YAML_SCALAR_NODE && (v->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                                                v->data.scalar.style == YAML_FOLDED_SCALAR_STYLE))
                p->r->query_line++;
            break;
        case K_MITRE:
            p->mitre = v;
            read_map(p, v, "mitre", mitre_keys, NKEYS(mitre_keys), p->r); break;
        case K_SEVERITY: read_severity(p, v); break;
        case K_TUNING: read_tunings(p, v); break;
        case K_TESTS: read_tests(p, v); break;
        case K_RECORDS: read_records(p, v, base); break;
        case K_FILES:
            read_strs(p, v, "file", &((rule_test_t *)base)->files);
            ((rule_test_t *)base)->files_sp = node_span(p, v);
            break;
        case K_TUNE:
            read_strs(p, v, "tune", &((rule_test_t *)base)->tune);
            ((rule_test_t *)base)->tune_sp = node_span(p, v);
            break;
        case K_EXPECT: read_expect(p, v, base); break;
        }
    }
    for (size_t i = 0; i < ntab; i++)
        if (tab[i].required && !(seen & (1u << i)))
            say(p, D_ERROR, n, NULL, "missing required key '%s' in '%s'", tab[i].name, what);
    return seen;
}

/* severity: {field: F, default: NAME, levels: {NAME: SCORE, ...}} */
static void read_severity(rp_t *p, const yaml_node_t *n) {
    static const char *const names[] = {"field", "default", "levels"};
    rule_t *r = p->r;
    if (n->type != YAML_MAPPING_NODE) {
        say(p, D_ERROR, n, NULL, "expected a mapping for 'severity'");
        return;
    }
    const yaml_node_t *got[3] = {NULL, NULL, NULL};
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(&p->doc, pr->value);
        if (!k || !v) continue;
        size_t i = 3;
        if (k->type == YAML_SCALAR_NODE) {
            pstr_t key = pstr((const char *)k->data.scalar.value, k->data.scalar.length);
            for (i = 0; i < 3 && !pstr_eq(key, pstr_c(names[i])); i++) {}
            if (i == 3) {
                say(p, D_WARNING, k, "unknown-key", "unknown key '%.*s' in 'severity' (ignored)", (int)key.n,
                    key.p);
                continue;
            }
        } else {
            say(p, D_ERROR, k, NULL, "expected a string key in 'severity'");
            continue;
        }
        if (got[i]) {
            say(p, D_ERROR, k, NULL, "duplicate key '%s' in 'severity'", names[i]);
            continue;
        }
        got[i] = v;
    }
    if (got[0]) {
        read_str(p, got[0], "field", &r->severity_field);
        if (r->severity_field && !is_ident(r->severity_field))
            say(p, D_ERROR, got[0], NULL, "'field' must be a field name, not '%s'", r->severity_field);
    } else {
        say(p, D_ERROR, n, NULL, "missing required key 'field' in 'severity'");
    }
    if (got[1]) read_str(p, got[1], "default", &r->default_severity);
    const yaml_node_t *lv = got[2];
    if (!lv) {
        say(p, D_ERROR, n, NULL, "missing required key 'levels' in 'severity'");
        return;
    }
    if (lv->type != YAML_MAPPING_NODE) {
        say(p, D_ERROR, lv, NULL, "expected a mapping for 'levels'");
        return;
    }
    size_t cnt = (size_t)(lv->data.mapping.pairs.top - lv->data.mapping.pairs.start);
    r->sevs = cnt ? xcalloc(cnt, sizeof *r->sevs) : NULL;
    for (yaml_node_pair_t *pr = lv->data.mapping.pairs.start; pr < lv->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(&p->doc, pr->value);
        if (!k || !v) continue;
        char *name = get_str(p, k, "levels");
        if (!name) continue;
        if (rule_sev_score(r, name, strlen(name)) >= 0) {
            say(p, D_ERROR, k, NULL, "duplicate severity level '%s'", name);
            free(name);
            continue;
        }
        long score = -1;
        if (v->type == YAML_SCALAR_NODE && v->data.scalar.length > 0 && v->data.scalar.length <= 2) {
            const char *s = (const char *)v->data.scalar.value;
            char *end;
            score = strtol(s, &end, 10);
            if (end != s + v->data.scalar.length || *s < '0' || *s > '9') score = -1;
        }
        if (score < 0 || score > 10) {
            say(p, D_ERROR, v, NULL, "the score of level '%s' must be an integer from 0 to 10", name);
            free(name);
            continue;
        }
        r->sevs[r->nsevs].name = name;
        r->sevs[r->nsevs].score = (int)score;
        r->nsevs++;
    }
    if (r->default_severity && rule_sev_score(r, r->default_severity, strlen(r->default_severity)) < 0)
        say(p, D_ERROR, got[1], NULL, "default severity '%s' is not one of 'levels'", r->default_severity);
}

/* A list of mappings (null: none): allocate *arr, a zeroed array of one
 * element of size bytes per item of sequence n, and return how many
 * (0 and *arr untouched when there are none, or, with an error, when n
 * is no sequence). what names the key in messages. */
static size_t read_seq(rp_t *p, const yaml_node_t *n, const char *what, size_t size, void **arr) {
    if (is_null(n)) return 0;
    if (n->type != YAML_SEQUENCE_NODE) {
        say(p, D_ERROR, n, NULL, "expected a sequence for '%s'", what);
        return 0;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt) *arr = xcalloc(cnt, size);
    return cnt;
}

/* tuning: [{name, description, field, enabled, values, prefixes}, ...] */
static void read_tunings(rp_t *p, const yaml_node_t *n) {
    rule_t *r = p->r;
    if (!read_seq(p, n, "tuning", sizeof *r->tunings, (void **)&r->tunings)) return;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
        if (!e) continue;
        rule_tuning_t *t = &r->tunings[r->ntunings++];
        uint32_t seen = read_map(p, e, "tuning", tuning_keys, NKEYS(tuning_keys), t);
        if (!seen) continue;
        if (t->field && !is_ident(t->field))
            say(p, D_ERROR, e, NULL, "tuning '%s': 'field' must be a field name, not '%s'",
                t->name ? t->name : "?", t->field);
        const strlist_t *lists[2] = {&t->values, &t->prefixes};
        for (unsigned l = 0; l < 2; l++)
            for (uint32_t i = 0; i < lists[l]->n; i++)
                for (const char *c = lists[l]->v[i]; *c; c++)
                    if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                        say(p, D_ERROR, e, NULL, "tuning '%s': value '%s' contains a control character",
                            t->name ? t->name : "?", lists[l]->v[i]);
                        break;
                    }
        /* 4, 5: 'values' and 'prefixes' in tuning_keys */
        if (!(seen & (3u << 4)))
            say(p, D_ERROR, e, NULL, "tuning '%s' needs 'values' or 'prefixes'", t->name ? t->name : "?");
        else if (t->values.n == 0 && t->prefixes.n == 0)
            say(p, D_WARNING, e, "empty-tuning", "tuning '%s' has no values and does nothing",
                t->name ? t->name : "?");
        for (uint32_t j = 0; t->name && j + 1 < r->ntunings; j++)
            if (r->tunings[j].name && !strcmp(r->tunings[j].name, t->name)) {
                say(p, D_ERROR, e, NULL, "duplicate tuning name '%s'", t->name);
                break;
            }
    }
}

/* ---------------------------------------------------------------------------
 * Tests (`tests:`, run by ruletest.c)
 * ------------------------------------------------------------------------- */

/* A string (one item) or a sequence of strings into *l. */
static void read_strs(rp_t *p, const yaml_node_t *n, const char *what, strlist_t *l) {
    if (n->type != YAML_SCALAR_NODE || is_null(n)) {
        read_list(p, n, what, l);
        return;
    }
    char *v = get_str(p, n, what);
    if (!v) return;
    l->v = xcalloc(1, sizeof *l->v);
    l->v[l->n++] = v;
}

/* True when v[0..n) is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *v, size_t n) {
    size_t i = 0;
    if (i < n && v[i] == '-') i++;
    if (i < n && v[i] == '0') i++;
    else if (i < n && v[i] >= '1' && v[i] <= '9')
        while (i < n && v[i] >= '0' && v[i] <= '9') i++;
    else return false;
    if (i < n && v[i] == '.') {
        size_t d = ++i;
        while (i < n && v[i] >= '0' && v[i] <= '9') i++;
        if (i == d) return false;
    }
    if (i < n && (v[i] == 'e' || v[i] == 'E')) {
        i++;
        if (i < n && (v[i] == '+' || v[i] == '-')) i++;
        size_t d = i;
        while (i < n && v[i] >= '0' && v[i] <= '9') i++;
        if (i == d) return false;
    }
    return i == n;
}

/* Append YAML node n to b as JSON: mappings as objects (string keys),
 * sequences as arrays, plain scalars that read as JSON's null, true,
 * false or a number as those, every other scalar as a string. Returns
 * false with an error when n cannot be written so (a key that is not a
 * string, too deep, too long). */
static bool yaml_to_json(rp_t *p, const yaml_node_t *n, buf_t *b, int depth) {
    if (depth > RULE_TEST_DEPTH) {
        say(p, D_ERROR, n, NULL, "a test record nests deeper than %d levels", RULE_TEST_DEPTH);
        return false;
    }
    if (b->n > RULE_TEST_MAX_RECORDS) {
        say(p, D_ERROR, n, NULL, "a test's records make more than %u bytes", RULE_TEST_MAX_RECORDS);
        return false;
    }
    if (n->type == YAML_SCALAR_NODE) {
        const char *v = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && is_null(n)) buf_puts(b, "null");
        else if (plain && ((len == 4 && !memcmp(v, "true", 4)) || (len == 5 && !memcmp(v, "false", 5)) ||
                           is_json_number(v, len)))
            buf_put(b, v, len);
        else out_json_str(b, pstr(v, len));
        return true;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        buf_putc(b, '[');
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            const yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
            if (it > n->data.sequence.items.start) buf_putc(b, ',');
            if (e && !yaml_to_json(p, e, b, depth + 1)) return false;
        }
        buf_putc(b, ']');
        return true;
    }
    if (n->type != YAML_MAPPING_NODE) return false;
    buf_putc(b, '{');
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(&p->doc, pr->value);
        if (!k || !v) continue;
        if (k->type != YAML_SCALAR_NODE) {
            say(p, D_ERROR, k, NULL, "a test record's keys must be strings");
            return false;
        }
        if (pr > n->data.mapping.pairs.start) buf_putc(b, ',');
        out_json_str(b, pstr((const char *)k->data.scalar.value, k->data.scalar.length));
        buf_putc(b, ':');
        if (!yaml_to_json(p, v, b, depth + 1)) return false;
    }
    buf_putc(b, '}');
    return true;
}

/* records: [ {field: value, ...} | '{"field": "value"}', ... ] -> t->records,
 * one JSON object a line. A JSON string must hold one object; its line
 * breaks (whitespace between JSON tokens) become spaces. */
static void read_records(rp_t *p, const yaml_node_t *n, rule_test_t *t) {
    t->records_sp = node_span(p, n);
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start) {
        say(p, D_ERROR, n, NULL, "expected a list of records (mappings or JSON objects) for 'records'");
        return;
    }
    buf_t b = {0};
    bool ok = true;
    for (yaml_node_item_t *it = n->data.sequence.items.start; ok && it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
        if (!e) continue;
        if (e->type == YAML_MAPPING_NODE) {
            ok = yaml_to_json(p, e, &b, 1);
        } else if (e->type == YAML_SCALAR_NODE && !is_null(e)) {
            const char *v = (const char *)e->data.scalar.value;
            size_t len = e->data.scalar.length;
            size_t i = json_ws(v, len, 0);
            size_t end = i < len && v[i] == '{' ? json_skip(v, len, i) : (size_t)-1;
            if (end == (size_t)-1 || json_ws(v, len, end) != len || memchr(v, '\0', len)) {
                say(p, D_ERROR, e, NULL, "a record must be a mapping or one JSON object");
                ok = false;
                break;
            }
            for (size_t k = i; k < end; k++) buf_putc(&b, v[k] == '\n' || v[k] == '\r' ? ' ' : v[k]);
        } else {
            say(p, D_ERROR, e, NULL, "a record must be a mapping or one JSON object");
            ok = false;
            break;
        }
        if (ok && b.n > RULE_TEST_MAX_RECORDS) {
            say(p, D_ERROR, e, NULL, "a test's records make more than %u bytes", RULE_TEST_MAX_RECORDS);
            ok = false;
        }
        buf_putc(&b, '\n');
        t->nrecords++;
    }
    if (ok) {
        t->records = b.p ? b.p : xstrndup("", 0);
    } else {
        buf_free(&b);
        t->nrecords = 0;
    }
}

/* expect: none | [ {column: value, ...}, ... ] */
static void read_expect(rp_t *p, const yaml_node_t *n, rule_test_t *t) {
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        n->data.scalar.length == 4 && !memcmp(n->data.scalar.value, "none", 4)) {
        t->expect_none = true;
        return;
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        say(p, D_ERROR, n, NULL, "expected `none` or a list of findings ({column: value, ...}) for 'expect'");
        return;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) {
        t->expect_none = true;
        return;
    }
    t->expect = xcalloc(cnt, sizeof *t->expect);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
        if (!e) continue;
        if (e->type != YAML_MAPPING_NODE) {
            say(p, D_ERROR, e, NULL, "an expected finding must be a mapping of columns to values");
            continue;
        }
        rule_finding_t *f = &t->expect[t->nexpect++];
        f->sp = node_span(p, e);
        size_t np = (size_t)(e->data.mapping.pairs.top - e->data.mapping.pairs.start);
        f->w = np ? xcalloc(np, sizeof *f->w) : NULL;
        for (yaml_node_pair_t *pr = e->data.mapping.pairs.start; pr < e->data.mapping.pairs.top; pr++) {
            const yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);
            const yaml_node_t *v = yaml_document_get_node(&p->doc, pr->value);
            if (!k || !v) continue;
            char *col = get_str(p, k, "expect");
            if (!col) continue;
            if (!*col) {
                say(p, D_ERROR, k, NULL, "an expected column needs a name");
                free(col);
                continue;
            }
            bool dup = false;
            for (uint32_t i = 0; i < f->n && !dup; i++) dup = pstr_ieq_c(pstr_c(col), f->w[i].col);
            if (dup) {
                say(p, D_ERROR, k, NULL, "column '%s' is named twice in one expected finding", col);
                free(col);
                continue;
            }
            char *val = is_null(v) ? xstrndup("", 0) : v->type == YAML_SCALAR_NODE ? get_str(p, v, col) : NULL;
            if (!val) {
                if (v->type != YAML_SCALAR_NODE)
                    say(p, D_ERROR, v, NULL, "the expected value of column '%s' must be a scalar", col);
                free(col);
                continue;
            }
            f->w[f->n++] = (rule_want_t){.col = col, .val = val, .sp = node_span(p, k)};
        }
    }
}

/* tests: [{name, records | file, category, tune, expect}, ...] */
static void read_tests(rp_t *p, const yaml_node_t *n) {
    rule_t *r = p->r;
    if (!read_seq(p, n, "tests", sizeof *r->tests, (void **)&r->tests)) return;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
        if (!e) continue;
        rule_test_t *t = &r->tests[r->ntests++];
        t->sp = node_span(p, e);
        uint32_t seen = read_map(p, e, "tests", test_keys, NKEYS(test_keys), t);
        if (!seen) continue;
        /* 1, 2: 'records' and 'file' in test_keys */
        if ((seen & (3u << 1)) == (3u << 1))
            say(p, D_ERROR, e, NULL, "test '%s': give either 'records' or 'file', not both", t->name ? t->name : "?");
        else if (!(seen & (3u << 1)))
            say(p, D_ERROR, e, NULL, "test '%s' needs input: 'records' (a list) or 'file' (a path)",
                t->name ? t->name : "?");
        if (t->name) {
            bool bad = !*t->name;
            for (const char *c = t->name; *c && !bad; c++) bad = (unsigned char)*c < 0x20 || *c == 0x7f;
            if (bad) say(p, D_ERROR, e, NULL, "a test's name must be one line of text");
            for (uint32_t j = 0; j + 1 < r->ntests; j++)
                if (r->tests[j].name && !strcmp(r->tests[j].name, t->name)) {
                    say(p, D_ERROR, e, NULL, "duplicate test name '%s'", t->name);
                    break;
                }
        }
    }
}

/* Warn when an ATT&CK id does not look like one (TA0011, T1071, T1071.003). */
static void check_mitre_id(rp_t *p, const char *id, const char *prefix, bool sub, const char *what) {
    if (!id) return;
    size_t pl = strlen(prefix), n = strlen(id);
    bool ok = n == pl + 4 + (sub ? 4 : 0) && !strncmp(id, prefix, pl);
    for (size_t i = pl; ok && i < n; i++)
        ok = (sub && i == pl + 4) ? id[i] == '.' : (id[i] >= '0' && id[i] <= '9');
    if (!ok) say(p, D_WARNING, p->mitre, "mitre-id", "'%s' of '%s' does not look like an ATT&CK id", what, id);
}

/* Checks on the whole rule once every key is read. */
static void check_rule(rp_t *p, const yaml_node_t *root) {
    rule_t *r = p->r;
    static const char *const statuses[] = {"stable", "test", "experimental", "deprecated"};
    if (r->status) {
        size_t i = 0;
        while (i < 4 && strcmp(r->status, statuses[i])) i++;
        if (i == 4)
            say(p, D_WARNING, root, "rule-status",
                "status '%s' is not one of stable, test, experimental, deprecated", r->status);
    }
    check_mitre_id(p, r->tactic_id, "TA", false, "tactic_id");
    check_mitre_id(p, r->technique_id, "T", false, "technique_id");
    check_mitre_id(p, r->subtechnique_id, "T", true, "subtechnique_id");
    if (r->query) {
        const char *q = r->query;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
        if (!*q) say(p, D_ERROR, root, NULL, "'query' is empty");
    }
}

/* Report a libyaml load failure at its position. */
static void yaml_error(rp_t *p, const yaml_parser_t *y) {
    uint32_t off;
    if (y->error == YAML_READER_ERROR)
        off = y->problem_offset > p->len ? (uint32_t)p->len : (uint32_t)y->problem_offset;
    else
        off = char_to_byte(p, y->problem_mark.index);
    /* libyaml's loader fails a few allocations (a tag's strdup) without
     * setting an error: a load failure with none is out of memory too. */
    const char *what = y->error == YAML_MEMORY_ERROR || y->error == YAML_NO_ERROR ? "out of memory"
                       : y->problem                                              ? y->problem
                                                                                 : "unknown error";
    if (y->context)
        diag_add(p->d, D_ERROR, (span_t){off, 1}, NULL, "invalid YAML: %s %s", y->context, what);
    else
        diag_add(p->d, D_ERROR, (span_t){off, 1}, NULL, "invalid YAML: %s", what);
}

/* ---------------------------------------------------------------------------
 * Public entry points
 * ------------------------------------------------------------------------- */

/* See rule.h. The diag_t must be initialised (diag_init or zeroed); its
 * name and source are set to name and text, earlier messages are kept.
 * On failure r keeps only path and text (so d stays printable from
 * r->text); call rule_free(r) after either outcome. */
int rule_parse(const char *name, const char *text, size_t len, rule_t *r, diag_t *d) {
    memset(r, 0, sizeof *r);
    r->path = xstrndup(name ? name : "rule", strlen(name ? name : "rule"));
    r->text = xstrndup(text ? text : "", text ? len : 0);
    d->name = name;
    d->src = text;
    d->srclen = len;
    d->line0 = 0;
    uint32_t nerr0 = d->nerr;

    rp_t p = {.d = d, .text = text, .len = len, .r = r};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) p.bom = 3;
    p.bi = p.bom;

    yaml_parser_t y;
    if (!yaml_parser_initialize(&y)) {
        diag_add(d, D_ERROR, (span_t){0, 0}, NULL, "out of memory");
        goto fail;
    }
    yaml_parser_set_input_string(&y, (const unsigned char *)(text ? text : ""), len);
    bool loaded = yaml_parser_load(&y, &p.doc) != 0;
    if (!loaded) {
        yaml_error(&p, &y);
        yaml_parser_delete(&y);
        goto fail;
    }
    yaml_node_t *root = yaml_document_get_root_node(&p.doc);
    if (!root) {
        diag_add(d, D_ERROR, (span_t){0, 0}, NULL, "the rule file is empty");
    } else if (root->type != YAML_MAPPING_NODE) {
        say(&p, D_ERROR, root, NULL, "expected a mapping at the top level of the rule");
    } else {
        read_map(&p, root, "rule", top_keys, NKEYS(top_keys), r);
        check_rule(&p, root);
    }
    /* One rule per file: a second document is a mistake worth an error. */
    if (root) {
        yaml_document_t next;
        if (yaml_parser_load(&y, &next)) {
            if (yaml_document_get_root_node(&next))
                diag_add(d, D_ERROR, (span_t){char_to_byte(&p, next.start_mark.index), 3}, NULL,
                         "a rule file holds one YAML document; found a second one");
            yaml_document_delete(&next);
        } else {
            yaml_error(&p, &y);
        }
    }
    yaml_document_delete(&p.doc);
    yaml_parser_delete(&y);
    if (d->nerr == nerr0) return 0;
fail:;
    char *path = r->path, *txt = r->text;
    r->path = r->text = NULL;
    rule_free(r);
    r->path = path;
    r->text = txt;
    return -1;
}

/* See rule.h. I/O errors are messages in d too (with no source line). On
 * success and on a parse error d's source is r->text, which lives until
 * rule_free. */
int rule_load_file(const char *path, rule_t *r, diag_t *d) {
    memset(r, 0, sizeof *r);
    d->name = path;
    d->src = NULL;
    d->srclen = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(d, D_ERROR, (span_t){0, 0}, NULL, "cannot open rule file: %s", strerror(errno));
        return -1;
    }
    buf_t b = {0};
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_put(&b, chunk, got);
        if (b.n > RULE_MAX_FILE) break;
    }
    bool bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad || b.n > RULE_MAX_FILE) {
        if (bad) diag_add(d, D_ERROR, (span_t){0, 0}, NULL, "cannot read rule file: %s", strerror(e));
        else diag_add(d, D_ERROR, (span_t){0, 0}, NULL, "rule file is larger than %u bytes", RULE_MAX_FILE);
        buf_free(&b);
        return -1;
    }
    int rc = rule_parse(path, b.p ? b.p : "", b.n, r, d);
    buf_free(&b);
    d->src = r->text;
    return rc;
}

/* Free a list's strings and array. */
static void list_free(strlist_t *l) {
    for (uint32_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* See rule.h. Safe on a zeroed or half-filled rule; r is zeroed after. */
void rule_free(rule_t *r) {
    char **strs[] = {&r->path, &r->id, &r->title, &r->description, &r->status, &r->tactic, &r->tactic_id,
                     &r->technique, &r->technique_id, &r->subtechnique, &r->subtechnique_id,
                     &r->severity_field, &r->default_severity, &r->query, &r->text};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) free(*strs[i]);
    for (uint32_t i = 0; i < r->nsevs; i++) free(r->sevs[i].name);
    free(r->sevs);
    list_free(&r->references);
    list_free(&r->false_positives);
    list_free(&r->blind_spots);
    list_free(&r->data_sources);
    list_free(&r->lint_ignore);
    for (uint32_t i = 0; i < r->ntunings; i++) {
        rule_tuning_t *t = &r->tunings[i];
        free(t->name);
        free(t->description);
        free(t->field);
        list_free(&t->values);
        list_free(&t->prefixes);
    }
    free(r->tunings);
    for (uint32_t i = 0; i < r->ntests; i++) {
        rule_test_t *t = &r->tests[i];
        free(t->name);
        free(t->records);
        free(t->category);
        list_free(&t->files);
        list_free(&t->tune);
        for (uint32_t j = 0; j < t->nexpect; j++) {
            for (uint32_t k = 0; k < t->expect[j].n; k++) {
                free(t->expect[j].w[k].col);
                free(t->expect[j].w[k].val);
            }
            free(t->expect[j].w);
        }
        free(t->expect);
    }
    free(r->tests);
    memset(r, 0, sizeof *r);
}

/* See rule.h. Names compare ASCII case-insensitively. */
int rule_sev_score(const rule_t *r, const char *name, size_t n) {
    if (!name) return -1;
    for (uint32_t i = 0; i < r->nsevs; i++)
        if (pstr_ieq_c(pstr(name, n), r->sevs[i].name)) return r->sevs[i].score;
    return -1;
}

/* ---------------------------------------------------------------------------
 * Tuned queries
 * ------------------------------------------------------------------------- */

/* True when the identifier ending just before q[i] is `matches`. */
static bool after_matches(const char *q, size_t i) {
    while (i > 0 && (q[i - 1] == ' ' || q[i - 1] == '\t' || q[i - 1] == '\n' || q[i - 1] == '\r')) i--;
    if (i < 7) return false;
    if (!pstr_ieq_c(pstr(q + i - 7, 7), "matches")) return false;
    if (i == 7) return true;
    char c = q[i - 8];
    return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
}

/* Offset of the first `|` that ends the scope: not inside a "string", a
 * /regex/ (a `/` right after the word `matches`) or parentheses. Returns
 * n when there is none. Backslash escapes the next byte in both. */
static size_t scope_end(const char *q, size_t n) {
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = q[i];
        if (c == '"' || (c == '/' && after_matches(q, i))) {
            for (i++; i < n && q[i] != c; i++)
                if (q[i] == '\\' && i + 1 < n) i++;
            if (i >= n) return n;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth > 0) depth--;
        } else if (c == '|' && depth == 0) {
            return i;
        }
    }
    return n;
}

/* Append c[0..) as a regex that matches it literally: every ASCII
 * punctuation byte is escaped, `/` included so the regex literal stays
 * closed. */
static void put_literal(buf_t *b, const char *c) {
    for (; *c; c++) {
        unsigned char u = (unsigned char)*c;
        bool punct = (u >= '!' && u <= '/') || (u >= ':' && u <= '@') || (u >= '[' && u <= '`') ||
                     (u >= '{' && u <= '~');
        if (punct && u != '_') buf_putc(b, '\\');
        buf_putc(b, *c);
    }
}

/* Append a path prefix: literal, but a drive letter (`C:\`) may also be
 * written as the volume Windows Filtering Platform logs (5156:
 * `\device\harddiskvolume2\`), whichever volume it is. */
static void put_prefix(buf_t *b, const char *v) {
    bool drive = ((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z')) && v[1] == ':' && v[2] == '\\';
    if (drive) {
        buf_printf(b, "(%c\\:|\\\\device\\\\harddiskvolume[0-9]+)", v[0]);
        v += 2;
    }
    put_literal(b, v);
}

/* Append one tuning's stage: | where !(F matches /(?i)(^|[\\\/])(v1|v2)$|^(p1|p2)/),
 * values matched at the path's end, prefixes at its start. */
static void put_tuning(buf_t *b, const rule_tuning_t *t) {
    buf_printf(b, "| where !(%s matches /(?i)", t->field);
    if (t->values.n) {
        buf_puts(b, "(^|[\\\\\\/])(");
        for (uint32_t i = 0; i < t->values.n; i++) {
            if (i) buf_putc(b, '|');
            put_literal(b, t->values.v[i]);
        }
        buf_puts(b, ")$");
    }
    if (t->prefixes.n) {
        buf_puts(b, t->values.n ? "|^(" : "^(");
        for (uint32_t i = 0; i < t->prefixes.n; i++) {
            if (i) buf_putc(b, '|');
            put_prefix(b, t->prefixes.v[i]);
        }
        buf_putc(b, ')');
    }
    buf_puts(b, "/)");
}

/* See rule.h. A tuning without a field, values or prefixes is skipped. When the
 * first stage's `|` starts a line, each new stage goes on a line of its
 * own with the same indentation; otherwise stages are joined with spaces.
 * A query without stages gets them appended. */
char *rule_tuned_query(const rule_t *r) {
    const char *q = r->query ? r->query : "";
    size_t n = strlen(q);
    buf_t b = {0};
    size_t at = scope_end(q, n);
    bool any = false;
    for (uint32_t i = 0; i < r->ntunings; i++) {
        const rule_tuning_t *t = &r->tunings[i];
        if (t->enabled && t->field && (t->values.n || t->prefixes.n)) any = true;
    }
    if (!any) return xstrndup(q, n);

    /* Where the line holding the pipe starts, and whether only blanks precede it. */
    size_t ls = at;
    while (ls > 0 && (q[ls - 1] == ' ' || q[ls - 1] == '\t')) ls--;
    bool own_line = at < n && (ls == 0 || q[ls - 1] == '\n');

    if (at == n) {
        /* No stages: append after the scope (a match-all `*` when the
         * scope is empty), keeping a trailing newline. */
        size_t e = n;
        while (e > 0 && (q[e - 1] == '\n' || q[e - 1] == '\r' || q[e - 1] == ' ' || q[e - 1] == '\t')) e--;
        buf_put(&b, q, e);
        if (e == 0) buf_putc(&b, '*');
        for (uint32_t i = 0; i < r->ntunings; i++) {
            const rule_tuning_t *t = &r->tunings[i];
            if (!t->enabled || !t->field || !(t->values.n || t->prefixes.n)) continue;
            buf_putc(&b, ' ');
            put_tuning(&b, t);
        }
        if (n > 0 && q[n - 1] == '\n') buf_putc(&b, '\n');
        return b.p;
    }
    buf_put(&b, q, at);
    for (uint32_t i = 0; i < r->ntunings; i++) {
        const rule_tuning_t *t = &r->tunings[i];
        if (!t->enabled || !t->field || !(t->values.n || t->prefixes.n)) continue;
        put_tuning(&b, t);
        if (own_line) {
            buf_putc(&b, '\n');
            buf_put(&b, q + ls, at - ls);
        } else {
            buf_putc(&b, ' ');
        }
    }
    buf_puts(&b, q + at);
    return b.p;
}
