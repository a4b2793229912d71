/*
 * fuzz_text.c - the panic-text grammar on its own (kinds A and D), with invariants: frames
 * and kext lines within their limits, every kext range well formed, strings NUL-free.
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
    char *text = malloc(size + 1);
    size_t i;

    kpt_limits_default(&lim);
    lim.max_frames = 64;
    lim.max_kexts = 16;
    lim.max_line_bytes = 4096;
    memcpy(text, data, size);
    for (i = 0; i < size; i++)
        if (!text[i])
            text[i] = '?'; /* the text grammar is handed NUL-free text */
    text[size] = '\0';
    kpt_report_init(&r, a, "fuzz");
    ing_text_parse(text, size, &lim, a, &r);
    if (r.nframes > lim.max_frames || r.nkexts > lim.max_kexts || r.nloaded > lim.max_kexts)
        abort();
    for (i = 0; i < r.nkexts; i++)
        if (!r.kexts[i].id || !*r.kexts[i].id ||
            (r.kexts[i].has_end && r.kexts[i].end < r.kexts[i].start))
            abort();
    if (r.panic_string && strlen(r.panic_string) > KPT_MAX_MESSAGE_BYTES)
        abort();
    free(text);
    arena_free(a);
    return 0;
}
