/*
 * hist_pgrun.c - the PostgreSQL engine's run: its reports staged as COPY data into a
 * temporary table as they come (in chunks, each COPY short), then, under the run's lock
 * and in its one transaction, recorded set by set: the copies of one identity kept once
 * (the first met), the identities no run recorded inserted (the identity is the key: ON
 * CONFLICT DO NOTHING), the others updated, and the run's counts per signature and per
 * build read back into h, as hist_lite.c keeps them report by report. A report's values
 * reach the server as COPY data, never as SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#define STAGE_CHUNK (1024 * 1024) /* bytes of COPY data sent at once */

/* s as one field of COPY's text format: \N for NULL; backslash, tab, CR and LF escaped;
 * a byte that is no UTF-8 (a file name's, say) as U+FFFD, which the database can hold */
static void
copy_field(struct buf *b, const char *s, int last)
{
    if (!s)
        buf_adds(b, "\\N");
    else
        hist_pg_text(b, s, 1);
    buf_addc(b, last ? '\n' : '\t');
}

/* the staged rows b sent by one COPY (sql); 0 or hist_fail() */
static int
send_stage(struct hist_db *h, const char *sql, struct buf *b, struct buf *err)
{
    PGresult *r;
    int ok;

    if (!b->len)
        return 0;
    r = PQexec(h->pg, sql);
    ok = r && PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok)
        return hist_fail(h, err, "history: staging the reports");
    ok = PQputCopyData(h->pg, b->data, (int)b->len) == 1;
    ok = PQputCopyEnd(h->pg, ok ? NULL : "kptrace-batch: sending failed") == 1 && ok;
    while ((r = PQgetResult(h->pg))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

            snprintf(h->pg_state, sizeof(h->pg_state), "%s", st ? st : "");
            ok = 0;
        }
        PQclear(r);
    }
    buf_reset(b);
    return ok ? 0 : hist_fail(h, err, "history: staging the reports");
}

int
hist_pg_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err)
{
    struct hist_count *id, *sc;

    if (h->locked)
        return kpt_fail(err, KPT_E_IO, "history: a report after the run's lock");
    /* a copy met before in this run changes nothing (the first copy met wins) */
    id = hist_count_of(&h->ids, r->identity);
    if (id->reports) {
        h->rh.copies++;
    } else {
        id->reports = 1;
        copy_field(&h->stage, r->identity, 0);
        copy_field(&h->stage, r->path ? r->path : "", 0);
        copy_field(&h->stage, r->sig_id, 0);
        copy_field(&h->stage, r->coarse_id, 0);
        copy_field(&h->stage, r->fine_id, 0);
        copy_field(&h->stage, r->hang ? r->hang->hang_id : NULL, 0);
        copy_field(&h->stage, r->panic_class, 0);
        copy_field(&h->stage, r->os_build, 0);
        copy_field(&h->stage, r->model, 0);
        copy_field(&h->stage, r->process, 0);
        copy_field(&h->stage, r->has_when ? kpt_time_text(a, r->when, r->when_local) : NULL, 0);
        copy_field(&h->stage, r->culprit, 1);
    }
    /* a signature's row is its first report's */
    sc = hist_count_of(&h->sigc, r->sig_id);
    if (!sc->met) {
        sc->met = 1;
        copy_field(&h->sigstage, r->sig_id, 0);
        copy_field(&h->sigstage, r->signature, 0);
        copy_field(&h->sigstage, r->panic_class, 0);
        copy_field(&h->sigstage, r->culprit, 1);
    }
    return h->stage.len >= STAGE_CHUNK ? send_stage(h, "COPY cur_rep FROM STDIN", &h->stage, err)
                                       : 0;
}

int
hist_pg_end_copy(struct hist_db *h, struct buf *err)
{
    if (send_stage(h, "COPY cur_rep FROM STDIN", &h->stage, err) < 0)
        return KPT_E_IO;
    return send_stage(h, "COPY cur_sig FROM STDIN", &h->sigstage, err);
}

/*
 * The run's reports recorded and counted in one statement (?1 the run): the identities an
 * earlier run recorded updated (their signature then read from the row as it was), the
 * others inserted (the identity is the key: a report another writer recorded meanwhile is
 * no new one), then per signature its reports, new ones, those moved in from another
 * signature and those moved out, and per build its new reports.
 */
static const char record_sql[] =
    "WITH upd AS (UPDATE reports r SET last_run = CAST(?1 AS bigint), path = u.path,"
    "  signature_id = u.sig, coarse_id = u.coarse_id, fine_id = u.fine_id, hang_id = u.hang_id,"
    "  class = u.class, culprit = u.culprit FROM cur_rep u, reports o"
    "  WHERE r.identity = u.identity AND o.identity = u.identity RETURNING u.sig, o.signature_id "
    "AS was),"
    " ins AS (INSERT INTO reports(identity, first_run, last_run, path, signature_id, coarse_id, "
    "fine_id,"
    "  hang_id, class, os_build, model, process, panic_time, culprit)"
    "  SELECT identity, CAST(?1 AS bigint), CAST(?1 AS bigint), path, sig, coarse_id, fine_id, "
    "hang_id,"
    "  class, os_build, model, process, panic_time, culprit FROM cur_rep u"
    "  WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.identity = u.identity)"
    "  ON CONFLICT (identity) DO NOTHING RETURNING signature_id AS sig, os_build),"
    " j AS (SELECT sig, NULL AS os_build, false AS new, was FROM upd"
    "  UNION ALL SELECT sig, os_build, true, NULL FROM ins)"
    " SELECT 's', s.sig, coalesce(c.reports, 0), coalesce(c.new, 0), coalesce(c.moved_in, 0),"
    "  coalesce(m.moved_out, 0) FROM cur_sig s"
    " LEFT JOIN (SELECT sig, count(*) AS reports, count(*) FILTER (WHERE new) AS new,"
    "  count(*) FILTER (WHERE was <> sig) AS moved_in FROM j GROUP BY sig) c ON c.sig = s.sig"
    " LEFT JOIN (SELECT was, count(*) AS moved_out FROM j WHERE was <> sig GROUP BY was) m"
    "  ON m.was = s.sig"
    " UNION ALL SELECT 's', m.was, 0, 0, 0, count(*) FROM j m WHERE m.was <> m.sig"
    "  AND NOT EXISTS (SELECT 1 FROM cur_sig s WHERE s.sig = m.was) GROUP BY m.was"
    " UNION ALL SELECT 'b', coalesce(os_build, '?'), 0, count(*), 0, 0 FROM j WHERE new GROUP BY 2";

int
hist_pg_flush(struct hist_db *h, struct buf *err)
{
    struct hq *q;
    int rc;

    if (hist_prepare(h, record_sql, &q, err) < 0)
        return KPT_E_IO;
    hq_bind_int(q, 1, h->run_id);
    while ((rc = hq_step(q)) == HQ_ROW) {
        const char *kind = hq_str(q, 0), *key = hq_str(q, 1);
        struct hist_count *c;

        if (!kind || !key)
            continue;
        c = hist_count_of(*kind == 'b' ? &h->buildc : &h->sigc, key);
        c->reports = hist_count(q, 2);
        c->new_reports = hist_count(q, 3);
        c->moved_in = hist_count(q, 4);
        c->moved_out = hist_count(q, 5);
    }
    if (rc < 0)
        hist_fail(h, err, "history: recording the reports");
    hq_finalize(q);
    return rc < 0 ? KPT_E_IO : 0;
}
