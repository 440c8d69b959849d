/* op_lookup.c — lookup, geoip, threatip, threatlookup and lookupContains:
 * fields from tables that live outside the logs.
 *
 * The parse functions give each stage an lk_spec_t (st->data). Before any
 * record is read, lk_open_all makes every source local — a CSV file found
 * through --lookup-map or --lookup-dir, or a MaxMind database given with
 * --geo-db / --asn-db — and refuses the stages only Sumo's service runs
 * (op_cloud.c). The row functions then read what was opened, shared
 * read-only by the workers. docs/semantics.md §12 gives each rule its page.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <math.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "func.h"
#include "hmap.h"
#include "op.h"

/* `on` pairs (and lookupContains keys) at most. */
#define LK_MAXKEYS 16
/* No row / empty slot. */
#define LK_NONE UINT32_MAX

/* Where a lookup reads. */
enum lk_src {
    LS_TABLE,   /* a lookup table of the library: path://"...", /Library/... (lookup page) */
    LS_CLASSIC, /* an https:// CSV or a table written by classic save (lookup-classic page) */
    LS_SUMO,    /* Sumo's own data: sumo://threat/cs, sumo://threat-intel */
    LS_GEO,     /* geo://location: a MaxMind City database */
    LS_ASN,     /* asn://default: a MaxMind ASN database */
};

/* A lookup-family stage as parsed (st->data, query arena). The stage's
 * own fields hold the rest: flds/flds_sp the fields written, paths the
 * table columns read (parallel), lookup_path the source, on_field and
 * on_col the left field and right name of each `on` pair. */
typedef struct lk_spec {
    uint8_t src;       /* enum lk_src */
    pstr_t source;     /* the source as written, without path:// and its quotes (query text) */
    span_t source_sp;  /* its span */
    bool all;          /* lookup *: every column of the table */
    pstr_t *on_left;   /* per `on` pair: the left name as written ... */
    uint32_t *on_rf;   /* ... and the field the right name reads */
    bool single;       /* threatlookup singleIndicator */
    pstr_t tsource;    /* threatlookup source="..." (p NULL: every source) */
} lk_spec_t;

/* One value a MaxMind database gives for an output field. */
typedef struct geo_field {
    const char *name;     /* Sumo's field name */
    bool deflt;           /* geoip writes it unasked */
    bool coord;           /* a coordinate: rounded to five decimals */
    const char *path[5];  /* where the database keeps it (NULL-terminated) */
    const char *alt[5];   /* else here (alt[0] NULL: nowhere else) */
} geo_field_t;

/* geo://location and geoip: Sumo's names (geo lookup and geoip pages) on
 * the GeoIP2/GeoLite2 City layout. */
static const geo_field_t geo_fields[] = {
    {"latitude", true, true, {"location", "latitude"}, {NULL}},
    {"longitude", true, true, {"location", "longitude"}, {NULL}},
    {"country_code", true, false, {"country", "iso_code"}, {NULL}},
    {"country_name", true, false, {"country", "names", "en"}, {NULL}},
    {"city", true, false, {"city", "names", "en"}, {NULL}},
    {"state", true, false, {"subdivisions", "0", "names", "en"}, {NULL}},
    {"region", false, false, {"subdivisions", "0", "iso_code"}, {NULL}},
    {"continent", false, false, {"continent", "names", "en"}, {NULL}},
    {"postal_code", false, false, {"postal", "code"}, {NULL}},
    {"connection_type", false, false, {"connection_type"}, {"traits", "connection_type"}},
    {"country_cf", false, false, {"country", "confidence"}, {NULL}},
    {"state_cf", false, false, {"subdivisions", "0", "confidence"}, {NULL}},
    {"city_cf", false, false, {"city", "confidence"}, {NULL}},
};

/* asn://default (asn lookup page) on the GeoLite2-ASN layout (or GeoIP2
 * ISP/Enterprise traits). `*` gives the first two. */
static const geo_field_t asn_fields[] = {
    {"asn", true, false, {"autonomous_system_number"}, {"traits", "autonomous_system_number"}},
    {"organization", true, false, {"autonomous_system_organization"}, {"traits", "autonomous_system_organization"}},
    {"carrier_organization", false, false, {"autonomous_system_organization"},
     {"traits", "autonomous_system_organization"}},
    {"registering_organization", false, false, {"organization"}, {"autonomous_system_organization"}},
};

#define NGEO (sizeof geo_fields / sizeof *geo_fields)
#define NASN (sizeof asn_fields / sizeof *asn_fields)

/* threatlookup's response fields (threatlookup page), written as
 * _threatlookup.<name>; num_matches only with singleIndicator. */
static const char *const tl_fields[] = {
    "actors", "confidence", "fields", "id", "imported", "indicator", "kill_chain",
    "source", "threat_type", "type", "updated", "valid_from", "valid_until", "num_matches",
};
#define NTL (sizeof tl_fields / sizeof *tl_fields)
#define TL_NUM_MATCHES (NTL - 1)
#define TL_CONFIDENCE 1 /* tl_fields[] positions the row function reads */
#define TL_SOURCE 7
#define TL_UPDATED 10

/* What a stage (or a lookupContains call) opened for a run. */
struct lktab {
    /* a CSV table */
    bool table;             /* a CSV table was read (else a MaxMind database) */
    char path[4096];        /* the file read */
    table_t t;              /* its rows, by ft */
    ftab_t ft;              /* its column names (ids from F_NBUILTIN on are the header's) */
    bool icase;             /* keys compare ignoring case */
    uint32_t nkey;          /* key columns */
    uint32_t col_key[LK_MAXKEYS]; /* their ids in ft */
    uint32_t rec_key[LK_MAXKEYS]; /* the record fields compared with them (query ids) */
    hm_t ix;                /* key hash -> key id (hmap.h) */
    uint32_t nkeys;         /* distinct keys */
    uint32_t *first;        /* per key id: its first row */
    uint32_t *last;         /* per key id: its last row */
    uint32_t *next;         /* per row: the next row with the same key (LK_NONE: none) */
    uint32_t ndup;          /* rows whose key an earlier row has */
    /* outputs */
    uint32_t nout;          /* fields written */
    uint32_t *col_out;      /* per output: its table column (FIELD_NONE: always null) */
    uint32_t *rec_out;      /* per output: the record field written */
    const geo_field_t **gout; /* per output of a database: the value read */
    /* threatlookup */
    uint32_t tl_col[NTL];   /* column of each response field in ft (FIELD_NONE: null) */
    /* a MaxMind database */
    MMDB_s db;              /* open while db_open */
    bool db_open;           /* db must be closed */
    uint32_t ip_field;      /* the record field holding the address */
};
typedef struct lktab lktab_t;

/* ---- parsing ------------------------------------------------------------ */

