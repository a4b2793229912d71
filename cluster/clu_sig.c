/*
 * clu_sig.c - frame tokens, the plumbing skip, the walk and the keys (SIGNATURES.md §4, §5).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/xalloc.h"

#define WINDOW 16
#define MAX_TOKENS 40
#define WALK_MAX 6
#define SIG_MAX 255
#define TRUST_OFF 0x1000 /* a report-printed symbol this far from its start is not trusted */

/* ---- name reduction (§4.1 step 4) ---- */

static int
at_operator(const char *s, size_t i)
{
    /* s[i] is '<' or '(' right after "operator" (with its own chars) */
    size_t k = i;

    while (k > 0 && strchr("<>=!()[]+-*/%&|^~,", s[k - 1]))
        k--;
    return k >= 8 && !memcmp(s + k - 8, "operator", 8);
}

const char *
clu_reduce_name(const struct clu_rules *c, struct arena *a, const char *name)
{
    struct buf b = BUF_INIT;
    char *s = arena_strdup(a, name), *p;
    size_t i, n, depth = 0, paren = (size_t)-1;
    const char *res;

    /* clone suffixes (clones.txt): cut at the first of them */
    {
        char *cut = NULL;

        for (i = 0; c->clones[i]; i++)
            if ((p = strstr(s, c->clones[i])) && (!cut || p < cut))
                cut = p;
        if (cut)
            *cut = '\0';
    }
    n = strlen(s);
    /* the parameter list: first '(' at template depth 0 that is not part of an operator */
    for (i = 0; i < n; i++) {
        if (s[i] == '<' && !at_operator(s, i))
            depth++;
        else if (s[i] == '>' && depth && !at_operator(s, i))
            depth--;
        else if (s[i] == '(' && !depth && !(i >= 8 && !memcmp(s + i - 8, "operator", 8))) {
            if (i >= 12 && !memcmp(s + i - 12, "(anonymous n", 12))
                continue;
            if (!strncmp(s + i, "(anonymous namespace)", 21)) {
                i += 20;
                continue;
            }
            paren = i;
            break;
        }
    }
    if (paren != (size_t)-1)
        s[paren] = '\0';
    /* the return type: text before the last depth-0 space not inside "operator X" */
    n = strlen(s);
    depth = 0;
    {
        size_t cut = 0;

        for (i = 0; i < n; i++) {
            if (s[i] == '<' && !at_operator(s, i))
                depth++;
            else if (s[i] == '>' && depth && !at_operator(s, i))
                depth--;
            else if (s[i] == ' ' && !depth && !(i >= 8 && !memcmp(s + i - 8, "operator", 8)))
                cut = i + 1;
        }
        s += cut;
    }
    /* templates to <T> */
    n = strlen(s);
    depth = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '<' && !at_operator(s, i)) {
            if (!depth++)
                buf_adds(&b, "<T>");
        } else if (s[i] == '>' && depth && !at_operator(s, i)) {
            depth--;
        } else if (!depth) {
            buf_addc(&b, s[i]);
        }
    }
    res = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return res;
}

/* ---- tokens and the walk ---- */

struct tok {
    const char *text;   /* the key token */
    const char *fine;   /* the fine token: token+0xOFF, or bundle+0xOFF@UUID */
    const char *module; /* "kernel", a bundle id, or NULL outside every known range */
    size_t frame;       /* the (first) frame it stands for */
    int named;
};

static int
is_plumbing(const struct clu_rules *l, enum kpt_arch arch, const struct tok *t)
{
    if (!t->named || (t->module && strcmp(t->module, "kernel")))
        return 0;
    return clu_lists_match(l, CLU_PLUMB_COMMON, t->text) ||
           (arch != KPT_ARCH_ARM64 && clu_lists_match(l, CLU_PLUMB_X86, t->text)) ||
           (arch != KPT_ARCH_X86_64 && clu_lists_match(l, CLU_PLUMB_ARM, t->text));
}

static int
third_party(const char *module)
{
    return module && strcmp(module, "kernel") && strncmp(module, "com.apple.", 10);
}

static const struct kpt_kext *
kext_of(const struct kpt_report *r, const char *id)
{
    size_t i;

    for (i = 0; i < r->nkexts; i++)
        if (r->kexts[i].id == id || !strcmp(r->kexts[i].id, id))
            return &r->kexts[i];
    return NULL;
}

