/*
 * sym_kcache.h - the catalogue cache (private to symbolicate/; see sym_kcache.c): what
 * reading KDK files found, by path, size, modification time and inode.
 */
#ifndef KPT_SYM_KCACHE_H
#define KPT_SYM_KCACHE_H

#include <stddef.h>

#include "model/caches.h"
#include "symbolicate/sym_macho.h"

#if defined(__APPLE__)
#define KCACHE_MTIME_NS(st)                                                                        \
    ((long long)(st)->st_mtimespec.tv_sec * 1000000000LL + (st)->st_mtimespec.tv_nsec)
#else
#define KCACHE_MTIME_NS(st) ((long long)(st)->st_mtim.tv_sec * 1000000000LL + (st)->st_mtim.tv_nsec)
#endif

struct kcache;

struct kcache *kcache_new(void);
/* kcache_load() - DIR/catalogue.v1 read by read (readers/rd_catalogue.c, through the driver;
 * NULL, missing or unreadable: empty); the lines it skipped are counted by kcache_bad() */
struct kcache *kcache_load(const char *dir, kpt_catalogue_read_fn *read);
size_t kcache_bad(const struct kcache *k);
void kcache_free(struct kcache *k); /* NULL is a no-op */

/* kcache_macho() - macho_read_file(), answered from k while the file is unchanged (k NULL:
 * always read); a file read counts in *reads */
int kcache_macho(struct kcache *k, const char *path, struct macho_image *out, size_t max,
                 size_t *reads);
/* kcache_plist() - read(path, id, exe) (0 or a negative enum kpt_err), answered from k while
 * unchanged */
int kcache_plist(struct kcache *k, const char *path, int (*read)(const char *, char **, char **),
                 char **id, char **exe);
/* kcache_save() - DIR/catalogue.v1 rewritten when something new was read: 0, or a negative enum
 * kpt_err */
int kcache_save(struct kcache *k, const char *dir);

#endif
