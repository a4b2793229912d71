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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolicate/sym_int.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define CACHE_MAGIC "kptrace-batch symbol cache v1"

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
    size_t i;
    char *path, *line = NULL;
    size_t cap = 0;
    ssize_t n;
    FILE *f;
    int first = 1;

    for (i = 0; i < s->ncl; i++)
        if (s->cache_loaded[i] == m)
            return;
    VEC_GROW(s->cache_loaded, s->ncl + 1, s->capcl);
    s->cache_loaded[s->ncl++] = m;
    if (!s->cache_dir)
        return;
    path = cache_path(s, m);
    f = fopen(path, "r");
    free(path);
    if (!f)
        return;
    while ((n = getline(&line, &cap, f)) > 0) {
        char *fld[7], *p = line;
        size_t k = 0;
        struct entry *e;
        uint64_t addr;

        if (line[n - 1] != '\n')
            break; /* a record cut by a crash: ignore it and what follows */
        line[--n] = '\0';
        if (first) {
            first = 0;
            if (strncmp(line, CACHE_MAGIC "\t", strlen(CACHE_MAGIC) + 1) ||
                strcmp(line + strlen(CACHE_MAGIC) + 1, s->ident))
                break; /* another lldb or format: start afresh */
            continue;
        }
        fld[k++] = p;
        for (; *p && k < 7; p++)
            if (*p == '\t') {
                *p = '\0';
                fld[k++] = p + 1;
            }
        if (k != 7)
            continue;
        addr = strtoull(fld[0], NULL, 16);
        if (sym_table_find(s, m, addr))
            continue;
        e = sym_table_add(s, m, addr);
        e->status = !strcmp(fld[1], "1") ? LLDB_OK : LLDB_NONE;
        e->off = strtoull(fld[2], NULL, 10);
        e->line = (unsigned)strtoul(fld[3], NULL, 10);
        e->func = unesc(fld[4], strlen(fld[4]));
        e->inl = unesc(fld[5], strlen(fld[5]));
        e->file = unesc(fld[6], strlen(fld[6]));
        e->from_cache = e->cached_on_disk = 1;
        if (e->status == LLDB_OK && !e->func)
            e->status = LLDB_NONE;
    }
    free(line);
    fclose(f);
}

void
sym_cache_write(struct sym_ctx *s, FILE *diag)
{
    size_t i, j;

    if (!s->cache_dir)
        return;
    if (sym_mkdir_p(s->cache_dir) < 0) {
        if (diag)
            fprintf(diag, "kptrace-batch: cannot create the cache '%s': %s\n", s->cache_dir, strerror(errno));
        return;
    }
    for (i = 0; i < s->ncl; i++) {
        const struct kdk_mod *m = s->cache_loaded[i];
        struct buf b = BUF_INIT;
        char *path = cache_path(s, m);
        struct stat st;
        int fd, fresh;

        for (j = 0; j < s->ne; j++) {
            struct entry *e = &s->e[j];

            if (e->mod != m || e->cached_on_disk || (e->status != LLDB_OK && e->status != LLDB_NONE))
                continue;
            buf_addf(&b, "%" PRIx64 "\t%d\t%" PRIu64 "\t%u\t", e->addr, e->status == LLDB_OK, e->off, e->line);
            esc(&b, e->func);
            buf_addc(&b, '\t');
            esc(&b, e->inl);
            buf_addc(&b, '\t');
            esc(&b, e->file);
            buf_addc(&b, '\n');
            e->cached_on_disk = 1;
        }
        if (b.len) {
            /* a file from another lldb or format is replaced, else appended to */
            fresh = stat(path, &st) < 0;
            if (!fresh) {
                FILE *f = fopen(path, "r");
                char hdr[512] = "";

                if (!f || !fgets(hdr, sizeof(hdr), f) || strncmp(hdr, CACHE_MAGIC "\t", strlen(CACHE_MAGIC) + 1) ||
                    strncmp(hdr + strlen(CACHE_MAGIC) + 1, s->ident, strlen(s->ident)))
                    fresh = 1;
                if (f)
                    fclose(f);
            }
            fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : O_APPEND), 0600);
            if (fd >= 0) {
                struct buf h = BUF_INIT;
                ssize_t w = 0;

                if (fresh) {
                    buf_addf(&h, "%s\t%s\n", CACHE_MAGIC, s->ident);
                    w = write(fd, h.data, h.len);
                }
                if (w >= 0)
                    w = write(fd, b.data, b.len);
                if (w < 0 && diag)
                    fprintf(diag, "kptrace-batch: cannot write the cache: %s\n", strerror(errno));
                buf_release(&h);
                close(fd);
            }
        }
        buf_release(&b);
        free(path);
    }
}
