/*
 * rep_json.c - one JSON document: {"tool", "reports": [...], "clusters": [...], "totals"}.
 * Reports are streamed as they arrive; clusters and totals are written at the end.
 */
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"

static int
dump(FILE *f, json_t *j)
{
    int ret = json_dumpf(j, f, JSON_COMPACT | JSON_ENSURE_ASCII) ? KPT_E_IO : 0;

    json_decref(j);
    return ret || ferror(f) ? KPT_E_IO : 0;
}

int
rep_json_begin(FILE *f)
{
    fprintf(f, "{\"tool\":\"kptrace-batch\",\"version\":\"%s\",\"reports\":[\n", KPT_VERSION);
    return ferror(f) ? KPT_E_IO : 0;
}

static json_t *
frame_json(struct arena *a, const struct kpt_frame *fm)
{
    json_t *x = json_object();

    json_object_set_new(x, "addr", rep_jstr(arena_printf(a, "0x%016" PRIx64, fm->addr)));
    json_object_set_new(x, "module", rep_jstr(fm->module));
    json_object_set_new(x, "offset", fm->module ? rep_jstr(arena_printf(a, "0x%" PRIx64, fm->mod_off))
                                                : json_null());
    json_object_set_new(x, "function", rep_jstr(fm->function));
    /* where the name came from: lldb, or the report itself (keepsyms) */
    json_object_set_new(x, "name_source", fm->function ? json_string(fm->learned ? "learned" : fm->keepsyms ? "report" : "lldb") : json_null());
    json_object_set_new(x, "approximate", json_boolean(fm->approx));
    json_object_set_new(x, "file", rep_jstr(fm->file));
    json_object_set_new(x, "line", fm->file ? json_integer(fm->line) : json_null());
    json_object_set_new(x, "text", rep_jstr(kpt_frame_text(a, fm)));
    if (fm->image) {
        json_object_set_new(x, "image_kind", json_stringn(&fm->image->kind, 1));
        json_object_set_new(x, "image_uuid", fm->image->has_uuid ? rep_jstr(kpt_uuid_text(a, fm->image->uuid)) : json_null());
        json_object_set_new(x, "image_offset", rep_jstr(arena_printf(a, "0x%" PRIx64, fm->img_off)));
    }
    return x;
}

/* the hung thread: which one, why, its frames and its site; null when not a hang */
static json_t *
hang_json(struct arena *a, const struct kpt_report *r)
{
    const struct kpt_hang *h = r->hang;
    json_t *o, *fr;
    size_t i;

    if (!h)
        return json_null();
    o = json_object();
    if (r->ss)
        json_object_set_new(o, "stackshot", json_pack("{s:I,s:I,s:I,s:I,s:o}", "processes", (json_int_t)r->ss->nprocs,
                                                      "threads", (json_int_t)r->ss->nthreads, "images", (json_int_t)r->ss->nimages,
                                                      "dropped", (json_int_t)r->ss->dropped, "damage", rep_jstr(r->ss->damage)));
    fr = json_array();
    json_object_set_new(o, "service", rep_jstr(h->service));
    json_object_set_new(o, "process", rep_jstr(h->process));
    json_object_set_new(o, "pid", h->process && h->pid >= 0 ? json_integer((json_int_t)h->pid) : json_null());
    json_object_set_new(o, "thread", h->process ? json_integer((json_int_t)(h->thread & 0x1fffffffffffffull)) : json_null());
    json_object_set_new(o, "thread_name", rep_jstr(h->thread_name));
    json_object_set_new(o, "state", rep_jstr(h->state));
    json_object_set_new(o, "why", rep_jstr(h->why));
    json_object_set_new(o, "hang_id", rep_jstr(h->hang_id));
    json_object_set_new(o, "site", rep_jstr(h->site));
    json_object_set_new(o, "no_site", rep_jstr(h->hang_id ? NULL : h->site_why ? h->site_why : h->why));
    for (i = 0; i < h->nframes; i++)
        json_array_append_new(fr, frame_json(a, &h->frames[i]));
    json_object_set_new(o, "frames", fr);
    return o;
}

