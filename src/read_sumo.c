/* read_sumo.c — Sumo Logic search exports.
 *
 * sumo-json: Search Job API pages {"fields":…,"messages":[{"map":{…}}…]}
 * (or "records"), arrays of pages, {"map":…} lines, or any pretty-printed
 * objects; a state machine walks one unit (page member, message) at a
 * time, so only one message must fit in the buffer. sumo-csv: read_csv.c.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "reader.h"

/* Where the walk is. */
enum sumo_where {
    W_TOP,   /* between pages (or map objects) */
    W_PAGE,  /* inside a page object, between members */
    W_MSGS,  /* inside a page's messages/records array, between elements */
    W_DEAD   /* malformed document: drop the rest */
};

/* Per-input state (heap, owned by the reader). */
typedef struct sumo_st {
    int where;      /* enum sumo_where */
    bool in_arr;    /* W_TOP: inside a top-level [ … ] of pages */
    bool first;     /* W_PAGE/W_MSGS/W_TOP in_arr: no member or element yet */
    bool started;   /* something other than whitespace was read */
    bool drop_line; /* W_TOP: a rejected line goes on past the window: drop up to its newline
                     * unreported (one report whatever the windows' ends) */
} sumo_st_t;

/* The record from a message element (an object view): its "map" member
 * when it has one, else the element itself. */
