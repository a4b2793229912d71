/*
 * ing_text.c - the panic-text grammar shared by every format (FORMATS.md §3, §4, §6, §8).
 *
 * The text is split into lines (LF, CRLF and lone CR all end a line; EOF too), trailing
 * blanks trimmed, a Markdown quote prefix stripped when most lines carry it. No rule
 * depends on leading whitespace: copies change indentation. Fields are matched by exact
 * keys at the start of a (left-trimmed) line; the first value of a field wins.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/civil.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/xalloc.h"

struct line {
    const char *s; /* left-trimmed start */
    size_t n;      /* length after trimming both ends */
    const char *raw;
    size_t rawn;
};

struct tp {
    const struct kpt_limits *lim;
    struct arena *a;
    struct kpt_report *r;
    struct buf msg;
    int in_msg, msg_quote_open, msg_done;
    int in_loaded, want_build, want_kversion;
    int in_nested, frames_closed, saw_bt_header;
    int kexts_dropped;
    int arm_hint, intel_hint; /* register rows and the like seen */
    size_t frames_cap, kexts_cap, loaded_cap;
};

/* ---- small cursor helpers: advance *p only on success ---- */

static int
lit(const char **p, const char *end, const char *s)
{
    size_t n = strlen(s);

    if ((size_t)(end - *p) < n || memcmp(*p, s, n))
        return -1;
    *p += n;
    return 0;
}

