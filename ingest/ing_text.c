/*
 * ing_text.c - the panic-text grammar shared by every format (FORMATS.md §3, §4, §6, §8).
 *
 * The text is split into lines (ing_lines.c). No rule depends on leading whitespace:
 * copies change indentation. Fields are matched by exact keys at the start of a
 * (left-trimmed) line, from one table; the first value of a field wins.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "ingest/ing_text.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/xalloc.h"

/* value after key, blanks skipped; NULL when empty */
static const char *
value_after(const struct ing_line *l, const char *key, size_t *vn)
{
    const char *p = l->s + strlen(key), *end = l->s + l->n;

    cur_skip_blank(&p, end);
    *vn = (size_t)(end - p);
    return *vn ? p : NULL;
}

/* ---- field lines ---- */

static void
set_slide(struct ing_tp *t, enum kpt_slide_key k, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    uint64_t v;

    if (cur_hex64(&p, end, &v, NULL) || p != end)
        return;
    if (t->r->slide_set & (1u << k))
        return; /* a nested panic prints them again: keep the first */
    t->r->slide[k] = v;
    t->r->slide_set |= 1u << k;
}

static void
set_process(struct ing_tp *t, const char *v, size_t n)
{
    if (!t->r->process && n)
        t->r->process = arena_strndup(t->a, v, n);
}

/* "Panicked task 0x...: 228 threads: pid 0: kernel_task" */
static void
task_line(struct ing_tp *t, const struct ing_line *l)
{
    const char *end = l->s + l->n, *p;
    uint64_t pid;

    for (p = l->s; p + 4 <= end; p++)
        if (!memcmp(p, "pid ", 4))
            break;
    if (p + 4 > end)
        return;
    p += 4;
    if (cur_dec(&p, end, &pid, 0x7fffffff) || cur_lit(&p, end, ":"))
        return;
    cur_skip_blank(&p, end);
    if (t->r->pid < 0)
        t->r->pid = (int)pid;
    set_process(t, p, (size_t)(end - p));
}

static void
process_line(struct ing_tp *t, const struct ing_line *l)
{
    const char *c = memchr(l->s, ':', l->n), *end = l->s + l->n, *p;

    if (!c)
        return;
    p = c + 1;
    cur_skip_blank(&p, end);
    set_process(t, p, (size_t)(end - p));
}

static void
model_value(struct ing_tp *t, const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && p[i] != ' ' && p[i] != '\t'; i++)
        ;
    if (!t->r->model && i)
        t->r->model = arena_strndup(t->a, p, i);
}

static void
build_value(struct ing_tp *t, const char *p, size_t n, const char **field)
{
    if (!*field && ing_build_token(p, n))
        *field = arena_strndup(t->a, p, n);
}

/* ---- one line ---- */

/* ---- field lines: one row per key ---- */

typedef void key_fn(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg);

static void
k_os_build(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    if (v)
        build_value(t, v, n, &t->r->os_build);
    else if (arg)
        t->want_build = 1; /* "Mac OS version:" with the build on the next line */
}

static void
k_host_build(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)arg;
    if (v)
        build_value(t, v, n, &t->r->host_build);
}

static void
k_kernel_version(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)arg;
    if (!v)
        t->want_kversion = 1;
    else if (!t->r->kernel_version)
        ing_parse_kernel_version(t->a, t->r, arena_strndup(t->a, v, n));
}

static void
k_kernel_uuid(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)arg;
    if (v && !t->r->has_kernel_uuid && !kpt_uuid_parse(v, n, t->r->kernel_uuid))
        t->r->has_kernel_uuid = 1;
}

static void
k_slide(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    if (v)
        set_slide(t, (enum kpt_slide_key)arg, v, n);
}

static void
k_model(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)arg;
    if (v)
        model_value(t, v, n);
}

static void
k_task(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)v;
    (void)n;
    (void)arg;
    task_line(t, l);
}

static void
k_process(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)v;
    (void)n;
    (void)arg;
    process_line(t, l);
}

static void
k_backtrace(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    const char *p = v;
    uint64_t cpu;

    (void)l;
    (void)arg;
    if (t->saw_bt_header && t->r->nframes)
        t->frames_closed = 1; /* a second backtrace is not the panicked thread's */
    t->saw_bt_header = 1;
    if (v && t->r->cpu < 0 && !cur_dec(&p, v + n, &cpu, 4095))
        t->r->cpu = (int)cpu;
}

static void
k_nested(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)v;
    (void)n;
    (void)arg;
    t->r->nested_count++;
    t->in_nested = 1;
}

