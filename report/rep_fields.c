/*
 * rep_fields.c - the run's field tables (model.h) as JSON: the --json totals and the state
 * write them with one loop, and the state is read back with another.
 */
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/xalloc.h"

json_t *
rep_jstr(const char *s)
{
    struct buf b = BUF_INIT;
    json_t *j;

    if (!s)
        return json_null();
    rep_utf8(&b, s);
    j = json_stringn(b.data, b.len);
    buf_release(&b);
    return j ? j : json_null();
}

json_t *
rep_jhist(const struct kpt_hist *h)
{
    json_t *o = json_object();
    size_t i;

    for (i = 0; i < h->n; i++) {
        struct buf b = BUF_INIT;

        rep_utf8(&b, h->v[i].value);
        json_object_set_new(o, b.data, json_integer((json_int_t)h->v[i].count));
        buf_release(&b);
    }
    if (h->other)
        json_object_set_new(o, "(others)", json_integer((json_int_t)h->other));
    return o;
}

char *
rep_lossless_enc(const char *p)
{
    struct buf u = BUF_INIT, o = BUF_INIT;
    const unsigned char *s;

    rep_utf8(&u, p);
    if (!strcmp(u.data, p) && !strchr(p, '\\')) {
        buf_release(&o);
        return buf_detach(&u, NULL);
    }
    buf_release(&u);
    for (s = (const unsigned char *)p; *s; s++) {
        if (*s == '\\')
            buf_adds(&o, "\\\\");
        else if (*s >= 0x80)
            buf_addf(&o, "\\x%02x", *s);
        else
            buf_addc(&o, (char)*s);
    }
    return buf_detach(&o, NULL);
}

char *
rep_lossless_dec(const char *p)
{
    struct buf o = BUF_INIT;

    for (; *p; p++) {
        if (p[0] == '\\' && p[1] == '\\') {
            buf_addc(&o, '\\');
            p++;
        } else if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
            char h[3] = { p[2], p[3], 0 };

            buf_addc(&o, (char)strtoul(h, NULL, 16));
            p += 3;
        } else {
            buf_addc(&o, *p);
        }
    }
    return buf_detach(&o, NULL);
}

json_t *
rep_lossless_str(const char *s)
{
    char *e;
    json_t *j;

    if (!s)
        return json_null();
    e = rep_lossless_enc(s);
    j = json_string(e);
    free(e);
    return j ? j : json_null();
}

/* a state's histogram: every value, in its order, bytes kept */
static json_t *
hist_lossless(const struct kpt_hist *h)
{
    json_t *o = json_object(), *v = json_array();
    size_t i;

    for (i = 0; i < h->n; i++) {
        json_t *e = json_pack("[o,I]", rep_lossless_str(h->v[i].value), (json_int_t)h->v[i].count);

        if (h->v[i].example) /* the value's first example, for the fields that keep one */
            json_array_append_new(e, rep_lossless_str(h->v[i].example));
        json_array_append_new(v, e);
    }
    json_object_set_new(o, "v", v);
    json_object_set_new(o, "other", json_integer((json_int_t)h->other));
    return o;
}

static json_t *
field_json(const struct kpt_field *f, const void *obj, int lossless)
{
    const void *p = kpt_field_cptr(f, obj);
    json_t *j;
    size_t i;

    switch (f->type) {
    case KPT_FT_COUNT:
        if (f->n <= 1)
            return json_integer((json_int_t) * (const size_t *)p);
        j = json_object();
        for (i = 0; i < f->n; i++)
            json_object_set_new(j, f->elem(i), json_integer((json_int_t)((const size_t *)p)[i]));
        return j;
    case KPT_FT_INT:
        return json_integer(*(const int *)p);
    case KPT_FT_BOOL:
        return json_boolean(*(const int *)p);
    case KPT_FT_STR:
        return lossless ? rep_lossless_str(*(const char *const *)p) : rep_jstr(*(const char *const *)p);
    case KPT_FT_HIST:
        return lossless ? hist_lossless(p) : rep_jhist(p);
    case KPT_FT_STRV: {
        const struct kpt_strv *l = p;

        j = json_array();
        for (i = 0; i < l->n; i++)
            json_array_append_new(j, lossless ? rep_lossless_str(l->v[i]) : rep_jstr(l->v[i]));
        return j;
    }
    }
    return json_null();
}

json_t *
rep_fields_json(const struct kpt_field *t, const void *obj, int lossless)
{
    json_t *o = json_object();

    for (; t->name; t++)
        json_object_set_new(o, t->name, field_json(t, obj, lossless));
    return o;
}

#define COUNT_MAX ((json_int_t)1 << 53) /* a count no run reaches; JSON's exact integers */

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

static char *
str_in(json_t *v)
{
    return json_is_string(v) ? rep_lossless_dec(json_string_value(v)) : NULL;
}

static void
hist_in(json_t *o, struct kpt_hist *h, int *bad)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(o, "v"), i, e) {
        char *val = str_in(json_array_get(e, 0));
        char *ex = json_array_get(e, 2) ? str_in(json_array_get(e, 2)) : NULL;
        size_t n = count_in(json_array_get(e, 1), bad);

        if (!val || !n || (json_array_get(e, 2) && !ex))
            (*bad)++; /* every value of a histogram was seen at least once */
        kpt_hist_add_ex(h, val ? val : "-", n, ex);
        free(val);
        free(ex);
    }
    h->other += count_in(json_object_get(o, "other"), bad);
}

int
rep_fields_read(const struct kpt_field *t, void *obj, json_t *o)
{
    int bad = 0;

    for (; t->name; t++) {
        json_t *v = json_object_get(o, t->name), *e;
        void *p = kpt_field_ptr(t, obj);
        size_t i;

        switch (t->type) {
        case KPT_FT_COUNT:
            if (t->n <= 1)
                *(size_t *)p = count_in(v, &bad);
            else
                for (i = 0; i < t->n; i++)
                    ((size_t *)p)[i] = count_in(json_object_get(v, t->elem(i)), &bad);
            break;
        case KPT_FT_INT:
            *(int *)p = json_is_integer(v) && json_integer_value(v) >= -1000000 &&
                                json_integer_value(v) <= 1000000
                            ? (int)json_integer_value(v) : 0;
            break;
        case KPT_FT_BOOL:
            *(int *)p = json_is_true(v);
            break;
        case KPT_FT_STR:
            *(const char **)p = str_in(v);
            break;
        case KPT_FT_HIST:
            hist_in(v, p, &bad);
            break;
        case KPT_FT_STRV:
            json_array_foreach(v, i, e)
                if (json_is_string(e)) {
                    char *s = str_in(e);

                    kpt_strv_add(p, s);
                    free(s);
                }
            break;
        }
    }
    return bad ? -1 : 0;
}
