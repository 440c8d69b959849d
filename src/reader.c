/* reader.c — the reader toolkit: native names, map tables, the
 * accumulator, reader states and JSON objects (see reader.h; the text
 * cutters and the line framer are in reader_text.c).
 *
 * Sits between the input layer, which owns the buffer, the arena and the record,
 * and the read_*.c readers: a reader looks native names up here (cached
 * by the key's bytes), maps them to schema slots through its rd_map_t
 * table, and writes the schema once per record with rd_acc_emit.
 */
#include "reader.h"

#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "json.h"
#include "json_index.h"
#include "json_scan.h"
#include "schema.h"

#define RD_MAXDEPTH 16   /* object nesting rd_walk follows */
#define RD_MAXPATH 256   /* longest dotted path */

_Static_assert(RD_NSLOT <= 64, "rd_acc_t.has has a bit per slot");

static const char *const special_names[] = {
#define X(id, name) name,
    RD_SPECIALS(X)
#undef X
};

/* ---- native names --------------------------------------------------- */

static int special_of(pstr_t name) {
    if (name.n < 2 || name.n > 14) return RD_SP_NONE;
    for (int k = 0; k < RD_NSPECIAL; k++)
        if (pstr_ieq_c(name, special_names[k])) return k;
    return RD_SP_NONE;
}

/* See reader.h. */
uint32_t rd_lookup(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, int *sp) {
    rd_key_t k = rd_key(c, pos, key, esc, NULL);
    *sp = k.sp;
    return k.id;
}

/* The n bytes at a and b are equal (n <= 38, a key slot's size): word
 * compares, the last word overlapping the one before it. */
static inline bool key_same(const char *a, const char *b, size_t n) {
    uint64_t x, y;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) return false;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t u, v, w, z;
        memcpy(&u, a, 4), memcpy(&v, b, 4), memcpy(&w, a + n - 4, 4), memcpy(&z, b + n - 4, 4);
        return u == v && w == z;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* A cached key's answer, its map entry looked up in t when the slot has
 * none from t yet. */
static inline rd_key_t slot_key(rd_kslot_t *k, pstr_t key, bool esc, const rd_maptab_t *t) {
    rd_key_t r = {k->id, k->sp, NULL};
    if (t && !esc) {
        if (k->tab != t) { /* asked by another reader of the input before */
            k->tab = t;
            k->m = rd_map_find(t, key);
        }
        r.m = k->m;
    }
    return r;
}

static rd_key_t key_hashed(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, const rd_maptab_t *t,
                           rd_kslot_t **filled);

/* See reader.h. A key is first compared with the one the previous record
 * had at its position, then looked up by hash. */
rd_key_t rd_key(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, const rd_maptab_t *t) {
    rd_kslot_t *k = pos < RD_KSHAPE ? &c->ks[pos] : NULL, *filled = NULL;
    if (k && k->n == key.n && key.n && key_same(k->key, key.p, key.n)) return slot_key(k, key, esc, t);
    rd_key_t r = key_hashed(c, pos, key, esc, t, &filled);
    if (k && filled) *k = *filled;
    return r;
}

/* rd_key's lookup by hash; *filled is the cache slot that now holds the
 * key (NULL when it is not cached). */
