/*
 * clu_hang.c - the hang key (STACKSHOTS.md §4 step 3): the hung thread's top significant
 * kernel frames once the wait plumbing (hang-wait.txt) is dropped, tokenized and normalized
 * as the panicked thread's are. The key is the site alone: the service that starved is
 * not in it, so one blocked site behind two services' watchdogs has one hang_id.
 */
#include <inttypes.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/buf.h"

#define HANG_N 3     /* significant frames of a site */
#define SITE_MAX 255 /* bytes of the readable site */

static const char *
rule(const struct clu_rules *c, struct arena *a, enum clu_list which, const char *tok)
{
    const struct clu_list_entry *e = clu_lists_which(c, which, tok);

    return e ? arena_printf(a, "%s:%u", c->lists[which].file, e->line) : "";
}

static void
note(struct kpt_hang *h, struct arena *a, size_t i, const char *what, const char *tok,
     const char *why, const struct kpt_frame *f)
{
    h->disp[h->ndisp++] =
        arena_printf(a, "#%-3zu %-13s %-48s %-22s %s", i, what, tok, why, kpt_frame_display(a, f));
}

void
clu_hang_site(const struct clu_rules *c, struct arena *a, struct kpt_report *r)
{
    struct kpt_hang *h = r->hang;
    struct tok tok[MAX_TOKENS];
    const char *items[HANG_N];
    size_t n, i, k, nitems = 0;
    struct buf b = BUF_INIT;

    if (!h)
        return;
    h->hang_id = h->site = h->site_why = NULL;
    h->ndisp = 0;
    if (!h->process) {
        h->site_why = h->why;
        return;
    }
    n = clu_tokens(c, a, r, h->frames, h->nframes, tok);
    h->disp = arena_alloc(a, (n ? n : 1) * sizeof(*h->disp));
    /* the top: the wait itself, panic plumbing, dropped frames, frames of no known module */
    for (i = 0; i < n; i++) {
        const struct tok *t = &tok[i];
        const struct kpt_frame *f = &h->frames[t->frame];

        if (t->named && clu_lists_match(c, CLU_HANG_WAIT, t->text))
            note(h, a, i, "wait", t->text, rule(c, a, CLU_HANG_WAIT, t->text), f);
        else if (t->named && clu_is_plumbing(c, r->arch, t))
            note(h, a, i, "plumbing", t->text, "", f);
        else if (t->named && clu_lists_match(c, CLU_IRRELEVANT, t->text))
            note(h, a, i, "irrelevant", t->text, rule(c, a, CLU_IRRELEVANT, t->text), f);
        else if (!t->module)
            note(h, a, i, "unknown", t->text, "", f);
        else
            break;
    }
    if (i < n && tok[i].named && clu_lists_match(c, CLU_HANG_IDLE, tok[i].text)) {
        note(h, a, i, "idle", tok[i].text, rule(c, a, CLU_HANG_IDLE, tok[i].text),
             &h->frames[tok[i].frame]);
        h->site_why = arena_printf(a, "an idle wait (%s), not a hang", tok[i].text);
        return;
    }
    for (; i < n && nitems < HANG_N; i++) {
        const struct tok *t = &tok[i];
        const struct kpt_frame *f = &h->frames[t->frame];
        const char *item;

        if (t->named && clu_lists_match(c, CLU_IRRELEVANT, t->text)) {
            note(h, a, i, "irrelevant", t->text, rule(c, a, CLU_IRRELEVANT, t->text), f);
            continue;
        }
        if (!t->module && !t->named) {
            note(h, a, i, "unknown", t->text, "", f);
            continue;
        }
        /* unnamed: the module and its offset, the same binary's same place */
        item = t->named ? t->text : arena_printf(a, "%s+0x%" PRIx64, t->module, f->mod_off);
        if (nitems && !strcmp(items[nitems - 1], item)) {
            note(h, a, i, "recursion", item, "", f);
            continue;
        }
        if (t->named && clu_lists_match(c, CLU_TAIL, t->text)) {
            if (!nitems) {
                items[nitems++] = item;
                note(h, a, i, "site", item, rule(c, a, CLU_TAIL, t->text), f);
            } else {
                note(h, a, i, "tail", item, rule(c, a, CLU_TAIL, t->text), f);
            }
            break;
        }
        items[nitems++] = item;
        note(h, a, i, "site", item, "", f);
    }
    if (!nitems) {
        h->site_why = "no frame of the thread is known past its wait";
        return;
    }
    clu_canon(&b, "hang", "hang", NULL, 0, items, nitems);
    h->hang_id = arena_printf(a, "%016" PRIx64, clu_hash(b.data, b.len));
    buf_reset(&b);
    for (k = 0; k < nitems; k++) {
        buf_adds(&b, k ? " | " : "");
        buf_adds(&b, items[k]);
    }
    clu_ellipsize(&b, SITE_MAX);
    h->site = arena_strndup(a, b.data, b.len);
    buf_release(&b);
}
