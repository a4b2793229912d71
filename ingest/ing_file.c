/*
 * ing_file.c - the only file-system code of ingest: walking inputs and reading one file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ing.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hindex.h"
#include "util/longpath.h"
#include "util/xalloc.h"

int
ing_open(const char *path, const struct kpt_limits *lim, int *fd, size_t *size, struct buf *err)
{
    struct stat st;
    char eb[128];
    int ret = 0;

    /* O_NONBLOCK: a FIFO swapped in after the walk must not block the run */
    *fd = lp_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC); /* past PATH_MAX too */
    if (*fd < 0)
        return kpt_fail(err, KPT_E_IO, "cannot open: %s", kpt_errno_text(errno, eb, sizeof(eb)));
    if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode))
        ret = kpt_fail(err, KPT_E_IO, "not a regular file");
    else if ((uint64_t)st.st_size > lim->max_file_bytes)
        ret = kpt_fail(err, KPT_E_LIMIT, "file is over the file size limit (%zu bytes)",
                       lim->max_file_bytes);
    if (ret < 0) {
        close(*fd);
        *fd = -1;
        return ret;
    }
    *size = (size_t)st.st_size;
    return 0;
}

int
ing_load(const char *path, const struct kpt_limits *lim, void **data, size_t *len, struct buf *err)
{
    size_t size;
    int fd, ret;

    *data = NULL;
    *len = 0;
    if ((ret = ing_open(path, lim, &fd, &size, err)) < 0)
        return ret;
    return ing_read(fd, lim, data, len, err);
}

int
ing_read(int fd, const struct kpt_limits *lim, void **data, size_t *len, struct buf *err)
{
    struct buf b = BUF_INIT;
    char eb[128];
    int ret = 0;

    *data = NULL;
    *len = 0;
    b.max = lim->max_file_bytes + 1;
    for (;;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = kpt_fail(err, KPT_E_IO, "read error: %s", kpt_errno_text(errno, eb, sizeof(eb)));
            goto out;
        }
        if (n == 0)
            break;
        if (buf_add(&b, chunk, (size_t)n) < 0) {
            ret = kpt_fail(err, KPT_E_LIMIT, "%s",
                           b.oom ? "not enough memory to hold it"
                                 : "file grew over the file size limit while read");
            goto out;
        }
    }
    *data = buf_detach(&b, len);
out:
    buf_release(&b);
    close(fd);
    return ret;
}

struct seen {
    dev_t dev;
    ino_t ino;
    int claimed; /* a file: its row was given */
};

/* the set of what a walk has met, by (dev, ino) */
struct seenset {
    struct seen *v;
    size_t n, cap;
    struct hindex ix;
};

struct ing_walker {
    struct seenset dirs;  /* every directory walked */
    struct seenset files; /* files that may be met twice: given as a PATH, hard-linked or
                             reached through a symbolic link (plain files are not kept) */
    char **roots;         /* the given paths, resolved */
    size_t nroots;
};

/* a directory being listed: the walk's explicit stack (a tree 20,000 levels deep must not
 * overflow the C stack); its path is the walk's path buffer cut to 'len' */
struct wdir {
    dev_t dev;
    ino_t ino;
    int fd;       /* open while listed, or -1: its entries are stat'ed and opened relative to
                     it, so each step costs the same at any depth (not the path's length) */
    size_t len;   /* its path's length in the walk's path */
    char **names; /* its entries, sorted */
    size_t n, i;  /* entries, and the next one to visit */
};

struct walk {
    struct ing_walker *wk;
    ing_walk_fn *fn;
    void *ctx;
    struct buf path;    /* the path being visited */
    struct wdir *stack; /* directories on the current path (loops) */
    size_t ndirs, cap;
};

struct seen_key {
    const struct seenset *s;
    struct seen k;
};

static int
same_seen(const void *ctx, size_t i)
{
    const struct seen_key *q = ctx;

    return q->s->v[i].dev == q->k.dev && q->s->v[i].ino == q->k.ino;
}

static uint64_t
seen_hash(const struct stat *st)
{
    return hindex_mix((uint64_t)st->st_ino ^ hindex_mix((uint64_t)st->st_dev));
}

static struct seen *
seen_find(struct seenset *s, const struct stat *st)
{
    struct seen_key q = { s, { st->st_dev, st->st_ino, 0 } };
    size_t i = hindex_find(&s->ix, seen_hash(st), same_seen, &q);

    return i == SIZE_MAX ? NULL : &s->v[i];
}

