/*
 * readfile.c - reading a file that must be a regular one (see readfile.h).
 */
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

int
read_regular(const char *path, size_t max, char **data, size_t *len, struct buf *err)
{
    struct buf b = BUF_INIT_MAX(max ? max + 1 : 0);
    struct stat st;
    char chunk[65536];
    ssize_t n;
    int fd, ret = 0;

    *data = NULL;
    *len = 0;
    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return kpt_fail(err, KPT_E_IO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        (void)kpt_fail(err, KPT_E_IO, "%s: not a regular file (%s)", path,
                       S_ISFIFO(st.st_mode)  ? "a FIFO"
                       : S_ISDIR(st.st_mode) ? "a directory"
                                             : "a device or socket");
        close(fd);
        return KPT_E_IO;
    }
    if (max && (unsigned long long)st.st_size > max) {
        close(fd);
        return kpt_fail(err, KPT_E_LIMIT, "%s: larger than %zu bytes", path, max);
    }
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = kpt_fail(err, KPT_E_IO, "%s: %s", path, strerror(errno));
            break;
        }
        if (buf_add(&b, chunk, (size_t)n) < 0 || (max && b.len > max)) {
            /* it grew while read */
            ret = kpt_fail(err, KPT_E_LIMIT, "%s: larger than %zu bytes", path, max);
            break;
        }
    }
    close(fd);
    if (ret < 0) {
        buf_release(&b);
        return ret;
    }
    *data = buf_detach(&b, len);
    return 0;
}

int
write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n) {
        ssize_t w = write(fd, c, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!w)
                errno = 0;
            return KPT_E_IO;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}
