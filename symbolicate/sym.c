/*
 * sym.c - matching reports to KDKs, the address math (SYMBOLICATION.md §3-4), the lookup
 * table, the persistent cache, and the lldb workers.
 */
#include "symbolicate/sym.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolicate/sym_kdk.h"
#include "symbolicate/sym_lldb.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* libstdc++'s demangler; C linkage. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *n, int *status);

/* 'X base − X slide' is one constant per platform (FORMATS.md §6.3) */
#define INTEL_UNSLID_TEXT 0xffffff8000200000ull
#define ARM64_UNSLID_TEXT 0xfffffe0007004000ull
#define ARM64_OLD_UNSLID_TEXT 0xfffffff007004000ull
#define KEXT_GUESS_SIZE (16ull << 20) /* a kext printed without END is assumed no larger */
#define DEFAULT_ROOT "/Library/Developer/KDKs"
#define CACHE_MAGIC "kptrace-batch symbol cache v1"

enum { E_PENDING = 2 }; /* beside LLDB_OK, LLDB_NONE, LLDB_FAILED */

struct entry {
    const struct kdk_mod *mod;
    uint64_t addr; /* file address looked up (link − adj) */
    size_t sess;
    int status, from_cache, cached_on_disk;
    char *func, *inl, *file;
    uint64_t off;
    unsigned line;
};

struct sess {
    const struct kdk_mod *primary;
    size_t *ents, n, cap;
};

struct sym_ctx {
    struct sym_opts o;
    struct kdk_cat cat;
    struct entry *e;
    size_t ne, cape;
    size_t *slot, nslot; /* index + 1 into e */
    struct sess *ss;
    size_t nss, capss;
    const struct kdk_mod **cache_loaded;
    size_t ncl, capcl;
    char *lldb, *ident, *cache_dir;
    struct kpt_symstats st;
    pthread_mutex_t mu;
    size_t next_sess;
    struct lldb_opts lo;
    FILE *cmdlog;
};

/* ---- small helpers ---- */

uint64_t
sym_strip_pac(uint64_t a)
{
    /* VA 47 for 0xfffffe... kernels (SYMBOLICATION.md §4.4) */
    const uint64_t mask = (1ull << 47) - 1;

    return (a >> 55 & 1) ? (a | ~mask) : (a & mask);
}

const char *
sym_demangle(struct arena *a, const char *name)
{
    const char *n = name;
    char *d, *res;
    int status = 0;

    if (n[0] == '_')
        n++;
    if (n[0] != '_' || n[1] != 'Z')
        return arena_strdup(a, n);
    d = __cxa_demangle(n, NULL, NULL, &status);
    if (!d || status != 0 || strlen(d) > KPT_MAX_FUNCTION_NAME) {
        free(d);
        return arena_strdup(a, n);
    }
    res = arena_strdup(a, d);
    free(d);
    return res;
}

static char *
find_on_path(const char *name)
{
    const char *path = getenv("PATH"), *p, *e;
    struct buf b = BUF_INIT;

    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
        e = strchr(p, ':');
        if (!e)
            e = p + strlen(p);
        buf_reset(&b);
        buf_add(&b, p, (size_t)(e - p));
        buf_addc(&b, '/');
        buf_adds(&b, name);
        if (access(b.data, X_OK) == 0)
            return buf_detach(&b, NULL);
    }
    buf_release(&b);
    return NULL;
}

static char *
find_lldb(const char *want)
{
    char name[32];
    int v;
    char *p;

    if (want)
        return find_on_path(want);
    if ((p = find_on_path("lldb")))
        return p;
    for (v = 19; v >= 14; v--) {
        snprintf(name, sizeof(name), "lldb-%d", v);
        if ((p = find_on_path(name)))
            return p;
        snprintf(name, sizeof(name), "/usr/lib/llvm-%d/bin/lldb", v);
        if ((p = find_on_path(name)))
            return p;
    }
    return NULL;
}

static char *
default_cache_dir(void)
{
    const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    struct buf b = BUF_INIT;

    if (x && *x == '/')
        buf_addf(&b, "%s/kptrace-batch", x);
    else if (h && *h == '/')
        buf_addf(&b, "%s/.cache/kptrace-batch", h);
    else
        return NULL;
    return buf_detach(&b, NULL);
}

