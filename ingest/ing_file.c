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
#include "util/xalloc.h"

int
ing_load(const char *path, const struct kpt_limits *lim, struct arena *a, void **data,
         size_t *len, const char **why)
{
    struct stat st;
    struct buf b = BUF_INIT;
    int fd, ret = 0;

    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO swapped in after the walk must not block the run */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        *why = arena_printf(a, "cannot open: %s", strerror(errno));
        return KPT_E_IO;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        *why = "not a regular file";
        ret = KPT_E_IO;
        goto out;
    }
    if ((uint64_t)st.st_size > lim->max_file_bytes) {
        *why = arena_printf(a, "file is over the file size limit (%zu bytes)", lim->max_file_bytes);
        ret = KPT_E_LIMIT;
        goto out;
    }
    b.max = lim->max_file_bytes + 1;
    for (;;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *why = arena_printf(a, "read error: %s", strerror(errno));
            ret = KPT_E_IO;
            goto out;
        }
        if (n == 0)
            break;
        if (buf_add(&b, chunk, (size_t)n) < 0) {
            *why = "file grew over the file size limit while read";
            ret = KPT_E_LIMIT;
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
};

struct walk {
    ing_walk_fn *fn;
    void *ctx;
    struct seen *dirs; /* directories on the current path */
    size_t ndirs, cap;
};

static int
cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int walk_path(struct walk *w, const char *path, int top);

static int
walk_dir(struct walk *w, const char *path, const struct stat *st)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int ret = 0;

    for (i = 0; i < w->ndirs; i++)
        if (w->dirs[i].dev == st->st_dev && w->dirs[i].ino == st->st_ino)
            return w->fn(path, "symlink loop: directory already being searched", w->ctx);
    if (!(d = opendir(path)))
        return w->fn(path, strerror(errno), w->ctx);
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        VEC_GROW(names, n + 1, cap);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    VEC_GROW(w->dirs, w->ndirs + 1, w->cap);
    w->dirs[w->ndirs].dev = st->st_dev;
    w->dirs[w->ndirs].ino = st->st_ino;
    w->ndirs++;
    for (i = 0; i < n; i++) {
        struct buf p = BUF_INIT;

        if (!ret) {
            buf_adds(&p, path);
            if (p.len && p.data[p.len - 1] != '/')
                buf_addc(&p, '/');
            buf_adds(&p, names[i]);
            ret = walk_path(w, p.data, 0);
            buf_release(&p);
        }
        free(names[i]);
    }
    w->ndirs--;
    free(names);
    return ret;
}

static int
walk_path(struct walk *w, const char *path, int top)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        struct stat lst;

        if (errno == ELOOP || (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)))
            return w->fn(path, errno == ELOOP ? "symlink loop" : "dangling symlink", w->ctx);
        return w->fn(path, strerror(errno), w->ctx);
    }
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path, &st);
    if (!S_ISREG(st.st_mode))
        return w->fn(path, S_ISFIFO(st.st_mode)   ? "not a regular file (a FIFO)"
                           : S_ISSOCK(st.st_mode) ? "not a regular file (a socket)"
                                                  : "not a regular file (a device)",
                     w->ctx);
    (void)top;
    return w->fn(path, NULL, w->ctx);
}

int
ing_walk(const char *path, ing_walk_fn *fn, void *ctx)
{
    struct walk w;
    int ret;

    memset(&w, 0, sizeof(w));
    w.fn = fn;
    w.ctx = ctx;
    ret = walk_path(&w, path, 1);
    free(w.dirs);
    return ret;
}
