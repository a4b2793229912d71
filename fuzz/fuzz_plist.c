/*
 * fuzz_plist.c - the XML property-list reader: never reads a file or the network (libxml2
 * runs with NONET and no entity substitution), rejects with a reason or reads a report.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/ing_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(65536);
    struct kpt_limits lim;
    struct kpt_report r;

    kpt_limits_default(&lim);
    kpt_report_init(&r, a, "fuzz");
    if (ing_plist_parse((const char *)data, size, &lim, a, &r) < 0 && !r.error)
        abort();
    arena_free(a);
    return 0;
}
