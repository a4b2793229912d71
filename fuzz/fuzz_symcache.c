/*
 * fuzz_symcache.c - the symbol cache reader (symbolicate/sym_cache.c) on any bytes after a
 * valid first line: every record kept is a bounded answer for one address, and a file
 * without its last newline is never appended to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolicate/sym_int.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sym_opts o;
    struct sym_ctx *s;
    struct kdk_mod m;
    struct buf b = BUF_INIT;
    size_t i;
    int intact, whole;

    memset(&o, 0, sizeof(o));
    o.enabled = 1; /* its ident (the lldb found) heads a valid file */
    o.no_cache = 1;
    s = sym_ctx_new(&o, NULL);
    memset(&m, 0, sizeof(m));
    /* half the inputs after this build's header line, half as they are */
    if (size && (data[0] & 1))
        buf_addf(&b, "kptrace-batch symbol cache v1\t%s\n", s->ident);
    buf_add(&b, data, size);
    whole = b.len && b.data[b.len - 1] == '\n'; /* the parse writes into the text */
    intact = sym_cache_parse(s, &m, b.data ? b.data : (char *)"", b.len);
    if (intact && !whole)
        abort();
    for (i = 0; i < s->ne; i++)
        if ((s->e[i].func && strlen(s->e[i].func) > 2 * KPT_MAX_FUNCTION_NAME) ||
            (s->e[i].file && strlen(s->e[i].file) > 2 * KPT_MAX_FILE_NAME) || s->e[i].mod != &m)
            abort();
    buf_release(&b);
    sym_ctx_free(s);
    return 0;
}