static rd_key_t key_hashed(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, const rd_maptab_t *t,
                           rd_kslot_t **filled) {
    /* The slot pair is picked by a few bytes of the key, not by its
     * position (records that leave out a field shift every later one);
     * two slots per pair, so two keys that hash alike do not evict each
     * other. */
    rd_key_t r = {FIELD_NONE, RD_SP_NONE, NULL};
    rd_kslot_t *slot = NULL;
    if (pos < RD_KCACHE && key.n) {
        unsigned h = (unsigned)key.n * 40503u ^ (unsigned char)key.p[0] * 131u ^
                     (unsigned char)key.p[key.n - 1] * 17u ^ (unsigned char)key.p[key.n / 2] * 7u;
        rd_kslot_t *a = &c->kc[(h ^ h >> 6) & (RD_KCACHE - 2)], *b = a + 1;
        for (rd_kslot_t *k = a; k <= b; k++)
            if (k->n == key.n && key_same(k->key, key.p, key.n)) {
                *filled = k;
                return slot_key(k, key, esc, t);
            }
        /* A miss: the newest key goes first, the older one to the second slot. */
        if (a->n) *b = *a;
        slot = a;
    }
    pstr_t name = key;
    if (esc && !json_unescape_body(key, c->arena, &name)) name = key;
    int s = special_of(name);
    /* A timestamp key only feeds _messageTime: not noted (nor decoded)
     * when the query never reads it (field.h FT_SKIP_TIME). */
    if (s > RD_SP_RAW && (c->ft->skip & FT_SKIP_TIME)) s = RD_SP_NONE;
    int al = schema_alias(name); /* a Cloud SIEM name fills its schema field */
    if (al >= 0) name = pstr_c(schema_name((unsigned)al));
    uint32_t id = FIELD_NONE;
    if (name.n) {
        ftab_t *ft = c->ft;
        ftab_lock(ft);
        id = ftab_find(ft, name);
        if (ft->want_all) id = ftab_meet(ft, name, c->call.at ? c->call.at : UINT64_MAX);
        if (id != FIELD_NONE) {
            ft->e[id].seen = 1;
            if (!ft->want_all && !ft->e[id].wanted) id = FIELD_NONE;
        }
        ftab_unlock(ft);
    }
    r.id = id;
    r.sp = s;
    r.m = t && !esc ? rd_map_find(t, key) : NULL;
    if (slot && key.n && key.n <= sizeof slot->key) {
        memcpy(slot->key, key.p, key.n);
        slot->n = (uint8_t)key.n;
        slot->sp = (int8_t)s;
        slot->id = id;
        slot->tab = t && !esc ? t : NULL;
        slot->m = r.m;
        *filled = slot;
    }
    return r;
}

/* See reader.h. */
void rd_note(rd_ctx_t *c, int sp, value_t v) {
    if (sp < 0 || v.t != V_STR) return;
    if (sp == RD_SP_RAW) c->raw = val_pstr(v);
    c->spv[sp] = val_pstr(v);
    c->spmask |= (uint32_t)1 << sp;
}

/* See reader.h. */
void rd_time(rd_ctx_t *c, int64_t ms) {
    c->has_time = true;
    c->time_ms = ms;
}

/* See reader.h. */
void rd_category(rd_ctx_t *c, pstr_t cat) { c->defcat = cat; }


/* See reader.h. */
void rd_set(rd_ctx_t *c, unsigned pos, pstr_t key, value_t v, record_t *rec, unsigned how) {
    int sp;
    uint32_t id = rd_lookup(c, pos, key, false, &sp);
    if (id != FIELD_NONE && !((how & RD_KEEP) && rec_get(rec, id).t != V_NULL)) rec_set(rec, id, v);
    if (!(how & RD_NONOTE)) rd_note(c, sp, v);
}

/* Is val a JSON string of the line c->call.jx indexes whose body holds no
 * backslash (so that it decodes to itself), by the index's mask? */
static inline bool plain_string(const rd_ctx_t *c, pstr_t val) {
    const jx_t *x = c->call.jx;
    if (!x || val.n < 2 || val.p[0] != '"') return false;
    uintptr_t lo = (uintptr_t)c->call.jx_p, p = (uintptr_t)val.p;
    if (p < lo || val.n > x->n || p - lo > x->n - val.n) return false; /* (not in the line: never, but not read then) */
    if (!x->anyb) return true;
    size_t a = (size_t)(p - lo) + 1;
    return !jx_any_bs(x, a, a + val.n - 2);
}

/* A JSON member whose key k was looked up: rd_json_member's work. */
__attribute__((always_inline)) static inline value_t json_member(rd_ctx_t *c, rd_key_t k, pstr_t val, unsigned how,
                                                                 record_t *rec) {
    if (how & RD_NONOTE) k.sp = RD_SP_NONE;
    if (k.id == FIELD_NONE && k.sp == RD_SP_NONE && !(how & RD_NEED)) return val_null();
    /* json_to_value's answer, without the call for a string without
     * escapes (its body) and a number (its text, marked) */
    value_t v;
    if (plain_string(c, val)) {
        v = val_str(val.p + 1, val.n - 2);
    } else if (val.n && ((val.p[0] >= '0' && val.p[0] <= '9') || val.p[0] == '-')) {
        v = val_strv(val);
        v.b = VAL_JSONLIT;
    } else {
        v = json_to_value(val, c->arena);
    }
    if (k.id != FIELD_NONE) rec_set(rec, k.id, v);
    if (k.sp >= 0) rd_note(c, k.sp, v); /* (most keys are no special: no call) */
    return v;
}