static int
mkdir_p(const char *path)
{
    struct buf b = BUF_INIT;
    size_t i;
    int ret = 0;

    buf_adds(&b, path);
    for (i = 1; i <= b.len && !ret; i++)
        if (i == b.len || b.data[i] == '/') {
            char c = b.data[i];

            b.data[i] = '\0';
            if (mkdir(b.data, 0700) < 0 && errno != EEXIST)
                ret = -1;
            b.data[i] = c;
        }
    buf_release(&b);
    return ret;
}

/* ---- the context ---- */

struct sym_ctx *
sym_ctx_new(const struct sym_opts *o, FILE *diag)
{
    struct sym_ctx *s = xcalloc(1, sizeof(*s));
    size_t i;

    if (o)
        s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    kdk_cat_init(&s->cat);
    s->st.enabled = s->o.enabled;
    if (!s->o.enabled)
        return s;
    for (i = 0; i < s->o.nkdks; i++)
        if (!kdk_cat_add_kdk(&s->cat, s->o.kdks[i]) && diag)
            fprintf(diag, "kptrace-batch: --kdk '%s': no kernel or kext found\n", s->o.kdks[i]);
    for (i = 0; i < s->o.nroots; i++)
        kdk_cat_add_root(&s->cat, s->o.roots[i]);
    if (!s->o.nroots && !s->o.nkdks)
        kdk_cat_add_root(&s->cat, DEFAULT_ROOT);
    for (i = 0; i < s->o.nkexts; i++)
        if (!kdk_cat_add_kexts(&s->cat, s->o.kexts[i]) && diag)
            fprintf(diag, "kptrace-batch: --kext '%s': no kext found\n", s->o.kexts[i]);
    if (diag && s->cat.log.len)
        fputs(s->cat.log.data, diag);
    for (i = 0; i < s->cat.n; i++)
        s->cat.m[i].kind == KDK_KERNEL ? s->st.kernels++ : s->st.kexts++;
    s->lldb = find_lldb(s->o.lldb);
    {
        struct stat st;
        struct buf b = BUF_INIT;

        if (s->lldb && stat(s->lldb, &st) == 0)
            buf_addf(&b, "%s %lld %lld", s->lldb, (long long)st.st_size, (long long)st.st_mtime);
        else
            buf_adds(&b, "no-lldb");
        s->ident = buf_detach(&b, NULL);
    }
    if (!s->o.no_cache)
        s->cache_dir = s->o.cache_dir ? xstrdup(s->o.cache_dir) : default_cache_dir();
    s->nslot = 1024;
    s->slot = xcalloc(s->nslot, sizeof(*s->slot));
    return s;
}

void
sym_ctx_free(struct sym_ctx *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->ne; i++) {
        free(s->e[i].func);
        free(s->e[i].inl);
        free(s->e[i].file);
    }
    free(s->e);
    free(s->slot);
    for (i = 0; i < s->nss; i++)
        free(s->ss[i].ents);
    free(s->ss);
    free(s->cache_loaded);
    kpt_fields_release(kpt_symstats_fields, &s->st, 0);
    free(s->lldb);
    free(s->ident);
    free(s->cache_dir);
    kdk_cat_release(&s->cat);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int
sym_needs_pass(const struct sym_ctx *s)
{
    return s->o.enabled && s->cat.n > 0;
}

const struct kpt_symstats *
sym_ctx_stats(const struct sym_ctx *s)
{
    return &s->st;
}

/* ---- the lookup table ---- */

static size_t
hash_key(const struct kdk_mod *m, uint64_t addr, size_t nslot)
{
    uint64_t h = addr * 0x9e3779b97f4a7c15ull;
    size_t i;

    for (i = 0; i < 16; i++)
        h = (h ^ m->uuid[i]) * 0x100000001b3ull;
    return (size_t)(h >> 11) & (nslot - 1);
}

static struct entry *
table_find(const struct sym_ctx *s, const struct kdk_mod *m, uint64_t addr)
{
    size_t h;

    if (!s->nslot)
        return NULL;
    for (h = hash_key(m, addr, s->nslot); s->slot[h]; h = (h + 1) & (s->nslot - 1)) {
        struct entry *e = &s->e[s->slot[h] - 1];

        if (e->addr == addr && !memcmp(e->mod->uuid, m->uuid, 16))
            return e;
    }
    return NULL;
}

