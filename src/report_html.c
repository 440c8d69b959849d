/* report_html.c — the HTML report of a detection run (see report_html.h).
 *
 * The last stage of `postern detect --html FILE`: main.c hands over each
 * rule's decorated findings (html_add), then html_write lays out the page
 * in one buffer: summary, severity sections (critical first), in each the
 * rules with findings of that severity, and per finding its group keys,
 * an SVG timeline drawn here from the finding's RULESET_TIMES column, and
 * its columns. Text from logs and rules goes through esc() only.
 */
#include "report_html.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "datetime.h"
#include "input.h"
#include "ruleset.h"
#include "tty.h"
#include "arena.h"

#ifndef POSTERN_VERSION
#define POSTERN_VERSION "0.1.0"
#endif

/* One rule's findings. */
typedef struct hrule {
    const rule_t *ru;      /* borrowed */
    const query_t *q;      /* borrowed: its field table names the columns */
    table_t t;             /* copies of the findings, owned */
} hrule_t;

struct html_report {
    hrule_t *r;            /* rules in the order first given, owned */
    unsigned n, cap;
};

/* Severity sections, in page order; a name not listed goes to the last.
 * ORDER HSEV: sev_class. */
static const char *const sev_names[] = {"critical", "high", "medium", "low", "informational", "other"};
#define NSEV (sizeof sev_names / sizeof sev_names[0])

/* ---- text --------------------------------------------------------------- */

/* Append s to b HTML-escaped: control characters, C1 and bidi controls
 * shown as tty_escape writes them (\x1b, \u{202e}; invalid UTF-8 as
 * \xNN), then & < > " ' as character references. */
static void esc(buf_t *b, pstr_t s) {
    buf_t t = {0};
    tty_escape(&t, s);
    size_t run = 0;
    for (size_t i = 0; i < t.n; i++) {
        const char *rep;
        switch (t.p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_put(b, t.p + run, i - run);
        buf_puts(b, rep);
        run = i + 1;
    }
    if (t.n > run) buf_put(b, t.p + run, t.n - run);
    buf_free(&t);
}

/* esc() of a NUL-terminated string (NULL: nothing). */
static void escs(buf_t *b, const char *s) {
    if (s) esc(b, pstr_c(s));
}

/* esc() of a value's text form. */
static void escv(buf_t *b, value_t v) {
    buf_t t = {0};
    val_fmt(&t, v);
    esc(b, pstr(t.p ? t.p : "", t.n));
    buf_free(&t);
}

/* Append epoch ms as ISO 8601 UTC with milliseconds. */
static void put_iso(buf_t *b, int64_t ms) {
    dt_tm_t tm;
    dt_split(ms, &tm);
    buf_printf(b, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)tm.year, tm.month, tm.day, tm.hour, tm.min,
               tm.sec, tm.ms);
}

