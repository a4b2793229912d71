/*
 * pipeline_archive.c - an archive's members as inputs: each member that is a report, or is
 * named like one, is a row of its own ("archive!member"); the others are counted in the
 * archive's own row, which is skipped (an archive is no report) or rejected (damaged).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"
#include "driver/pipeline_int.h"
#include "ingest/ing.h"
#include "util/buf.h"
#include "util/err.h"

struct actx {
    struct run *run;
    size_t rows, other;
    int names_only;         /* pass 1 with only names to learn */
    const char *want;       /* pipeline_read_member(): the member wanted, else NULL */
    struct kpt_report *out; /* ... read into it */
    int found;
};

static int
on_member(const struct ing_member *m, void *ctx)
{
    struct actx *c = ctx;
    struct run *run = c->run;
    struct kpt_report r, *rp = c->want ? c->out : &r;
    int ret;

    if (c->want && strcmp(m->path, c->want))
        return 0;
    arena_clear(run->arena);
    kpt_report_init(rp, run->arena, m->path);
    if (m->why) {
        rp->status = KPT_ST_REJECTED;
        rp->error = arena_strdup(run->arena, m->why);
    } else if (c->names_only && !ing_may_print_names(m->data, m->len)) {
        return 0; /* pass 1: nothing to learn from it */
    } else if ((ret = ing_parse_member(m->member, m->data, m->len, &run->o->lim, run->arena, rp)) == ING_OTHER) {
        c->other++;
        if (c->want) /* asked for by name: its row says what it is */
            rp->error = "no diagnostic report (an archive member counted with the others)";
        else
            return 0;
    }
    c->rows++;
    if (c->want) {
        c->found = 1;
        return 1;
    }
    return pipeline_report(run, rp);
}

int
pipeline_archive(struct run *run, const char *path)
{
    struct ing_archive_stats st;
    struct actx c;
    struct kpt_report r;
    int ret;

    memset(&st, 0, sizeof(st));
    memset(&c, 0, sizeof(c));
    c.run = run;
    c.names_only = run->pass == 1 && run->names_only;
    ret = ing_archive_read(path, &run->o->lim, on_member, &c, &st);
    if (ret == KPT_E_FORMAT) {
        free(st.damage);
        return ret;
    }
    if (ret == KPT_E_IO || run->io_error) {
        free(st.damage);
        return KPT_E_IO;
    }
    if (st.raw) { /* a lone compressed report: its one row was given */
        free(st.damage);
        return 0;
    }
    arena_clear(run->arena);
    kpt_report_init(&r, run->arena, path);
    if (st.damage) {
        r.status = KPT_ST_REJECTED;
        r.error = arena_printf(run->arena, "archive (%s) damaged or over a limit after %zu members: %s; "
                                           "%zu members listed, %zu other members", st.kind,
                               st.damage_after, st.damage, c.rows, c.other);
    } else {
        r.status = KPT_ST_SKIPPED;
        r.error = arena_printf(run->arena, "archive (%s) of %zu members: %zu listed as rows of their own "
                                           "(archive!member), %zu other members (no diagnostic report)",
                               st.kind, st.members, c.rows, c.other);
    }
    free(st.damage);
    return pipeline_report(run, &r);
}

int
pipeline_read_member(struct run *run, const char *path, struct kpt_report *r)
{
    struct buf file = BUF_INIT;
    const char *bang;
    int ret = -1;

    /* the archive is the longest prefix before a '!' that is a file (names may hold '!') */
    for (bang = strrchr(path, '!'); bang && ret < 0; ) {
        struct ing_archive_stats st;
        struct actx c;

        buf_reset(&file);
        buf_add(&file, path, (size_t)(bang - path));
        memset(&st, 0, sizeof(st));
        memset(&c, 0, sizeof(c));
        c.run = run;
        c.want = path;
        c.out = r;
        if (ing_archive_read(file.data, &run->o->lim, on_member, &c, &st) != KPT_E_FORMAT && c.found)
            ret = 0;
        free(st.damage);
        while (--bang > path && *bang != '!')
            ;
        if (bang <= path)
            bang = NULL;
    }
    buf_release(&file);
    return ret;
}

static int
stop_at_first(const struct ing_member *m, void *ctx)
{
    (void)m;
    (void)ctx;
    return 1;
}

int
pipeline_is_archive(const struct run *run, const char *path, int streams)
{
    struct ing_archive_stats st;
    int ret;

    memset(&st, 0, sizeof(st));
    ret = ing_archive_read(path, &run->o->lim, stop_at_first, NULL, &st);
    free(st.damage);
    return ret != KPT_E_FORMAT && (streams || !st.raw);
}

int
pipeline_is_archive_mem(const struct run *run, const void *data, size_t len, const char *path)
{
    struct ing_archive_stats st;
    int ret;

    memset(&st, 0, sizeof(st));
    ret = ing_archive_read_mem(data, len, path, &run->o->lim, stop_at_first, NULL, &st);
    free(st.damage);
    return ret != KPT_E_FORMAT;
}
