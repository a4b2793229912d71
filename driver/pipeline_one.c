/*
 * pipeline_one.c - --trace and --explain: one report through every stage but the table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"
#include "driver/pipeline_int.h"
#include "util/buf.h"
#include "util/diag.h"

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

static int
one_report(const struct kpt_opts *o, int explain)
{
    struct run run;
    struct sym_opts so;
    struct kpt_report r;
    char *newest = NULL;
    const char *path;
    int ret = KPT_EXIT_OK;

    memset(&run, 0, sizeof(run));
    run.o = o;
    if (o->npaths) {
        path = o->paths[0];
    } else if ((newest = cli_newest_report("/Library/Logs/DiagnosticReports"))) {
        path = newest;
    } else {
        diag_printf("no report given and none in /Library/Logs/DiagnosticReports");
        return KPT_EXIT_USAGE;
    }
    if (explain && pipeline_load_rules(o->rules, "rules", o->frames, &run.rules) < 0) {
        free(newest);
        return KPT_EXIT_START;
    }
    run.arena = arena_new(256 * 1024);
    pipeline_sym_options(o, &so);
    run.sym = sym_ctx_new(&so, o->verbose ? diag_warn : NULL);
    pipeline_read_report(&run, path, NULL, &r);
    if (!KPT_READ(&r)) {
        diag_report(path, r.error ? r.error : "rejected");
        ret = KPT_EXIT_REJECTED;
        goto out;
    }
    if (sym_needs_pass(run.sym)) {
        sym_collect(run.sym, run.arena, &r);
        sym_run(run.sym, diag_warn);
    }
    sym_resolve(run.sym, run.arena, &r);
    if (explain) {
        struct buf ex = BUF_INIT;

        clu_explain(run.rules, run.arena, &r, &ex);
        buf_addf(&ex, "status   %s%s%s\n", kpt_status_name(r.status), r.error ? ": " : "",
                 r.error ? r.error : "");
        put_escaped("", ex.data);
        buf_release(&ex);
    } else {
        print_frames(o, run.arena, r.frames, r.nframes);
        if (!r.nframes)
            diag_report(path, "no backtrace in the report");
        if (r.hang && r.hang->process) {
            /* a hang: where the starved service's thread was blocked, from the stackshot */
            put_escaped("", arena_printf(run.arena, "Hung thread %llu of %s (pid %lld), %s:",
                                         (unsigned long long)r.hang->thread, r.hang->process,
                                         (long long)r.hang->pid, r.hang->why));
            fputc('\n', stdout);
            print_frames(o, run.arena, r.hang->frames, r.hang->nframes);
        }
    }
    if (o->verbose)
        pipeline_verbose_counts(sym_ctx_stats(run.sym));
    if (fflush(stdout) != 0) {
        diag_printf("cannot write standard output: %s", strerror(errno));
        ret = KPT_EXIT_START;
    } else if (ferror(stdout)) { /* an earlier write failed; its errno is long gone */
        diag_printf("cannot write standard output: a write failed");
        ret = KPT_EXIT_START;
    }
out:
    sym_ctx_free(run.sym);
    clu_rules_free(run.rules);
    arena_free(run.arena);
    free(newest);
    return ret;
}

int
pipeline_trace(const struct kpt_opts *o)
{
    return one_report(o, 0);
}

int
pipeline_explain(const struct kpt_opts *o)
{
    return one_report(o, 1);
}
