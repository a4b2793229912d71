/*
 * rep_md.c - the Markdown triage summary. The clusters table's columns are rep_cols.c's
 * and each cluster's details rep_details.c's (both shared with the HTML page); every other
 * table's header comes from its column list here.
 */
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/xalloc.h"

/* the other tables' columns: headers, and which are numbers (right-aligned) */
#define HEAD(b, h, r) rep_md_head(b, h, r, sizeof(h) / sizeof(h[0]))
static const char *const h_counts[] = { "files", "ok", "partial", "rejected", "clusters" };
static const int r_counts[] = { 1, 1, 1, 1, 1 };
static const char *const h_sites[] = { "site",     "hang_id",          "reports",
                                       "clusters", "services starved", "example" };
static const int r_sites[] = { 0, 0, 1, 1, 0, 0 };
static const char *const h_new[] = { "count",   "share",       "signature",
                                     "culprit", "first build", "first seen" };
static const int r_new[] = { 1, 1, 0, 0, 0, 0 };
static const char *const h_gone[] = { "baseline count", "signature id", "signature" };
static const int r_gone[] = { 1, 0, 0 };
static const char *const h_only[] = { "reports in this build", "signature", "culprit" };
static const int r_only[] = { 1, 0, 0 };
static const char *const h_rej[] = { "file", "reason" };
static const int r_rej[] = { 0, 0 };
static const char *const h_rules[] = { "change", "reports", "cluster here", "with those rules",
                                       "example" };
static const int r_rules[] = { 0, 1, 0, 0, 0 };

static void
md(struct buf *b, const char *s, size_t max)
{
    rep_md_text(b, s, max);
}

/* a path: bytes that are not UTF-8 shown as \xNN (and '\' as \\ then), so that two names
 * that differ only there never print the same */
static void
md_path(struct buf *b, const char *p, size_t max)
{
    char *e = rep_lossless_enc(p);

    md(b, e, max);
    free(e);
}

static int
flush(FILE *f, struct buf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
        return KPT_E_IO;
    buf_reset(b);
    return ferror(f) ? KPT_E_IO : 0;
}

static void
symbolication(struct buf *b, const struct kpt_summary *s)
{
    const struct kpt_symstats *st = s->sym;
    size_t i;

    if (!st || !st->enabled) {
        buf_adds(b, "Symbolication: off (--no-symbolicate).\n\n");
        return;
    }
    buf_addf(b, "Symbolication: %zu kernels and %zu kexts catalogued", st->kernels, st->kexts);
    if (st->kdks) /* KDKs are read as far as the reports need them */
        buf_addf(b, " from %zu KDK%s", st->kdks, st->kdks == 1 ? "" : "s");
    buf_adds(b, "; symbolicated ");
    rep_pct(b, s->frames_named, s->frames);
    buf_adds(b, " of frames");
    if (st->reports_no_kdk) {
        buf_addf(b, "; %zu report%s had no KDK: ", st->reports_no_kdk,
                 st->reports_no_kdk == 1 ? "" : "s");
        rep_md_hist(b, &st->no_kdk_builds, 6);
    }
    if (st->reports_mismatch)
        buf_addf(b, " (%zu of them: kernel UUID differs from the KDK of their build)",
                 st->reports_mismatch);
    if (st->no_binary_kexts.n) {
        buf_adds(b, "; kext frames without a binary (add it with --kext): ");
        rep_md_hist(b, &st->no_binary_kexts, 6);
    }
    if (st->frames_learned)
        buf_addf(b,
                 "; %zu frame%s named from what other reports of the run print for the same binary "
                 "and offset (marked \xe2\x89\x88; %zu such names, %zu named differently by "
                 "different reports)",
                 st->frames_learned, st->frames_learned == 1 ? "" : "s", st->learned_facts,
                 st->learned_conflicts);
    if (st->learned_dropped)
        buf_addf(b, "; %zu printed names not learned (over the table's bounds)",
                 st->learned_dropped);
    buf_adds(b, ".\n\n");
    for (i = 0; i < st->failures.n; i++) {
        buf_adds(b, i ? "; " : "KDK failures: ");
        md(b, st->failures.v[i], REP_CUT_TEXT);
    }
    if (st->failures.n)
        buf_addf(b, ". %zu lookups failed; their frames stay MODULE+0xOFFSET.\n\n",
                 st->lldb_failed);
}

static void
footer(struct buf *b, const struct kpt_summary *s)
{
    const struct kpt_symstats *st = s->sym;

    if (!st || !st->enabled)
        return;
    buf_addf(b,
             "\n---\nLookups: %zu distinct, %zu from the cache, %zu sent to lldb (%zu failed); "
             "%zu lldb processes started.\n",
             st->lookups, st->cache_hits, st->lldb_lookups, st->lldb_failed, st->lldb_starts);
}

