/* op_json.c — the json operator: named paths, and json auto.
 *
 * `json [field=f] "a.b", "c[0]" [as x, y] [nodrop]` extracts paths and,
 * like every parse, drops records that lack one unless nodrop; a path
 * with `[*]` ("Actor[*].Type") gives the JSON array of every element's
 * value.
 * `json auto [field=f] [maxdepth N] [extractarrays] [keys "k", ... [refonly]
 * [as a, ...]]` finds the JSON object in the text (it may follow a
 * preamble: the object that ends at the text's last '}'), flattens it into
 * fields named by their paths (`foo.bar`, `users[2].name`, spaces in keys
 * turned into '_'), at most 100 of them, and drops nothing
 * (parse-json-formatted-logs page). Values borrow the record or the
 * worker's scratch arena.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "op.h"

/* Fields one json auto extracts at most ("Up to 100 fields are extracted"). */
#define JA_MAXFIELDS 100
/* Deepest nesting flattened when no maxdepth is given. */
#define JA_MAXDEPTH 64
/* Longest flattened field name; deeper names are not extracted. */
#define JA_MAXNAME 512
/* '{' positions tried, right to left, when looking for the object. */
#define JA_MAXSTARTS 64

/* json auto's options (query arena). */
typedef struct json_auto {
    int maxdepth;        /* levels flattened (the top object is level 1); 0: JA_MAXDEPTH */
    bool extractarrays;  /* flat arrays become name[0], name[1], ... */
    bool refonly;        /* with keys: extract only those */
    pstr_t *keys;        /* keys "a", "b": flattened names, matched ignoring case */
    uint32_t nkeys;
} json_auto_t;

/* Parse the options after `json auto`. */
static bool parse_auto(parser_t *p, stage_t *st) {
    json_auto_t *ja = arena_calloc(ps_arena(p), sizeof *ja);
    st->data = ja;
    st->json_auto = true;
    st->anyfield = true;
    uint32_t kcap = 0;
    for (;;) {
        if (ps_is_kw(&p->t, "field") && ps_peek(p).kind == T_EQ) {
            if (!ps_src(p, st)) return false;
        } else if (ps_is_kw(&p->t, "maxdepth")) {
            ps_advance(p);
            int64_t d;
            tok_t t = p->t;
            if (!ps_count(p, &d)) return false;
            if (d < 1 || d > JA_MAXDEPTH) {
                ps_error(p, t.sp, "maxdepth is between 1 and %d", JA_MAXDEPTH);
                return false;
            }
            ja->maxdepth = (int)d;
        } else if (ps_is_kw(&p->t, "extractarrays")) {
            ja->extractarrays = true;
            ps_advance(p);
        } else if (ps_is_kw(&p->t, "keys")) {
            ps_advance(p);
            for (;;) {
                if (p->t.kind != T_STR || p->t.v.n == 0) {
                    ps_unexpected(p, "a quoted key such as \"user\"");
                    return false;
                }
                PS_PUSH(p, ja->keys, ja->nkeys, kcap, p->t.v);
                ps_advance(p);
                if (p->t.kind != T_COMMA) break;
                ps_advance(p);
            }
        } else if (ps_is_kw(&p->t, "refonly")) {
            if (!ja->nkeys) {
                ps_error(p, p->t.sp, "refonly goes with keys \"...\"");
                return false;
            }
            ja->refonly = true;
            ps_advance(p);
        } else if (ps_is_kw(&p->t, "as") && ja->nkeys && !st->nflds) {
            uint32_t start = p->t.sp.off;
            ps_advance(p);
            if (!ps_field_list(p, true, &st->flds, &st->flds_sp, &st->nflds)) return false;
            if (st->nflds != ja->nkeys) {
                ps_error(p, ps_span_from(p, start), "json auto keys names %u key%s but 'as' names %u field%s",
                         ja->nkeys, ja->nkeys == 1 ? "" : "s", st->nflds, st->nflds == 1 ? "" : "s");
                return false;
            }
        } else if (ps_is_kw(&p->t, "nodrop")) {
            st->nodrop = true; /* json auto drops nothing anyway */
            ps_advance(p);
        } else {
            break;
        }
    }
    if (ja->nkeys && !st->nflds) {
        /* Without `as` each key is its own field. */
        st->flds = arena_alloc(ps_arena(p), ja->nkeys * sizeof *st->flds);
        for (uint32_t i = 0; i < ja->nkeys; i++) st->flds[i] = ps_field_def(p, ja->keys[i]);
        st->nflds = ja->nkeys;
    }
    return true;
}

