#include "util/pathcmp.h"

#include <string.h>

int
path_walk_cmp(const char *a, const char *b)
{
    for (;;) {
        size_t na = strcspn(a, "/"), nb = strcspn(b, "/"), n = na < nb ? na : nb;
        int c = memcmp(a, b, n);

        if (c)
            return c;
        if (na != nb)
            return na < nb ? -1 : 1;
        a += na;
        b += nb;
        if (!*a || !*b)
            return !*a && !*b ? 0 : !*a ? -1 : 1;
        a++;
        b++;
    }
}