static void
seen_add(struct seenset *s, const struct stat *st, int claimed)
{
    VEC_GROW(s->v, s->n + 1, s->cap);
    s->v[s->n].dev = st->st_dev;
    s->v[s->n].ino = st->st_ino;
    s->v[s->n].claimed = claimed;
    hindex_add(&s->ix, seen_hash(st), s->n++);
}

/* 1 when (dev, ino) was in s already; else it is now */
static int
seen_before(struct seenset *s, const struct stat *st)
{
    if (seen_find(s, st))
        return 1;
    seen_add(s, st, 1);
    return 0;
}

struct ing_walker *
ing_walker_new(const char *const *roots, size_t nroots)
{
    struct ing_walker *w = xcalloc(1, sizeof(*w));
    size_t i;

    w->roots = xcalloc(nroots + 1, sizeof(*w->roots));
    for (i = 0; i < nroots; i++) {
        char *r = realpath(roots[i], NULL);
        struct stat st;

        if (r)
            w->roots[w->nroots++] = r;
        /* a file given by name may also lie in a given folder: known from the start, so
         * whichever path meets it first gives its one row */
        if (stat(roots[i], &st) == 0 && S_ISREG(st.st_mode) && !seen_find(&w->files, &st))
            seen_add(&w->files, &st, 0);
    }
    return w;
}

void
ing_walker_free(struct ing_walker *w)
{
    size_t i;

    if (!w)
        return;
    free(w->dirs.v);
    hindex_release(&w->dirs.ix);
    free(w->files.v);
    hindex_release(&w->files.ix);
    for (i = 0; i < w->nroots; i++)
        free(w->roots[i]);
    free(w->roots);
    free(w);
}

/* 1 when real path r lies inside one of the given roots */
static int
inside_roots(const struct ing_walker *w, const char *r)
{
    size_t i, n;

    for (i = 0; i < w->nroots; i++) {
        n = strlen(w->roots[i]);
        if (!strncmp(r, w->roots[i], n) &&
            (r[n] == '/' || !r[n] || (n == 1 && w->roots[i][0] == '/')))
            return 1;
    }
    return 0;
}

static int
cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

#define WALK_FDS 64 /* directories of the current path held open; deeper ones reopened */

/* enter the directory at w->path (st; 'name' in directory dfd): listed and pushed, or its
 * row given */
static int
enter_dir(struct walk *w, int dfd, const char *name, const struct stat *st)
{
    const char *path = w->path.data;
    DIR *d;
    int fd, lfd;
    struct dirent *e;
    struct wdir *f;
    size_t i;

    for (i = 0; i < w->ndirs; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
            return w->fn(path, "symlink loop: directory already being searched", w->ctx);
    if (seen_before(&w->wk->dirs, st))
        return 0; /* reached again (an overlapping PATH, two links to it): walked once */
    fd = dfd == AT_FDCWD ? lp_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                         : openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    lfd = fd < 0 ? -1 : dup(fd);
    if (fd < 0 || lfd < 0 || !(d = fdopendir(lfd))) {
        int err = errno;

        if (lfd >= 0)
            close(lfd);
        if (fd >= 0)
            close(fd);
        return w->fn(path, strerror(err), w->ctx);
    }
    if (w->ndirs >= WALK_FDS && w->stack[w->ndirs - WALK_FDS].fd >= 0) {
        close(w->stack[w->ndirs - WALK_FDS].fd); /* reopened when the walk comes back */
        w->stack[w->ndirs - WALK_FDS].fd = -1;
    }
    VEC_GROW(w->stack, w->ndirs + 1, w->cap);
    f = &w->stack[w->ndirs++];
    memset(f, 0, sizeof(*f));
    f->fd = fd;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->len = w->path.len;
    {
        size_t cap = 0;

        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            VEC_GROW(f->names, f->n + 1, cap);
            f->names[f->n++] = xstrdup(e->d_name);
        }
    }
    closedir(d);
    qsort(f->names, f->n, sizeof(*f->names), cmp_names);
    return 0;
}

