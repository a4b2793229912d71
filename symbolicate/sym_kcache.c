/*
 * sym_kcache.c - the catalogue cache: what reading a KDK's files found (a Mach-O's slices,
 * UUIDs and segments; an Info.plist's bundle id and executable), keyed by the file's path,
 * size, modification time and inode, so that a later run stats a file instead of reading
 * it, and notices when it changed or went.
 *
 * One text file beside the symbol cache, catalogue.v1 (its lines: model/caches.h), rewritten
 * whole (a temporary file renamed) when a run read something new. It is untrusted like every
 * input: readers/rd_catalogue.c reads it (through the driver's struct kpt_cache_readers),
 * skipping and counting a line that does not parse; here the lines become the index.
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
#include "util/hindex.h"
#include "util/readfile.h"
#include "util/xalloc.h"
#include "util/err.h"

#define KCACHE_ENTRIES KPT_CATALOGUE_ENTRIES

_Static_assert(KPT_CATALOGUE_SLICES == MACHO_MAX_SLICES,
               "a catalogue line holds a Mach-O's slices");

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

/* the catalogue read back (readers/rd_catalogue.c) into k: a later line for a path replaces an
 * earlier one */
static void
take(struct kcache *k, const struct kpt_catalogue *c)
{
    size_t i, j;

    for (i = 0; i < c->n; i++) {
        const struct kpt_catalogue_entry *ce = &c->e[i];
        struct kc_entry *e;

        if (!(e = slot(k, ce->kind, ce->path))) {
            k->bad++;
            continue;
        }
        e->size = ce->size, e->mtime = ce->mtime, e->ino = ce->ino;
        if (ce->kind == 'P') {
            e->id = ce->id ? xstrdup(ce->id) : NULL;
            e->exe = ce->exe ? xstrdup(ce->exe) : NULL;
            continue;
        }
        e->n = (int)ce->nslices; /* at most KPT_CATALOGUE_SLICES */
        for (j = 0; j < ce->nslices; j++) {
            const struct kpt_catalogue_slice *sl = &ce->sl[j];
            struct macho_image *im = &e->im[j];

            im->cputype = sl->cputype;
            im->cpusubtype = sl->cpusubtype;
            memcpy(im->uuid, sl->uuid, sizeof(im->uuid));
            im->has_uuid = sl->has_uuid;
            if (sl->has_text)
                seg_set(im, "__TEXT", sl->text_vm, sl->text_size);
            if (sl->has_exec)
                seg_set(im, "__TEXT_EXEC", sl->exec_vm, sl->exec_size);
        }
    }
}

struct kcache *
kcache_new(void)
{
    return xcalloc(1, sizeof(struct kcache));
}

struct kcache *
kcache_load(const char *dir, kpt_catalogue_read_fn *read)
{
    struct kcache *k = kcache_new();
    struct kpt_catalogue c = { 0 };
    struct buf path = BUF_INIT;

    buf_addf(&path, "%s/%s", dir, KPT_CATALOGUE_FILE);
    /* missing or unreadable: empty; another format: empty, and counted */
    if (read)
        (void)read(path.data, &c, NULL);
    take(k, &c);
    k->bad += c.bad;
    kpt_catalogue_release(&c);
    buf_release(&path);
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
    buf_addf(&b, "%s\n", KPT_CATALOGUE_MAGIC);
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
    buf_addf(&path, "%s/%s", dir, KPT_CATALOGUE_FILE);
    buf_addf(&tmp, "%s/.%s.XXXXXX", dir, KPT_CATALOGUE_FILE);
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
