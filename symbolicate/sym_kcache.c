/*
 * sym_kcache.c - the catalogue cache: what reading a KDK's files found (a Mach-O's slices,
 * UUIDs and segments; an Info.plist's bundle id and executable), keyed by the file's path,
 * size, modification time and inode, so that a later run stats a file instead of reading
 * it, and notices when it changed or went.
 *
 * One text file beside the symbol cache, catalogue.v1, rewritten whole (a temporary file
 * renamed) when a run read something new. Lines (tab-separated; paths the catalogue accepts
 * hold no control character):
 *   M PATH SIZE MTIME_NS INO N  [CPU SUB UUID|- TEXT_VM TEXT_SIZE EXEC_VM|- EXEC_SIZE] x N
 *   P PATH SIZE MTIME_NS INO ID|- EXE|-
 * N = 0 records a file that is no 64-bit Mach-O; ID "-" an unreadable Info.plist. A line
 * that does not parse is skipped (and counted); the file is untrusted like every input.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolicate/sym_kcache.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/cursor.h"
#include "util/hindex.h"
#include "util/readfile.h"
#include "util/xalloc.h"
#include "util/err.h"

#define KCACHE_MAGIC "kptrace-batch catalogue v1"
#define KCACHE_FILE "catalogue.v1"
#define KCACHE_MAX (64u << 20)
#define KCACHE_ENTRIES (1u << 20)

struct kc_entry {
    char kind; /* 'M' or 'P' */
    char *path;
    uint64_t size, mtime, ino;
    struct macho_image im[MACHO_MAX_SLICES];
    int n;          /* M: slices (0: no Mach-O) */
    char *id, *exe; /* P: NULL when unreadable */
};

struct kcache {
    struct kc_entry *e;
    size_t n, cap;
    struct hindex ix;
    int dirty;
    size_t bad; /* lines skipped */
};

static uint64_t
key_hash(char kind, const char *path)
{
    uint64_t h = 1469598103934665603ull ^ (unsigned char)kind;

    for (; *path; path++)
        h = (h ^ (unsigned char)*path) * 1099511628211ull;
    return hindex_mix(h);
}

struct key {
    const struct kcache *k;
    char kind;
    const char *path;
};

static int
key_eq(const void *ctx, size_t i)
{
    const struct key *q = ctx;

    return q->k->e[i].kind == q->kind && !strcmp(q->k->e[i].path, q->path);
}

static struct kc_entry *
find(const struct kcache *k, char kind, const char *path)
{
    struct key q = { k, kind, path };
    size_t i = hindex_find(&k->ix, key_hash(kind, path), key_eq, &q);

    return i == SIZE_MAX ? NULL : &k->e[i];
}

static void
entry_free(struct kc_entry *e)
{
    free(e->path);
    free(e->id);
    free(e->exe);
}

/* a new or replaced entry for (kind, path), its old contents released */
static struct kc_entry *
slot(struct kcache *k, char kind, const char *path)
{
    struct kc_entry *e = find(k, kind, path);

    if (e) {
        entry_free(e);
    } else {
        if (k->n >= KCACHE_ENTRIES)
            return NULL;
        VEC_GROW(k->e, k->n + 1, k->cap);
        e = &k->e[k->n];
        hindex_add(&k->ix, key_hash(kind, path), k->n++);
    }
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->path = xstrdup(path);
    return e;
}

static int
u64(const char *s, int base, uint64_t *v)
{
    return cur_field_num(s, base, v, UINT64_MAX) < 0 ? KPT_E_PARSE : 0;
}

static int
safe_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static void
seg_set(struct macho_image *im, const char *name, uint64_t vm, uint64_t size)
{
    struct macho_seg *g = &im->seg[im->nseg++];

    memcpy(g->name, name, strlen(name) + 1);
    g->vmaddr = vm;
    g->vmsize = size;
}