/* See reader.h. */
value_t rd_json_member(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, pstr_t val, unsigned how, record_t *rec) {
    return json_member(c, rd_key(c, pos, key, esc, NULL), val, how, rec);
}

/* See reader.h. */
value_t rd_json_value(rd_ctx_t *c, rd_key_t k, pstr_t val, unsigned how, record_t *rec) {
    return json_member(c, k, val, how, rec);
}

/* See reader.h. */
void rd_ids(rd_ctx_t *c, const char *const *names, unsigned n, uint32_t *ids) {
    for (unsigned k = 0; k < n; k++) {
        int sp;
        ids[k] = names[k] ? rd_lookup(c, RD_KCACHE, pstr_c(names[k]), false, &sp) : FIELD_NONE;
    }
}

/* ---- map tables ------------------------------------------------------ */

/* Name byte a and key byte b are alike under match. */
static bool same_byte(char a, char b, unsigned match) {
    if (match == RD_EXACT) return a == b;
    char x = str_lc(b);
    return str_lc(a) == x || (match == RD_DOTS && a == '.' && x == '_');
}

/* See reader.h. A length and first-byte test first: most keys are in no table. */
const rd_map_t *rd_map_find(const rd_maptab_t *t, pstr_t key) {
    if (!key.n) return NULL;
    for (uint16_t i = 0; i < t->n; i++) {
        const rd_map_t *m = &t->e[i];
        if (m->n != key.n || !same_byte(m->name[0], key.p[0], t->match)) continue;
        if (t->match == RD_EXACT) {
            if (memcmp(m->name, key.p, key.n) == 0) return m;
            continue;
        }
        size_t k = 1;
        while (k < key.n && same_byte(m->name[k], key.p[k], t->match)) k++;
        if (k == key.n) return m;
    }
    return NULL;
}

/* See reader.h. */
unsigned rd_map_cols(const rd_maptab_t *t, const char *const *names, unsigned n, rd_col_t *out) {
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        const rd_map_t *m = names[i] ? rd_map_find(t, pstr_c(names[i])) : NULL;
        if (m) out[k++] = (rd_col_t){i, m};
    }
    return k;
}

/* ---- the accumulator ------------------------------------------------- */

#define BIT(s) ((uint64_t)1 << (s))

/* See reader.h. */
void rd_acc_init(rd_acc_t *a, const sc_ids_t *ids, sl_clock_t *clock, unsigned flags) {
    a->ids = ids;
    a->clock = clock;
    a->flags = flags;
    a->has = 0;
    a->has_ms = false;
    a->ms = 0;
}

/* See reader.h. */
bool rd_acc_key(rd_acc_t *a, const rd_maptab_t *t, pstr_t key, pstr_t v) {
    const rd_map_t *m = rd_map_find(t, key);
    if (m) rd_acc_put(a, m, v);
    return m != NULL;
}

/* See reader.h. */
void rd_acc_clear(rd_acc_t *a, unsigned slot) { a->has &= ~BIT(slot); }

/* See reader.h. */
void rd_acc_outcome(rd_acc_t *a) {
    if (rd_acc_has(a, SC_OUTCOME) || !rd_acc_has(a, SC_ACTION)) return;
    unsigned conv = a->conv[SC_ACTION] == RD_OCSFACT ? RD_OCSFOUT : RD_OUTCOME;
    rd_acc_keep(a, SC_OUTCOME, conv, a->rank[SC_ACTION], a->v[SC_ACTION]);
}

/* See reader.h. */
void rd_acc_swap(rd_acc_t *a, unsigned s1, unsigned s2) {
    pstr_t v = a->v[s1];
    uint8_t cv = a->conv[s1], rk = a->rank[s1];
    uint64_t h1 = a->has >> s1 & 1, h2 = a->has >> s2 & 1;
    a->v[s1] = a->v[s2], a->conv[s1] = a->conv[s2], a->rank[s1] = a->rank[s2];
    a->v[s2] = v, a->conv[s2] = cv, a->rank[s2] = rk;
    a->has = (a->has & ~(BIT(s1) | BIT(s2))) | h2 << s1 | h1 << s2;
}

/* See reader.h. The header's host goes in at RD_RANK_FILL: a host the
 * record names (or holds natively) wins. */
