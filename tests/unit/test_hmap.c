/* test_hmap.c — unit tests of the one hash table (src/hmap.c): the index
 * with caller-kept entries (insert, find, grow, colliding hashes, reserve)
 * and the byte-string set (empty keys, many keys, insertion-order ids).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hmap.h"

/* The id of key k among keys[] through m, hashing with hf; HM_NONE when
 * absent, added with id *n when add. */
static uint32_t put(hm_t *m, uint64_t h, uint32_t *keys, uint32_t *n, uint32_t k, bool add) {
    hm_probe_t p = hm_start(m, h);
    for (uint32_t id; (id = hm_next(m, &p)) != HM_NONE;)
        if (keys[id] == k) return id;
    if (!add) return HM_NONE;
    keys[*n] = k;
    hm_add(m, &p, *n);
    return (*n)++;
}

static void test_index(void) {
    enum { N = 100000 };
    uint32_t *keys = malloc(N * sizeof *keys), n = 0;
    hm_t m;
    hm_init(&m);
    /* An empty table finds nothing and holds nothing. */
    CHECK(put(&m, 42, keys, &n, 7, false) == HM_NONE);
    CHECK(hm_bytes(&m) == 0);
    /* Insert, find again, grow through many doublings. */
    bool ok = true;
    for (uint32_t k = 0; k < N; k++) ok &= put(&m, hm_hash(&k, sizeof k), keys, &n, k, true) == k;
    CHECK(ok);
    CHECK(m.n == N);
    CHECK((uint64_t)m.n * 4 <= ((uint64_t)m.mask + 1) * 3); /* at most 3/4 full */
    ok = true;
    for (uint32_t k = 0; k < N; k++) ok &= put(&m, hm_hash(&k, sizeof k), keys, &n, k, false) == k;
    CHECK(ok);
    uint32_t absent = N + 5;
    CHECK(put(&m, hm_hash(&absent, sizeof absent), keys, &n, absent, false) == HM_NONE);
    hm_free(&m);

    /* Every key with one hash: the caller's compare tells them apart. */
    n = 0;
    ok = true;
    for (uint32_t k = 0; k < 300; k++) ok &= put(&m, 12345, keys, &n, k, true) == k;
    for (uint32_t k = 0; k < 300; k++) ok &= put(&m, 12345, keys, &n, k, false) == k;
    CHECK(ok);
    CHECK(put(&m, 12345, keys, &n, 999, false) == HM_NONE);
    /* Hashes equal in their low bits only (one home slot, other tags). */
    hm_free(&m);
    n = 0;
    ok = true;
    for (uint32_t k = 0; k < 300; k++) ok &= put(&m, (uint64_t)k << 20, keys, &n, k, true) == k;
    for (uint32_t k = 0; k < 300; k++) ok &= put(&m, (uint64_t)k << 20, keys, &n, k, false) == k;
    CHECK(ok);
    hm_free(&m);

    /* reserve: no growth on the way to n. */
    hm_reserve(&m, 1000);
    size_t b = hm_bytes(&m);
    n = 0;
    for (uint32_t k = 0; k < 1000; k++) put(&m, hm_hash(&k, sizeof k), keys, &n, k, true);
    CHECK(hm_bytes(&m) == b);
    hm_free(&m);
    free(keys);
}

