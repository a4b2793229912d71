/*
 * clu_sig.c - frame tokens, the plumbing skip, the walk and the keys (SIGNATURES.md §4, §5).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "cluster/clu_walk.h"
#include "util/xalloc.h"

#define SIG_MAX 255

static int
kext_tok(const struct tok *t)
{
    return t->module && !t->kernel;
}

/* the readable form: class[v1; v2] | item | item, at most SIG_MAX bytes */
static const char *
readable(struct arena *a, const char *cls, const char *const *fields, size_t nf,
         const char *const *items, size_t ni)
{
    struct buf b = BUF_INIT;
    const char *res;
    size_t i;

    buf_adds(&b, cls);
    if (nf) {
        buf_addc(&b, '[');
        for (i = 0; i < nf; i++) {
            const char *eq = strchr(fields[i], '=');

            buf_adds(&b, i ? "; " : "");
            buf_adds(&b, eq ? eq + 1 : fields[i]);
        }
        buf_addc(&b, ']');
    }
    for (i = 0; i < ni; i++) {
        buf_adds(&b, " | ");
        buf_adds(&b, items[i]);
    }
    clu_ellipsize(&b, SIG_MAX);
    res = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return res;
}

#define CLASSIFY_MAX 1024

static const char *
classify_text(struct arena *a, const char *msg)
{
    size_t n = strlen(msg);
    char *t;

    if (n <= CLASSIFY_MAX)
        return msg;
    n = CLASSIFY_MAX;
    while (n && ((unsigned char)msg[n] & 0xc0) == 0x80)
        n--;
    t = arena_strndup(a, msg, n);
    return t;
}

/* what one key is computed from (§5): its kind, the class, the fields and the items; the
 * fine key's extras (NULL for the others) */
struct key_in {
    const char *kind, *cls;
    const char *const *fields;
    size_t nf;
    const char *const *items;
    size_t ni;
    const char *const *extras;
    size_t ne;
};

/* the key of 'in': its canonical form into canon, its hex in *hex (in a) */
static uint64_t
key(struct arena *a, const struct key_in *in, struct buf *canon, const char **hex)
{
    uint64_t k;

    buf_reset(canon);
    clu_canon(canon, in->kind, in->cls, in->fields, in->nf, in->items, in->ni);
    if (in->extras)
        clu_canon_list(canon, in->extras, in->ne);
    k = clu_hash(canon->data, canon->len);
    *hex = clu_hex16(a, k);
    return k;
}

/* what the class table reads: the cleaned message; for a machine check whose message is
 * missing or says no more than "Machine Check", the MCA block's CPU and banks; for a report
 * without any message, the panicked task it shows (never an empty key) */
static const char *
classification_message(struct arena *a, const struct kpt_report *r, const char *msg)
{
    if (r->machine_check && (!*msg || strstr(msg, "Machine Check") || strstr(msg, "machine check")))
        return arena_printf(a, "Machine check: %s", r->machine_check);
    if (*msg)
        return msg;
    if (r->process)
        return arena_printf(a, "no panic message; task %s", r->process);
    return "no panic message";
}

/* the panic() was a kext's own: panic()'s caller lies in a kext, or (no caller frame) the
 * first frame after the plumbing does; on Intel before macOS 11, kexts alone live at
 * 0xffffff7f........ */
static int
kext_origin(const struct kpt_report *r, const struct walk *w)
{
    size_t i;

    if (r->has_caller) {
        if (r->arch == KPT_ARCH_X86_64 && (r->caller >> 32) == 0xffffff7f)
            return 1;
        for (i = 0; i < w->ntok; i++)
            if (r->frames[w->tok[i].frame].addr == r->caller)
                return w->tok[i].module && !w->tok[i].kernel;
    }
    return w->start < w->ntok && w->tok[w->start].module && !w->tok[w->start].kernel;
}

/* the suspect a report names itself (Suspected bundle:, Failing driver:), or NULL */
static const char *
named_suspect(const struct walk *w)
{
    size_t i;

    for (i = 0; i < w->nfields; i++)
        if (!strncmp(w->fields[i], "bundle=", 7) || !strncmp(w->fields[i], "driver=", 7))
            return w->fields[i] + 7;
    return NULL;
}

/* §4.2: the tokens, and where the walk starts: after the last plumbing frame in the window,
 * else (no plumbing named: no symbols) at the frame returning into panic()'s caller */
static void
start_walk(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct walk *w)
{
    struct tok *tok = w->tok;
    size_t i;

    w->ntok = clu_tokens(c, a, r, r->frames, r->nframes, tok);
    w->window = w->ntok < WINDOW ? w->ntok : WINDOW;
    for (i = 0; i < w->ntok; i++)
        w->disp[i] = D_BEYOND;
    for (i = 0; i < w->window; i++)
        if (clu_is_plumbing(c, r->arch, &tok[i])) {
            w->start = i + 1;
            w->last_plumb = i;
            w->have_plumb = 1;
        }
    if (!w->have_plumb && r->has_caller) {
        for (i = 0; i < w->window; i++)
            if (r->frames[tok[i].frame].addr == r->caller) {
                w->start = i;
                w->anchored = 1;
                break;
            }
    }
    for (i = 0; i < w->start && i < w->ntok; i++)
        w->disp[i] = clu_is_plumbing(c, r->arch, &tok[i]) ? D_PLUMBING : D_SKIPPED;
}