void rd_acc_syslog(rd_acc_t *a, const sl_hdr_t *h) {
    if (h->host.n) {
        rd_acc_set(a, SC_SOURCEHOST, RD_TEXT, h->host);
        rd_acc_keep(a, SC_HOST, RD_TEXT, RD_RANK_FILL, h->host);
    }
    if (h->has_time) {
        a->has_ms = true;
        a->ms = h->ms;
    }
}

/* A small number code to a name: 0-based table lookup, empty when out of range. */
static pstr_t code_name(pstr_t v, const char *const *names, unsigned n) {
    if (v.n != 1 || v.p[0] < '0' || (unsigned)(v.p[0] - '0') >= n || !names[v.p[0] - '0']) return PSTR_NULL;
    return pstr_c(names[v.p[0] - '0']);
}

/* Set or fill schema field f. */
static void put_field(record_t *rec, const sc_ids_t *ids, unsigned f, pstr_t v, bool fill) {
    if (fill) sc_fill(rec, ids, f, val_strv(v));
    else sc_set(rec, ids, f, val_strv(v));
}

/* See reader.h. */
void rd_acc_emit(rd_ctx_t *c, rd_acc_t *a, record_t *rec) {
    static const char *const dir01[] = {"inbound", "outbound"};
    static const char *const dir12[] = {NULL, "inbound", "outbound", "internal"};
    static const char *const ocsfact[] = {"Unknown", "Open", "Close", "Reset", "Fail", "Refuse", "Traffic"};
    static const char *const ocsfout[] = {NULL, NULL, NULL, NULL, "failed", "failed"};
    const sc_ids_t *ids = a->ids;
    for (uint64_t todo = a->has & (BIT(SC_N) - 1); todo; todo &= todo - 1) {
        unsigned f = (unsigned)__builtin_ctzll(todo); /* the slots that hold a value, in field order */
        unsigned conv = a->conv[f];
        if (ids->id[f] == FIELD_NONE && conv < RD_HOST) continue; /* not read: not converted either */
        pstr_t v = a->v[f];
        bool fill = (a->flags & RD_ACC_FILL) || a->rank[f] == RD_RANK_FILL;
        int64_t ms;
        switch (conv) {
        case RD_IP: v = schema_ip(v); break;
        case RD_NUM: v = schema_number(v); break;
        case RD_PROTO: v = schema_protocol(v); break;
        case RD_DIR: v = schema_direction(v); break;
        case RD_DIR01: v = code_name(v, dir01, 2); break;
        case RD_DIR12: v = code_name(v, dir12, 4); break;
        case RD_OCSFACT: v = code_name(v, ocsfact, 7); break;
        case RD_OUTCOME: v = schema_outcome(v); break;
        case RD_OCSFOUT: v = code_name(v, ocsfout, 6); break;
        case RD_HOST: sc_fill(rec, ids, SC_SOURCEHOST, val_strv(v)); break;
        case RD_TIME:
            if (!(fill && c->has_time) && !(c->ft->skip & FT_SKIP_TIME) && dt_parse(v, &ms)) rd_time(c, ms);
            continue;
        case RD_DEVTIME:
            if (!(fill && c->has_time) && !(c->ft->skip & FT_SKIP_TIME) && rd_devtime(v, a->clock, &ms))
                rd_time(c, ms);
            continue;
        default: break;
        }
        if (v.n || ((a->flags & RD_ACC_EMPTY) && conv == RD_TEXT)) put_field(rec, ids, f, v, fill);
    }
    if (!c->has_time && a->has_ms) rd_time(c, a->ms);
}

/* ---- a reader's state ------------------------------------------------ */

/* See reader.h. */
void *rd_base_alloc(rd_ctx_t *c, size_t size) {
    rd_base_t *s = xcalloc(1, size);
    schema_ids(c->ft, &s->ids);
    sl_clock_init(&s->clock, c->ref_ms);
    return s;
}

/* See reader.h. */
void *rd_base_open(rd_ctx_t *c) { return rd_base_alloc(c, sizeof(rd_base_t)); }

/* See reader.h. */
void rd_base_close(void *st) { free(st); }

/* ---- JSON objects ---------------------------------------------------- */

/* A name's bit in rd_kfilt_t's masks: its byte's low five bits, which
 * fold ASCII case (a letter and its capital share one; other bytes may
 * share one too, which only lets more keys through). */
