/* read_jsonl.c — JSON Lines: one JSON object per line, one record each.
 *
 * Top-level keys become fields (case-insensitive, through rd_json_object
 * and rd_lookup's key cache); only fields the query reads are decoded,
 * the rest are skipped. Strings are decoded, numbers and booleans keep
 * their text, nested objects and arrays keep their JSON text (for the
 * `json` operator), null is a present-but-null field. Last duplicate wins.
 */
#include "reader.h"

/* A line (with no syslog header) that opens an object. */
static int jsonl_line(const rd_line_t *l) {
    return l->sl.kind == SL_NONE && l->text.n && l->text.p[0] == '{' ? 50 : 0;
}

static rd_status_t jsonl_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    pstr_t obj;
    rd_status_t st = rd_json_line(c, p, n, eof, used, false, &obj);
    if (st == RD_REC && !rd_json_object(c, obj.p, obj.n, rec)) {
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
