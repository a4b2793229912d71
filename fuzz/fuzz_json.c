/*
 * fuzz_json.c - the .ips / JSON-wrapped container (strict and lenient readers) and the
 * JSON string unescaper: unescaping never grows past its cap, output has no NUL.
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
    struct buf b = BUF_INIT_MAX(1 << 16);
    char *text = malloc(size + 1);
    size_t i;

    kpt_limits_default(&lim);
    memcpy(text, data, size);
    for (i = 0; i < size; i++)
        if (!text[i])
            text[i] = ' ';
    text[size] = '\0';
    kpt_report_init(&r, a, "fuzz");
    /* with the first line as header, and as a header-less body */
    ing_json_parse(text, size, 0, &lim, a, &r, &b);
    arena_clear(a);
    kpt_report_init(&r, a, "fuzz");
    ing_json_parse(text, size, (size_t)-1, &lim, a, &r, &b);
    buf_reset(&b);
    ing_json_unescape((const char *)data, size, &b);
    if (b.len > (1 << 16) || memchr(b.data, '\0', b.len))
        abort();
    buf_release(&b);
    free(text);
    arena_free(a);
    return 0;
}
