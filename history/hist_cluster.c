/*
 * hist_cluster.c - what the history says of one cluster: its triage record, the reports it
 * holds, its trend over runs. A run's annotation and the triage and history commands read
 * a cluster the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

const char hist_trend_sql[] =
    "SELECT run_id, sum(new_reports) FROM run_clusters WHERE run_id >= ?2 AND (signature_id = ?1"
    " OR signature_id IN (SELECT signature_id FROM clusters WHERE merged_into = ?1))"
    " GROUP BY run_id ORDER BY run_id";

void
hist_cluster_hist_release(struct kpt_cluster_hist *ch)
{
    free(ch->bug);
    free(ch->note);
    free(ch->trend);
    strv_release(&ch->merged_from);
    memset(ch, 0, sizeof(*ch));
}

int
hist_cluster_info(struct hist_db *h, const char *id, int with_total, struct kpt_cluster_hist *ch,
                  struct buf *err)
{
    struct hq *st;
    int rc, found = 0;

    if (hist_cached(h, &h->info_st,
                    "SELECT c.status, c.bug, c.note,"
                    " (SELECT min(r.started) FROM clusters m JOIN runs r ON r.id = m.first_run"
                    "  WHERE m.signature_id = ?1 OR m.merged_into = ?1)"
                    " FROM clusters c WHERE c.signature_id = ?1",
                    err) < 0)
        return KPT_E_IO;
    st = h->info_st;
    hist_bind_text(st, 1, id);
    if ((rc = hq_step(st)) == HQ_ROW) {
        const char *status = hq_str(st, 0);

        found = 1;
        if (kpt_triage_parse(status, &ch->status) < 0)
            ch->status = KPT_TR_OPEN;
        ch->bug = hist_text(st, 1);
        ch->note = hist_text(st, 2);
        ch->first_seen = hist_time(hq_str(st, 3));
        rc = HQ_DONE;
    }
    hq_reset(st);
    if (rc != HQ_DONE)
        return hist_fail(h, err, "history: reading a cluster");
    if (!found)
        return 1;
    if (with_total) { /* summed here: a file's counts may be anything, SQLite's sum() can overflow
                       */
        if (hist_cached(h, &h->total_st,
                        "SELECT reports FROM clusters WHERE signature_id = ?1 OR merged_into = ?1",
                        err) < 0)
            return KPT_E_IO;
        st = h->total_st;
        hist_bind_text(st, 1, id);
        while ((rc = hq_step(st)) == HQ_ROW)
            ch->total = hist_count_add(ch->total, hist_count(st, 0));
        hq_reset(st);
        if (rc != HQ_DONE)
            return hist_fail(h, err, "history: reading a cluster");
    }
    if (hist_cached(h, &h->merged_st,
                    "SELECT signature_id FROM clusters WHERE merged_into = ?1 ORDER BY 1", err) < 0)
        return KPT_E_IO;
    st = h->merged_st;
    hist_bind_text(st, 1, id);
    while ((rc = hq_step(st)) == HQ_ROW) {
        char *m = hist_text(st, 0);

        if (m)
            strv_push(&ch->merged_from, m);
        free(m);
    }
    hq_reset(st);
    return rc == HQ_DONE ? 0 : hist_fail(h, err, "history: reading a cluster");
}

int
hist_trend(struct hq *st, const char *id, const int64_t *run_ids, size_t n, size_t *trend)
{
    size_t k = 0;
    int rc;

    memset(trend, 0, n * sizeof(*trend));
    if (!n)
        return 0;
    hq_reset(st);
    hist_bind_text(st, 1, id);
    hq_bind_int(st, 2, run_ids[0]);
    while ((rc = hq_step(st)) == HQ_ROW) {
        int64_t run = hq_i64(st, 0);

        while (k < n && run_ids[k] < run)
            k++;
        if (k < n && run_ids[k] == run)
            trend[k] = hist_count(st, 1);
    }
    hq_reset(st);
    return rc == HQ_DONE ? 0 : KPT_E_IO;
}