static struct entry *
table_add(struct sym_ctx *s, const struct kdk_mod *m, uint64_t addr)
{
    struct entry *e;
    size_t h;

    if ((s->ne + 1) * 2 > s->nslot) {
        size_t i, ns = s->nslot * 2;

        free(s->slot);
        s->slot = xcalloc(ns, sizeof(*s->slot));
        s->nslot = ns;
        for (i = 0; i < s->ne; i++) {
            for (h = hash_key(s->e[i].mod, s->e[i].addr, ns); s->slot[h]; h = (h + 1) & (ns - 1))
                ;
            s->slot[h] = i + 1;
        }
    }
    VEC_GROW(s->e, s->ne + 1, s->cape);
    e = &s->e[s->ne];
    memset(e, 0, sizeof(*e));
    e->mod = m;
    e->addr = addr;
    e->status = E_PENDING;
    e->sess = (size_t)-1;
    for (h = hash_key(m, addr, s->nslot); s->slot[h]; h = (h + 1) & (s->nslot - 1))
        ;
    s->slot[h] = ++s->ne;
    return e;
}

/* ---- the persistent cache: one file per module UUID ---- */

static void
uuid_hex(char out[33], const uint8_t u[16])
{
    static const char hx[] = "0123456789ABCDEF";
    int i;

    for (i = 0; i < 16; i++) {
        out[2 * i] = hx[u[i] >> 4];
        out[2 * i + 1] = hx[u[i] & 15];
    }
    out[32] = '\0';
}

static char *
cache_path(const struct sym_ctx *s, const struct kdk_mod *m)
{
    struct buf b = BUF_INIT;
    char u[33];

    uuid_hex(u, m->uuid);
    buf_addf(&b, "%s/%s.v1", s->cache_dir, u);
    return buf_detach(&b, NULL);
}

static void
esc(struct buf *b, const char *v)
{
    for (v = v ? v : ""; *v; v++) {
        if (*v == '\t')
            buf_adds(b, "\\t");
        else if (*v == '\n')
            buf_adds(b, "\\n");
        else if (*v == '\\')
            buf_adds(b, "\\\\");
        else
            buf_addc(b, *v);
    }
}

static char *
unesc(const char *p, size_t n)
{
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            i++;
            buf_addc(&b, p[i] == 't' ? '\t' : p[i] == 'n' ? '\n' : p[i]);
        } else {
            buf_addc(&b, p[i]);
        }
    }
    if (!b.len) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static void
cache_load(struct sym_ctx *s, const struct kdk_mod *m)
{
    size_t i;
    char *path, *line = NULL;
    size_t cap = 0;
    ssize_t n;
    FILE *f;
    int first = 1;

    for (i = 0; i < s->ncl; i++)
        if (s->cache_loaded[i] == m)
            return;
    VEC_GROW(s->cache_loaded, s->ncl + 1, s->capcl);
    s->cache_loaded[s->ncl++] = m;
    if (!s->cache_dir)
        return;
    path = cache_path(s, m);
    f = fopen(path, "r");
    free(path);
    if (!f)
        return;
    while ((n = getline(&line, &cap, f)) > 0) {
        char *fld[7], *p = line;
        size_t k = 0;
        struct entry *e;
        uint64_t addr;

        if (line[n - 1] != '\n')
            break; /* a record cut by a crash: ignore it and what follows */
        line[--n] = '\0';
        if (first) {
            first = 0;
            if (strncmp(line, CACHE_MAGIC "\t", strlen(CACHE_MAGIC) + 1) ||
                strcmp(line + strlen(CACHE_MAGIC) + 1, s->ident))
                break; /* another lldb or format: start afresh */
            continue;
        }
        fld[k++] = p;
        for (; *p && k < 7; p++)
            if (*p == '\t') {
                *p = '\0';
                fld[k++] = p + 1;
            }
        if (k != 7)
            continue;
        addr = strtoull(fld[0], NULL, 16);
        if (table_find(s, m, addr))
            continue;
        e = table_add(s, m, addr);
        e->status = !strcmp(fld[1], "1") ? LLDB_OK : LLDB_NONE;
        e->off = strtoull(fld[2], NULL, 10);
        e->line = (unsigned)strtoul(fld[3], NULL, 10);
        e->func = unesc(fld[4], strlen(fld[4]));
        e->inl = unesc(fld[5], strlen(fld[5]));
        e->file = unesc(fld[6], strlen(fld[6]));
        e->from_cache = e->cached_on_disk = 1;
        if (e->status == LLDB_OK && !e->func)
            e->status = LLDB_NONE;
    }
    free(line);
    fclose(f);
}

