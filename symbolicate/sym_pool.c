/*
 * sym_pool.c - sym_run(): the lookups the cache could not answer, one lldb session per KDK
 * kernel, sessions shared out to worker threads (as many as CPUs and memory allow).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach/mach.h>
#endif

#include "symbolicate/sym_int.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/cursor.h"
#include "util/xalloc.h"

static void
add_failure(struct sym_ctx *s, const struct kdk_mod *primary, const char *why)
{
    struct buf b = BUF_INIT;

    buf_addf(&b, "%s (%s): %s", primary->kdk ? primary->kdk : primary->exe, primary->file, why);
    pthread_mutex_lock(&s->mu);
    strv_push(&s->st.failures, b.data);
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
        if (res[i].cut) {
            pthread_mutex_lock(&s->mu);
            s->st.lldb_names_cut++;
            pthread_mutex_unlock(&s->mu);
        }
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

/* memory a new process could use, in bytes; 0 when the system does not say */
static unsigned long long
available_memory(void)
{
    unsigned long long avail = 0;
#if defined(__APPLE__)
    /* free, inactive and speculative pages, as vm_stat counts them */
    mach_port_t host = mach_host_self();
    vm_statistics64_data_t vm;
    mach_msg_type_number_t n = HOST_VM_INFO64_COUNT;
    vm_size_t page = 0;

    if (host_page_size(host, &page) == KERN_SUCCESS &&
        host_statistics64(host, HOST_VM_INFO64, (host_info64_t)&vm, &n) == KERN_SUCCESS)
        avail =
            ((unsigned long long)vm.free_count + vm.inactive_count + vm.speculative_count) * page;
#else
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];

    while (f && fgets(line, sizeof(line), f)) {
        const char *p = line, *end = line + strlen(line);
        uint64_t kib;

        /* "MemAvailable:   123456 kB"; a count past 2^54 KiB is no count */
        if (!cur_lit(&p, end, "MemAvailable:") &&
            (cur_skip_blank(&p, end), !cur_dec(&p, end, &kib, UINT64_MAX >> 10)))
            avail = kib << 10;
    }
    if (f)
        fclose(f);
#endif
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    if (!avail) { /* no count of available memory: half the physical memory */
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

        if (pages > 0 && size > 0)
            avail = (unsigned long long)pages * (unsigned long long)size / 2;
    }
#endif
    return avail;
}

/* workers that fit: CPUs, and memory (a worker holds its kernel's dSYM, about 3x its size) */
static size_t
worker_count(const struct sym_ctx *s)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = s->o.jobs ? s->o.jobs : (size_t)(cpus > 0 ? cpus : 1), i;
    unsigned long long avail = available_memory(), biggest = 0;

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
sym_run(struct sym_ctx *s, kpt_warn_fn *warn)
{
    struct buf wd = BUF_INIT;
    char *workdir;
    const char *tmp = getenv("TMPDIR");
    size_t i, pending = 0, nw;
    pthread_t *th;
    struct buf ic = BUF_INIT;

    s->warn = warn;
    if (s->learn)
        sym_learn_decide(s->learn, &s->st.learned_facts, &s->st.learned_conflicts,
                         &s->st.learned_dropped);
    sym_count_catalogue(s);
    sym_warn_catalogue(s); /* paths skipped while pass 1 read KDKs */
    s->st.lookups = s->ne;
    for (i = 0; i < s->ne; i++) {
        if (s->e[i].from_cache)
            s->st.cache_hits++;
        else
            pending++;
    }
    if (!pending) {
        sym_cache_write(s);
        return;
    }
    /* lldb's private working directory, removed at the end, on every signal too */
    buf_addf(&wd, "%s/kptrace-batch.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
    workdir = wd.data;
    if (!s->lldb || !mkdtemp(workdir)) {
        const char *why = !s->lldb ? "no lldb found (install lldb, or name one with --lldb)"
                                   : "cannot create a private directory for lldb";

        if (s->lldb) /* symbolication is off for the run: said plainly, not only in the summary */
            sym_warn(
                s,
                "symbolication is off: cannot create lldb's private directory in '%s' (TMPDIR): %s",
                tmp && *tmp == '/' ? tmp : "/tmp", strerror(errno));

        for (i = 0; i < s->ne; i++)
            if (s->e[i].status == E_PENDING)
                s->e[i].status = LLDB_FAILED;
        for (i = 0; i < s->nss; i++)
            if (s->ss[i].n)
                add_failure(s, s->ss[i].primary, why);
        s->st.lldb_failed += pending;
        buf_release(&wd);
        return;
    }
    cleanup_add_path(workdir);
    if (s->o.lldb_log)
        s->cmdlog = fopen(s->o.lldb_log, "w");
    if (s->cache_dir && sym_mkdir_p(s->cache_dir) == 0)
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
    {
        /* the workers start lldb: they never take the cleanup signals (see cleanup.h) */
        sigset_t old;

        cleanup_block_signals(1, &old);
        for (i = 0; i < nw; i++)
            if (pthread_create(&th[i], NULL, worker, s))
                KPT_BUG("cannot create a worker thread");
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    for (i = 0; i < nw; i++)
        pthread_join(th[i], NULL);
    free(th);
    if (s->cmdlog)
        fclose(s->cmdlog);
    s->cmdlog = NULL;
    nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    cleanup_remove_path(workdir);
    buf_release(&wd);
    buf_release(&ic);
    sym_cache_write(s);
}
