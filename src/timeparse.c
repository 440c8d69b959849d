/* timeparse.c — timestamps as log sources write them, to epoch ms (UTC).
 *
 * input.c calls time_parse on a record's timestamp field for _messageTime.
 * Accepted: ISO-8601/RFC 3339 (and YYYY/MM/DD), epoch numbers by digit
 * count, and Sumo's CSV display form "MM/dd/yyyy hh:mm:ss.SSS a ±HHMM".
 * Civil dates become days by arithmetic: no libc time zone calls.
 */
#include "timeparse.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* See timeparse.h. Shifts the year to start in March so the leap day is
 * the last day of the shifted year, then counts whole 400-year eras
 * (146097 days each), years within the era, and days within the year. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d) {
    if (m <= 2) y--;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                             /* 0..399 */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;    /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;       /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;     /* 0..146096 */
    return era * 146097 + doe - 719468;                      /* 1970-03-01 shifted */
}

static unsigned days_in_month(int64_t y, unsigned m) {
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    return dm[m - 1];
}

/* A small cursor over the text. */
typedef struct cur {
    const char *p;
    size_t n, i;
} cur_t;

/* Read between min and max digits; false when fewer than min. */
static bool digits(cur_t *c, unsigned min, unsigned max, unsigned *out) {
    unsigned v = 0, k = 0;
    while (k < max && c->i < c->n && is_digit(c->p[c->i])) v = v * 10 + (unsigned)(c->p[c->i++] - '0'), k++;
    *out = v;
    return k >= min;
}

static bool eat(cur_t *c, char ch) {
    if (c->i < c->n && c->p[c->i] == ch) { c->i++; return true; }
    return false;
}

static bool eat_ci(cur_t *c, const char *w) {
    size_t k = 0;
    while (w[k]) {
        if (c->i + k >= c->n) return false;
        char a = c->p[c->i + k];
        if (a >= 'a' && a <= 'z') a = (char)(a - 32);
        if (a != w[k]) return false;
        k++;
    }
    c->i += k;
    return true;
}

static void skip_sp(cur_t *c) {
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t')) c->i++;
}

/* Fraction digits after '.' or ',' as milliseconds (extra digits truncate). */
static unsigned frac_ms(cur_t *c) {
    unsigned ms = 0, k = 0;
    while (c->i < c->n && is_digit(c->p[c->i])) {
        if (k < 3) ms = ms * 10 + (unsigned)(c->p[c->i] - '0');
        k++;
        c->i++;
    }
    while (k < 3) ms *= 10, k++;
    return ms;
}

/* An optional zone: Z, UTC/GMT, ±HH, ±HHMM, ±HH:MM. Sets *off in minutes
 * east of UTC. False on a malformed offset. */
static bool zone(cur_t *c, int *off) {
    *off = 0;
    skip_sp(c);
    if (c->i >= c->n) return true;
    if (eat(c, 'Z') || eat(c, 'z')) return true;
    if (eat_ci(c, "UTC") || eat_ci(c, "GMT")) {
        if (c->i >= c->n) return true;
    }
    if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-')) {
        int sign = c->p[c->i++] == '-' ? -1 : 1;
        unsigned hh, mm = 0;
        if (!digits(c, 2, 2, &hh)) return false;
        eat(c, ':');
        if (c->i < c->n && is_digit(c->p[c->i]) && !digits(c, 2, 2, &mm)) return false;
        if (hh > 23 || mm > 59) return false;
        *off = sign * (int)(hh * 60 + mm);
    }
    return true;
}

/* Combine validated parts. */
static bool civil_ms(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
                     int off, int64_t *out) {
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return false;
    if (h > 24 || mi > 59 || s > 60 || (h == 24 && (mi || s || ms))) return false;
    int64_t days = time_days_from_civil(y, mo, d);
    int64_t sec = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s - (int64_t)off * 60;
    *out = sec * 1000 + ms;
    return true;
}

/* YYYY-MM-DD[(T|t|' ')HH:MM[:SS[.f]]][zone] (also with '/' in the date). */
static bool parse_iso(cur_t *c, int64_t *out) {
    unsigned y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
    int off = 0;
    if (!digits(c, 4, 4, &y)) return false;
    char sep = c->i < c->n ? c->p[c->i] : 0;
    if (sep != '-' && sep != '/') return false;
    c->i++;
    if (!digits(c, 1, 2, &mo) || !eat(c, sep) || !digits(c, 1, 2, &d)) return false;
    if (c->i < c->n) {
        char t = c->p[c->i];
        if (t != 'T' && t != 't' && t != ' ') return false;
        c->i++;
        skip_sp(c);
        if (!digits(c, 1, 2, &h) || !eat(c, ':') || !digits(c, 2, 2, &mi)) return false;
        if (eat(c, ':')) {
            if (!digits(c, 2, 2, &s)) return false;
            if (eat(c, '.') || eat(c, ',')) {
                if (c->i >= c->n || !is_digit(c->p[c->i])) return false;
                ms = frac_ms(c);
            }
        }
        if (!zone(c, &off)) return false;
        skip_sp(c);
        if (c->i != c->n) return false;
    }
    return civil_ms(y, mo, d, h, mi, s, ms, off, out);
}

