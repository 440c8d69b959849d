/* syslog.c — syslog header recognition (see syslog.h).
 *
 * Used by the readers of formats that travel through syslog (Sysmon for
 * Linux today, firewall logs later) and by input_vote.c's format vote, which
 * strips a header before asking the readers about a line. One pass over
 * the header bytes; nothing allocates.
 */
#include "syslog.h"

#include "datetime.h"

#define SL_DAY ((int64_t)86400000)
#define SL_AHEAD (31 * SL_DAY)   /* a yearless date may lie this far after the reference */
#define SL_BEHIND (334 * SL_DAY) /* … and this far before it */
#define SL_MAXTAG 48             /* longest RFC 3164 tag taken as one */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A small cursor over the line. */
typedef struct cur {
    const char *p;
    size_t n, i;
} cur_t;

static bool at(const cur_t *c, char ch) { return c->i < c->n && c->p[c->i] == ch; }

/* Read exactly k digits (or 1..k when loose) into *v. */
static bool num(cur_t *c, unsigned k, bool loose, unsigned *v) {
    unsigned x = 0, d = 0;
    while (d < k && c->i < c->n && is_digit(c->p[c->i])) x = x * 10 + (unsigned)(c->p[c->i++] - '0'), d++;
    *v = x;
    return loose ? d > 0 : d == k;
}

/* The token at the cursor up to the next space (the cursor moves past it). */
static pstr_t token(cur_t *c) {
    size_t b = c->i;
    while (c->i < c->n && c->p[c->i] != ' ') c->i++;
    return pstr(c->p + b, c->i - b);
}

static void spaces(cur_t *c) {
    while (at(c, ' ')) c->i++;
}

/* See syslog.h. */
void sl_clock_init(sl_clock_t *k, int64_t ref_ms) { k->ref_ms = ref_ms; }

/* See syslog.h. */
void sl_clock_anchor(sl_clock_t *k, int64_t ms) { k->ref_ms = ms; }

/* "Mmm dd [yyyy] hh:mm:ss[.fff][:]" at the cursor (the ':' as Cisco
 * writes it when no host follows). *year is 0 when absent. */
static bool bsd_time(cur_t *c, unsigned *year, unsigned *mo, unsigned *d, unsigned *h, unsigned *mi, unsigned *s,
                     unsigned *ms) {
    if (c->n - c->i < 15 || !(*mo = dt_month3(c->p + c->i, 3, false)) || c->p[c->i + 3] != ' ') return false;
    c->i += 4;
    spaces(c);
    if (!num(c, 2, true, d) || *d < 1 || *d > 31 || !at(c, ' ')) return false;
    spaces(c);
    *year = 0;
    size_t save = c->i;
    unsigned y;
    if (num(c, 4, false, &y) && at(c, ' ')) {
        *year = y;
        spaces(c);
    } else {
        c->i = save;
    }
    if (!num(c, 2, false, h) || !at(c, ':')) return false;
    c->i++;
    if (!num(c, 2, false, mi) || !at(c, ':')) return false;
    c->i++;
    if (!num(c, 2, false, s) || *h > 23 || *mi > 59 || *s > 60) return false;
    *ms = 0;
    if (at(c, '.')) {
        c->i++;
        unsigned scale = 100, k = 0;
        while (c->i < c->n && is_digit(c->p[c->i])) {
            if (k++ < 3) *ms += (unsigned)(c->p[c->i] - '0') * scale, scale /= 10;
            c->i++;
        }
        if (!k) return false;
    }
    /* Cisco without a device id: "Mmm dd yyyy hh:mm:ss: %ASA-…" */
    if (at(c, ':') && c->i + 1 < c->n && c->p[c->i + 1] == ' ') c->i++;
    return at(c, ' ');
}

/* The year that puts a yearless date near the clock's reference. */
static int64_t place(const sl_clock_t *k, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
                     bool *ok) {
    dt_tm_t ref;
    dt_split(k->ref_ms, &ref);
    int64_t y = ref.year;
    *ok = false;
    for (int64_t cand = y - 1; cand <= y + 1; cand++) {
        if (mo == 2 && d == 29 && !dt_leap(cand)) continue;
        int64_t t = dt_civil_ms(cand, mo, d, h, mi, s, ms);
        if (t > k->ref_ms - SL_BEHIND && t <= k->ref_ms + SL_AHEAD) {
            *ok = true;
            return t;
        }
    }
    return 0;
}

/* See syslog.h. */
bool sl_place(const sl_clock_t *k, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
              int64_t *out) {
    bool ok;
    *out = place(k, mo, d, h, mi, s, ms, &ok);
    return ok;
}

/* RFC 3164 after the timestamp: "HOST TAG[PID]: MSG", "TAG: MSG" (no
 * host), "HOST : MSG" (Cisco) or "HOST MSG" (no tag). */