/* §4.1: a token per frame; consecutive identical module-only tokens collapse */
static size_t
make_tokens(const struct clu_rules *c, struct arena *a, const struct kpt_report *r, struct tok *t)
{
    size_t i, n = 0;

    for (i = 0; i < r->nframes && n < MAX_TOKENS; i++) {
        const struct kpt_frame *f = &r->frames[i];
        struct tok k = { "unknown", NULL, f->module, i, 0 };
        const char *mod = f->module;

        if (mod && clu_lists_match(c, CLU_KERNEL_MODULES, mod))
            mod = k.module = "kernel";
        /* a name the report printed is trusted only near its symbol (stripped binaries
         * name the nearest export); lldb's names are */
        if (f->function && (!f->keepsyms || f->func_off < TRUST_OFF)) {
            const char *fn = clu_reduce_name(c, a, f->function);

            k.named = 1;
            k.text = !mod || !strcmp(mod, "kernel") ? fn : arena_printf(a, "%s!%s", mod, fn);
            k.fine = arena_printf(a, "%s+0x%" PRIx64, k.text, f->func_off);
        } else if (mod) {
            const struct kpt_kext *kx = strcmp(mod, "kernel") ? kext_of(r, mod) : NULL;

            k.text = mod;
            k.fine = kx && kx->has_uuid
                         ? arena_printf(a, "%s+0x%" PRIx64 "@%s", mod, f->mod_off, kpt_uuid_text(a, kx->uuid))
                         : arena_printf(a, "%s+0x%" PRIx64, mod, f->mod_off);
        } else {
            k.fine = arena_printf(a, "0x%" PRIx64, f->addr);
        }
        if (n && !k.named && !t[n - 1].named && !strcmp(t[n - 1].text, k.text))
            continue; /* step 6 */
        t[n++] = k;
    }
    return n;
}

enum disp { D_BEYOND, D_PLUMBING, D_SKIPPED, D_IRRELEVANT, D_RECURSION, D_PREFIX, D_SIGNIFICANT,
            D_TAIL };
static const char *const disp_name[] = { "beyond", "plumbing", "skipped", "irrelevant",
                                         "recursion", "prefix", "significant", "tail" };

/* the list entry that decided a token's fate, as "file:line", for --explain */
static const char *
rule_of(const struct clu_rules *c, struct arena *a, enum kpt_arch arch, enum disp d, const char *tok)
{
    const struct clu_list_entry *e = NULL;
    enum clu_list which = CLU_NLISTS;

    switch (d) {
    case D_PLUMBING:
        if ((e = clu_lists_which(c, CLU_PLUMB_COMMON, tok)))
            which = CLU_PLUMB_COMMON;
        else if (arch != KPT_ARCH_ARM64 && (e = clu_lists_which(c, CLU_PLUMB_X86, tok)))
            which = CLU_PLUMB_X86;
        else if ((e = clu_lists_which(c, CLU_PLUMB_ARM, tok)))
            which = CLU_PLUMB_ARM;
        break;
    case D_IRRELEVANT: e = clu_lists_which(c, which = CLU_IRRELEVANT, tok); break;
    case D_PREFIX: e = clu_lists_which(c, which = CLU_PREFIX, tok); break;
    case D_TAIL: e = clu_lists_which(c, which = CLU_TAIL, tok); break;
    case D_BEYOND: case D_SKIPPED: case D_RECURSION: case D_SIGNIFICANT: break;
    }
    return e && which < CLU_NLISTS ? arena_printf(a, "%s:%u", c->lists[which].file, e->line) : "";
}

static int sign(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct buf *ex);

int
clu_sign(const struct clu_rules *c, struct arena *a, struct kpt_report *r)
{
    return sign(c, a, r, NULL);
}

int
clu_explain(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct buf *out)
{
    return sign(c, a, r, out);
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
    if (b.len > SIG_MAX) {
        size_t cut = SIG_MAX - 3;

        while (cut && ((unsigned char)b.data[cut] & 0xc0) == 0x80)
            cut--;
        b.len = cut;
        b.data[cut] = '\0';
        buf_adds(&b, "...");
    }
    res = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return res;
}

static const char *
key_hex(struct arena *a, const char *kind, const char *cls, const char *const *fields, size_t nf,
        const char *const *items, size_t ni, const char *const *extras, size_t ne, struct buf *canon)
{
    buf_reset(canon);
    clu_canon(canon, kind, cls, fields, nf, items, ni);
    if (extras) {
        size_t i;

        buf_addf(canon, "%zu:%zu,", (size_t)snprintf(NULL, 0, "%zu", ne), ne);
        for (i = 0; i < ne; i++)
            buf_addf(canon, "%zu:%s,", strlen(extras[i]), extras[i]);
    }
    return arena_printf(a, "%016" PRIx64, clu_hash(canon->data, canon->len));
}

