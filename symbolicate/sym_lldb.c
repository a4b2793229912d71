/*
 * sym_lldb.c - driving lldb through pipes: spawn, preamble, sentinel-delimited chunks,
 * poll()-based non-blocking I/O, timeouts, kill and restart, output parsing.
 */
#include "symbolicate/sym_lldb.h"

#include <ctype.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/proc.h"
#include "util/xalloc.h"

#define CHUNK 256
#define KEXT_BASE 0x1000000000ull
#define KEXT_STRIDE 0x100000000ull
#define OUT_CAP (64u << 20)
#define ERR_CAP (1u << 20)
#define MAX_RESTARTS 20

struct lldb_sess {
    struct lldb_opts o;
    const struct kdk_mod **mods;
    uint64_t *base;
    size_t nmods, cap, nloaded; /* nloaded: modules the running child knows */
    struct proc child;
    unsigned long sentinel;
    size_t starts, restarts;
    int dead, ever_started;
    struct buf why, errbuf;
};

struct lldb_sess *
lldb_new(const struct lldb_opts *o)
{
    struct lldb_sess *s = xcalloc(1, sizeof(*s));

    s->o = *o;
    s->child.pid = -1;
    s->child.in = s->child.out = s->child.err = -1;
    buf_init(&s->why, 4096);
    buf_init(&s->errbuf, ERR_CAP);
    signal(SIGPIPE, SIG_IGN); /* a dead child is an EPIPE, never a signal */
    return s;
}

static void
child_kill(struct lldb_sess *s)
{
    proc_kill(&s->child);
    s->nloaded = 0;
}

/* "quit", then five seconds to exit before the group is killed */
static void
child_stop(struct lldb_sess *s)
{
    if (s->child.pid <= 0)
        return;
    if (s->child.in >= 0) {
        ssize_t w = write(s->child.in, "quit\n", 5);

        (void)w;
    }
    proc_stop(&s->child, 5000);
    s->nloaded = 0;
}

void
lldb_free(struct lldb_sess *s)
{
    if (!s)
        return;
    child_stop(s);
    free(s->mods);
    free(s->base);
    buf_release(&s->why);
    buf_release(&s->errbuf);
    free(s);
}

static void
set_why(struct lldb_sess *s, const char *what)
{
    buf_reset(&s->why);
    buf_adds(&s->why, what);
}

const char *
lldb_error(const struct lldb_sess *s)
{
    return s->why.len ? s->why.data : NULL;
}

size_t
lldb_starts(const struct lldb_sess *s)
{
    return s->starts;
}

uint64_t
lldb_add_module(struct lldb_sess *s, const struct kdk_mod *m)
{
    size_t i;

    for (i = 0; i < s->nmods; i++)
        if (s->mods[i] == m)
            return s->base[i];
    if (s->nmods == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->mods = xrealloc(s->mods, st_mult(s->cap, sizeof(*s->mods)));
        s->base = xrealloc(s->base, st_mult(s->cap, sizeof(*s->base)));
    }
    s->mods[s->nmods] = m;
    s->base[s->nmods] = s->nmods == 0 ? 0 : KEXT_BASE + (uint64_t)(s->nmods - 1) * KEXT_STRIDE;
    return s->base[s->nmods++];
}

/* ---- the command stream ---- */