/* one line's fields into an entry; KPT_E_PARSE: malformed */
static int
parse_line(struct kcache *k, char **f, size_t nf)
{
    uint64_t size, mtime, ino, n, v[6];
    struct kc_entry *e;
    size_t i, j;

    if (nf < 6 || strlen(f[0]) != 1 || (f[0][0] != 'M' && f[0][0] != 'P') || !*f[1] ||
        u64(f[2], 10, &size) || u64(f[3], 10, &mtime) || u64(f[4], 10, &ino))
        return KPT_E_PARSE;
    if (f[0][0] == 'P') {
        if (nf != 7)
            return KPT_E_PARSE;
        if (!(e = slot(k, 'P', f[1])))
            return KPT_E_PARSE;
        e->size = size, e->mtime = mtime, e->ino = ino;
        if (strcmp(f[5], "-") && strcmp(f[6], "-") && !strchr(f[6], '/')) {
            e->id = xstrdup(f[5]);
            e->exe = xstrdup(f[6]);
        }
        return 0;
    }
    if (u64(f[5], 10, &n) || n > MACHO_MAX_SLICES || nf != 6 + 7 * n)
        return KPT_E_PARSE;
    {
        struct macho_image im[MACHO_MAX_SLICES];

        memset(im, 0, sizeof(im));
        for (i = 0; i < n; i++) {
            char **s = f + 6 + 7 * i;

            if (u64(s[0], 10, &v[0]) || u64(s[1], 10, &v[1]) || v[0] > INT32_MAX ||
                v[1] > INT32_MAX)
                return KPT_E_PARSE;
            im[i].cputype = (int)v[0];
            im[i].cpusubtype = (int)v[1];
            if (strcmp(s[2], "-")) {
                if (strlen(s[2]) != 32)
                    return KPT_E_PARSE;
                for (j = 0; j < 16; j++) {
                    char hx[3] = { s[2][2 * j], s[2][2 * j + 1], 0 };

                    if (u64(hx, 16, &v[2]))
                        return KPT_E_PARSE;
                    im[i].uuid[j] = (uint8_t)v[2];
                }
                im[i].has_uuid = 1;
            }
            if (strcmp(s[3], "-")) {
                if (u64(s[3], 16, &v[3]) || u64(s[4], 16, &v[4]))
                    return KPT_E_PARSE;
                seg_set(&im[i], "__TEXT", v[3], v[4]);
            }
            if (strcmp(s[5], "-")) {
                if (u64(s[5], 16, &v[5]) || u64(s[6], 16, &v[4]))
                    return KPT_E_PARSE;
                seg_set(&im[i], "__TEXT_EXEC", v[5], v[4]);
            }
        }
        if (!(e = slot(k, 'M', f[1])))
            return KPT_E_PARSE;
        e->size = size, e->mtime = mtime, e->ino = ino;
        e->n = (int)n;
        memcpy(e->im, im, sizeof(im));
    }
    return 0;
}

size_t
kcache_parse(struct kcache *k, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    size_t good = 0, line = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        char *copy, *f[6 + 7 * MACHO_MAX_SLICES + 1], *q;
        size_t nf = 0;

        if (!nl) {
            k->bad++; /* a last line without its newline: cut by a crash, skipped */
            break;
        }
        copy = xmemdup0(p, (size_t)(nl - p));
        p = nl + 1;
        if (line++ == 0) {
            if (strcmp(copy, KCACHE_MAGIC)) { /* another format or version: nothing from it */
                k->bad++;
                free(copy);
                break;
            }
            free(copy);
            continue;
        }
        for (q = copy; nf < sizeof(f) / sizeof(f[0]); nf++) {
            f[nf] = q;
            if (!(q = strchr(q, '\t'))) {
                nf++;
                break;
            }
            *q++ = '\0';
        }
        if (q || !safe_text(copy) || parse_line(k, f, nf) < 0)
            k->bad++;
        else
            good++;
        free(copy);
    }
    return good;
}

struct kcache *
kcache_new(void)
{
    return xcalloc(1, sizeof(struct kcache));
}

struct kcache *
kcache_load(const char *dir)
{
    struct kcache *k = kcache_new();
    struct buf path = BUF_INIT, err = BUF_INIT;
    char *data;
    size_t len;

    buf_addf(&path, "%s/%s", dir, KCACHE_FILE);
    if (read_regular(path.data, KCACHE_MAX, &data, &len, &err) == 0) {
        kcache_parse(k, data, len);
        free(data);
    }
    buf_release(&path);
    buf_release(&err);
    return k;
}

void
kcache_free(struct kcache *k)
{
    size_t i;

    if (!k)
        return;
    for (i = 0; i < k->n; i++)
        entry_free(&k->e[i]);
    free(k->e);
    hindex_release(&k->ix);
    free(k);
}

size_t
kcache_bad(const struct kcache *k)
{
    return k ? k->bad : 0;
}

static int
same_file(const struct kc_entry *e, const struct stat *st)
{
    return e->size == (uint64_t)st->st_size && e->ino == (uint64_t)st->st_ino &&
           e->mtime == (uint64_t)KCACHE_MTIME_NS(st);
}

static void
stamp(struct kc_entry *e, const struct stat *st)
{
    e->size = (uint64_t)st->st_size;
    e->ino = (uint64_t)st->st_ino;
    e->mtime = (uint64_t)KCACHE_MTIME_NS(st);
}

