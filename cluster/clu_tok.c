/*
 * clu_tok.c - frame tokens (SIGNATURES.md §4.1): names reduced, judged against the trust
 * rule and normalized, one token per frame; for the primary walk (clu_sig.c) and the hang
 * site (clu_hang.c).
 */
#include <inttypes.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/buf.h"

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

static const char *
reduce_once(const struct clu_rules *c, struct arena *a, const char *name)
{
    struct buf b = BUF_INIT;
    char *s = arena_strdup(a, name), *p;
    size_t i, n, depth = 0, paren = (size_t)-1;
    const char *res;

    /* clone suffixes (clones.txt): cut at the first of them */
    {
        char *cut = NULL;

        for (i = 0; c->clones.v[i]; i++)
            if ((p = strstr(s, c->clones.v[i])) && (!cut || p < cut))
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

/*
 * Reduction must be idempotent (a reduced name reduces to itself): one pass can leave a name
 * another pass cuts again ("operator(anonymous n(" -> "n(" -> "n": the return-type cut
 * exposes a '(' that then reads as the parameter list), so passes repeat until the name
 * stays. After the first, a pass only cuts (its templates are <T> already): the length falls
 * until it stops; 16 passes bound it all the same.
 */
const char *
clu_reduce_name(const struct clu_rules *c, struct arena *a, const char *name)
{
    const char *r = reduce_once(c, a, name), *next;
    int k;

    for (k = 0; k < 16; k++) {
        next = reduce_once(c, a, r);
        if (!strcmp(next, r) || strlen(next) >= strlen(r))
            break;
        r = next;
    }
    return r;
}

/* ---- tokens and the walk ---- */

/* a name the report printed for f is kept near its symbol; the kernel's further */
static enum trust
judge(const struct clu_rules *c, const struct kpt_frame *f)
{
    int kernel_printed;

    if (!f->function)
        return T_NONE;
    if (!f->keepsyms)
        return T_LLDB;
    if (f->func_off < TRUST_KEXT)
        return T_NEAR;
    kernel_printed = (f->sym_module && clu_lists_match(c, CLU_KERNEL_MODULES, f->sym_module)) ||
                     (f->learned && f->in_kernel); /* learned from what kernels printed */
    return kernel_printed && f->func_off < TRUST_KERNEL ? T_APPROX : T_FAR;
}

int
clu_is_plumbing(const struct clu_rules *l, enum kpt_arch arch, const struct tok *t)
{
    if (!t->named || (t->module && !t->kernel))
        return 0;
    return clu_lists_match(l, CLU_PLUMB_COMMON, t->text) ||
           (arch != KPT_ARCH_ARM64 && clu_lists_match(l, CLU_PLUMB_X86, t->text)) ||
           (arch != KPT_ARCH_X86_64 && clu_lists_match(l, CLU_PLUMB_ARM, t->text));
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
size_t
clu_tokens(const struct clu_rules *c, struct arena *a, const struct kpt_report *r,
           struct kpt_frame *frames, size_t nframes, struct tok *t)
{
    size_t i, n = 0;

    for (i = 0; i < nframes && n < MAX_TOKENS; i++) {
        struct kpt_frame *f = &frames[i];
        struct tok k = { "unknown", NULL, f->module, i, 0, f->in_kernel, judge(c, f) };
        const char *mod = f->module;

        if (mod && !k.kernel && clu_lists_match(c, CLU_KERNEL_MODULES, mod)) {
            mod = k.module = KPT_MODULE_KERNEL;
            k.kernel = 1;
        }
        f->approx = k.trust == T_APPROX;
        char hex[17];

        if (k.trust == T_LLDB || k.trust == T_NEAR || k.trust == T_APPROX) {
            const char *fn = clu_reduce_name(c, a, f->function);

            k.named = 1;
            k.text = !mod || k.kernel ? fn : clu_cat(a, mod, "!", fn, NULL);
            clu_hex(hex, f->func_off);
            k.fine = clu_cat(a, k.text, "+0x", hex, NULL); /* token+0xOFF */
        } else if (mod) {
            const struct kpt_kext *kx = k.kernel ? NULL : kext_of(r, mod);

            k.text = mod;
            clu_hex(hex, f->mod_off); /* bundle+0xOFF, @UUID when the report gave it */
            k.fine = kx && kx->has_uuid
                         ? clu_cat(a, mod, "+0x", hex, "@", kpt_uuid_text(a, kx->uuid), NULL)
                         : clu_cat(a, mod, "+0x", hex, NULL);
        } else {
            /* placed nowhere: on Intel before macOS 11, kext space still says "a kext" */
            if (r->arch == KPT_ARCH_X86_64 && (f->addr >> 32) == 0xffffff7f)
                k.text = CLU_UNKNOWN_KEXT;
            clu_hex(hex, f->addr);
            k.fine = clu_cat(a, "0x", hex, NULL);
        }
        if (n && !k.named && !t[n - 1].named && !strcmp(t[n - 1].text, k.text))
            continue; /* step 6 */
        t[n++] = k;
    }
    return n;
}
