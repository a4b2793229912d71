/*
 * fuzz_kcache.c - the catalogue cache reader (readers/rd_catalogue.c) on any bytes, half of
 * them after a valid first line: no line is both kept and skipped, none is counted twice, and
 * every line kept holds what the tool writes (a kind, a path without control characters, no
 * more slices than a Mach-O holds, segments that do not wrap, both Info.plist names or none).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/rd.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
clean(const char *s, size_t max)
{
    size_t n = strlen(s), i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return n && n <= max;
}

static void
check(const struct kpt_catalogue_entry *e)
{
    size_t i;

    if ((e->kind != 'M' && e->kind != 'P') || !clean(e->path, KPT_CATALOGUE_PATH_MAX) ||
        e->nslices > KPT_CATALOGUE_SLICES || (!e->id != !e->exe))
        abort();
    if (e->kind == 'M' && e->id)
        abort();
    if (e->id && (!clean(e->id, KPT_CATALOGUE_NAME_MAX) || !clean(e->exe, KPT_CATALOGUE_NAME_MAX) ||
                  strchr(e->exe, '/')))
        abort();
    for (i = 0; i < e->nslices; i++) {
        const struct kpt_catalogue_slice *s = &e->sl[i];

        if (s->cputype < 0 || s->cpusubtype < 0 ||
            (s->has_text && s->text_size > UINT64_MAX - s->text_vm) ||
            (s->has_exec && s->exec_size > UINT64_MAX - s->exec_vm))
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kpt_catalogue c;
    struct buf b = BUF_INIT;
    size_t lines = 0, i;
    int ret;

    if (size && (data[0] & 1))
        buf_addf(&b, "%s\n", KPT_CATALOGUE_MAGIC);
    buf_add(&b, data, size);
    for (i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    ret = rd_catalogue_parse(b.data, b.len, &c, NULL);
    if (c.n + c.bad > lines + 1 || (ret < 0 && c.n) || c.n > KPT_CATALOGUE_ENTRIES)
        abort();
    for (i = 0; i < c.n; i++)
        check(&c.e[i]);
    kpt_catalogue_release(&c);
    buf_release(&b);
    return 0;
}
