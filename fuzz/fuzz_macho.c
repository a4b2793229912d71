/*
 * fuzz_macho.c - the Mach-O load-command reader: never reads out of bounds, segment names
 * stay terminated, slice count within the bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolicate/sym_macho.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct macho_image im[MACHO_MAX_SLICES];
    int n = macho_parse(data, size, im, MACHO_MAX_SLICES), i;
    size_t k;

    if (n > MACHO_MAX_SLICES)
        abort();
    for (i = 0; i < n; i++)
        for (k = 0; k < im[i].nseg; k++)
            if (strlen(im[i].seg[k].name) > 16)
                abort();
    return 0;
}