static void
uuid_str(struct buf *b, const uint8_t u[16])
{
    buf_addf(b, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

static const char *
arch_name(const struct kdk_mod *m)
{
    if (m->cputype == 0x01000007)
        return "x86_64";
    return (m->cpusubtype & 0xff) == 2 ? "arm64e" : "arm64";
}

/* the commands that make module i known to the child */
static void
module_cmds(struct lldb_sess *s, size_t i, struct buf *b)
{
    const struct kdk_mod *m = s->mods[i];

    if (i == 0) {
        buf_addf(b, "target create --no-dependents --arch %s ", arch_name(m));
        kdk_quote(b, m->exe);
        buf_addc(b, '\n');
    } else {
        buf_adds(b, "target modules add ");
        kdk_quote(b, m->exe);
        buf_addc(b, '\n');
    }
    if (m->dsym) {
        buf_adds(b, "target symbols add ");
        kdk_quote(b, m->dsym);
        buf_addc(b, '\n');
    }
    buf_adds(b, "target modules load --uuid ");
    uuid_str(b, m->uuid);
    buf_addf(b, " --slide 0x%" PRIx64 "\n", s->base[i]);
}

static void
sentinel_cmds(struct lldb_sess *s, struct buf *b)
{
    s->sentinel++;
    buf_addf(b, "settings set target.arg0 kptsent%lu\nsettings show target.arg0\n", s->sentinel);
}

struct watch {
    const char *want; /* the sentinel line */
    struct lldb_sess *s;
};

/* 1 when the sentinel shows on stdout; KPT_E_CHILD when lldb's stderr says it crashed */
static int
sentinel_seen(void *ctx, const struct buf *out, size_t from, const struct buf *err)
{
    struct watch *w = ctx;
    size_t n = strlen(w->want);

    from = from > n ? from - n : 0;
    if (kpt_memmem(out->data + from, out->len - from, w->want, n))
        return 1;
    if (kpt_memmem(err->data, err->len, "PLEASE submit a bug report", 26)) {
        set_why(w->s, "lldb crashed (it asked for a bug report)");
        return KPT_E_CHILD;
    }
    return 0;
}

/* write cmd while draining stdout/stderr, until the sentinel shows on stdout */
static int
exchange(struct lldb_sess *s, const char *cmd, size_t n, unsigned timeout_ms, struct buf *out)
{
    char want[64];
    struct watch w = { want, s };
    struct buf why = BUF_INIT;
    int ret;

    snprintf(want, sizeof(want), "target.arg0 (string) = \"kptsent%lu\"", s->sentinel);
    if (s->o.cmdlog && n) {
        fwrite(cmd, 1, n, s->o.cmdlog);
        fflush(s->o.cmdlog);
    }
    ret = proc_exchange(&s->child, cmd, n, timeout_ms, out, OUT_CAP, &s->errbuf, sentinel_seen, &w,
                        &why);
    if (ret < 0 && why.len) {
        buf_reset(&s->why);
        buf_addf(&s->why, "lldb %s", why.data);
    }
    buf_release(&why);
    return ret;
}

static int
child_start(struct lldb_sess *s)
{
    struct buf home = BUF_INIT, ic = BUF_INIT, pre = BUF_INIT, out = BUF_INIT;
    struct strv args = STRV_INIT, env = STRV_INIT;
    size_t i;
    int ret = 0;

    strv_push(&args, s->o.lldb);
    strv_push(&args, "-x"); /* no ~/.lldbinit */
    strv_push(&args, "-X"); /* no ./.lldbinit */
    strv_push(&args, "-O");
    strv_push(&args, "settings set target.load-script-from-symbol-file false");
    strv_push(&args, "-O");
    strv_push(&args, "settings set symbols.enable-external-lookup false");
    strv_push(&args, "-O");
    strv_push(&args, "settings set target.load-cwd-lldbinit false");
    if (s->o.index_cache && kdk_path_safe(s->o.index_cache)) {
        strv_push(&args, "-O");
        strv_push(&args, "settings set symbols.enable-lldb-index-cache true");
        buf_adds(&ic, "settings set symbols.lldb-index-cache-path ");
        kdk_quote(&ic, s->o.index_cache);
        strv_push(&args, "-O");
        strv_push(&args, ic.data);
    }
    buf_addf(&home, "HOME=%s", s->o.workdir);
    strv_push(&env, "PATH=/usr/local/bin:/usr/bin:/bin");
    strv_push(&env, home.data);
    strv_push(&env, "LANG=C");
    strv_push(&env, "TERM=dumb");
    buf_reset(&s->why);
    if ((ret = proc_spawn(&s->child, s->o.lldb, &args, &env, s->o.workdir, &s->why)) < 0)
        goto out;
    s->starts++;
    buf_reset(&s->errbuf);
    for (i = 0; i < s->nmods; i++)
        module_cmds(s, i, &pre);
    sentinel_cmds(s, &pre);
    if ((ret = exchange(s, pre.data, pre.len, s->o.start_timeout_ms, &out)) < 0) {
        child_kill(s);
        goto out;
    }
    if (!kpt_memmem(out.data, out.len, "Current executable set to", 25)) {
        /* the target did not load: every lookup would come back empty and be cached as
         * "nothing there"; fail the start instead, with lldb's own reason */
        const char *e = kpt_memmem(s->errbuf.data, s->errbuf.len, "error:", 6);
        struct buf w = BUF_INIT;

        buf_adds(&w, "lldb could not load the target");
        if (e) {
            const char *nl = memchr(e, '\n', (size_t)(s->errbuf.data + s->errbuf.len - e));

            buf_adds(&w, ": ");
            buf_add(&w, e, nl ? (size_t)(nl - e) : strlen(e));
        }
        set_why(s, w.data);
        buf_release(&w);
        child_kill(s);
        s->dead = 1;
        ret = KPT_E_CHILD;
        goto out;
    }
    s->nloaded = s->nmods;
    s->ever_started = 1;
out:
    strv_release(&args);
    strv_release(&env);
    buf_release(&home);
    buf_release(&ic);
    buf_release(&pre);
    buf_release(&out);
    return ret;
}

/* ---- parsing (§5.3) ---- */

void
lldb_res_release(struct lldb_res *r)
{
    free(r->module);
    free(r->func);
    free(r->inl);
    free(r->file);
    memset(r, 0, sizeof(*r));
}

/* " + <digits>" at the end of s[0..*n): strip it into *off */
static int
strip_plus(const char *s, size_t *n, uint64_t *off)
{
    size_t e = *n, d = e;
    uint64_t v = 0;

    while (d > 0 && isdigit((unsigned char)s[d - 1]))
        d--;
    if (d == e || d < 3 || memcmp(s + d - 3, " + ", 3) || e - d > 18)
        return 0;
    for (size_t i = d; i < e; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    *off = v;
    *n = d - 3;
    return 1;
}

/* "path:line" or "path:line:col" in p[0..n): the end of path and the line */
static int
parse_loc(const char *p, size_t n, size_t *file_end, unsigned *line)
{
    size_t d = n, e2, d2, i;
    unsigned v = 0;

    while (d && isdigit((unsigned char)p[d - 1]))
        d--;
    if (d == n || d < 2 || p[d - 1] != ':')
        return 0;
    e2 = d - 1;
    d2 = e2;
    while (d2 && isdigit((unsigned char)p[d2 - 1]))
        d2--;
    if (d2 < e2 && d2 >= 2 && p[d2 - 1] == ':') {
        for (i = d2; i < e2 && v < 100000000; i++)
            v = v * 10 + (unsigned)(p[i] - '0');
        *file_end = d2 - 1;
    } else {
        for (i = d; i < n && v < 100000000; i++)
            v = v * 10 + (unsigned)(p[i] - '0');
        *file_end = d - 1;
    }
    *line = v;
    return 1;
}

/* a copy of s[0..n) of at most max bytes, cut on a character boundary (r->cut said so) */
static char *
capped(const char *s, size_t n, size_t max, struct lldb_res *r)
{
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        r->cut = 1;
    }
    return xmemdup0(s, n);
}

static void
parse_summary(const char *s, size_t n, struct lldb_res *r)
{
    const char *bt = memchr(s, '`', n), *p, *inl;
    size_t fn;

    if (!bt || bt == s)
        return; /* a string or data summary: nothing to name */
    for (p = s; p < s + n; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return; /* lldb prints no control characters: garbage */
    if ((size_t)(bt - s) > KPT_MAX_MODULE_NAME)
        return; /* no module has such a name: not an answer */
    r->module = xmemdup0(s, (size_t)(bt - s));
    n -= (size_t)(bt + 1 - s);
    s = bt + 1;
    /* the last " at <path>:<line>[:<col>]", split from the right */
    for (p = s + n; p >= s + 4; p--) {
        size_t fe;
        unsigned line;

        if (memcmp(p - 4, " at ", 4) || !parse_loc(p, (size_t)(s + n - p), &fe, &line))
            continue;
        {
            const char *slash = kpt_memrchr(p, '/', fe), *fb = slash ? slash + 1 : p;

            if (p + fe > fb) {
                r->file = capped(fb, (size_t)(p + fe - fb), KPT_MAX_FILE_NAME, r);
                r->line = line;
            }
        }
        n = (size_t)(p - 4 - s);
        break;
    }
    /* " [inlined] <callee>[ + <n>]" */
    inl = kpt_memmem(s, n, " [inlined] ", 11);
    if (inl) {
        size_t in = (size_t)(s + n - inl - 11);
        uint64_t ioff;

        strip_plus(inl + 11, &in, &ioff);
        if (in)
            r->inl = capped(inl + 11, in, KPT_MAX_FUNCTION_NAME, r);
        n = (size_t)(inl - s);
    }
    fn = n;
    r->off = 0;
    strip_plus(s, &fn, &r->off);
    if (!fn) {
        lldb_res_release(r);
        return;
    }
    r->func = capped(s, fn, KPT_MAX_FUNCTION_NAME, r);
    r->status = LLDB_OK;
}

void
lldb_parse_output(const char *out, size_t len, const uint64_t *addr, size_t n, struct lldb_res *res)
{
    const char *p = out, *end = out + len;
    long cur = -1;
    size_t next = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *l = p;
        size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);

        p = nl ? nl + 1 : end;
        if (ln >= 26 && !memcmp(l, "(lldb) image lookup -a 0x", 25)) {
            uint64_t v = 0;
            size_t i;

            for (i = 25; i < ln && isxdigit((unsigned char)l[i]); i++)
                v = v << 4 | (uint64_t)(isdigit((unsigned char)l[i])
                                            ? l[i] - '0'
                                            : (tolower((unsigned char)l[i]) - 'a' + 10));
            cur = -1;
            for (i = next; i < n; i++)
                if (addr[i] == v) {
                    cur = (long)i;
                    next = i + 1;
                    break;
                }
            continue;
        }
        if (ln >= 7 && !memcmp(l, "(lldb) ", 7)) {
            cur = -1;
            continue;
        }
        while (ln && (*l == ' ' || *l == '\t')) {
            l++;
            ln--;
        }
        if (cur >= 0 && ln >= 9 && !memcmp(l, "Summary: ", 9) && res[cur].status != LLDB_OK)
            parse_summary(l + 9, ln - 9, &res[cur]);
    }
}

/* ---- lookups with recovery ---- */

static int
ensure_child(struct lldb_sess *s)
{
    if (s->child.pid > 0 && s->nloaded == s->nmods)
        return 0;
    if (s->child.pid > 0) {
        /* modules added since the start: load them into the running child */
        struct buf cmd = BUF_INIT, out = BUF_INIT;
        size_t i;
        int ret;

        for (i = s->nloaded; i < s->nmods; i++)
            module_cmds(s, i, &cmd);
        sentinel_cmds(s, &cmd);
        ret = exchange(s, cmd.data, cmd.len, s->o.start_timeout_ms, &out);
        buf_release(&cmd);
        buf_release(&out);
        if (ret == 0) {
            s->nloaded = s->nmods;
            return 0;
        }
        child_kill(s);
    }
    if (s->starts > 0)
        s->restarts++;
    return child_start(s);
}

static int
try_chunk(struct lldb_sess *s, const uint64_t *addr, size_t n, struct lldb_res *res)
{
    struct buf cmd = BUF_INIT, out = BUF_INIT;
    size_t i;
    int ret;

    if ((ret = ensure_child(s)) < 0)
        return ret;
    for (i = 0; i < n; i++)
        buf_addf(&cmd, "image lookup -a 0x%" PRIx64 "\n", addr[i]);
    sentinel_cmds(s, &cmd);
    ret = exchange(s, cmd.data, cmd.len, s->o.chunk_timeout_ms + 10 * (unsigned)n, &out);
    if (ret == 0) {
        for (i = 0; i < n; i++)
            lldb_res_release(&res[i]);
        lldb_parse_output(out.data, out.len, addr, n, res);
    } else {
        child_kill(s);
    }
    buf_release(&cmd);
    buf_release(&out);
    return ret;
}

static void
fail_all(struct lldb_res *res, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (res[i].status != LLDB_OK)
            res[i].status = LLDB_FAILED;
}

/* try a piece 'tries' times, then split it in halves, down to single lookups */
static int
run_piece(struct lldb_sess *s, const uint64_t *addr, size_t n, struct lldb_res *res, int tries)
{
    int t;

    for (t = 0; t < tries; t++) {
        if (!s->dead && (s->restarts > MAX_RESTARTS || (!s->ever_started && s->starts >= 2))) {
            if (!s->ever_started && !lldb_error(s))
                set_why(s, "lldb did not start");
            else if (s->ever_started)
                set_why(s, "lldb failed too often; giving up on this KDK");
            s->dead = 1;
        }
        if (s->dead) {
            fail_all(res, n);
            return KPT_E_CHILD;
        }
        if (try_chunk(s, addr, n, res) == 0)
            return 0;
    }
    if (n == 1) {
        res[0].status = LLDB_FAILED;
        return 0;
    }
    run_piece(s, addr, n / 2, res, 1);
    run_piece(s, addr + n / 2, n - n / 2, res + n / 2, 1);
    return 0;
}

int
lldb_lookup(struct lldb_sess *s, const uint64_t *addr, size_t n, struct lldb_res *out)
{
    size_t i;

    for (i = 0; i < n; i += CHUNK) {
        size_t k = n - i < CHUNK ? n - i : CHUNK;

        if (s->dead) {
            fail_all(out + i, k);
            continue;
        }
        run_piece(s, addr + i, k, out + i, 2);
    }
    return s->dead ? KPT_E_CHILD : 0;
}