static void bsd_rest(cur_t *c, sl_hdr_t *h) {
    spaces(c);
    size_t save = c->i;
    pstr_t t = token(c);
    bool tag_like = t.n && (t.p[t.n - 1] == ':' || (t.p[t.n - 1] == ']' && t.n > 1));
    if (tag_like && t.n - 1 <= SL_MAXTAG) {
        c->i = save; /* no host: the first word is the tag */
    } else {
        h->host = t;
        spaces(c);
    }
    /* the tag: up to '[', ':' or ' ' */
    size_t b = c->i;
    while (c->i < c->n && c->i - b <= SL_MAXTAG && c->p[c->i] != '[' && c->p[c->i] != ':' && c->p[c->i] != ' ')
        c->i++;
    pstr_t tag = pstr(c->p + b, c->i - b);
    pstr_t pid = PSTR_NULL;
    if (at(c, '[')) {
        size_t pb = ++c->i;
        while (c->i < c->n && c->p[c->i] != ']' && c->p[c->i] != ' ') c->i++;
        if (at(c, ']')) {
            pid = pstr(c->p + pb, c->i - pb);
            c->i++;
        } else {
            c->i = b; /* not a tag after all */
            tag = PSTR_NULL;
        }
    }
    if (at(c, ':') && tag.p) {
        h->tag = tag;
        h->pid = pid;
        c->i++;
        if (at(c, ' ')) c->i++;
    } else {
        c->i = b; /* no tag: the message starts here */
    }
    h->body = pstr(c->p + c->i, c->n - c->i);
}

/* RFC 5424 structured data at the cursor: "-" or one or more [...]
 * elements (quoted values may hold \" \\ \]). */
static bool sdata(cur_t *c, pstr_t *sd) {
    if (at(c, '-')) {
        c->i++;
        *sd = PSTR_NULL;
        return c->i == c->n || at(c, ' ');
    }
    size_t b = c->i;
    while (at(c, '[')) {
        bool q = false;
        for (c->i++;; c->i++) {
            if (c->i >= c->n) return false;
            char ch = c->p[c->i];
            if (q && ch == '\\') {
                c->i++;
            } else if (ch == '"') {
                q = !q;
            } else if (!q && ch == ']') {
                c->i++;
                break;
            }
        }
    }
    if (c->i == b || (c->i < c->n && !at(c, ' '))) return false;
    *sd = pstr(c->p + b, c->i - b);
    return true;
}

/* A 5424 header field: "-" is empty. */
static pstr_t nil(pstr_t t) { return t.n == 1 && t.p[0] == '-' ? PSTR_NULL : t; }

/* sl_parse's work; on false *h may be half filled. */
static bool parse(pstr_t line, sl_clock_t *k, sl_hdr_t *h) {
    cur_t c = {line.p, line.n, 0};
    if (at(&c, '<')) {
        c.i++;
        unsigned pri;
        if (!num(&c, 3, true, &pri) || pri > 191 || !at(&c, '>')) return false;
        c.i++;
        h->pri = (int16_t)pri;
        /* RFC 5424: a version, then a space */
        size_t save = c.i;
        unsigned ver;
        if (num(&c, 2, true, &ver) && ver > 0 && at(&c, ' ')) {
            c.i++;
            h->ts = token(&c);
            if (h->ts.n != 1 || h->ts.p[0] != '-') {
                int64_t ms;
                if (!dt_parse(h->ts, &ms)) return false;
                h->ms = ms;
                h->has_time = h->zoned = true;
                if (k) sl_clock_anchor(k, ms);
            }
            pstr_t f[4];
            for (int i = 0; i < 4; i++) {
                if (!at(&c, ' ')) return false;
                c.i++;
                f[i] = nil(token(&c));
            }
            if (!at(&c, ' ')) return false;
            c.i++;
            if (!sdata(&c, &h->sd)) return false;
            if (at(&c, ' ')) c.i++;
            h->host = f[0];
            h->tag = f[1];
            h->pid = f[2];
            h->msgid = f[3];
            h->kind = SL_5424;
            if (c.n - c.i >= 3 && memcmp(c.p + c.i, "\xEF\xBB\xBF", 3) == 0) c.i += 3;
            h->body = pstr(c.p + c.i, c.n - c.i);
            return true;
        }
        c.i = save;
    }
    unsigned y, mo, d, hh, mi, s, ms;
    size_t tb = c.i;
    if (bsd_time(&c, &y, &mo, &d, &hh, &mi, &s, &ms)) {
        h->ts = pstr(c.p + tb, c.i - tb);
        if (y) {
            if (mo == 2 && d == 29 && !dt_leap(y)) return false;
            h->ms = dt_civil_ms(y, mo, d, hh, mi, s, ms);
            h->has_time = h->zoned = true;
            if (k) sl_clock_anchor(k, h->ms);
        } else if (k) {
            bool ok;
            int64_t t = place(k, mo, d, hh, mi, s, ms, &ok);
            if (ok) {
                h->ms = t;
                h->has_time = true;
                sl_clock_anchor(k, t);
            }
        }
    } else {
        /* rsyslog high precision: an RFC 3339 time in the BSD layout */
        c.i = tb;
        if (c.n - c.i < 20 || !is_digit(c.p[c.i]) || c.p[c.i + 4] != '-' || c.p[c.i + 10] != 'T') return false;
        h->ts = token(&c);
        int64_t t;
        if (!at(&c, ' ') || !dt_parse(h->ts, &t)) return false;
        h->ms = t;
        h->has_time = h->zoned = true;
        if (k) sl_clock_anchor(k, t);
    }
    h->kind = SL_3164;
    bsd_rest(&c, h);
    return true;
}

/* See syslog.h. The clock moves only when a header is recognised. */
bool sl_parse(pstr_t line, sl_clock_t *k, sl_hdr_t *h) {
    memset(h, 0, sizeof *h);
    h->pri = -1;
    h->body = line;
    sl_clock_t saved = k ? *k : (sl_clock_t){0};
    if (parse(line, k, h)) return true;
    memset(h, 0, sizeof *h);
    h->pri = -1;
    h->body = line;
    if (k) *k = saved;
    return false;
}
