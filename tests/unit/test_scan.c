/* test_scan.c — the JSON line scanner's kernels (scan.c) against a plain
 * byte-by-byte model, on hand-made lines and on random bytes drawn from
 * the characters the scan cares about, at every offset of the vector
 * blocks; and the constant string set (str.c cset).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "scan.h"
#include "str.h"

/* The model: what scan_jsonl must report, written the obvious way. */
static void model(const scan_probe_t *pr, const char *p, size_t n, size_t from, scan_line_t *o) {
    memset(o, 0, sizeof *o);
    o->first_br = SIZE_MAX;
    size_t i = 0;
    for (; i < n && p[i] != '\n'; i++) {
        if (p[i] == '\\' && i + 1 < n && p[i + 1] == 'u') o->u_esc = true;
        if ((p[i] == '{' || p[i] == '[') && i >= from && o->first_br == SIZE_MAX) o->first_br = i;
        if (p[i] == '"' && i + 1 < n) {
            bool hit = false;
            for (unsigned k = 0; k < pr->n; k++) hit |= (uint8_t)(p[i + 1] | 0x20) == pr->c[k];
            if (hit) {
                if (o->ncand == SCAN_MAXCAND) o->overflow = true;
                else if (!o->overflow) o->cand[o->ncand++] = (uint32_t)i;
            }
        }
    }
    o->len = i;
    o->nl = i < n;
}

static bool same(const scan_line_t *a, const scan_line_t *b) {
    if (a->len != b->len || a->nl != b->nl || a->u_esc != b->u_esc || a->overflow != b->overflow ||
        a->first_br != b->first_br)
        return false;
    if (a->overflow) return true; /* cand[] is incomplete either way */
    return a->ncand == b->ncand && memcmp(a->cand, b->cand, a->ncand * sizeof a->cand[0]) == 0;
}

static const char *const kernels[] = {"avx512", "avx2", "sse2", "scalar"};
#define NK (sizeof kernels / sizeof kernels[0])

/* Every kernel the CPU has must agree with the model on p[0..n). */
static int agree(const scan_probe_t *pr, const char *p, size_t n, size_t from) {
    scan_line_t want, got;
    model(pr, p, n, from, &want);
    int bad = 0;
    for (unsigned k = 0; k < NK; k++) {
        if (!scan_force(kernels[k])) continue;
        scan_jsonl(pr, p, n, from, &got);
        if (!same(&want, &got)) {
            fprintf(stderr, "  kernel %s differs on %zu bytes (from %zu): len %zu/%zu cand %u/%u br %zu/%zu\n",
                    kernels[k], n, from, got.len, want.len, got.ncand, want.ncand, got.first_br, want.first_br);
            bad++;
        }
    }
    return bad;
}

