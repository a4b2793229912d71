/*
 * driver.c - runs a libFuzzer target on files named on the command line (or on standard
 * input), where libFuzzer itself is not linked in. Keeps every target built and runnable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_stream(FILE *f)
{
    size_t cap = 1 << 16, n = 0, k;
    uint8_t *buf = malloc(cap);

    if (!buf)
        return 1;
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);

            if (!nb) {
                free(buf);
                return 1;
            }
            buf = nb;
            cap *= 2;
        }
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int
main(int argc, char **argv)
{
    int i;

    if (argc < 2)
        return run_stream(stdin);
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");

        if (!f) {
            perror(argv[i]);
            return 1;
        }
        if (run_stream(f))
            return 1;
        fclose(f);
    }
    return 0;
}
