/*
 * sym_cache.c - the persistent symbol cache: one file per module UUID, a header line naming
 * the format and the lldb that answered, then one tab-separated record per lookup (address,
 * found, offset, line, function, inlined callee, file; tabs, newlines and backslashes
 * escaped). New answers are appended; a file from another lldb or format is replaced; a
 * record cut by a crash ends the reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolicate/sym_int.h"
#include "symbolicate/sym_kcache.h"
#include "util/buf.h"
#include "util/cursor.h"
#include "util/readfile.h"
#include "util/xalloc.h"
#include "util/err.h"

#define CACHE_MAGIC "kptrace-batch symbol cache v1"
#define CACHE_FILE_MAX (256u << 20) /* one module's answers */

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

static char *
unesc(const char *p, size_t n)
{
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            i++;
            buf_addc(&b, p[i] == 't' ? '\t' : p[i] == 'n' ? '\n' : p[i]);
        } else {
            buf_addc(&b, p[i]);
        }
    }
    if (!b.len) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

void
sym_cache_load(struct sym_ctx *s, const struct kdk_mod *m)
{
    struct buf err = BUF_INIT;
    char *path, *data;
    size_t i, len;
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
    /* a regular file only (a FIFO or a link to a device is refused, not waited on) */
    if (read_regular(path, CACHE_FILE_MAX, &data, &len, &err) < 0) {
        free(path);
        buf_release(&err);
        return;
    }
    free(path);
    buf_release(&err);
    c->intact = sym_cache_parse(s, m, data, len);
    free(data);
}

/* 1 when a field can hold a name of at most max bytes */
static int
field_ok(const char *f, size_t max)
{
    return strlen(f) <= 2 * max; /* escapes at most double a name */
}

int
sym_cache_parse(struct sym_ctx *s, const struct kdk_mod *m, char *data, size_t len)
{
    char *line, *nl;
    int intact;

    line = data;
    if (!len || !(nl = memchr(line, '\n', len)) ||
        (size_t)(nl - line) != strlen(CACHE_MAGIC) + 1 + strlen(s->ident) ||
        strncmp(line, CACHE_MAGIC "\t", strlen(CACHE_MAGIC) + 1) ||
        memcmp(line + strlen(CACHE_MAGIC) + 1, s->ident, strlen(s->ident)))
        return 0;                   /* another lldb or format: start afresh */
    intact = data[len - 1] == '\n'; /* a record cut by a crash: rewrite, never glue onto it */
    for (line = nl + 1; line < data + len && (nl = memchr(line, '\n', (size_t)(data + len - line)));
         line = nl + 1) {
        char *fld[7], *p = line;
        size_t k = 0;
        struct entry *e;
        uint64_t addr, off, lineno;

        *nl = '\0';
        fld[k++] = p;
        for (; *p && k < 7; p++)
            if (*p == '\t') {
                *p = '\0';
                fld[k++] = p + 1;
            }
        if (k != 7 || !*fld[0])
            continue;
        /* a record as this tool writes it, or none: numbers whole and in range, a status of
         * 0 or 1, bounded names */
        if (cur_field_num(fld[0], 16, &addr, UINT64_MAX) < 0 ||
            (strcmp(fld[1], "0") && strcmp(fld[1], "1")) ||
            cur_field_num(fld[2], 10, &off, UINT64_MAX) < 0 ||
            cur_field_num(fld[3], 10, &lineno, UINT_MAX) < 0 ||
            !field_ok(fld[4], KPT_MAX_FUNCTION_NAME) || !field_ok(fld[5], KPT_MAX_FUNCTION_NAME) ||
            !field_ok(fld[6], KPT_MAX_FILE_NAME))
            continue;
        if (sym_table_find(s, m, addr))
            continue;
        e = sym_table_add(s, m, addr);
        e->status = !strcmp(fld[1], "1") ? LLDB_OK : LLDB_NONE;
        e->off = off;
        e->line = (unsigned)lineno;
        e->func = unesc(fld[4], strlen(fld[4]));
        e->inl = unesc(fld[5], strlen(fld[5]));
        e->file = unesc(fld[6], strlen(fld[6]));
        e->from_cache = e->cached_on_disk = 1;
        if (e->status == LLDB_OK && !e->func)
            e->status = LLDB_NONE;
    }
    return intact;
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
            buf_addf(&b, "%s\t%s\n", CACHE_MAGIC, s->ident);
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
