/*
 * pipeline_one.c - --trace and --explain: a report through every stage but the table. --trace
 * takes one; --explain one or several (each under a "==> PATH <==" line when several, as
 * head(1) does, in the order given).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"
#include "driver/pipeline_int.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* trace and explain: one report through every stage but the table; prints with control
 * bytes escaped (report text on a terminal) */
static void
put_escaped(const char *prefix, const char *s)
{
    struct buf b = BUF_INIT;
    const unsigned char *p;

    buf_adds(&b, prefix);
    for (p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            buf_addf(&b, "\\x%02x", *p);
        else
            buf_addc(&b, (char)*p);
    }
    fputs(b.data, stdout);
    buf_release(&b);
}

/* "==> PATH <==" before one of several reports; a path's line ends escaped too */
static void
put_header(int first, const char *path)
{
    struct buf b = BUF_INIT;
    const unsigned char *p;

    buf_adds(&b, first ? "==> " : "\n==> ");
    for (p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            buf_addf(&b, "\\x%02x", *p);
        else
            buf_addc(&b, (char)*p);
    }
    buf_adds(&b, " <==\n");
    fputs(b.data, stdout);
    buf_release(&b);
}

static void
print_frames(const struct kpt_opts *o, struct arena *a, const struct kpt_frame *f, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        put_escaped("  - ", kpt_frame_trace(a, &f[i]));
        if (o->verbose) /* which rule placed the frame */
            printf("    (placed %s)", kpt_place_name(f[i].placed_by));
        fputc('\n', stdout);
    }
}

/* the one input: the path given, or the newest report of the system's (*newest: malloc'd) */
static const char *
one_path(const struct kpt_opts *o, char **newest)
{
    if (o->npaths)
        return o->paths[0];
    if ((*newest = cli_newest_report("/Library/Logs/DiagnosticReports")))
        return *newest;
    diag_printf("no report given and none in /Library/Logs/DiagnosticReports");
    return NULL;
}

/* how report r (in a) came by its signature, or its backtrace (a hang's too) */
static void
print_one(const struct run_ctx *cx, struct arena *a, const char *path, struct kpt_report *r,
          int explain)
{
    if (explain) {
        struct buf ex = BUF_INIT;

        clu_explain(cx->rules, a, r, &ex);
        buf_addf(&ex, "status   %s%s%s\n", kpt_status_name(r->status), r->error ? ": " : "",
                 r->error ? r->error : "");
        put_escaped("", ex.data);
        buf_release(&ex);
        return;
    }
    print_frames(cx->o, a, r->frames, r->nframes);
    if (!r->nframes)
        diag_report(path, "no backtrace in the report");
    if (r->hang && r->hang->process) {
        /* a hang: where the starved service's thread was blocked, from the stackshot */
        put_escaped("", arena_printf(a, "Hung thread %llu of %s (pid %lld), %s:",
                                     (unsigned long long)r->hang->thread, r->hang->process,
                                     (long long)r->hang->pid, r->hang->why));
        fputc('\n', stdout);
        print_frames(cx->o, a, r->hang->frames, r->hang->nframes);
    }
}

/* the inputs through read_one() (no marking, no signing: clu_explain() signs), their
 * lookups made at once, then each resolved and printed: each kept in its own arena meanwhile
 * (a few reports asked about, not a fleet) */
static int
some_reports(const struct kpt_opts *o, int explain)
{
    struct run_ctx cx;
    struct pipeline_stage st = { &cx, 0, 0, 0, NULL, NULL, NULL };
    struct kpt_report *r;
    struct arena **a;
    char *newest = NULL;
    const char *one;
    size_t i, n = o->npaths ? o->npaths : 1;
    int ret = KPT_EXIT_OK;

    if (!(one = one_path(o, &newest)))
        return KPT_EXIT_USAGE;
    if (pipeline_ctx_open(&cx, o, explain, o->verbose ? diag_warn : NULL) < 0) {
        pipeline_ctx_close(&cx);
        free(newest);
        return KPT_EXIT_START;
    }
    a = xcalloc(n, sizeof(*a));
    r = xcalloc(n, sizeof(*r));
    for (i = 0; i < n; i++) {
        a[i] = arena_new(64 * 1024);
        pipeline_read_path(&st, a[i], n > 1 ? o->paths[i] : one, &r[i]);
        if (KPT_READ(&r[i]) && sym_needs_pass(cx.sym))
            sym_collect(cx.sym, a[i], &r[i]);
    }
    if (sym_needs_pass(cx.sym))
        sym_run(cx.sym, diag_warn);
    for (i = 0; i < n; i++) {
        const char *path = n > 1 ? o->paths[i] : one;

        if (n > 1)
            put_header(i == 0, path);
        if (!KPT_READ(&r[i])) {
            diag_report(path, r[i].error ? r[i].error : "rejected");
            ret = KPT_EXIT_REJECTED;
            continue;
        }
        sym_resolve(cx.sym, a[i], &r[i]);
        print_one(&cx, a[i], path, &r[i], explain);
    }
    if (o->verbose)
        pipeline_verbose_counts(sym_ctx_stats(cx.sym));
    if (fflush(stdout) != 0) {
        diag_printf("cannot write standard output: %s", strerror(errno));
        ret = KPT_EXIT_START;
    } else if (ferror(stdout)) { /* an earlier write failed; its errno is long gone */
        diag_printf("cannot write standard output: a write failed");
        ret = KPT_EXIT_START;
    }
    pipeline_ctx_close(&cx);
    for (i = 0; i < n; i++)
        arena_free(a[i]);
    free(a);
    free(r);
    free(newest);
    return ret;
}

int
pipeline_trace(const struct kpt_opts *o)
{
    return some_reports(o, 0);
}

int
pipeline_explain(const struct kpt_opts *o)
{
    return some_reports(o, 1);
}
