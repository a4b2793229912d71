#include "util/pathcmp.h"

#include <string.h>

int
path_walk_cmp_n(const char *a, size_t la, const char *b, size_t lb)
{
    const char *ea = a + la, *eb = b + lb;

    for (;;) {
        const char *sa = memchr(a, '/', (size_t)(ea - a)), *sb = memchr(b, '/', (size_t)(eb - b));
        size_t na = (size_t)((sa ? sa : ea) - a), nb = (size_t)((sb ? sb : eb) - b),
               n = na < nb ? na : nb;
        int c = memcmp(a, b, n);

        if (c)
            return c;
        if (na != nb)
            return na < nb ? -1 : 1;
        a += na;
        b += nb;
        if (a == ea || b == eb)
            return a == ea && b == eb ? 0 : a == ea ? -1 : 1;
        a++;
        b++;
    }
}

int
path_walk_cmp(const char *a, const char *b)
{
    return path_walk_cmp_n(a, strlen(a), b, strlen(b));
}
