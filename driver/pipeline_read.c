/*
 * pipeline_read.c - read_one(): one input's bytes, a file's or an archive member's, into a
 * report in the caller's arena; left out or not by --since, --until, --build; symbolicated
 * and signed when the stage says so. It reads only the stage and its const context: safe on
 * a worker.
 */
#include <string.h>

#include "driver/pipeline_int.h"
#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/err.h"

/* --since, --until, --build: 1 when r is left out */
static int
excluded(const struct kpt_opts *o, const struct kpt_report *r)
{
    size_t i;
    int found = !o->nbuilds;

    for (i = 0; i < o->nbuilds && r->os_build; i++)
        if (!strcmp(o->builds[i], r->os_build))
            found = 1;
    if (!found)
        return 1;
    if ((o->has_since || o->has_until) && !r->has_when)
        return 1;
    return (o->has_since && r->when < o->since) || (o->has_until && r->when >= o->until);
}

static void
mark(const struct kpt_opts *o, struct kpt_report *r)
{
    if (!KPT_READ(r) || !excluded(o, r))
        return;
    r->excluded = 1;
    if (!r->error)
        r->error = "left out by --since, --until or --build";
}

void
pipeline_sign(const struct run_ctx *cx, struct arena *a, struct kpt_report *r, struct kpt_report *b)
{
    if (r->excluded) {
        sym_resolve(cx->sym, a, r);
        clu_sign(cx->rules, a, r);
    } else if (KPT_READ(r)) {
        sym_resolve(cx->sym, a, r);
        if (cx->rules_b) { /* the other rule set first: the frames keep this run's marks */
            *b = *r;
            clu_sign(cx->rules_b, a, b);
        }
        clu_sign(cx->rules, a, r);
    }
}

/* a link member's row (when named like a report): what it links to, nothing read */
static void
link_row(struct arena *a, const struct ing_member *m, struct kpt_report *r)
{
    r->status = KPT_ST_SKIPPED;
    r->error =
        m->hard_link
            ? arena_printf(a,
                           "a hard link to the member '%s': not read again (that member has a "
                           "row of its own)",
                           m->link)
            : arena_printf(a,
                           "a symbolic link to '%s': not followed (a member's link is only a "
                           "name)",
                           m->link);
}

/* the bytes parsed: READ_OTHER for a member that is no report, READ_EMPTY when there is
 * nothing for names_only to learn */
static int
parse(const struct pipeline_stage *st, struct arena *a, const struct pipeline_input *in,
      struct kpt_report *r)
{
    const struct kpt_limits *lim = &st->cx->o->lim;

    if (in->m && in->m->link) {
        link_row(a, in->m, r);
        return ing_name_looks_report(in->m->member) ? 0 : READ_OTHER;
    }
    if (in->why) {
        r->status = KPT_ST_REJECTED;
        r->error = arena_strdup(a, in->why);
        return 0;
    }
    if (st->names_only && !ing_may_print_names(in->data, in->len))
        return READ_EMPTY;
    if (in->m)
        return ing_parse_member(in->m->member, in->data, in->len, lim, a, r) == ING_OTHER
                   ? READ_OTHER
                   : 0;
    ing_parse_file(in->path, in->data, in->len, lim, a, r);
    return 0;
}

void
read_one_finish(const struct pipeline_stage *st, struct arena *a, struct kpt_report *r,
                struct kpt_report *b, int *is_signed)
{
    if (st->mark)
        mark(st->cx->o, r);
    if (st->sign) {
        pipeline_sign(st->cx, a, r, b);
        *is_signed = 1;
    }
}

int
read_one(const struct pipeline_stage *st, struct arena *a, const struct pipeline_input *in,
         struct kpt_report *r, struct kpt_report *b, int *is_signed)
{
    int ret;

    *is_signed = 0;
    kpt_report_init(r, a, in->path);
    if ((ret = parse(st, a, in, r)) != READ_OTHER)
        read_one_finish(st, a, r, b, is_signed);
    return ret;
}
