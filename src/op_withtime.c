/* op_withtime.c — the withtime operator, for most_recent and least_recent.
 *
 * `withtime <f>` sets the field `<f>_withtime` to a JSON object with f's
 * value and the message's time in milliseconds (most-recent-least-recent
 * page), {"timestamp":1717495200000,"value":"up"}; the aggregates
 * most_recent(f_withtime) and least_recent(f_withtime) pick the value
 * with the largest or smallest time. A row stage; the text goes into the
 * worker's scratch arena.
 */
#include <stdio.h>
#include <string.h>

#include "op.h"
#include "withtime.h"

/* See op.h (STAGE_KINDS). The field read is st->src, the output st->as. */
bool stage_withtime(parser_t *p, stage_t *st) {
    st->kind = ST_WITHTIME;
    ps_advance(p);
    pstr_t f;
    span_t sp;
    if (!ps_fieldname(p, &f, &sp)) return false;
    st->src = ps_field_use(p, f);
    buf_t b = {0};
    buf_printf(&b, "%.*s_withtime", (int)f.n, f.p);
    st->as = ps_field_def(p, pstr(b.p, b.n));
    buf_free(&b);
    return true;
}

/* See op.h (STAGE_KINDS). */
int row_withtime(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    double t;
    int64_t ms = val_to_num(rec_get(r, F_MESSAGETIME), &t) ? (int64_t)t : 0;
    rec_set(r, s->as, wt_make(&x->scratch, rec_get(r, s->src), ms));
    return ex_next(x, i, r);
}

/* The object's text before and between its two members. */
static const char wt_head[] = "{\"timestamp\":";
static const char wt_mid[] = ",\"value\":";

/* See withtime.h. */
value_t wt_make(arena_t *a, value_t v, int64_t ms) {
    if (v.t == V_NULL) return val_null();
    char num[40];
    pstr_t txt = v.t == V_STR ? val_pstr(v) : v.t == V_NUM ? pstr(num, (size_t)num_fmt(num, v.d))
                                                           : (v.b ? PSTR_LIT("true") : PSTR_LIT("false"));
    char *out = arena_alloc(a, sizeof wt_head + sizeof wt_mid + 24 + 6 * txt.n + 4);
    size_t n = (size_t)sprintf(out, "%s%lld%s", wt_head, (long long)ms, wt_mid);
    if (v.t == V_STR) out[n++] = '"';
    for (size_t k = 0; k < txt.n; k++) {
        unsigned char c = (unsigned char)txt.p[k];
        if (v.t != V_STR) out[n++] = (char)c;
        else if (c < 0x20) n += (size_t)sprintf(out + n, "\\u%04x", c);
        else {
            if (c == '"' || c == '\\') out[n++] = '\\';
            out[n++] = (char)c;
        }
    }
    if (v.t == V_STR) out[n++] = '"';
    out[n++] = '}';
    return val_str(out, n);
}

/* See withtime.h. */
bool wt_split(pstr_t text, int64_t *ms, pstr_t *json) {
    size_t hn = sizeof wt_head - 1, mn = sizeof wt_mid - 1;
    if (text.n < hn + mn + 3 || memcmp(text.p, wt_head, hn) || text.p[text.n - 1] != '}') return false;
    size_t k = hn;
    bool neg = text.p[k] == '-';
    if (neg) k++;
    int64_t t = 0;
    size_t digits = k;
    while (k < text.n && text.p[k] >= '0' && text.p[k] <= '9' && k - digits < 18) t = t * 10 + (text.p[k++] - '0');
    if (k == digits || k + mn >= text.n || memcmp(text.p + k, wt_mid, mn)) return false;
    *ms = neg ? -t : t;
    *json = pstr(text.p + k + mn, text.n - k - mn - 1);
    return true;
}