static void
k_loaded(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)v;
    (void)n;
    (void)arg;
    t->in_loaded = 1;
}

static void
k_last_kext(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)v;
    (void)n;
    (void)arg;
    if (!t->r->last_kext)
        t->r->last_kext = arena_strndup(t->a, l->s, l->n);
}

static void
k_calendar(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    const char *p = v;
    uint64_t sec;

    (void)l;
    (void)arg;
    if (v && !cur_hex64(&p, v + n, &sec, NULL) && sec && sec < (1ull << 40) && !t->r->has_when) {
        t->r->when = (int64_t)sec;
        t->r->has_when = 1;
    }
}

static void
k_boot_session(struct ing_tp *t, const struct ing_line *l, const char *v, size_t n, int arg)
{
    (void)l;
    (void)arg;
    if (v && !t->r->incident)
        t->r->incident = arena_strndup(t->a, v, n);
}

/* the first key a line starts with decides; the value after it (blanks skipped) is v */
static const struct key {
    const char *key;
    key_fn *fn;
    int arg;
} keys[] = {
    { "Mac OS version:", k_os_build, 1 },
    { "OS version:", k_os_build, 0 },
    { "macOS version:", k_host_build, 0 },
    { "Kernel version:", k_kernel_version, 0 },
    { "Kernel UUID:", k_kernel_uuid, 0 },
    { "Kernel slide:", k_slide, KPT_SL_KERNEL_SLIDE },
    { "Kernel text base:", k_slide, KPT_SL_KERNEL_TEXT_BASE },
    { "KernelCache slide:", k_slide, KPT_SL_KC_SLIDE },
    { "KernelCache base:", k_slide, KPT_SL_KC_BASE },
    { "Kernel text exec slide:", k_slide, KPT_SL_TEXT_EXEC_SLIDE },
    { "Kernel text exec base:", k_slide, KPT_SL_TEXT_EXEC_BASE },
    { "__HIB  text base:", k_slide, KPT_SL_HIB_TEXT_BASE },
    { "macOS kernel slide:", k_slide, KPT_SL_HOST_SLIDE },
    { "System model name:", k_model, 0 },
    { "Hardware Model:", k_model, 0 },
    { "Panicked task ", k_task, 0 },
    { "BSD process name corresponding to current thread", k_process, 0 },
    { "Process name corresponding to current thread", k_process, 0 },
    { "Backtrace (CPU ", k_backtrace, 0 },
    { "Nested panic detected", k_nested, 0 },
    { "loaded kexts:", k_loaded, 0 },
    { "last loaded kext at", k_last_kext, 0 },
    { "last started kext at", k_last_kext, 0 },
    { "last unloaded kext at", k_last_kext, 0 },
    { "last stopped kext at", k_last_kext, 0 },
    { "Calendar:", k_calendar, 0 },
    { "Boot session UUID:", k_boot_session, 0 },
};

static void
field_line(struct ing_tp *t, const struct ing_line *l, int last_partial)
{
    struct kpt_report *r = t->r;
    size_t i, n;
    const char *v;

    if (t->want_build || t->want_kversion) {
        if (!l->n)
            return;
        if (t->want_build) {
            build_value(t, l->s, l->n, &r->os_build);
            t->want_build = 0;
        } else {
            if (!r->kernel_version && ing_starts(l, "Darwin Kernel Version"))
                ing_parse_kernel_version(t->a, r, arena_strndup(t->a, l->s, l->n));
            t->want_kversion = 0;
        }
        return;
    }
    if (t->in_loaded) {
        if (!l->n) {
            t->in_loaded = 0;
            return;
        }
        if (!last_partial)
            ing_loaded_line(t, l);
        return;
    }
    if (!l->n)
        return;
    if (last_partial)
        return; /* a cut line tells nothing reliable */
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (keys[i].key[0] == l->s[0] && ing_starts(l, keys[i].key)) {
            v = value_after(l, keys[i].key, &n);
            keys[i].fn(t, l, v, n, keys[i].arg);
            return;
        }
    ing_date_line(t, l);
}