static int
sign(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct buf *ex)
{
    const struct clu_rules *l = c;
    struct tok tok[MAX_TOKENS];
    enum disp disp[MAX_TOKENS];
    const char *walked[WALK_MAX + 1], *items[WALK_MAX + 2], *cls, **fields, *msg;
    const char *key_fields[8], *extras[WALK_MAX + 1], *coarse_item;
    size_t ntok, nfields, nkey = 0, start = 0, i, nwalked = 0, nitems = 0, sig = 0, named_sig = 0;
    size_t window, row = (size_t)-1, last_plumb = (size_t)-1, nextras = 0;
    int n_sig, n_walk, have_plumb = 0, anchored = 0, sig_tok[WALK_MAX + 1];
    struct buf canon = BUF_INIT;
    const char *quality = "OK";

    r->culprit = NULL;
    msg = clu_clean_message(c, a, r->panic_string);
    n_sig = clu_classify(c, a, msg, &cls, &fields, &nfields, &row);
    for (i = 0; i < nfields && nkey < 8; i++)
        if (fields[i][0] != '~')
            key_fields[nkey++] = fields[i];

    ntok = make_tokens(c, a, r, tok);
    window = ntok < WINDOW ? ntok : WINDOW;
    for (i = 0; i < ntok; i++)
        disp[i] = D_BEYOND;
    /* §4.2: the walk starts after the last plumbing frame in the window */
    for (i = 0; i < window; i++)
        if (is_plumbing(l, r->arch, &tok[i])) {
            start = i + 1;
            last_plumb = i;
            have_plumb = 1;
        }
    if (!have_plumb && r->has_caller) {
        /* no plumbing named (no symbols): the frame returning into panic()'s caller is the
         * first one after the plumbing */
        for (i = 0; i < window; i++)
            if (r->frames[tok[i].frame].addr == r->caller) {
                start = i;
                anchored = 1;
                break;
            }
    }
    for (i = 0; i < start && i < ntok; i++)
        disp[i] = is_plumbing(l, r->arch, &tok[i]) ? D_PLUMBING : D_SKIPPED;

    /* §4.3-4.4: the walk */
    n_walk = n_sig > 0 ? n_sig : 3;
    {
        struct buf fb = BUF_INIT;

        for (i = 0; i < nkey; i++)
            buf_addf(&fb, "%s%s", i ? "; " : "", key_fields[i]);
        r->fields = arena_strndup(a, fb.data, fb.len);
        buf_release(&fb);
    }
    for (i = start; i < ntok && nwalked < WALK_MAX; i++) {
        const struct tok *t = &tok[i];

        if (nwalked && !strcmp(walked[nwalked - 1], t->text)) {
            disp[i] = D_RECURSION;
            continue;
        }
        if (t->named && clu_lists_match(l, CLU_IRRELEVANT, t->text)) {
            disp[i] = D_IRRELEVANT;
            continue;
        }
        if (t->named && i >= window && is_plumbing(l, r->arch, t)) {
            disp[i] = D_PLUMBING;
            continue;
        }
        if (t->named && clu_lists_match(l, CLU_TAIL, t->text)) {
            disp[i] = D_TAIL;
            if (!sig) {
                sig_tok[sig++] = (int)i;
                named_sig++;
                walked[nwalked++] = t->text;
            }
            break;
        }
        walked[nwalked++] = t->text;
        if (t->named && clu_lists_match(l, CLU_PREFIX, t->text)) {
            disp[i] = D_PREFIX;
            continue;
        }
        disp[i] = D_SIGNIFICANT;
        sig_tok[sig] = (int)i;
        named_sig += (size_t)t->named;
        if (++sig >= (size_t)n_walk)
            break;
    }

    /* culprit (§6): the first third-party kext from the start point, else in the plumbing */
    for (i = start; i < ntok && !r->culprit; i++)
        if (third_party(tok[i].module))
            r->culprit = tok[i].module;
    for (i = 0; i < start && i < ntok && !r->culprit; i++)
        if (third_party(tok[i].module))
            r->culprit = tok[i].module;

    /* §4.5: quality, and the items of the primary key */
    if (!sig) {
        quality = "NOBT";
        if (n_sig > 0)
            items[nitems++] = "~nobt";
    } else if (named_sig < (sig < 2 ? sig : 2)) {
        /* one named frame among unnamed ones must not drive grouping; an address never */
        quality = "LOWSYM";
        if (n_sig > 0) {
            items[nitems++] = "~lowsym";
            for (i = 0; i < sig; i++) {
                const char *m = tok[sig_tok[i]].module ? tok[sig_tok[i]].module : "unknown";
                size_t k;
                int dup = 0;

                for (k = 1; k < nitems; k++)
                    if (!strcmp(items[k], m))
                        dup = 1;
                if (!dup)
                    items[nitems++] = m;
            }
        }
    } else if (n_sig > 0) {
        for (i = 0; i < nwalked; i++)
            items[nitems++] = walked[i];
    }

    /* §5: the three keys */
    r->sig_id = key_hex(a, "primary", cls, key_fields, nkey, items, nitems, NULL, 0, &canon);
    {
        struct buf pc = BUF_INIT;
        const char *primary_canon;

        buf_add(&pc, canon.data, canon.len);
        primary_canon = arena_strndup(a, pc.data, pc.len);
        buf_release(&pc);
        coarse_item = r->culprit ? r->culprit : "-";
        r->coarse_id = key_hex(a, "coarse", cls, key_fields, nkey, &coarse_item, 1, NULL, 0, &canon);
        for (i = start; i < ntok && nextras < WALK_MAX; i++)
            extras[nextras++] = tok[i].fine;
        if (r->src_file)
            extras[nextras++] = arena_printf(a, "loc=%s:%u", strrchr(r->src_file, '/') ? strrchr(r->src_file, '/') + 1 : r->src_file, r->src_line);
        r->fine_id = key_hex(a, "fine", cls, fields, nfields, n_sig > 0 ? items : walked,
                             n_sig > 0 ? nitems : nwalked, extras, nextras, &canon);
        r->signature = readable(a, cls, key_fields, nkey, items, nitems);
        r->coarse = readable(a, cls, key_fields, nkey, &coarse_item, 1);
        r->panic_class = cls;
        r->panic_template = clu_mask(a, msg, 160);
        r->quality = quality;
        r->nresolved = 0;
        for (i = 0; i < r->nframes; i++)
            if (r->frames[i].function)
                r->nresolved++;

        if (ex) {
            buf_addf(ex, "report   %s\n", r->path);
            buf_addf(ex, "format   %s  arch %s  build %s  kdk %s\n", kpt_format_name(r->format),
                     kpt_arch_name(r->arch), r->os_build ? r->os_build : "-",
                     r->kdk_status ? r->kdk_status : "-");
            buf_addf(ex, "algo     %s  rules %s\n", CLU_ALGO, clu_rules_digest(c));
            buf_addf(ex, "message  %s\n", msg);
            buf_addf(ex, "template %s\n", r->panic_template);
            buf_addf(ex, "class    %s  N=%d", cls, n_sig);
            for (i = 0; i < nfields; i++)
                buf_addf(ex, "  %s", fields[i]);
            if (row != (size_t)-1)
                buf_addf(ex, "  (classes.tsv:%u)", c->rows[row].line);
            buf_addc(ex, '\n');
            if (have_plumb)
                buf_addf(ex, "window   %zu tokens, last plumbing #%zu, walk starts at #%zu\n", window, last_plumb, start);
            else if (anchored)
                buf_addf(ex, "window   %zu tokens, no plumbing named; walk starts at #%zu, the frame returning into panic()'s caller\n",
                         window, start);
            else
                buf_addf(ex, "window   %zu tokens, no plumbing named; walk starts at #0\n", window);
            for (i = 0; i < ntok; i++)
                buf_addf(ex, "  #%-3zu %-12s %-56s %-26s %s\n", i, disp_name[disp[i]], tok[i].text,
                         rule_of(c, a, r->arch, disp[i], tok[i].text),
                         kpt_frame_display(a, &r->frames[tok[i].frame]));
            if (r->nframes && tok[ntok ? ntok - 1 : 0].frame + 1 < r->nframes)
                buf_addf(ex, "  (frames past #%zu collapsed or beyond the %d-token limit)\n",
                         ntok ? ntok - 1 : 0, MAX_TOKENS);
            buf_addf(ex, "quality  %s (%zu of %zu significant frames named)\n", quality, named_sig, sig);
            buf_addf(ex, "culprit  %s\n", r->culprit ? r->culprit : "-");
            buf_addf(ex, "primary  %s  %s\n", r->sig_id, r->signature);
            buf_addf(ex, "coarse   %s  %s\n", r->coarse_id, r->coarse);
            buf_addf(ex, "fine     %s\n", r->fine_id);
            buf_addf(ex, "canon    %s\n", primary_canon);
        }
    }
    buf_release(&canon);
    return 0;
}