static void
cache_write(struct sym_ctx *s, FILE *diag)
{
    size_t i, j;

    if (!s->cache_dir)
        return;
    if (mkdir_p(s->cache_dir) < 0) {
        if (diag)
            fprintf(diag, "kptrace-batch: cannot create the cache '%s': %s\n", s->cache_dir, strerror(errno));
        return;
    }
    for (i = 0; i < s->ncl; i++) {
        const struct kdk_mod *m = s->cache_loaded[i];
        struct buf b = BUF_INIT;
        char *path = cache_path(s, m);
        struct stat st;
        int fd, fresh;

        for (j = 0; j < s->ne; j++) {
            struct entry *e = &s->e[j];

            if (e->mod != m || e->cached_on_disk || (e->status != LLDB_OK && e->status != LLDB_NONE))
                continue;
            buf_addf(&b, "%" PRIx64 "\t%d\t%" PRIu64 "\t%u\t", e->addr, e->status == LLDB_OK, e->off, e->line);
            esc(&b, e->func);
            buf_addc(&b, '\t');
            esc(&b, e->inl);
            buf_addc(&b, '\t');
            esc(&b, e->file);
            buf_addc(&b, '\n');
            e->cached_on_disk = 1;
        }
        if (b.len) {
            /* a file from another lldb or format is replaced, else appended to */
            fresh = stat(path, &st) < 0;
            if (!fresh) {
                FILE *f = fopen(path, "r");
                char hdr[512] = "";

                if (!f || !fgets(hdr, sizeof(hdr), f) || strncmp(hdr, CACHE_MAGIC "\t", strlen(CACHE_MAGIC) + 1) ||
                    strncmp(hdr + strlen(CACHE_MAGIC) + 1, s->ident, strlen(s->ident)))
                    fresh = 1;
                if (f)
                    fclose(f);
            }
            fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : O_APPEND), 0600);
            if (fd >= 0) {
                struct buf h = BUF_INIT;
                ssize_t w = 0;

                if (fresh) {
                    buf_addf(&h, "%s\t%s\n", CACHE_MAGIC, s->ident);
                    w = write(fd, h.data, h.len);
                }
                if (w >= 0)
                    w = write(fd, b.data, b.len);
                if (w < 0 && diag)
                    fprintf(diag, "kptrace-batch: cannot write the cache: %s\n", strerror(errno));
                buf_release(&h);
                close(fd);
            }
        }
        buf_release(&b);
        free(path);
    }
}

/* ---- matching and address math ---- */

static const char *
kernel_file(struct arena *a, const struct kpt_report *r)
{
    if (!r->variant)
        return NULL;
    if (r->arch == KPT_ARCH_X86_64)
        return !strcmp(r->variant, "release") ? "kernel" : arena_printf(a, "kernel.%s", r->variant);
    if (r->arch == KPT_ARCH_ARM64 && r->soc)
        return arena_printf(a, "kernel.%s.%s", r->variant, r->soc);
    return NULL;
}

static int
arch_ok(const struct kpt_report *r, const struct kdk_mod *m)
{
    return (r->arch == KPT_ARCH_X86_64 && m->cputype == 0x01000007) ||
           (r->arch == KPT_ARCH_ARM64 && m->cputype == 0x0100000c);
}

static const struct kdk_mod *
match_kernel(const struct sym_ctx *s, struct arena *a, const struct kpt_report *r, const char **status)
{
    const struct kdk_mod *m;
    const char *file;

    *status = "none";
    if (r->has_kernel_uuid && (m = kdk_cat_by_uuid(&s->cat, r->kernel_uuid)) &&
        m->kind == KDK_KERNEL && arch_ok(r, m)) {
        *status = "uuid";
        return m;
    }
    if (!r->os_build || !(file = kernel_file(a, r)) || !(m = kdk_cat_kernel(&s->cat, r->os_build, file)) ||
        !arch_ok(r, m))
        return NULL;
    if (r->has_kernel_uuid && memcmp(m->uuid, r->kernel_uuid, 16)) {
        *status = "uuid-mismatch";
        return NULL;
    }
    *status = "build";
    return m;
}