static void
header(struct buf *b, const struct kpt_summary *s)
{
    size_t i;
    int any = 0;

    buf_adds(b, REP_HEAD_MD "\n\n");
    buf_addf(b, "kptrace-batch %s, signatures %s, rules %s\n\n", KPT_VERSION, s->algo,
             s->rules ? s->rules : "-");
    if (s->sig_frames)
        buf_addf(b, "Signatures keep %d significant frames (--frames).\n\n", s->sig_frames);
    HEAD(b, h_counts, r_counts);
    buf_addf(b, "| %zu | %zu | %zu | %zu | %zu |\n\n", s->files, s->ok, s->partial, s->rejected,
             s->nclusters);
    if (s->skipped)
        buf_addf(b,
                 "Skipped: %zu files that are other kinds of report or file (crash, spin, .ips of "
                 "another "
                 "bug_type, logs, empty files, archives' own rows); each is listed in the reports "
                 "CSV and "
                 "JSON.\n\n",
                 s->skipped);
    buf_adds(b, "Formats: ");
    for (i = 1; i <= KPT_FMT_PLIST; i++) {
        if (!s->by_format[i])
            continue;
        buf_addf(b, "%s%s ×%zu", any ? ", " : "", kpt_format_name((enum kpt_format)i),
                 s->by_format[i]);
        any = 1;
    }
    buf_addf(b, "%s.\n\n", any ? "" : "none");
    buf_addf(b, "Frames: %zu in all, %zu placed in the kernel or a kext (", s->frames,
             s->frames_placed);
    rep_pct(b, s->frames_placed, s->frames);
    buf_addf(b, "), %zu named (", s->frames_named);
    rep_pct(b, s->frames_named, s->frames);
    buf_addf(b, "). Reports without a backtrace: %zu.", s->no_backtrace);
    if (s->excluded)
        buf_addf(b, " Left out by --since, --until or --build: %zu.", s->excluded);
    buf_adds(b, "\n\n");
    rep_md_history_header(b, s);
    symbolication(b, s);
}

/* one column must not mix zones silently: say what a time without a zone is */
static void
times_note(struct buf *b, const struct kpt_summary *s)
{
    size_t i, local = 0;

    for (i = 0; i < s->nclusters; i++)
        local += s->clusters[i].has_seen && s->clusters[i].seen_local;
    if (local)
        buf_adds(b, "Times ending in Z are UTC; the others are the reporting machine's local "
                    "time, as its report gave no zone.\n\n");
}

/* the table by count; written to f as it goes once b passes 1 MB (a row a cluster) */
static int
cluster_table(FILE *f, struct buf *b, const struct kpt_summary *s)
{
    size_t i;

    buf_adds(b, "## Clusters by count\n\n");
    if (!s->nclusters) {
        buf_adds(b, "No panic report was read.\n\n");
        return 0;
    }
    rep_cols_md_head(b, s, rep_cluster_cols);
    for (i = 0; i < s->nclusters; i++) {
        rep_cols_md_row(b, s, i, rep_cluster_cols);
        if (b->len > (1u << 20) && flush(f, b) < 0)
            return KPT_E_IO;
    }
    buf_addc(b, '\n');
    times_note(b, s);
    return 0;
}

/* ---- hang sites across clusters ---- */

struct site {
    const char *value, *example; /* "HANG_ID ..." of a cluster's histogram */
    size_t count, clusters;
    struct kpt_hist services;
};

static int
site_by_value(const void *x, const void *y)
{
    const struct site *a = x, *b = y;

    return strcmp(a->value, b->value);
}

static int
site_by_id(const void *x, const void *y)
{
    const struct site *a = x, *b = y;

    return strncmp(a->value, b->value, 16);
}

static int
site_by_count(const void *x, const void *y)
{
    const struct site *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->value, b->value);
}

