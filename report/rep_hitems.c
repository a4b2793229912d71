/*
 * rep_hitems.c - a cluster's history (--history), item by item: --json's "history" object
 * walks rep_hist_items in its order, and the clusters CSV's history columns name its items
 * (rep_csv.c). Each item carries its writers: its JSON value and its text.
 */
#include "report/rep.h"
#include "report/rep_int.h"

static const struct kpt_cluster_hist *
hist(const struct kpt_summary *s, size_t i)
{
    return &s->hist->clusters[i];
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
j_flag(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return hist(s, i)->flag ? json_string(kpt_hflag_name(hist(s, i)->flag)) : json_null();
}

static json_t *
j_status(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return json_string(kpt_triage_name(hist(s, i)->status));
}
static void
t_status(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    (void)a;
    buf_adds(b, kpt_triage_name(hist(s, i)->status));
}

static json_t *
j_new(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return json_integer((json_int_t)hist(s, i)->new_reports);
}
static void
t_new(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    (void)a;
    buf_addf(b, "%zu", hist(s, i)->new_reports);
}

static json_t *
j_total(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return json_integer((json_int_t)hist(s, i)->total);
}
static void
t_total(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    (void)a;
    buf_addf(b, "%zu", hist(s, i)->total);
}

static json_t *
j_first(const struct kpt_summary *s, size_t i, struct arena *a)
{
    return json_string(kpt_time_text(a, hist(s, i)->first_seen, 0));
}
static void
t_first(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    buf_adds(b, kpt_time_text(a, hist(s, i)->first_seen, 0));
}

static json_t *
j_trend(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return counts_json(hist(s, i)->trend, s->hist->ntrend);
}
static void
t_trend(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    (void)a;
    counts_text(b, hist(s, i)->trend, s->hist->ntrend);
}

static json_t *
j_bug(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return rep_jstr(hist(s, i)->bug);
}
static void
t_bug(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    (void)a;
    buf_adds(b, hist(s, i)->bug ? hist(s, i)->bug : "");
}

static json_t *
j_note(const struct kpt_summary *s, size_t i, struct arena *a)
{
    (void)a;
    return rep_jstr(hist(s, i)->note);
}
static void
t_note(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    (void)a;
    buf_adds(b, hist(s, i)->note ? hist(s, i)->note : "");
}

static json_t *
j_merged(const struct kpt_summary *s, size_t i, struct arena *a)
{
    const struct strv *m = &hist(s, i)->merged_from;
    json_t *j = json_array();
    size_t k;

    (void)a;
    for (k = 0; k < m->n; k++)
        json_array_append_new(j, rep_jstr(m->v[k]));
    return j;
}
static void
t_merged(const struct kpt_summary *s, size_t i, struct buf *b, struct arena *a)
{
    const struct strv *m = &hist(s, i)->merged_from;
    size_t k;

    (void)a;
    for (k = 0; k < m->n; k++)
        buf_addf(b, "%s%s", k ? " " : "", m->v[k]);
}

const struct rep_hist_item rep_hist_items[REP_HI_N + 1] = {
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
    const struct rep_hist_item *t;
    json_t *o = json_object();
    struct arena *a = arena_new(256);

    for (t = rep_hist_items; t->key; t++)
        json_object_set_new(o, t->key, t->json(s, i, a));
    arena_free(a);
    return o;
}
