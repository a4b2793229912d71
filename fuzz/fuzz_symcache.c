/*
 * fuzz_symcache.c - the symbol cache reader (readers/rd_symcache.c) on any bytes, half of them
 * after a valid first line: every record kept is within its bounds, a file without its last
 * newline is never appended to, no line is both kept and skipped, and the records kept,
 * written again as the tool writes them, read back the same and whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "readers/rd.h"
#include "util/buf.h"

#define IDENT "/usr/bin/lldb 1234 5678"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
esc(struct buf *b, const char *v)
{
    for (v = v ? v : ""; *v; v++)
        buf_adds(b, *v == '\t'   ? "\\t"
                    : *v == '\n' ? "\\n"
                    : *v == '\\' ? "\\\\"
                                 : (char[]){ *v, 0 });
}

static int
same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void
check(const struct kpt_symcache_rec *r)
{
    if ((r->func && (!*r->func || strlen(r->func) > KPT_MAX_FUNCTION_NAME)) ||
        (r->inl && (!*r->inl || strlen(r->inl) > KPT_MAX_FUNCTION_NAME)) ||
        (r->file && (!*r->file || strlen(r->file) > KPT_MAX_FILE_NAME)))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kpt_symcache c, again;
    struct buf b = BUF_INIT, w = BUF_INIT;
    size_t i, lines = 0;
    int ret, whole;

    if (size && (data[0] & 1))
        buf_addf(&b, "%s\t%s\n", KPT_SYMCACHE_MAGIC, IDENT);
    buf_add(&b, data, size);
    whole = b.len && b.data[b.len - 1] == '\n';
    for (i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    ret = rd_symcache_parse(b.data, b.len, IDENT, &c, NULL);
    if ((ret < 0) != !c.ours || (c.intact && (!c.ours || !whole)) || (!c.ours && c.n))
        abort();
    if (c.ours && c.n + c.bad > lines) /* the header is one of the lines */
        abort();
    buf_addf(&w, "%s\t%s\n", KPT_SYMCACHE_MAGIC, IDENT);
    for (i = 0; i < c.n; i++) {
        const struct kpt_symcache_rec *r = &c.rec[i];

        check(r);
        buf_addf(&w, "%llx\t%d\t%llu\t%u\t", (unsigned long long)r->addr, r->found,
                 (unsigned long long)r->off, r->line);
        esc(&w, r->func);
        buf_addc(&w, '\t');
        esc(&w, r->inl);
        buf_addc(&w, '\t');
        esc(&w, r->file);
        buf_addc(&w, '\n');
    }
    if (rd_symcache_parse(w.data, w.len, IDENT, &again, NULL) < 0 || !again.intact || again.bad ||
        again.n != c.n)
        abort();
    for (i = 0; i < c.n; i++)
        if (again.rec[i].addr != c.rec[i].addr || again.rec[i].off != c.rec[i].off ||
            again.rec[i].line != c.rec[i].line || again.rec[i].found != c.rec[i].found ||
            !same(again.rec[i].func, c.rec[i].func) || !same(again.rec[i].inl, c.rec[i].inl) ||
            !same(again.rec[i].file, c.rec[i].file))
            abort();
    kpt_symcache_release(&again);
    kpt_symcache_release(&c);
    buf_release(&w);
    buf_release(&b);
    return 0;
}
