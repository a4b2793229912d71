/*
 * ing_frames.c - backtrace frame lines: Intel "0xFP : 0xRET" with the keepsyms name when
 * printed, arm64 "lr: 0x... fp: 0x..." (FORMATS.md §6.6, §6.7).
 */
#include <string.h>

#include "ingest/ing_text.h"
#include "util/xalloc.h"
#include "util/err.h"

static void
add_frame(struct ing_tp *t, const struct kpt_frame *f)
{
    struct kpt_report *r = t->r;

    if (t->in_nested || t->frames_closed)
        return;
    if (r->nframes >= t->lim->max_frames) {
        r->frames_dropped++;
        return;
    }
    if (r->nframes == t->frames_cap) {
        size_t ncap = t->frames_cap ? t->frames_cap * 2 : 32;
        struct kpt_frame *nf = arena_alloc(t->a, st_mult(ncap, sizeof(*nf)));

        if (r->nframes)
            memcpy(nf, r->frames, r->nframes * sizeof(*nf));
        r->frames = nf;
        t->frames_cap = ncap;
    }
    r->frames[r->nframes++] = *f;
}

/* Intel: "0xFP : 0xRET" [" (args)"] [" MODULE : SYMBOL [+ 0xOFF]"] */
int
ing_intel_frame(struct ing_tp *t, const struct ing_line *l, int last_partial)
{
    const char *p = l->s, *end = l->s + l->n;
    struct kpt_frame f;
    int nd1, nd2, bad = last_partial ? 1 : KPT_E_PARSE; /* on the last line: cut there */

    memset(&f, 0, sizeof(f));
    if (cur_hex64(&p, end, &f.fp, &nd1) || cur_lit(&p, end, " : ") ||
        cur_hex64(&p, end, &f.addr, &nd2))
        return KPT_E_PARSE;
    /* the last line, without its newline: whole when every field is there in full, named
     * or raw alike (both addresses at full width, and a name followed by its offset) */
    if (last_partial && (nd1 != 16 || nd2 != 16))
        return 1; /* cut mid-frame */
    if (p < end && p[0] == ' ' && p + 1 < end && p[1] == '(') {
        const char *cl = memchr(p, ')', (size_t)(end - p));

        if (!cl)
            return bad;
        p = cl + 1;
    }
    if (p < end) {
        const char *mod, *sep, *sym, *plus;

        if (*p != ' ')
            return bad;
        p++;
        mod = p;
        sep = NULL;
        for (; p + 2 < end; p++)
            if (p[0] == ' ' && p[1] == ':' && p[2] == ' ') {
                sep = p;
                break;
            }
        if (!sep || sep == mod || memchr(mod, ' ', (size_t)(sep - mod)))
            return bad;
        sym = sep + 3;
        if (sym >= end)
            return bad;
        plus = NULL;
        for (p = end - 1; p > sym + 2; p--)
            if (p[-3] == ' ' && p[-2] == '+' && p[-1] == ' ')
                break;
        if (p > sym + 2) {
            const char *q = p;
            uint64_t off;

            if (!cur_hex64(&q, end, &off, NULL) && q == end) {
                plus = p - 3;
                f.sym_off = off;
            }
        }
        if (last_partial && !plus)
            return 1; /* cut inside the name, or before its offset */
        /* names longer than any real one are not kept (the frame is): bounded tokens */
        if ((size_t)(sep - mod) <= KPT_MAX_MODULE_NAME &&
            (size_t)((plus ? plus : end) - sym) <= KPT_MAX_SYMBOL_NAME) {
            f.sym_module = arena_strndup(t->a, mod, (size_t)(sep - mod));
            f.sym_name = arena_strndup(t->a, sym, (size_t)((plus ? plus : end) - sym));
        } else {
            f.sym_off = 0;
        }
    }
    add_frame(t, &f);
    return 0;
}

/* arm64: "lr: 0x... fp: 0x..." anywhere in the line */
int
ing_arm_frame(struct ing_tp *t, const struct ing_line *l, int last_partial)
{
    const char *p = l->s, *end = l->s + l->n, *q;
    struct kpt_frame f;
    int nd1, nd2;

    /* the first "lr:": the first ':' with "lr" before it */
    for (q = p; (q = memchr(q, ':', (size_t)(end - q))) != NULL; q++)
        if (q - p >= 2 && q[-2] == 'l' && q[-1] == 'r')
            break;
    if (!q)
        return KPT_E_PARSE;
    q -= 2;
    p = q + 3;
    memset(&f, 0, sizeof(f));
    cur_skip_blank(&p, end);
    if (cur_hex64(&p, end, &f.addr, &nd1))
        return KPT_E_PARSE;
    q = p;
    cur_skip_blank(&p, end);
    if (p == q || cur_lit(&p, end, "fp:"))
        return KPT_E_PARSE;
    cur_skip_blank(&p, end);
    if (cur_hex64(&p, end, &f.fp, &nd2))
        return last_partial ? 1 : KPT_E_PARSE;
    if (last_partial && (nd1 != 16 || nd2 != 16))
        return 1;
    add_frame(t, &f);
    return 0;
}

/* a paste hard-wrapped at 80 columns cuts a keepsyms frame after its '+': "0x... : 0x...
 * mach_kernel : _handle_debugger_trap +" then "0x49d" alone. The two make one line. */
int
ing_wrapped_frame(struct arena *a, struct ing_lines *it, struct ing_line *l)
{
    struct ing_lines save;
    struct ing_line next;
    const char *p, *end;
    uint64_t v;
    char *j;

    if (l->n < 3 || l->s[0] != '0' || l->s[1] != 'x' || l->s[l->n - 1] != '+')
        return 0;
    save = *it;
    if (!ing_lines_next(it, &next))
        return 0;
    p = next.s;
    end = next.s + next.n;
    if (cur_hex64(&p, end, &v, NULL) || p != end) {
        *it = save;
        return 0;
    }
    j = arena_printf(a, "%.*s %.*s", (int)l->n, l->s, (int)next.n, next.s);
    l->s = l->raw = j;
    l->n = l->rawn = strlen(j);
    return 1;
}