/* How row_json reads a path (stage data, one byte a path). */
enum { PATH_ONE, PATH_EACH, PATH_LENGTH };

/* A json path the walker can follow, or an error with a caret at the
 * place it went wrong (sp: the quoted token). `.length()` must end a
 * path that reaches one value. */
static bool check_path(parser_t *p, const pstr_t *path, span_t sp) {
    pstr_t body = *path;
    bool len = pstr_ends(body, PSTR_LIT(".length()"));
    if (len) body.n -= 9;
    size_t pos;
    const char *why;
    bool indef;
    bool ok = json_path_check(body, &pos, &why, &indef);
    if (ok && len && indef) {
        pos = body.n;
        why = "length() of a path that reaches one value (not after [*] or a filter)";
        ok = false;
    }
    if (ok) return true;
    /* The caret lands inside the token when the path has no escapes. */
    span_t at = sp;
    if (sp.len == path->n + 2 && pos < path->n) at = (span_t){sp.off + 1 + (uint32_t)pos, 1};
    ps_error(p, at, "bad json path: expected %s", why);
    return false;
}

/* See op.h (STAGE_KINDS). */
bool stage_json(parser_t *p, stage_t *st) {
    st->kind = ST_JSON;
    ps_advance(p);
    if (ps_is_kw(&p->t, "auto")) {
        ps_advance(p);
        return parse_auto(p, st);
    }
    /* `json keys "a", "b"` (the logreduce pages write it): json auto's keys. */
    if (ps_is_kw(&p->t, "keys") && ps_peek(p).kind == T_STR) return parse_auto(p, st);
    if (!ps_src(p, st)) return false;
    uint32_t pcap = 0;
    span_t *psp = NULL;
    uint32_t npsp = 0, pscap = 0;
    for (;;) {
        if (p->t.kind != T_STR) {
            ps_unexpected(p, "a quoted json path such as \"a.b\"");
            return false;
        }
        if (p->t.v.n == 0) {
            ps_error(p, p->t.sp, "empty json path");
            return false;
        }
        PS_PUSH(p, st->paths, st->npaths, pcap, p->t.v);
        PS_PUSH(p, psp, npsp, pscap, p->t.sp);
        if (!check_path(p, &st->paths[st->npaths - 1], p->t.sp)) return false;
        ps_advance(p);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (ps_is_kw(&p->t, "as")) {
        if (!ps_as_fields(p, st, st->npaths, "json", "path")) return false;
    } else {
        /* Without `as` each output is named by its path text. */
        st->flds = arena_alloc(ps_arena(p), st->npaths * sizeof *st->flds);
        st->flds_sp = psp;
        for (uint32_t i = 0; i < st->npaths; i++) st->flds[i] = ps_field_def(p, st->paths[i]);
        st->nflds = st->npaths;
    }
    if (ps_is_kw(&p->t, "nodrop")) {
        st->nodrop = true;
        ps_advance(p);
    }
    /* How each path is read (row_json): PATH_ONE, PATH_EACH (`[*]` and
     * filters gather every value), PATH_LENGTH (`.length()`). */
    uint8_t *mode = arena_calloc(ps_arena(p), st->npaths);
    bool any = false;
    for (uint32_t k = 0; k < st->npaths; k++) {
        size_t pos;
        const char *why;
        bool indef;
        pstr_t body = st->paths[k];
        if (pstr_ends(body, PSTR_LIT(".length()"))) {
            body.n -= 9;
            st->paths[k] = body;
            mode[k] = PATH_LENGTH;
        } else {
            json_path_check(body, &pos, &why, &indef); /* checked above */
            mode[k] = indef ? PATH_EACH : PATH_ONE;
        }
        any |= mode[k] != PATH_ONE;
    }
    st->data = any ? mode : NULL;
    return true;
}

/* ---- json "a[*].b" ----------------------------------------------------- */

/* Gathers the values a `[*]` path reaches into one JSON array text: a
 * first walk measures (out NULL), the second writes. */
typedef struct gather {
    char *out;   /* where the text goes (scratch arena), NULL while measuring */
    size_t len;  /* bytes measured or written so far, the '[' included */
    size_t n;    /* values seen */
} gather_t;

/* json_path_each's callback: append one value view, comma-separated. */
static void gather_one(void *ud, pstr_t v) {
    gather_t *g = ud;
    v = pstr_trim(v);
    if (g->out) {
        if (g->n) g->out[g->len] = ',';
        memcpy(g->out + g->len + (g->n ? 1 : 0), v.p, v.n);
    }
    g->len += v.n + (g->n ? 1 : 0);
    g->n++;
}

/* The values path reaches in doc as the JSON array `[v1,v2,...]` (each
 * value's text as written), in arena a; false when it reaches none. */
static bool gather_path(pstr_t doc, pstr_t path, arena_t *a, value_t *out) {
    gather_t g = {NULL, 1, 0};
    if (!json_path_each(doc, path, gather_one, &g) || g.n == 0) return false;
    char *buf = arena_alloc(a, g.len + 1);
    buf[0] = '[';
    gather_t w = {buf, 1, 0};
    json_path_each(doc, path, gather_one, &w);
    buf[w.len] = ']';
    *out = val_str(buf, w.len + 1);
    return true;
}

/* json_path_each's callback for a path that reaches one value. */
static void keep_val(void *ud, pstr_t v) { *(pstr_t *)ud = v; }

/* ---- json auto ------------------------------------------------------ */

/* The JSON object in text: all of it when it is one, else the object
 * that ends at the last '}' ("json auto works by searching for json blobs
 * beginning at the end of the message"). */
static bool find_object(pstr_t text, pstr_t *obj) {
    size_t b = 0, e = text.n;
    while (b < e && (text.p[b] == ' ' || text.p[b] == '\t' || text.p[b] == '\r' || text.p[b] == '\n')) b++;
    while (e > b && (text.p[e - 1] == ' ' || text.p[e - 1] == '\t' || text.p[e - 1] == '\r' || text.p[e - 1] == '\n'))
        e--;
    if (b < e && text.p[b] == '{' && json_skip(text.p, e, b) == e) {
        *obj = pstr(text.p + b, e - b);
        return true;
    }
    const char *close = NULL;
    for (size_t i = e; i > b; i--)
        if (text.p[i - 1] == '}') {
            close = text.p + i - 1;
            break;
        }
    if (!close) return false;
    size_t end = (size_t)(close - text.p) + 1;
    unsigned tries = 0;
    for (size_t i = end; i > b && tries < JA_MAXSTARTS; i--) {
        if (text.p[i - 1] != '{') continue;
        tries++;
        if (json_skip(text.p, end, i - 1) == end) {
            *obj = pstr(text.p + i - 1, end - (i - 1));
            return true;
        }
    }
    return false;
}

/* The state of one flattening. */
typedef struct flat {
    exec_t *x;
    record_t *r;
    const stage_t *s;
    const json_auto_t *ja;
    int maxdepth;
    uint32_t nset;           /* fields set so far */
    char name[JA_MAXNAME];   /* the path being visited */
} flat_t;

/* Set the field named f->name[0..n) to the JSON value v. */
static void emit(flat_t *f, size_t n, pstr_t v) {
    if (f->nset >= JA_MAXFIELDS) return;
    pstr_t name = pstr(f->name, n);
    value_t val = json_to_value(v, &f->x->scratch);
    bool ref = false;
    for (uint32_t k = 0; k < f->ja->nkeys && k < f->s->nflds; k++)
        if (pstr_ieq(name, f->ja->keys[k])) {
            rec_set(f->r, f->s->flds[k], val);
            ref = true;
        }
    if (f->ja->refonly) return;
    if (!ref) rec_set(f->r, ex_field_in(f->x, name, f->r), val);
    f->nset++;
}

/* Append s to the name at n (with a '.' first when dot); the new length,
 * or 0 when it does not fit. Spaces become '_' ("Spaces in field names
 * are automatically reformatted to underscores"). */
static size_t name_add(flat_t *f, size_t n, bool dot, pstr_t s) {
    if (n + 1 + s.n >= sizeof f->name) return 0;
    if (dot) f->name[n++] = '.';
    for (size_t i = 0; i < s.n; i++) f->name[n++] = s.p[i] == ' ' ? '_' : s.p[i];
    return n;
}

static void flat_value(flat_t *f, size_t n, pstr_t v, int depth);

/* Does array text v hold an object or an array? */
static bool array_nested(pstr_t v) {
    for (size_t i = 1; i < v.n;) {
        i = json_ws(v.p, v.n, i);
        if (i >= v.n || v.p[i] == ']') return false;
        if (v.p[i] == '{' || v.p[i] == '[') return true;
        i = json_skip(v.p, v.n, i);
        if (i == (size_t)-1) return false;
        i = json_ws(v.p, v.n, i);
        if (i < v.n && v.p[i] == ',') i++;
    }
    return false;
}

/* The elements of array v as name[0], name[1], ... at depth. */
static void flat_array(flat_t *f, size_t n, pstr_t v, int depth) {
    size_t i = 1;
    for (unsigned idx = 0; i < v.n && f->nset < JA_MAXFIELDS; idx++) {
        i = json_ws(v.p, v.n, i);
        if (i >= v.n || v.p[i] == ']') return;
        size_t e = json_skip(v.p, v.n, i);
        if (e == (size_t)-1) return;
        char ix[16];
        int k = snprintf(ix, sizeof ix, "[%u]", idx);
        if (n + (size_t)k < sizeof f->name) {
            memcpy(f->name + n, ix, (size_t)k);
            flat_value(f, n + (size_t)k, pstr(v.p + i, e - i), depth);
        }
        i = json_ws(v.p, v.n, e);
        if (i < v.n && v.p[i] == ',') i++;
    }
}

/* The members of object o, whose level is depth. */
static void flat_object(flat_t *f, size_t n, pstr_t o, int depth) {
    json_iter_t it;
    pstr_t key, val;
    bool esc;
    if (!json_iter_begin(&it, o.p, o.n, 0)) return;
    while (f->nset < JA_MAXFIELDS && json_iter_next(&it, &key, &esc, &val)) {
        if (esc && !json_unescape_body(key, &f->x->scratch, &key)) continue;
        size_t m = name_add(f, n, n > 0, key);
        if (m) flat_value(f, m, val, depth + 1);
    }
}

/* Value v named f->name[0..n), whose level is depth: objects and arrays
 * of objects are flattened while depth <= maxdepth, other values set. */
static void flat_value(flat_t *f, size_t n, pstr_t v, int depth) {
    if (v.n && v.p[0] == '{' && depth <= f->maxdepth) {
        flat_object(f, n, v, depth);
    } else if (v.n && v.p[0] == '[' && depth <= f->maxdepth &&
               (f->ja->extractarrays || array_nested(v))) {
        flat_array(f, n, v, depth + 1);
    } else {
        emit(f, n, v);
    }
}

/* See op.h (STAGE_KINDS). */
int row_json(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    value_t src = ex_src(r, s);
    pstr_t doc = src.t == V_STR ? val_pstr(src) : PSTR_NULL;
    if (s->json_auto) {
        pstr_t obj;
        if (doc.p && find_object(doc, &obj)) {
            flat_t *f = arena_alloc(&x->scratch, sizeof *f);
            f->x = x;
            f->r = r;
            f->s = s;
            f->ja = s->data;
            f->maxdepth = f->ja->maxdepth ? f->ja->maxdepth : JA_MAXDEPTH;
            f->nset = 0;
            flat_object(f, 0, obj, 1);
        }
        return ex_next(x, i, r); /* json auto drops nothing */
    }
    bool all = true;
    const uint8_t *mode = s->data;
    for (uint32_t k = 0; k < s->npaths && k < s->nflds; k++) {
        pstr_t val;
        value_t v;
        size_t len;
        int m = mode ? mode[k] : PATH_ONE;
        if (m == PATH_EACH && doc.p && gather_path(doc, s->paths[k], &x->scratch, &v)) {
            rec_set(r, s->flds[k], v);
        } else if (m == PATH_ONE && doc.p && json_path_each(doc, s->paths[k], keep_val, &val)) {
            rec_set(r, s->flds[k], json_to_value(val, &x->scratch));
        } else if (m == PATH_LENGTH && doc.p && json_path_each(doc, s->paths[k], keep_val, &val) && json_length(val, &len)) {
            rec_set(r, s->flds[k], val_num((double)len));
        } else {
            all = false;
            if (!rec_has(r, s->flds[k])) rec_set(r, s->flds[k], val_null());
        }
    }
    return ex_parse_next(x, i, s, r, all);
}