/* The scheme of a source ("geo" for geo://x), or an empty view. */
static pstr_t scheme_of(pstr_t s) {
    for (size_t i = 0; i + 2 < s.n; i++) {
        char c = s.p[i];
        if (c == ':' && s.p[i + 1] == '/' && s.p[i + 2] == '/') return pstr(s.p, i);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-'))
            break;
    }
    return pstr(s.p, 0);
}

/* See op.h. */
bool lk_parse_source(parser_t *p, pstr_t *src, span_t *sp, bool *is_path) {
    *is_path = false;
    tok_t t = p->t;
    if (t.kind == T_PATH) {
        *src = t.v;
        *sp = t.sp;
        *is_path = true;
        ps_advance(p);
        return true;
    }
    if (t.kind == T_EOF || t.kind == T_PIPE || t.kind == T_STR || t.kind == T_COMMA) {
        ps_unexpected(p, "a table path such as path://\"/Library/Users/me/table\"");
        return false;
    }
    /* Bare text up to a blank: the tokenizer would read `//` as a comment. */
    const char *text = p->q->text;
    uint32_t start = t.sp.off, end = start;
    while (end < p->q->len && text[end] != ' ' && text[end] != '\t' && text[end] != '\n' && text[end] != '\r') end++;
    *src = pstr(text + start, end - start);
    *sp = (span_t){start, end - start};
    p->lx.pos = end;
    p->lx.operand = false;
    p->prev_end = end;
    p->t = lex_next(&p->lx);
    return true;
}

/* Classify a source; errors (an unknown scheme, a geo:// or asn:// name
 * Sumo does not have) go to the parser. */
static bool classify(parser_t *p, lk_spec_t *ls, bool is_path) {
    pstr_t s = ls->source;
    if (s.n == 0) {
        ps_error(p, ls->source_sp, "empty lookup table path");
        return false;
    }
    if (is_path) {
        ls->src = LS_TABLE;
        return true;
    }
    pstr_t sc = scheme_of(s);
    pstr_t rest = pstr(s.p + sc.n + 3, sc.n ? s.n - sc.n - 3 : 0);
    if (!sc.n) {
        /* A saved path: /Library/... is the library's lookup tables,
         * anything else a classic saved table (shared/..., myFolder/...). */
        ls->src = s.n > 9 && memcmp(s.p, "/Library/", 9) == 0 ? LS_TABLE : LS_CLASSIC;
    } else if (pstr_ieq_c(sc, "https") || pstr_ieq_c(sc, "http")) {
        ls->src = LS_CLASSIC;
    } else if (pstr_ieq_c(sc, "path")) {
        ls->src = LS_TABLE;
        ls->source = rest;
    } else if (pstr_ieq_c(sc, "sumo")) {
        ls->src = LS_SUMO;
    } else if (pstr_ieq_c(sc, "geo") || pstr_ieq_c(sc, "asn")) {
        bool geo = pstr_ieq_c(sc, "geo");
        ls->src = geo ? LS_GEO : LS_ASN;
        if (!pstr_ieq_c(rest, geo ? "location" : "default")) {
            uint32_t i = ps_error(p, ls->source_sp, "unknown %s source '%.*s'", geo ? "geo" : "asn", (int)s.n, s.p);
            diag_hint(p->d, i, "%s", geo ? "Sumo's geolocation table is geo://location" : "Sumo's ASN table is asn://default");
            return false;
        }
    } else {
        uint32_t i = ps_error(p, ls->source_sp, "unknown lookup source scheme '%.*s://'", (int)sc.n, sc.p);
        diag_hint(p->d, i, "lookup reads path://\"...\", https://..., geo://location, asn://default, sumo://... "
                           "or a saved path");
        return false;
    }
    return true;
}

/* The fields a database source offers. */
static const geo_field_t *db_fields(uint8_t src, size_t *n) {
    *n = src == LS_GEO ? NGEO : NASN;
    return src == LS_GEO ? geo_fields : asn_fields;
}

/* The field of a database source named name (any case), or NULL. */
static const geo_field_t *db_field(uint8_t src, pstr_t name) {
    size_t n;
    const geo_field_t *f = db_fields(src, &n);
    for (size_t i = 0; i < n; i++)
        if (pstr_ieq_c(name, f[i].name)) return &f[i];
    return NULL;
}

/* "latitude, longitude, ..." into b, for hints. */
static void field_names(buf_t *b, uint8_t src) {
    size_t n;
    const geo_field_t *f = db_fields(src, &n);
    for (size_t i = 0; i < n; i++) buf_printf(b, "%s%s", i ? ", " : "", f[i].name);
}

/* Report that what (a source or geoip) has no field name, listing its fields. */
static void no_db_field(parser_t *p, span_t sp, const char *what, uint8_t src, pstr_t name) {
    uint32_t k = ps_error(p, sp, "%s has no field '%.*s'", what, (int)name.n, name.p);
    buf_t b = {0};
    field_names(&b, src);
    diag_hint(p->d, k, "its fields: %s", b.p);
    buf_free(&b);
}

/* Append one output: column col written as field name (defined). The
 * three arrays share one capacity, *cap. */
static void add_output(parser_t *p, stage_t *st, pstr_t col, pstr_t name, span_t sp, uint32_t *cap) {
    uint32_t n = st->nflds, c = *cap;
    st->flds = ps_grow(p, st->flds, n, &c, sizeof *st->flds);
    c = *cap;
    st->flds_sp = ps_grow(p, st->flds_sp, n, &c, sizeof *st->flds_sp);
    c = *cap;
    st->paths = ps_grow(p, st->paths, n, &c, sizeof *st->paths);
    *cap = c;
    st->flds[n] = ps_field_def(p, name);
    st->flds_sp[n] = sp;
    st->paths[n] = col;
    st->nflds = st->npaths = n + 1;
}

/* Append one `on` pair: left name l, right name r (both fields the query
 * reads, since either may turn out to be the record's). The four arrays
 * share one capacity, *cap. */
static void add_on(parser_t *p, stage_t *st, lk_spec_t *ls, pstr_t l, pstr_t r, uint32_t *cap) {
    uint32_t n = st->non, c = *cap;
    st->on_field = ps_grow(p, st->on_field, n, &c, sizeof *st->on_field);
    c = *cap;
    st->on_col = ps_grow(p, st->on_col, n, &c, sizeof *st->on_col);
    c = *cap;
    ls->on_left = ps_grow(p, ls->on_left, n, &c, sizeof *ls->on_left);
    c = *cap;
    ls->on_rf = ps_grow(p, ls->on_rf, n, &c, sizeof *ls->on_rf);
    *cap = c;
    st->on_field[n] = ps_field_use(p, l);
    st->on_col[n] = r;
    ls->on_left[n] = l;
    ls->on_rf[n] = ps_field_use(p, r);
    st->non = n + 1;
}

