/* input_walk.c — the paths of a run: files, directories walked in sorted
 * name order (dotfiles skipped, IN_MAXDEPTH levels at most), and "-" or
 * no path for stdin (see input_int.h).
 *
 * Each file found is one input for input.c (in_input); a file found in a
 * directory that no reader recognises is skipped (said), a named one is
 * read as text. A path the user names is followed wherever its links lead and
 * read whatever it is (a FIFO, /dev/stdin). What a walk meets is read only
 * when it is a regular file or a directory: symbolic links are followed
 * only with --follow-symlinks, FIFOs, sockets and devices are skipped
 * (said), and every file and directory is read once, known by its device
 * and inode, so a link to a directory's parent is no loop and a file
 * reached by two links is not counted twice. A path that cannot be read
 * is said and the walk goes on (in_fail).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hmap.h"
#include "input_int.h"

/* ---- what the walk has met: a set of (device, inode) ---------------------- */

/* One file or directory the walk has met. */
typedef struct seen_key {
    dev_t dev;   /* its device */
    ino_t ino;   /* its inode */
} seen_key_t;

/* The set: the keys by id and the one hash table over them (hmap.h). */
typedef struct in_seen {
    hm_t ix;           /* hash of (dev, ino) -> id */
    seen_key_t *key;   /* keys by id (owned) */
    size_t n, cap;     /* keys held, allocated */
} in_seen_t;

/* Add sb's file to the run's set. False when it was there already. */
static bool seen_add(in_run_t *r, const struct stat *sb) {
    in_seen_t *s = r->seen;
    if (!s) s = r->seen = xcalloc(1, sizeof *s);
    seen_key_t k = {.dev = sb->st_dev, .ino = sb->st_ino};
    hm_probe_t p = hm_start(&s->ix, hm_mix(hm_hash(&k.dev, sizeof k.dev), hm_hash(&k.ino, sizeof k.ino)));
    for (uint32_t id; (id = hm_next(&s->ix, &p)) != HM_NONE;)
        if (s->key[id].dev == k.dev && s->key[id].ino == k.ino) return false;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->key = xrealloc(s->key, s->cap * sizeof *s->key);
    }
    s->key[s->n] = k;
    hm_add(&s->ix, &p, (uint32_t)s->n++);
    return true;
}

/* postern's own output files (input_own_output): set before the run. */
static seen_key_t own_out[8];
static unsigned nown;

/* See input.h. */
void input_own_output(int fd) {
    struct stat sb;
    if (nown < sizeof own_out / sizeof own_out[0] && fstat(fd, &sb) == 0)
        own_out[nown++] = (seen_key_t){.dev = sb.st_dev, .ino = sb.st_ino};
}

static bool own_output(const struct stat *sb) {
    for (unsigned i = 0; i < nown; i++)
        if (own_out[i].dev == sb->st_dev && own_out[i].ino == sb->st_ino) return true;
    return false;
}

/* See input_int.h. */
void in_walk_free(in_run_t *r) {
    if (!r->seen) return;
    hm_free(&r->seen->ix);
    free(r->seen->key);
    free(r->seen);
    r->seen = NULL;
}

/* ---- the walk ----------------------------------------------------------------- */

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

/* What a walk does not read, by file type: a note's text, or NULL for a
 * regular file or a directory. */
static const char *special_kind(mode_t m) {
    if (S_ISFIFO(m)) return "a FIFO (read only when named)";
    if (S_ISSOCK(m)) return "a socket (read only when named)";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device (read only when named)";
    if (S_ISREG(m) || S_ISDIR(m)) return NULL;
    return "not a regular file";
}

static void walk_dir(in_run_t *r, const char *path, int depth);

/* One entry of a walked directory (depth: its nesting, from 1). */
static void walk_entry(in_run_t *r, const char *path, int depth) {
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        in_fail(r, path, strerror(errno), 0);
        return;
    }
    if (S_ISLNK(sb.st_mode)) {
        if (!r->o->follow_symlinks) {
            in_skip_note(r, path, "a symbolic link (--follow-symlinks follows links found in directories)");
            r->st->links_skipped++;
            return;
        }
        if (stat(path, &sb) != 0) {
            fail_link(r, path, errno);
            return;
        }
    }
    const char *kind = special_kind(sb.st_mode);
    if (kind) {
        in_skip_note(r, path, kind);
        r->st->files_special++;
        return;
    }
    if (!S_ISDIR(sb.st_mode) && own_output(&sb)) {
        in_skip_note(r, path, "postern's own output of this run (-o, --html)");
        r->st->files_again++;
        return;
    }
    if (!seen_add(r, &sb)) {
        in_skip_note(r, path,
                     S_ISDIR(sb.st_mode) ? "a directory already read (a symbolic-link loop, or another path to it)"
                                         : "the same file as one already read (a link to it)");
        r->st->files_again++;
        return;
    }
    if (S_ISDIR(sb.st_mode)) walk_dir(r, path, depth);
    else in_input(r, &(in_input_t){.path = path, .name = path, .walked = true});
}

/* Read the entries of directory path (depth: its nesting, 0 when named),
 * dotfiles left out, in sorted name order. */
static void walk_dir(in_run_t *r, const char *path, int depth) {
    if (depth >= IN_MAXDEPTH) {
        in_skip_note(r, path, "a directory nested too deep (32 levels are read)");
        return;
    }
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
        if (!r->stop) walk_entry(r, child, depth + 1);
        free(child);
        free(names[k]);
    }
    free(names);
}

/* See input_int.h. */
void in_walk(in_run_t *r, const char *path) {
    if (r->stop) return;
    if (!path || strcmp(path, "-") == 0) {
        in_input(r, &(in_input_t){.name = "-"});
        return;
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        int err = errno;
        if (err == ENOENT && r->o->follow) {
            in_input(r, &(in_input_t){.path = path, .name = path}); /* waits for it to appear */
            return;
        }
        struct stat lsb;
        if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) fail_link(r, path, err);
        else in_fail(r, path, strerror(err), 0);
        return;
    }
    /* Named, it is read as it is; remembered, so that a walk meeting it
     * again does not read it twice. */
    seen_add(r, &sb);
    if (S_ISDIR(sb.st_mode)) walk_dir(r, path, 0);
    else in_input(r, &(in_input_t){.path = path, .name = path});
}
