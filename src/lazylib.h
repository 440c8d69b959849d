/* lazylib.h — libraries loaded on first use (dlopen), not at every start.
 *
 * libzip (which itself needs libcrypto and libbz2) and OpenSSL's libcrypto
 * cost every run of postern about 1 ms in the dynamic loader (libcrypto is
 * linked BIND_NOW: ~3,400 symbol bindings at start), while only zip
 * archives (input_zip.c) and hash() (func_hash.c) use them. Their functions
 * are reached through the tables below, filled on the first call
 * (thread-safe) and kept for the life of the process. The tables and the
 * libraries belong to this module; callers only borrow them.
 */
#ifndef POSTERN_LAZYLIB_H
#define POSTERN_LAZYLIB_H

#include <openssl/evp.h>
#include <zip.h>

/* The libzip functions postern calls. ORDER: any. */
#define LAZY_ZIP_FNS(X)                                                                  \
    X(zip_discard) X(zip_error_code_zip) X(zip_error_fini) X(zip_error_init)             \
    X(zip_error_strerror) X(zip_fclose) X(zip_file_strerror) X(zip_fopen_index)          \
    X(zip_fread) X(zip_get_error) X(zip_get_num_entries) X(zip_open_from_source)         \
    X(zip_source_buffer_create) X(zip_source_filep_create) X(zip_source_free)            \
    X(zip_stat_index) X(zip_stat_init)

/* The libcrypto functions postern calls. */
#define LAZY_CRYPTO_FNS(X)                                                               \
    X(EVP_DigestFinal_ex) X(EVP_DigestInit_ex) X(EVP_DigestUpdate) X(EVP_MD_CTX_free)    \
    X(EVP_MD_CTX_new) X(EVP_MD_fetch) X(EVP_MD_free)

/* Pointers to the libzip functions, named as the functions. */
typedef struct lazy_zip {
#define X(f) __typeof__(f) *f;
    LAZY_ZIP_FNS(X)
#undef X
} lazy_zip_t;

/* Pointers to the libcrypto functions, named as the functions. */
typedef struct lazy_crypto {
#define X(f) __typeof__(f) *f;
    LAZY_CRYPTO_FNS(X)
#undef X
} lazy_crypto_t;

/* libzip's functions, loading the library on the first call; NULL when it
 * cannot be loaded, *why then saying why (a static string). */
const lazy_zip_t *lazy_zip(const char **why);
/* libcrypto's functions, as lazy_zip. */
const lazy_crypto_t *lazy_crypto(const char **why);

#endif
