/*
 * longpath.c - paths longer than PATH_MAX (see longpath.h).
 */
#include "util/longpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* a directory fd for path's leading pieces, and in *rest what is left (shorter than
 * PATH_MAX); -1 with errno */
static int
descend(const char *path, char *buf, size_t bufsz, const char **rest)
{
    const char *p = path;
    int dir = AT_FDCWD;

    if (*p == '/') {
        if ((dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
            return -1; /* -1: as open(2), errno set */
        while (*p == '/')
            p++;
    }
    while (strlen(p) >= PATH_MAX) {
        /* the longest run of whole components that fits */
        size_t cut = PATH_MAX - 1;
        int next;

        while (cut && p[cut] != '/')
            cut--;
        if (!cut || cut >= bufsz) {
            if (dir != AT_FDCWD)
                close(dir);
            errno = ENAMETOOLONG; /* one component alone is too long */
            return -1;            /* -1: as open(2), errno set */
        }
        memcpy(buf, p, cut);
        buf[cut] = '\0';
        next = openat(dir, buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir != AT_FDCWD)
            close(dir);
        if (next < 0)
            return -1; /* -1: as open(2), errno set */
        dir = next;
        p += cut;
        while (*p == '/')
            p++;
    }
    *rest = p;
    return dir;
}

int
lp_open(const char *path, int flags)
{
    char buf[PATH_MAX];
    const char *rest;
    int dir, fd, e;

    if (strlen(path) < PATH_MAX)
        return open(path, flags);
    if ((dir = descend(path, buf, sizeof(buf), &rest)) < 0 && dir != AT_FDCWD)
        return -1; /* -1: as open(2), errno set */
    fd = openat(dir, rest, flags);
    e = errno;
    if (dir != AT_FDCWD)
        close(dir);
    errno = e;
    return fd;
}

int
lp_stat(const char *path, struct stat *st, int follow)
{
    char buf[PATH_MAX];
    const char *rest;
    int dir, r, e;

    if (strlen(path) < PATH_MAX)
        return follow ? stat(path, st) : lstat(path, st);
    if ((dir = descend(path, buf, sizeof(buf), &rest)) < 0 && dir != AT_FDCWD)
        return -1; /* -1: as stat(2), errno set */
    r = fstatat(dir, rest, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
    e = errno;
    if (dir != AT_FDCWD)
        close(dir);
    errno = e;
    return r;
}

DIR *
lp_opendir(const char *path)
{
    DIR *d;
    int fd;

    if (strlen(path) < PATH_MAX)
        return opendir(path);
    if ((fd = lp_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return NULL;
    if (!(d = fdopendir(fd)))
        close(fd);
    return d;
}
