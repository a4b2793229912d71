/*
 * rd_symcache.c - a symbol cache file (model/caches.h; symbolicate/sym_cache.c writes it)
 * read back. A record is kept only as this tool writes one: every number whole and in its
 * range, a status of 0 or 1, each name at most its maximum once unescaped, only the escapes
 * the writer makes, no NUL; anything else is skipped and counted. A last record without its
 * newline (a run killed while appending) is skipped too, and the file is then not intact: the
 * next write rewrites it rather than glue a record onto the cut one.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "model/caches.h"
#include "model/model.h"
#include "readers/rd.h"
#include "util/buf.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

/* one escaped name from *p up to the next tab (or end) into *out (NULL when empty): at most
 * max bytes once unescaped, only \t \n \\ escaped, no NUL, no raw newline */
static int
name_field(const char **p, const char *end, size_t max, char **out)
{
    struct buf b = BUF_INIT_MAX(max + 1);
    const char *q = *p;

    *out = NULL;
    for (; q < end && *q != '\t'; q++) {
        char c = *q;

        if (c == '\0' || c == '\n')
            goto bad;
        if (c == '\\') {
            if (++q == end)
                goto bad;
            c = *q == 't' ? '\t' : *q == 'n' ? '\n' : *q == '\\' ? '\\' : '\0';
            if (!c)
                goto bad;
        }
        if (b.len == max || buf_addc(&b, c) < 0)
            goto bad;
    }
    *p = q;
    if (b.len)
        *out = buf_detach(&b, NULL);
    return KPT_OK;
bad:
    buf_release(&b);
    return KPT_E_PARSE;
}

/* one record, [p, end) without its newline, into r (names owned); KPT_E_PARSE: not one */
static int
record(const char *p, const char *end, struct kpt_symcache_rec *r)
{
    uint64_t line;

    memset(r, 0, sizeof(*r));
    if (cur_hex(&p, end, &r->addr, UINT64_MAX) || cur_lit(&p, end, "\t"))
        return KPT_E_PARSE;
    if (!cur_lit(&p, end, "1\t"))
        r->found = 1;
    else if (cur_lit(&p, end, "0\t"))
        return KPT_E_PARSE;
    if (cur_dec(&p, end, &r->off, UINT64_MAX) || cur_lit(&p, end, "\t") ||
        cur_dec(&p, end, &line, UINT_MAX) || cur_lit(&p, end, "\t"))
        return KPT_E_PARSE;
    r->line = (unsigned)line; /* at most UINT_MAX, checked */
    if (name_field(&p, end, KPT_MAX_FUNCTION_NAME, &r->func) || cur_lit(&p, end, "\t") ||
        name_field(&p, end, KPT_MAX_FUNCTION_NAME, &r->inl) || cur_lit(&p, end, "\t") ||
        name_field(&p, end, KPT_MAX_FILE_NAME, &r->file) || p != end) {
        free(r->func);
        free(r->inl);
        free(r->file);
        memset(r, 0, sizeof(*r));
        return KPT_E_PARSE;
    }
    return KPT_OK;
}

int
rd_symcache_parse(const char *data, size_t len, const char *ident, struct kpt_symcache *c,
                  struct buf *err)
{
    const char *p = data, *end = data + len, *nl;
    struct kpt_symcache_rec r;

    memset(c, 0, sizeof(*c));
    /* the header names this format and this lldb, or nothing in the file is used */
    if (!len || !(nl = memchr(p, '\n', len)) || cur_lit(&p, nl, KPT_SYMCACHE_MAGIC "\t") ||
        (size_t)(nl - p) != strlen(ident) || memcmp(p, ident, (size_t)(nl - p)))
        return kpt_fail(err, KPT_E_FORMAT, "not a symbol cache of this format and lldb");
    c->ours = 1;
    c->intact = data[len - 1] == '\n';
    for (p = nl + 1; p < end; p = nl + 1) {
        if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
            c->bad++; /* cut by a crash */
            break;
        }
        if (c->n >= KPT_SYMCACHE_RECORDS || record(p, nl, &r) < 0) {
            c->bad++;
            continue;
        }
        VEC_GROW(c->rec, c->n + 1, c->cap);
        c->rec[c->n++] = r;
    }
    return KPT_OK;
}

int
rd_symcache_load(const char *path, const char *ident, struct kpt_symcache *c, struct buf *err)
{
    char *data;
    size_t len;
    int ret;

    memset(c, 0, sizeof(*c));
    /* a regular file only (a FIFO or a link to a device is refused, not waited on) */
    if ((ret = read_regular(path, KPT_SYMCACHE_FILE_MAX, &data, &len, err)) < 0)
        return ret;
    ret = rd_symcache_parse(data, len, ident, c, err);
    free(data);
    return ret;
}
