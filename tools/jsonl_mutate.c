/* jsonl_mutate.c — mutated JSON lines, for differential runs of two
 * postern builds (an old and a new JSON reader must accept, reject and
 * decode the same lines).
 *
 *   cc -O2 -std=c11 -o build/jsonl_mutate tools/jsonl_mutate.c
 *   build/jsonl_mutate COUNT SEED < lines.jsonl > mutated.jsonl
 *
 * Reads up to 100,000 lines of stdin (each cut at 8 KB) and writes COUNT
 * lines, each a random input line with 1 to 4 edits: a byte inserted,
 * deleted or replaced (bytes that matter to JSON's grammar: quotes,
 * backslash runs, digits, signs, brackets, spaces, control and UTF-8
 * bytes), a span duplicated, or the line cut short; one line in 16 is left
 * whole. The same arguments give the same lines.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLINES 100000
#define MAXLEN 8192

static uint64_t st;

static uint64_t rnd(void) {
    uint64_t z = (st += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char bytes[] = "\"\"\\\\\\0123456789-+.eE{}[],: \t\x01\x7f\xc3\xa9\xff" "tfnu";

/* One edit of line b (length *n, room for MAXLEN * 2 bytes). */
static void edit(char *b, size_t *n) {
    size_t len = *n, at = len ? rnd() % (len + 1) : 0;
    char c = bytes[rnd() % (sizeof bytes - 1)];
    switch (rnd() % 6) {
    case 0: /* insert */
    case 1:
        if (len + 1 >= MAXLEN * 2) return;
        memmove(b + at + 1, b + at, len - at);
        b[at] = c;
        *n = len + 1;
        break;
    case 2: /* delete */
        if (at < len) {
            memmove(b + at, b + at + 1, len - at - 1);
            *n = len - 1;
        }
        break;
    case 3: /* replace */
        if (at < len) b[at] = c;
        break;
    case 4: { /* duplicate a span */
        size_t sl = rnd() % 40;
        if (at + sl > len || len + sl >= MAXLEN * 2) return;
        memmove(b + at + sl, b + at, len - at);
        *n = len + sl;
        break;
    }
    default: /* cut */
        *n = at;
        break;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: jsonl_mutate COUNT SEED < lines > mutated\n");
        return 2;
    }
    long count = atol(argv[1]);
    st = strtoull(argv[2], NULL, 10);
    char **lines = malloc(MAXLINES * sizeof *lines);
    size_t *lens = malloc(MAXLINES * sizeof *lens);
    char *buf = malloc(MAXLEN * 2 + 1);
    if (!lines || !lens || !buf) return 1;
    size_t nl = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while (nl < MAXLINES && (got = getline(&line, &cap, stdin)) > 0) {
        size_t len = (size_t)got;
        if (line[len - 1] == '\n') len--;
        if (len > MAXLEN) len = MAXLEN;
        lines[nl] = malloc(len + 1);
        if (!lines[nl]) return 1;
        memcpy(lines[nl], line, len);
        lens[nl++] = len;
    }
    free(line);
    if (!nl) return 0;
    for (long k = 0; k < count; k++) {
        size_t i = rnd() % nl, n = lens[i];
        memcpy(buf, lines[i], n);
        if (rnd() % 16) {
            unsigned edits = 1 + (unsigned)(rnd() % 4);
            for (unsigned e = 0; e < edits; e++) edit(buf, &n);
        }
        for (size_t j = 0; j < n; j++)
            if (buf[j] == '\n') buf[j] = ' '; /* one line stays one line */
        fwrite(buf, 1, n, stdout);
        putchar('\n');
    }
    for (size_t i = 0; i < nl; i++) free(lines[i]);
    free(lines);
    free(lens);
    free(buf);
    return 0;
}
