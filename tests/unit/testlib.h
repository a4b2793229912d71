/*
 * testlib.h - helpers for the cmocka unit tests (header-only; each test is one program).
 */
#ifndef KPT_TESTLIB_H
#define KPT_TESTLIB_H

#include <inttypes.h>
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

/* a legacy Intel report of one kext panic (org.example.fs.zeta), slid by slide, on build,
 * with the kext at kext_ver (test_cluster, test_join) */
static inline char *
tl_intel_report(uint64_t slide, const char *build, const char *kext_ver)
{
    uint64_t kb = 0xffffff8000200000ull + slide, ks = 0xffffff7f80000000ull + slide * 2;
    struct buf b = BUF_INIT;

    buf_addf(&b,
             "panic(cpu 1 caller 0x%016" PRIx64 "): \"lock held: 0x%016" PRIx64 "\"@/x/y/z.c:%d\n",
             kb + 0x4c2, kb + 0x999, slide ? 77 : 76);
    buf_addf(&b, "Backtrace (CPU 1), Frame : Return Address\n");
    buf_addf(&b, "0xffffff83b1b3bb00 : 0x%016" PRIx64 " \n", kb + 0x65d);
    buf_addf(&b, "0xffffff83b1b3bb50 : 0x%016" PRIx64 " \n", kb + 0x4c2);
    buf_addf(&b, "0xffffff83b1b3bb90 : 0x%016" PRIx64 " \n", ks + 0x121b);
    buf_addf(&b, "0xffffff83b1b3bbd0 : 0x%016" PRIx64 " \n", ks + 0x10f0);
    buf_addf(&b, "      Kernel Extensions in backtrace:\n");
    buf_addf(&b,
             "         org.example.fs.zeta(%s)[0D1C2B3A-4F5E-3D6C-8B7A-9F0E1D2C3B4A]@0x%016" PRIx64
             "->0x%016" PRIx64 "\n",
             kext_ver, ks, ks + 0x3ffff);
    buf_addf(&b,
             "\nMac OS version:\n%s\nKernel slide:     0x%016" PRIx64
             "\nKernel text base: 0x%016" PRIx64 "\n",
             build, slide, kb);
    return buf_detach(&b, NULL);
}

/* BCubed precision and recall (SIGNATURES.md §12.1) of clustering 'key' against 'label' */
static inline void
tl_bcubed(const char *const *key, const char *const *label, size_t n, double *p, double *r)
{
    size_t i, j;
    double sp = 0, sr = 0;

    for (i = 0; i < n; i++) {
        size_t same_key = 0, same_label = 0, both = 0;

        for (j = 0; j < n; j++) {
            int k = !strcmp(key[i], key[j]), l = !strcmp(label[i], label[j]);

            same_key += (size_t)k;
            same_label += (size_t)l;
            both += (size_t)(k && l);
        }
        sp += (double)both / (double)same_key;
        sr += (double)both / (double)same_label;
    }
    *p = sp / (double)n;
    *r = sr / (double)n;
}

#endif
