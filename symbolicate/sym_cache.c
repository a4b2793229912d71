/*
 * sym_cache.c - the persistent symbol cache: one file per module UUID, a header line naming
 * the format and the lldb that answered, then one tab-separated record per lookup (address,
 * found, offset, line, function, inlined callee, file; tabs, newlines and backslashes
 * escaped; model/caches.h). The file is read by readers/rd_symcache.c (through
 * s->o.readers); here its records join the table, and new answers are written: appended to a
 * file that is ours and whole, else a file written anew with every answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/caches.h"
#include "symbolicate/sym_int.h"
#include "symbolicate/sym_kcache.h"
#include "util/buf.h"
#include "util/readfile.h"
#include "util/xalloc.h"
#include "util/err.h"

static void
uuid_hex(char out[33], const uint8_t u[16])
{
    static const char hx[] = "0123456789ABCDEF";
    int i;

    for (i = 0; i < 16; i++) {
        out[2 * i] = hx[u[i] >> 4];
        out[2 * i + 1] = hx[u[i] & 15];
    }
    out[32] = '\0';
}

static char *
cache_path(const struct sym_ctx *s, const struct kdk_mod *m)
{
    struct buf b = BUF_INIT;
    char u[33];

    uuid_hex(u, m->uuid);
    buf_addf(&b, "%s/%s.v1", s->cache_dir, u);
    return buf_detach(&b, NULL);
}

static void
esc(struct buf *b, const char *v)
{
    for (v = v ? v : ""; *v; v++) {
        if (*v == '\t')
            buf_adds(b, "\\t");
        else if (*v == '\n')
            buf_adds(b, "\\n");
        else if (*v == '\\')
            buf_adds(b, "\\\\");
        else
            buf_addc(b, *v);
    }
}

/* the records of c into the table for m (their names taken from c); an address already
 * there keeps its first answer */
static void
take(struct sym_ctx *s, const struct kdk_mod *m, struct kpt_symcache *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        struct kpt_symcache_rec *r = &c->rec[i];
        struct entry *e;

        if (sym_table_find(s, m, r->addr))
            continue;
        e = sym_table_add(s, m, r->addr);
        e->status = r->found && r->func ? LLDB_OK : LLDB_NONE;
        e->off = r->off;
        e->line = r->line;
        e->func = r->func;
        e->inl = r->inl;
        e->file = r->file;
        r->func = r->inl = r->file = NULL;
        e->from_cache = e->cached_on_disk = 1;
    }
}

int
sym_cache_read(struct sym_ctx *s, const struct kdk_mod *m, const char *path)
{
    struct kpt_symcache c = { 0 };
    int intact = 0;

    /* readers/rd_symcache.c, through the driver (a stage does not include another's header) */
    if (s->o.readers && s->o.readers->symcache &&
        s->o.readers->symcache(path, s->ident, &c, NULL) == KPT_OK) {
        take(s, m, &c);
        intact = c.intact;
    }
    kpt_symcache_release(&c);
    return intact;
}

void
sym_cache_load(struct sym_ctx *s, const struct kdk_mod *m)
{
    char *path;
    size_t i;
    struct cached *c;

    for (i = 0; i < s->ncl; i++)
        if (s->cache_loaded[i].m == m)
            return;
    VEC_GROW(s->cache_loaded, s->ncl + 1, s->capcl);
    c = &s->cache_loaded[s->ncl++];
    c->m = m;
    c->intact = 0;
    if (!s->cache_dir)
        return;
    path = cache_path(s, m);
    /* a file that is missing, unreadable or another lldb's is rewritten whole */
    c->intact = sym_cache_read(s, m, path);
    free(path);
}

void
sym_cache_write(struct sym_ctx *s)
{
    size_t i, j;

    if (!s->cache_dir)
        return;
    if (sym_mkdir_p(s->cache_dir) < 0) {
        sym_warn(s, "cannot create the cache '%s': %s", s->cache_dir, strerror(errno));
        return;
    }
    if (kcache_save(s->cat.kc, s->cache_dir) < 0)
        sym_warn(s, "cannot write the catalogue cache in '%s'", s->cache_dir);
    for (i = 0; i < s->ncl; i++) {
        const struct kdk_mod *m = s->cache_loaded[i].m;
        int fresh = !s->cache_loaded[i].intact, fd;
        size_t nrec = 0;
        struct buf b = BUF_INIT;
        char *path = cache_path(s, m);
        struct stat st;

        /* appended to a file that is ours and whole; else written anew, with every answer */
        if (fresh)
            buf_addf(&b, "%s\t%s\n", KPT_SYMCACHE_MAGIC, s->ident);
        for (j = 0; j < s->ne; j++) {
            struct entry *e = &s->e[j];

            if (e->mod != m || (e->cached_on_disk && !fresh) ||
                (e->status != LLDB_OK && e->status != LLDB_NONE))
                continue;
            buf_addf(&b, "%" PRIx64 "\t%d\t%" PRIu64 "\t%u\t", e->addr, e->status == LLDB_OK,
                     e->off, e->line);
            esc(&b, e->func);
            buf_addc(&b, '\t');
            esc(&b, e->inl);
            buf_addc(&b, '\t');
            esc(&b, e->file);
            buf_addc(&b, '\n');
            nrec++;
        }
        /* never through a symlink, never into a FIFO or device that took the file's name */
        if (nrec && (fd = open(path,
                               O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
                                   (fresh ? O_TRUNC : O_APPEND),
                               0600)) >= 0) {
            if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || write_all(fd, b.data, b.len) < 0) {
                sym_warn(s, "cannot write the cache file %s", path);
            } else {
                for (j = 0; j < s->ne; j++)
                    if (s->e[j].mod == m &&
                        (s->e[j].status == LLDB_OK || s->e[j].status == LLDB_NONE))
                        s->e[j].cached_on_disk = 1;
                s->cache_loaded[i].intact = 1;
            }
            close(fd);
        } else if (nrec) {
            sym_warn(s, "cannot write the cache file %s: %s", path, strerror(errno));
        }
        buf_release(&b);
        free(path);
    }
}
