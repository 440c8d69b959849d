/* test_json_index.c — the JSON text's bit masks (json_index.c) and the
 * scanners built on them (json_index.h).
 *
 * rd_json_object walks a text with json_index.h's helpers when it is
 * indexed and with json_scan.h's otherwise, and must answer the same
 * either way; so every helper is compared with its byte-scanning twin at
 * every position of random texts drawn from the bytes that matter
 * (quotes, backslash runs, digits, signs, exponents, brackets), of every
 * length across the 64-byte words, under every kernel. The escape masks
 * are checked against a byte-by-byte model, also across word edges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json_index.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void) { return check_splitmix(&rng); }

/* The model of the escapes: byte k is escaped when an odd run of
 * backslashes ends just before it. */
static void model_escaped(const char *s, size_t n, uint64_t *e) {
    memset(e, 0, sizeof(uint64_t) * JX_WORDS);
    size_t run = 0;
    for (size_t k = 0; k < n; k++) {
        if (run & 1) e[k / 64] |= (uint64_t)1 << (k % 64);
        run = s[k] == '\\' ? run + 1 : 0;
    }
}

/* The masks of s[0..n) by the obvious loop. */
static void model(const char *s, size_t n, jx_t *x) {
    uint64_t e[JX_WORDS];
    model_escaped(s, n, e);
    memset(x, 0, sizeof *x);
    x->n = n;
    x->nw = (unsigned)((n + 63) / 64);
    for (size_t k = 0; k < n; k++) {
        uint64_t bit = (uint64_t)1 << (k % 64);
        if (s[k] == '"' && !(e[k / 64] & bit)) x->q[k / 64] |= bit;
        if (s[k] == '\\') x->b[k / 64] |= bit;
        if (s[k] >= '0' && s[k] <= '9') x->d[k / 64] |= bit;
    }
}

static bool same_masks(const jx_t *a, const jx_t *b) {
    if (a->n != b->n || a->nw != b->nw) return false;
    for (unsigned w = 0; w < a->nw; w++)
        if (a->q[w] != b->q[w] || a->b[w] != b->b[w] || a->d[w] != b->d[w]) return false;
    return true;
}

/* A random text of n bytes from an alphabet weighted towards JSON's
 * structure; runs of backslashes come often. */
static void fill(char *s, size_t n) {
    static const char alpha[] = "\"\"\"\\\\\\\\0123456789-+.eE{}[],: abtfnulrs\t\xc3\xa9";
    for (size_t k = 0; k < n; k++) s[k] = alpha[next() % (sizeof alpha - 1)];
}

/* Every helper against its byte-scanning twin at every position of s. */
static bool helpers_agree(const char *s, size_t n, const jx_t *x) {
    for (size_t i = 0; i < n; i++) {
        bool e1 = false, e2 = false, tr = false;
        if (s[i] == '"') {
            size_t a = js_str_end(s, n, i, &e1), b = jx_str_end(x, i, &e2);
            if (a != b || (a < n && e1 != e2)) return false;
        }
        if (js_num_end(s, n, i, &tr) != jx_num_end(x, s, i)) return false;
        if (s[i] != '{' && s[i] != '[' && js_value_end(s, n, i) != jx_value_end(x, s, i)) return false;
        size_t dk = i;
        while (dk < n && s[dk] >= '0' && s[dk] <= '9') dk++;
        if (jx_digits_end(x, i) != dk) return false;
    }
    return true;
}

static void test_escaped(void) {
    /* Single words with a carry in: against the model on 65 bytes whose
     * first byte stands for the word before. */
    int bad = 0;
    for (int t = 0; t < 200000; t++) {
        uint64_t bs = next();
        if (t & 1) bs |= bs >> 1 | bs >> 2; /* longer runs */
        if (t % 7 == 0) bs = ~(uint64_t)0 << (next() % 64);
        unsigned carry = (unsigned)(next() & 1), c = carry;
        char s[66];
        s[0] = carry ? '\\' : 'x'; /* an odd run of one before the word */
        for (unsigned k = 0; k < 64; k++) s[1 + k] = (bs >> k & 1) ? '\\' : 'x';
        s[65] = 'x';
        uint64_t e[JX_WORDS];
        model_escaped(s, 66, e);
        uint64_t want = e[0] >> 1 | e[1] << 63;
        unsigned want_carry = (unsigned)(e[1] >> 1 & 1);
        uint64_t got = jx_escaped(bs, &c);
        /* Only bytes that are not backslashes matter for quotes, but the
         * model marks every escaped byte: compare on the others, and the
         * carry exactly. */
        if ((got & ~bs) != (want & ~bs) || c != want_carry) bad++;
    }
    CHECK(bad == 0);
    unsigned c = 0;
    CHECK(jx_escaped(0, &c) == 0 && c == 0);
    c = 1;
    CHECK(jx_escaped(0, &c) == 1 && c == 0);
    c = 0;
    CHECK((jx_escaped(0x1, &c) & ~1ull) == 0x2 && c == 0);          /* \x: x escaped */
    c = 0;
    CHECK((jx_escaped(0x3, &c) & ~3ull) == 0 && c == 0);            /* \\x */
    c = 0;
    CHECK(jx_escaped((uint64_t)1 << 63, &c) == 0 && c == 1);        /* odd run to the end */
    c = 0;
    CHECK(jx_escaped((uint64_t)3 << 62, &c) == 0 && c == 0);        /* even run to the end */
    c = 1;
    CHECK(jx_escaped(~(uint64_t)0, &c) == 1 && c == 1);             /* 1 + 64: odd */
}

