/*
 * hist_pgrun.c - the PostgreSQL engine's run: its reports staged as COPY data into a
 * temporary table as they come (in chunks, each COPY short, sent while the run reads on),
 * then, under the run's lock and in its one transaction, recorded set by set: the copies
 * of one identity kept once (the first met), the identities no run recorded inserted (the
 * identity is the key), the others updated, and the run's counts per signature and per
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

/* PostgreSQL's error r (its SQLSTATE kept for hist_fail()) */
static void
copy_state(struct hist_db *h, const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    snprintf(h->pg_state, sizeof(h->pg_state), "%s", st ? st : "");
}

/* the COPY in flight ended: its data sent, its result read (waiting for the server), the
 * connection blocking again; 1 when it went through (else its SQLSTATE kept) */
static int
copy_drain(struct hist_db *h, int ok)
{
    PGresult *r;
    int n = 0;

    h->copying = h->pushing = 0;
    /* PQgetResult() sends what is left of the data first; a COPY still open (its end never
     * queued) is ended as failed */
    while ((r = PQgetResult(h->pg)) && n++ < 16) {
        ExecStatusType s = PQresultStatus(r);

        if (s == PGRES_COPY_IN)
            PQputCopyEnd(h->pg, "kptrace-batch: sending failed");
        if (s != PGRES_COMMAND_OK) {
            if (ok)
                copy_state(h, r);
            ok = 0;
        }
        PQclear(r);
    }
    PQclear(r);
    PQsetnonblocking(h->pg, 0);
    return ok && PQstatus(h->pg) == CONNECTION_OK;
}

/* copy_drain() of the COPY in flight, if any; 0 or hist_fail() */
static int
copy_wait(struct hist_db *h, struct buf *err)
{
    if (!h->copying || copy_drain(h, 1))
        return 0;
    return hist_fail(h, err, "history: staging the reports");
}

/*
 * The staged rows b sent by one COPY (sql), not waited for: the data is queued in libpq
 * (non-blocking mode) and sent while the run goes on reading (copy_push()), so that the
 * server takes in one chunk while the run reads the next; copy_wait() reads its result
 * before the next COPY or the run's lock. Each COPY stays short (a chunk: the server's
 * statement_timeout counts only its own work). 0 or hist_fail().
 */
static int
copy_send(struct hist_db *h, const char *sql, struct buf *b, struct buf *err)
{
    PGresult *r;
    int ok;

    if (!b->len)
        return 0;
    if (copy_wait(h, err) < 0)
        return KPT_E_IO;
    if (PQsetnonblocking(h->pg, 1) < 0 || !PQsendQuery(h->pg, sql))
        return hist_fail(h, err, "history: staging the reports");
    h->copying = 1;
    r = PQgetResult(h->pg); /* COPY's go-ahead (or its error) */
    ok = r && PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok) {
        copy_state(h, r);
        PQclear(r);
        copy_drain(h, 0);
        return hist_fail(h, err, "history: staging the reports");
    }
    PQclear(r);
    /* queued whole (libpq's buffer grows in non-blocking mode), sent as the socket takes it */
    ok = PQputCopyData(h->pg, b->data, (int)b->len) == 1;
    ok = PQputCopyEnd(h->pg, ok ? NULL : "kptrace-batch: sending failed") == 1 && ok;
    buf_reset(b);
    if (!ok) {
        copy_drain(h, 0);
        return hist_fail(h, err, "history: staging the reports");
    }
    h->pushing = PQflush(h->pg) > 0;
    return 0;
}

/* more of the COPY in flight handed to the socket, as far as it takes it without waiting
 * (every STAGE_PUSH reports: each try is a system call) */
#define STAGE_PUSH 32
static void
copy_push(struct hist_db *h)
{
    if (h->pushing && ++h->push_tick % STAGE_PUSH == 0)
        h->pushing = PQflush(h->pg) > 0; /* -1: copy_wait() says why */
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
    copy_push(h);
    return h->stage.len >= STAGE_CHUNK ? copy_send(h, "COPY cur_rep FROM STDIN", &h->stage, err)
                                       : 0;
}

int
hist_pg_end_copy(struct hist_db *h, struct buf *err)
{
    if (copy_send(h, "COPY cur_rep FROM STDIN", &h->stage, err) < 0 ||
        copy_send(h, "COPY cur_sig FROM STDIN", &h->sigstage, err) < 0)
        return KPT_E_IO;
    return copy_wait(h, err);
}

/*
 * The run's reports recorded and counted in one statement (?1 the run): the identities an
 * earlier run recorded updated (their signature then read from the row as it was), the
 * others inserted, in the key's order (the index filled page by page), then per signature
 * its reports, new ones, those moved in from another signature and those moved out, and per
 * build its new reports. The new ones are those the update did not meet: under the writers'
 * lock (taken by an earlier statement, so before this one's snapshot) no other run records
 * one meanwhile, so a plain INSERT serves, not ON CONFLICT's speculative insertion (a third
 * of night 1's WAL records and time); a row some program inserted without the lock breaks
 * the key, and the run fails whole (exit 3), as SQLite's does on a constraint.
 */
static const char record_sql[] =
    "WITH upd AS (UPDATE reports r SET last_run = CAST(?1 AS bigint), path = u.path,"
    "  signature_id = u.sig, coarse_id = u.coarse_id, fine_id = u.fine_id, hang_id = u.hang_id,"
    "  class = u.class, culprit = u.culprit FROM cur_rep u, reports o"
    "  WHERE r.identity = u.identity AND o.identity = u.identity"
    "  RETURNING u.identity, u.sig, o.signature_id AS was),"
    " ins AS (INSERT INTO reports(identity, first_run, last_run, path, signature_id, coarse_id, "
    "fine_id,"
    "  hang_id, class, os_build, model, process, panic_time, culprit)"
    "  SELECT identity, CAST(?1 AS bigint), CAST(?1 AS bigint), path, sig, coarse_id, fine_id, "
    "hang_id,"
    "  class, os_build, model, process, panic_time, culprit FROM cur_rep u"
    "  WHERE NOT EXISTS (SELECT 1 FROM upd WHERE upd.identity = u.identity) ORDER BY identity"
    "  RETURNING signature_id AS sig, os_build),"
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
