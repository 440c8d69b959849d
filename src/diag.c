/* diag.c — collecting and rendering diagnostics (see diag.h).
 *
 * Rendering shows the offending source line under the position and a
 * caret run under the span, in the style of gcc and rustc.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"

static const char *const level_name[] = {"error", "warning", "note"}; /* ORDER DLEVEL */

/* See diag.h. */
void diag_init(diag_t *d, const char *name, const char *src, size_t len) {
    memset(d, 0, sizeof *d);
    d->name = name;
    d->src = src;
    d->srclen = len;
}

/* See diag.h. */
void diag_free(diag_t *d) {
    for (uint32_t i = 0; i < d->n; i++) {
        free(d->m[i].code);
        free(d->m[i].msg);
        free(d->m[i].hint);
    }
    free(d->m);
    d->m = NULL;
    d->n = d->cap = d->nerr = d->nwarn = 0;
}

/* See diag.h. */
uint32_t diag_add(diag_t *d, dlevel_t lvl, span_t sp, const char *code, const char *fmt, ...) {
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->m = xrealloc(d->m, d->cap * sizeof *d->m);
    }
    buf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    dmsg_t *m = &d->m[d->n];
    m->lvl = lvl;
    m->sp = sp;
    m->code = code ? xstrndup(code, strlen(code)) : NULL;
    m->msg = b.p ? b.p : xstrndup("", 0);
    m->hint = NULL;
    if (lvl == D_ERROR) d->nerr++;
    else if (lvl == D_WARNING) d->nwarn++;
    return d->n++;
}

/* See diag.h. */
void diag_hint(diag_t *d, uint32_t i, const char *fmt, ...) {
    if (i >= d->n) return;
    buf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(d->m[i].hint);
    d->m[i].hint = b.p;
}

/* See diag.h. */
void diag_linecol(const diag_t *d, uint32_t off, uint32_t *line, uint32_t *col) {
    uint32_t l = 1, c = 1;
    if (off > d->srclen) off = (uint32_t)d->srclen;
    for (uint32_t i = 0; i < off; i++) {
        if (d->src[i] == '\n') { l++; c = 1; }
        else c++;
    }
    *line = l + d->line0;
    *col = c;
}

/* See diag.h. */
void diag_suppress(diag_t *d, const char *code) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        dmsg_t *m = &d->m[i];
        if (m->lvl != D_ERROR && m->code && strcmp(m->code, code) == 0) {
            if (m->lvl == D_WARNING) d->nwarn--;
            free(m->code);
            free(m->msg);
            free(m->hint);
            continue;
        }
        d->m[k++] = *m;
    }
    d->n = k;
}

/* See diag.h. */
void diag_accept(diag_t *d, const char *code, const char *why) {
    for (uint32_t i = 0; i < d->n; i++) {
        dmsg_t *m = &d->m[i];
        if (m->lvl != D_WARNING || !m->code || strcmp(m->code, code) != 0) continue;
        m->lvl = D_NOTE;
        d->nwarn--;
        size_t n = strlen(m->msg) + strlen(why) + 4;
        char *t = xmalloc(n);
        snprintf(t, n, "%s (%s)", m->msg, why);
        free(m->msg);
        m->msg = t;
    }
}

/* See diag.h. */
void diag_promote_warnings(diag_t *d) {
    for (uint32_t i = 0; i < d->n; i++)
        if (d->m[i].lvl == D_WARNING) { d->m[i].lvl = D_ERROR; d->nwarn--; d->nerr++; }
}

/* See diag.h. */
void diag_print_one(const diag_t *d, const dmsg_t *m, FILE *f) {
    uint32_t line, col;
    diag_linecol(d, m->sp.off, &line, &col);
    fprintf(f, "%s:%u:%u: %s: %s", d->name ? d->name : "query", line, col, level_name[m->lvl], m->msg);
    if (m->code) fprintf(f, " [%s]", m->code);
    fputc('\n', f);
    if (!d->src) goto hint;
    /* The source line holding the span start. */
    uint32_t off = m->sp.off > d->srclen ? (uint32_t)d->srclen : m->sp.off;
    uint32_t b = off, e = off;
    while (b > 0 && d->src[b - 1] != '\n') b--;
    while (e < d->srclen && d->src[e] != '\n') e++;
    fprintf(f, "    %.*s\n    ", (int)(e - b), d->src + b);
    for (uint32_t i = b; i < off; i++) fputc(d->src[i] == '\t' ? '\t' : ' ', f);
    fputc('^', f);
    uint32_t len = m->sp.len;
    if (off + len > e) len = e - off;
    for (uint32_t i = 1; i < len; i++) fputc('~', f);
    fputc('\n', f);
hint:
    if (m->hint) fprintf(f, "    = hint: %s\n", m->hint);
}

/* See diag.h. */
void diag_print(const diag_t *d, FILE *f, dlevel_t min) {
    for (uint32_t i = 0; i < d->n; i++)
        if (d->m[i].lvl <= min) diag_print_one(d, &d->m[i], f);
}
