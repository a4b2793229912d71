/*
 * sym.c - the symbolication context and its two passes (see sym.h); the cache, the address
 * math and the lldb workers are beside it (sym_int.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/fields.h"
#include "symbolicate/sym_int.h"
#include "symbolicate/sym_kcache.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define DEFAULT_ROOT "/Library/Developer/KDKs"

/* libstdc++'s demangler; C linkage. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *n, int *status);

/* ---- small helpers ---- */

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

/* ---- the context ---- */

struct sym_ctx *
sym_ctx_new(const struct sym_opts *o, kpt_warn_fn *warn)
{
    struct sym_ctx *s = xcalloc(1, sizeof(*s));
    size_t i;

    if (o)
        s->o = *o;
    s->warn = warn;
    pthread_mutex_init(&s->mu, NULL);
    kdk_cat_init(&s->cat);
    s->st.enabled = s->o.enabled;
    if (!s->o.enabled)
        return s;
    s->learn = sym_learn_new();
    if (!s->o.no_cache) {
        s->cache_dir = s->o.cache_dir ? sym_absolute(s->o.cache_dir) : sym_default_cache_dir();
        if (!s->cache_dir)
            sym_warn(s, "no symbol cache: neither XDG_CACHE_HOME nor an existing HOME folder names "
                        "one (--cache DIR does)");
    }
    if (s->cache_dir) {
        /* answers from a directory someone else can write would be theirs, not lldb's */
        struct buf why = BUF_INIT;

        if (sym_cache_dir_check(s->cache_dir, &why) < 0) {
            sym_warn(s, "the cache '%s' %s: not used", s->cache_dir, why.data);
            free(s->cache_dir);
            s->cache_dir = NULL;
        }
        buf_release(&why);
    }
    /* what earlier runs read of the KDKs and kexts, while their files are unchanged */
    if (s->cache_dir)
        s->cat.kc = kcache_load(s->cache_dir, s->o.readers ? s->o.readers->catalogue : NULL);
    /* KDKs are only registered here; their binaries are read when a report needs them */
    for (i = 0; i < s->o.nkdks; i++)
        if (!kdk_cat_add_kdk(&s->cat, s->o.kdks[i]))
            sym_warn(s, "--kdk '%s': not a KDK (no System/Library/Kernels or Extensions)",
                     s->o.kdks[i]);
    for (i = 0; i < s->o.nroots; i++)
        kdk_cat_add_root(&s->cat, s->o.roots[i]);
    if (!s->o.nroots && !s->o.nkdks)
        kdk_cat_add_root(&s->cat, DEFAULT_ROOT);
    for (i = 0; i < s->o.nkexts; i++)
        if (!kdk_cat_add_kexts(&s->cat, s->o.kexts[i]))
            sym_warn(s, "--kext '%s': no kext found", s->o.kexts[i]);
    sym_warn_catalogue(s);
    {
        /* lldb runs in a private directory: a relative path must not change meaning there */
        char *found = sym_find_lldb(s->o.lldb);

        s->lldb = sym_absolute(found);
        free(found);
    }
    {
        struct stat st;
        struct buf b = BUF_INIT;

        if (s->lldb && stat(s->lldb, &st) == 0)
            buf_addf(&b, "%s %lld %lld", s->lldb, (long long)st.st_size, (long long)st.st_mtime);
        else
            buf_adds(&b, "no-lldb");
        s->ident = buf_detach(&b, NULL);
    }
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
    hindex_release(&s->ix);
    for (i = 0; i < s->nss; i++)
        free(s->ss[i].ents);
    free(s->ss);
    free(s->cache_loaded);
    kpt_fields_release(kpt_symstats_fields, &s->st, 0);
    sym_learn_free(s->learn);
    free(s->lldb);
    free(s->ident);
    free(s->cache_dir);
    kcache_free(s->cat.kc);
    kdk_cat_release(&s->cat);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* pass 1 looks names up in the catalogue and learns what the reports print */
int
sym_needs_pass(const struct sym_ctx *s)
{
    return s->o.enabled;
}

int
sym_needs_lookups(const struct sym_ctx *s)
{
    return s->o.enabled && sym_catalogue(s);
}

int
sym_catalogue(const struct sym_ctx *s)
{
    return s->cat.n > 0 || s->cat.nd > 0;
}

/* what the catalogue holds: the modules read so far, the KDKs registered */
void
sym_count_catalogue(struct sym_ctx *s)
{
    size_t i;

    s->st.kernels = s->st.kexts = 0;
    for (i = 0; i < s->cat.n; i++)
        s->cat.m[i]->kind == KDK_KERNEL ? s->st.kernels++ : s->st.kexts++;
    s->st.kdks = s->cat.nd;
    s->st.kdk_files_read = s->cat.files_read;
}

const struct kpt_symstats *
sym_ctx_stats(const struct sym_ctx *s)
{
    return &s->st;
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
    sym_cache_load(s, f->mod);
    if ((e = sym_table_find(s, f->mod, f->lookup)))
        return;
    e = sym_table_add(s, f->mod, f->lookup);
    e->sess = session_for(s, kernel ? kernel : f->mod);
    ss = &s->ss[e->sess];
    VEC_GROW(ss->ents, ss->n + 1, ss->cap);
    ss->ents[ss->n++] = (size_t)(e - s->e);
}

/* a frame placed and looked up: a stackshot's by its image, the panicked thread's by the
 * report's ranges */
static void
lookup(const struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel,
       const struct kpt_frame *f, int is_return, struct fl *out)
{
    if (f->image)
        sym_image_lookup(s, r, kernel, f, out);
    else
        sym_frame_lookup(s, r, kernel, f->addr, is_return, out);
}

/* read from the KDKs what report r may match: its kernel (returned) and kexts */
static const struct kdk_mod *
prepare(struct sym_ctx *s, struct arena *a, const struct kpt_report *r, enum kpt_kdk_match *status)
{
    const struct kdk_mod *kernel;

    sym_need(s, r);
    kernel = sym_match_kernel(s, a, r, status);
    sym_need_kexts(s, r, kernel);
    return kernel;
}

void
sym_prepare(struct sym_ctx *s, struct arena *a, const struct kpt_report *r)
{
    enum kpt_kdk_match status;

    if (sym_needs_pass(s) && sym_catalogue(s))
        prepare(s, a, r, &status);
}

void
sym_collect(struct sym_ctx *s, struct arena *a, const struct kpt_report *r)
{
    const struct kdk_mod *kernel = NULL;
    enum kpt_kdk_match status;
    const uint8_t *uuid;
    struct fl f;
    size_t i;

    if (!sym_needs_pass(s))
        return;
    if (sym_catalogue(s))
        kernel = prepare(s, a, r, &status);
    for (i = 0; i < r->nframes; i++) {
        const struct kpt_frame *fr = &r->frames[i];

        lookup(s, r, kernel, fr, 1, &f);
        if (sym_catalogue(s))
            note(s, kernel, &f);
        if (fr->sym_name && (uuid = f.uuid))
            sym_learn_note(s->learn, uuid, f.mod_off, fr->sym_name, fr->sym_off);
    }
    if (!sym_catalogue(s))
        return;
    for (i = 0; r->hang && i < r->hang->nframes; i++) {
        /* the hung thread's frames: the same table, cache and sessions */
        lookup(s, r, kernel, &r->hang->frames[i], 1, &f);
        note(s, kernel, &f);
    }
    if (r->has_fault) {
        sym_frame_lookup(s, r, kernel, r->fault.addr, 0, &f);
        note(s, kernel, &f);
    }
}

/* ---- pass 2 ---- */

static void
fill(struct sym_ctx *s, struct arena *a, const struct kpt_report *r, const struct kdk_mod *kernel,
     struct kpt_frame *f, int is_return)
{
    struct fl l;
    const struct entry *e;
    const uint8_t *uuid;
    const char *name;
    uint64_t loff;

    lookup(s, r, kernel, f, is_return, &l);
    if (s->o.enabled && l.kext && !sym_match_kext(s, r, l.kext, kernel)) {
        /* a kext frame no --kext or KDK binary matches: counted, shown MODULE+0xOFFSET */
        pthread_mutex_lock(&s->mu);
        kpt_hist_add(&s->st.no_binary_kexts, l.kext->id, 1);
        pthread_mutex_unlock(&s->mu);
    }
    f->module = NULL;
    f->function = f->inlined = f->file = NULL;
    f->line = 0;
    f->keepsyms = 0;
    f->in_kernel = 0;
    f->placed_by = l.placed;
    if (l.placed) {
        f->module = l.name;
        f->in_kernel = l.kernel;
        f->mod_off = l.mod_off;
    }
    if (l.mod && (e = sym_table_find(s, l.mod, l.lookup)) && e->status == LLDB_OK) {
        f->function = arena_strdup(a, e->func);
        f->func_off = e->off + l.adj;
        f->inlined = e->inl ? arena_strdup(a, e->inl) : NULL;
        f->file = e->file ? arena_strdup(a, e->file) : NULL;
        f->line = e->line;
        if (!f->module) {
            f->module = l.name ? l.name : KPT_MODULE_KERNEL;
            f->in_kernel = l.name ? l.kernel : 1;
        }
        return;
    }
    f->learned = 0;
    if (is_return && s->learn && (uuid = l.uuid) &&
        (name = sym_learn_find(s->learn, uuid, l.mod_off, &loff))) {
        /* what the fleet's reports print for this binary at this offset */
        f->function = sym_demangle(a, name);
        f->func_off = loff;
        f->keepsyms = 1;
        f->learned = !f->sym_name || strcmp(f->sym_name, name) || f->sym_off != loff;
        if (f->learned) {
            pthread_mutex_lock(&s->mu);
            s->st.frames_learned++;
            pthread_mutex_unlock(&s->mu);
        }
        return;
    }
    if (f->sym_name && f->sym_module) {
        /* the report's own name (keepsyms): a hint, kept when lldb has none */
        const char *m = f->sym_module;

        if (!f->module) {
            f->in_kernel =
                !strcmp(m, "mach_kernel") || !strcmp(m, "kernel") || !strncmp(m, "kernel.", 7);
            f->module = f->in_kernel ? KPT_MODULE_KERNEL : m;
        }
        f->function = sym_demangle(a, f->sym_name);
        f->func_off = f->sym_off;
        f->keepsyms = 1;
    }
}

void
sym_resolve(struct sym_ctx *s, struct arena *a, struct kpt_report *r)
{
    const struct kdk_mod *kernel = NULL;
    enum kpt_kdk_match status = KPT_KDK_OFF;
    size_t i;

    if (s->o.enabled) {
        kernel = sym_catalogue(s) ? sym_match_kernel(s, a, r, &status) : NULL;
        if (!sym_catalogue(s))
            status = KPT_KDK_NONE;
    }
    r->kdk_match = status;
    r->kdk = kernel ? (kernel->kdk ? kernel->kdk : kernel->exe) : NULL;
    for (i = 0; i < r->nframes; i++)
        fill(s, a, r, kernel, &r->frames[i], 1);
    if (r->has_fault)
        fill(s, a, r, kernel, &r->fault, 0);
    for (i = 0; r->hang && i < r->hang->nframes; i++)
        fill(s, a, r, kernel, &r->hang->frames[i], !r->hang->frames[i].pc);
    if (s->o.enabled && !kernel) {
        pthread_mutex_lock(&s->mu);
        if (status == KPT_KDK_UUID_MISMATCH)
            s->st.reports_mismatch++;
        s->st.reports_no_kdk++;
        kpt_hist_add(&s->st.no_kdk_builds, r->os_build ? r->os_build : "unknown build", 1);
        pthread_mutex_unlock(&s->mu);
    }
}
