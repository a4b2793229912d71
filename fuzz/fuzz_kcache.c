/*
 * fuzz_kcache.c - the catalogue cache reader (symbolicate/sym_kcache.c) on any bytes: no
 * line is both accepted and skipped, none is counted twice.
 */
#include <stdint.h>
#include <stdlib.h>

#include "symbolicate/sym_kcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kcache *k = kcache_new();
    size_t lines = 0, i, good = kcache_parse(k, (const char *)data, size);

    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (good + kcache_bad(k) > lines + 1)
        abort();
    kcache_free(k);
    return 0;
}
