/* tabkit.c — the table operators' keys, row removal and statistics (see
 * tabkit.h).
 *
 * Used by the table operators (op_transpose.c, op_fillmissing.c,
 * op_running.c, op_outlier.c, op_dedup.c, op_topk.c) once per row of a
 * table, never per input record. A key is encoded as, per value, a tag
 * byte (0 null, 1 text) and for text 4 length bytes and the text, so
 * equal encodings are equal tuples.
 */
#include "tabkit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* See tabkit.h. */
void tk_init(tk_t *k) { memset(k, 0, sizeof *k); }

/* See tabkit.h. */
void tk_free(tk_t *k) {
    hmb_free(&k->set);
    buf_free(&k->kb);
    memset(k, 0, sizeof *k);
}

/* See tabkit.h. */
void tk_begin(tk_t *k) { buf_clear(&k->kb); }

/* See tabkit.h. */
pstr_t tk_text(value_t v, char *tmp) {
    switch (v.t) {
    case V_STR: return pstr(v.s ? v.s : "", v.n);
    case V_NUM: return pstr(tmp, (size_t)num_fmt(tmp, v.d));
    case V_BOOL: return v.b ? PSTR_LIT("true") : PSTR_LIT("false");
    default: return PSTR_NULL;
    }
}

/* See tabkit.h. */
void tk_push(tk_t *k, value_t v) {
    char tmp[40];
    pstr_t s = tk_text(v, tmp);
    if (!s.p) {
        buf_putc(&k->kb, 0);
        return;
    }
    uint32_t n = (uint32_t)s.n;
    buf_putc(&k->kb, 1);
    buf_put(&k->kb, &n, sizeof n);
    if (n) buf_put(&k->kb, s.p, n);
}

/* See tabkit.h. */
uint32_t tk_end(tk_t *k, bool add, bool *isnew) {
    uint32_t id = hmb_put(&k->set, pstr(k->kb.p ? k->kb.p : "", k->kb.n), add, isnew);
    k->n = hmb_count(&k->set);
    return id == HM_NONE ? TK_NONE : id;
}

/* See tabkit.h. */
uint32_t tk_row(tk_t *k, const record_t *r, const uint32_t *ids, uint32_t n, bool add, bool *isnew) {
    tk_begin(k);
    for (uint32_t i = 0; i < n; i++) tk_push(k, rec_get(r, ids[i]));
    return tk_end(k, add, isnew);
}

/* See tabkit.h. */
void tk_keep_rows(table_t *t, const uint8_t *keep) {
    size_t j = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (keep[i]) t->rows[j++] = t->rows[i];
        else rec_free(&t->rows[i]);
    }
    t->n = j;
}

/* See tabkit.h. */
void tk_stats(const double *v, uint32_t n, double *mean, double *sd) {
    double sum = 0, m2 = 0;
    for (uint32_t i = 0; i < n; i++) sum += v[i];
    *mean = sum / n;
    for (uint32_t i = 0; i < n; i++) m2 += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(m2 / (n - 1)) : 0;
}
