/*
 * rd_fields.c - the model's tables read back from JSON: a state's counts, histograms and
 * lists (kpt_field), and the scalars of its clusters and report rows (kpt_scalar), each
 * checked against its type. The writers are report/rep_fields.c's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/rd_int.h"
#include "util/buf.h"
#include "util/civil.h"
#include "util/cursor.h"
#include "util/hex.h"
#include "util/err.h"
#include "util/xalloc.h"

#define COUNT_MAX ((json_int_t)1 << 53) /* a count no run reaches; JSON's exact integers */

char *
rd_lossless_dec(const char *p)
{
    struct buf o = BUF_INIT;
    int hi, lo;

    buf_adds(&o, "");
    for (; *p; p++) {
        if (*p != '\\') {
            buf_addc(&o, *p);
        } else if (p[1] == '\\') {
            buf_addc(&o, '\\');
            p++;
        } else if (p[1] == 'x' && (hi = hex_digit((unsigned char)p[2])) >= 0 &&
                   (lo = hex_digit((unsigned char)p[3])) >= 0 && (hi | lo)) {
            buf_addc(&o, (char)(hi << 4 | lo));
            p += 3;
        } else {
            buf_release(&o);
            return NULL;
        }
    }
    return buf_detach(&o, NULL);
}

int
rd_is_hex16(const char *s)
{
    size_t i;

    for (i = 0; s && i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s && !s[16];
}

/* a count: absent is 0; anything but an integer from 0 to COUNT_MAX is bad (*bad counted) */
static size_t
count_in(json_t *v, int *bad)
{
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > COUNT_MAX) {
        (*bad)++;
        return 0;
    }
    return (size_t)json_integer_value(v);
}

/* a lossless string: NULL when absent, null or no string; a bad escape is bad */
static char *
str_in(json_t *v, int *bad)
{
    char *s;

    if (!json_is_string(v))
        return NULL;
    if (!(s = rd_lossless_dec(json_string_value(v))))
        (*bad)++;
    return s;
}

static void
hist_in(json_t *o, struct kpt_hist *h, int *bad)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(o, "v"), i, e)
    {
        char *val = str_in(json_array_get(e, 0), bad);
        char *ex = json_array_get(e, 2) ? str_in(json_array_get(e, 2), bad) : NULL;
        size_t n = count_in(json_array_get(e, 1), bad);

        if (!val || !n || (json_array_get(e, 2) && !ex))
            (*bad)++; /* every value of a histogram was seen at least once */
        kpt_hist_add_ex(h, val ? val : "-", n, ex);
        free(val);
        free(ex);
    }
    h->other += count_in(json_object_get(o, "other"), bad);
}

static void
field_in(const struct kpt_field *t, void *p, json_t *v, int *bad)
{
    json_t *e;
    size_t i;

    switch (t->type) {
    case KPT_FT_COUNT:
        if (t->n <= 1)
            *(size_t *)p = count_in(v, bad);
        else
            for (i = 0; i < t->n; i++)
                ((size_t *)p)[i] = count_in(json_object_get(v, t->elem(i)), bad);
        break;
    case KPT_FT_INT:
        *(int *)p = json_is_integer(v) && json_integer_value(v) >= -1000000 &&
                            json_integer_value(v) <= 1000000
                        ? (int)json_integer_value(v)
                        : 0;
        break;
    case KPT_FT_BOOL: *(int *)p = json_is_true(v); break;
    case KPT_FT_STR: *(const char **)p = str_in(v, bad); break;
    case KPT_FT_HIST: hist_in(v, p, bad); break;
    case KPT_FT_STRV:
        json_array_foreach(v, i, e)
        {
            char *s = str_in(e, bad);

            if (s)
                strv_push(p, s);
            free(s);
        }
        break;
    }
}

int
rd_fields_read(const struct kpt_field *t, void *obj, json_t *o)
{
    int bad = 0;

    for (; t->name; t++)
        field_in(t, kpt_field_ptr(t, obj), json_object_get(o, t->name), &bad);
    return bad ? KPT_E_PARSE : 0;
}

/* ---- scalars ---- */

/* a string as a state keeps it (a NULL: lossless, malloc'd) or as --json shows it (in a) */
static int
text_in(json_t *v, struct arena *a, int lossless, char **out)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return KPT_E_PARSE;
    if (a && !lossless) {
        *out = arena_strdup(a, json_string_value(v));
        return 0;
    }
    if (!(*out = rd_lossless_dec(json_string_value(v))))
        return KPT_E_PARSE;
    if (a) {
        char *s = *out;

        *out = arena_strdup(a, s);
        free(s);
    }
    return 0;
}

/* a JSON integer from lo to hi */
static int
int_in(json_t *v, json_int_t lo, json_int_t hi, json_int_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return KPT_E_PARSE;
    *out = json_integer_value(v);
    return 0;
}

/* 16 lowercase hex digits' value */
static uint64_t
hex16_value(const char *s)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < 16; i++)
        v = v << 4 | (uint64_t)hex_digit((unsigned char)s[i]);
    return v;
}

static int
enum_in(const struct kpt_scalar *f, json_t *v, int *out)
{
    int i;

    for (i = 0; i < f->nnames; i++) {
        const char *n = f->name(i);

        if (json_is_null(v) ? !n : n && json_is_string(v) && !strcmp(n, json_string_value(v))) {
            *out = i;
            return 0;
        }
    }
    return KPT_E_PARSE;
}