/* Sumo's display form: MM/dd/yyyy hh:mm:ss[.SSS] [AM|PM] [±HHMM]. */
static bool parse_us(cur_t *c, int64_t *out) {
    unsigned y, mo, d, h, mi, s = 0, ms = 0;
    int off = 0;
    if (!digits(c, 1, 2, &mo) || !eat(c, '/') || !digits(c, 1, 2, &d) || !eat(c, '/') || !digits(c, 4, 4, &y))
        return false;
    if (!eat(c, ' ') && !eat(c, 'T')) return false;
    skip_sp(c);
    if (!digits(c, 1, 2, &h) || !eat(c, ':') || !digits(c, 2, 2, &mi)) return false;
    if (eat(c, ':')) {
        if (!digits(c, 2, 2, &s)) return false;
        if (eat(c, '.') || eat(c, ',')) ms = frac_ms(c);
    }
    skip_sp(c);
    bool am = eat_ci(c, "AM"), pm = !am && eat_ci(c, "PM");
    if (am || pm) {
        if (h < 1 || h > 12) return false;
        if (h == 12) h = 0;
        if (pm) h += 12;
    }
    if (!zone(c, &off)) return false;
    skip_sp(c);
    if (c->i != c->n) return false;
    return civil_ms(y, mo, d, h, mi, s, ms, off, out);
}

/* Epoch numbers: the integer digit count picks the unit (<=10 s, 11-13
 * ms, 14-16 us, 17-19 ns); a fraction is allowed; scientific notation
 * (Sumo CSV writes big times that way) is read as a double and the unit
 * picked by magnitude. */
static bool parse_epoch(pstr_t s, int64_t *out) {
    size_t i = 0, nd = 0;
    uint64_t u = 0; /* 19 digits fit */
    while (i < s.n && is_digit(s.p[i])) {
        if (nd == 19) return false;
        u = u * 10 + (uint64_t)(s.p[i++] - '0');
        nd++;
    }
    if (u > INT64_MAX) return false;
    int64_t v = (int64_t)u;
    if (nd == 0) return false;
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E' || s.p[i] == '.')) {
        /* fraction or exponent */
        size_t j = i;
        bool expo = false;
        if (s.p[j] == '.') {
            j++;
            while (j < s.n && is_digit(s.p[j])) j++;
        }
        if (j < s.n && (s.p[j] == 'e' || s.p[j] == 'E')) {
            expo = true;
            j++;
            if (j < s.n && (s.p[j] == '+' || s.p[j] == '-')) j++;
            if (j >= s.n || !is_digit(s.p[j])) return false;
            while (j < s.n && is_digit(s.p[j])) j++;
        }
        if (j != s.n) return false;
        if (expo) {
            char tmp[64];
            if (s.n >= sizeof tmp) return false;
            memcpy(tmp, s.p, s.n);
            tmp[s.n] = 0;
            double d = strtod(tmp, NULL);
            if (!(d >= 0) || d >= 9.2e18) return false;
            if (d < 1e11) *out = (int64_t)(d * 1000.0);
            else if (d < 1e14) *out = (int64_t)d;
            else if (d < 1e17) *out = (int64_t)(d / 1e3);
            else *out = (int64_t)(d / 1e6);
            return true;
        }
        /* plain fraction: milliseconds only matter for seconds */
        cur_t c = {s.p, s.n, i + 1};
        unsigned ms = frac_ms(&c);
        if (nd <= 10) { *out = v * 1000 + ms; return true; }
    } else if (i != s.n) {
        return false;
    }
    if (nd <= 10) *out = v * 1000;
    else if (nd <= 13) *out = v;
    else if (nd <= 16) *out = v / 1000;
    else *out = v / 1000000;
    return true;
}

/* See timeparse.h. Surrounding whitespace is ignored; anything else left
 * over makes the text not a time. */
bool time_parse(pstr_t s, int64_t *ms) {
    s = pstr_trim(s);
    if (s.n == 0 || s.n > 64 || !is_digit(s.p[0])) return false;
    size_t k = 0;
    while (k < s.n && is_digit(s.p[k])) k++;
    cur_t c = {s.p, s.n, 0};
    if (k == 4 && k < s.n && (s.p[4] == '-' || s.p[4] == '/')) return parse_iso(&c, ms);
    if (k <= 2 && k < s.n && s.p[k] == '/') return parse_us(&c, ms);
    return parse_epoch(s, ms);
}