/* Append a duration in the two largest units that matter (3d 4h, 12m 5s, 850ms). */
static void put_dur(buf_t *b, int64_t ms) {
    static const struct { int64_t ms; const char *u; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"},
    };
    if (ms < 1000) { buf_printf(b, "%lldms", (long long)ms); return; }
    for (unsigned i = 0; i < 4; i++) {
        if (ms < units[i].ms) continue;
        buf_printf(b, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
        if (i < 3 && ms % units[i].ms >= units[i + 1].ms)
            buf_printf(b, " %lld%s", (long long)(ms % units[i].ms / units[i + 1].ms), units[i + 1].u);
        return;
    }
}

/* ---- a finding's connection times ---------------------------------------- */

/* The times of one finding, sorted. */
typedef struct times {
    int64_t *v;            /* owned */
    size_t n;              /* distinct times kept */
    uint64_t records;      /* the group's records (RULESET_TIMES_N; 0: unknown) */
} times_t;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Read row r's RULESET_TIMES column (one time a line) into *tm. */
static void times_of(const query_t *q, const record_t *r, times_t *tm) {
    memset(tm, 0, sizeof *tm);
    uint32_t f = ftab_find(&q->ft, PSTR_LIT(RULESET_TIMES)), fn = ftab_find(&q->ft, PSTR_LIT(RULESET_TIMES_N));
    double d;
    if (fn != FIELD_NONE && val_to_num(rec_get(r, fn), &d) && d > 0) tm->records = (uint64_t)d;
    value_t v = f != FIELD_NONE ? rec_get(r, f) : val_null();
    if (v.t != V_STR || !v.n) return;
    size_t cap = 1;
    for (uint32_t i = 0; i < v.n; i++) cap += v.s[i] == '\n';
    tm->v = xmalloc(cap * sizeof *tm->v);
    for (const char *p = v.s, *end = v.s + v.n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        if (str_to_num(pstr(p, (size_t)(nl - p)), &d) && d == d && d > -9e15 && d < 9e15) tm->v[tm->n++] = (int64_t)d;
        p = nl + 1;
    }
    qsort(tm->v, tm->n, sizeof *tm->v, cmp_i64);
}

/* Drawing area of a timeline, in SVG user units. */
enum { TL_W = 960, TL_H = 62, TL_X0 = 8, TL_X1 = 952, TL_BASE = 36, TL_TOP = 10 };

/* Append the timeline of tm: a tick per connection time on an axis from
 * the first to the last, both labelled, so that gaps show (a beacon's
 * ticks are evenly spaced), and a line saying how many and the median gap. */
static void put_timeline(buf_t *b, const times_t *tm) {
    if (!tm->n) {
        buf_puts(b, "<p class=\"tlnote\">no connection times (the records carry no _messageTime, or the rule "
                    "has no aggregate to collect them)</p>\n");
        return;
    }
    int64_t lo = tm->v[0], hi = tm->v[tm->n - 1];
    double span = hi > lo ? (double)(hi - lo) : 1.0;
    buf_printf(b, "<svg class=\"tl\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", TL_W, TL_H, TL_W,
               TL_H);
    buf_printf(b, "<title>%zu connection time%s from ", tm->n, tm->n == 1 ? "" : "s");
    put_iso(b, lo);
    buf_puts(b, " to ");
    put_iso(b, hi);
    buf_puts(b, "</title>");
    /* quarter gridlines, then the axis, then the ticks over them */
    for (int k = 1; k < 4; k++) {
        int x = TL_X0 + (TL_X1 - TL_X0) * k / 4;
        buf_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", x, TL_TOP, x, TL_BASE);
    }
    buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", TL_X0, TL_BASE, TL_X1, TL_BASE);
    buf_puts(b, "<path class=\"tick\" d=\"");
    for (size_t i = 0; i < tm->n; i++) {
        double x = hi > lo ? TL_X0 + (double)(tm->v[i] - lo) / span * (TL_X1 - TL_X0) : (TL_X0 + TL_X1) / 2.0;
        buf_printf(b, "M%.1f %dV%d", x, TL_TOP, TL_BASE);
    }
    buf_puts(b, "\"/>");
    buf_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"start\">first ", TL_X0, TL_H - 8);
    put_iso(b, lo);
    bool capped = tm->n >= HTML_TICKS && tm->records > tm->n; /* (the times after the kept ones are not known) */
    buf_printf(b, "</text><text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s ", TL_X1, TL_H - 8,
               capped ? "last drawn" : "last");
    put_iso(b, hi);
    buf_printf(b, "</text><text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (TL_X0 + TL_X1) / 2, TL_H - 8);
    put_dur(b, hi - lo);
    buf_puts(b, "</text></svg>\n<p class=\"tlnote\">");
    buf_printf(b, "%zu connection time%s drawn", tm->n, tm->n == 1 ? "" : "s");
    if (tm->records > tm->n) {
        buf_printf(b, " of %llu record%s", (unsigned long long)tm->records, tm->records == 1 ? "" : "s");
        if (capped) buf_printf(b, " (the first %d distinct times the run met; the rest are not drawn)", HTML_TICKS);
        else buf_puts(b, " (records at the same millisecond share a tick)");
    }
    if (tm->n > 2) {
        int64_t *gap = xmalloc((tm->n - 1) * sizeof *gap);
        for (size_t i = 1; i < tm->n; i++) gap[i - 1] = tm->v[i] - tm->v[i - 1];
        qsort(gap, tm->n - 1, sizeof *gap, cmp_i64);
        buf_puts(b, "; gaps: median ");
        put_dur(b, gap[(tm->n - 1) / 2]);
        buf_puts(b, ", shortest ");
        put_dur(b, gap[0]);
        buf_puts(b, ", longest ");
        put_dur(b, gap[tm->n - 2]);
        free(gap);
    }
    buf_puts(b, "</p>\n");
}

/* ---- the page --------------------------------------------------------------- */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"referrer\" content=\"no-referrer\">\n"
    "<title>postern detection report</title>\n<style>\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1040px;"
    "padding:16px 24px;color:#1d232b;background:#fff}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px;padding:4px 10px;border-radius:4px}"
    "h3{font-size:15px;margin:14px 0 4px}\n"
    ".meta{color:#5a6470;margin:0}.mono,code,.keys{font-family:ui-monospace,'DejaVu Sans Mono',monospace}\n"
    "dl.sum{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dl.sum dt{color:#5a6470}"
    "dl.sum dd{margin:0}\n"
    ".badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;"
    "margin-right:4px}\n"
    ".s-critical{background:#8e1b1b;color:#fff}.s-high{background:#c2410c;color:#fff}"
    ".s-medium{background:#a16207;color:#fff}.s-low{background:#1d4ed8;color:#fff}"
    ".s-informational,.s-other{background:#4b5563;color:#fff}\n"
    ".rule{border-left:3px solid #d0d5db;padding-left:12px;margin:8px 0 16px}.rule p{margin:2px 0}\n"
    ".finding{border:1px solid #d0d5db;border-radius:6px;padding:8px 10px;margin:10px 0}\n"
    ".keys{font-weight:600;word-break:break-all}\n"
    "svg.tl{display:block;width:100%;height:auto;max-width:960px}svg.tl .axis{stroke:#6b7280;stroke-width:1}"
    "svg.tl .grid{stroke:#e5e7eb;stroke-width:1}svg.tl .tick{stroke:#b91c1c;stroke-width:1.5}"
    "svg.tl .lbl{font:11px ui-monospace,'DejaVu Sans Mono',monospace;fill:#374151}\n"
    ".tlnote{color:#5a6470;font-size:12px;margin:0 0 4px}\n"
    ".cols{font-size:12px;margin-top:2px}.kv{display:inline-block;margin:1px 12px 1px 0}.kv .k{color:#5a6470}"
    ".kv .v{font-family:ui-monospace,'DejaVu Sans Mono',monospace;word-break:break-all}\n"
    "details{margin:4px 0}summary{cursor:pointer;color:#374151}details ul{margin:4px 0 4px 18px;padding:0}\n"
    "a{color:#1d4ed8}\n"
    "</style>\n</head>\n<body>\n";

/* Section index of severity name s. */
static unsigned sev_index(pstr_t s) {
    for (unsigned k = 0; k + 1 < NSEV; k++)
        if (pstr_ieq_c(s, sev_names[k])) return k;
    return NSEV - 1;
}

/* Severity section of row r of a decorated table. */
static unsigned row_sev(const hrule_t *h, const record_t *r) {
    uint32_t f = ftab_find(&h->q->ft, PSTR_LIT("severity"));
    value_t v = f != FIELD_NONE ? rec_get(r, f) : val_null();
    return v.t == V_STR ? sev_index(val_pstr(v)) : NSEV - 1;
}

/* True for an ATT&CK id made of letters, digits and dots only (safe in a URL). */
static bool id_ok(const char *id) {
    if (!id || !*id) return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    return true;
}

/* A link to the ATT&CK page of id under kind ("tactics", "techniques";
 * a sub-technique's dot becomes a slash), label after the id. */
static void put_mitre(buf_t *b, const char *kind, const char *id, const char *label) {
    if (id_ok(id)) {
        buf_printf(b, "<a href=\"https://attack.mitre.org/%s/", kind);
        for (const char *p = id; *p; p++) buf_putc(b, *p == '.' ? '/' : *p);
        buf_puts(b, "/\">");
        escs(b, id);
        buf_puts(b, "</a>");
    } else {
        escs(b, id);
    }
    if (label && *label) {
        buf_putc(b, ' ');
        escs(b, label);
    }
}

/* A list of a rule's texts under a heading, in a closed <details>. */
static void put_list(buf_t *b, const char *what, const strlist_t *l) {
    if (!l->n) return;
    buf_printf(b, "<details><summary>%s (%u)</summary><ul>", what, l->n);
    for (uint32_t i = 0; i < l->n; i++) {
        buf_puts(b, "<li>");
        escs(b, l->v[i]);
        buf_puts(b, "</li>");
    }
    buf_puts(b, "</ul></details>\n");
}

/* The rule's heading: title, id, MITRE links, description, false
 * positives and blind spots. */
static void put_rule(buf_t *b, const rule_t *ru, size_t n) {
    buf_puts(b, "<h3>");
    escs(b, ru->title ? ru->title : ru->id);
    buf_printf(b, " <span class=\"meta\">(%zu finding%s)</span></h3>\n<p class=\"meta\">rule <code>", n,
               n == 1 ? "" : "s");
    escs(b, ru->id);
    buf_puts(b, "</code>");
    if (ru->tactic_id || ru->tactic) {
        buf_puts(b, " · tactic ");
        put_mitre(b, "tactics", ru->tactic_id, ru->tactic);
    }
    const char *tid = ru->subtechnique_id ? ru->subtechnique_id : ru->technique_id;
    if (tid) {
        buf_puts(b, " · technique ");
        buf_t label = {0};
        if (ru->technique) buf_puts(&label, ru->technique);
        if (ru->technique && ru->subtechnique) buf_puts(&label, ": ");
        if (ru->subtechnique) buf_puts(&label, ru->subtechnique);
        buf_putc(&label, 0);
        put_mitre(b, "techniques", tid, label.p);
        buf_free(&label);
    }
    buf_puts(b, "</p>\n");
    if (ru->description) {
        buf_puts(b, "<p>");
        escs(b, ru->description);
        buf_puts(b, "</p>\n");
    }
    put_list(b, "False positives", &ru->false_positives);
    put_list(b, "Blind spots", &ru->blind_spots);
}

/* Whether column id is one the page shows elsewhere (or hides). */
static bool col_shown_above(const query_t *q, uint32_t id) {
    static const char *const above[] = {RULESET_TIMES, RULESET_TIMES_N};
    pstr_t name = ftab_name(&q->ft, id);
    for (unsigned k = 0; k < RULESET_NMETA; k++) /* (the rule's identity and MITRE mapping) */
        if (pstr_ieq_c(name, ruleset_meta_names[k])) return true;
    for (unsigned k = 0; k < sizeof above / sizeof above[0]; k++)
        if (pstr_ieq_c(name, above[k])) return true;
    return false;
}

/* q's first aggregate stage (its by keys name a finding), or NULL. */
static const stage_t *first_agg(const query_t *q) {
    for (uint32_t i = 0; i < q->nst; i++)
        if (stage_info[q->st[i].kind].flags & SF_BLOCKING) return q->st[i].kind == ST_AGG ? &q->st[i] : NULL;
    return NULL;
}

/* One finding: its group keys, timeline and columns. */
static void put_finding(buf_t *b, const hrule_t *h, const record_t *r, unsigned sev, times_t *span) {
    const query_t *q = h->q;
    buf_printf(b, "<div class=\"finding\"><div><span class=\"badge s-%s\">%s</span><span class=\"keys\">",
               sev_names[sev], sev_names[sev]);
    const stage_t *ag = first_agg(q);
    unsigned shown = 0;
    for (uint32_t k = 0; ag && k < ag->nby; k++) {
        value_t v = rec_get(r, ag->by[k]);
        if (v.t == V_NULL || (v.t == V_STR && !v.n)) continue;
        if (shown++) buf_puts(b, " · ");
        escv(b, v);
    }
    buf_puts(b, "</span></div>\n");
    times_t tm;
    times_of(q, r, &tm);
    put_timeline(b, &tm);
    if (tm.n) {
        if (!span->n || tm.v[0] < span->v[0]) span->v[0] = tm.v[0];
        if (!span->n || tm.v[tm.n - 1] > span->v[1]) span->v[1] = tm.v[tm.n - 1];
        span->n = 2;
    }
    free(tm.v);
    buf_puts(b, "<div class=\"cols\">");
    for (uint32_t c = 0; c < h->t.ncols; c++) {
        if (col_shown_above(q, h->t.cols[c])) continue;
        buf_puts(b, "<span class=\"kv\"><span class=\"k\">");
        esc(b, ftab_name(&q->ft, h->t.cols[c]));
        buf_puts(b, "</span> <span class=\"v\">");
        escv(b, rec_get(r, h->t.cols[c]));
        buf_puts(b, "</span></span> ");
    }
    buf_puts(b, "</div></div>\n");
}

/* See report_html.h. */
html_report_t *html_new(void) { return xcalloc(1, sizeof(html_report_t)); }

/* See report_html.h. */
void html_add(html_report_t *h, const rule_t *ru, const query_t *q, const table_t *t) {
    hrule_t *e = NULL;
    for (unsigned i = 0; i < h->n && !e; i++)
        if (h->r[i].ru == ru) e = &h->r[i];
    if (!e) {
        if (h->n == h->cap) {
            h->cap = h->cap ? 2 * h->cap : 4;
            h->r = xrealloc(h->r, h->cap * sizeof *h->r);
        }
        e = &h->r[h->n++];
        e->ru = ru;
        e->q = q;
        table_init(&e->t);
        e->t.fixed = true;
    }
    for (uint32_t c = 0; c < t->ncols; c++) table_add_col(&e->t, t->cols[c]);
    for (size_t i = 0; i < t->n; i++) table_add(&e->t, &t->rows[i]);
}

/* See report_html.h. */
int html_write(const html_report_t *h, const html_run_t *run, FILE *f) {
    buf_t b = {0}, body = {0};
    size_t nsev[NSEV] = {0}, total = 0;
    for (unsigned i = 0; i < h->n; i++)
        for (size_t k = 0; k < h->r[i].t.n; k++) nsev[row_sev(&h->r[i], &h->r[i].t.rows[k])]++, total++;
    /* the sections first (they find the time span the summary shows) */
    int64_t spanv[2] = {0, 0};
    times_t span = {.v = spanv};
    for (unsigned s = 0; s < NSEV; s++) {
        if (!nsev[s]) continue;
        buf_printf(&body, "<section class=\"sev\" id=\"sev-%s\">\n<h2 class=\"s-%s\">%c%s · %zu finding%s</h2>\n",
                   sev_names[s], sev_names[s], sev_names[s][0] - 'a' + 'A', sev_names[s] + 1, nsev[s],
                   nsev[s] == 1 ? "" : "s");
        for (unsigned i = 0; i < h->n; i++) {
            const hrule_t *e = &h->r[i];
            size_t n = 0;
            for (size_t k = 0; k < e->t.n; k++) n += row_sev(e, &e->t.rows[k]) == s;
            if (!n) continue;
            buf_puts(&body, "<div class=\"rule\">\n");
            put_rule(&body, e->ru, n);
            for (size_t k = 0; k < e->t.n; k++)
                if (row_sev(e, &e->t.rows[k]) == s) put_finding(&body, e, &e->t.rows[k], s, &span);
            buf_puts(&body, "</div>\n");
        }
        buf_puts(&body, "</section>\n");
    }
    buf_puts(&b, page_head);
    buf_printf(&b, "<header>\n<h1>postern detection report</h1>\n<p class=\"meta\">postern %s · %s · ",
               POSTERN_VERSION, run->command);
    put_iso(&b, run->now_ms);
    buf_puts(&b, "</p>\n</header>\n<section id=\"summary\">\n<h2>Run summary</h2>\n<dl class=\"sum\">\n<dt>inputs</dt><dd class=\"mono\">");
    if (!run->ninputs) buf_puts(&b, "stdin");
    for (int i = 0; i < run->ninputs; i++) {
        if (i) buf_puts(&b, ", ");
        escs(&b, run->inputs[i]);
    }
    buf_printf(&b, "</dd>\n<dt>records read</dt><dd>%llu</dd>\n", (unsigned long long)run->records);
    if (run->files) buf_printf(&b, "<dt>files</dt><dd>%llu</dd>\n", (unsigned long long)run->files);
    buf_printf(&b, "<dt>rules</dt><dd>%u</dd>\n", run->rules);
    buf_printf(&b, "<dt>findings</dt><dd>%zu", total);
    for (unsigned s = 0; s < NSEV; s++)
        if (nsev[s])
            buf_printf(&b, " <a href=\"#sev-%s\" class=\"badge s-%s\">%s %zu</a>", sev_names[s], sev_names[s],
                       sev_names[s], nsev[s]);
    buf_puts(&b, "</dd>\n<dt>time span</dt><dd>");
    if (span.n) {
        put_iso(&b, span.v[0]);
        buf_puts(&b, " – ");
        put_iso(&b, span.v[1]);
        buf_puts(&b, " (");
        put_dur(&b, span.v[1] - span.v[0]);
        buf_puts(&b, ", the findings' connections)");
    } else {
        buf_puts(&b, "–");
    }
    buf_puts(&b, "</dd>\n<dt>elapsed</dt><dd>");
    buf_printf(&b, "%.2f s", (double)run->elapsed_ms / 1000.0);
    buf_puts(&b, "</dd>\n</dl>\n");
    if (!total) buf_puts(&b, "<p>No findings.</p>\n");
    buf_puts(&b, "</section>\n");
    buf_put(&b, body.p ? body.p : "", body.n);
    buf_puts(&b, "</body>\n</html>\n");
    errno = 0;
    int rc = fwrite(b.p, 1, b.n, f) == b.n && fflush(f) == 0 ? 0 : -1;
    buf_free(&b);
    buf_free(&body);
    return rc;
}

/* See report_html.h. */
FILE *html_open(const char *path, const char *who) {
    FILE *f = fopen(path, "w");
    if (f) input_own_output(fileno(f)); /* (a folder being read may hold it) */
    if (!f) fprintf(stderr, "%s: cannot write %s: %s\n", who, path, strerror(errno));
    return f;
}

/* See report_html.h. */
int html_close(const html_report_t *h, const html_run_t *run, FILE *f, const char *path, const char *who) {
    int rc = html_write(h, run, f);
    int e = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc) fprintf(stderr, "%s: cannot write %s: %s\n", who, path, strerror(e ? e : EIO));
    return rc;
}

/* See report_html.h. */
void html_free(html_report_t *h) {
    if (!h) return;
    for (unsigned i = 0; i < h->n; i++) table_free(&h->r[i].t);
    free(h->r);
    free(h);
}
