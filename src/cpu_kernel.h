/* cpu_kernel.h — picking a vector kernel at run time.
 *
 * The byte scanners (scan.c, json_index.c) each keep a table of kernels,
 * best first, whose entries begin with a ck_head_t: a name (for tests and
 * POSTERN_SCAN) and the CPU feature the kernel needs. ck_find picks the
 * best one this CPU runs, or one by name. Nothing allocates.
 */
#ifndef POSTERN_CPU_KERNEL_H
#define POSTERN_CPU_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/* The start of every kernel table entry. */
typedef struct ck_head {
    const char *name;
    const char *feature; /* "avx2", "avx512bw"; NULL: every CPU of the build's target has it */
} ck_head_t;

/* Does this CPU have feature (see ck_head_t)? False for a name it does
 * not know, and off x86-64 for every feature. */
bool ck_supported(const char *feature);

/* In the table of n entries, stride bytes apart, each starting with a
 * ck_head_t: the index of the first entry this CPU runs when name is
 * NULL, else of the entry called name; -1 when there is none or the CPU
 * lacks its feature. */
int ck_find(const void *table, size_t stride, unsigned n, const char *name);

#endif
