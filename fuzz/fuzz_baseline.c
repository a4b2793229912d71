/*
 * fuzz_baseline.c - the --baseline reader (readers/rd_baseline.c, an earlier run's clusters
 * CSV): refused with a reason, or every entry a 16-hex key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/rd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kpt_baseline b;
    struct buf err = BUF_INIT;
    size_t i;

    if (rd_baseline_parse((const char *)data, size, "fuzz", &b, &err) < 0) {
        if (!err.len)
            abort();
    } else {
        for (i = 0; i < b.n; i++)
            if (!b.v[i].id || strlen(b.v[i].id) != 16)
                abort();
        kpt_baseline_release(&b);
    }
    buf_release(&err);
    return 0;
}