static void test_hash(void) {
    /* Equal bytes hash alike; a changed byte or length changes the hash. */
    CHECK(hm_hash("abcdefghij", 10) == hm_hash("abcdefghij", 10));
    CHECK(hm_hash("abcdefghij", 10) != hm_hash("abcdefghik", 10));
    CHECK(hm_hash("abcdefghij", 10) != hm_hash("abcdefghij", 9));
    CHECK(hm_hash("", 0) != hm_hash("\0", 1));
    CHECK(hm_hash("ab", 2) != hm_hash("ba", 2));
    /* Case-insensitive hash: case is ignored, nothing else. */
    CHECK(hm_ihash("Src_IP.Address", 14) == hm_ihash("src_ip.address", 14));
    CHECK(hm_ihash("src_ip.address", 14) != hm_ihash("src_ip.addresz", 14));
    CHECK(hm_ihash("AB", 2) == hm_hash("ab", 2));
    /* The low bits (the home slot) spread: 4096 sequential keys over 4096 slots. */
    static unsigned char used[4096];
    unsigned distinct = 0;
    for (uint32_t k = 0; k < 4096; k++) {
        char s[16];
        int len = snprintf(s, sizeof s, "10.0.%u.%u", k / 256, k % 256);
        uint32_t j = (uint32_t)hm_hash(s, (size_t)len) & 4095;
        if (!used[j]++) distinct++;
    }
    CHECK(distinct > 2400); /* a uniform hash fills about 63% */

    /* Short keys (up to 16 bytes: one or two words, see hm_hash) spread
     * as well whichever 12 bits of theirs vary: the first bytes', the
     * last bytes' or the top bits of each word's bytes (a multiply moves
     * a word's top bits nowhere but up). */
    static const struct { size_t len, at[2]; unsigned shift; } way[] = {
        {12, {0, 1}, 0}, {12, {10, 11}, 0}, {16, {7, 15}, 2}, {8, {6, 7}, 2}, {5, {0, 4}, 2}, {15, {3, 14}, 2},
    };
    for (size_t w = 0; w < sizeof way / sizeof way[0]; w++) {
        memset(used, 0, sizeof used);
        distinct = 0;
        for (uint32_t k = 0; k < 4096; k++) {
            unsigned char s[16];
            memset(s, 'x', sizeof s);
            s[way[w].at[0]] = (unsigned char)((k & 63) << way[w].shift);
            s[way[w].at[1]] = (unsigned char)((k >> 6) << way[w].shift);
            uint32_t j = (uint32_t)hm_hash(s, way[w].len) & 4095;
            if (!used[j]++) distinct++;
        }
        CHECK(distinct > 2400);
        if (distinct <= 2400) fprintf(stderr, "  %zu-byte keys, way %zu: %u slots of 4096\n", way[w].len, w, distinct);
    }
    /* One bit flipped anywhere in a key of 1 to 40 bytes changes its tag
     * (the low 32 bits); the case-insensitive hash is the hash of the
     * lowercased bytes at every length (its short and long ways). */
    bool flips = true, icase = true;
    for (size_t n = 1; n <= 40; n++) {
        unsigned char s[40], u[40];
        for (size_t i = 0; i < n; i++) s[i] = (unsigned char)('a' + (i * 7) % 26), u[i] = (unsigned char)(s[i] - 32);
        uint32_t t = (uint32_t)hm_hash(s, n);
        for (size_t i = 0; i < n; i++)
            for (int b = 0; b < 8; b++) {
                s[i] ^= (unsigned char)(1 << b);
                flips &= (uint32_t)hm_hash(s, n) != t;
                s[i] ^= (unsigned char)(1 << b);
            }
        icase &= hm_ihash(u, n) == hm_hash(s, n);
    }
    CHECK(flips);
    CHECK(icase);
}

static void test_bytes(void) {
    hmb_t b;
    hmb_init(&b);
    bool isnew;
    /* The empty key is a key, found again, distinct from "\0". */
    CHECK(hmb_put(&b, pstr("", 0), true, &isnew) == 0 && isnew);
    CHECK(hmb_put(&b, PSTR_NULL, true, &isnew) == 0 && !isnew);
    CHECK(hmb_put(&b, pstr("\0", 1), true, &isnew) == 1 && isnew);
    CHECK(hmb_find(&b, pstr("x", 1)) == HM_NONE);
    CHECK(hmb_put(&b, pstr("x", 1), false, &isnew) == HM_NONE && !isnew);
    /* Many keys: ids in insertion order, keys copied (the source buffer is reused). */
    char s[32];
    for (int k = 0; k < 50000; k++) {
        int len = snprintf(s, sizeof s, "key-%d", k);
        hmb_put(&b, pstr(s, (size_t)len), true, NULL);
    }
    CHECK(hmb_count(&b) == 50002);
    bool ok = true;
    for (int k = 0; k < 50000; k++) {
        int len = snprintf(s, sizeof s, "key-%d", k);
        ok &= hmb_find(&b, pstr(s, (size_t)len)) == (uint32_t)k + 2;
        ok &= pstr_eq(hmb_key(&b, (uint32_t)k + 2), pstr(s, (size_t)len));
    }
    CHECK(ok);
    CHECK(hmb_key(&b, 0).n == 0 && hmb_key(&b, 1).n == 1);
    hmb_free(&b);
    /* Freed is empty and reusable. */
    CHECK(hmb_count(&b) == 0 && hmb_find(&b, pstr("key-1", 5)) == HM_NONE);
    CHECK(hmb_put(&b, pstr("a", 1), true, NULL) == 0);
    hmb_free(&b);
}

int main(void) {
    test_hash();
    test_index();
    test_bytes();
    return CHECK_DONE("hmap");
}
