/*
 * outfile.c - outputs that appear whole or not at all (see outfile.h).
 */
#include "util/cursor.h"
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#define NO_FD (-1) /* a descriptor that is none, as open(2) returns it */

/* why path cannot be written (errno's), in err: KPT_E_IO */
static int
fail(const char *path, struct buf *err)
{
    return kpt_fail_line(err, KPT_E_IO, "cannot write '%s': %s", path, strerror(errno));
}

/*
 * Linux: a file with no name in path's folder (O_TMPFILE), given one only at the commit:
 * a run killed with SIGKILL leaves nothing. A descriptor, or -1 (as open(2) says it)
 * where that is not to be had (another system, a file system without it, no /proc to name
 * it through), and mkstemp is used.
 */
static int
open_unnamed(const char *path)
{
#if defined(__linux__) && defined(O_TMPFILE)
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xmemdup0(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    mode_t mask = umask(0);
    int fd;

    umask(mask);
    fd = access("/proc/self/fd", X_OK) == 0
             ? open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666 & ~mask)
             : -1;
    free(dir);
    return fd;
#else
    (void)path;
    return NO_FD;
#endif
}

/* an unnamed file's name at last: linked as o->tmp, which the rename then moves; 0, or
 * KPT_E_IO with errno set */
static int
name_unnamed(struct outfile *o)
{
    char proc[64];
    int fd = fileno(o->f);

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    /* o->tmp is a template: a fresh name each try until one is free */
    for (;;) {
        int t = mkstemp(o->tmp);

        if (t < 0)
            return KPT_E_IO;
        close(t);
        unlink(o->tmp);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST)
            return KPT_E_IO;
        memcpy(o->tmp + strlen(o->tmp) - 6, "XXXXXX", 6);
    }
}

/*
 * /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor the shell set up,
 * whatever it is (a terminal, a pipe, a regular file opened with >>); NO_FD for other paths
 */
static int
named_fd(const char *path)
{
    const char *n = NULL;
    uint64_t v;

    if (!strcmp(path, "/dev/stdout"))
        return 1;
    if (!strcmp(path, "/dev/stderr"))
        return 2;
    if (!strncmp(path, "/dev/fd/", 8))
        n = path + 8;
    else if (!strncmp(path, "/proc/self/fd/", 14))
        n = path + 14;
    if (!n || cur_field_num(n, 10, &v, INT_MAX) < 0)
        return NO_FD;
    return (int)v;
}

/* written in place through a duplicate of descriptor fd */
static int
open_fd(struct outfile *o, const char *path, int fd, struct buf *err)
{
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);

    if (d < 0 || !(o->f = fdopen(d, "w"))) {
        if (d >= 0)
            close(d);
        return fail(path, err);
    }
    o->direct = 1;
    return 0;
}

