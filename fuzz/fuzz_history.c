/*
 * fuzz_history.c - a history file (history/) of any bytes: opened, read as the trend table
 * and a cluster's record, and a run begun and annotated on it, without a crash, a leak or
 * a change that is committed. The bytes are written to a file of their own (SQLite reads
 * files), removed at the end with its journal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history/hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
remove_all(const char *path)
{
    char side[4200];

    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-journal", path);
    unlink(side);
}

/* a run's reports into whatever the file holds: one the seeds hold (known; signed otherwise
 * now: it moves), a new one, and a copy of it */
static int
add_reports(struct hist_db *h, struct buf *err)
{
    static const char *const ids[] = { "text:daa656afa85910a6e6d60c3ddfed953a",
                                       "incident:00000000-0000-4000-8000-000000000000",
                                       "incident:00000000-0000-4000-8000-000000000000" };
    struct arena *a = arena_new(1024);
    size_t i;
    int rc = 0;

    for (i = 0; i < sizeof(ids) / sizeof(*ids) && rc == 0; i++) {
        struct kpt_report r;

        kpt_report_init(&r, a, "fuzz.panic");
        r.identity = ids[i];
        r.sig_id = "00112233445566ff";
        r.signature = "fuzz | frame";
        r.os_build = i ? "22G74" : NULL;
        rc = hist_add(h, a, &r, err);
    }
    arena_free(a);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4096];
    const char *tmp = getenv("TMPDIR");
    struct hist_db *h;
    struct buf err = BUF_INIT;
    FILE *f;
    int fd;

    snprintf(path, sizeof(path), "%s/fuzz-history-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if ((fd = mkstemp(path)) < 0)
        return 0;
    f = fdopen(fd, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        if (f)
            fclose(f);
        remove_all(path);
        return 0;
    }
    fclose(f);
    if (hist_open(path, 0, &h, &err) == 0) {
        struct kpt_trend_table t;
        struct kpt_trend_row row;
        const struct kpt_run_hist *rh;
        char *inputs[1] = { path };

        if (hist_table(h, 3, &t, &err) == 0) {
            if (t.nrows && hist_row_get(h, t.rows[0].id, &row, &err) == 0)
                hist_row_release(&row);
            hist_table_release(&t);
        }
        /* a run into the file, committed (its counts written into what the file holds) */
        if (hist_begin(h, "run", 0, inputs, 1, &err) == 0 && add_reports(h, &err) == 0 &&
            hist_annotate(h, NULL, 0, &rh, &err) == 0) {
            struct kpt_summary sum;

            memset(&sum, 0, sizeof(sum));
            sum.hist = rh;
            if (hist_write(h, &sum, &err) == 0)
                hist_commit(h, &err);
        }
        hist_close(h); /* rolled back, unless committed */
    }
    buf_release(&err);
    remove_all(path);
    return 0;
}
