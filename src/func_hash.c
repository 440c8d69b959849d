/* func_hash.c — hash(): MD5, SHA-1, SHA-256 and MurmurHash3 of a text.
 *
 * A scalar function of FUNC_TABLE (ast.h), reached through func.h. The
 * digests come from OpenSSL's libcrypto, through one digest context per
 * evaluation context (c->fx, made on first use, freed by eval_free), so a
 * record costs no allocation; MurmurHash3 (x64, 128 bits, seed 0) is
 * computed here. Results are lower-case hex in the batch arena.
 */
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "lazylib.h"

/* Algorithms. ORDER HASH: ossl_names. */
enum { HA_MD5, HA_SHA1, HA_SHA256, HA_MURMUR3, HA__OSSL = HA_MURMUR3 };

/* OpenSSL's names of the digests it computes. ORDER HASH. */
static const char *const ossl_names[HA__OSSL] = {"MD5", "SHA1", "SHA256"};

/* The names hash() takes, ignoring case: the page's md5, sha1, sha2_256,
 * murmur3_128, its example's sha_256, and the usual spellings. */
static const struct {
    const char *name; /* as written in a query */
    int alg;          /* HA_* */
} hash_names[] = {
    {"md5", HA_MD5},         {"sha1", HA_SHA1},         {"sha-1", HA_SHA1},        {"sha_1", HA_SHA1},
    {"sha2_256", HA_SHA256}, {"sha2-256", HA_SHA256},   {"sha256", HA_SHA256},     {"sha-256", HA_SHA256},
    {"sha_256", HA_SHA256},  {"murmur3_128", HA_MURMUR3}, {"murmur3", HA_MURMUR3},
};

/* What the functions keep per evaluation context (see func.h). */
struct fn_scratch {
    EVP_MD_CTX *md;          /* the digest context, reused for every record */
    EVP_MD *alg[HA__OSSL];   /* the digests, fetched on first use */
};

/* See func.h. */
void fn_scratch_free(struct fn_scratch *fx) {
    if (!fx) return;
    const lazy_crypto_t *C = fx->md ? lazy_crypto(NULL) : NULL; /* loaded when md was made */
    if (C) {
        C->EVP_MD_CTX_free(fx->md);
        for (int i = 0; i < HA__OSSL; i++) C->EVP_MD_free(fx->alg[i]);
    }
    free(fx);
}

/* HA_* for an algorithm name, -1 when unknown. */
static int hash_alg(pstr_t s) {
    s = pstr_trim(s);
    for (size_t i = 0; i < sizeof hash_names / sizeof hash_names[0]; i++)
        if (pstr_ieq_c(s, hash_names[i].name)) return hash_names[i].alg;
    return -1;
}

static uint64_t rotl64(uint64_t x, int r) { return x << r | x >> (64 - r); }

static uint64_t fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    return k ^ k >> 33;
}

/* The 64-bit little-endian word at p[0..n), n <= 8 (missing bytes zero). */
static uint64_t le64(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

/* MurmurHash3_x64_128 of p[0..n) with seed 0, as 16 bytes: the two
 * halves little-endian, first h1 then h2 (the order Guava prints). */
static void murmur3_128(const unsigned char *p, size_t n, unsigned char out[16]) {
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h1 = 0, h2 = 0, k1, k2;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        k1 = le64(p + i, 8), k2 = le64(p + i + 8, 8);
        h1 ^= rotl64(k1 * c1, 31) * c2;
        h1 = (rotl64(h1, 27) + h2) * 5 + 0x52dce729;
        h2 ^= rotl64(k2 * c2, 33) * c1;
        h2 = (rotl64(h2, 31) + h1) * 5 + 0x38495ab5;
    }
    size_t t = n - i;
    if (t > 8) h2 ^= rotl64(le64(p + i + 8, t - 8) * c2, 33) * c1;
    if (t > 0) h1 ^= rotl64(le64(p + i, t > 8 ? 8 : t) * c1, 31) * c2;
    h1 ^= n, h2 ^= n;
    h1 += h2, h2 += h1;
    h1 = fmix64(h1), h2 = fmix64(h2);
    h1 += h2, h2 += h1;
    for (int b = 0; b < 8; b++) out[b] = (unsigned char)(h1 >> (8 * b)), out[8 + b] = (unsigned char)(h2 >> (8 * b));
}

