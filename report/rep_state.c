/*
 * rep_state.c - a run's mergeable state (--emit-state); readers/rd_state.c reads it back.
 *
 * One JSON document: the reports' rows as the outputs print them (so that a merge re-emits
 * them byte for byte), every cluster with everything that merges (kpt_cluster_scalars' state
 * rows and the histograms), the totals, the rejected list and the symbolication counts.
 * Rows are streamed as the run goes; clusters come at the end.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"

int
rep_state_begin(FILE *f)
{
    fprintf(f, REP_HEAD_STATE ",\"version\":%d,\"reports\":[\n", KPT_STATE_VERSION);
    return ferror(f) ? KPT_E_IO : 0;
}

int
rep_state_report(FILE *f, const char *path, const char *csv, const char *json, int first)
{
    json_t *o = json_object();
    int ret;

    json_object_set_new(o, "path", rep_lossless_str(path));
    json_object_set_new(o, "csv", json_string(csv));
    json_object_set_new(o, "json", json_string(json));
    if (!first)
        fputs(",\n", f);
    ret = json_dumpf(o, f, JSON_COMPACT) ? KPT_E_IO : 0;
    json_decref(o);
    return ret || ferror(f) ? KPT_E_IO : 0;
}

/* a cluster as a state keeps it: every state row of kpt_cluster_scalars, lossless */
static json_t *
cluster_state(const struct kpt_cluster *c)
{
    const struct kpt_scalar *f;
    json_t *o = json_object(), *h;

    for (f = kpt_cluster_scalars; f->key; f++) {
        if (!(f->in & KPT_IN_STATE))
            continue;
        if (f->type != KPT_SC_PART) {
            json_object_set_new(o, f->key, rep_scalar_json(f, c, 1, NULL));
        } else if (f == &kpt_cluster_scalars[KPT_CS_HISTOGRAMS]) {
            h = rep_fields_json(kpt_cluster_fields, c, 1);
            json_object_update(o, h);
            json_decref(h);
        }
    }
    return o;
}

int
rep_state_end(FILE *f, const struct kpt_summary *s)
{
    json_t *cl = json_array(), *tot, *rej = json_array(), *sym;
    size_t i;
    int ret = 0;

    for (i = 0; i < s->nclusters; i++)
        json_array_append_new(cl, cluster_state(&s->clusters[i]));
    for (i = 0; i < s->nrej; i++)
        json_array_append_new(rej, json_pack("[o,o]", rep_lossless_str(s->rej[i].path),
                                             rep_lossless_str(s->rej[i].why)));
    tot = rep_fields_json(kpt_summary_fields, s, 1);
    sym = s->sym ? rep_fields_json(kpt_symstats_fields, s->sym, 1) : json_object();
    fputs("\n],\"clusters\":", f);
    ret = json_dumpf(cl, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs(",\"totals\":", f);
    ret |= json_dumpf(tot, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs(",\"rejected\":", f);
    ret |= json_dumpf(rej, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs(",\"sym\":", f);
    ret |= json_dumpf(sym, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs("}\n", f);
    json_decref(cl);
    json_decref(tot);
    json_decref(rej);
    json_decref(sym);
    return ret || ferror(f) ? KPT_E_IO : 0;
}