static const struct kdk_mod *
match_kext(const struct sym_ctx *s, const struct kpt_report *r, const struct kpt_kext *k,
           const struct kdk_mod *kernel)
{
    const struct kdk_mod *m = NULL;
    size_t i;

    if (k->has_uuid) {
        m = kdk_cat_by_uuid(&s->cat, k->uuid);
        return m && m->kind == KDK_KEXT && arch_ok(r, m) ? m : NULL;
    }
    /* the report gives no UUID: the bundle id, preferring the kernel's KDK */
    for (i = 0; i < s->cat.n; i++) {
        const struct kdk_mod *c = &s->cat.m[i];

        if (c->kind != KDK_KEXT || !c->bundle_id || strcmp(c->bundle_id, k->id) || !arch_ok(r, c))
            continue;
        if (!m || (kernel && c->kdk && kernel->kdk && !strcmp(c->kdk, kernel->kdk)))
            m = c;
    }
    return m;
}

static const struct kpt_kext *
find_kext(const struct kpt_report *r, uint64_t a)
{
    const struct kpt_kext *best = NULL;
    size_t i;

    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *k = &r->kexts[i];

        if (k->has_end && k->start <= a && a <= k->end)
            return k;
    }
    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *k = &r->kexts[i];

        if (!k->has_end && k->start <= a && a - k->start < KEXT_GUESS_SIZE &&
            (!best || k->start > best->start))
            best = k;
    }
    return best;
}

static int
in_kernel_space(const struct kpt_report *r, uint64_t a)
{
    if (r->arch == KPT_ARCH_X86_64)
        return (a >> 32) == 0xffffff80;
    return (a >> 40) == 0xfffffe || (a >> 36) == 0xfffffff;
}

/* unslid kernel text base for MODULE+0xOFFSET display */
static uint64_t
kernel_text_base(const struct kpt_report *r, int *known)
{
    *known = 1;
    if (r->slide_set & (1u << KPT_SL_KERNEL_TEXT_BASE))
        return r->slide[KPT_SL_KERNEL_TEXT_BASE];
    if (r->arch == KPT_ARCH_X86_64) {
        /* no slide line in a complete report: KASLR off, slide 0; an excerpt with none of
         * the three lines gives no way to unslide */
        if (!(r->slide_set & (1u << KPT_SL_KERNEL_SLIDE | 1u << KPT_SL_HIB_TEXT_BASE))) {
            *known = 0;
            return 0;
        }
        return INTEL_UNSLID_TEXT +
               (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE) ? r->slide[KPT_SL_KERNEL_SLIDE] : 0);
    }
    if (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE))
        return (r->slide[KPT_SL_KERNEL_SLIDE] + ARM64_UNSLID_TEXT) >> 40 == 0xfffffe
                   ? r->slide[KPT_SL_KERNEL_SLIDE] + ARM64_UNSLID_TEXT
                   : r->slide[KPT_SL_KERNEL_SLIDE] + ARM64_OLD_UNSLID_TEXT;
    *known = 0;
    return 0;
}

/* where address a lies: the kext entry, or the kernel (*k NULL, return 1), or nowhere (0) */
static int
place(const struct kpt_report *r, uint64_t a, const struct kpt_kext **k, uint64_t *mod_off)
{
    uint64_t base;
    int known;

    if ((*k = find_kext(r, a))) {
        *mod_off = a - (*k)->start;
        return 1;
    }
    if (!in_kernel_space(r, a))
        return 0;
    base = kernel_text_base(r, &known);
    if (!known || a < base)
        return 0;
    *mod_off = a - base;
    return 1;
}