/* The outputs of `lookup a [as x], b ... from`, or `*`. */
static bool parse_outputs(parser_t *p, stage_t *st, lk_spec_t *ls) {
    if (p->t.kind == T_STAR) {
        ls->all = true;
        ps_advance(p);
        return true;
    }
    uint32_t cap = 0;
    for (;;) {
        pstr_t col, name;
        span_t sp, nsp;
        if (!ps_fieldname(p, &col, &sp)) return false;
        name = col;
        nsp = sp;
        if (ps_is_kw(&p->t, "as")) {
            ps_advance(p);
            if (!ps_fieldname(p, &name, &nsp)) return false;
        }
        add_output(p, st, col, name, nsp, &cap);
        if (p->t.kind != T_COMMA) return true;
        ps_advance(p);
    }
}

/* `on a=b [, c=d | and c=d ...]`; a pair without `=` names the same field
 * on both sides. */
static bool parse_on(parser_t *p, stage_t *st, lk_spec_t *ls) {
    if (!ps_expect_kw(p, "on", "'on' and the key, e.g. on ip=ip_address")) return false;
    uint32_t cap = 0;
    for (;;) {
        pstr_t l, r;
        span_t sp;
        if (!ps_fieldname(p, &l, &sp)) return false;
        r = l;
        if (p->t.kind == T_EQ || p->t.kind == T_EQEQ) {
            ps_advance(p);
            if (!ps_fieldname(p, &r, &sp)) return false;
        }
        if (st->non == LK_MAXKEYS) {
            ps_error(p, sp, "more than %d key pairs", LK_MAXKEYS);
            return false;
        }
        add_on(p, st, ls, l, r, &cap);
        if (p->t.kind == T_COMMA || ps_is_kw(&p->t, "and")) {
            ps_advance(p);
            continue;
        }
        return true;
    }
}