int
kcache_macho(struct kcache *k, const char *path, struct macho_image *out, size_t max, size_t *reads)
{
    struct stat st;
    struct kc_entry *e;
    int n;

    if (k && stat(path, &st) < 0)
        return KPT_E_PARSE;
    if (k && (e = find(k, 'M', path)) && same_file(e, &st)) {
        n = e->n < (int)max ? e->n : (int)max;
        memcpy(out, e->im, (size_t)n * sizeof(*out));
        return n ? n : KPT_E_PARSE;
    }
    (*reads)++;
    n = macho_read_file(path, out, max);
    if (!k)
        return n;
    if (S_ISREG(st.st_mode) && (e = slot(k, 'M', path))) {
        stamp(e, &st);
        e->n = n > 0 ? (n < MACHO_MAX_SLICES ? n : MACHO_MAX_SLICES) : 0;
        memcpy(e->im, out, (size_t)e->n * sizeof(*out));
        k->dirty = 1;
    }
    return n;
}

int
kcache_plist(struct kcache *k, const char *path, int (*read)(const char *, char **, char **),
             char **id, char **exe)
{
    struct stat st;
    struct kc_entry *e;
    int r;

    if (!k)
        return read(path, id, exe);
    *id = *exe = NULL;
    if (stat(path, &st) < 0)
        return KPT_E_PARSE;
    if ((e = find(k, 'P', path)) && same_file(e, &st)) {
        if (!e->id)
            return KPT_E_PARSE;
        *id = xstrdup(e->id);
        *exe = xstrdup(e->exe);
        return 0;
    }
    r = read(path, id, exe);
    /* names with control characters are not cached (the file stays the record) */
    if (S_ISREG(st.st_mode) && (r < 0 || (safe_text(*id) && safe_text(*exe))) &&
        (e = slot(k, 'P', path))) {
        stamp(e, &st);
        if (r == 0) {
            e->id = xstrdup(*id);
            e->exe = xstrdup(*exe);
        }
        k->dirty = 1;
    }
    return r;
}

static void
hex_or_dash(struct buf *b, const struct macho_seg *g, int size)
{
    if (!g)
        buf_adds(b, "\t-");
    else
        buf_addf(b, "\t%" PRIx64, size ? g->vmsize : g->vmaddr);
}

int
kcache_save(struct kcache *k, const char *dir)
{
    struct buf b = BUF_INIT, path = BUF_INIT, tmp = BUF_INIT;
    size_t i;
    int fd, j, ret = 0, short_write;

    if (!k || !k->dirty)
        return 0;
    buf_addf(&b, "%s\n", KCACHE_MAGIC);
    for (i = 0; i < k->n; i++) {
        const struct kc_entry *e = &k->e[i];

        if (!safe_text(e->path))
            continue;
        buf_addf(&b, "%c\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64, e->kind, e->path, e->size,
                 e->mtime, e->ino);
        if (e->kind == 'P') {
            buf_addf(&b, "\t%s\t%s\n", e->id ? e->id : "-", e->id ? e->exe : "-");
            continue;
        }
        buf_addf(&b, "\t%d", e->n);
        for (j = 0; j < e->n; j++) {
            const struct macho_image *im = &e->im[j];
            const struct macho_seg *t = macho_seg_find(im, "__TEXT"),
                                   *x = macho_seg_find(im, "__TEXT_EXEC");
            size_t u;

            buf_addf(&b, "\t%d\t%d\t", im->cputype, im->cpusubtype);
            if (im->has_uuid)
                for (u = 0; u < 16; u++)
                    buf_addf(&b, "%02x", im->uuid[u]);
            else
                buf_addc(&b, '-');
            hex_or_dash(&b, t, 0);
            buf_addf(&b, "\t%" PRIx64, t ? t->vmsize : 0);
            hex_or_dash(&b, x, 0);
            buf_addf(&b, "\t%" PRIx64, x ? x->vmsize : 0);
        }
        buf_addc(&b, '\n');
    }
    /* a temporary file of our own in the (0700) cache directory, renamed over the old one */
    buf_addf(&path, "%s/%s", dir, KCACHE_FILE);
    buf_addf(&tmp, "%s/.%s.XXXXXX", dir, KCACHE_FILE);
    if ((fd = mkstemp(tmp.data)) < 0) {
        ret = KPT_E_IO;
        goto out;
    }
    cleanup_add_path(tmp.data); /* removed if a signal ends the run before the rename */
    short_write = write_all(fd, b.data, b.len) < 0;
    if (close(fd) < 0 || short_write || rename(tmp.data, path.data) < 0) {
        unlink(tmp.data);
        ret = KPT_E_IO;
    } else {
        k->dirty = 0;
    }
    cleanup_remove_path(tmp.data);
out:
    buf_release(&b);
    buf_release(&path);
    buf_release(&tmp);
    return ret;
}