/* Digest alg (an OpenSSL one) of p[0..n) into out; returns its length,
 * 0 when OpenSSL fails or cannot be loaded. */
static unsigned ossl_digest(eval_ctx_t *c, int alg, const char *p, size_t n, unsigned char *out) {
    const lazy_crypto_t *C = lazy_crypto(NULL);
    if (!C) return 0;
    if (!c->fx) c->fx = xcalloc(1, sizeof *c->fx);
    struct fn_scratch *fx = c->fx;
    if (!fx->md && !(fx->md = C->EVP_MD_CTX_new())) return 0;
    if (!fx->alg[alg] && !(fx->alg[alg] = C->EVP_MD_fetch(NULL, ossl_names[alg], NULL))) return 0;
    unsigned len = 0;
    if (!C->EVP_DigestInit_ex(fx->md, fx->alg[alg], NULL) || !C->EVP_DigestUpdate(fx->md, p, n) ||
        !C->EVP_DigestFinal_ex(fx->md, out, &len))
        return 0;
    return len;
}

/* hash(s[, algorithm]): the digest of the text of s as lower-case hex;
 * MD5 by default. A null value or an unknown algorithm from a field gives
 * null. */
/* See func.h (FUNC_TABLE). */
value_t f_hash(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    if (av[0].t == V_NULL || (e->nargs > 1 && av[1].t == V_NULL)) return val_null();
    int alg = e->nargs > 1 ? hash_alg(fn_text(c, av[1])) : HA_MD5;
    if (alg < 0) return val_null();
    pstr_t s = fn_text(c, av[0]);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 16;
    if (alg == HA_MURMUR3) murmur3_128((const unsigned char *)(s.p ? s.p : ""), s.n, md);
    else if (!(n = ossl_digest(c, alg, s.p ? s.p : "", s.n, md))) return val_null();
    static const char hex[] = "0123456789abcdef";
    char *d = arena_alloc(c->arena, 2 * n + 1);
    for (unsigned i = 0; i < n; i++) d[2 * i] = hex[md[i] >> 4], d[2 * i + 1] = hex[md[i] & 15];
    return val_str(d, 2 * n);
}

/* See func.h: a literal algorithm must be one hash() knows, and OpenSSL's
 * libcrypto must load when the digest may be one of its (else every row
 * would silently get null). */
bool fhash_prepare(expr_t *e, diag_t *d) {
    if (e->func != FN_HASH) return true;
    const expr_t *a = e->nargs > 1 ? e->args[1] : NULL;
    const char *why = NULL;
    if (!(a && a->kind == EX_STR && hash_alg(a->str) == HA_MURMUR3) && !lazy_crypto(&why)) {
        uint32_t i = diag_add(d, D_ERROR, e->sp, NULL, "hash(): OpenSSL's libcrypto could not be loaded: %s",
                              why ? why : "unknown reason");
        diag_hint(d, i, "install libssl3 (Debian), or use hash(s, \"murmur3_128\"), which needs no library");
        return false;
    }
    if (!a) return true;
    if (a->kind == EX_STR ? hash_alg(a->str) >= 0 : a->kind != EX_NUM && a->kind != EX_BOOL) return true;
    uint32_t i = a->kind == EX_STR ? diag_add(d, D_ERROR, a->sp, NULL, "hash(): unknown algorithm '%.*s'",
                                             (int)(a->str.n > 32 ? 32 : a->str.n), a->str.p)
                                   : diag_add(d, D_ERROR, a->sp, NULL, "hash(): the algorithm is a name in quotes");
    diag_hint(d, i, "\"md5\" (the default), \"sha1\", \"sha2_256\" or \"murmur3_128\"");
    return false;
}
