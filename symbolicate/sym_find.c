/*
 * sym_find.c - finding lldb on PATH and the default cache directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolicate/sym_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

static char *
find_on_path(const char *name)
{
    const char *path = getenv("PATH"), *p, *e;
    struct buf b = BUF_INIT;

    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
        e = strchr(p, ':');
        if (!e)
            e = p + strlen(p);
        buf_reset(&b);
        buf_add(&b, p, (size_t)(e - p));
        buf_addc(&b, '/');
        buf_adds(&b, name);
        if (access(b.data, X_OK) == 0)
            return buf_detach(&b, NULL);
    }
    buf_release(&b);
    return NULL;
}

char *
sym_absolute(const char *path)
{
    struct buf b = BUF_INIT;
    char cwd[4096];

    if (!path)
        return NULL;
    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return xstrdup(path);
    /* made absolute, not resolved: a link's own name may matter to what it starts */
    buf_addf(&b, "%s/%s", cwd, path);
    return buf_detach(&b, NULL);
}

char *
sym_find_lldb(const char *want)
{
    char name[48]; /* "/usr/lib/llvm-%d/bin/lldb" for any int: no truncation at any -O */
    int v;
    char *p;

    if (want)
        return find_on_path(want);
    if ((p = find_on_path("lldb")))
        return p;
    for (v = 19; v >= 14; v--) {
        snprintf(name, sizeof(name), "lldb-%d", v);
        if ((p = find_on_path(name)))
            return p;
        snprintf(name, sizeof(name), "/usr/lib/llvm-%d/bin/lldb", v);
        if ((p = find_on_path(name)))
            return p;
    }
    return NULL;
}

char *
sym_default_cache_dir(void)
{
    const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    struct buf b = BUF_INIT;

    struct stat st;

    if (x && *x == '/')
        buf_addf(&b, "%s/kptrace-batch", x);
    else if (h && *h == '/' && stat(h, &st) == 0 && S_ISDIR(st.st_mode))
        buf_addf(&b, "%s/.cache/kptrace-batch", h); /* inside a home that exists, never one made */
    else
        return NULL;
    return buf_detach(&b, NULL);
}

int
sym_cache_dir_check(const char *path, struct buf *err)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : kpt_fail(err, KPT_E_IO, "cannot be examined");
    if (!S_ISDIR(st.st_mode))
        return kpt_fail(err, KPT_E_FORMAT, "is not a directory (a symbolic link is not followed)");
    if (st.st_uid != geteuid())
        return kpt_fail(err, KPT_E_FORMAT, "belongs to another user");
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return kpt_fail(err, KPT_E_FORMAT,
                        "can be written by others (its mode lets group or others write)");
    return 0;
}

int
sym_mkdir_p(const char *path)
{
    struct buf b = BUF_INIT;
    size_t i;
    int ret = 0;

    buf_adds(&b, path);
    for (i = 1; i <= b.len && !ret; i++)
        if (i == b.len || b.data[i] == '/') {
            char c = b.data[i];

            b.data[i] = '\0';
            if (mkdir(b.data, 0700) < 0 && errno != EEXIST)
                ret = KPT_E_IO;
            b.data[i] = c;
        }
    buf_release(&b);
    return ret;
}