/* the basename of the source file the message named ("@IOGPUMemory.cpp:492"), or NULL */
static const char *
source_file(const struct kpt_report *r)
{
    const char *s = r->src_file, *p;

    if (!s)
        return NULL;
    for (p = s; *p; p++)
        if (*p == '/' || *p == '\n')
            s = p + 1;
    return *s ? s : NULL;
}

/* the class of the message, its fields, and the key fields among them into r->fields */
static void
classify(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct walk *w)
{
    struct buf fb = BUF_INIT;
    size_t i;

    w->msg = classification_message(a, r, clu_clean_message(c, a, r->panic_string));
    /* the class table sees the message's first CLASSIFY_MAX bytes: every class is decided
     * near the start, and a pattern's work stays bounded whatever the message */
    w->kext_origin = kext_origin(r, w);
    w->n_sig = clu_classify_at(c, a, classify_text(a, w->msg), source_file(r), w->kext_origin,
                               &w->cls, &w->fields, &w->nfields, &w->row);
    for (i = 0; i < w->nfields && w->nkey < 8; i++)
        if (w->fields[i][0] != '~')
            w->key_fields[w->nkey++] = w->fields[i];
    for (i = 0; i < w->nkey; i++) {
        buf_adds(&fb, i ? "; " : "");
        buf_adds(&fb, w->key_fields[i]);
    }
    r->fields = arena_strndup(a, fb.data, fb.len);
    buf_release(&fb);
}

/*
 * A spinlock or NMIPI timeout caught a CPU that an interrupt (or the NMI the timeout sends)
 * entered: its backtrace begins, after any panic plumbing, in the interrupt entry frames
 * (interrupt-entry.txt) and the lock spin between them (lock-spin.txt). Those frames are the
 * same for every such timeout; the code they interrupted is the bug. So the walk starts after
 * the last entry frame of that leading run (its own lock spin is then prefix, as anywhere).
 * Other classes keep entry frames: a panic in an interrupt handler is the handler's.
 */
static void
skip_interrupt_entry(const struct clu_rules *c, struct walk *w)
{
    size_t i, last = (size_t)-1;

    if (strcmp(w->cls, "lock_timeout"))
        return;
    for (i = w->start; i < w->window; i++) {
        const struct tok *t = &w->tok[i];

        if (!t->named || !t->kernel)
            break;
        if (clu_lists_match(c, CLU_INTR_ENTRY, t->text))
            last = i;
        else if (!clu_lists_match(c, CLU_LOCK_SPIN, t->text))
            break;
    }
    if (last == (size_t)-1)
        return;
    for (i = w->start; i <= last; i++)
        w->disp[i] = D_ENTRY;
    w->start = last + 1;
    w->entry_skipped = 1;
}

/* §4.3-4.4: the walk from the start, each token's disposition, N significant ones */
static void
walk_frames(const struct clu_rules *c, const struct kpt_report *r, struct walk *w)
{
    int n_walk = w->n_sig > 0 ? w->n_sig : 3;
    size_t i;

    for (i = w->start; i < w->ntok && w->nwalked < WALK_MAX; i++) {
        const struct tok *t = &w->tok[i];

        if (w->nwalked && !strcmp(w->walked[w->nwalked - 1], t->text)) {
            w->disp[i] = D_RECURSION;
            continue;
        }
        if (t->named && clu_lists_match(c, CLU_IRRELEVANT, t->text)) {
            w->disp[i] = D_IRRELEVANT;
            continue;
        }
        if (t->named && i >= w->window && clu_is_plumbing(c, r->arch, t)) {
            w->disp[i] = D_PLUMBING;
            continue;
        }
        if (t->named && clu_lists_match(c, CLU_TAIL, t->text)) {
            w->disp[i] = D_TAIL;
            if (!w->sig) {
                w->sig_tok[w->sig++] = (int)i;
                w->named_sig++;
                w->walked[w->nwalked++] = t->text;
            }
            break;
        }
        w->walked[w->nwalked++] = t->text;
        if (t->named && clu_lists_match(c, CLU_PREFIX, t->text)) {
            w->disp[i] = D_PREFIX;
            continue;
        }
        w->disp[i] = D_SIGNIFICANT;
        w->sig_tok[w->sig] = (int)i;
        w->named_sig += (size_t)t->named;
        if (++w->sig >= (size_t)n_walk)
            break;
    }
}

/* culprit (§6, revised): the suspect the report names; else the owner of the first
 * non-kernel frame from the start point, Apple's kexts included; else a kext in the
 * plumbing; else none (a kernel-only backtrace). A class keyed on its string alone
 * (watchdog, zone, hardware): the frames are a messenger's (the watchdog kext's, an
 * allocator's victim), never the culprit. */
