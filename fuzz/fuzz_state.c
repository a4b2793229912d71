/*
 * fuzz_state.c - the merge state reader (readers/rd_state.c): a state is untrusted input. Refused
 * with a reason, or read whole and valid: keys of 16 hex digits, members and representatives
 * present, every row re-rendered, and what a history would record of each row read back without a
 * crash (merge --history).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/rd.h"
#include "report/rep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kpt_state st;
    struct buf err = BUF_INIT;
    size_t i, k;

    if (rd_state_parse((const char *)data, size, "fuzz", &st, &err) < 0) {
        if (!err.len)
            abort();
        buf_release(&err);
        return 0;
    }
    for (i = 0; i < st.nclusters; i++) {
        if (strlen(st.clusters[i].id_hex) != 16 || !st.clusters[i].rep_path)
            abort();
        for (k = 0; k < st.clusters[i].nmembers; k++)
            if (st.clusters[i].members[k] >= st.nrows)
                abort();
    }
    for (i = 0; i < st.nrows; i++) {
        struct arena *a = arena_new(4096);
        struct kpt_report r;
        struct buf csv = BUF_INIT;

        /* the row's cells quoted again: never a formula at the start */
        rep_csv_row_buf(&csv, &st.rows[i].csv);
        if (!st.rows[i].json || !csv.len || csv.data[0] == '=')
            abort();
        buf_release(&csv);
        if (rd_state_row_report(&st.rows[i], a, &r) == 0 && KPT_READ(&r) && !r.path)
            abort();
        arena_free(a);
    }
    rd_state_release(&st);
    buf_release(&err);
    return 0;
}
