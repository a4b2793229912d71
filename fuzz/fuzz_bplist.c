/*
 * fuzz_bplist.c - binary property lists: the depth check before libplist, libplist, the XML
 * reader after it. Rejects with a reason or reads a report; never recurses past its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(65536);
    struct kpt_limits lim;
    struct kpt_report r;
    struct buf err = BUF_INIT;
    int whole = size >= 8 && !memcmp(data, "bplist00", 8); /* a seed file as it is */
    size_t n = whole ? size : size + 8;
    char *copy = malloc(n + 1);

    if (!copy)
        return 0;
    /* every input is a bplist: the magic, then the fuzzer's bytes */
    memcpy(copy, "bplist00", 8);
    if (size)
        memcpy(copy + (whole ? 0 : 8), data, size);
    kpt_limits_default(&lim);
    kpt_report_init(&r, a, "fuzz");
    if (ing_bplist_parse(copy, n, &lim, a, &r, &err) < 0 && !err.len &&
        !r.error) /* every refusal says why */
        abort();
    buf_release(&err);
    free(copy);
    arena_free(a);
    return 0;
}