static void
one_line(struct ing_tp *t, const struct ing_line *l, int last_partial)
{
    int rc;

    if (t->in_msg) {
        if (!(ing_msg_terminator(l) && !(l->n == 0 && t->msg_quote_open)) && !t->msg_done) {
            if (last_partial)
                t->r->truncated = 1;
            ing_msg_append(t, l->raw, l->rawn);
            return;
        }
        ing_msg_finish(t);
    }
    if (!t->msg_done && ing_msg_panic_line(t, l) == 0)
        return;
    if (t->msg_done && !t->in_nested && t->r->nframes && ing_starts(l, "panic(cpu ")) {
        /* two reports in one file (concatenated copies): the first is read, the rest said */
        t->second_panic = 1;
        t->frames_closed = 1;
        return;
    }
    if (l->n && l->s[0] == '@' && t->msg_done && !t->r->src_file) {
        /* " @trap_native.c:168" on its own line after the registers */
        const char *colon = kpt_memrchr(l->s, ':', l->n), *p;
        uint64_t line;

        if (colon && colon > l->s + 1) {
            p = colon + 1;
            if (!cur_dec(&p, l->s + l->n, &line, 1000000) && p == l->s + l->n) {
                t->r->src_file = arena_strndup(t->a, l->s + 1, (size_t)(colon - l->s - 1));
                t->r->src_line = (unsigned)line;
                return;
            }
        }
    }
    if (ing_mca_line(t, l) == 0)
        return;
    if (l->n > 2 && l->s[0] == '0' && l->s[1] == 'x') {
        if ((rc = ing_intel_frame(t, l, last_partial)) == 0)
            return;
        if (rc > 0) {
            t->r->truncated = 1;
            return;
        }
    }
    if (l->n > 3 && (rc = ing_arm_frame(t, l, last_partial)) >= 0) {
        if (rc > 0)
            t->r->truncated = 1;
        return;
    }
    if (memchr(l->s, '@', l->n) && memchr(l->s, '[', l->n) && ing_kext_line(t, l) == 0)
        return;
    ing_msg_fault_data(t, l);
    ing_regs_line(t->r, l->s, l->n);
    if (ing_starts(l, "x0:") || ing_starts(l, "esr:") || ing_starts(l, "Kernel text exec base:") ||
        ing_starts(l, "Hardware Model: iP"))
        t->arm_hint = 1;
    else if (ing_starts(l, "RAX:") || ing_starts(l, "CR0:") || ing_starts(l, "Mac OS version:"))
        t->intel_hint = 1;
    field_line(t, l, last_partial);
}

static int
looks_arm64(const struct kpt_report *r)
{
    size_t i;

    if (r->slide_set & (1u << KPT_SL_TEXT_EXEC_BASE))
        return 1;
    if (r->has_caller && ((r->caller >> 40) == 0xfffffe || (r->caller >> 36) == 0xfffffff))
        return 1;
    for (i = 0; i < r->nframes; i++)
        if ((r->frames[i].addr >> 40) == 0xfffffe || (r->frames[i].addr >> 36) == 0xfffffff)
            return 1;
    return 0;
}

int
ing_text_parse(const char *text, size_t len, const struct kpt_limits *lim, struct arena *a,
               struct kpt_report *r)
{
    struct ing_tp t;
    struct ing_line l;
    struct ing_lines it;
    int unterminated;

    memset(&t, 0, sizeof(t));
    t.lim = lim;
    t.a = a;
    t.r = r;
    t.mca_family = t.mca_model = -1;
    buf_init(&t.msg, KPT_MAX_MESSAGE_BYTES);
    unterminated = len && text[len - 1] != '\n' && text[len - 1] != '\r';
    ing_lines_init(&it, text, len, lim->max_line_bytes);
    while (ing_lines_next(&it, &l)) {
        ing_wrapped_frame(a, &it, &l);
        one_line(&t, &l, unterminated && it.pos >= len);
    }
    if (t.in_msg)
        ing_msg_finish(&t);
    buf_release(&t.msg);

    if (t.mca) {
        r->machine_check = ing_mca_summary(&t);
        t.intel_hint = 1;
    }
    if (r->arch == KPT_ARCH_UNKNOWN) {
        if (t.arm_hint || looks_arm64(r))
            r->arch = KPT_ARCH_ARM64;
        else if (t.intel_hint || r->nframes || r->slide_set)
            r->arch = KPT_ARCH_X86_64;
    }
    if (r->frames_dropped || t.kexts_dropped || r->loaded_dropped)
        r->damaged = 1;
    if (t.second_panic)
        ing_set_partial(r, a, "two panics in one file: only the first is read");
    if (it.over)
        ing_set_partial(r, a, "a line is over the line limit");
    if (r->frames_dropped)
        ing_set_partial(r, a,
                        arena_printf(a, "backtrace over the frame limit (%zu), %zu frames dropped",
                                     lim->max_frames, r->frames_dropped));
    if (!r->panic_string && !r->nframes && !r->os_build && !r->kernel_version && !r->nkexts &&
        !r->machine_check)
        return KPT_E_FORMAT;
    return 0;
}
