/*
 * fuzz_journal.c - the commit journal reader (util/outcommit.c): a journal left in an output
 * folder is read by the next run, which renames and removes files by what it lists. Refused
 * whole, or every entry an absolute output whose temporary and backup names are its own
 * name plus ".tmp." and ".kpt-old." (nothing else can be touched), the state 'R' or 'F'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/outcommit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check(void *ctx, int state, const struct outfile_jentry *e)
{
    size_t n = strlen(e->dest);

    (*(size_t *)ctx)++;
    if ((state != 'R' && state != 'F') || e->dest[0] != '/' || strncmp(e->tmp, e->dest, n) ||
        strncmp(e->tmp + n, ".tmp.", 5) ||
        (e->old[0] && (strncmp(e->old, e->dest, n) || strncmp(e->old + n, ".kpt-old.", 9))))
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t seen = 0;

    if (outfile_journal_parse((const char *)data, size, check, &seen) < 0 && seen)
        abort(); /* refused after acting on an entry */
    return 0;
}
