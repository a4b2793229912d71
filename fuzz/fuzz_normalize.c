/*
 * fuzz_normalize.c - message cleaning, masking and frame-name reduction: bounded output,
 * and masking and reducing twice change nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct clu_rules *c;
    struct arena *a = arena_new(65536);
    char *s = malloc(size + 1);
    const char *clean, *m1, *m2, *n1, *n2;

    if (!c)
        c = clu_rules_new();
    memcpy(s, data, size);
    s[size] = '\0';
    clean = clu_clean_message(c, a, s);
    if (strlen(clean) > size)
        abort();
    m1 = clu_mask(a, clean, 160);
    m2 = clu_mask(a, m1, 160);
    if (strlen(m1) > 160 || strcmp(m1, m2))
        abort();
    n1 = clu_reduce_name(c, a, s);
    n2 = clu_reduce_name(c, a, n1);
    if (strcmp(n1, n2))
        abort();
    free(s);
    arena_free(a);
    return 0;
}