static inline unsigned kf_bit(char ch) { return (unsigned char)ch & 31; }

/* Let keys spelled like name through f. (A name's length picks its masks
 * modulo RD_KF_LEN: names of lengths that share masks only let more keys
 * through.) */
static void kf_add(rd_kfilt_t *f, pstr_t name) {
    if (!name.n) return;
    size_t k = name.n % RD_KF_LEN;
    f->first[k] |= (uint32_t)1 << kf_bit(name.p[0]);
    f->mid[k] |= (uint32_t)1 << kf_bit(name.p[name.n / 2]);
    f->last[k] |= (uint32_t)1 << kf_bit(name.p[name.n - 1]);
}

/* See reader.h. The names whose keys rd_key may answer with a field or a
 * special, or whose field it may mark seen: the fields the query reads,
 * those of the table no record has carried yet, the specials (the
 * timestamp ones only when _messageTime is read, as in key_hashed) and
 * every Cloud SIEM alias (which fills its schema field). */
void rd_kfilt_init(rd_ctx_t *c, rd_kfilt_t *f) {
    memset(f, 0, sizeof *f);
    ftab_t *ft = c->ft;
    ftab_lock(ft);
    f->on = !ft->want_all;
    for (unsigned k = 0; !f->on && k < RD_KF_LEN; k++) /* (all: every key) */
        f->first[k] = f->mid[k] = f->last[k] = ~(uint32_t)0;
    for (uint32_t id = 0; f->on && id < ft->n; id++)
        if (ft->e[id].wanted || !ft->e[id].seen) kf_add(f, ftab_name(ft, id));
    ftab_unlock(ft);
    for (int k = 0; k < RD_NSPECIAL; k++)
        if (k <= RD_SP_RAW || !(ft->skip & FT_SKIP_TIME)) kf_add(f, pstr_c(special_names[k]));
    const char *al;
    for (unsigned k = 0; (al = schema_alias_at(k, NULL)) != NULL; k++) kf_add(f, pstr_c(al));
}

/* May the unescaped key s[0..n) name a field or a special? (Always when f
 * is off; the empty key, which rd_key never answers with one, only when a
 * name's length is a multiple of RD_KF_LEN.) One look-up by the length
 * and the first byte stops most keys. */
static inline bool kf_maybe(const rd_kfilt_t *f, const char *s, size_t n) {
    size_t k = n % RD_KF_LEN;
    if (!(f->first[k] >> kf_bit(s[0]) & 1)) return false;
    return (f->last[k] >> kf_bit(s[n - 1]) & 1) && (f->mid[k] >> kf_bit(s[n / 2]) & 1);
}

/* rd_json_object's loop; with x (the masks of s[0..n)) strings and
 * digit runs end at a mask's next bit, without it the bytes are scanned.
 * Both answer the same (json_index.h). With f (a key filter that is on),
 * a key f stops is neither looked up nor compared with the key cache:
 * rd_key answers no field and no special for it, so json_member would
 * set nothing (the same answer, the same members in the same order). */
__attribute__((always_inline)) static inline bool json_object(rd_ctx_t *c, const char *s, size_t n, record_t *rec,
                                                              const jx_t *x, const rd_kfilt_t *f) {
    size_t i = js_ws(s, n, 0);
    if (i >= n || s[i] != '{') return false;
    i = js_ws(s, n, i + 1);
    if (i < n && s[i] == '}') return js_ws(s, n, i + 1) == n;
    for (unsigned pos = 0;; pos++) {
        if (i >= n || s[i] != '"') return false;
        rd_kslot_t *ks = !f && pos < RD_KSHAPE ? &c->ks[pos] : NULL;
        size_t kn = ks ? ks->n : 0, j;
        bool esc = false, same;
        /* (A cached key ends where its closing quote was unescaped; the
         * same bytes followed by a quote end the same way.) */
        same = kn && kn + 1 < n - i && s[i + 1 + kn] == '"' && key_same(ks->key, s + i + 1, kn);
        if (same) {
            j = i + 1 + kn;
        } else {
            j = x ? jx_str_end(x, i, &esc) : js_str_end(s, n, i, &esc);
            if (j >= n) return false;
        }
        pstr_t key = pstr(s + i + 1, j - i - 1);
        i = js_ws(s, n, j + 1);
        if (i >= n || s[i] != ':') return false;
        i = js_ws(s, n, i + 1);
        if (i >= n) return false;
        j = x ? jx_value_end(x, s, i) : js_value_end(s, n, i);
        if (j == JSON_BAD) return false;
        /* Looked up once the member is known to be whole: a key of a
         * member that is not names no field. */
        if (!f || esc || kf_maybe(f, key.p, key.n)) {
            rd_key_t k = same ? slot_key(ks, key, false, NULL) : rd_key(c, pos, key, esc, NULL);
            json_member(c, k, pstr(s + i, j - i), 0, rec);
        }
        i = js_ws(s, n, j);
        if (i >= n) return false;
        if (s[i] == '}') return js_ws(s, n, i + 1) == n;
        if (s[i] != ',') return false;
        i = js_ws(s, n, i + 1);
    }
}

