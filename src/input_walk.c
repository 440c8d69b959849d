/* input_walk.c — the paths of a run: files, directories walked in sorted
 * name order (dotfiles skipped, IN_MAXDEPTH levels at most), and "-" or
 * no path for stdin (see input_int.h).
 *
 * Each file found is one input for input.c (in_input); a file found in a
 * directory that no reader recognises is skipped quietly, a named one is
 * an error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input_int.h"

/* qsort order of names: bytewise. */
static int cmp_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* See input_int.h. */
void in_walk(in_run_t *r, const char *path, int depth) {
    if (r->stop) return;
    if (!path || strcmp(path, "-") == 0) {
        in_input(r, &(in_input_t){.name = "-"});
        return;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT && r->o->follow && depth == 0) {
        in_input(r, &(in_input_t){.path = path, .name = path}); /* waits for it to appear */
        return;
    }
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
        r->rc = 2;
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        in_input(r, &(in_input_t){.path = path, .name = path, .walked = depth > 0});
        return;
    }
    if (depth >= IN_MAXDEPTH) return;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
        r->rc = 2;
        return;
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 32;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[nn++] = xstrndup(de->d_name, strlen(de->d_name));
    }
    closedir(d);
    if (nn) qsort(names, nn, sizeof *names, cmp_names);
    size_t pl = strlen(path);
    bool slash = pl && path[pl - 1] == '/';
    for (size_t k = 0; k < nn; k++) {
        size_t nl = strlen(names[k]);
        char *child = xmalloc(pl + nl + 2);
        memcpy(child, path, pl);
        if (!slash) child[pl] = '/';
        memcpy(child + pl + !slash, names[k], nl + 1);
        in_walk(r, child, depth + 1);
        free(child);
        free(names[k]);
    }
    free(names);
}