void
rep_json_report_buf(struct buf *out, struct arena *a, const struct kpt_report *r)
{
    json_t *o = json_object(), *fr = json_array(), *kx = json_array(), *sl = json_object();
    size_t i;
    int read = KPT_READ(r);

    json_object_set_new(o, "path", rep_lossless_str(r->path));
    json_object_set_new(o, "status", json_string(kpt_status_name(r->status)));
    json_object_set_new(o, "error", rep_jstr(r->error));
    if (read) {
        json_object_set_new(o, "identity", rep_jstr(r->identity));
        json_object_set_new(o, "excluded", json_boolean(r->excluded));
        json_object_set_new(o, "format", json_string(kpt_format_name(r->format)));
        json_object_set_new(o, "arch", json_string(kpt_arch_name(r->arch)));
        json_object_set_new(o, "os_build", rep_jstr(r->os_build));
        json_object_set_new(o, "os_version", rep_jstr(r->os_version));
        json_object_set_new(o, "host_build", rep_jstr(r->host_build));
        json_object_set_new(o, "kernel_version", rep_jstr(r->kernel_version));
        json_object_set_new(o, "xnu", rep_jstr(r->xnu));
        json_object_set_new(o, "variant", rep_jstr(r->variant));
        json_object_set_new(o, "soc", rep_jstr(r->soc));
        json_object_set_new(o, "kernel_uuid",
                            r->has_kernel_uuid ? rep_jstr(kpt_uuid_text(a, r->kernel_uuid)) : json_null());
        for (i = 0; i < KPT_SL_COUNT; i++)
            if (r->slide_set & (1u << i))
                json_object_set_new(sl, kpt_slide_name((enum kpt_slide_key)i),
                                    rep_jstr(arena_printf(a, "0x%016" PRIx64, r->slide[i])));
        json_object_set_new(o, "slides", sl);
        sl = NULL;
        json_object_set_new(o, "model", rep_jstr(r->model));
        json_object_set_new(o, "time", r->has_when ? rep_jstr(kpt_time_text(a, r->when, r->when_local))
                                                   : json_null());
        json_object_set_new(o, "cpu", r->cpu >= 0 ? json_integer(r->cpu) : json_null());
        json_object_set_new(o, "caller", r->has_caller ? rep_jstr(arena_printf(a, "0x%016" PRIx64, r->caller))
                                                       : json_null());
        json_object_set_new(o, "process", rep_jstr(r->process));
        json_object_set_new(o, "pid", r->pid >= 0 ? json_integer(r->pid) : json_null());
        json_object_set_new(o, "panic_string", rep_jstr(r->panic_string));
        /* a T2 Mac's two panics: which one the report is signed on, and the other's message */
        json_object_set_new(o, "panic_source", rep_jstr(kpt_panic_source_name(r->panic_source)));
        json_object_set_new(o, "other_panic", rep_jstr(r->other_panic));
        json_object_set_new(o, "src_file", rep_jstr(r->src_file));
        json_object_set_new(o, "panic_class", rep_jstr(r->panic_class));
        json_object_set_new(o, "signature_id", rep_jstr(r->sig_id));
        json_object_set_new(o, "signature", rep_jstr(r->signature));
        json_object_set_new(o, "coarse_id", rep_jstr(r->coarse_id));
        json_object_set_new(o, "fine_id", rep_jstr(r->fine_id));
        json_object_set_new(o, "quality", rep_jstr(kpt_quality_name(r->quality)));
        json_object_set_new(o, "culprit", rep_jstr(r->culprit));
        json_object_set_new(o, "culprit_owner", rep_jstr(kpt_culprit_owner(r->culprit)));
        json_object_set_new(o, "kdk", rep_jstr(r->kdk));
        json_object_set_new(o, "kdk_match", rep_jstr(kpt_kdk_match_name(r->kdk_match)));
        for (i = 0; i < r->nframes; i++)
            json_array_append_new(fr, frame_json(a, &r->frames[i]));
        json_object_set_new(o, "hang", hang_json(a, r));
        for (i = 0; i < r->nkexts; i++) {
            const struct kpt_kext *k = &r->kexts[i];
            json_t *x = json_object();

            json_object_set_new(x, "id", rep_jstr(k->id));
            json_object_set_new(x, "version", rep_jstr(k->version));
            json_object_set_new(x, "uuid", k->has_uuid ? rep_jstr(kpt_uuid_text(a, k->uuid)) : json_null());
            json_object_set_new(x, "start", rep_jstr(arena_printf(a, "0x%016" PRIx64, k->start)));
            json_object_set_new(x, "end", k->has_end ? rep_jstr(arena_printf(a, "0x%016" PRIx64, k->end))
                                                     : json_null());
            json_object_set_new(x, "dependency", json_boolean(k->dependency));
            json_array_append_new(kx, x);
        }
        json_object_set_new(o, "frames", fr);
        json_object_set_new(o, "kexts", kx);
        json_object_set_new(o, "loaded_kexts", json_integer((json_int_t)r->nloaded));
        fr = kx = NULL;
    }
    json_decref(fr);
    json_decref(kx);
    json_decref(sl);
    {
        char *t = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);

        if (t)
            buf_adds(out, t);
        free(t);
    }
    json_decref(o);
}