/* "0x" and 16 hex digits */
static int
addr_in(json_t *v, uint64_t *out)
{
    const char *p, *end;
    int ndig;

    if (!json_is_string(v))
        return KPT_E_PARSE;
    p = json_string_value(v);
    end = p + json_string_length(v);
    return cur_hex64(&p, end, out, &ndig) == 0 && ndig == 16 && p == end ? 0 : KPT_E_PARSE;
}

/* a time as --json shows it: its flags at aux (known) and aux2 (local: no Z) */
static int
time_in(const struct kpt_scalar *f, char *obj, json_t *v)
{
    const char *s;

    obj[f->aux] = obj[f->aux2] = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || !*(s = json_string_value(v)) ||
        civil_parse_date(s, (int64_t *)(obj + f->off)) < 0)
        return KPT_E_PARSE;
    obj[f->aux] = 1;
    obj[f->aux2] = s[strlen(s) - 1] != 'Z';
    return 0;
}

/* a list of strings; an inline array holds at most f->n */
static int
strs_in(const struct kpt_scalar *f, char *obj, json_t *v, struct arena *a, int lossless)
{
    size_t i, n = json_array_size(v), *count = (size_t *)(obj + f->aux);
    char **out;
    json_t *e;

    if (v && !json_is_null(v) && !json_is_array(v))
        return KPT_E_PARSE;
    if (f->n && n > f->n)
        return KPT_E_PARSE;
    out = f->n ? (char **)(obj + f->off) : xcalloc(n + 1, sizeof(*out));
    if (!f->n)
        *(char ***)(obj + f->off) = out;
    *count = 0;
    json_array_foreach(v, i, e)
    {
        if (text_in(e, a, lossless, &out[*count]) < 0 || !out[*count])
            return KPT_E_PARSE;
        (*count)++;
    }
    return 0;
}

/* reports' seqs: integers from 0 to 2^53 */
static int
seqs_in(const struct kpt_scalar *f, char *obj, json_t *v)
{
    size_t i, n = json_array_size(v), *count = (size_t *)(obj + f->aux);
    size_t *out = xcalloc(n + 1, sizeof(*out));
    json_int_t x;
    json_t *e;

    *(size_t **)(obj + f->off) = out;
    *(size_t *)(obj + f->aux2) = n + 1;
    *count = 0;
    if (v && !json_is_null(v) && !json_is_array(v))
        return KPT_E_PARSE;
    json_array_foreach(v, i, e)
    {
        if (int_in(e, 0, COUNT_MAX, &x) < 0)
            return KPT_E_PARSE;
        out[(*count)++] = (size_t)x;
    }
    return 0;
}

static int
scalar_in(const struct kpt_scalar *f, char *obj, json_t *v, struct arena *a)
{
    void *p = obj + f->off;
    int none = !v || json_is_null(v), lossless = !a || (f->in & KPT_IN_LOSSLESS);
    json_int_t x = 0;

    switch (f->type) {
    case KPT_SC_STR: return text_in(v, a, lossless, (char **)p);
    case KPT_SC_KEY:
        if (text_in(v, a, lossless, (char **)p) < 0 || (*(char **)p && !rd_is_hex16(*(char **)p)))
            return KPT_E_PARSE;
        if (f->in & KPT_IN_KEYVAL)
            *(uint64_t *)(obj + f->aux) = *(char **)p ? hex16_value(*(char **)p) : 0;
        return 0;
    case KPT_SC_COUNT:
    case KPT_SC_SEQ:
        if (!none && int_in(v, 0, COUNT_MAX, &x) < 0)
            return KPT_E_PARSE;
        *(size_t *)p = none && f->type == KPT_SC_SEQ ? SIZE_MAX : (size_t)x;
        return 0;
    case KPT_SC_TIME:
        if (a)
            return time_in(f, obj, v);
        /* fall through - a state keeps the number */
    case KPT_SC_I64:
        if (!none && int_in(v, INT64_MIN, INT64_MAX, &x) < 0)
            return KPT_E_PARSE;
        *(int64_t *)p = (int64_t)x;
        return 0;
    case KPT_SC_FLAG:
        if (!none && !json_is_boolean(v))
            return KPT_E_PARSE;
        *(unsigned char *)p = json_is_true(v);
        return 0;
    case KPT_SC_INT:
        if (!none && int_in(v, 0, INT32_MAX, &x) < 0)
            return KPT_E_PARSE;
        *(int *)p = none ? -1 : (int)x;
        return 0;
    case KPT_SC_ENUM: return enum_in(f, v, (int *)p);
    case KPT_SC_UUID:
        obj[f->aux] = !none;
        return none                ? 0
               : json_is_string(v) ? kpt_uuid_parse(json_string_value(v), json_string_length(v), p)
                                   : -1;
    case KPT_SC_ADDR: obj[f->aux] = !none; return none ? 0 : addr_in(v, p);
    case KPT_SC_STRS: return strs_in(f, obj, v, a, lossless);
    case KPT_SC_SEQS: return seqs_in(f, obj, v);
    case KPT_SC_PART: break;
    }
    return 0;
}

int
rd_scalars_read(const struct kpt_scalar *t, unsigned in, void *obj, json_t *o, struct arena *a,
                const char **bad_key)
{
    json_t *v;

    for (; t->key; t++)
        if ((t->in & in) == in && t->type != KPT_SC_PART && (v = json_object_get(o, t->key)) &&
            scalar_in(t, obj, v, a) < 0) {
            *bad_key = t->key;
            return KPT_E_PARSE;
        }
    return 0;
}
