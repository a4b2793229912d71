/*
 * ing_input.c - an input's bytes to a report, with what its name says: a file named like
 * another kind of report is skipped, an archive member that is no report is counted.
 */
#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/err.h"

int
ing_parse_named(const char *name, const void *data, size_t len, const struct kpt_limits *lim,
                struct arena *a, struct kpt_report *r)
{
    int ret = ing_parse(data, len, lim, a, r);
    const char *k;

    if (ret == KPT_E_FORMAT && r->status == KPT_ST_REJECTED && (k = ing_kind_by_name(name))) {
        r->status = KPT_ST_SKIPPED;
        r->error = k;
    }
    return ret;
}

int
ing_parse_member(const char *member, const void *data, size_t len, const struct kpt_limits *lim,
                 struct arena *a, struct kpt_report *r)
{
    int ret = ing_parse_named(member ? member : "", data, len, lim, a, r);

    /* no report by content, nor by name (a .DS_Store, skipped by name, is none either) */
    if (member && ret == KPT_E_FORMAT && !ing_name_looks_report(member) &&
        (r->status == KPT_ST_REJECTED || ing_kind_by_name(member)))
        return ING_OTHER;
    return ret;
}
