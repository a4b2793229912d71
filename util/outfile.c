/*
 * outfile.c - outputs that appear whole or not at all (see outfile.h).
 */
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int
fail(const char *path)
{
    fprintf(stderr, "kptrace-batch: cannot write '%s': %s\n", path, strerror(errno));
    return -1;
}

int
outfile_open(struct outfile *o, const char *path)
{
    struct stat st;
    size_t n;
    int fd;

    memset(o, 0, sizeof(*o));
    o->path = path;
    if (!path || !strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        o->old_dev = st.st_dev; /* an earlier run's output: not an input of this one */
        o->old_ino = st.st_ino;
        o->has_old = 1;
    } else if (stat(path, &st) == 0) {
        /* a device or FIFO (/dev/null, a pipe): written as it is; a temporary file renamed
         * over it would replace the device */
        if (!(o->f = fopen(path, "w")))
            return fail(path);
        o->direct = 1;
        return 0;
    }
    n = strlen(path);
    o->tmp = xmalloc(st_add(n, 16));
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".tmp.XXXXXX", 12);
    if (cleanup_add_path(o->tmp) < 0) {
        errno = EMFILE;
        free(o->tmp);
        o->tmp = NULL;
        return fail(path);
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
        return fail(path);
    }
    {
        /* mkstemp makes it 0600: an output follows the umask like any file a user writes */
        mode_t mask = umask(0);

        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    return 0;
}

int
outfile_flush(struct outfile *o)
{
    return o->f && (fflush(o->f) || ferror(o->f)) ? -1 : 0;
}

int
outfile_is_tmp(const struct outfile *o, dev_t dev, ino_t ino)
{
    return (o->tmp && o->dev == dev && o->ino == ino) ||
           (o->has_old && o->old_dev == dev && o->old_ino == ino);
}

int
outfile_close(struct outfile *o, int ok)
{
    int ret = 0;

    if (!o->f)
        return 0;
    if (o->f == stdout) {
        if (fflush(stdout) || ferror(stdout))
            ret = -1;
    } else if (o->direct) {
        if (fclose(o->f))
            ret = -1;
    } else {
        if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
            ret = -1;
        if (fclose(o->f))
            ret = -1;
        if (ok && !ret && rename(o->tmp, o->path))
            ret = -1;
        if (!ok || ret)
            unlink(o->tmp);
        if (ret)
            fail(o->path);
        cleanup_remove_path(o->tmp);
    }
    free(o->tmp);
    o->f = NULL;
    o->tmp = NULL;
    return ret;
}

int
outfile_lock(const struct outfile *v, size_t n)
{
    const struct outfile *o = NULL;
    struct buf b = BUF_INIT;
    struct flock fl;
    const char *slash;
    size_t i;
    int fd;

    for (i = 0; i < n && !o; i++)
        if (v[i].f && v[i].tmp)
            o = &v[i];
    if (!o)
        return -1; /* nothing is renamed: nothing to keep apart */
    slash = strrchr(o->path, '/');
    if (slash)
        buf_add(&b, o->path, (size_t)(slash - o->path) + 1);
    buf_adds(&b, OUTFILE_LOCK);
    fd = open(b.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0666);
    buf_release(&b);
    if (fd < 0)
        return -1;
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (fcntl(fd, F_SETLKW, &fl) < 0)
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
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

    return !strcmp(base ? base + 1 : path, OUTFILE_LOCK);
}
