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
    struct buf err = BUF_INIT;

    kpt_limits_default(&lim);
    kpt_report_init(&r, a, "fuzz");
    if (ing_plist_parse((const char *)data, size, &lim, a, &r, &err) < 0 && !err.len &&
        !r.error) /* every refusal says why */
        abort();
    buf_release(&err);
    arena_free(a);
    return 0;
}