static void
set_culprit(struct kpt_report *r, const struct walk *w)
{
    size_t i;

    r->culprit = named_suspect(w);
    if (w->n_sig > 0 || !strcmp(w->cls, CLU_KEXT_PANIC)) {
        for (i = w->start; i < w->ntok && !r->culprit; i++)
            if (kext_tok(&w->tok[i]))
                r->culprit = w->tok[i].module;
        for (i = 0; i < w->start && i < w->ntok && !r->culprit; i++)
            if (kext_tok(&w->tok[i]))
                r->culprit = w->tok[i].module;
    }
}

/* §4.5: quality, and the items of the primary key */
static void
set_quality(struct kpt_report *r, struct walk *w)
{
    size_t i, k;

    r->quality = KPT_Q_OK;
    if (!w->sig) {
        r->quality = KPT_Q_NOBT;
        if (w->n_sig > 0)
            w->items[w->nitems++] = "~nobt";
    } else if (w->named_sig < (w->sig < 2 ? w->sig : 2)) {
        /* one named frame among unnamed ones must not drive grouping; an address never */
        r->quality = KPT_Q_LOWSYM;
        if (w->n_sig <= 0)
            return;
        w->items[w->nitems++] = "~lowsym";
        for (i = 0; i < w->sig; i++) {
            const struct tok *t = &w->tok[w->sig_tok[i]];
            const char *m = t->module ? t->module : t->text;
            int dup = 0;

            for (k = 1; k < w->nitems; k++)
                if (!strcmp(w->items[k], m))
                    dup = 1;
            if (!dup)
                w->items[w->nitems++] = m;
        }
    } else if (w->n_sig > 0) {
        for (i = 0; i < w->nwalked; i++)
            w->items[w->nitems++] = w->walked[i];
    }
}

/* §5: the three keys, and the readable forms */
static void
set_keys(struct arena *a, struct kpt_report *r, struct walk *w)
{
    const char *extras[WALK_MAX + 1], *coarse_item = r->culprit ? r->culprit : "-";
    struct key_in primary = { "primary", w->cls,    w->key_fields, w->nkey,
                              w->items,  w->nitems, NULL,          0 };
    struct key_in coarse = { "coarse", w->cls, w->key_fields, w->nkey, &coarse_item, 1, NULL, 0 };
    struct key_in fine = { "fine",
                           w->cls,
                           (const char *const *)w->fields,
                           w->nfields,
                           w->n_sig > 0 ? w->items : w->walked,
                           w->n_sig > 0 ? w->nitems : w->nwalked,
                           extras,
                           0 };
    struct buf canon = BUF_INIT;
    size_t i;

    r->sig_key = key(a, &primary, &canon, &r->sig_id);
    w->primary_canon = arena_strndup(a, canon.data, canon.len);
    key(a, &coarse, &canon, &r->coarse_id);
    for (i = w->start; i < w->ntok && fine.ne < WALK_MAX; i++)
        extras[fine.ne++] = w->tok[i].fine;
    if (r->src_file) {
        char line[21];

        clu_dec(line, r->src_line);
        extras[fine.ne++] = clu_cat(
            a, "loc=", strrchr(r->src_file, '/') ? strrchr(r->src_file, '/') + 1 : r->src_file, ":",
            line, NULL);
    }
    key(a, &fine, &canon, &r->fine_id);
    r->signature = readable(a, w->cls, w->key_fields, w->nkey, w->items, w->nitems);
    r->coarse = readable(a, w->cls, w->key_fields, w->nkey, &coarse_item, 1);
    buf_release(&canon);
}

/* the signature of r into r's fields, and how it came about into w */
static void
compute(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct walk *w)
{
    size_t i;

    memset(w, 0, sizeof(*w));
    w->row = (size_t)-1;
    w->last_plumb = (size_t)-1;
    r->culprit = NULL;
    start_walk(c, a, r, w);
    classify(c, a, r, w);
    skip_interrupt_entry(c, w);
    walk_frames(c, r, w);
    set_culprit(r, w);
    set_quality(r, w);
    clu_trap_items(c, a, r, w);
    set_keys(a, r, w);
    r->panic_class = w->cls;
    r->panic_template = clu_mask(a, w->msg, 160);
    if (r->panic_string && strncmp(w->msg, "Machine check: ", 15) &&
        strncmp(w->msg, "no panic message", 16) &&
        (strlen(r->panic_string) > 160 || strchr(r->panic_string, '\n') ||
         strstr(r->panic_string, "\\n"))) /* shown whole: its lines, past 160 bytes */
        r->panic_template = clu_display_message(c, a, r->panic_string);
    r->nresolved = 0;
    for (i = 0; i < r->nframes; i++)
        if (r->frames[i].function)
            r->nresolved++;
    clu_hang_site(c, a, r);
}

void
clu_sign(const struct clu_rules *c, struct arena *a, struct kpt_report *r)
{
    struct walk *w = arena_alloc(a, sizeof(*w));

    compute(c, a, r, w);
}

void
clu_explain(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct buf *out)
{
    struct walk *w = arena_alloc(a, sizeof(*w));

    compute(c, a, r, w);
    clu_explain_walk(c, a, r, w, out);
}