/* the link-time address of a in the catalogued module, or 0 when it cannot be computed */
static int
link_addr(const struct kpt_report *r, const struct kpt_kext *k, const struct kdk_mod *m,
          uint64_t a, uint64_t *link)
{
    uint64_t off;

    if (k) {
        off = a - k->start;
        if (r->arch == KPT_ARCH_ARM64) {
            if (m->exec_size && off >= m->exec_size)
                return 0;
            *link = m->exec_vm + off; /* arm64 ranges are __TEXT_EXEC */
        } else {
            *link = m->text_vm + off; /* Intel ranges are the whole load range */
        }
        return 1;
    }
    if (r->arch == KPT_ARCH_ARM64 && (r->slide_set & (1u << KPT_SL_TEXT_EXEC_BASE))) {
        uint64_t txb = r->slide[KPT_SL_TEXT_EXEC_BASE];

        if (a < txb || a - txb >= m->exec_size)
            return 0;
        *link = a - txb + m->exec_vm;
        return 1;
    }
    if (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE)) {
        *link = a - r->slide[KPT_SL_KERNEL_SLIDE];
        return 1;
    }
    if (r->arch == KPT_ARCH_X86_64 && (r->slide_set & (1u << KPT_SL_HIB_TEXT_BASE))) {
        *link = a; /* KASLR off */
        return 1;
    }
    return 0;
}

struct fl {
    const struct kpt_kext *kext;
    uint64_t mod_off;
    const struct kdk_mod *mod; /* catalogued module, or NULL */
    uint64_t lookup;           /* file address looked up */
    uint64_t adj;
    int placed, pac;
};

static void
frame_lookup(const struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel,
             uint64_t a, int is_return, struct fl *out)
{
    uint64_t link;

    memset(out, 0, sizeof(*out));
    out->placed = place(r, a, &out->kext, &out->mod_off);
    if (!out->placed && r->arch == KPT_ARCH_ARM64 && sym_strip_pac(a) != a) {
        a = sym_strip_pac(a);
        out->pac = 1;
        out->placed = place(r, a, &out->kext, &out->mod_off);
    }
    if (!out->placed)
        return;
    out->adj = is_return ? (r->arch == KPT_ARCH_ARM64 ? 4 : 1) : 0;
    out->mod = out->kext ? match_kext(s, r, out->kext, kernel) : kernel;
    if (out->mod && link_addr(r, out->kext, out->mod, a, &link) && link >= out->adj)
        out->lookup = link - out->adj;
    else
        out->mod = NULL;
}

/* ---- pass 1 ---- */

static size_t
session_for(struct sym_ctx *s, const struct kdk_mod *primary)
{
    size_t i;

    for (i = 0; i < s->nss; i++)
        if (s->ss[i].primary == primary)
            return i;
    VEC_GROW(s->ss, s->nss + 1, s->capss);
    memset(&s->ss[s->nss], 0, sizeof(s->ss[0]));
    s->ss[s->nss].primary = primary;
    return s->nss++;
}

static void
note(struct sym_ctx *s, const struct kdk_mod *kernel, const struct fl *f)
{
    struct entry *e;
    struct sess *ss;

    if (!f->mod)
        return;
    cache_load(s, f->mod);
    if ((e = table_find(s, f->mod, f->lookup)))
        return;
    e = table_add(s, f->mod, f->lookup);
    e->sess = session_for(s, kernel ? kernel : f->mod);
    ss = &s->ss[e->sess];
    VEC_GROW(ss->ents, ss->n + 1, ss->cap);
    ss->ents[ss->n++] = (size_t)(e - s->e);
}

void
sym_collect(struct sym_ctx *s, struct arena *a, const struct kpt_report *r)
{
    const struct kdk_mod *kernel;
    const char *status;
    struct fl f;
    size_t i;

    if (!sym_needs_pass(s))
        return;
    kernel = match_kernel(s, a, r, &status);
    for (i = 0; i < r->nframes; i++) {
        frame_lookup(s, r, kernel, r->frames[i].addr, 1, &f);
        note(s, kernel, &f);
    }
    if (r->has_fault) {
        frame_lookup(s, r, kernel, r->fault.addr, 0, &f);
        note(s, kernel, &f);
    }
}

/* ---- sym_run: the lldb workers ---- */

static void
add_failure(struct sym_ctx *s, const struct kdk_mod *primary, const char *why)
{
    struct buf b = BUF_INIT;

    buf_addf(&b, "%s (%s): %s", primary->kdk ? primary->kdk : primary->exe, primary->file, why);
    pthread_mutex_lock(&s->mu);
    kpt_strv_add(&s->st.failures, b.data);
    buf_release(&b);
    pthread_mutex_unlock(&s->mu);
}