/* See reader.h. json_iter_next's walk and rd_key's lookup in one loop:
 * a key is first taken to be the one the previous record had at its
 * position (its bytes and closing quote compared in place, no scan for
 * the quote); members are validated as they are passed. A text of up to
 * JX_MAXLEN bytes is first indexed in one vector pass (json_index.h). */
bool rd_json_object(rd_ctx_t *c, const char *s, size_t n, record_t *rec) {
    jx_t x;
    if (jx_build(&x, s, n)) return json_object(c, s, n, rec, &x, NULL);
    return json_object(c, s, n, rec, NULL, NULL);
}

/* ---- flat JSON objects ------------------------------------------------ */

/* The two bytes at p as one number (for comparing them at once). */
static inline uint16_t two(const char *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* The members json_object_flat found that it hands to json_member. */
#define FLAT_MAXHIT RD_KSHAPE

/* One of them: its key's quotes, its value's bytes [e + 2, j) and its
 * place among the object's members. */
typedef struct flat_hit {
    const char *o, *e, *j;
    unsigned pos;
} flat_hit_t;

/* How far x->d lies past x->q, in bytes: json_object_flat reaches the
 * digit mask's word from the quote mask's word of the same bytes. */
#define FLAT_DQ (offsetof(jx_t, d) - offsetof(jx_t, q))

/* json_object's walk for the commonest line: a flat object without
 * blanks, `{"key":value,...}` with strings, numbers, true, false and null
 * for values. Walks the quotes in order off x's quote mask (each member's
 * two or four quotes, no search) and answers -1, with nothing done, at
 * anything else (blanks, nested values, more than FLAT_MAXHIT members to
 * set, a key with a backslash, malformed text): the general walk then
 * answers. Otherwise it answers how many members it put into hit, in
 * their order: those whose keys f (on) lets through, since rd_key
 * answers no field and no special for the others and json_member sets
 * nothing for them; the caller looks them up once the whole object is
 * known to be valid. A function of its own, without the context and the
 * record, and its member loop keeps few values (places as pointers, the
 * digit mask reached from the quote mask's word, s, n and x used off its
 * common path only), so that fewer of them are kept on the stack.
 * Aligned to a cache line: where an unrelated change elsewhere moved it
 * (to 48 bytes past one), top-k over 1M lines took 5-8% more CPU time;
 * aligned, it runs as in the best placement seen, whatever comes before. */
__attribute__((noinline, aligned(64))) static int json_object_flat(const char *s, size_t n, const jx_t *x, const rd_kfilt_t *f,
                                                      flat_hit_t *hit) {
    int nhit = 0;
    /* (A '}' last: every scan below stops before the end of the text, and
     * reads no further than s[n].) */
    if (n < 4 || s[0] != '{' || s[1] != '"' || s[n - 1] != '}') return -1;
    const uint64_t *qw = x->q; /* the quote mask's word of the bytes from sb */
    const char *sb = s, *o = s + 1, *e, *i, *j; /* o: the key's opening quote */
    const char *nb = x->anyb ? s : s + n;
    uint64_t q = *qw & (*qw - 1); /* (the first key's quote, at 1, passed) */
    /* To the word of the next quote (none: not this walk's line); then
     * FLAT_POP puts its place into v and steps over it, FLAT_DROP steps
     * over a quote whose place is known. */
#define FLAT_NEXT()                                          \
    while (!q) {                                             \
        if (__builtin_expect(++qw == x->q + x->nw, 0)) return -1; \
        q = *qw;                                             \
        sb += 64;                                            \
    }
#define FLAT_POP(v) do { FLAT_NEXT() (v) = sb + __builtin_ctzll(q); q &= q - 1; } while (0)
#define FLAT_DROP() do { FLAT_NEXT() q &= q - 1; } while (0)
    for (unsigned pos = 0;; pos++) {
        FLAT_POP(e); /* the key's closing quote */
        /* nb: the first backslash at or after o, or one past it (the
         * text's end when it has none). A key with one leaves the line to
         * the general walk (rare). */
        if (__builtin_expect(nb < e, 0)) {
            nb = s + jx_next(x, x->b, (size_t)(o - s));
            if (nb < e) return -1;
        }
        i = e + 2;
        char ch = *i; /* (at worst s[n], readable) */
        if (two(e + 1) == two(":\"")) { /* (the next quote: a ':' escapes nothing) */
            FLAT_DROP();
            FLAT_POP(j);
            j++;
        } else if (__builtin_expect(e[1] != ':', 0)) {
            return -1;
        } else if (__builtin_expect(ch >= '1' && ch <= '9', 1)) { /* an integer, most often */
            /* Its digits end at the digit mask's next 0 bit, before the
             * text's last byte (a '}') at the latest. */
            size_t r = (size_t)(i + 1 - sb);
            const uint64_t *dw = (const uint64_t *)((const char *)qw + FLAT_DQ) + r / 64;
            uint64_t v = ~*dw >> (r % 64);
            if (v) {
                j = i + 1 + __builtin_ctzll(v);
            } else {
                const char *p = sb + (r & ~(size_t)63);
                do p += 64; while (!(v = ~*++dw));
                j = p + __builtin_ctzll(v);
            }
            if (*j == '.' || *j == 'e' || *j == 'E') {
                size_t k = jx_num_end(x, s, (size_t)(i - s));
                if (k == JSON_BAD) return -1;
                j = s + k;
            }
        } else {
            bool tr;
            size_t k, ix = (size_t)(i - s);
            switch (ch) {
            case 't': k = js_lit_end(s, n, ix, "true", 4, &tr); break;
            case 'f': k = js_lit_end(s, n, ix, "false", 5, &tr); break;
            case 'n': k = js_lit_end(s, n, ix, "null", 4, &tr); break;
            default: k = jx_num_end(x, s, ix); break; /* (JSON_BAD unless a number) */
            }
            if (k == JSON_BAD) return -1;
            j = s + k;
        }
        if (__builtin_expect(kf_maybe(f, o + 1, (size_t)(e - o - 1)), 0)) {
            if (nhit == FLAT_MAXHIT) return -1;
            hit[nhit].o = o, hit[nhit].e = e, hit[nhit].j = j;
            hit[nhit++].pos = pos;
        }
        if (two(j) != two(",\"")) {
            if (*j != '}' || j != s + n - 1) return -1;
            break;
        }
        o = j + 1;
        FLAT_DROP(); /* (the next quote: a ',' escapes nothing) */
    }
#undef FLAT_NEXT
#undef FLAT_POP
#undef FLAT_DROP
    return nhit;
}

/* json_object on an indexed text, every key read; json_object through the
 * key filter f. Functions of their own: json_object is inlined into each
 * (its scanners with it) as into rd_json_object. */
__attribute__((noinline)) static bool json_object_all(rd_ctx_t *c, const char *s, size_t n, record_t *rec,
                                                      const jx_t *x) {
    return json_object(c, s, n, rec, x, NULL);
}
__attribute__((noinline)) static bool json_object_kf(rd_ctx_t *c, const char *s, size_t n, record_t *rec,
                                                     const jx_t *x, const rd_kfilt_t *f) {
    return json_object(c, s, n, rec, x, f);
}

/* See reader.h. Every key read (f off): the general walk, whose key cache
 * finds most keys with one compare, beats the flat walk's look-ups. */
bool rd_json_object_ix(rd_ctx_t *c, const char *s, size_t n, record_t *rec, const jx_t *x, const rd_kfilt_t *f) {
    if (!f->on) return json_object_all(c, s, n, rec, x);
    flat_hit_t hit[FLAT_MAXHIT];
    int nhit = json_object_flat(s, n, x, f, hit);
    if (nhit < 0) return json_object_kf(c, s, n, rec, x, f);
    for (int k = 0; k < nhit; k++) {
        pstr_t key = pstr(hit[k].o + 1, (size_t)(hit[k].e - hit[k].o - 1));
        json_member(c, rd_key(c, hit[k].pos, key, false, NULL), pstr(hit[k].e + 2, (size_t)(hit[k].j - hit[k].e - 2)), 0,
                    rec);
    }
    return true;
}

/* One member the walk found: its key (decoded), its value view and the
 * length of its parent's path. */
typedef struct walk_ev {
    pstr_t key, val;
    uint16_t plen;
} walk_ev_t;

/* The walk's state: the members found so far, in document order. */
typedef struct walk {
    arena_t *a;              /* the batch arena: escaped keys, the member array */
    walk_ev_t *ev;           /* the members (in a) */
    unsigned n, cap;
} walk_t;

#define WALK_BAD ((size_t)-1)

/* Append a member; returns its index (the array may move). */
static unsigned walk_add(walk_t *w, pstr_t key, pstr_t val, size_t plen) {
    if (w->n == w->cap) {
        unsigned cap = w->cap ? w->cap * 2 : 64;
        walk_ev_t *ev = arena_alloc(w->a, cap * sizeof *ev);
        if (w->n) memcpy(ev, w->ev, w->n * sizeof *ev);
        w->ev = ev;
        w->cap = cap;
    }
    w->ev[w->n] = (walk_ev_t){key, val, (uint16_t)plen};
    return w->n++;
}

/* The object whose '{' is s[i], under a path of plen bytes: its members
 * appended depth first (objects before their members, their length set
 * once they close), each byte read once. Returns the index past its '}',
 * WALK_BAD when it is not valid JSON. */
static size_t walk_obj(walk_t *w, const char *s, size_t n, size_t i, size_t plen, int depth) {
    i = js_ws(s, n, i + 1);
    if (i < n && s[i] == '}') return i + 1;
    for (;;) {
        pstr_t k, key;
        bool esc;
        size_t v = json_member_key(s, n, i, &k, &esc), e;
        if (v == WALK_BAD) return WALK_BAD;
        key = k;
        bool keep = !esc || json_unescape_body(k, w->a, &key);
        size_t np = plen + (plen ? 1 : 0) + key.n;
        if (keep && np < RD_MAXPATH) {
            unsigned x = walk_add(w, key, pstr(s + v, 0), plen);
            e = s[v] == '{' && depth < RD_MAXDEPTH ? walk_obj(w, s, n, v, np, depth + 1) : json_skip(s, n, v);
            if (e == WALK_BAD) return WALK_BAD;
            w->ev[x].val.n = e - v;
        } else { /* not walked, nor its members */
            e = json_skip(s, n, v);
            if (e == WALK_BAD) return WALK_BAD;
        }
        i = js_ws(s, n, e);
        if (i >= n) return WALK_BAD;
        if (s[i] == '}') return i + 1;
        if (s[i] != ',') return WALK_BAD;
        i = js_ws(s, n, i + 1);
    }
}

/* See reader.h. The object is parsed once into a list of its members
 * (pre-order, so an object's view is whole before fn sees it); then fn
 * gets each, its path rebuilt in place: a member's parent path is still
 * in the buffer, since only its earlier siblings' subtrees were written
 * since, all past it. */
bool rd_walk(rd_ctx_t *c, pstr_t obj, pstr_t prefix, rd_leaf_fn fn, void *ud) {
    walk_t w = {c->arena, NULL, 0, 0};
    char path[RD_MAXPATH];
    size_t plen = prefix.n < RD_MAXPATH / 2 ? prefix.n : 0;
    if (plen) memcpy(path, prefix.p, plen);
    size_t i = js_ws(obj.p, obj.n, 0);
    if (i >= obj.n || obj.p[i] != '{' || walk_obj(&w, obj.p, obj.n, i, plen, 0) != obj.n) return false;
    for (unsigned k = 0; k < w.n; k++) {
        const walk_ev_t *e = &w.ev[k];
        size_t np = e->plen + (e->plen ? 1 : 0) + e->key.n;
        if (e->plen) path[e->plen] = '.';
        if (e->key.n) memcpy(path + np - e->key.n, e->key.p, e->key.n);
        fn(ud, pstr(path, np), e->key, e->val);
    }
    return true;
}
