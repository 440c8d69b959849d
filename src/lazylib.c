/* lazylib.c — libzip and libcrypto loaded on first use (see lazylib.h).
 *
 * Each library is opened once (pthread_once) by its soname, else by its
 * development link name, and every function of its list looked up; a
 * missing library or function leaves the library unusable and the reason
 * kept for the callers' messages. The libraries are never closed.
 */
#include "lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The outcome of loading one library. */
typedef struct lazy_state {
    bool ok;          /* opened, every function found */
    char why[200];    /* otherwise: why */
} lazy_state_t;

static lazy_zip_t zip_tab;
static lazy_crypto_t crypto_tab;
static lazy_state_t zip_st, crypto_st;
static pthread_once_t zip_once = PTHREAD_ONCE_INIT, crypto_once = PTHREAD_ONCE_INIT;

/* The library soname (else devname), or NULL with st->why set. */
static void *lib_open(const char *soname, const char *devname, lazy_state_t *st) {
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen(devname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(st->why, sizeof st->why, "%s could not be loaded: %s", soname, e ? e : "?");
    }
    return h;
}

/* Function name of library h (soname) into *fn (a function pointer's
 * bytes, as POSIX has dlsym's result used); false with st->why set. */
static bool lib_fn(void *h, const char *soname, const char *name, void *fn, lazy_state_t *st) {
    void *p = dlsym(h, name);
    if (!p) {
        snprintf(st->why, sizeof st->why, "%s has no %s", soname, name);
        return false;
    }
    memcpy(fn, &p, sizeof p);
    return true;
}

static void load_zip(void) {
    void *h = lib_open("libzip.so.4", "libzip.so", &zip_st);
    if (!h) return;
#define X(f) \
    if (!lib_fn(h, "libzip.so.4", #f, &zip_tab.f, &zip_st)) return;
    LAZY_ZIP_FNS(X)
#undef X
    zip_st.ok = true;
}

static void load_crypto(void) {
    void *h = lib_open("libcrypto.so.3", "libcrypto.so", &crypto_st);
    if (!h) return;
#define X(f) \
    if (!lib_fn(h, "libcrypto.so.3", #f, &crypto_tab.f, &crypto_st)) return;
    LAZY_CRYPTO_FNS(X)
#undef X
    crypto_st.ok = true;
}

/* See lazylib.h. */
const lazy_zip_t *lazy_zip(const char **why) {
    pthread_once(&zip_once, load_zip);
    if (zip_st.ok) return &zip_tab;
    if (why) *why = zip_st.why;
    return NULL;
}

/* See lazylib.h. */
const lazy_crypto_t *lazy_crypto(const char **why) {
    pthread_once(&crypto_once, load_crypto);
    if (crypto_st.ok) return &crypto_tab;
    if (why) *why = crypto_st.why;
    return NULL;
}