static void
run_session(struct sym_ctx *s, struct sess *ss)
{
    struct lldb_sess *l = lldb_new(&s->lo);
    uint64_t *addr = xcalloc(ss->n ? ss->n : 1, sizeof(*addr));
    struct lldb_res *res = xcalloc(ss->n ? ss->n : 1, sizeof(*res));
    size_t i, failed = 0;

    lldb_add_module(l, ss->primary);
    for (i = 0; i < ss->n; i++) {
        struct entry *e = &s->e[ss->ents[i]];

        addr[i] = lldb_add_module(l, e->mod) + e->addr;
    }
    lldb_lookup(l, addr, ss->n, res);
    for (i = 0; i < ss->n; i++) {
        struct entry *e = &s->e[ss->ents[i]];

        e->status = res[i].status;
        if (e->status == LLDB_OK && (!res[i].module || strcmp(res[i].module, e->mod->file))) {
            /* an answer naming another module is not an answer for this lookup */
            e->status = LLDB_NONE;
            lldb_res_release(&res[i]);
        }
        e->func = res[i].func;
        e->inl = res[i].inl;
        e->file = res[i].file;
        e->off = res[i].off;
        e->line = res[i].line;
        res[i].func = res[i].inl = res[i].file = NULL;
        lldb_res_release(&res[i]);
        if (e->status == LLDB_FAILED)
            failed++;
    }
    if (lldb_error(l) && failed)
        add_failure(s, ss->primary, lldb_error(l));
    pthread_mutex_lock(&s->mu);
    s->st.lldb_starts += lldb_starts(l);
    s->st.lldb_failed += failed;
    pthread_mutex_unlock(&s->mu);
    lldb_free(l);
    free(addr);
    free(res);
}

static void *
worker(void *arg)
{
    struct sym_ctx *s = arg;

    for (;;) {
        size_t i;

        pthread_mutex_lock(&s->mu);
        i = s->next_sess++;
        pthread_mutex_unlock(&s->mu);
        if (i >= s->nss)
            return NULL;
        if (s->ss[i].n)
            run_session(s, &s->ss[i]);
    }
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* workers that fit: CPUs, and memory (a worker holds its kernel's dSYM, about 3x its size) */
static size_t
worker_count(const struct sym_ctx *s)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = s->o.jobs ? s->o.jobs : (size_t)(cpus > 0 ? cpus : 1), i;
    unsigned long long avail = 0, biggest = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];

    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "MemAvailable:", 13))
            avail = strtoull(line + 13, NULL, 10) * 1024;
    if (f)
        fclose(f);
    for (i = 0; i < s->nss; i++) {
        struct stat st;

        if (s->ss[i].primary->dsym && stat(s->ss[i].primary->dsym, &st) == 0 &&
            (unsigned long long)st.st_size > biggest)
            biggest = (unsigned long long)st.st_size;
    }
    if (avail && biggest) {
        unsigned long long per = biggest * 3 + (256ull << 20);
        size_t fit = (size_t)(avail / 2 / per);

        if (fit < n)
            n = fit ? fit : 1;
    }
    return n < s->nss ? n : s->nss;
}

