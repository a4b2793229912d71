/*
 * ing_values.c - values inside report lines: build tokens, the kernel version string,
 * dates in the legacy and .ips forms; and marking a report partial.
 */
#include <ctype.h>
#include <string.h>

#include "ingest/ing_text.h"
#include "util/civil.h"
#include "util/err.h"

void
ing_set_partial(struct kpt_report *r, struct arena *a, const char *why)
{
    if (r->status == KPT_ST_REJECTED)
        return;
    r->status = KPT_ST_PARTIAL;
    if (!r->error)
        r->error = arena_strdup(a, why);
}

int
ing_build_token(const char *s, size_t n)
{
    size_t i = 0, k;

    for (k = 0; i < n && isdigit((unsigned char)s[i]); i++)
        k++;
    if (k < 1 || k > 2 || i >= n || !isupper((unsigned char)s[i]))
        return 0;
    i++;
    for (k = 0; i < n && isdigit((unsigned char)s[i]); i++)
        k++;
    if (k < 1 || k > 5)
        return 0;
    if (i < n && islower((unsigned char)s[i]))
        i++;
    return i == n;
}

const char *
ing_build_from_version(struct arena *a, const char *v)
{
    const char *open = strrchr(v, '('), *close;

    if (open && (close = strchr(open, ')')) &&
        ing_build_token(open + 1, (size_t)(close - open - 1)))
        return arena_strndup(a, open + 1, (size_t)(close - open - 1));
    if (ing_build_token(v, strlen(v)))
        return arena_strdup(a, v);
    return NULL;
}

void
ing_parse_kernel_version(struct arena *a, struct kpt_report *r, const char *v)
{
    const char *x = strstr(v, "root:xnu-"), *p, *tilde, *slash, *suf;
    size_t n;

    r->kernel_version = v;
    if (!x)
        return;
    p = x + strlen("root:xnu-");
    for (tilde = p; *tilde && *tilde != '~' && *tilde != '/' && *tilde != ' '; tilde++)
        ;
    if (tilde > p)
        r->xnu = arena_strndup(a, p, (size_t)(tilde - p));
    slash = strchr(tilde, '/');
    if (!slash)
        return;
    suf = slash + 1;
    for (n = 0; suf[n] && (isalnum((unsigned char)suf[n]) || suf[n] == '_'); n++)
        ;
    {
        /* (RELEASE|DEVELOPMENT|KASAN|DEBUG)_(X86_64|ARM64)(_<SOC>)? */
        const char *u = memchr(suf, '_', n);
        char *variant, *soc = NULL;
        size_t i;

        if (!u)
            return;
        variant = arena_strndup(a, suf, (size_t)(u - suf));
        for (i = 0; variant[i]; i++)
            variant[i] = (char)tolower((unsigned char)variant[i]);
        r->variant = variant;
        u++;
        if ((size_t)(suf + n - u) >= 6 && !memcmp(u, "X86_64", 6)) {
            r->arch = KPT_ARCH_X86_64;
        } else if ((size_t)(suf + n - u) >= 5 && !memcmp(u, "ARM64", 5)) {
            r->arch = KPT_ARCH_ARM64;
            if ((size_t)(suf + n - u) > 6 && u[5] == '_') {
                soc = arena_strndup(a, u + 6, (size_t)(suf + n - u - 6));
                for (i = 0; soc[i]; i++)
                    soc[i] = (char)tolower((unsigned char)soc[i]);
                r->soc = soc;
            }
        }
    }
}

static int
month_index(const char *s)
{
    static const char *const m[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    int i;

    for (i = 0; i < 12; i++)
        if (!memcmp(s, m[i], 3))
            return i + 1;
    return 0;
}

/* "Sat Jun 13 17:31:08 2015" (day may be space-padded) */
int
ing_date_line(struct ing_tp *t, const struct ing_line *l)
{
    static const char *const days[] = { "Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun " };
    const char *p = l->s, *end = l->s + l->n;
    uint64_t d, hh, mm, ss, y;
    int mon, i, ok = 0;

    if (l->n < 20 || l->n > 26)
        return KPT_E_PARSE;
    for (i = 0; i < 7; i++)
        if (!cur_lit(&p, end, days[i])) {
            ok = 1;
            break;
        }
    if (!ok || end - p < 4 || !(mon = month_index(p)) || p[3] != ' ')
        return KPT_E_PARSE;
    p += 4;
    cur_skip_blank(&p, end);
    if (cur_dec(&p, end, &d, 31) || cur_lit(&p, end, " ") || cur_dec(&p, end, &hh, 23) ||
        cur_lit(&p, end, ":") || cur_dec(&p, end, &mm, 59) || cur_lit(&p, end, ":") ||
        cur_dec(&p, end, &ss, 60) || cur_lit(&p, end, " ") || cur_dec(&p, end, &y, 9999) ||
        p != end || !d)
        return KPT_E_PARSE;
    if (!t->r->has_when) {
        t->r->when = civil_days((int64_t)y, (unsigned)mon, (unsigned)d) * 86400 +
                     (int64_t)(hh * 3600 + mm * 60 + ss);
        t->r->has_when = 1;
        t->r->when_local = 1;
    }
    return 0;
}

int
ing_parse_ips_time(const char *s, int64_t *out)
{
    const char *p = s, *end = s + strlen(s);
    uint64_t y, mo, d, hh, mm, ss, tz;
    int64_t v;
    int sign;

    if (cur_dec(&p, end, &y, 9999) || cur_lit(&p, end, "-") || cur_dec(&p, end, &mo, 12) ||
        cur_lit(&p, end, "-") || cur_dec(&p, end, &d, 31) ||
        (cur_lit(&p, end, " ") && cur_lit(&p, end, "T")) || cur_dec(&p, end, &hh, 23) ||
        cur_lit(&p, end, ":") || cur_dec(&p, end, &mm, 59) || cur_lit(&p, end, ":") ||
        cur_dec(&p, end, &ss, 60) || !mo || !d)
        return KPT_E_PARSE;
    if (p < end && *p == '.') {
        p++;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    v = civil_days((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
        (int64_t)(hh * 3600 + mm * 60 + ss);
    cur_skip_blank(&p, end);
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (end - p < 4 || cur_dec(&p, end, &tz, 2359))
            return KPT_E_PARSE;
        v -= sign * (int64_t)((tz / 100) * 3600 + (tz % 100) * 60);
    }
    *out = v;
    return 0;
}
