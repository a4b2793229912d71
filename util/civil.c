#include "util/civil.h"
#include "util/err.h"

#include <ctype.h>
#include <string.h>

int64_t
civil_days(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int
num(const char **p, int digits, unsigned max, unsigned *v)
{
    unsigned x = 0;
    int i;

    for (i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return KPT_E_PARSE;
        x = x * 10 + (unsigned)((*p)[i] - '0');
    }
    if (x > max)
        return KPT_E_PARSE;
    *p += digits;
    *v = x;
    return 0;
}

int
civil_parse_date(const char *s, int64_t *out)
{
    const char *p = s;
    unsigned y, mo, d, hh = 0, mm = 0, ss = 0;

    static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (num(&p, 4, 9999, &y) || *p++ != '-' || num(&p, 2, 12, &mo) || *p++ != '-' ||
        num(&p, 2, 31, &d) || !mo || !d)
        return KPT_E_PARSE;
    /* a day the month has: 2026-02-31 is no date (not March 3) */
    if (d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return KPT_E_PARSE;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (num(&p, 2, 23, &hh) || *p++ != ':' || num(&p, 2, 59, &mm))
            return KPT_E_PARSE;
        if (*p == ':' && (p++, num(&p, 2, 60, &ss)))
            return KPT_E_PARSE;
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return KPT_E_PARSE;
    *out = civil_days(y, mo, d) * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
    return 0;
}