void
sym_run(struct sym_ctx *s, FILE *diag)
{
    char workdir[] = "/tmp/kptrace-batch.XXXXXX";
    size_t i, pending = 0, nw;
    pthread_t *th;
    struct buf ic = BUF_INIT;

    s->st.lookups = s->ne;
    for (i = 0; i < s->ne; i++) {
        if (s->e[i].from_cache)
            s->st.cache_hits++;
        else
            pending++;
    }
    if (!pending) {
        cache_write(s, diag);
        return;
    }
    if (!s->lldb || !mkdtemp(workdir)) {
        const char *why = !s->lldb ? "no lldb found (install lldb, or name one with --lldb)"
                                   : "cannot create a private directory for lldb";

        for (i = 0; i < s->ne; i++)
            if (s->e[i].status == E_PENDING)
                s->e[i].status = LLDB_FAILED;
        for (i = 0; i < s->nss; i++)
            if (s->ss[i].n)
                add_failure(s, s->ss[i].primary, why);
        s->st.lldb_failed += pending;
        return;
    }
    if (s->o.lldb_log)
        s->cmdlog = fopen(s->o.lldb_log, "w");
    if (s->cache_dir && mkdir_p(s->cache_dir) == 0)
        buf_addf(&ic, "%s/lldb", s->cache_dir);
    s->lo.lldb = s->lldb;
    s->lo.workdir = workdir;
    s->lo.index_cache = ic.len ? ic.data : NULL;
    s->lo.start_timeout_ms = s->o.start_timeout_ms ? s->o.start_timeout_ms : 300000;
    s->lo.chunk_timeout_ms = s->o.chunk_timeout_ms ? s->o.chunk_timeout_ms : 30000;
    s->lo.cmdlog = s->cmdlog;
    s->st.lldb_lookups = pending;
    nw = worker_count(s);
    th = xcalloc(nw ? nw : 1, sizeof(*th));
    s->next_sess = 0;
    for (i = 0; i < nw; i++)
        if (pthread_create(&th[i], NULL, worker, s))
            KPT_BUG("cannot create a worker thread");
    for (i = 0; i < nw; i++)
        pthread_join(th[i], NULL);
    free(th);
    if (s->cmdlog)
        fclose(s->cmdlog);
    s->cmdlog = NULL;
    nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    buf_release(&ic);
    cache_write(s, diag);
}

/* ---- pass 2 ---- */

static void
fill(struct sym_ctx *s, struct arena *a, const struct kpt_report *r, const struct kdk_mod *kernel,
     struct kpt_frame *f, int is_return)
{
    struct fl l;
    const struct entry *e;

    frame_lookup(s, r, kernel, f->addr, is_return, &l);
    if (s->o.enabled && l.kext && !match_kext(s, r, l.kext, kernel)) {
        /* a kext frame no --kext or KDK binary matches: counted, shown MODULE+0xOFFSET */
        pthread_mutex_lock(&s->mu);
        kpt_hist_add(&s->st.no_binary_kexts, l.kext->id, 1);
        pthread_mutex_unlock(&s->mu);
    }
    f->module = NULL;
    f->function = f->inlined = f->file = NULL;
    f->line = 0;
    f->keepsyms = 0;
    if (l.placed) {
        f->module = l.kext ? l.kext->id : "kernel";
        f->mod_off = l.mod_off;
    }
    if (l.mod && (e = table_find(s, l.mod, l.lookup)) && e->status == LLDB_OK) {
        f->function = arena_strdup(a, e->func);
        f->func_off = e->off + l.adj;
        f->inlined = e->inl ? arena_strdup(a, e->inl) : NULL;
        f->file = e->file ? arena_strdup(a, e->file) : NULL;
        f->line = e->line;
        if (!f->module)
            f->module = l.kext ? l.kext->id : "kernel";
        return;
    }
    if (f->sym_name && f->sym_module) {
        /* the report's own name (keepsyms): a hint, kept when lldb has none */
        const char *m = f->sym_module;

        if (!f->module)
            f->module = (!strcmp(m, "mach_kernel") || !strcmp(m, "kernel") || !strncmp(m, "kernel.", 7))
                            ? "kernel" : m;
        f->function = sym_demangle(a, f->sym_name);
        f->func_off = f->sym_off;
        f->keepsyms = 1;
    }
}

int
sym_resolve(struct sym_ctx *s, struct arena *a, struct kpt_report *r)
{
    const struct kdk_mod *kernel = NULL;
    const char *status = "off";
    size_t i;

    if (s->o.enabled) {
        kernel = s->cat.n ? match_kernel(s, a, r, &status) : NULL;
        if (!s->cat.n)
            status = "none";
    }
    r->kdk_status = status;
    r->kdk = kernel ? (kernel->kdk ? kernel->kdk : kernel->exe) : NULL;
    for (i = 0; i < r->nframes; i++)
        fill(s, a, r, kernel, &r->frames[i], 1);
    if (r->has_fault)
        fill(s, a, r, kernel, &r->fault, 0);
    if (s->o.enabled && !kernel) {
        pthread_mutex_lock(&s->mu);
        if (!strcmp(status, "uuid-mismatch"))
            s->st.reports_mismatch++;
        s->st.reports_no_kdk++;
        kpt_hist_add(&s->st.no_kdk_builds, r->os_build ? r->os_build : "unknown build", 1);
        pthread_mutex_unlock(&s->mu);
    }
    return 0;
}
