/* input_walk.c — the paths of a run: files, directories walked in sorted
 * name order (dotfiles skipped, IN_MAXDEPTH levels at most), and "-" or
 * no path for stdin (see input_int.h).
 *
 * Each file found is one input for input.c (in_input); a file found in a
 * directory that no reader recognises is skipped quietly, a named one is
 * an error. A path that cannot be read is said and the walk goes on
 * (in_fail).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input_int.h"

/* qsort order of names: bytewise. */
static int cmp_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Say that the link path leads nowhere (errno from its stat): a dangling
 * link is named so, with its target. */
static void fail_link(in_run_t *r, const char *path, int err) {
    char to[512];
    ssize_t n = err == ENOENT ? readlink(path, to, sizeof to - 1) : -1;
    if (n < 0) {
        in_fail(r, path, strerror(err), 0);
        return;
    }
    to[n] = 0;
    char why[600];
    snprintf(why, sizeof why, "dangling symbolic link (to %s)", to);
    in_fail(r, path, why, 0);
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
        int err = errno;
        struct stat lsb;
        if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) fail_link(r, path, err);
        else in_fail(r, path, strerror(err), 0);
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        in_input(r, &(in_input_t){.path = path, .name = path, .walked = depth > 0});
        return;
    }
    if (depth >= IN_MAXDEPTH) return;
    DIR *d = opendir(path);
    if (!d) {
        in_fail(r, path, strerror(errno), 0);
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
