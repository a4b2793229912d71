/*
 * rep_csv.c - the clusters CSV and the per-report CSV (RFC 4180, CRLF line ends).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/xalloc.h"

static int
put(FILE *f, struct buf *b)
{
    size_t n = b->len;

    if (n && fwrite(b->data, 1, n, f) != n)
        return KPT_E_IO;
    buf_reset(b);
    return ferror(f) ? KPT_E_IO : 0;
}

static void
cell(struct buf *b, const char *s, int last)
{
    rep_csv_cell(b, s ? s : "");
    buf_adds(b, last ? "\r\n" : ",");
}

static void
hist_cell(struct buf *b, const struct kpt_hist *h)
{
    struct buf v = BUF_INIT;
    size_t i;

    for (i = 0; i < h->n; i++)
        buf_addf(&v, "%s%s=%zu", i ? ";" : "", h->v[i].value, h->v[i].count);
    if (h->other)
        buf_addf(&v, "%sothers=%zu", h->n ? ";" : "", h->other);
    cell(b, v.data, 0);
    buf_release(&v);
}

int
rep_clusters_csv(FILE *f, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    struct arena *a = arena_new(4096);
    size_t i, total = KPT_TOTAL(s);
    int ret;

    buf_adds(&b,
             "rank,signature_id,count,share,signature,panic_class,culprit,first_seen,"
             "last_seen,os_builds,models,formats,algo,rules,example,coarse_id,coarse,fine_keys,"
             "qualities,culprit_versions,baseline_status,baseline_count,hang_sites,culprit_owner");
    /* --history: its columns last (a reader by position of older files is not moved) */
    buf_adds(&b, s->hist
                     ? ",history,new_reports,total_reports,history_first_seen,trend,triage_status,"
                       "bug,note,merged_from\r\n"
                     : "\r\n");
    for (i = 0; i < s->nclusters; i++) {
        const struct kpt_cluster *c = &s->clusters[i];

        buf_addf(&b, "%zu,%s,%zu,%.4f,", i + 1, c->id_hex, c->count,
                 total ? (double)c->count / (double)total : 0.0);
        cell(&b, c->signature, 0);
        cell(&b, c->panic_class, 0);
        cell(&b, c->culprit, 0);
        cell(&b, c->has_seen ? kpt_time_text(a, c->first_seen, c->seen_local) : "", 0);
        cell(&b, c->has_seen ? kpt_time_text(a, c->last_seen, c->seen_local) : "", 0);
        hist_cell(&b, &c->builds);
        hist_cell(&b, &c->models);
        hist_cell(&b, &c->formats);
        cell(&b, s->algo, 0);
        cell(&b, s->rules, 0);
        {
            char *e = rep_lossless_enc(c->nexamples ? c->examples[0] : "");

            cell(&b, e, 0);
            free(e);
        }
        cell(&b, c->coarse_id, 0);
        cell(&b, c->coarse, 0);
        buf_addf(&b, "%s%zu,", c->fine_keys.other ? ">" : "", c->fine_keys.n);
        hist_cell(&b, &c->qualities);
        hist_cell(&b, &c->kext_versions);
        if (s->base) {
            char tmp[32];
            const struct kpt_base_entry *e = rep_baseline_find(s->base, c->id_hex);

            cell(&b, rep_baseline_status(s->base, c, tmp), 0);
            if (e)
                buf_addf(&b, "%zu", e->count);
        } else {
            buf_addc(&b, ',');
        }
        buf_addf(&b, ",%s%zu,", c->hang_sites.other ? ">" : "", c->hang_sites.n);
        buf_adds(&b, c->culprit ? kpt_culprit_owner(c->culprit) : "");
        if (s->hist) {
            const struct kpt_cluster_hist *h = &s->hist->clusters[i];
            struct buf v = BUF_INIT;
            size_t k;

            buf_addf(&b, ",%s,%zu,%zu,", rep_hist_state(h), h->new_reports, h->total);
            cell(&b, kpt_time_text(a, h->first_seen, 0), 0);
            for (k = 0; k < s->hist->ntrend; k++)
                buf_addf(&v, "%s%zu", k ? " " : "", h->trend[k]);
            cell(&b, v.data ? v.data : "", 0);
            cell(&b, kpt_triage_name(h->status), 0);
            cell(&b, h->bug, 0);
            cell(&b, h->note, 0);
            buf_reset(&v);
            for (k = 0; k < h->merged_from.n; k++)
                buf_addf(&v, "%s%s", k ? " " : "", h->merged_from.v[k]);
            rep_csv_cell(&b, v.data ? v.data : "");
            buf_release(&v);
        }
        buf_adds(&b, "\r\n");
        if ((ret = put(f, &b)) < 0)
            goto out;
        arena_clear(a);
    }
    ret = put(f, &b);
out:
    arena_free(a);
    buf_release(&b);
    return ret;
}

int
rep_reports_csv_header(FILE *f)
{
    static const char h[] = "path,status,format,arch,os_build,kernel_uuid,panic_class,"
                            "signature_id,signature,frames,symbolicated,error,quality,"
                            "coarse_id,fine_id,panic_source,hang_id,hang\r\n";

    return fwrite(h, 1, sizeof(h) - 1, f) == sizeof(h) - 1 ? 0 : KPT_E_IO;
}

void
rep_reports_csv_row_buf(struct buf *b, struct arena *a, const struct kpt_report *r)
{
    int read = KPT_READ(r);

    {
        char *e = rep_lossless_enc(r->path); /* not UTF-8: \xNN, so names stay apart */

        cell(b, e, 0);
        free(e);
    }
    cell(b, kpt_status_name(r->status), 0);
    cell(b, read ? kpt_format_name(r->format) : "", 0);
    cell(b, read && r->arch ? kpt_arch_name(r->arch) : "", 0);
    cell(b, r->os_build, 0);
    cell(b, r->has_kernel_uuid ? kpt_uuid_text(a, r->kernel_uuid) : "", 0);
    cell(b, read ? r->panic_class : "", 0);
    cell(b, read ? r->sig_id : "", 0);
    cell(b, read ? r->signature : "", 0);
    cell(b, read ? kpt_frames_joined(a, r) : "", 0);
    if (read)
        buf_addf(b, "%zu,", r->nresolved);
    else
        buf_adds(b, ",");
    cell(b, r->error, 0);
    cell(b, read && r->quality ? kpt_quality_name(r->quality) : "", 0);
    cell(b, read ? r->coarse_id : "", 0);
    cell(b, read ? r->fine_id : "", 0);
    cell(b, kpt_panic_source_name(r->panic_source), 0);
    /* a hang's site; a hang without one says why in brackets */
    cell(b, read && r->hang ? r->hang->hang_id : "", 0);
    cell(b,
         !read || !r->hang ? ""
         : r->hang->hang_id
             ? r->hang->site
             : arena_printf(a, "(%s)", r->hang->site_why ? r->hang->site_why : r->hang->why),
         1);
}

void
rep_csv_row_buf(struct buf *b, const struct strv *cells)
{
    size_t i;

    for (i = 0; i < cells->n; i++)
        cell(b, cells->v[i], i + 1 == cells->n);
}

int
rep_write_text(FILE *f, const char *s, size_t n)
{
    return (n && fwrite(s, 1, n, f) != n) || ferror(f) ? KPT_E_IO : 0;
}