int
rep_json_sep(FILE *f, int first)
{
    if (!first)
        fputs(",\n", f);
    return ferror(f) ? KPT_E_IO : 0;
}

int
rep_json_end(FILE *f, const struct kpt_summary *s)
{
    json_t *tot = NULL, *rej = json_array();
    size_t i, k;
    int ret = 0;

    /* the clusters one at a time (the same bytes as one compact array): memory is one
     * cluster's tree, not 100,000 of them */
    fputs("\n],\"clusters\":[", f);
    for (i = 0; i < s->nclusters; i++) {
        const struct kpt_cluster *c = &s->clusters[i];
        json_t *o = json_object(), *fr = json_array(), *ex = json_array();
        struct arena *a = arena_new(256);

        json_object_set_new(o, "rank", json_integer((json_int_t)i + 1));
        json_object_set_new(o, "signature_id", rep_jstr(c->id_hex));
        json_object_set_new(o, "signature", rep_jstr(c->signature));
        json_object_set_new(o, "count", json_integer((json_int_t)c->count));
        json_object_set_new(o, "panic_class", rep_jstr(c->panic_class));
        json_object_set_new(o, "culprit", rep_jstr(c->culprit));
        json_object_set_new(o, "culprit_owner", rep_jstr(kpt_culprit_owner(c->culprit)));
        json_object_set_new(o, "message", rep_jstr(c->message));
        json_object_set_new(o, "first_seen", c->has_seen ? rep_jstr(kpt_time_text(a, c->first_seen, c->seen_local)) : json_null());
        json_object_set_new(o, "last_seen", c->has_seen ? rep_jstr(kpt_time_text(a, c->last_seen, c->seen_local)) : json_null());
        json_object_set_new(o, "fields", rep_jstr(c->fields));
        json_object_set_new(o, "coarse_id", rep_jstr(c->coarse_id));
        json_object_set_new(o, "coarse", rep_jstr(c->coarse));
        {
            json_t *h = rep_fields_json(kpt_cluster_fields, c, 0);

            json_object_update(o, h);
            json_decref(h);
        }
        if (s->base) {
            char tmp[32];
            const struct kpt_base_entry *e = rep_baseline_find(s->base, c->id_hex);

            json_object_set_new(o, "baseline_status", json_string(rep_baseline_status(s->base, c, tmp)));
            json_object_set_new(o, "baseline_count", e ? json_integer((json_int_t)e->count) : json_null());
        }
        if (s->hist)
            json_object_set_new(o, "history", rep_hist_cluster_json(s, i));
        json_object_set_new(o, "representative", rep_lossless_str(c->rep_path));
        for (k = 0; k < c->rep_nframes; k++)
            json_array_append_new(fr, rep_jstr(c->rep_frames[k]));
        json_object_set_new(o, "frames", fr);
        for (k = 0; k < c->nexamples; k++)
            json_array_append_new(ex, rep_lossless_str(c->examples[k]));
        json_object_set_new(o, "examples", ex);
        {
            json_t *mem = json_array();

            /* members: indices into "reports" (every member, when the table kept them) */
            for (k = 0; k < c->nmembers; k++)
                json_array_append_new(mem, json_integer((json_int_t)c->members[k]));
            json_object_set_new(o, "members", mem);
        }
        arena_free(a);
        if (i)
            fputc(',', f);
        if ((ret = dump(f, o)) < 0)
            goto out;
    }
    fputc(']', f);
    tot = rep_fields_json(kpt_summary_fields, s, 0);
    json_object_set_new(tot, "clusters", json_integer((json_int_t)s->nclusters));
    if (s->sym)
        json_object_set_new(tot, "symbolication", rep_fields_json(kpt_symstats_fields, s->sym, 0));
    if (s->hist)
        json_object_set_new(tot, "history", rep_hist_run_json(s));
    for (i = 0; i < s->nrej; i++) {
        json_t *o = json_object();

        json_object_set_new(o, "path", rep_lossless_str(s->rej[i].path));
        json_object_set_new(o, "error", rep_jstr(s->rej[i].why));
        json_array_append_new(rej, o);
    }
    fputs(",\"totals\":", f);
    if ((ret = dump(f, tot)) < 0)
        goto out_rej;
    fputs(",\"rejected\":", f);
    ret = dump(f, rej);
    rej = NULL;
    fputs("}\n", f);
    if (ferror(f))
        ret = KPT_E_IO;
out_rej:
    json_decref(rej);
    return ret;
out:
    json_decref(tot);
    json_decref(rej);
    return ret;
}
