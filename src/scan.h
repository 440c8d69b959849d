/* scan.h — one vector pass over a JSON line.
 *
 * The prefilter needs, for each JSON Lines record, where the line ends,
 * where the keys it tests might start, whether any inner object or array
 * comes before them and whether the line may hold a \u escape. scan_jsonl
 * finds all of it in one pass of 64-byte (AVX-512BW), 32-byte (AVX2) or
 * 16-byte (SSE2) blocks,
 * instead of one memchr for the newline plus one search per key. It reads
 * only p[0..n) and allocates nothing.
 */
#ifndef POSTERN_SCAN_H
#define POSTERN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes that may follow a key's opening quote. */
#define SCAN_MAXPROBE 4
/* Candidate positions kept per line; more sets scan_line_t.overflow. */
#define SCAN_MAXCAND 64

/* The key starts to look for: a '"' followed by one of c[] (a letter
 * matches in either case). Built once by scan_probe_add. Bytes compare
 * with bit 0x20 set, so a few others match too ('_' and DEL): a candidate
 * is a position to check, not a key. */
typedef struct scan_probe {
    uint8_t c[SCAN_MAXPROBE];  /* probe bytes with bit 0x20 set */
    unsigned n;
} scan_probe_t;

/* What one pass found. Positions are offsets into the scanned bytes. */
typedef struct scan_line {
    size_t len;                 /* bytes before the '\n' (all n when none) */
    bool nl;                    /* a '\n' ends the line at len */
    bool u_esc;                 /* a '\\' followed by 'u' occurs before len (a \u escape,
                                 * or an escaped backslash and a u) */
    bool overflow;              /* more than SCAN_MAXCAND candidates: cand[] is incomplete */
    size_t first_br;            /* first '{' or '[' at or after br_from, SIZE_MAX when none */
    unsigned ncand;
    uint32_t cand[SCAN_MAXCAND]; /* '"' positions followed by a probe byte, in order */
} scan_line_t;

/* Add byte c (a key's first byte; letters are folded to lowercase) to pr.
 * Returns false when pr is full (the caller then cannot use scan_jsonl). */
bool scan_probe_add(scan_probe_t *pr, char c);

/* Scan p[0..n) up to its first '\n': fills *out (see scan_line_t).
 * Brackets before br_from are ignored (the line's own opening '{'). */
void scan_jsonl(const scan_probe_t *pr, const char *p, size_t n, size_t br_from, scan_line_t *out);

/* Which kernel scan_jsonl uses on this CPU: "avx512", "avx2", "sse2" or
 * "scalar" (the best the CPU has, unless forced). */
const char *scan_impl(void);
/* Make scan_jsonl use the named kernel from now on (tests compare them;
 * the environment variable POSTERN_SCAN does it for a run). Returns false
 * when the name is unknown or the CPU lacks the kernel. */
bool scan_force(const char *name);

#endif
