/*
 * hist_join.c - the run's joins: a cluster the run shows under another (a copy whose kext
 * list was cut, under its one named twin: cluster/clu_join.c) is recorded and counted there.
 *
 * Each run decides its joins anew, from its own clusters: a join is no merge that later runs
 * keep (triage's are). The run's reports signed 'from' were written as they came; hist_join()
 * moves their counts to 'to' at once (the annotation reads them), and hist_write() rewrites
 * their rows in one statement over the run's reports and leaves 'from' out of the clusters it
 * writes.
 */
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

static int
cmp_joined(const void *x, const void *y)
{
    return strcmp(((const struct hist_joined *)x)->from, ((const struct hist_joined *)y)->from);
}

const char *
hist_joined_to(const struct hist_db *h, const char *sig)
{
    struct hist_joined key, *j;

    if (!h->njoins || !sig)
        return sig;
    key.from = (char *)sig;
    j = bsearch(&key, h->joins, h->njoins, sizeof(*h->joins), cmp_joined);
    return j ? j->to : sig;
}

/* the run's counts of 'from' moved to 'to': its reports, its new ones, those moved in from
 * another signature, and those an earlier run recorded under 'from' itself, which now move
 * out of it into 'to' */
static void
move_counts(struct hist_db *h, const char *from, const char *to)
{
    struct hist_count *f = hist_count_of(&h->sigc, from), *t;
    size_t reports = f->reports, fresh = f->new_reports, moved_in = f->moved_in;
    size_t known = reports >= fresh + moved_in ? reports - fresh - moved_in : 0;

    f->reports = f->new_reports = f->moved_in = 0;
    f->moved_out += known;
    t = hist_count_of(&h->sigc, to); /* after f's last use: v may move */
    t->reports += reports;
    t->new_reports += fresh;
    t->moved_in += moved_in + known;
}

int
hist_join(struct hist_db *h, const char *from, const char *to, struct buf *err)
{
    struct hq *st;
    size_t i;
    int rc;

    if (!from || !to || !strcmp(from, to))
        return 0;
    if (!h->locked) /* PostgreSQL counts the run's reports at the lock */
        return kpt_fail(err, KPT_E_IO, "history: a join before the run's lock");
    if (hist_joined_to(h, from) != from)
        return 0; /* joined already */
    if (hist_prepare(h, "INSERT INTO cur_join(from_sig, to_sig) VALUES (?1, ?2)", &st, err) < 0)
        return KPT_E_IO;
    hist_bind_text(st, 1, from);
    hist_bind_text(st, 2, to);
    rc = hq_step(st);
    if (hq_end(st, rc == HQ_DONE, err, "history: recording a join") < 0)
        return KPT_E_IO;
    move_counts(h, from, to);
    VEC_GROW(h->joins, h->njoins + 1, h->capjoins);
    for (i = h->njoins; i > 0 && strcmp(h->joins[i - 1].from, from) > 0; i--)
        h->joins[i] = h->joins[i - 1];
    h->joins[i].from = xstrdup(from);
    h->joins[i].to = xstrdup(to);
    h->njoins++;
    return 0;
}

/* one statement of hist_joins_write() whose only parameter, ?1, is the run's id */
static int
exec_join(struct hist_db *h, const char *sql, int with_run, struct buf *err)
{
    struct hq *st;
    int rc;

    if (hist_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
    if (with_run)
        hq_bind_int(st, 1, h->run_id);
    rc = hq_step(st);
    return hq_end(st, rc == HQ_DONE, err, "history: recording the run's joins");
}

int
hist_joins_write(struct hist_db *h, struct buf *err)
{
    if (!h->njoins)
        return 0;
    /* one pass over the reports, whatever the number of joins (no index by signature) */
    if (exec_join(h,
                  "UPDATE reports SET signature_id = (SELECT j.to_sig FROM cur_join j"
                  " WHERE j.from_sig = reports.signature_id)"
                  " WHERE last_run = CAST(?1 AS bigint)"
                  " AND signature_id IN (SELECT from_sig FROM cur_join)",
                  1, err) < 0)
        return KPT_E_IO;
    return exec_join(h, "DELETE FROM cur_sig WHERE sig IN (SELECT from_sig FROM cur_join)", 0, err);
}

void
hist_joins_release(struct hist_db *h)
{
    size_t i;

    for (i = 0; i < h->njoins; i++) {
        free(h->joins[i].from);
        free(h->joins[i].to);
    }
    free(h->joins);
    h->joins = NULL;
    h->njoins = h->capjoins = 0;
}