int
outfile_open(struct outfile *o, const char *path, struct buf *err)
{
    struct stat st;
    size_t n;
    int fd;

    memset(o, 0, sizeof(*o));
    o->path = path;
    o->dest = path;
    if (!path || !strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    if ((fd = named_fd(path)) >= 0)
        return open_fd(o, path, fd, err);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* a link: what it names is written (never the link replaced by a file) */
        if (stat(path, &st) < 0)
            return kpt_fail_line(err, KPT_E_IO,
                                 "cannot write '%s': a symbolic link to nothing (%s): not followed",
                                 path, strerror(errno));
        if (S_ISREG(st.st_mode)) {
            if (!(o->real = realpath(path, NULL)))
                return fail(path, err);
            o->dest = o->real;
        }
    }
    if (stat(o->dest, &st) == 0 && S_ISREG(st.st_mode)) {
        o->old_dev = st.st_dev; /* an earlier run's output: not an input of this one */
        o->old_ino = st.st_ino;
        o->has_old = 1;
    } else if (stat(o->dest, &st) == 0) {
        /* a device or FIFO (/dev/null, a pipe): written as it is; a temporary file renamed
         * over it would replace the device */
        if (!(o->f = fopen(o->dest, "w")))
            return fail(path, err);
        o->direct = 1;
        return 0;
    }
    path = o->dest; /* the temporary file goes beside the file it replaces */
    n = strlen(path);
    o->tmp = xmalloc(st_add(n, 16));
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".tmp.XXXXXX", 12);
    if (cleanup_add_path(o->tmp) < 0) {
        errno = EMFILE;
        free(o->tmp);
        o->tmp = NULL;
        return fail(path, err);
    }
    if ((fd = open_unnamed(path)) >= 0) {
        o->unnamed = 1;
        if (fstat(fd, &st) < 0 || !(o->f = fdopen(fd, "w"))) {
            close(fd);
            cleanup_remove_path(o->tmp);
            free(o->tmp);
            o->tmp = NULL;
            return fail(path, err);
        }
        o->dev = st.st_dev;
        o->ino = st.st_ino;
        return 0;
    }
    if ((fd = mkstemp(o->tmp)) < 0 || fstat(fd, &st) < 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;

        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        cleanup_remove_path(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        errno = e;
        return fail(path, err);
    }
    {
        /* mkstemp makes it 0600: an output follows the umask like any file a user writes */
        mode_t mask = umask(0);

        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    o->named = 1;
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    return 0;
}

int
outfile_flush(struct outfile *o)
{
    return o->f && (fflush(o->f) || ferror(o->f)) ? KPT_E_IO : 0;
}

int
outfile_is_tmp(const struct outfile *o, dev_t dev, ino_t ino)
{
    return (o->tmp && o->dev == dev && o->ino == ino) ||
           (o->has_old && o->old_dev == dev && o->old_ino == ino);
}

int
outfile_prepare(struct outfile *o, struct buf *err)
{
    int ret = 0;

    if (!o->f || o->direct || o->f == stdout || !o->tmp)
        return 0;
    if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
        ret = KPT_E_IO;
    if (!ret && o->unnamed) {
        if (name_unnamed(o) < 0)
            ret = KPT_E_IO;
        else
            o->named = 1;
    }
    if (fclose(o->f))
        ret = KPT_E_IO;
    o->f = NULL;
    if (ret)
        fail(o->path, err);
    return ret;
}

int
outfile_close(struct outfile *o, int ok, struct buf *err)
{
    int ret = 0;

    if (!o->f && !o->tmp)
        return 0;
    if (o->f == stdout) {
        if (fflush(stdout) || ferror(stdout))
            ret = KPT_E_IO;
    } else if (o->direct) {
        if (fclose(o->f))
            ret = KPT_E_IO;
    } else {
        if (o->f && ok)
            ret = outfile_prepare(o, err); /* why, in err, when it fails */
        else if (o->f)
            fclose(o->f);
        o->f = NULL;
        if (ok && !ret && !o->committed && rename(o->tmp, o->dest))
            ret = fail(o->path, err);
        if ((!ok || ret) && o->named && !o->committed)
            unlink(o->tmp);
        cleanup_remove_path(o->tmp);
    }
    free(o->tmp);
    free(o->real);
    o->f = NULL;
    o->tmp = NULL;
    o->real = NULL;
    o->named = o->committed = 0;
    o->dest = o->path;
    return ret;
}

int
outfile_lock(const struct outfile *v, size_t n, struct buf *err)
{
    const struct outfile *o = NULL;
    struct buf b = BUF_INIT;
    struct buf lock;
    struct flock fl;
    const char *slash;
    size_t i;
    unsigned long waited, wait_ms = OUTFILE_LOCK_WAIT_MS;
    int fd;

    for (i = 0; i < n && !o; i++)
        if (v[i].tmp && !v[i].direct)
            o = &v[i];
    if (!o)
        return OUTFILE_NO_LOCK; /* nothing is renamed: nothing to keep apart */
    slash = strrchr(o->dest, '/');
    if (slash)
        buf_add(&b, o->dest, (size_t)(slash - o->dest) + 1);
    buf_adds(&b, OUTFILE_LOCK);
    fd = open(b.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0666);
    lock = b;
    if (fd < 0) {
        buf_release(&lock);
        return OUTFILE_NO_LOCK;
    }
    {
        const char *w = getenv("KPTRACE_BATCH_LOCK_WAIT");
        uint64_t secs;

        if (w && !cur_field_num(w, 10, &secs, 86400))
            wait_ms = (unsigned long)secs * 1000;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    /* another run (or anyone) holding it gets a bounded wait, then the run gives up: a
     * shared output folder must not hang every later run */
    for (waited = 0; fcntl(fd, F_SETLK, &fl) < 0; waited += 100) {
        struct timespec ts = { 0, 100 * 1000 * 1000 };

        if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
            close(fd);
            buf_release(&lock);
            return OUTFILE_NO_LOCK;
        }
        if (waited >= wait_ms) {
            close(fd);
            (void)kpt_fail_line(err, 0,
                                "'%s' is locked by another process (a run writing the same "
                                "outputs?) and stayed locked for %lu s: nothing was replaced",
                                lock.data, wait_ms / 1000);
            buf_release(&lock);
            return OUTFILE_LOCK_TIMEOUT;
        }
        nanosleep(&ts, NULL);
    }
    buf_release(&lock);
    return fd;
}

void
outfile_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing releases the lock */
}

int
outfile_is_lock(const char *path)
{
    const char *base = strrchr(path, '/');

    base = base ? base + 1 : path;
    return !strcmp(base, OUTFILE_LOCK) || !strcmp(base, OUTFILE_JOURNAL);
}