static rd_status_t sumo_record(rd_ctx_t *c, pstr_t elem, record_t *rec) {
    json_iter_t it;
    pstr_t k, v, map = elem;
    bool esc;
    if (!json_iter_begin(&it, elem.p, elem.n, 0)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    while (json_iter_next(&it, &k, &esc, &v))
        if (pstr_eq(k, PSTR_LIT("map")) && v.n && v.p[0] == '{') map = v;
    if (it.err) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    c->text = map;
    if (!rd_json_object(c, map.p, map.n, rec)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return RD_REC;
}

/* The first key of the object at p[i] ('{'): 1 found, 0 truncated, -1 none. */
static int first_key(const char *p, size_t n, size_t i, pstr_t *key) {
    i = json_ws(p, n, i + 1);
    if (i >= n) return 0;
    if (p[i] != '"') return -1;
    const char *z = memchr(p + i + 1, '"', n - i - 1);
    if (!z) return 0;
    *key = pstr(p + i + 1, (size_t)(z - (p + i + 1)));
    return 1;
}

static void *sumo_open(rd_ctx_t *c) {
    (void)c;
    sumo_st_t *s = xcalloc(1, sizeof *s);
    s->where = W_TOP;
    return s;
}

static void sumo_close(void *st) { free(st); }

/* Skip to just past the next newline at or after i (n when none). */
static size_t past_line(const char *p, size_t n, size_t i) {
    const char *nl = memchr(p + i, '\n', n - i);
    return nl ? (size_t)(nl - p) + 1 : n;
}

/* A rejected line from p[i]: dropped to its newline (c->text is what the
 * window holds of it); when the window ends first, the rest is dropped by
 * the next calls without another report. */
static rd_status_t reject_line(rd_ctx_t *c, sumo_st_t *s, const char *p, size_t n, size_t i, size_t *used) {
    *used = past_line(p, n, i);
    s->drop_line = *used == n && (n == 0 || p[n - 1] != '\n');
    c->text = pstr(p + i, *used - i);
    return RD_REJECT;
}

/* Walk until a record is complete, a unit is cut by the buffer's end
 * (RD_MORE, having consumed what was whole), or the input ends. */
static rd_status_t sumo_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    sumo_st_t *s = c->st;
    size_t i = 0;
    bool tr;
    for (;;) {
        if (s->where == W_DEAD) {
            *used = n;
            return eof ? RD_END : RD_MORE;
        }
        if (s->drop_line) { /* the rest of a rejected line */
            i = past_line(p, n, i);
            *used = i;
            s->drop_line = i == n && (n == 0 || p[n - 1] != '\n');
            if (s->drop_line && !eof) return RD_MORE;
            s->drop_line = false; /* (at the end: said below when a page or array is open) */
        }
        i = json_ws(p, n, i);
        *used = i;
        if (i >= n) {
            if (!eof) return RD_MORE;
            if (s->where == W_TOP && !s->in_arr) return RD_END;
            s->where = W_DEAD; /* the document stops inside a page */
            c->rec_off = i;
            c->text = PSTR_NULL;
            c->reason = RD_R_JSON;
            return RD_REJECT;
        }
        c->rec_off = i;
        char ch = p[i];
        bool started = s->started;
        s->started = true;
        switch (s->where) {
        case W_TOP:
            if (!started && ch == '[') { /* an array of pages */
                s->in_arr = true;
                s->first = true;
                i++;
                continue;
            }
            if (s->in_arr && ch == ']') {
                s->in_arr = false;
                i++;
                continue;
            }
            if (s->in_arr && ch == ',' && !s->first) {
                s->first = true; /* a page must follow */
                i++;
                continue;
            }
            if (ch == '{') {
                pstr_t key = PSTR_NULL;
                int fk = first_key(p, n, i, &key);
                if (fk == 0 && !eof) return RD_MORE;
                if (fk == 1 && (pstr_eq(key, PSTR_LIT("fields")) || pstr_eq(key, PSTR_LIT("messages")) ||
                                pstr_eq(key, PSTR_LIT("records")))) {
                    s->where = W_PAGE;
                    s->first = true;
                    i++;
                    continue;
                }
                /* a {"map":{…}} object (or any other object): one record */
                size_t e = json_skip_ex(p, n, i, &tr);
                if (e == (size_t)-1) {
                    if (tr && !eof) return RD_MORE;
                    c->reason = RD_R_JSON;
                    return reject_line(c, s, p, n, i, used);
                }
                s->first = false;
                *used = e;
                return sumo_record(c, pstr(p + i, e - i), rec);
            }
            /* not an object: drop the line */
            {
                size_t end = past_line(p, n, i), e = json_skip(p, end, i);
                c->reason = e != (size_t)-1 && json_ws(p, end, e) == end ? RD_R_NOTOBJ : RD_R_JSON;
            }
            return reject_line(c, s, p, n, i, used);

        case W_PAGE:
        case W_MSGS:
            if (ch == (s->where == W_PAGE ? '}' : ']')) {
                i++;
                if (s->where == W_PAGE) s->where = W_TOP;
                else s->where = W_PAGE;
                s->first = false;
                continue;
            }
            if (!s->first) {
                if (ch != ',') break; /* malformed */
                i = json_ws(p, n, i + 1);
                if (i >= n) {
                    if (!eof) return RD_MORE;
                    break;
                }
                s->first = true; /* consumed the ',' */
                *used = i;
                c->rec_off = i;
                ch = p[i];
            }
            if (s->where == W_PAGE) {
                /* a member: "key": value */
                if (ch != '"') break;
                size_t ke = json_skip_ex(p, n, i, &tr);
                if (ke == (size_t)-1) {
                    if (tr && !eof) return RD_MORE;
                    break;
                }
                pstr_t key = pstr(p + i + 1, ke - i - 2);
                size_t j = json_ws(p, n, ke);
                if (j >= n && !eof) return RD_MORE;
                if (j >= n || p[j] != ':') break;
                j = json_ws(p, n, j + 1);
                if (j >= n && !eof) return RD_MORE;
                if (j < n && p[j] == '[' &&
                    (pstr_eq(key, PSTR_LIT("messages")) || pstr_eq(key, PSTR_LIT("records")))) {
                    s->where = W_MSGS;
                    s->first = true;
                    i = j + 1;
                    continue;
                }
                size_t e = json_skip_ex(p, n, j, &tr);
                if (e == (size_t)-1) {
                    if (tr && !eof) return RD_MORE;
                    break;
                }
                s->first = false;
                i = e;
                continue;
            }
            /* W_MSGS: one element */
            {
                size_t e = json_skip_ex(p, n, i, &tr);
                if (e == (size_t)-1) {
                    if (tr && !eof) return RD_MORE;
                    break;
                }
                s->first = false;
                *used = e;
                c->text = pstr(p + i, e - i);
                if (ch != '{') {
                    c->reason = RD_R_NOTOBJ;
                    return RD_REJECT;
                }
                return sumo_record(c, pstr(p + i, e - i), rec);
            }
        }
        /* malformed page: report once, drop the rest */
        s->where = W_DEAD;
        c->text = pstr(p + i, past_line(p, n, i) - i);
        c->reason = RD_R_JSON;
        *used = i;
        return RD_REJECT;
    }
}

/* A JSON array, an object whose first key is fields, messages, records
 * or map, or any object spread over several lines (records are then
 * whole objects, as from `jq .`). */
static int sumo_json_probe(const char *p, size_t n) {
    size_t i = 0;
    pstr_t key;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
    i = json_ws(p, n, i);
    if (i >= n) return 0;
    if (p[i] == '[') {
        i = json_ws(p, n, i + 1);
        if (i >= n || p[i] != '{') return 0;
        return 80;
    }
    if (p[i] != '{' || first_key(p, n, i, &key) != 1) return 0;
    if (pstr_eq(key, PSTR_LIT("fields")) || pstr_eq(key, PSTR_LIT("messages")) || pstr_eq(key, PSTR_LIT("records")) ||
        pstr_eq(key, PSTR_LIT("map")))
        return 90;
    /* a pretty-printed object: its first line ends inside it, and the
     * object goes on (or is cut by the probe window) after that line */
    const char *nl = memchr(p + i, '\n', n - i);
    bool tr;
    if (nl && json_skip_ex(p, (size_t)(nl - p), i, &tr) == (size_t)-1 && tr) {
        size_t e = json_skip_ex(p, n, i, &tr);
        if (e != (size_t)-1 || tr) return 60;
    }
    return 0;
}

/* Probe helper: which of _raw / _messagetime[ms] a header names. */
static void sumo_hdr_name(pstr_t name, void *ud) {
    unsigned *seen = ud;
    if (pstr_ieq_c(name, "_raw")) *seen |= 1;
    if (pstr_ieq_c(name, "_messagetime") || pstr_ieq_c(name, "_messagetimems")) *seen |= 2;
}

/* A CSV header naming _raw and _messagetime or _messagetimems. */
static int sumo_csv_probe(const char *p, size_t n) {
    unsigned seen = 0;
    if (!csv_header_probe(p, n, sumo_hdr_name, &seen)) return 0;
    return seen == 3 ? 90 : 0;
}

/* See reader.h. */
const rd_impl_t rd_sumo_json = {
    .pub = {"sumo-json", "Sumo Logic Search Job API JSON pages or {\"map\":…} lines; also pretty-printed JSON objects",
            "a JSON array, an object whose first key is fields/messages/records/map, or a multi-line object",
            "_messageTime, _sourceCategory, _sourceHost, _raw (as exported, lower-case keys)"},
    .probe = sumo_json_probe,
    .open = sumo_open,
    .next = sumo_next,
    .close = sumo_close,
    .line_sync = false,
};

/* See reader.h. The CSV reader with its own probe: _messagetimems and _raw
 * are picked up by rd_lookup's special keys. */
const rd_impl_t rd_sumo_csv = {
    .pub = {"sumo-csv", "Sumo Logic UI CSV export (_messagetimems, _raw, … columns)",
            "a CSV header naming _raw and _messagetime or _messagetimems",
            "_messageTime, _sourceCategory, _sourceHost, _raw (as exported)"},
    .probe = sumo_csv_probe,
    .open = csv_open,
    .next = csv_next,
    .close = csv_close,
    .line_sync = true,
    .split = 2,
    .prefilter = 2,
    .colmap = csv_colmap,
};