static void
hang_sites(struct buf *b, const struct kpt_summary *s)
{
    struct site *v = NULL, key;
    size_t n = 0, cap = 0, i, k, m = 0;

    memset(&key, 0, sizeof(key));
    if (!s->hang_keyed)
        return;
    for (i = 0; i < s->nclusters; i++)
        for (k = 0; k < s->clusters[i].hang_sites.n; k++) {
            const struct kpt_hist_entry *e = &s->clusters[i].hang_sites.v[k];

            VEC_GROW(v, n + 1, cap);
            memset(&v[n], 0, sizeof(v[n]));
            v[n].value = e->value;
            v[n].example = e->example;
            v[n].count = e->count;
            v[n++].clusters = 1;
        }
    qsort(v, n, sizeof(*v), site_by_value);
    for (i = 0; i < n; i++) {
        /* one row per site: counts and examples of every cluster it appears in */
        if (m && !strcmp(v[m - 1].value, v[i].value)) {
            v[m - 1].count += v[i].count;
            v[m - 1].clusters++;
            if (v[i].example && (!v[m - 1].example || strcmp(v[i].example, v[m - 1].example) < 0))
                v[m - 1].example = v[i].example;
        } else {
            v[m++] = v[i];
        }
    }
    for (i = 0; i < s->nclusters; i++)
        for (k = 0; k < s->clusters[i].hang_services.n; k++) {
            const struct kpt_hist_entry *e = &s->clusters[i].hang_services.v[k];
            struct site *hit;

            /* "HANG_ID service": the site with that id (ids sort the sites) */
            key.value = e->value;
            if ((hit = bsearch(&key, v, m, sizeof(*v), site_by_id)))
                kpt_hist_add(&hit->services, rep_site_of(e->value), e->count);
        }
    qsort(v, m, sizeof(*v), site_by_count);
    buf_adds(b, "## Hang sites across clusters\n\nWhere the starved services' threads were "
                "blocked, from the "
                "stackshots (STACKSHOTS.md §4); one site behind several services is one row.\n\n");
    HEAD(b, h_sites, r_sites);
    for (i = 0; i < m; i++) {
        kpt_hist_sort(&v[i].services);
        buf_adds(b, "| ");
        md(b, rep_site_of(v[i].value), REP_CUT_CELL);
        buf_addf(b, " | `%.16s` | %zu | %zu | ", v[i].value, v[i].count, v[i].clusters);
        rep_md_hist(b, &v[i].services, 6);
        buf_adds(b, " | ");
        md_path(b, v[i].example ? v[i].example : "-", REP_CUT_WIDE);
        buf_adds(b, " |\n");
        kpt_hist_release(&v[i].services);
    }
    buf_addf(b, "\n%zu of %zu hang reports have a site.\n\n", s->hang_keyed, s->hang_reports);
    free(v);
}

/* triage leads with what is new (SIGNATURES.md §9) */
static void
baseline_sections(struct buf *b, const struct kpt_summary *s)
{
    const struct kpt_baseline *base = s->base;
    size_t i, new = 0, gone = 0, total = KPT_TOTAL(s);

    if (!base)
        return;
    buf_addf(b, "## New clusters (not in the baseline of %zu clusters, %zu reports)\n\n", base->n,
             base->total);
    for (i = 0; i < s->nclusters; i++) {
        const struct kpt_cluster *c = &s->clusters[i];

        if (rep_baseline_find(base, c->id_hex))
            continue;
        if (!new ++)
            HEAD(b, h_new, r_new);
        buf_addf(b, "| %zu | ", c->count);
        rep_pct(b, c->count, total);
        buf_adds(b, " | ");
        md(b, c->signature, REP_CUT_CELL);
        buf_adds(b, " | ");
        md(b, c->culprit ? c->culprit : "-", REP_CUT_NAME);
        buf_adds(b, " | ");
        md(b, c->builds.n ? c->builds.v[0].value : "-", REP_CUT_WORD);
        buf_adds(b, " | ");
        rep_when(b, c->has_seen, c->first_seen, c->seen_local);
        buf_adds(b, " |\n");
    }
    if (!new)
        buf_adds(b, "None.\n");
    buf_adds(b, "\n## Gone clusters (in the baseline, not in this run)\n\n");
    for (i = 0; i < base->n; i++) {
        size_t k;
        int found = 0;

        for (k = 0; k < s->nclusters && !found; k++)
            found = !strcmp(s->clusters[k].id_hex, base->v[i].id);
        if (found)
            continue;
        if (!gone++)
            HEAD(b, h_gone, r_gone);
        buf_addf(b, "| %zu | `%s` | ", base->v[i].count, base->v[i].id);
        md(b, base->v[i].signature, REP_CUT_CELL);
        buf_adds(b, " |\n");
    }
    if (!gone)
        buf_adds(b, "None.\n");
    buf_addc(b, '\n');
}

static int
has_build(const struct kpt_hist *h, const char *build)
{
    size_t i;

    for (i = 0; i < h->n; i++)
        if (!strcmp(h->v[i].value, build))
            return 1;
    return 0;
}