int main(void) {
    scan_probe_t pr = {0};
    CHECK(scan_probe_add(&pr, 'd'));
    CHECK(scan_probe_add(&pr, 'D'));   /* the same probe */
    CHECK(pr.n == 1);
    CHECK(scan_probe_add(&pr, '_'));
    CHECK(!scan_probe_add(&pr, '"'));  /* never a key's first byte */
    CHECK(!scan_probe_add(&pr, '\n'));
    CHECK(scan_probe_add(&pr, 'x') && scan_probe_add(&pr, 'y'));
    CHECK(!scan_probe_add(&pr, 'z'));  /* full */

    /* A line as the prefilter sees it: keys found, the line's own '{' ignored. */
    scan_probe_t dp = {0};
    scan_probe_add(&dp, 'd');
    scan_probe_add(&dp, '_');
    const char *line = "{\"_sourceCategory\":\"a/b\",\"src\":\"x\\\\y\",\"dest_port\":\"25\",\"o\":{\"Dx\":1}}\n{\"d\":2}";
    scan_line_t o;
    CHECK(scan_force("scalar"));
    scan_jsonl(&dp, line, strlen(line), 1, &o);
    CHECK(o.nl && o.len == (size_t)(strchr(line, '\n') - line));
    CHECK(!o.u_esc); /* a backslash, but no u after it */
    CHECK(o.ncand == 3 && o.cand[0] == 1 && line[o.cand[1] + 1] == 'd' && line[o.cand[2] + 1] == 'D');
    CHECK(o.first_br == (size_t)(strchr(line + 1, '{') - line));

    /* Hand-made lines at every alignment: the key straddles block edges. */
    char buf[600];
    int bad = 0;
    for (size_t pad = 0; pad < 140; pad++) {
        size_t k = 0;
        buf[k++] = '{';
        buf[k++] = '"';
        buf[k++] = 'p';
        buf[k++] = '"';
        buf[k++] = ':';
        buf[k++] = '"';
        for (size_t i = 0; i < pad; i++) buf[k++] = (char)('a' + i % 20);
        k += (size_t)sprintf(buf + k, "\",\"Dest_port\":\"25\",\"a\":[1]}\n{\"dest\":1}\n");
        bad += agree(&dp, buf, k, 1);
        bad += agree(&dp, buf, k - 11, 1);  /* the buffer ends just after the newline */
        bad += agree(&dp, buf, pad + 8, 1); /* cut inside the line: no newline */
    }
    CHECK(bad == 0);

    /* Random bytes from the scan's alphabet, many lengths and offsets. */
    static const char alpha[] = "\"\"\"dD__{[\\\n\n a:,xuU}";
    srand(12345);
    bad = 0;
    for (int t = 0; t < 20000; t++) {
        size_t n = (size_t)rand() % 300;
        for (size_t i = 0; i < n; i++) buf[i] = alpha[rand() % (int)(sizeof alpha - 1)];
        /* Fewer newlines in half the cases, so lines get long. */
        if (t & 1)
            for (size_t i = 0; i < n; i++)
                if (buf[i] == '\n' && rand() % 8) buf[i] = ' ';
        bad += agree(&dp, buf, n, (size_t)rand() % 4);
    }
    CHECK(bad == 0);

    /* More than SCAN_MAXCAND candidates on one line: overflow, never a wrong list. */
    size_t k = 0;
    for (int i = 0; i < 80; i++) k += (size_t)sprintf(buf + k, "\"d\":1,");
    buf[k++] = '\n';
    CHECK(scan_force("scalar"));
    scan_jsonl(&dp, buf, k, 1, &o);
    CHECK(o.overflow && o.nl);
    CHECK(agree(&dp, buf, k, 1) == 0);

    /* scan_force: unknown names are refused; the scalar kernel always exists. */
    CHECK(!scan_force("avx1024"));
    CHECK(scan_force("scalar") && strcmp(scan_impl(), "scalar") == 0);

    /* The constant string set. */
    pstr_t vals[] = {PSTR_LIT("25"), PSTR_LIT("465"), PSTR_LIT(""), PSTR_LIT("a-rather-long-value")};
    cset_t s;
    uint64_t words[4];
    cset_init(&s, vals, 4, words);
    CHECK(cset_has(&s, PSTR_LIT("25")));
    CHECK(cset_has(&s, PSTR_LIT("465")));
    CHECK(cset_has(&s, PSTR_LIT("")));
    CHECK(cset_has(&s, PSTR_LIT("a-rather-long-value")));
    CHECK(!cset_has(&s, PSTR_LIT("2")));
    CHECK(!cset_has(&s, PSTR_LIT("250")));
    CHECK(!cset_has(&s, pstr("25\0", 3))); /* a NUL is a byte like any other */
    CHECK(!cset_has(&s, PSTR_LIT("a-rather-long-valuE")));
    cset_init(&s, NULL, 0, NULL);
    CHECK(!cset_has(&s, PSTR_LIT("")));
    return CHECK_DONE("test_scan");
}
