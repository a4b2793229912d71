/*
 * cli_word.c - a first operand that is a subcommand misspelled ('merg', 'histroy'): not
 * read as a path (which would be rejected, and with --history recorded as a bogus run).
 */
#include "driver/cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char *const commands[] = { "merge", "triage", "history" };

/* the optimal string alignment distance of a[0..na) and b[0..nb) (edits and swaps of two
 * neighbours, each 1), letters compared without case; both at most 31 bytes */
static size_t
distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t d[32][32], i, j;

    for (i = 0; i <= na; i++)
        d[i][0] = i;
    for (j = 0; j <= nb; j++)
        d[0][j] = j;
    for (i = 1; i <= na; i++)
        for (j = 1; j <= nb; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20; /* ASCII letters only here */
            size_t best = d[i - 1][j - 1] + (ca != cb);

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[na][nb];
}

const char *
cli_near_command(const char *word)
{
    size_t n = strlen(word), i, best = 3;
    const char *near = NULL;
    struct stat st;

    if (n < 3 || n > 31 ||
        strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)
        return NULL; /* no command word: a path */
    if (lstat(word, &st) == 0 || errno != ENOENT)
        return NULL; /* a file (or one that cannot be looked at): read as one */
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        size_t d = distance(word, n, commands[i], strlen(commands[i]));

        if (d < best) {
            best = d;
            near = commands[i];
        }
    }
    return near;
}
