/*
 * fuzz_utf16.c - UTF-16 detection and conversion: the output is bounded, every invalid
 * code unit is counted, and a converted report parses like any text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(65536);
    struct kpt_limits lim;
    struct kpt_report r;
    struct buf out = BUF_INIT;
    size_t bom, bad;
    int kind = ing_utf16_kind((const char *)data, size, &bom);

    kpt_limits_default(&lim);
    if (bom > size)
        abort();
    /* converted as little- and big-endian: never over the cap, never more bad units than units */
    if (ing_utf16_to_utf8((const char *)data + bom, size - bom, kind ? kind : 1, 4096, &out,
                          &bad) == 0 &&
        (out.len > 4096 || bad > (size - bom) / 2 + 1))
        abort();
    buf_release(&out);
    kpt_report_init(&r, a, "fuzz");
    if (kind && ing_parse(data, size, &lim, a, &r) < 0 && !r.error)
        abort();
    arena_free(a);
    return 0;
}
