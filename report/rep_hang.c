/*
 * rep_hang.c - a report's hung thread (a watchdog panic's, from its stackshot), item by
 * item: --json's "hang" object walks rep_hang_items in its order, and the reports CSV's
 * hang columns name its items (rep_csv.c). And a frame as --json shows it, a report's or
 * the hung thread's.
 */
#include <inttypes.h>

#include "report/rep.h"
#include "report/rep_int.h"

json_t *
rep_frame_json(struct arena *a, const struct kpt_frame *fm)
{
    json_t *x = json_object();

    json_object_set_new(x, "addr", rep_jstr(arena_printf(a, "0x%016" PRIx64, fm->addr)));
    json_object_set_new(x, "module", rep_jstr(fm->module));
    json_object_set_new(x, "offset",
                        fm->module ? rep_jstr(arena_printf(a, "0x%" PRIx64, fm->mod_off))
                                   : json_null());
    json_object_set_new(x, "function", rep_jstr(fm->function));
    /* where the name came from: lldb, or the report itself (keepsyms) */
    json_object_set_new(x, "name_source",
                        fm->function ? json_string(fm->learned    ? "learned"
                                                   : fm->keepsyms ? "report"
                                                                  : "lldb")
                                     : json_null());
    json_object_set_new(x, "approximate", json_boolean(fm->approx));
    json_object_set_new(x, "file", rep_jstr(fm->file));
    json_object_set_new(x, "line", fm->file ? json_integer(fm->line) : json_null());
    json_object_set_new(x, "text", rep_jstr(kpt_frame_text(a, fm)));
    if (fm->image) {
        json_object_set_new(x, "image_kind", json_stringn(&fm->image->kind, 1));
        json_object_set_new(x, "image_uuid",
                            fm->image->has_uuid ? rep_jstr(kpt_uuid_text(a, fm->image->uuid))
                                                : json_null());
        json_object_set_new(x, "image_offset",
                            rep_jstr(arena_printf(a, "0x%" PRIx64, fm->img_off)));
    }
    return x;
}

static const struct kpt_hang *
hang(const struct rep_src *x)
{
    return x->r->hang;
}

/* what the stackshot held: only when there was one */
static json_t *
j_stackshot(const struct rep_src *x)
{
    const struct kpt_stackshot *ss = x->r->ss;

    if (!ss)
        return NULL;
    return json_pack("{s:I,s:I,s:I,s:I,s:o}", "processes", (json_int_t)ss->nprocs, "threads",
                     (json_int_t)ss->nthreads, "images", (json_int_t)ss->nimages, "dropped",
                     (json_int_t)ss->dropped, "damage", rep_jstr(ss->damage));
}

static json_t *
j_service(const struct rep_src *x)
{
    return rep_jstr(hang(x)->service);
}

static json_t *
j_process(const struct rep_src *x)
{
    return rep_jstr(hang(x)->process);
}

static json_t *
j_pid(const struct rep_src *x)
{
    return hang(x)->process && hang(x)->pid >= 0 ? json_integer((json_int_t)hang(x)->pid)
                                                 : json_null();
}

static json_t *
j_thread(const struct rep_src *x)
{
    return hang(x)->process ? json_integer((json_int_t)(hang(x)->thread & 0x1fffffffffffffull))
                            : json_null();
}

static json_t *
j_thread_name(const struct rep_src *x)
{
    return rep_jstr(hang(x)->thread_name);
}

static json_t *
j_state(const struct rep_src *x)
{
    return rep_jstr(hang(x)->state);
}

static json_t *
j_why(const struct rep_src *x)
{
    return rep_jstr(hang(x)->why);
}

static json_t *
j_id(const struct rep_src *x)
{
    return rep_jstr(hang(x)->hang_id);
}
static void
t_id(const struct rep_src *x, struct buf *b)
{
    if (hang(x) && hang(x)->hang_id)
        buf_adds(b, hang(x)->hang_id);
}

static json_t *
j_site(const struct rep_src *x)
{
    return rep_jstr(hang(x)->site);
}

/* why a hang has no site: none when it has one */
static const char *
no_site(const struct kpt_hang *h)
{
    return h->hang_id ? NULL : h->site_why ? h->site_why : h->why;
}
static json_t *
j_no_site(const struct rep_src *x)
{
    return rep_jstr(no_site(hang(x)));
}

static json_t *
j_frames(const struct rep_src *x)
{
    json_t *fr = json_array();
    size_t i;

    for (i = 0; i < hang(x)->nframes; i++)
        json_array_append_new(fr, rep_frame_json(x->a, &hang(x)->frames[i]));
    return fr;
}

const struct rep_item rep_hang_items[REP_HG_N + 1] = {
    [REP_HG_STACKSHOT] = { "stackshot", j_stackshot, NULL },
    [REP_HG_SERVICE] = { "service", j_service, NULL },
    [REP_HG_PROCESS] = { "process", j_process, NULL },
    [REP_HG_PID] = { "pid", j_pid, NULL },
    [REP_HG_THREAD] = { "thread", j_thread, NULL },
    [REP_HG_THREAD_NAME] = { "thread_name", j_thread_name, NULL },
    [REP_HG_STATE] = { "state", j_state, NULL },
    [REP_HG_WHY] = { "why", j_why, NULL },
    [REP_HG_ID] = { "hang_id", j_id, t_id },
    [REP_HG_SITE] = { "site", j_site, NULL },
    [REP_HG_NO_SITE] = { "no_site", j_no_site, NULL },
    [REP_HG_FRAMES] = { "frames", j_frames, NULL },
    [REP_HG_N] = { NULL, NULL, NULL },
};