static void test_kernels(void) {
    static const char *const names[] = {"avx512", "avx2", "sse2", "scalar"};
    const char *was = jx_impl();
    char s[JX_MAXLEN + 8];
    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (!jx_force(names[k])) continue;
        CHECK_STR(jx_impl(), names[k]);
        int bad = 0, badh = 0;
        for (int t = 0; t < 3000; t++) {
            size_t n = t < 300 ? (size_t)t : next() % (JX_MAXLEN + 1);
            fill(s, n);
            jx_t got, want;
            CHECK(jx_build(&got, s, n));
            model(s, n, &want);
            if (!same_masks(&got, &want)) bad++;
            if (t % 4 == 0 && !helpers_agree(s, n, &got)) badh++;
        }
        CHECK(bad == 0);
        CHECK(badh == 0);
        jx_t x;
        CHECK(!jx_build(&x, s, JX_MAXLEN + 1));
    }
    CHECK(!jx_force("avx9"));
    CHECK(jx_force(was));
}

/* jx_build_line against the model of the line's bytes, under every
 * kernel: lines of every length across the words, the newline anywhere,
 * text after it (which must not show in the masks), buffers that end
 * before a newline, lines too long to index. */
static void test_lines(void) {
    static const char *const names[] = {"avx512", "avx2", "sse2", "scalar"};
    const char *was = jx_impl();
    static char s[JX_MAXLEN + 200];
    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (!jx_force(names[k])) continue;
        int bad = 0, badn = 0;
        for (int t = 0; t < 3000; t++) {
            size_t len = t < 300 ? (size_t)t : next() % (JX_MAXLEN + 2);
            size_t after = next() % 100, n = len + 1 + after;
            fill(s, n);
            for (size_t i = 0; i < len; i++)
                if (s[i] == '\n') s[i] = 'x';
            s[len] = '\n';
            if (t % 3 == 0) n = len + 1; /* the buffer ends at the newline */
            jx_t got, want;
            size_t e = jx_build_line(&got, s, n);
            if (len >= JX_MAXLEN) {
                if (e != JX_NOLINE) badn++;
                continue;
            }
            if (e != len) {
                badn++;
                continue;
            }
            model(s, len, &want);
            if (!same_masks(&got, &want)) bad++;
            bool anyb = memchr(s, '\\', len) != NULL;
            if (got.anyb != anyb) bad++;
            /* no newline in the buffer: nothing */
            if (jx_build_line(&got, s, len) != JX_NOLINE) badn++;
        }
        CHECK(bad == 0);
        CHECK(badn == 0);
    }
    CHECK(jx_force(was));
    /* jx_cut: the masks of a shorter text */
    char t[200];
    fill(t, sizeof t);
    for (size_t i = 0; i < sizeof t; i++)
        if (t[i] == '\n') t[i] = ' ';
    t[150] = '\n';
    for (size_t cut = 0; cut <= 150; cut += 7) {
        jx_t got, want;
        CHECK(jx_build_line(&got, t, sizeof t) == 150);
        jx_cut(&got, cut);
        model(t, cut, &want);
        /* (quotes past the cut may be escaped by bytes before it alike) */
        CHECK(same_masks(&got, &want));
    }
}

/* Hand-made texts: escapes before quotes at word edges, numbers ending
 * at the text's end. */
static void test_cases(void) {
    static const char *const texts[] = {
        "{\"a\":\"x\\\"y\",\"b\":12}",
        "{\"a\":\"x\\\\\",\"b\":-0.5e+3}",
        "\"\\\\\\\"\"",
        "123",
        "-",
        "1.",
        "1e",
        "01",
        "\"abc",
    };
    for (unsigned t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t n = strlen(texts[t]);
        jx_t x;
        CHECK(jx_build(&x, texts[t], n));
        CHECK(helpers_agree(texts[t], n, &x));
    }
    /* A quote at byte 64 after backslash runs of every length ending at 63. */
    for (unsigned run = 0; run < 70; run++) {
        char s[200];
        memset(s, 'a', sizeof s);
        s[0] = '"';
        for (unsigned k = 0; k < run && k < 63; k++) s[63 - k] = '\\';
        s[64] = '"';
        jx_t x;
        CHECK(jx_build(&x, s, 130));
        bool esc;
        size_t want = ((run < 63 ? run : 63) & 1) ? 130 : 64;
        CHECK(jx_str_end(&x, 0, &esc) == want);
        CHECK(helpers_agree(s, 130, &x));
    }
}

int main(void) {
    test_escaped();
    test_kernels();
    test_lines();
    test_cases();
    return CHECK_DONE("json_index");
}
