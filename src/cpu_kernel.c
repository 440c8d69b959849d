/* cpu_kernel.c — picking a vector kernel at run time (see cpu_kernel.h). */
#include "cpu_kernel.h"

#include <string.h>

/* See cpu_kernel.h. */
bool ck_supported(const char *feature) {
    if (!feature) return true;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    /* __builtin_cpu_supports needs a literal. */
    if (strcmp(feature, "avx512bw") == 0) return __builtin_cpu_supports("avx512bw");
    if (strcmp(feature, "avx2") == 0) return __builtin_cpu_supports("avx2");
#endif
    return false;
}

/* See cpu_kernel.h. */
int ck_find(const void *table, size_t stride, unsigned n, const char *name) {
    for (unsigned k = 0; k < n; k++) {
        const ck_head_t *h = (const ck_head_t *)(const void *)((const char *)table + (size_t)k * stride);
        if (name && strcmp(h->name, name) != 0) continue;
        if (ck_supported(h->feature)) return (int)k;
        if (name) return -1;
    }
    return -1;
}
