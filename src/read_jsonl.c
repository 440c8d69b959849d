/* read_jsonl.c — JSON Lines: one JSON object per line, one record each.
 *
 * Top-level keys become fields (case-insensitive, through rd_lookup and
 * its per-position key cache); only fields the query reads are decoded,
 * the rest are skipped. Strings are decoded, numbers and booleans keep
 * their text, nested objects and arrays keep their JSON text (for the
 * `json` operator), null is a present-but-null field. Last duplicate wins.
 */
#include <string.h>

#include "json.h"
#include "rdmap.h"

/* See reader.h. */
bool jsonl_object(rd_ctx_t *c, const char *s, size_t n, record_t *rec) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    unsigned pos = 0;
    if (!json_iter_begin(&it, s, n, 0)) return false;
    while (json_iter_next(&it, &k, &esc, &v)) {
        int sp;
        uint32_t id = rd_lookup(c, pos++, k, esc, &sp);
        if (id == FIELD_NONE && sp == RD_SP_NONE) continue;
        value_t val = json_to_value(v, c->arena);
        if (id != FIELD_NONE) rec_set(rec, id, val);
        rd_note(c, sp, val);
    }
    return !it.err && json_ws(s, n, it.i) == n;
}

/* A line (with no syslog header) that opens an object. */
static int jsonl_line(const rd_line_t *l) {
    return l->sl.kind == SL_NONE && l->text.n && l->text.p[0] == '{' ? 50 : 0;
}

/* See reader.h. */
pstr_t rd_json_text(const rd_line_t *l) {
    pstr_t t = l->sl.kind == SL_NONE ? l->text : l->sl.body;
    return t.n && t.p[0] == '{' ? t : PSTR_NULL;
}

/* See reader.h. Blank lines are consumed silently. */
rd_status_t rd_json_line(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, bool syslog, pstr_t *obj) {
    pstr_t line;
    rd_status_t st = rm_line(c, p, n, eof, used, &line);
    if (st != RD_REC) return st;
    sl_hdr_t h;
    if (syslog && line.p[0] != '{' && sl_parse(line, NULL, &h)) {
        if (!h.body.n || h.body.p[0] != '{') return RD_SKIP; /* another daemon's syslog line */
        line = h.body;
    }
    if (line.p[0] != '{') {
        c->reason = json_skip(line.p, line.n, 0) == line.n ? RD_R_NOTOBJ : RD_R_JSON;
        return RD_REJECT;
    }
    *obj = line;
    return RD_REC;
}

static rd_status_t jsonl_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    pstr_t obj;
    rd_status_t st = rd_json_line(c, p, n, eof, used, false, &obj);
    if (st == RD_REC && !jsonl_object(c, obj.p, obj.n, rec)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return st;
}

static void *jsonl_open(rd_ctx_t *c) {
    (void)c;
    return NULL;
}

static void jsonl_close(void *st) { (void)st; }

/* See reader.h. */
const rd_impl_t rd_jsonl = {
    .pub = {"jsonl", "JSON Lines: one JSON object per line, top-level keys become fields",
            "lines that open a JSON object", "none: native keys only (Cloud SIEM alias keys fill their schema field)"},
    .line = jsonl_line,
    .open = jsonl_open,
    .next = jsonl_next,
    .close = jsonl_close,
    .line_sync = true,
    .split = 1,
    .prefilter = 1,
};
