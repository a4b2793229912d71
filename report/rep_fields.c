/*
 * rep_fields.c - the run's field tables (model.h) as JSON: the --json totals, clusters and
 * report rows and the state write them with one loop each (readers/ reads them back).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/esc.h"
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

void
rep_path_shown(struct buf *out, const char *path)
{
    char *e = rep_lossless_enc(path);
    size_t i, n = strlen(e);

    for (i = 0; i < n; i++) {
        unsigned cp;
        size_t k = esc_special((const unsigned char *)e + i, n - i, &cp);

        if (k && cp != '\t' && cp != '\n' && cp != '\r') { /* as rep_csv_cell() shows them */
            esc_visible(out, cp);
            i += k - 1;
        } else {
            buf_addc(out, e[i]);
        }
    }
    free(e);
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
    case KPT_FT_INT: return json_integer(*(const int *)p);
    case KPT_FT_BOOL: return json_boolean(*(const int *)p);
    case KPT_FT_STR:
        return lossless ? rep_lossless_str(*(const char *const *)p)
                        : rep_jstr(*(const char *const *)p);
    case KPT_FT_HIST: return lossless ? hist_lossless(p) : rep_jhist(p);
    case KPT_FT_STRV: {
        const struct strv *l = p;

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

/* a flag byte of obj */
static int
flag_at(const void *obj, size_t off)
{
    return *((const unsigned char *)obj + off) != 0;
}

static json_t *
strs_json(const struct kpt_scalar *f, const void *p, size_t n, int lossless)
{
    char *const *v = f->n ? (char *const *)p : *(char *const *const *)p;
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, lossless ? rep_lossless_str(v[i]) : rep_jstr(v[i]));
    return a;
}

json_t *
rep_scalar_json(const struct kpt_scalar *f, const void *obj, int state, struct arena *a)
{
    const void *p = (const char *)obj + f->off;
    int lossless = state || (f->in & KPT_IN_LOSSLESS);
    size_t i, n = f->type == KPT_SC_STRS || f->type == KPT_SC_SEQS
                      ? *(const size_t *)((const char *)obj + f->aux)
                      : 0;
    json_t *j;

    switch (f->type) {
    case KPT_SC_STR:
    case KPT_SC_KEY:
        return lossless ? rep_lossless_str(*(const char *const *)p)
                        : rep_jstr(*(const char *const *)p);
    case KPT_SC_COUNT: return json_integer((json_int_t) * (const size_t *)p);
    case KPT_SC_SEQ:
        return *(const size_t *)p == SIZE_MAX ? json_null()
                                              : json_integer((json_int_t) * (const size_t *)p);
    case KPT_SC_I64: return json_integer((json_int_t) * (const int64_t *)p);
    case KPT_SC_TIME:
        if (state)
            return json_integer((json_int_t) * (const int64_t *)p);
        return flag_at(obj, f->aux)
                   ? rep_jstr(kpt_time_text(a, *(const int64_t *)p, flag_at(obj, f->aux2)))
                   : json_null();
    case KPT_SC_FLAG: return json_boolean(*(const unsigned char *)p);
    case KPT_SC_INT: return *(const int *)p >= 0 ? json_integer(*(const int *)p) : json_null();
    case KPT_SC_ENUM: return rep_jstr(f->name(*(const int *)p));
    case KPT_SC_UUID: return flag_at(obj, f->aux) ? rep_jstr(kpt_uuid_text(a, p)) : json_null();
    case KPT_SC_ADDR:
        return flag_at(obj, f->aux)
                   ? rep_jstr(arena_printf(a, "0x%016" PRIx64, *(const uint64_t *)p))
                   : json_null();
    case KPT_SC_STRS: return strs_json(f, p, n, lossless);
    case KPT_SC_SEQS:
        j = json_array();
        for (i = 0; i < n; i++)
            json_array_append_new(j, json_integer((json_int_t)(*(const size_t *const *)p)[i]));
        return j;
    case KPT_SC_PART: break;
    }
    return json_null();
}