static void
skip_blank(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

/* "0x" then 1..16 hex digits; *ndig gets the digit count. */
static int
hex64(const char **p, const char *end, uint64_t *v, int *ndig)
{
    const char *q = *p;
    uint64_t x = 0;
    int n = 0, d;

    if (lit(&q, end, "0x"))
        return -1;
    while (q < end && (d = hex_digit((unsigned char)*q)) >= 0) {
        if (n == 16)
            return -1;
        x = x << 4 | (uint64_t)d;
        n++;
        q++;
    }
    if (!n)
        return -1;
    *p = q;
    *v = x;
    if (ndig)
        *ndig = n;
    return 0;
}

static int
dec(const char **p, const char *end, uint64_t *v, uint64_t max)
{
    const char *q = *p;
    uint64_t x = 0;

    if (q >= end || !isdigit((unsigned char)*q))
        return -1;
    while (q < end && isdigit((unsigned char)*q)) {
        x = x * 10 + (uint64_t)(*q - '0');
        if (x > max)
            return -1;
        q++;
    }
    *p = q;
    *v = x;
    return 0;
}

static int
starts(const struct line *l, const char *key)
{
    size_t n = strlen(key);

    return l->n >= n && !memcmp(l->s, key, n);
}

/* value after key, blanks skipped; NULL when empty */
static const char *
value_after(struct tp *t, const struct line *l, const char *key, size_t *vn)
{
    const char *p = l->s + strlen(key), *end = l->s + l->n;

    skip_blank(&p, end);
    *vn = (size_t)(end - p);
    (void)t;
    return *vn ? p : NULL;
}

static const char *
dup_value(struct tp *t, const struct line *l, const char *key)
{
    size_t n;
    const char *v = value_after(t, l, key, &n);

    return v ? arena_strndup(t->a, v, n) : NULL;
}

void
ing_set_partial(struct kpt_report *r, struct arena *a, const char *why)
{
    if (r->status == KPT_ST_REJECTED)
        return;
    r->status = KPT_ST_PARTIAL;
    if (!r->error)
        r->error = arena_strdup(a, why);
}

int
ing_build_token(const char *s, size_t n)
{
    size_t i = 0, k;

    for (k = 0; i < n && isdigit((unsigned char)s[i]); i++)
        k++;
    if (k < 1 || k > 2 || i >= n || !isupper((unsigned char)s[i]))
        return 0;
    i++;
    for (k = 0; i < n && isdigit((unsigned char)s[i]); i++)
        k++;
    if (k < 1 || k > 5)
        return 0;
    if (i < n && islower((unsigned char)s[i]))
        i++;
    return i == n;
}

const char *
ing_build_from_version(struct arena *a, const char *v)
{
    const char *open = strrchr(v, '('), *close;

    if (open && (close = strchr(open, ')')) && ing_build_token(open + 1, (size_t)(close - open - 1)))
        return arena_strndup(a, open + 1, (size_t)(close - open - 1));
    if (ing_build_token(v, strlen(v)))
        return arena_strdup(a, v);
    return NULL;
}

/* ---- the kernel version string ---- */

void
ing_parse_kernel_version(struct arena *a, struct kpt_report *r, const char *v)
{
    const char *x = strstr(v, "root:xnu-"), *p, *tilde, *slash, *suf;
    size_t n;

    r->kernel_version = v;
    if (!x)
        return;
    p = x + strlen("root:xnu-");
    for (tilde = p; *tilde && *tilde != '~' && *tilde != '/' && *tilde != ' '; tilde++)
        ;
    if (tilde > p)
        r->xnu = arena_strndup(a, p, (size_t)(tilde - p));
    slash = strchr(tilde, '/');
    if (!slash)
        return;
    suf = slash + 1;
    for (n = 0; suf[n] && (isalnum((unsigned char)suf[n]) || suf[n] == '_'); n++)
        ;
    {
        /* (RELEASE|DEVELOPMENT|KASAN|DEBUG)_(X86_64|ARM64)(_<SOC>)? */
        const char *u = memchr(suf, '_', n);
        char *variant, *soc = NULL;
        size_t i;

        if (!u)
            return;
        variant = arena_strndup(a, suf, (size_t)(u - suf));
        for (i = 0; variant[i]; i++)
            variant[i] = (char)tolower((unsigned char)variant[i]);
        r->variant = variant;
        u++;
        if ((size_t)(suf + n - u) >= 6 && !memcmp(u, "X86_64", 6)) {
            r->arch = KPT_ARCH_X86_64;
        } else if ((size_t)(suf + n - u) >= 5 && !memcmp(u, "ARM64", 5)) {
            r->arch = KPT_ARCH_ARM64;
            if ((size_t)(suf + n - u) > 6 && u[5] == '_') {
                soc = arena_strndup(a, u + 6, (size_t)(suf + n - u - 6));
                for (i = 0; soc[i]; i++)
                    soc[i] = (char)tolower((unsigned char)soc[i]);
                r->soc = soc;
            }
        }
    }
}

/* ---- compressed kext ids (FORMATS.md §6.9) ---- */

static const char *
expand_kext_id(struct arena *a, const char *s, size_t n)
{
    static const struct { char c; const char *with; } lead[] = {
        { '>', "com.apple.driver." }, { '|', "com.apple.iokit." },
        { '$', "com.apple.security." }, { '@', "com.apple." },
    };
    static const struct { char c; const char *with; } mid[] = {
        { 'U', "AppleUSB" }, { 'A', "Apple" }, { 'F', "Family" }, { 'S', "Storage" },
        { 'C', "Controller" }, { 'B', "Bluetooth" }, { 'I', "Intel" }, { 'a', "Action" },
        { 'P', "Profile" },
    };
    struct buf b = BUF_INIT_MAX(4096);
    const char *out;
    size_t i, k;

    for (i = 0; i < n; i++) {
        int done = 0;

        if (i == 0)
            for (k = 0; k < sizeof(lead) / sizeof(lead[0]); k++)
                if (s[0] == lead[k].c) {
                    buf_adds(&b, lead[k].with);
                    done = 1;
                    break;
                }
        if (!done && s[i] == '!' && i + 1 < n)
            for (k = 0; k < sizeof(mid) / sizeof(mid[0]); k++)
                if (s[i + 1] == mid[k].c) {
                    buf_adds(&b, mid[k].with);
                    i++;
                    done = 1;
                    break;
                }
        if (!done)
            buf_addc(&b, s[i]);
    }
    out = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return out;
}

/* ---- frames ---- */

static void
add_frame(struct tp *t, const struct kpt_frame *f)
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
static int
intel_frame(struct tp *t, const struct line *l, int last_partial)
{
    const char *p = l->s, *end = l->s + l->n;
    struct kpt_frame f;
    int nd1, nd2;

    memset(&f, 0, sizeof(f));
    if (hex64(&p, end, &f.fp, &nd1) || lit(&p, end, " : ") || hex64(&p, end, &f.addr, &nd2))
        return -1;
    if (last_partial && (nd1 != 16 || nd2 != 16 || p != end))
        return 1; /* cut mid-frame */
    if (p < end && p[0] == ' ' && p + 1 < end && p[1] == '(') {
        const char *cl = memchr(p, ')', (size_t)(end - p));

        if (!cl)
            return -1;
        p = cl + 1;
    }
    if (p < end) {
        const char *mod, *sep, *sym, *plus;

        if (*p != ' ')
            return -1;
        p++;
        mod = p;
        sep = NULL;
        for (; p + 2 < end; p++)
            if (p[0] == ' ' && p[1] == ':' && p[2] == ' ') {
                sep = p;
                break;
            }
        if (!sep || sep == mod || memchr(mod, ' ', (size_t)(sep - mod)))
            return -1;
        sym = sep + 3;
        if (sym >= end)
            return -1;
        plus = NULL;
        for (p = end - 1; p > sym + 2; p--)
            if (p[-3] == ' ' && p[-2] == '+' && p[-1] == ' ')
                break;
        if (p > sym + 2) {
            const char *q = p;
            uint64_t off;

            if (!hex64(&q, end, &off, NULL) && q == end) {
                plus = p - 3;
                f.sym_off = off;
            }
        }
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
static int
arm_frame(struct tp *t, const struct line *l, int last_partial)
{
    const char *p = l->s, *end = l->s + l->n, *q;
    struct kpt_frame f;
    int nd1, nd2;

    for (q = p; q + 3 <= end; q++)
        if (q[0] == 'l' && q[1] == 'r' && q[2] == ':')
            break;
    if (q + 3 > end)
        return -1;
    p = q + 3;
    memset(&f, 0, sizeof(f));
    skip_blank(&p, end);
    if (hex64(&p, end, &f.addr, &nd1))
        return -1;
    q = p;
    skip_blank(&p, end);
    if (p == q || lit(&p, end, "fp:"))
        return -1;
    skip_blank(&p, end);
    if (hex64(&p, end, &f.fp, &nd2))
        return last_partial ? 1 : -1;
    if (last_partial && (nd1 != 16 || nd2 != 16))
        return 1;
    add_frame(t, &f);
    return 0;
}

/* ---- Kernel Extensions in backtrace (FORMATS.md §6.8) ---- */

static int
kext_line(struct tp *t, const struct line *l)
{
    const char *p = l->s, *end = l->s + l->n, *id, *ver, *uu;
    struct kpt_kext k;
    struct kpt_report *r = t->r;
    size_t idn, vern, uun, i;

    memset(&k, 0, sizeof(k));
    if (!lit(&p, end, "dependency:")) {
        k.dependency = 1;
        skip_blank(&p, end);
    }
    id = p;
    while (p < end && *p != '(' && *p != ' ' && *p != '\t')
        p++;
    idn = (size_t)(p - id);
    if (!idn || idn > KPT_MAX_MODULE_NAME || lit(&p, end, "("))
        return -1;
    ver = p;
    while (p < end && *p != ')')
        p++;
    vern = (size_t)(p - ver);
    if (lit(&p, end, ")["))
        return -1;
    uu = p;
    while (p < end && (hex_digit((unsigned char)*p) >= 0 || *p == '-'))
        p++;
    uun = (size_t)(p - uu);
    if (lit(&p, end, "]@") || hex64(&p, end, &k.start, NULL))
        return -1;
    if (!lit(&p, end, "->")) {
        if (hex64(&p, end, &k.end, NULL))
            return -1;
        k.has_end = k.end >= k.start; /* an end below the start is damage: start-only */
    }
    if (p != end)
        return -1;
    if (uun) {
        if (kpt_uuid_parse(uu, uun, k.uuid))
            return -1;
        k.has_uuid = 1;
    }
    /* a kext printed again (as a dependency, maybe with another version) is kept as printed;
     * an END it lacked the first time is filled in */
    for (i = 0; i < r->nkexts; i++) {
        struct kpt_kext *o = &r->kexts[i];

        if (o->start == k.start && o->has_uuid == k.has_uuid && !memcmp(o->uuid, k.uuid, 16) &&
            strlen(o->id) == idn && !memcmp(o->id, id, idn) && !o->has_end && k.has_end) {
            o->end = k.end;
            o->has_end = 1;
        }
    }
    if (r->nkexts >= t->lim->max_kexts) {
        t->kexts_dropped++;
        return 0;
    }
    k.id = arena_strndup(t->a, id, idn);
    k.version = arena_strndup(t->a, ver, vern);
    if (r->nkexts == t->kexts_cap) {
        size_t ncap = t->kexts_cap ? t->kexts_cap * 2 : 8;
        struct kpt_kext *nk = arena_alloc(t->a, st_mult(ncap, sizeof(*nk)));

        if (r->nkexts)
            memcpy(nk, r->kexts, r->nkexts * sizeof(*nk));
        r->kexts = nk;
        t->kexts_cap = ncap;
    }
    r->kexts[r->nkexts++] = k;
    return 0;
}

static void
loaded_line(struct tp *t, const struct line *l)
{
    struct kpt_report *r = t->r;
    const char *p = l->s, *end = l->s + l->n, *id;
    struct kpt_loaded e;

    id = p;
    while (p < end && *p != '\t' && *p != ' ')
        p++;
    if (p == id)
        return;
    if (r->nloaded >= t->lim->max_kexts) {
        r->loaded_dropped++;
        return;
    }
    e.id = expand_kext_id(t->a, id, (size_t)(p - id));
    skip_blank(&p, end);
    e.version = arena_strndup(t->a, p, (size_t)(end - p));
    if (r->nloaded == t->loaded_cap) {
        size_t ncap = t->loaded_cap ? t->loaded_cap * 2 : 64;
        struct kpt_loaded *nl = arena_alloc(t->a, st_mult(ncap, sizeof(*nl)));

        if (r->nloaded)
            memcpy(nl, r->loaded, r->nloaded * sizeof(*nl));
        r->loaded = nl;
        t->loaded_cap = ncap;
    }
    r->loaded[r->nloaded++] = e;
}

/* ---- dates ---- */

static int
month_index(const char *s)
{
    static const char *const m[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    int i;

    for (i = 0; i < 12; i++)
        if (!memcmp(s, m[i], 3))
            return i + 1;
    return 0;
}

/* "Sat Jun 13 17:31:08 2015" (day may be space-padded) */
static int
date_line(struct tp *t, const struct line *l)
{
    static const char *const days[] = { "Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun " };
    const char *p = l->s, *end = l->s + l->n;
    uint64_t d, hh, mm, ss, y;
    int mon, i, ok = 0;

    if (l->n < 20 || l->n > 26)
        return -1;
    for (i = 0; i < 7; i++)
        if (!lit(&p, end, days[i])) {
            ok = 1;
            break;
        }
    if (!ok || end - p < 4 || !(mon = month_index(p)) || p[3] != ' ')
        return -1;
    p += 4;
    skip_blank(&p, end);
    if (dec(&p, end, &d, 31) || lit(&p, end, " ") || dec(&p, end, &hh, 23) ||
        lit(&p, end, ":") || dec(&p, end, &mm, 59) || lit(&p, end, ":") ||
        dec(&p, end, &ss, 60) || lit(&p, end, " ") || dec(&p, end, &y, 9999) || p != end || !d)
        return -1;
    if (!t->r->has_when) {
        t->r->when = civil_days((int64_t)y, (unsigned)mon, (unsigned)d) * 86400 +
                     (int64_t)(hh * 3600 + mm * 60 + ss);
        t->r->has_when = 1;
        t->r->when_local = 1;
    }
    return 0;
}

int
ing_parse_ips_time(const char *s, int64_t *out)
{
    const char *p = s, *end = s + strlen(s);
    uint64_t y, mo, d, hh, mm, ss, tz;
    int64_t v;
    int sign;

    if (dec(&p, end, &y, 9999) || lit(&p, end, "-") || dec(&p, end, &mo, 12) ||
        lit(&p, end, "-") || dec(&p, end, &d, 31) || (lit(&p, end, " ") && lit(&p, end, "T")) ||
        dec(&p, end, &hh, 23) || lit(&p, end, ":") || dec(&p, end, &mm, 59) ||
        lit(&p, end, ":") || dec(&p, end, &ss, 60) || !mo || !d)
        return -1;
    if (p < end && *p == '.') {
        p++;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    v = civil_days((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
        (int64_t)(hh * 3600 + mm * 60 + ss);
    skip_blank(&p, end);
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (end - p < 4 || dec(&p, end, &tz, 2359))
            return -1;
        v -= sign * (int64_t)((tz / 100) * 3600 + (tz % 100) * 60);
    }
    *out = v;
    return 0;
}

/* ---- field lines ---- */

static void
set_slide(struct tp *t, enum kpt_slide_key k, const struct line *l, const char *key)
{
    const char *p = l->s + strlen(key), *end = l->s + l->n;
    uint64_t v;

    skip_blank(&p, end);
    if (hex64(&p, end, &v, NULL) || p != end)
        return;
    if (t->r->slide_set & (1u << k))
        return; /* a nested panic prints them again: keep the first */
    t->r->slide[k] = v;
    t->r->slide_set |= 1u << k;
}

static void
set_process(struct tp *t, const char *v, size_t n)
{
    if (!t->r->process && n)
        t->r->process = arena_strndup(t->a, v, n);
}

/* "Panicked task 0x...: 228 threads: pid 0: kernel_task" */
static void
task_line(struct tp *t, const struct line *l)
{
    const char *end = l->s + l->n, *p;
    uint64_t pid;

    for (p = l->s; p + 4 <= end; p++)
        if (!memcmp(p, "pid ", 4))
            break;
    if (p + 4 > end)
        return;
    p += 4;
    if (dec(&p, end, &pid, 0x7fffffff) || lit(&p, end, ":"))
        return;
    skip_blank(&p, end);
    if (t->r->pid < 0)
        t->r->pid = (int)pid;
    set_process(t, p, (size_t)(end - p));
}

static void
process_line(struct tp *t, const struct line *l)
{
    const char *c = memchr(l->s, ':', l->n), *end = l->s + l->n, *p;

    if (!c)
        return;
    p = c + 1;
    skip_blank(&p, end);
    set_process(t, p, (size_t)(end - p));
}

static void
model_value(struct tp *t, const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && p[i] != ' ' && p[i] != '\t'; i++)
        ;
    if (!t->r->model && i)
        t->r->model = arena_strndup(t->a, p, i);
}

static void
build_value(struct tp *t, const char *p, size_t n, const char **field)
{
    if (!*field && ing_build_token(p, n))
        *field = arena_strndup(t->a, p, n);
}

/* ---- the panic line and its message ---- */

static void
finish_message(struct tp *t)
{
    struct kpt_report *r = t->r;
    char *m;
    size_t n;
    char *at;

    t->in_msg = 0;
    t->msg_done = 1;
    n = t->msg.len;
    m = arena_strndup(t->a, t->msg.data, n);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '\t'))
        m[--n] = '\0';
    r->panic_string = m;
    /* the faulting pc: "Kernel trap at 0x...", "Double fault at 0x...", "... at pc 0x..." */
    {
        static const char *const keys[] = { "Kernel trap at 0x", "Double fault at 0x", " at pc 0x" };
        const char *k, *p;
        size_t i;

        for (i = 0; i < 3 && !r->has_fault; i++)
            if ((k = strstr(m, keys[i]))) {
                p = k + strlen(keys[i]) - 2;
                if (!hex64(&p, m + n, &r->fault.addr, NULL))
                    r->has_fault = 1;
            }
    }
    /* location: the last "@path:line" */
    at = strrchr(m, '@');
    if (at && !r->src_file) {
        const char *colon = strrchr(at, ':'), *p;
        uint64_t line;

        if (colon && colon > at + 1) {
            p = colon + 1;
            if (!dec(&p, p + strlen(p), &line, 1000000) && (*p == '\0' || *p == '\n')) {
                r->src_file = arena_strndup(t->a, at + 1, (size_t)(colon - at - 1));
                r->src_line = (unsigned)line;
            }
        }
    }
    buf_release(&t->msg);
}

static void
msg_append(struct tp *t, const char *s, size_t n)
{
    size_t i;

    if (t->msg.len && buf_addc(&t->msg, '\n') < 0)
        return;
    if (buf_add(&t->msg, s, n) < 0) {
        t->r->damaged = 1;
        return;
    }
    for (i = 0; i < n; i++)
        if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
            t->msg_quote_open = !t->msg_quote_open;
}

static int
panic_line(struct tp *t, const struct line *l)
{
    const char *s = l->s, *end = l->s + l->n, *p;
    uint64_t cpu, caller;

    for (p = s; p + 10 <= end; p++)
        if (!memcmp(p, "panic(cpu ", 10))
            break;
    if (p + 10 > end)
        return -1;
    p += 10;
    if (dec(&p, end, &cpu, 4095))
        return -1;
    if (!lit(&p, end, " caller ")) {
        if (hex64(&p, end, &caller, NULL))
            return -1;
        t->r->caller = caller;
        t->r->has_caller = 1;
    }
    if (lit(&p, end, ")"))
        return -1;
    if (!lit(&p, end, ":"))
        skip_blank(&p, end);
    t->r->cpu = (int)cpu;
    t->in_msg = 1;
    buf_init(&t->msg, KPT_MAX_MESSAGE_BYTES);
    msg_append(t, p, (size_t)(end - p));
    return 0;
}

static int
msg_terminator(const struct line *l)
{
    static const char *const keys[] = {
        "Debugger message:", "Backtrace (CPU", "Panicked task", "Panicked thread:",
        "Fault CR2:", "Error code:", "CR0:", "RAX:", "Kernel Extensions in backtrace",
        "Mac OS version:", "Kernel version:", "OS version:", "Memory ID:", "Device:",
        "Hardware Model:", "Nested panic detected",
    };
    size_t i;

    if (!l->n)
        return 1;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (starts(l, keys[i]))
            return 1;
    /* arm64 register rows: "x0:  0x..." */
    if (l->n > 4 && l->s[0] == 'x' && isdigit((unsigned char)l->s[1]) &&
        (l->s[2] == ':' || (isdigit((unsigned char)l->s[2]) && l->s[3] == ':')))
        return 1;
    return 0;
}

/* ---- one line ---- */

static void
field_line(struct tp *t, const struct line *l, int last_partial)
{
    struct kpt_report *r = t->r;
    size_t n;
    const char *v;

    if (t->want_build || t->want_kversion) {
        if (!l->n)
            return;
        if (t->want_build) {
            build_value(t, l->s, l->n, &r->os_build);
            t->want_build = 0;
        } else {
            if (!r->kernel_version && starts(l, "Darwin Kernel Version"))
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
            loaded_line(t, l);
        return;
    }
    if (!l->n)
        return;
    if (last_partial)
        return; /* a cut line tells nothing reliable */
    if (starts(l, "Mac OS version:")) {
        if ((v = value_after(t, l, "Mac OS version:", &n)))
            build_value(t, v, n, &r->os_build);
        else
            t->want_build = 1;
    } else if (starts(l, "OS version:")) {
        if ((v = value_after(t, l, "OS version:", &n)))
            build_value(t, v, n, &r->os_build);
    } else if (starts(l, "macOS version:")) {
        if ((v = value_after(t, l, "macOS version:", &n)))
            build_value(t, v, n, &r->host_build);
    } else if (starts(l, "Kernel version:")) {
        if ((v = value_after(t, l, "Kernel version:", &n))) {
            if (!r->kernel_version)
                ing_parse_kernel_version(t->a, r, arena_strndup(t->a, v, n));
        } else {
            t->want_kversion = 1;
        }
    } else if (starts(l, "Kernel UUID:")) {
        if ((v = value_after(t, l, "Kernel UUID:", &n)) && !r->has_kernel_uuid &&
            !kpt_uuid_parse(v, n, r->kernel_uuid))
            r->has_kernel_uuid = 1;
    } else if (starts(l, "Kernel slide:")) {
        set_slide(t, KPT_SL_KERNEL_SLIDE, l, "Kernel slide:");
    } else if (starts(l, "Kernel text base:")) {
        set_slide(t, KPT_SL_KERNEL_TEXT_BASE, l, "Kernel text base:");
    } else if (starts(l, "KernelCache slide:")) {
        set_slide(t, KPT_SL_KC_SLIDE, l, "KernelCache slide:");
    } else if (starts(l, "KernelCache base:")) {
        set_slide(t, KPT_SL_KC_BASE, l, "KernelCache base:");
    } else if (starts(l, "Kernel text exec slide:")) {
        set_slide(t, KPT_SL_TEXT_EXEC_SLIDE, l, "Kernel text exec slide:");
    } else if (starts(l, "Kernel text exec base:")) {
        set_slide(t, KPT_SL_TEXT_EXEC_BASE, l, "Kernel text exec base:");
    } else if (starts(l, "__HIB  text base:")) {
        set_slide(t, KPT_SL_HIB_TEXT_BASE, l, "__HIB  text base:");
    } else if (starts(l, "macOS kernel slide:")) {
        set_slide(t, KPT_SL_HOST_SLIDE, l, "macOS kernel slide:");
    } else if (starts(l, "System model name:")) {
        if ((v = value_after(t, l, "System model name:", &n)))
            model_value(t, v, n);
    } else if (starts(l, "Hardware Model:")) {
        if ((v = value_after(t, l, "Hardware Model:", &n)))
            model_value(t, v, n);
    } else if (starts(l, "Panicked task ")) {
        task_line(t, l);
    } else if (starts(l, "BSD process name corresponding to current thread") ||
               starts(l, "Process name corresponding to current thread")) {
        process_line(t, l);
    } else if (starts(l, "Backtrace (CPU ")) {
        const char *p = l->s + strlen("Backtrace (CPU "), *end = l->s + l->n;
        uint64_t cpu;

        if (t->saw_bt_header && r->nframes)
            t->frames_closed = 1; /* a second backtrace is not the panicked thread's */
        t->saw_bt_header = 1;
        if (r->cpu < 0 && !dec(&p, end, &cpu, 4095))
            r->cpu = (int)cpu;
    } else if (starts(l, "Nested panic detected")) {
        r->nested_count++;
        t->in_nested = 1;
    } else if (starts(l, "loaded kexts:")) {
        t->in_loaded = 1;
    } else if (starts(l, "last loaded kext at") || starts(l, "last started kext at") ||
               starts(l, "last unloaded kext at") || starts(l, "last stopped kext at")) {
        if (!r->last_kext)
            r->last_kext = arena_strndup(t->a, l->s, l->n);
    } else if (starts(l, "Calendar:")) {
        const char *p = l->s + strlen("Calendar:"), *end = l->s + l->n;
        uint64_t sec;

        skip_blank(&p, end);
        if (!hex64(&p, end, &sec, NULL) && sec && sec < (1ull << 40) && !r->has_when) {
            r->when = (int64_t)sec;
            r->has_when = 1;
        }
    } else if (starts(l, "Boot session UUID:")) {
        if (!r->incident)
            r->incident = dup_value(t, l, "Boot session UUID:");
    } else {
        date_line(t, l);
    }
}

static void
one_line(struct tp *t, const struct line *l, int last_partial)
{
    int rc;

    if (t->in_msg) {
        if (!(msg_terminator(l) && !(l->n == 0 && t->msg_quote_open)) && !t->msg_done) {
            if (last_partial)
                t->r->truncated = 1;
            msg_append(t, l->raw, l->rawn);
            return;
        }
        finish_message(t);
    }
    if (!t->msg_done && panic_line(t, l) == 0)
        return;
    if (l->n && l->s[0] == '@' && t->msg_done && !t->r->src_file) {
        /* " @trap_native.c:168" on its own line after the registers */
        const char *colon = memrchr(l->s, ':', l->n), *p;
        uint64_t line;

        if (colon && colon > l->s + 1) {
            p = colon + 1;
            if (!dec(&p, l->s + l->n, &line, 1000000) && p == l->s + l->n) {
                t->r->src_file = arena_strndup(t->a, l->s + 1, (size_t)(colon - l->s - 1));
                t->r->src_line = (unsigned)line;
                return;
            }
        }
    }
    if (l->n > 2 && l->s[0] == '0' && l->s[1] == 'x') {
        if ((rc = intel_frame(t, l, last_partial)) == 0)
            return;
        if (rc > 0) {
            t->r->truncated = 1;
            return;
        }
    }
    if (l->n > 3 && (rc = arm_frame(t, l, last_partial)) >= 0) {
        if (rc > 0)
            t->r->truncated = 1;
        return;
    }
    if (memchr(l->s, '@', l->n) && memchr(l->s, '[', l->n) && kext_line(t, l) == 0)
        return;
    if (starts(l, "x0:") || starts(l, "esr:") || starts(l, "Kernel text exec base:") ||
        starts(l, "Hardware Model: iP"))
        t->arm_hint = 1;
    else if (starts(l, "RAX:") || starts(l, "CR0:") || starts(l, "Mac OS version:"))
        t->intel_hint = 1;
    field_line(t, l, last_partial);
}

/* ---- line splitting and copy damage ---- */

/* next line of text from *pos (LF, CRLF or a lone CR ends it; so does EOF); a line longer
 * than max is cut (*over set) and its rest skipped. Returns 0 at the end. */
static int
next_line(const char *text, size_t len, size_t *pos, size_t max, struct line *l, int *over)
{
    size_t i = *pos, j = i, e;

    if (i >= len)
        return 0;
    while (j < len && text[j] != '\n' && text[j] != '\r')
        j++;
    e = j;
    if (e - i > max) {
        *over = 1;
        e = i + max;
    }
    l->raw = text + i;
    l->rawn = e - i;
    if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
        j++;
    *pos = j + 1;
    return 1;
}

static int
quoted(const struct line *l)
{
    return (l->rawn == 1 && l->raw[0] == '>') || (l->rawn >= 2 && l->raw[0] == '>' && l->raw[1] == ' ');
}

/* Markdown quoting: when at least 80 % of the non-blank lines carry '> ', strip it */
static int
mostly_quoted(const char *text, size_t len, size_t max)
{
    struct line l;
    size_t pos = 0, nonblank = 0, q = 0;
    int over = 0;

    while (next_line(text, len, &pos, max, &l, &over)) {
        if (!l.rawn)
            continue;
        nonblank++;
        q += (size_t)quoted(&l);
    }
    return nonblank && q * 5 >= nonblank * 4;
}

static void
trim(struct line *l, int strip_quote)
{
    const char *s, *e;

    if (strip_quote && quoted(l)) {
        l->raw += l->rawn >= 2 ? 2 : 1;
        l->rawn -= l->rawn >= 2 ? 2 : 1;
    }
    s = l->raw;
    e = l->raw + l->rawn;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    l->rawn = (size_t)(e - s);
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    l->s = s;
    l->n = (size_t)(e - s);
    /* "**whole line**" inserted by Markdown */
    if (l->n >= 4 && !memcmp(l->s, "**", 2) && !memcmp(l->s + l->n - 2, "**", 2)) {
        l->s += 2;
        l->n -= 4;
    }
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
    struct tp t;
    struct line l;
    size_t pos = 0;
    int over = 0, unterminated, strip;

    memset(&t, 0, sizeof(t));
    t.lim = lim;
    t.a = a;
    t.r = r;
    buf_init(&t.msg, KPT_MAX_MESSAGE_BYTES);
    unterminated = len && text[len - 1] != '\n' && text[len - 1] != '\r';
    strip = mostly_quoted(text, len, lim->max_line_bytes);
    while (next_line(text, len, &pos, lim->max_line_bytes, &l, &over)) {
        trim(&l, strip);
        one_line(&t, &l, unterminated && pos >= len);
    }
    if (t.in_msg)
        finish_message(&t);
    buf_release(&t.msg);

    if (r->arch == KPT_ARCH_UNKNOWN) {
        if (t.arm_hint || looks_arm64(r))
            r->arch = KPT_ARCH_ARM64;
        else if (t.intel_hint || r->nframes || r->slide_set)
            r->arch = KPT_ARCH_X86_64;
    }
    if (r->frames_dropped || t.kexts_dropped || r->loaded_dropped)
        r->damaged = 1;
    if (over)
        ing_set_partial(r, a, "a line is over the line limit");
    if (r->frames_dropped)
        ing_set_partial(r, a, arena_printf(a, "backtrace over the frame limit (%zu), %zu frames dropped",
                                           lim->max_frames, r->frames_dropped));
    if (!r->panic_string && !r->nframes && !r->os_build && !r->kernel_version && !r->nkexts)
        return KPT_E_FORMAT;
    return 0;
}
