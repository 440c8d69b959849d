/* input_vote.c — which reader reads an input: a vote over its first
 * lines (syslog headers stripped) and each reader's probe of its start,
 * and for a JSON document of records the vote over its values.
 *
 * Called by input.c on an input's first window (IN_PROBE bytes, after
 * decompression and UTF-16 conversion) before the input's lane starts.
 */
#include <string.h>

#include "input_int.h"
#include "json.h"

#define IN_VOTE 20                     /* first non-blank lines the format vote looks at */
#define IN_VOTE_FAR 5000               /* most lines searched further when none of those is any reader's */

/* When none of the first lines is any reader's (a syslog file where other
 * daemons speak first), the rest of p[from..n) is searched, up to
 * IN_VOTE_FAR more lines, for syslog lines a reader recognises: the reader
 * recognising most of them wins, with the vote 1 (a format found far in,
 * among other lines). NULL when there is none. */
static const rd_impl_t *vote_far(const char *p, size_t n, size_t from, int *score) {
    unsigned hits[IN_MAXFORMATS] = {0};
    size_t i = from;
    for (unsigned k = 0; i < n && k < IN_VOTE_FAR; k++) {
        const char *e = memchr(p + i, '\n', n - i);
        if (!e) break; /* a cut last line is not looked at */
        pstr_t t = pstr_trim(pstr(p + i, (size_t)(e - (p + i))));
        i = (size_t)(e - p) + 1;
        if (!t.n) continue;
        rd_line_t l;
        rd_line_parse(&l, t, NULL);
        if (l.sl.kind == SL_NONE) continue; /* only syslog lines: not any file with a '{' line */
        for (size_t r = 0; r < in_nreaders; r++)
            if (in_readers[r]->line && in_readers[r]->line(&l) > 0) hits[r]++;
    }
    size_t best = 0;
    for (size_t r = 1; r < in_nreaders; r++)
        if (hits[r] > hits[best]) best = r;
    if (!hits[best]) return NULL;
    *score = 1;
    return in_readers[best];
}

/* See input_int.h. Each reader scores the
 * input as a whole (probe: formats known by a header or a document start)
 * and each of the first IN_VOTE non-blank lines, syslog header stripped
 * (line); its vote is the better of the probe and the lines' average, so
 * a format wins on most lines even when others are mixed in. A line cut
 * by the end of the window counts only when it is the first. Ties go to
 * the reader listed first. *score gets the winner's vote. */
const rd_impl_t *in_vote(const char *p, size_t n, bool eof, int *score) {
    rd_line_t lines[IN_VOTE];
    unsigned nl = 0;
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && nl < IN_VOTE) {
        const char *e = memchr(p + i, '\n', n - i);
        if (!e && !eof && nl) break;
        size_t le = e ? (size_t)(e - p) : n;
        pstr_t t = pstr_trim(pstr(p + i, le - i));
        i = e ? le + 1 : n;
        if (!t.n) continue;
        rd_line_parse(&lines[nl], t, NULL);
        nl++;
    }
    const rd_impl_t *best = NULL;
    int bs = 0;
    for (size_t k = 0; k < in_nreaders; k++) {
        const rd_impl_t *rd = in_readers[k];
        int sc = rd->probe ? rd->probe(p, n) : 0;
        if (rd->line && nl) {
            long sum = 0;
            for (unsigned j = 0; j < nl; j++) sum += rd->line(&lines[j]);
            int v = (int)(sum / nl);
            if (!v && sum) v = 1;
            if (v > sc) sc = v;
        }
        if (sc > bs) {
            bs = sc;
            best = rd;
        }
    }
    if (!best) best = vote_far(p, n, i, &bs);
    *score = bs;
    return best;
}

/* JSON documents of records: a top-level array of objects, or objects
 * written over several lines (jq's pretty print, a SIEM's export, the OCSF
 * and ECS examples), hold records that the one-object-a-line readers know.
 * doc_lines writes the top-level values of p[0..n) (the elements of an
 * array, or a sequence of values) to out, one a line, line breaks inside
 * them made blanks (JSON strings hold no raw line breaks); a value cut by
 * the end of p is left out. Returns the number of values written, 0 when
 * p is not JSON of that shape. */
static size_t doc_lines(const char *p, size_t n, buf_t *out) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, k = 0;
    i = json_ws(p, n, i);
    bool arr = i < n && p[i] == '[';
    if (arr) i = json_ws(p, n, i + 1);
    while (i < n) {
        if (arr && p[i] == ']') break;
        if (p[i] != '{') return k; /* records are objects */
        size_t e = json_skip(p, n, i);
        if (e == (size_t)-1 || e > n) break; /* malformed, or cut by the window */
        for (size_t j = i; j < e; j++) buf_putc(out, p[j] == '\n' || p[j] == '\r' ? ' ' : p[j]);
        buf_putc(out, '\n');
        k++;
        i = json_ws(p, n, e);
        if (arr && i < n && p[i] == ',') i = json_ws(p, n, i + 1);
    }
    return k;
}

/* See input_int.h. sumo-json keeps only top-level keys: the values are
 * voted on as lines (doc_lines into *out), and a reader with a schema of
 * its own (not plain jsonl) must win with 70 or more. */
const rd_impl_t *in_vote_doc(const char *p, size_t n, buf_t *out, int *score) {
    buf_clear(out);
    if (!doc_lines(p, n, out) || !out->n) return NULL;
    int sc = 0;
    const rd_impl_t *rd = in_vote(out->p, out->n, true, &sc);
    if (!rd || rd == &rd_sumo_json || rd == &rd_jsonl || sc < 70) return NULL;
    *score = sc;
    return rd;
}

/* See input_int.h. */
bool in_blank(const char *p, size_t n) {
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
    return json_ws(p, n, i) == n;
}