static void
compare_builds(struct buf *b, const struct kpt_summary *s)
{
    int side;

    if (!s->build_a || !s->build_b)
        return;
    for (side = 0; side < 2; side++) {
        const char *x = side ? s->build_a : s->build_b, *y = side ? s->build_b : s->build_a;
        size_t i, n = 0;

        buf_adds(b, "## Only in build ");
        md(b, x, REP_CUT_WORD);
        buf_adds(b, " (not in ");
        md(b, y, REP_CUT_WORD);
        buf_adds(b, ")\n\n");
        for (i = 0; i < s->nclusters; i++) {
            const struct kpt_cluster *c = &s->clusters[i];
            size_t k, cnt = 0;

            if (!has_build(&c->builds, x) || has_build(&c->builds, y))
                continue;
            for (k = 0; k < c->builds.n; k++)
                if (!strcmp(c->builds.v[k].value, x))
                    cnt = c->builds.v[k].count;
            if (!n++)
                HEAD(b, h_only, r_only);
            buf_addf(b, "| %zu | ", cnt);
            md(b, c->signature, REP_CUT_CELL);
            buf_adds(b, " | ");
            md(b, c->culprit ? c->culprit : "-", REP_CUT_NAME);
            buf_adds(b, " |\n");
        }
        if (!n)
            buf_adds(b, "None.\n");
        buf_addc(b, '\n');
    }
}

static void
rejected(struct buf *b, const struct kpt_summary *s)
{
    size_t i;

    buf_adds(b, "## Rejected files\n\n");
    if (!s->rejected) {
        buf_adds(b, "None.\n");
        return;
    }
    HEAD(b, h_rej, r_rej);
    for (i = 0; i < s->nrej; i++) {
        buf_adds(b, "| ");
        md_path(b, s->rej[i].path, REP_CUT_TEXT);
        buf_adds(b, " | ");
        md(b, s->rej[i].why, REP_CUT_WIDE);
        buf_adds(b, " |\n");
    }
    if (s->rej_unlisted)
        buf_addf(b, "\n%zu more rejected files are listed in the reports CSV and JSON.\n",
                 s->rej_unlisted);
}

#define RDIFF_ROWS 200

/* --compare-rules: what the other rule set would change, changes first */
static void
rules_diff(struct buf *b, const struct kpt_summary *s)
{
    const struct kpt_rules_diff *d = s->rdiff;
    size_t i, shown = 0, changed = 0;

    if (!d)
        return;
    buf_addf(b,
             "## Rules comparison\n\nEvery report signed again with rules %s (--compare-rules): "
             "%zu clusters here, %zu with those rules. Reports whose cluster keeps its key: %zu; "
             "gets a new key: %zu; is split: %zu; is merged: %zu; both: %zu.\n\n",
             d->rules_b ? d->rules_b : "-", d->clusters_a, d->clusters_b, d->by_change[KPT_RC_SAME],
             d->by_change[KPT_RC_RENAMED], d->by_change[KPT_RC_SPLIT], d->by_change[KPT_RC_MERGED],
             d->by_change[KPT_RC_REGROUPED]);
    for (i = 0; i < d->npairs; i++)
        changed += d->pairs[i].change != KPT_RC_SAME;
    if (!changed) {
        buf_adds(b, "No cluster changes.\n\n");
        return;
    }
    HEAD(b, h_rules, r_rules);
    for (i = 0; i < d->npairs && shown < RDIFF_ROWS; i++) {
        const struct kpt_rpair *p = &d->pairs[i];

        if (p->change == KPT_RC_SAME)
            continue;
        buf_addf(b, "| %s | %zu | `%s` ", kpt_rchange_name(p->change), p->count, p->a_id);
        md(b, p->a_sig, REP_CUT_CELL);
        buf_addf(b, " | `%s` ", p->b_id);
        md(b, p->b_sig, REP_CUT_CELL);
        buf_adds(b, " | ");
        md_path(b, p->example, REP_CUT_WIDE);
        buf_adds(b, " |\n");
        shown++;
    }
    if (changed > shown)
        buf_addf(b, "\n%zu more changed pairs are not listed.\n", changed - shown);
    buf_adds(b, "\n");
}

int
rep_markdown(FILE *f, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    size_t i;
    int ret;

    header(&b, s);
    if (s->plot) {
        buf_adds(&b, "![top clusters](");
        md(&b, s->plot, REP_CUT_TEXT);
        buf_adds(&b, ")\n\n");
    }
    baseline_sections(&b, s);
    compare_builds(&b, s);
    if ((ret = cluster_table(f, &b, s)) < 0)
        goto out;
    hang_sites(&b, s);
    if ((ret = flush(f, &b)) < 0)
        goto out;
    if (s->nclusters)
        buf_adds(&b, "## Clusters\n\n");
    for (i = 0; i < s->nclusters; i++) {
        rep_cluster_details(&b, s, i, 0);
        if ((ret = flush(f, &b)) < 0)
            goto out;
    }
    rules_diff(&b, s);
    rejected(&b, s);
    footer(&b, s);
    ret = flush(f, &b);
out:
    buf_release(&b);
    return ret;
}
