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

#include "input_int.h"

/* ---- what the walk has met: a set of (device, inode) ---------------------- */

/* One file or directory the walk has met. */
typedef struct seen_key {
    dev_t dev;   /* its device */
    ino_t ino;   /* its inode */
    bool used;   /* the slot holds a key */
} seen_key_t;

/* The set, open addressing (linear probing), at most half full. */
typedef struct in_seen {
    seen_key_t *slot;  /* nslot slots (owned) */
    size_t nslot;      /* a power of two */
    size_t n;          /* keys held */
} in_seen_t;

/* The slot of (dev, ino) in slot[0..nslot): its own, or the empty one where it goes. */
static seen_key_t *seen_slot(seen_key_t *slot, size_t nslot, dev_t dev, ino_t ino) {
    uint64_t h = ((uint64_t)dev * 0x9E3779B97F4A7C15u) ^ ((uint64_t)ino * 0xC2B2AE3D27D4EB4Fu);
    h ^= h >> 29;
    for (size_t i = (size_t)h & (nslot - 1);; i = (i + 1) & (nslot - 1))
        if (!slot[i].used || (slot[i].dev == dev && slot[i].ino == ino)) return &slot[i];
}

/* Add sb's file to the run's set. False when it was there already. */
static bool seen_add(in_run_t *r, const struct stat *sb) {
    in_seen_t *s = r->seen;
    if (!s) s = r->seen = xcalloc(1, sizeof *s);
    if (2 * (s->n + 1) > s->nslot) {
        size_t n2 = s->nslot ? 2 * s->nslot : 64;
        seen_key_t *t = xcalloc(n2, sizeof *t);
        for (size_t i = 0; i < s->nslot; i++)
            if (s->slot[i].used) *seen_slot(t, n2, s->slot[i].dev, s->slot[i].ino) = s->slot[i];
        free(s->slot);
        s->slot = t;
        s->nslot = n2;
    }
    seen_key_t *k = seen_slot(s->slot, s->nslot, sb->st_dev, sb->st_ino);
    if (k->used) return false;
    *k = (seen_key_t){.dev = sb->st_dev, .ino = sb->st_ino, .used = true};
    s->n++;
    return true;
}

/* See input_int.h. */
void in_walk_free(in_run_t *r) {
    if (!r->seen) return;
    free(r->seen->slot);
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
