/*
 * testlib.h - helpers for the cmocka unit tests (header-only; each test is one program).
 */
#ifndef KPT_TESTLIB_H
#define KPT_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "model/model.h"
#include "util/buf.h"

#ifndef KPT_SOURCE_DIR
#define KPT_SOURCE_DIR "."
#endif

static inline char *
tl_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    struct buf b = BUF_INIT;
    char chunk[65536];
    size_t k;

    if (!f)
        return NULL;
    while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, k);
    fclose(f);
    return buf_detach(&b, n);
}

/* the shared corpus, or NULL (the caller says it skipped) */
static inline const char *
tl_corpus(void)
{
    struct stat st;
    const char *env = getenv("KPT_CORPUS");
    const char *path = env ? env : KPT_SOURCE_DIR "/../shared/corpus";

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? path : NULL;
}

static inline char *
tl_path(const char *dir, const char *rel)
{
    static char path[8192];
    size_t dn = strlen(dir), rn = strlen(rel);

    if (dn + rn + 2 > sizeof(path))
        abort();
    memcpy(path, dir, dn);
    path[dn] = '/';
    memcpy(path + dn + 1, rel, rn + 1);
    return path;
}

#endif