/* stat 'name' in dfd (AT_FDCWD: the walk's path), following links or not */
static int
stat_at(struct walk *w, int dfd, const char *name, struct stat *st, int follow)
{
    if (dfd == AT_FDCWD)
        return lp_stat(w->path.data, st, follow);
    return fstatat(dfd, name, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

/* visit w->path, which is 'name' in directory dfd (AT_FDCWD: a given path): a file's row,
 * or a directory entered */
static int
visit(struct walk *w, int dfd, const char *name, int top)
{
    const char *path = w->path.data;
    struct stat st, lst;
    int link, lok;

    /* the entry itself first: what is not a link is what it points to (one call a file,
     * not two); a link, or an entry that cannot be looked at, is then followed */
    lok = stat_at(w, dfd, name, &lst, 0) == 0;
    if (lok && !S_ISLNK(lst.st_mode)) {
        st = lst;
    } else if (stat_at(w, dfd, name, &st, 1) < 0) {
        int e = errno;

        if (e == ELOOP || (lok && S_ISLNK(lst.st_mode)))
            return w->fn(path, e == ELOOP ? "symlink loop" : "dangling symlink", w->ctx);
        return w->fn(path, strerror(e), w->ctx);
    }
    link = lok && S_ISLNK(lst.st_mode);
    if (S_ISDIR(st.st_mode)) {
        if (link && !top) {
            /* a directory link inside the dumps is followed only where it stays inside the
             * folders given (a link to / would walk the whole machine) */
            char *r = realpath(path, NULL);
            int in = r && inside_roots(w->wk, r);

            free(r);
            if (!in)
                return w->fn(
                    path, "a symbolic link to a directory outside the given folders: not followed",
                    w->ctx);
        }
        return enter_dir(w, dfd, name, &st);
    }
    if (!S_ISREG(st.st_mode))
        return w->fn(path,
                     S_ISFIFO(st.st_mode)   ? "not a regular file (a FIFO)"
                     : S_ISSOCK(st.st_mode) ? "not a regular file (a socket)"
                                            : "not a regular file (a device)",
                     w->ctx);
    /* one file reached by two paths has one row; only files that can be (given by name,
     * linked) are remembered */
    {
        struct seen *f = seen_find(&w->wk->files, &st);

        if (f && f->claimed)
            return 0;
        if (f)
            f->claimed = 1;
        else if (top || link || st.st_nlink > 1)
            seen_add(&w->wk->files, &st, 1);
    }
    return w->fn(path, NULL, w->ctx);
}

/* leave the top directory; the one below gets its descriptor back if it gave it up: its
 * ".." when that is it (no link was followed into the child), else by its path */
static void
pop_dir(struct walk *w)
{
    struct wdir *f = &w->stack[--w->ndirs], *up = w->ndirs ? f - 1 : NULL;

    while (f->i < f->n)
        free(f->names[f->i++]);
    free(f->names);
    if (up && up->fd < 0 && up->i < up->n) {
        struct stat st;

        if (f->fd >= 0 && (up->fd = openat(f->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
            (fstat(up->fd, &st) < 0 || st.st_dev != up->dev || st.st_ino != up->ino)) {
            close(up->fd);
            up->fd = -1;
        }
        if (up->fd < 0) {
            w->path.len = up->len;
            w->path.data[up->len] = '\0';
            up->fd = lp_open(w->path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
    }
    if (f->fd >= 0)
        close(f->fd);
}

int
ing_walk(struct ing_walker *wk, const char *path, ing_walk_fn *fn, void *ctx)
{
    struct walk w;
    int ret;

    memset(&w, 0, sizeof(w));
    w.wk = wk;
    w.fn = fn;
    w.ctx = ctx;
    buf_init(&w.path, 0);
    buf_adds(&w.path, path);
    ret = visit(&w, AT_FDCWD, path, 1);
    /* depth first, in name order, without recursion: the top directory's next entry */
    while (!ret && w.ndirs) {
        struct wdir *f = &w.stack[w.ndirs - 1];

        if (f->i == f->n) {
            pop_dir(&w);
            continue;
        }
        w.path.len = f->len;
        w.path.data[f->len] = '\0';
        if (w.path.len && w.path.data[w.path.len - 1] != '/')
            buf_addc(&w.path, '/');
        {
            char *name = f->names[f->i];
            int fd = f->fd;

            f->names[f->i++] = NULL; /* f may move: visit() can grow the stack */
            buf_adds(&w.path, name);
            /* a directory that could not be opened again: each entry by its path */
            ret = fd < 0 ? visit(&w, AT_FDCWD, w.path.data, 0) : visit(&w, fd, name, 0);
            free(name);
        }
    }
    while (w.ndirs)
        pop_dir(&w);
    free(w.stack);
    buf_release(&w.path);
    return ret;
}
