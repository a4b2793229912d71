/*
 * rep_hitems.c - a cluster's history (--history), item by item: --json's "history" object
 * walks rep_hist_items in its order, and the clusters CSV's history columns name its items
 * (rep_csv.c). Each item carries its writers: its JSON value and its text.
 */
#include "report/rep.h"
#include "report/rep_int.h"

static const struct kpt_cluster_hist *
hist(const struct rep_src *x)
{
    return &x->s->hist->clusters[x->i];
}

/* a list of counts, or of strings: a JSON array, or text with one space between */
static json_t *
counts_json(const size_t *v, size_t n)
{
    json_t *j = json_array();
    size_t k;

    for (k = 0; k < n; k++)
        json_array_append_new(j, json_integer((json_int_t)v[k]));
    return j;
}

static void
counts_text(struct buf *b, const size_t *v, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        buf_addf(b, "%s%zu", k ? " " : "", v[k]);
}

static json_t *
j_flag(const struct rep_src *x)
{
    return hist(x)->flag ? json_string(kpt_hflag_name(hist(x)->flag)) : json_null();
}

static json_t *
j_status(const struct rep_src *x)
{
    return json_string(kpt_triage_name(hist(x)->status));
}
static void
t_status(const struct rep_src *x, struct buf *b)
{
    buf_adds(b, kpt_triage_name(hist(x)->status));
}

static json_t *
j_new(const struct rep_src *x)
{
    return json_integer((json_int_t)hist(x)->new_reports);
}
static void
t_new(const struct rep_src *x, struct buf *b)
{
    buf_addf(b, "%zu", hist(x)->new_reports);
}

static json_t *
j_total(const struct rep_src *x)
{
    return json_integer((json_int_t)hist(x)->total);
}
static void
t_total(const struct rep_src *x, struct buf *b)
{
    buf_addf(b, "%zu", hist(x)->total);
}

static json_t *
j_first(const struct rep_src *x)
{
    return json_string(kpt_time_text(x->a, hist(x)->first_seen, 0));
}
static void
t_first(const struct rep_src *x, struct buf *b)
{
    buf_adds(b, kpt_time_text(x->a, hist(x)->first_seen, 0));
}

static json_t *
j_trend(const struct rep_src *x)
{
    return counts_json(hist(x)->trend, x->s->hist->ntrend);
}
static void
t_trend(const struct rep_src *x, struct buf *b)
{
    counts_text(b, hist(x)->trend, x->s->hist->ntrend);
}

static json_t *
j_bug(const struct rep_src *x)
{
    return rep_jstr(hist(x)->bug);
}
static void
t_bug(const struct rep_src *x, struct buf *b)
{
    buf_adds(b, hist(x)->bug ? hist(x)->bug : "");
}

static json_t *
j_note(const struct rep_src *x)
{
    return rep_jstr(hist(x)->note);
}
static void
t_note(const struct rep_src *x, struct buf *b)
{
    buf_adds(b, hist(x)->note ? hist(x)->note : "");
}

static json_t *
j_merged(const struct rep_src *x)
{
    const struct strv *m = &hist(x)->merged_from;
    json_t *j = json_array();
    size_t k;

    for (k = 0; k < m->n; k++)
        json_array_append_new(j, rep_jstr(m->v[k]));
    return j;
}
static void
t_merged(const struct rep_src *x, struct buf *b)
{
    const struct strv *m = &hist(x)->merged_from;
    size_t k;

    for (k = 0; k < m->n; k++)
        buf_addf(b, "%s%s", k ? " " : "", m->v[k]);
}

const struct rep_item rep_hist_items[REP_HI_N + 1] = {
    [REP_HI_FLAG] = { "flag", j_flag, NULL },
    [REP_HI_STATUS] = { "status", j_status, t_status },
    [REP_HI_NEW] = { "new_reports", j_new, t_new },
    [REP_HI_TOTAL] = { "total_reports", j_total, t_total },
    [REP_HI_FIRST] = { "first_seen", j_first, t_first },
    [REP_HI_TREND] = { "trend", j_trend, t_trend },
    [REP_HI_BUG] = { "bug", j_bug, t_bug },
    [REP_HI_NOTE] = { "note", j_note, t_note },
    [REP_HI_MERGED] = { "merged_from", j_merged, t_merged },
    [REP_HI_N] = { NULL, NULL, NULL },
};

json_t *
rep_hist_cluster_json(const struct kpt_summary *s, size_t i)
{
    struct rep_src x = { s, i, NULL, arena_new(256) };
    json_t *o = rep_items_json(rep_hist_items, &x);

    arena_free(x.a);
    return o;
}

json_t *
rep_items_json(const struct rep_item *t, const struct rep_src *x)
{
    json_t *o = json_object(), *j;

    for (; t->key; t++)
        if ((j = t->json(x)))
            json_object_set_new(o, t->key, j);
    return o;
}
