/* read_jsonl.c — JSON Lines: one JSON object per line, one record each.
 *
 * Top-level keys become fields (case-insensitive, through rd_json_object
 * and rd_lookup's key cache); only fields the query reads are decoded,
 * the rest are skipped. Strings are decoded, numbers and booleans keep
 * their text, nested objects and arrays keep their JSON text (for the
 * `json` operator), null is a present-but-null field. Last duplicate wins.
 */
#include "reader.h"

#include <stdlib.h>

#include "json_index.h"

/* Records between two set-ups of the key filter (rd_kfilt_init). */
#define JSONL_KF_EVERY 4096

/* The reader's state: which keys a projected read looks up. */
typedef struct jsonl {
    rd_kfilt_t kf;
    unsigned since; /* records since kf was set up */
} jsonl_t;

/* A line (with no syslog header) that opens an object. */
static int jsonl_line(const rd_line_t *l) {
    return l->sl.kind == SL_NONE && l->text.n && l->text.p[0] == '{' ? 50 : 0;
}

/* A line that starts with '{' (most do) is indexed before it is framed:
 * the pass that finds its quotes finds its newline too (no search of the
 * framer's own). A projected read looks up only the keys that may name a
 * field it reads. */
static rd_status_t jsonl_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    jsonl_t *j = c->st;
    if (++j->since == JSONL_KF_EVERY) { /* (fields met since: their keys need no look-up) */
        j->since = 0;
        rd_kfilt_init(c, &j->kf);
    }
    jx_t x;
    size_t len = JX_NOLINE;
    if (n && p[0] == '{') {
        if (!c->call.hint_len) len = jx_build_line(&x, p, n);
        else if (c->call.hint_p == p && jx_build(&x, p, c->call.hint_len - 1)) len = c->call.hint_len - 1; /* the prefilter's */
    }
    bool ok;
    if (len != JX_NOLINE) { /* the line at p, its end known */
        rd_line_t l;
        rd_line_at(c, p, len, used, &l);
        if (l.text.n != x.n) jx_cut(&x, l.text.n); /* (less its trailing blanks) */
        c->call.jx = &x; /* (for json_member: x dies with this call) */
        c->call.jx_p = l.text.p;
        ok = rd_json_object_ix(c, l.text.p, l.text.n, rec, &x, &j->kf);
        c->call.jx = NULL;
    } else {
        pstr_t obj;
        rd_status_t st = rd_json_line(c, p, n, eof, used, false, &obj);
        if (st != RD_REC) return st;
        ok = rd_json_object(c, obj.p, obj.n, rec);
    }
    if (!ok) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return RD_REC;
}

static void *jsonl_open(rd_ctx_t *c) {
    jsonl_t *j = xmalloc(sizeof *j);
    rd_kfilt_init(c, &j->kf);
    return j;
}

static void jsonl_close(void *st) { free(st); }

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