/* A geo:// or asn:// lookup: known outputs, `on ip=field`. */
static bool check_db_lookup(parser_t *p, stage_t *st, lk_spec_t *ls, uint32_t start) {
    if (ls->all) {
        /* `*` (asn lookup page: "both fields"; for geo every field). */
        size_t n;
        const geo_field_t *f = db_fields(ls->src, &n);
        uint32_t cap = 0;
        for (size_t i = 0; i < n; i++)
            if (ls->src == LS_GEO || f[i].deflt) add_output(p, st, pstr_c(f[i].name), pstr_c(f[i].name), ls->source_sp, &cap);
        ls->all = false;
    }
    for (uint32_t i = 0; i < st->nflds; i++) {
        if (db_field(ls->src, st->paths[i])) continue;
        no_db_field(p, st->flds_sp[i], ls->src == LS_GEO ? "geo://location" : "asn://default", ls->src, st->paths[i]);
        return false;
    }
    if (st->non != 1 || (!pstr_ieq_c(st->on_col[0], "ip") && !pstr_ieq_c(ls->on_left[0], "ip"))) {
        uint32_t k = ps_error(p, ps_span_from(p, start), "%s is looked up by one address: on ip=<field>",
                              ls->src == LS_GEO ? "geo://location" : "asn://default");
        diag_hint(p->d, k, "e.g. on ip=src_ip");
        return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). `lookup <col> [as f], ... | * from <source> on
 * <field>=<col>, ...` (lookup and lookup-classic pages). */
bool stage_lookup(parser_t *p, stage_t *st) {
    uint32_t start = p->t.sp.off;
    st->kind = ST_LOOKUP;
    ps_advance(p);
    lk_spec_t *ls = arena_calloc(ps_arena(p), sizeof *ls);
    st->data = ls;
    if (!parse_outputs(p, st, ls)) return false;
    if (!ps_expect_kw(p, "from", "'from' and the table, e.g. from path://\"/Library/Users/me/table\"")) return false;
    bool is_path;
    if (!lk_parse_source(p, &ls->source, &ls->source_sp, &is_path) || !classify(p, ls, is_path)) return false;
    st->lookup_path = ls->source;
    if (!parse_on(p, st, ls)) return false;
    if (ls->src == LS_GEO || ls->src == LS_ASN) return check_db_lookup(p, st, ls, start);
    return true;
}

/* The start of `geoip f` and `threatip f`: a stage of kind reading one
 * source, the field it names (span *fsp) against the table's key column.
 * NULL after an error. */
static lk_spec_t *fixed_source(parser_t *p, stage_t *st, uint8_t kind, uint8_t src, const char *source,
                               const char *key, span_t *fsp) {
    st->kind = kind;
    ps_advance(p);
    pstr_t f;
    if (!ps_fieldname(p, &f, fsp)) return NULL;
    lk_spec_t *ls = arena_calloc(ps_arena(p), sizeof *ls);
    st->data = ls;
    ls->src = src;
    ls->source = pstr_c(source);
    ls->source_sp = *fsp;
    st->lookup_path = ls->source;
    uint32_t cap = 0;
    add_on(p, st, ls, f, pstr_c(key), &cap);
    return ls;
}

/* See op.h (STAGE_KINDS). `geoip <ip_field> [<optional field>, ...]`
 * (geoip page): geo://location's default fields and those named. */
bool stage_geoip(parser_t *p, stage_t *st) {
    span_t fsp;
    if (!fixed_source(p, st, ST_GEOIP, LS_GEO, "geo://location", "ip", &fsp)) return false;
    uint32_t cap = 0;
    for (size_t i = 0; i < NGEO; i++)
        if (geo_fields[i].deflt) add_output(p, st, pstr_c(geo_fields[i].name), pstr_c(geo_fields[i].name), fsp, &cap);
    if (p->t.kind == T_COMMA) ps_advance(p);
    while (p->t.kind == T_IDENT || p->t.kind == T_QIDENT) {
        pstr_t o;
        span_t osp;
        if (!ps_fieldname(p, &o, &osp)) return false;
        const geo_field_t *g = db_field(LS_GEO, o);
        if (!g) {
            no_db_field(p, osp, "geoip", LS_GEO, o);
            return false;
        }
        if (!g->deflt) add_output(p, st, pstr_c(g->name), pstr_c(g->name), osp, &cap);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    return true;
}

/* See op.h (STAGE_KINDS). `threatip <ip_field>` (threatip page): the
 * CrowdStrike lookup of sumo://threat/cs, keyed by its threat column,
 * with the page's response names: actor, malicious_confidence (the
 * table's threatlevel), raw_threat (raw) and type. */
bool stage_threatip(parser_t *p, stage_t *st) {
    span_t fsp;
    if (!fixed_source(p, st, ST_THREATIP, LS_SUMO, "sumo://threat/cs", "threat", &fsp)) return false;
    static const char *const out[][2] = {
        {"actor", "actor"}, {"threatlevel", "malicious_confidence"}, {"raw", "raw_threat"}, {"type", "type"}};
    uint32_t cap = 0;
    for (size_t i = 0; i < 4; i++) add_output(p, st, pstr_c(out[i][0]), pstr_c(out[i][1]), fsp, &cap);
    return true;
}

/* See op.h (STAGE_KINDS). `threatlookup [singleIndicator]
 * [source="<source>"] <field>[, <field> ...]` (threatlookup page): the
 * indicators of sumo://threat-intel, fields _threatlookup.<name>. */
bool stage_threatlookup(parser_t *p, stage_t *st) {
    st->kind = ST_THREATLOOKUP;
    ps_advance(p);
    lk_spec_t *ls = arena_calloc(ps_arena(p), sizeof *ls);
    st->data = ls;
    ls->src = LS_SUMO;
    ls->source = PSTR_LIT("sumo://threat-intel");
    st->lookup_path = ls->source;
    for (;;) {
        if (ps_is_kw(&p->t, "singleIndicator")) {
            ls->single = true;
            ps_advance(p);
        } else if (ps_is_kw(&p->t, "source") && ps_peek(p).kind == T_EQ) {
            ps_advance(p);
            ps_advance(p);
            if (p->t.kind != T_STR) {
                ps_unexpected(p, "a quoted source name such as \"mysource\"");
                return false;
            }
            ls->tsource = p->t.v;
            ps_advance(p);
        } else {
            break;
        }
    }
    ls->source_sp = p->t.sp;
    uint32_t cap = 0;
    for (;;) {
        pstr_t f;
        span_t sp;
        if (!ps_fieldname(p, &f, &sp)) return false;
        if (st->non == LK_MAXKEYS) {
            ps_error(p, sp, "more than %d indicator fields", LK_MAXKEYS);
            return false;
        }
        add_on(p, st, ls, f, PSTR_LIT("indicator"), &cap);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    uint32_t ocap = 0;
    for (size_t i = 0; i < NTL; i++) {
        if (i == TL_NUM_MATCHES && !ls->single) break;
        char name[64];
        int n = snprintf(name, sizeof name, "_threatlookup.%s", tl_fields[i]);
        char *keep = arena_strndup(ps_arena(p), name, (size_t)n);
        add_output(p, st, pstr_c(tl_fields[i]), pstr(keep, (size_t)n), ls->source_sp, &ocap);
    }
    return true;
}

/* See ast.h. */
const char *lk_offline(const stage_t *st, bool *hard) {
    *hard = false;
    if (stage_info[st->kind].flags & SF_CLOUD) {
        *hard = true;
        return cloud_reason(st->kind);
    }
    if (st->kind != ST_LOOKUP && st->kind != ST_GEOIP && st->kind != ST_THREATIP && st->kind != ST_THREATLOOKUP)
        return NULL;
    const lk_spec_t *ls = st->data;
    if (!ls) return NULL;
    switch (ls->src) {
    case LS_GEO: return "reads Sumo's geolocation data: offline it needs a MaxMind City database, --geo-db FILE";
    case LS_ASN: return "reads Sumo's ASN data: offline it needs a MaxMind ASN database, --asn-db FILE";
    case LS_SUMO:
        return st->kind == ST_THREATLOOKUP
                   ? "reads Sumo's threat intelligence: offline it needs a local copy, --lookup-map sumo://threat-intel=FILE"
                   : "reads Sumo's threat intelligence: offline it needs a local copy, --lookup-map sumo://threat/cs=FILE";
    default: return NULL;
    }
}

/* ---- lookupContains --------------------------------------------------- */

/* e is `field=field` (both plain field references). */
static bool is_pair(const expr_t *e) {
    return e->kind == EX_EQ && e->a->kind == EX_FIELD && e->b->kind == EX_FIELD;
}

/* e is pairs joined by and. */
static bool is_pairs(const expr_t *e, uint32_t *n) {
    if (e->kind == EX_AND) return is_pairs(e->a, n) && is_pairs(e->b, n);
    ++*n;
    return is_pair(e);
}

/* See func.h. */
bool lk_prepare_contains(expr_t *e, diag_t *d) {
    if (e->args[0]->kind != EX_STR || e->args[0]->str.n == 0) {
        uint32_t i = diag_add(d, D_ERROR, e->args[0]->sp, NULL, "lookupContains() takes the table's path first");
        diag_hint(d, i, "lookupContains(path://\"/Library/Users/me/table\", userID=user)");
        return false;
    }
    uint32_t n = 0;
    if (!is_pairs(e->args[1], &n) || n > LK_MAXKEYS) {
        uint32_t i = diag_add(d, D_ERROR, e->args[1]->sp, NULL,
                              n > LK_MAXKEYS ? "lookupContains() compares at most 16 pairs"
                                             : "lookupContains() compares <event-field>=<lookup-field> pairs");
        diag_hint(d, i, "e.g. userID=user AND userIP=sourceIP");
        return false;
    }
    return true;
}

/* ---- sources to files ---------------------------------------------------- */

/* path names a readable file. */
static bool readable(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    fclose(f);
    return true;
}

/* Try dir/name and dir/name.csv into path. */
static bool try_dir(const char *dir, pstr_t name, char *path, size_t n) {
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    snprintf(path, n, "%s%s%.*s", dir, sep, (int)name.n, name.p);
    if (readable(path)) return true;
    snprintf(path, n, "%s%s%.*s.csv", dir, sep, (int)name.n, name.p);
    return readable(path);
}

/* A --lookup-map entry's source, without path:// and quotes. */
static pstr_t map_source(pstr_t s) {
    if (s.n >= 7 && memcmp(s.p, "path://", 7) == 0) {
        s = pstr(s.p + 7, s.n - 7);
        if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') s = pstr(s.p + 1, s.n - 2);
    }
    return s;
}

/* source has a ".." path component (after its scheme). */
static bool has_dotdot(pstr_t source) {
    for (size_t k = 0; k + 1 < source.n; k++)
        if (source.p[k] == '.' && source.p[k + 1] == '.' && (k == 0 || source.p[k - 1] == '/') &&
            (k + 2 == source.n || source.p[k + 2] == '/' || source.p[k + 2] == '?' || source.p[k + 2] == '#'))
            return true;
    return false;
}

/* Confine the table file path found under root (opt names the option that
 * gave root): the file its symbolic links lead to must lie under root's
 * real path. Else false with why saying where it leads. (Whoever can
 * change the links under root between this check and the read could as
 * well write the table itself.) */
static bool confine(const char *root, pstr_t source, const char *opt, const char *path, char *why, size_t whylen) {
    char rroot[PATH_MAX], rpath[PATH_MAX];
    if (!realpath(root, rroot) || !realpath(path, rpath)) {
        snprintf(why, whylen, "lookup table '%.*s': cannot resolve %s (%s)", (int)source.n, source.p, path, opt);
        return false;
    }
    size_t rl = strlen(rroot);
    if (rl == 1) rl = 0; /* root is "/" */
    if (strncmp(rpath, rroot, rl) != 0 || rpath[rl] != '/') {
        snprintf(why, whylen, "lookup table '%.*s': %s leads to %s, outside %s: lookup reads only under %s", (int)source.n,
                 source.p, path, rpath, root, opt);
        return false;
    }
    return true;
}

/* The file a table source reads, into path: a --lookup-map entry whose
 * SOURCE is the source (the file it names, wherever it is: the user chose
 * it), or the longest one ending in '/' that begins it (FILE is then a
 * directory holding the rest), else (not for sumo://) the source's last
 * path component in --lookup-dir. A file found under a directory must lie
 * under it once its symbolic links are followed, and a source with a ".."
 * component is refused: a rule or query reads only under the directories
 * the user gave. */
static bool resolve_file(const exec_opts_t *eo, uint8_t src, pstr_t source, char *path, size_t n, char *why,
                         size_t whylen) {
    const char *best = NULL;
    size_t bestlen = 0;
    for (unsigned i = 0; i < eo->nlookup_map; i++) {
        const char *m = eo->lookup_map[i], *eq = strrchr(m, '=');
        if (!eq) continue;
        pstr_t ms = map_source(pstr(m, (size_t)(eq - m)));
        if (pstr_eq(ms, source)) {
            snprintf(path, n, "%s", eq + 1);
            if (readable(path)) return true;
            snprintf(why, whylen, "lookup table '%.*s': cannot read %s (--lookup-map)", (int)source.n, source.p, path);
            return false;
        }
        if (ms.n && ms.p[ms.n - 1] == '/' && source.n > ms.n && memcmp(source.p, ms.p, ms.n) == 0 && ms.n > bestlen) {
            best = m;
            bestlen = ms.n;
        }
    }
    if (src != LS_SUMO && has_dotdot(source)) {
        snprintf(why, whylen, "lookup table '%.*s': a '..' in the path is refused: lookup reads only under %s",
                 (int)source.n, source.p, best ? "the --lookup-map directory" : "--lookup-dir");
        return false;
    }
    if (best) {
        const char *dir = strrchr(best, '=') + 1;
        size_t skip = bestlen; /* the rest of the source names the file */
        if (try_dir(dir, pstr(source.p + skip, source.n - skip), path, n))
            return confine(dir, source, "the --lookup-map directory", path, why, whylen);
        snprintf(why, whylen, "lookup table '%.*s': %s has no file %.*s or %.*s.csv (--lookup-map)", (int)source.n,
                 source.p, dir, (int)(source.n - skip), source.p + skip, (int)(source.n - skip), source.p + skip);
        return false;
    }
    if (src == LS_SUMO) {
        snprintf(why, whylen,
                 "'%.*s' is Sumo's own data, not here: give a local copy with --lookup-map %.*s=FILE (a CSV file)",
                 (int)source.n, source.p, (int)source.n, source.p);
        return false;
    }
    /* The last component, without a URL's query or fragment. */
    pstr_t base = source;
    for (size_t k = 0; k < base.n; k++)
        if (base.p[k] == '?' || base.p[k] == '#') base.n = k;
    for (size_t k = base.n; k-- > 0;)
        if (base.p[k] == '/') {
            base = pstr(base.p + k + 1, base.n - k - 1);
            break;
        }
    const char *dir = eo->lookup_dir ? eo->lookup_dir : ".";
    if (base.n && !pstr_eq(base, pstr_c(".")) && try_dir(dir, base, path, n))
        return confine(dir, source, "--lookup-dir", path, why, whylen);
    snprintf(why, whylen,
             "lookup table '%.*s' not found: no --lookup-map SOURCE=FILE names it, and %s has no %.*s or %.*s.csv "
             "(--lookup-dir)",
             (int)source.n, source.p, dir, (int)base.n, base.p, (int)base.n, base.p);
    return false;
}

/* ---- CSV tables ----------------------------------------------------------- */

/* input_run's callback: keep one row of the table being read. */
static int tab_row(record_t *r, void *ud) {
    table_add(&((lktab_t *)ud)->t, r);
    return 0;
}

/* ft id names a column of the table's header. */
static bool is_column(uint32_t id) { return id != FIELD_NONE && id >= F_NBUILTIN; }

/* "a, b, c": the table's columns, for messages. */
static void columns(const lktab_t *lk, buf_t *b) {
    for (uint32_t id = F_NBUILTIN; id < lk->ft.n; id++) {
        pstr_t nm = ftab_name(&lk->ft, id);
        buf_printf(b, "%s%.*s", id > F_NBUILTIN ? ", " : "", (int)nm.n, nm.p);
    }
}

/* "table has no column 'col'; its columns: ..." into why. */
static void no_column(const lktab_t *lk, pstr_t source, pstr_t col, char *why, size_t whylen) {
    buf_t b = {0};
    columns(lk, &b);
    snprintf(why, whylen, "lookup table '%.*s' (%s) has no column '%.*s'; its columns: %s", (int)source.n, source.p,
             lk->path, (int)col.n, col.p, b.p ? b.p : "none");
    buf_free(&b);
}

/* The text a key value compares by: strings as they are, numbers as
 * Sumo prints them; null has none (p NULL). */
static pstr_t key_text(value_t v, char *buf) {
    switch (v.t) {
    case V_STR: return val_pstr(v);
    case V_NUM: return pstr(buf, (size_t)num_fmt(buf, v.d));
    case V_BOOL: return pstr_c(v.b ? "true" : "false");
    default: return PSTR_NULL;
    }
}

/* The key texts of r (fields ids) and their hash; false when one is null. */
static bool key_of(const lktab_t *lk, const record_t *r, const uint32_t *ids, pstr_t *k, char (*buf)[32],
                   uint64_t *h) {
    uint64_t x = 0;
    for (uint32_t i = 0; i < lk->nkey; i++) {
        k[i] = key_text(rec_get(r, ids[i]), buf[i]);
        if (!k[i].p) return false;
        x = hm_mix(x, lk->icase ? hm_ihash(k[i].p, k[i].n) : hm_hash(k[i].p, k[i].n));
    }
    *h = x;
    return true;
}

/* The id of key k (hash h), or LK_NONE with *p where it would go. */
static uint32_t key_id(const lktab_t *lk, const pstr_t *k, uint64_t h, hm_probe_t *p) {
    *p = hm_start(&lk->ix, h);
    for (uint32_t id; (id = hm_next(&lk->ix, p)) != HM_NONE;) {
        const record_t *row = &lk->t.rows[lk->first[id]];
        bool eq = true;
        for (uint32_t i = 0; i < lk->nkey && eq; i++) {
            pstr_t v = val_pstr(rec_get(row, lk->col_key[i]));
            eq = lk->icase ? pstr_ieq(v, k[i]) : pstr_eq(v, k[i]);
        }
        if (eq) return id;
    }
    return LK_NONE;
}

/* The key id of r's key (its fields ids, one per key column), or
 * LK_NONE. */
static uint32_t tab_find(const lktab_t *lk, const record_t *r, const uint32_t *ids) {
    pstr_t k[LK_MAXKEYS];
    char buf[LK_MAXKEYS][32];
    uint64_t h;
    hm_probe_t p;
    if (!key_of(lk, r, ids, k, buf, &h)) return LK_NONE;
    return key_id(lk, k, h, &p);
}

/* Index the rows by their key; a key of several rows chains them. */
static void tab_index(lktab_t *lk) {
    size_t n = lk->t.n ? lk->t.n : 1;
    lk->first = xmalloc(n * sizeof *lk->first);
    lk->last = xmalloc(n * sizeof *lk->last);
    lk->next = xmalloc(n * sizeof *lk->next);
    hm_reserve(&lk->ix, (uint32_t)lk->t.n);
    for (size_t i = 0; i < lk->t.n; i++) {
        lk->next[i] = LK_NONE;
        pstr_t k[LK_MAXKEYS];
        char buf[LK_MAXKEYS][32];
        uint64_t h;
        hm_probe_t p;
        if (!key_of(lk, &lk->t.rows[i], lk->col_key, k, buf, &h)) continue;
        uint32_t id = key_id(lk, k, h, &p);
        if (id == LK_NONE) {
            id = lk->nkeys++;
            lk->first[id] = lk->last[id] = (uint32_t)i;
            hm_add(&lk->ix, &p, id);
        } else {
            lk->next[lk->last[id]] = (uint32_t)i;
            lk->last[id] = (uint32_t)i;
            lk->ndup++;
        }
    }
}

/* Free what a table or database entry holds (NULL is a no-op). */
static void tab_close(lktab_t *lk) {
    if (!lk) return;
    if (lk->table) {
        table_free(&lk->t);
        ftab_free(&lk->ft);
    }
    if (lk->db_open) MMDB_close(&lk->db);
    hm_free(&lk->ix);
    free(lk->first);
    free(lk->last);
    free(lk->next);
    free(lk->col_out);
    free(lk->rec_out);
    free(lk->gout);
    free(lk);
}

/* Read the CSV table of a source. */
static lktab_t *tab_read(const exec_opts_t *eo, uint8_t src, pstr_t source, char *why, size_t whylen) {
    lktab_t *lk = xcalloc(1, sizeof *lk);
    if (!resolve_file(eo, src, source, lk->path, sizeof lk->path, why, whylen)) {
        free(lk);
        return NULL;
    }
    lk->table = true;
    /* The library's tables (lookup page) and Sumo's data match ignoring
     * case; classic tables compare case-sensitively (lookup-classic page). */
    lk->icase = src != LS_CLASSIC;
    table_init(&lk->t);
    ftab_init(&lk->ft);
    lk->ft.want_all = true;
    in_opts_t io = {.format = "csv", .max_reports = 5};
    in_stats_t st = {0};
    const char *paths[1] = {lk->path};
    if (input_run(paths, 1, &io, &lk->ft, tab_row, lk, &st) != 0) {
        snprintf(why, whylen, "lookup table '%.*s': cannot read %s", (int)source.n, source.p, lk->path);
        tab_close(lk);
        return NULL;
    }
    return lk;
}

/* Decide each key pair's sides: the right name is the table's column
 * (`on userEmail=email`) unless only the left one is (`on threat=remote_ip`,
 * as Sumo's apps write sumo://threat/cs). */
static bool tab_keys(lktab_t *lk, uint32_t n, const pstr_t *lname, const uint32_t *lfield, const pstr_t *rname,
                     const uint32_t *rfield, pstr_t source, char *why, size_t whylen) {
    lk->nkey = n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = ftab_find(&lk->ft, rname[i]);
        if (is_column(c)) {
            lk->col_key[i] = c;
            lk->rec_key[i] = lfield[i];
            continue;
        }
        c = ftab_find(&lk->ft, lname[i]);
        if (!is_column(c)) {
            no_column(lk, source, rname[i], why, whylen);
            return false;
        }
        lk->col_key[i] = c;
        lk->rec_key[i] = rfield[i];
    }
    tab_index(lk);
    if (lk->ndup)
        fprintf(stderr,
                "postern: warning: lookup table '%.*s' has duplicate keys (%u row%s); the last value of a key is "
                "used\n",
                (int)source.n, source.p, lk->ndup, lk->ndup == 1 ? "" : "s");
    return true;
}

/* The outputs of a table stage: named columns, or every column (`*`),
 * whose fields are made now, before any record. */
static bool tab_outputs(lktab_t *lk, query_t *q, const stage_t *st, const lk_spec_t *ls, char *why, size_t whylen) {
    if (ls->all) {
        lk->nout = lk->ft.n > F_NBUILTIN ? lk->ft.n - F_NBUILTIN : 0;
        lk->col_out = xcalloc(lk->nout ? lk->nout : 1, sizeof *lk->col_out);
        lk->rec_out = xcalloc(lk->nout ? lk->nout : 1, sizeof *lk->rec_out);
        for (uint32_t k = 0; k < lk->nout; k++) {
            lk->col_out[k] = F_NBUILTIN + k;
            pstr_t name = ftab_name(&lk->ft, F_NBUILTIN + k);
            lk->rec_out[k] = ftab_intern(&q->ft, name);
            ftab_rename(&q->ft, lk->rec_out[k], name); /* the header's spelling, as `as` would give */
            q->ft.e[lk->rec_out[k]].assigned = 1;
        }
        return true;
    }
    lk->nout = st->nflds;
    lk->col_out = xcalloc(lk->nout ? lk->nout : 1, sizeof *lk->col_out);
    lk->rec_out = xcalloc(lk->nout ? lk->nout : 1, sizeof *lk->rec_out);
    for (uint32_t k = 0; k < lk->nout; k++) {
        lk->rec_out[k] = st->flds[k];
        lk->col_out[k] = ftab_find(&lk->ft, st->paths[k]);
        if (is_column(lk->col_out[k])) continue;
        if (st->kind == ST_THREATLOOKUP) {
            lk->col_out[k] = FIELD_NONE; /* a response field the copy lacks is null */
            continue;
        }
        no_column(lk, ls->source, st->paths[k], why, whylen);
        return false;
    }
    return true;
}

/* ---- MaxMind databases ----------------------------------------------------- */

/* A database value as a field value: strings borrow the mapped file. */
static value_t db_value(const MMDB_entry_data_s *d, bool coord) {
    switch (d->type) {
    case MMDB_DATA_TYPE_UTF8_STRING: return val_str(d->utf8_string, d->data_size);
    case MMDB_DATA_TYPE_DOUBLE:
        return val_num(coord ? (double)llround(d->double_value * 1e5) / 1e5 : d->double_value);
    case MMDB_DATA_TYPE_FLOAT: return val_num(coord ? (double)llround(d->float_value * 1e5) / 1e5 : d->float_value);
    case MMDB_DATA_TYPE_UINT16: return val_num(d->uint16);
    case MMDB_DATA_TYPE_UINT32: return val_num(d->uint32);
    case MMDB_DATA_TYPE_INT32: return val_num(d->int32);
    case MMDB_DATA_TYPE_UINT64: return val_num((double)d->uint64);
    case MMDB_DATA_TYPE_BOOLEAN: return val_bool(d->boolean);
    default: return val_null();
    }
}

/* Look the record's address up and set every output (null when the
 * value is no address or the database has nothing for it). */
static void db_row(const lktab_t *lk, record_t *r) {
    char buf[64];
    pstr_t t = key_text(rec_get(r, lk->ip_field), buf);
    bool found = false;
    MMDB_lookup_result_s res;
    memset(&res, 0, sizeof res);
    if (t.p && t.n && t.n < 64) {
        char ip[64];
        memcpy(ip, t.p, t.n);
        ip[t.n] = 0;
        struct sockaddr_in s4;
        struct sockaddr_in6 s6;
        memset(&s4, 0, sizeof s4);
        memset(&s6, 0, sizeof s6);
        const struct sockaddr *sa = NULL;
        if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
            s4.sin_family = AF_INET;
            sa = (const struct sockaddr *)&s4;
        } else if (inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1) {
            s6.sin6_family = AF_INET6;
            sa = (const struct sockaddr *)&s6;
        }
        int err = MMDB_SUCCESS;
        if (sa) res = MMDB_lookup_sockaddr(&lk->db, sa, &err);
        found = sa && err == MMDB_SUCCESS && res.found_entry;
    }
    for (uint32_t k = 0; k < lk->nout; k++) {
        value_t v = val_null();
        const geo_field_t *g = lk->gout[k];
        MMDB_entry_data_s d;
        if (found && MMDB_aget_value(&res.entry, &d, g->path) == MMDB_SUCCESS && d.has_data) v = db_value(&d, g->coord);
        else if (found && g->alt[0] && MMDB_aget_value(&res.entry, &d, g->alt) == MMDB_SUCCESS && d.has_data)
            v = db_value(&d, g->coord);
        rec_set(r, lk->rec_out[k], v);
    }
}

/* Open the database a geo:// or asn:// stage reads. */
static lktab_t *db_open(const exec_opts_t *eo, const stage_t *st, const lk_spec_t *ls, char *why, size_t whylen) {
    bool geo = ls->src == LS_GEO;
    const char *file = geo ? eo->geo_db : eo->asn_db;
    if (!file) {
        snprintf(why, whylen, "Sumo's %s data is not here; give a MaxMind %s database with %s FILE",
                 geo ? "geolocation" : "ASN", geo ? "City" : "ASN", geo ? "--geo-db" : "--asn-db");
        return NULL;
    }
    lktab_t *lk = xcalloc(1, sizeof *lk);
    int rc = MMDB_open(file, MMDB_MODE_MMAP, &lk->db);
    if (rc != MMDB_SUCCESS) {
        snprintf(why, whylen, "%s: cannot open %s: %s", geo ? "--geo-db" : "--asn-db", file, MMDB_strerror(rc));
        free(lk);
        return NULL;
    }
    lk->db_open = true;
    snprintf(lk->path, sizeof lk->path, "%s", file);
    lk->ip_field = pstr_ieq_c(st->on_col[0], "ip") ? st->on_field[0] : ls->on_rf[0];
    lk->nout = st->nflds;
    lk->rec_out = xcalloc(lk->nout ? lk->nout : 1, sizeof *lk->rec_out);
    lk->gout = xcalloc(lk->nout ? lk->nout : 1, sizeof *lk->gout);
    for (uint32_t k = 0; k < lk->nout; k++) {
        lk->rec_out[k] = st->flds[k];
        lk->gout[k] = db_field(ls->src, st->paths[k]); /* checked when parsed */
    }
    return lk;
}

/* ---- opening a query's sources ----------------------------------------------- */

/* Open what stage st reads. */
static lktab_t *stage_open(query_t *q, const exec_opts_t *eo, const stage_t *st, char *why, size_t whylen) {
    const lk_spec_t *ls = st->data;
    if (ls->src == LS_GEO || ls->src == LS_ASN) return db_open(eo, st, ls, why, whylen);
    lktab_t *lk = tab_read(eo, ls->src, ls->source, why, whylen);
    if (!lk) return NULL;
    if (!tab_keys(lk, st->kind == ST_THREATLOOKUP ? 1 : st->non, ls->on_left, st->on_field, st->on_col, ls->on_rf,
                  ls->source, why, whylen) ||
        !tab_outputs(lk, q, st, ls, why, whylen)) {
        tab_close(lk);
        return NULL;
    }
    if (st->kind == ST_THREATLOOKUP)
        for (size_t i = 0; i < NTL; i++) {
            uint32_t c = ftab_find(&lk->ft, pstr_c(tl_fields[i]));
            lk->tl_col[i] = is_column(c) ? c : FIELD_NONE;
        }
    return lk;
}

/* The name a field reference was written with (%"a b" gives a b). */
static pstr_t written_name(const query_t *q, const expr_t *e) {
    pstr_t s = pstr(q->text + e->sp.off, e->sp.len);
    if (s.n >= 3 && s.p[0] == '%' && s.p[1] == '"') s = pstr(s.p + 2, s.n - 3);
    return s;
}

/* Collect lookupContains' pairs (and-joined) into the arrays. */
static void contains_pairs(const query_t *q, const expr_t *e, pstr_t *ln, uint32_t *lf, pstr_t *rn, uint32_t *rf,
                           uint32_t *n) {
    if (e->kind == EX_AND) {
        contains_pairs(q, e->a, ln, lf, rn, rf, n);
        contains_pairs(q, e->b, ln, lf, rn, rf, n);
        return;
    }
    ln[*n] = written_name(q, e->a);
    lf[*n] = e->a->field;
    rn[*n] = written_name(q, e->b);
    rf[*n] = e->b->field;
    ++*n;
}

/* Open the table of every lookupContains call under e; each goes on the
 * list *calls (n used, cap allocated). */
static bool open_calls(query_t *q, const exec_opts_t *eo, expr_t *e, lktab_t ***calls, uint32_t *n, uint32_t *cap,
                       char *why, size_t whylen) {
    if (!e) return true;
    if (!open_calls(q, eo, e->a, calls, n, cap, why, whylen) || !open_calls(q, eo, e->b, calls, n, cap, why, whylen) ||
        !open_calls(q, eo, e->c, calls, n, cap, why, whylen))
        return false;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (!open_calls(q, eo, e->args[i], calls, n, cap, why, whylen)) return false;
    if (e->kind != EX_CALL || e->func != FN_LOOKUPCONTAINS) return true;
    const expr_t *a = e->args[0];
    bool is_path = a->sp.len > 7 && memcmp(q->text + a->sp.off, "path://", 7) == 0;
    pstr_t src = a->str;
    uint8_t kind = LS_TABLE;
    if (!is_path) {
        pstr_t sc = scheme_of(src);
        if (sc.n && pstr_ieq_c(sc, "sumo")) kind = LS_SUMO;
        else if ((sc.n && !pstr_ieq_c(sc, "path")) || !(src.n > 9 && memcmp(src.p, "/Library/", 9) == 0))
            kind = LS_CLASSIC;
        if (sc.n && pstr_ieq_c(sc, "path")) src = pstr(src.p + 7, src.n - 7);
    }
    lktab_t *lk = tab_read(eo, kind, src, why, whylen);
    if (!lk) return false;
    pstr_t ln[LK_MAXKEYS], rn[LK_MAXKEYS];
    uint32_t lf[LK_MAXKEYS], rf[LK_MAXKEYS], np = 0;
    contains_pairs(q, e->args[1], ln, lf, rn, rf, &np);
    if (!tab_keys(lk, np, ln, lf, rn, rf, src, why, whylen)) {
        tab_close(lk);
        return false;
    }
    if (*n + 1 >= *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *calls = xrealloc(*calls, *cap * sizeof **calls);
    }
    (*calls)[(*n)++] = lk;
    e->lk = lk;
    return true;
}

/* Forget every call's table under e. */
static void clear_calls(expr_t *e) {
    if (!e) return;
    clear_calls(e->a);
    clear_calls(e->b);
    clear_calls(e->c);
    for (uint32_t i = 0; i < e->nargs; i++) clear_calls(e->args[i]);
    e->lk = NULL;
}

/* See op.h. The array: one entry per stage, then the lookupContains
 * tables, then NULL. */
struct lktab **lk_open_all(query_t *q, const exec_opts_t *eo, char *why, size_t whylen) {
    /* Cloud-only stages are refused before anything is opened. */
    for (uint32_t i = 0; i < q->nst; i++) {
        const char *r = cloud_reason(q->st[i].kind);
        if (!r) continue;
        snprintf(why, whylen, "stage %u, %s: %s; postern cannot run it offline", i + 1, stage_info[q->st[i].kind].name, r);
        return NULL;
    }
    lktab_t **lk = xcalloc(q->nst + 1, sizeof *lk);
    bool ok = true;
    for (uint32_t i = 0; i < q->nst && ok; i++) {
        const stage_t *st = &q->st[i];
        if (st->kind != ST_LOOKUP && st->kind != ST_GEOIP && st->kind != ST_THREATIP && st->kind != ST_THREATLOOKUP)
            continue;
        char msg[900];
        lk[i] = stage_open(q, eo, st, msg, sizeof msg);
        if (!lk[i]) {
            snprintf(why, whylen, "stage %u, %s: %s", i + 1, stage_info[st->kind].name, msg);
            ok = false;
        }
    }
    lktab_t **calls = NULL;
    uint32_t ncalls = 0, cap = 0;
    ok = ok && open_calls(q, eo, q->scope, &calls, &ncalls, &cap, why, whylen);
    for (uint32_t i = 0; i < q->nst && ok; i++) ok = open_calls(q, eo, q->st[i].e, &calls, &ncalls, &cap, why, whylen);
    lk = xrealloc(lk, (q->nst + ncalls + 1) * sizeof *lk);
    for (uint32_t i = 0; i < ncalls; i++) lk[q->nst + i] = calls[i];
    lk[q->nst + ncalls] = NULL;
    free(calls);
    if (!ok) {
        lk_close_all(q, lk);
        return NULL;
    }
    return lk;
}

/* See op.h. */
void lk_close_all(query_t *q, struct lktab **lk) {
    if (!lk) return;
    clear_calls(q->scope);
    for (uint32_t i = 0; i < q->nst; i++) clear_calls(q->st[i].e);
    for (uint32_t i = 0; i < q->nst; i++) tab_close(lk[i]);
    for (lktab_t **c = lk + q->nst; *c; c++) tab_close(*c);
    free(lk);
}

/* ---- running ---------------------------------------------------------------------- */

/* Set a table stage's outputs from row (LK_NONE: null). */
static void set_outputs(const lktab_t *lk, record_t *r, uint32_t row) {
    const record_t *hit = row == LK_NONE ? NULL : &lk->t.rows[row];
    for (uint32_t k = 0; k < lk->nout; k++)
        rec_set(r, lk->rec_out[k], hit && lk->col_out[k] != FIELD_NONE ? rec_get(hit, lk->col_out[k]) : val_null());
}

/* See op.h (STAGE_KINDS). A miss gives null; a key of several rows takes
 * the last one (lookup-classic page, "Duplicate keys"). */
int row_lookup(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    (void)s;
    const lktab_t *lk = x->lk[i]; /* opened by lk_open_all before any record */
    if (!lk->table) {
        db_row(lk, r);
    } else {
        uint32_t j = tab_find(lk, r, lk->rec_key);
        set_outputs(lk, r, j == LK_NONE ? LK_NONE : lk->last[j]);
    }
    return ex_next(x, i, r);
}

/* A threat row's number (confidence, updated) for ranking; -inf when none. */
static double tl_num(const lktab_t *lk, uint32_t row, size_t field) {
    double d;
    if (lk->tl_col[field] == FIELD_NONE || !val_to_num(rec_get(&lk->t.rows[row], lk->tl_col[field]), &d)) return -1e308;
    return d;
}

/* See op.h (STAGE_KINDS). Every matching indicator row of every field,
 * one record each (a record without a match passes once, its fields
 * null); singleIndicator keeps the best row (highest confidence, then
 * the latest updated, then the first) and counts the matches. */
int row_threatlookup(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    const lktab_t *lk = x->lk[i];
    const lk_spec_t *ls = s->data;
    uint32_t best = LK_NONE, nmatch = 0;
    for (uint32_t f = 0; f < s->non; f++) {
        uint32_t j = tab_find(lk, r, &s->on_field[f]);
        for (uint32_t row = j == LK_NONE ? LK_NONE : lk->first[j]; row != LK_NONE; row = lk->next[row]) {
            if (ls->tsource.p) {
                value_t sv = lk->tl_col[TL_SOURCE] == FIELD_NONE ? val_null() : rec_get(&lk->t.rows[row], lk->tl_col[TL_SOURCE]);
                if (sv.t != V_STR || !pstr_ieq(val_pstr(sv), ls->tsource)) continue;
            }
            nmatch++;
            if (ls->single) {
                double c = tl_num(lk, row, TL_CONFIDENCE), bc = best == LK_NONE ? 0 : tl_num(lk, best, TL_CONFIDENCE);
                if (best == LK_NONE || c > bc || (c == bc && tl_num(lk, row, TL_UPDATED) > tl_num(lk, best, TL_UPDATED)))
                    best = row;
                continue;
            }
            set_outputs(lk, r, row);
            int rc = ex_next(x, i, r);
            if (rc) return rc;
        }
    }
    if (ls->single) {
        set_outputs(lk, r, best);
        rec_set(r, s->flds[TL_NUM_MATCHES], val_num(nmatch));
        return ex_next(x, i, r);
    }
    if (nmatch) return 0;
    set_outputs(lk, r, LK_NONE);
    return ex_next(x, i, r);
}

/* See func.h (FUNC_TABLE). True when the record's key is in the table;
 * a null key is not. */
value_t f_lookupcontains(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c;
    (void)av;
    if (!e->lk) return val_null();
    return val_bool(tab_find(e->lk, r, e->lk->rec_key) != LK_NONE);
}
