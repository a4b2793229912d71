/* cursor.c - the cursors of cursor.h. */
#include <ctype.h>
#include <string.h>

#include "util/cursor.h"
#include "util/err.h"
#include "util/hex.h"

int
cur_lit(const char **p, const char *end, const char *s)
{
    size_t n = strlen(s);

    if ((size_t)(end - *p) < n || memcmp(*p, s, n))
        return KPT_E_PARSE;
    *p += n;
    return 0;
}

void
cur_skip_blank(const char **p, const char *end)
{
    *p = cur_past_blank(*p, end);
}

const char *
cur_past_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* "0x" then 1..16 hex digits; *ndig gets the digit count. */
int
cur_hex64(const char **p, const char *end, uint64_t *v, int *ndig)
{
    const char *q = *p;
    uint64_t x = 0;
    int n = 0, d;

    if (cur_lit(&q, end, "0x"))
        return KPT_E_PARSE;
    while (q < end && (d = hex_digit((unsigned char)*q)) >= 0) {
        if (n == 16)
            return KPT_E_PARSE;
        x = x << 4 | (uint64_t)d;
        n++;
        q++;
    }
    if (!n)
        return KPT_E_PARSE;
    *p = q;
    *v = x;
    if (ndig)
        *ndig = n;
    return 0;
}

int
cur_dec(const char **p, const char *end, uint64_t *v, uint64_t max)
{
    const char *q = *p;
    uint64_t x = 0;

    if (q >= end || !isdigit((unsigned char)*q))
        return KPT_E_PARSE;
    while (q < end && isdigit((unsigned char)*q)) {
        uint64_t d = (uint64_t)(*q - '0');

        /* x * 10 + d > max, asked without computing it (which can wrap past UINT64_MAX) */
        if (d > max || x > (max - d) / 10)
            return KPT_E_PARSE;
        x = x * 10 + d;
        q++;
    }
    *p = q;
    *v = x;
    return 0;
}

int
cur_hex(const char **p, const char *end, uint64_t *v, uint64_t max)
{
    const char *q = *p;
    uint64_t x = 0;
    int d;

    if (q >= end || hex_digit((unsigned char)*q) < 0)
        return KPT_E_PARSE;
    while (q < end && (d = hex_digit((unsigned char)*q)) >= 0) {
        /* x * 16 + d > max, asked without computing it */
        if ((uint64_t)d > max || x > (max - (uint64_t)d) / 16)
            return KPT_E_PARSE;
        x = x << 4 | (uint64_t)d;
        q++;
    }
    *p = q;
    *v = x;
    return 0;
}

int
cur_field_num(const char *s, int base, uint64_t *v, uint64_t max)
{
    const char *p = s, *end = s + strlen(s);
    int ret = base == 16 ? cur_hex(&p, end, v, max) : cur_dec(&p, end, v, max);

    return ret < 0 || p != end ? KPT_E_PARSE : 0;
}
