/*
 * test_cluster.c - signatures: pinned hash vectors, classes and fields, masking, name
 * reduction, and keys that must stay equal or must differ.
 */
#include "model/fields.h"
#include "tests/unit/testsign.h"

#include <inttypes.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/xalloc.h"

/* SIGNATURES.md §5.3: changing one of these is an algorithm version bump */
static void
test_pinned_vectors(void **state)
{
    static const struct {
        const char *canon;
        uint64_t key;
    } vec[] = {
        { "6:xnusig,7:primary,8:watchdog,1:1,20:service=WindowServer,1:0,", 0x6e846b703f4915f4ull },
        { "6:xnusig,7:primary,8:watchdog,1:1,12:service=logd,1:0,", 0xc5ff531405fa386dull },
        { "6:xnusig,6:coarse,8:watchdog,1:1,20:service=WindowServer,1:1,1:-,",
          0x345d7097b759c8ccull },
        { "6:xnusig,7:primary,8:x86_trap,1:1,26:trap=13=general protection,1:3,12:lck_mtx_lock,"
          "44:com.example.driver.FooNIC!FooNIC::txComplete,44:com.example.driver.FooNIC!FooNIC::"
          "timerFired,",
          0x2efe591ba78b6093ull },
        { "6:xnusig,6:coarse,8:x86_trap,1:1,26:trap=13=general "
          "protection,1:1,25:com.example.driver.FooNIC,",
          0x3bc07e759a428488ull },
        { "6:xnusig,7:primary,8:x86_trap,1:1,26:trap=13=general "
          "protection,1:2,7:~lowsym,25:com.example.driver.FooNIC,",
          0x6514f8cfa3fa47fcull },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
        assert_true(clu_hash(vec[i].canon, strlen(vec[i].canon)) == vec[i].key);
}

/* clu_canon() writes exactly the documented form */
static void
test_canon(void **state)
{
    const char *f1[] = { "service=WindowServer" };
    const char *f2[] = { "trap=13=general protection" };
    const char *items[] = { "lck_mtx_lock", "com.example.driver.FooNIC!FooNIC::txComplete",
                            "com.example.driver.FooNIC!FooNIC::timerFired" };
    struct buf b = BUF_INIT;

    (void)state;
    clu_canon(&b, "primary", "watchdog", f1, 1, NULL, 0);
    assert_string_equal(b.data, "6:xnusig,7:primary,8:watchdog,1:1,20:service=WindowServer,1:0,");
    buf_reset(&b);
    clu_canon(&b, "primary", "x86_trap", f2, 1, items, 3);
    assert_true(clu_hash(b.data, b.len) == 0x2efe591ba78b6093ull);
    buf_release(&b);
}

static const struct {
    const char *msg, *cls, *fields;
    int n;
} class_cases[] = {
    { "userspace watchdog timeout: no successful checkins from com.apple.WindowServer (2 induced "
      "crashes) in 120 seconds",
      "watchdog", "service=WindowServer", 0 },
    { "Kernel trap at 0xffffff7f9a3c11bd, type 13=general protection, registers:", "x86_trap",
      "trap=13=general protection", 3 },
    { "Kernel trap at 0xffffff8018c8019a, type 14=page fault, registers:", "x86_trap",
      "trap=14=page fault", 3 },
    { "Double fault at 0xffffff801e90c6d0, registers:", "x86_trap", "trap=8=double fault", 3 },
    { "Spinlock acquisition timed out: lock=0xffffff80024ca528, lock owner "
      "thread=0xffffff8016c3b450",
      "lock_timeout", "lock=Spinlock", 1 },
    { "[kalloc.type.var4.128]: element modified after free (off:64, val:0xfffffff1d2c3b4a5, "
      "sz:128)",
      "zone_uaf", "zone=kalloc.type.var*.128", 0 },
    { "zone map exhausted while allocating from zone [data.kalloc.1024], likely due to memory leak "
      "in zone [kalloc.type.var2.64] (6G, 1234567 elements allocated)",
      "zone_exhausted", "leak=kalloc.type.var*.64|~alloc=data.kalloc.1024", 0 },
    { "assertion failed: m->m_flags & M_PKTHDR, file: /AppleInternal/xnu/bsd/kern/uipc_mbuf.c, "
      "line: 4839",
      "assert", "file=uipc_mbuf.c|expr=m->m_flags & M_PKTHDR", 2 },
    { "Kernel data abort. at pc 0xfffffe001327947c, lr 0xfdc0fe00148e2af8 (saved state: "
      "0xfffffe8820216e10)",
      "arm_abort", "kind=Kernel data abort", 3 },
    /* a T2's bridgeOS: one hardware class, keyed on the kind, the rest fine-only */
    { "Unexpected SoC (system) watchdog reset occurred during sleep/wake transition", "hardware",
      "unit=SoC|kind=watchdog reset|~detail=Unexpected SoC (system) watchdog reset occurred during "
      "sleep/wake transition",
      0 },
    { "x86 CPU CATERR detected", "hardware",
      "unit=T2|kind=x86 CPU CATERR|~detail=x86 CPU CATERR detected", 0 },
    { "x86 global reset detected", "hardware",
      "unit=T2|kind=x86 global reset|~detail=x86 global reset detected", 0 },
    { "macOS watchdog detected", "hardware",
      "unit=T2|kind=macOS watchdog|~detail=macOS watchdog detected", 0 },
    { "btn_rst", "generic", "msg=btn_rst", 3 },
    { "os_refcnt: overflow (rc=0xffffff8012345678)", "refcnt", "kind=overflow", 3 },
    /* SIGNATURES.md §3.1 step 2: a register dump never enters a class field */
    { "\"Machine Check at 0x00007fff7dd40e93, registers:\\n\" \"CR0: 0x000000008001003b, CR2: "
      "0x00007fff7dd40e93, CR3: 0x0000000f0d8b4000\\n\"",
      "hardware", "unit=Machine Check|detail=Machine Check at <hex>, registers", 0 },
    { "Machine Check at 0x0000000119d6b000, registers:\nCR0: 0x0000000080010033, CR2: "
      "0x0000000119d6b000",
      "hardware", "unit=Machine Check|detail=Machine Check at <hex>, registers", 0 },
    /* §3.3 rows for allocator failures and busy timeouts */
    { "zalloc: default.kalloc.4096 (357 elements) retry fail 6", "zone_exhausted",
      "zone=default.kalloc.4096", 0 },
    { "slab_nextptr_panic: mcache.mbuf buffer 0xffffff80a1b2c3d4 in slab 0xffffff80a1b2c000 "
      "modified after free at offset 0: 0x0 out of bounds",
      "zone_uaf", "zone=mcache.mbuf", 0 },
    { "busy timeout[0], (60s): 'IOResources'", "busy_timeout", "service=IOResources", 0 },
    /* IOService::waitQuiet's wording for several busy leaves: keyed on the first, apart */
    { "busy timeout[0], (60s): multiple entries holding the registry busy, IOKit termination queue "
      "depth 212: 'RootDomainUserClient' (1,2001), 'ApplePPMUserClient' (1,2001)",
      "busy_timeout", "service=RootDomainUserClient|holders=multiple", 0 },
    /* Apple silicon's monitors: the violation and the function that caught it */
    { "[SPTM] VIOLATION_ILLEGAL_SPRR_INDEX: sptm_map_page(sptm.c:1642) - sprr_index(0x7)",
      "monitor",
      "monitor=SPTM|violation=VIOLATION_ILLEGAL_SPRR_INDEX|fn=sptm_map_page|~detail=[SPTM] "
      "VIOLATION_ILLEGAL_SPRR_INDEX: sptm_map_page(sptm.c:<n>) - sprr_index(<hex",
      0 },
    { "[SPTM] VIOLATION_FRAME_TYPE: refcounts_update_page_op\n (sptm_types.c:3347) "
      "fte->type(XNU_KERNEL_RESTRICTED)",
      "monitor",
      "monitor=SPTM|violation=VIOLATION_FRAME_TYPE|fn=refcounts_update_page_op|~detail=[SPTM] "
      "VIOLATION_FRAME_TYPE: refcounts_update_page_op (sptm_types.c:<n>) fte->",
      0 },
    { "[SPTM] VIOLATION_SHARED_REGIONS_EXHAUSTED: shared_region_alloc", "monitor",
      "monitor=SPTM|violation=VIOLATION_SHARED_REGIONS_EXHAUSTED|fn=shared_region_alloc|~detail=["
      "SPTM] VIOLATION_SHARED_REGIONS_EXHAUSTED: shared_region_alloc",
      0 },
    { "[TXM] Unhandled synchronous exception taken from GL0 at pc 0xfffffe00294aabf4", "monitor",
      "monitor=TXM|kind=Unhandled synchronous exception taken from GL0 at pc <hex>", 0 },
    /* an extracted field is masked: no address keys a cluster */
    { "Kernel tag check fault (expected tagged address: 0xf6fffe205d518d88) at pc "
      "0xfffffe002c0f1234, lr 0xfffffe002c0f5678 (saved state: 0xfffffe8820216e10)",
      "arm_abort", "kind=Kernel tag check fault (expected tagged address: <hex>)", 3 },
};

static void
test_classes(void **state)
{
    struct clu_rules *c = clu_rules_new();
    struct arena *a = arena_new(4096);
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
        const char *cls, **fields, *msg;
        size_t nf;
        struct buf got = BUF_INIT;
        int n;

        msg = clu_clean_message(c, a, class_cases[i].msg);
        n = clu_classify(c, a, msg, &cls, &fields, &nf, NULL);
        for (k = 0; k < nf; k++)
            buf_addf(&got, "%s%s", k ? "|" : "", fields[k]);
        print_message("# %s\n", class_cases[i].msg);
        assert_string_equal(cls, class_cases[i].cls);
        assert_string_equal(got.data, class_cases[i].fields);
        assert_int_equal(n, class_cases[i].n);
        buf_release(&got);
    }
    arena_free(a);
    clu_rules_free(c);
}

static void
test_clean_and_mask(void **state)
{
    struct arena *a = arena_new(4096);
    struct clu_rules *c = clu_rules_new();

    (void)state;
    assert_string_equal(
        clu_clean_message(
            c, a, "\"Spinlock timed out: lock=0x1\"@/SourceCache/xnu/osfmk/i386/locks_i386.c:365"),
        "Spinlock timed out: lock=0x1");
    assert_string_equal(
        clu_clean_message(c, a,
                          "nvme: \"Fatal error occurred. DID=0xa808\n. FW "
                          "Revision=EXA\\n\"@/AppleInternal/IONVMeController.cpp:5320"),
        "nvme: Fatal error occurred. DID=0xa808 . FW Revision=EXA");
    assert_string_equal(clu_clean_message(c, a,
                                          "userspace watchdog timeout: no successful checkins from "
                                          "logd\nservice: logd, total 1\nservice: x"),
                        "userspace watchdog timeout: no successful checkins from logd");
    assert_string_equal(
        clu_clean_message(c, a,
                          "Too many alloc retries: 502, table:0xfffffe1, type:1 @ltable.c:489"),
        "Too many alloc retries: 502, table:0xfffffe1, type:1");
    /* a paste that continues its lines with a trailing backslash */
    assert_string_equal(
        clu_clean_message(c, a,
                          "busy timeout[0], (60s): multiple \\\nentries holding the registry busy, "
                          "\\\n'A' (1,2001) @IOService.cpp:5963"),
        "busy timeout[0], (60s): multiple entries holding the registry busy, 'A' (1,2001)");
    assert_string_equal(clu_clean_message(c, a, "a path C:\\\\\nnext"), "a path C:\\\\ next");
    assert_string_equal(clu_mask(a, "busy timeout[0], (60s): 'IOResources'", 160),
                        "busy timeout[<n>], (<n>s): 'IOResources'");
    assert_string_equal(
        clu_mask(a, "zone data.kalloc.1024 OUTBOX3 uuid 7F56F309-28C2-342A-82C0-3908C164EBCC", 160),
        "zone data.kalloc.1024 OUTBOX3 uuid <uuid>");
    assert_string_equal(clu_mask(a, "sks : 0x0006fe97 0x00000000 0x0 [mvupn]", 160),
                        "sks : <list> [mvupn]");
    assert_string_equal(clu_mask(a, "3rd try, 10ms later", 160), "3rd try, <n>ms later");
    arena_free(a);
    clu_rules_free(c);
}

static void
test_reduce_names(void **state)
{
    static const char *const cases[][2] = {
        { "IONVMeController::RequestAsyncEvents(unsigned int)",
          "IONVMeController::RequestAsyncEvents" },
        { "void TrapHook::kernelTrap<x86_saved_state>(x86_saved_state*, unsigned long*)",
          "TrapHook::kernelTrap<T>" },
        { "IONVMeController::FatalHandling() (.cold.1)", "IONVMeController::FatalHandling" },
        { "OSArray::operator<(OSArray const&) const", "OSArray::operator<" },
        { "panic", "panic" },
        { "std::map<int, std::vector<int> >::find(int const&)", "std::map<T>::find" },
    };
    struct arena *a = arena_new(4096);
    struct clu_rules *c = clu_rules_new();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(clu_reduce_name(c, a, cases[i][0]), cases[i][1]);
    arena_free(a);
    clu_rules_free(c);
}

/* ---- keys that must agree or differ, on whole reports ---- */

#define WATCHDOG(svc, healthy, secs)                                                               \
    "panic(cpu 0 caller 0xfffffe003b8fc3e4): userspace watchdog timeout: no successful checkins "  \
    "from " svc " (2 induced crashes) in " secs " seconds\n"                                       \
    "service: " healthy ", total successful checkins since load (1210 seconds ago): 122\n"         \
    "Debugger message: panic\nOS version: 23G93\n"

static void
test_keys_same_and_differ(void **state)
{
    struct arena *a = arena_new(65536);
    char *r1 = tl_intel_report(0x1000000, "19H2", "2.0.1"),
         *r2 = tl_intel_report(0x2e00000, "19H2", "2.0.2");
    char *r3 = tl_intel_report(0, "19H2", "2.0.1");

    (void)state;
    /* watchdog: the starved service is the key; healthy services and numbers are not */
    assert_string_equal(tl_sign_text(a, WATCHDOG("WindowServer", "logd", "120")),
                        "6e846b703f4915f4");
    assert_string_equal(tl_sign_text(a, WATCHDOG("WindowServer", "opendirectoryd", "90")),
                        "6e846b703f4915f4");
    assert_string_equal(tl_sign_text(a, WATCHDOG("logd", "WindowServer", "120")),
                        "c5ff531405fa386d");
    /* the same bug with another slide, kext version, line number: one key */
    assert_string_equal(tl_sign_text(a, r1), tl_sign_text(a, r2));
    assert_string_equal(tl_sign_text(a, r1), tl_sign_text(a, r3));
    free(r1);
    free(r2);
    free(r3);
    /* trap types 13 and 14 at the same frames differ */
    r1 = xstrdup("panic(cpu 0 caller 0xffffff8000201000): Kernel trap at 0xffffff8000300000, type "
                 "13=general protection, registers:\n"
                 "Backtrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8000201000 \n0x2 : "
                 "0xffffff8000202000 \n"
                 "Kernel slide:     0x0000000000000000\n");
    r2 = xstrdup(r1);
    memcpy(strstr(r2, "13=general protection"), "14=page fault, regi", 19);
    assert_string_not_equal(tl_sign_text(a, r1), tl_sign_text(a, r2));
    free(r1);
    free(r2);
    arena_free(a);
}

/* the table keeps counts, examples in byte order and the earliest representative */
static void
test_table(void **state)
{
    struct clu_table *t = clu_table_new(0);
    struct arena *a = arena_new(4096);
    const struct kpt_cluster *c;
    static const char *const paths[] = { "d/5", "d/2", "d/9", "d/1", "d/7" };
    size_t i, n;

    (void)state;
    for (i = 0; i < 5; i++) {
        struct kpt_report r;

        kpt_report_init(&r, a, paths[i]);
        r.sig_id = i == 4 ? "00000000000000bb" : "00000000000000aa";
        r.sig_key = i == 4 ? 0xbb : 0xaa;
        r.signature = "generic[x]";
        r.panic_class = "generic";
        r.when = 1000 - (int64_t)i;
        r.has_when = 1;
        r.os_build = i % 2 ? "21G83" : "22G91";
        clu_add(t, &r);
    }
    c = clu_table_result(t, &n);
    assert_int_equal(n, 2);
    assert_int_equal(c[0].count, 4);
    assert_int_equal(c[0].nexamples, 3);
    assert_string_equal(c[0].examples[0], "d/1");
    assert_string_equal(c[0].examples[2], "d/5");
    assert_string_equal(c[0].rep_path, "d/1"); /* the earliest */
    assert_true(c[0].first_seen == 997 && c[0].last_seen == 1000);
    assert_string_equal(c[0].builds.v[0].value, "21G83");
    assert_int_equal(c[0].builds.v[0].count, 2);
    assert_int_equal(c[1].count, 1);
    arena_free(a);
    clu_table_free(t);
}

/* clu_table_merge(): two shards merged give what one table over every report gives */
static void
fill(struct kpt_report *r, struct arena *a, size_t i)
{
    static char path[32];

    snprintf(path, sizeof(path), "fleet/%02zu", (i * 7) % 12);
    kpt_report_init(r, a, path);
    r->seq = i;
    r->sig_id = i % 3 ? "00000000000000aa" : "00000000000000bb";
    r->sig_key = i % 3 ? 0xaa : 0xbb;
    r->signature = "generic[x]";
    r->panic_class = "generic";
    r->coarse_id = i < 2 ? "00000000000000c1" : "00000000000000c2";
    r->fine_id = i % 2 ? "00000000000000f1" : "00000000000000f2";
    r->when = 5000 - (int64_t)(i % 5) * 10;
    r->has_when = i != 4;
    r->os_build = i % 2 ? "21G83" : "22G91";
    r->model = i % 4 ? "Mac14,2" : NULL;
    r->format = i % 2 ? KPT_FMT_IPS : KPT_FMT_INTEL_TEXT;
    r->quality = KPT_Q_OK;
    if (i >= 5) {
        r->culprit = i == 5 ? "com.example.a" : "com.example.b";
        r->kexts = arena_alloc(a, sizeof(*r->kexts));
        memset(r->kexts, 0, sizeof(*r->kexts));
        r->kexts[0].id = r->culprit;
        r->kexts[0].version = i == 5 ? "1.0" : "2.0";
        r->nkexts = 1;
    }
}

static void
assert_same_cluster(const struct kpt_cluster *x, const struct kpt_cluster *y)
{
    const struct kpt_field *f;
    size_t k;

    assert_true(x->id == y->id);
    assert_int_equal(x->count, y->count);
    assert_string_equal(x->rep_path, y->rep_path);
    assert_true(x->rep_when == y->rep_when);
    assert_true(x->has_seen == y->has_seen && x->first_seen == y->first_seen &&
                x->last_seen == y->last_seen);
    assert_int_equal(x->nexamples, y->nexamples);
    for (k = 0; k < x->nexamples; k++)
        assert_string_equal(x->examples[k], y->examples[k]);
    assert_true((x->culprit == NULL) == (y->culprit == NULL));
    if (x->culprit)
        assert_string_equal(x->culprit, y->culprit);
    assert_string_equal(x->coarse_id, y->coarse_id);
    assert_int_equal(x->nmembers, y->nmembers);
    for (k = 0; k < x->nmembers; k++)
        assert_int_equal(x->members[k], y->members[k]);
    for (f = kpt_cluster_fields; f->name; f++) {
        const struct kpt_hist *a = kpt_field_cptr(f, x), *b = kpt_field_cptr(f, y);

        assert_int_equal(a->n, b->n);
        assert_int_equal(a->other, b->other);
        for (k = 0; k < a->n; k++) {
            assert_string_equal(a->v[k].value, b->v[k].value);
            assert_int_equal(a->v[k].count, b->v[k].count);
        }
    }
}

static void
test_table_merge(void **state)
{
    struct clu_table *one = clu_table_new(1), *sh[2], *merged = clu_table_new(1);
    struct arena *a = arena_new(4096);
    const struct kpt_cluster *c1, *cs, *cm;
    size_t map[2][12], nmap[2] = { 0, 0 }, i, k, n1, ns, nm;

    (void)state;
    sh[0] = clu_table_new(1);
    sh[1] = clu_table_new(1);
    for (i = 0; i < 12; i++) {
        struct kpt_report r;
        size_t s = (i % 4) < 2; /* interleaved shards */

        arena_clear(a);
        fill(&r, a, i);
        clu_add(one, &r);
        map[s][nmap[s]] = i; /* the shard's seq -> the run's */
        r.seq = nmap[s]++;
        clu_add(sh[s], &r);
    }
    c1 = clu_table_result(one, &n1);
    for (k = 1; k <= 2; k++) { /* shard 1 first: the order of states does not matter */
        cs = clu_table_result(sh[k % 2], &ns);
        for (i = 0; i < ns; i++)
            clu_table_merge(merged, &cs[i], map[k % 2], nmap[k % 2]);
    }
    cm = clu_table_result(merged, &nm);
    assert_int_equal(n1, 2);
    assert_int_equal(nm, n1);
    for (i = 0; i < n1; i++)
        assert_same_cluster(&c1[i], &cm[i]);
    /* what each report added is there: the culprit of the first member that had one */
    assert_string_equal(c1[0].id_hex, "00000000000000aa");
    assert_string_equal(c1[0].culprit, "com.example.a");
    assert_string_equal(c1[0].kext_versions.v[0].value, "2.0"); /* 7, 8, 10, 11 */
    assert_int_equal(c1[0].kext_versions.v[0].count, 4);
    assert_string_equal(c1[1].coarse_id, "00000000000000c1"); /* seq 0's */
    clu_table_free(one);
    clu_table_free(sh[0]);
    clu_table_free(sh[1]);
    clu_table_free(merged);
    arena_free(a);
}

/* the run's totals: a report adds by the table, settings must agree to merge */
static void
test_fields_merge(void **state)
{
    struct kpt_summary x, y, to;
    struct arena *a = arena_new(4096);
    struct kpt_report r;
    struct kpt_frame fr[2];
    struct buf why = BUF_INIT;

    (void)state;
    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    memset(&to, 0, sizeof(to));
    memset(fr, 0, sizeof(fr));
    fr[0].module = "kernel";
    fr[0].function = "panic";
    fr[1].module = "kernel";
    kpt_report_init(&r, a, "p");
    r.format = KPT_FMT_IPS;
    r.frames = fr;
    r.nframes = 2;
    kpt_fields_add(kpt_summary_fields, &x, &r);
    r.status = KPT_ST_REJECTED;
    kpt_fields_add(kpt_summary_fields, &y, &r);
    assert_true(x.files == 1 && x.ok == 1 && x.frames == 2 && x.frames_placed == 2 &&
                x.frames_named == 1);
    assert_int_equal(x.by_format[KPT_FMT_IPS], 1);
    assert_true(y.files == 1 && y.rejected == 1 && y.frames == 0 && y.by_format[KPT_FMT_IPS] == 0);
    x.algo = y.algo = "xnusig/1";
    x.rules = y.rules = "r1";
    x.sig_frames = y.sig_frames = 2;
    assert_int_equal(kpt_fields_merge(kpt_summary_fields, &to, &x, 1, NULL), 0);
    assert_int_equal(kpt_fields_merge(kpt_summary_fields, &to, &y, 0, NULL), 0);
    assert_true(to.files == 2 && to.ok == 1 && to.rejected == 1 && to.sig_frames == 2);
    assert_string_equal(to.rules, "r1");
    y.sig_frames = 3;
    assert_int_equal(kpt_fields_merge(kpt_summary_fields, &to, &y, 0, &why), KPT_E_FORMAT);
    assert_non_null(strstr(why.data, "sig_frames"));
    assert_int_equal(to.files, 2); /* a refused merge changes nothing */
    y.sig_frames = 2;
    y.rules = "r2";
    buf_reset(&why);
    assert_int_equal(kpt_fields_merge(kpt_summary_fields, &to, &y, 0, &why), KPT_E_FORMAT);
    assert_non_null(strstr(why.data, "rules"));
    buf_release(&why);
    arena_free(a);
}

/* §4.1 step 2: the report's own names are kept near their symbol, the kernel's up to 64 KiB
 * (shown as approximate past 0x1000), a kext's past 0x1000 dropped */
static void
test_trust(void **state)
{
    static const char text[] =
        "panic(cpu 0 caller 0xffffff8000a00000): \"pf_test: bad state\"@/x/pf.c:12\n"
        "Backtrace (CPU 0), Frame : Return Address\n"
        "0xffffff80aaaa0000 : 0xffffff8000a10000 mach_kernel : _tcp_output + 0xa858\n"
        "0xffffff80aaaa0040 : 0xffffff8000a20000 mach_kernel : _pf_send_tcp + 0x1215\n"
        "0xffffff80aaaa0080 : 0xffffff8000a30000 mach_kernel : _pfioctl + 0x246a\n"
        "0xffffff80aaaa00c0 : 0xffffff7f81000100 com.example.Filter : _filter_hook + 0x1215\n"
        "0xffffff80aaaa0100 : 0xffffff8000a40000 mach_kernel : _far_away + 0x12000\n"
        "      Kernel Extensions in backtrace:\n"
        "         "
        "com.example.Filter(1.0)[11111111-2222-3333-4444-555555555555]@0xffffff7f81000000->"
        "0xffffff7f81ffffff\n"
        "\nMac OS version:\n21G83\nKernel slide:     0x0000000000800000\n";
    struct clu_rules *c = clu_rules_new();
    struct sym_ctx *s = sym_ctx_new(NULL, NULL);
    struct arena *a = arena_new(65536);
    struct kpt_limits lim;
    struct kpt_report r;
    struct buf ex = BUF_INIT;

    (void)state;
    kpt_limits_default(&lim);
    kpt_report_init(&r, a, "kasan.panic");
    assert_int_equal(ing_parse(text, sizeof(text) - 1, &lim, a, &r), 0);
    sym_resolve(s, a, &r);
    clu_explain(c, a, &r, &ex);
    print_message("%s", ex.data);
    /* a fully named kernel backtrace is not LOWSYM */
    assert_int_equal(r.quality, KPT_Q_OK);
    assert_string_equal(r.signature,
                        "generic[pf_test: bad state] | tcp_output | pf_send_tcp | pfioctl");
    assert_true(r.frames[0].approx && r.frames[1].approx && r.frames[2].approx);
    assert_false(r.frames[3].approx); /* a kext's name past 0x1000: dropped, not approximate */
    assert_false(r.frames[4].approx); /* past 64 KiB */
    assert_non_null(strstr(kpt_frame_display(a, &r.frames[0]), "(approximate)"));
    /* a named frame's offset: hex in the summaries, as unnamed frames show theirs; lldb's
     * decimal in --trace */
    assert_string_equal(kpt_frame_display(a, &r.frames[0]),
                        "kernel`tcp_output + 0xa858 (approximate)");
    assert_string_equal(kpt_frame_trace(a, &r.frames[0]),
                        "kernel`tcp_output + 43096 (approximate)");
    assert_non_null(strstr(ex.data, "kept, approximate"));
    assert_non_null(strstr(ex.data, "dropped: too far past its symbol"));
    buf_release(&ex);
    arena_free(a);
    sym_ctx_free(s);
    clu_rules_free(c);
}

/* --compare-rules: pairs of keys classified by fan-out (A) and fan-in (B) */
static void
test_compare(void **state)
{
    /* A1->B1 (same key), A2->B9 (new key), A3->{B3,B4} split, {A5,A6}->B5 merged,
     * A7->{B7,B8} and A8->B8: A7 splits into a B that also gathers A8 */
    static const struct {
        uint64_t a, b;
        unsigned n;
        enum kpt_rchange want;
    } p[] = {
        { 1, 1, 2, KPT_RC_SAME },  { 2, 9, 1, KPT_RC_RENAMED },   { 3, 3, 1, KPT_RC_SPLIT },
        { 3, 4, 2, KPT_RC_SPLIT }, { 5, 5, 1, KPT_RC_MERGED },    { 6, 5, 1, KPT_RC_MERGED },
        { 7, 7, 1, KPT_RC_SPLIT }, { 7, 8, 1, KPT_RC_REGROUPED }, { 8, 8, 1, KPT_RC_MERGED },
    };
    struct clu_compare *c = clu_compare_new();
    struct arena *a = arena_new(4096);
    const struct kpt_rules_diff *d;
    size_t i, k, total = 0;

    (void)state;
    for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
        for (k = 0; k < p[i].n; k++) {
            struct kpt_report ra, rb;

            kpt_report_init(&ra, a, k ? "z" : "a");
            rb = ra;
            ra.sig_key = p[i].a;
            rb.sig_key = p[i].b;
            ra.sig_id = arena_printf(a, "%016llx", (unsigned long long)p[i].a);
            rb.sig_id = arena_printf(a, "%016llx", (unsigned long long)p[i].b);
            ra.signature = rb.signature = "x";
            clu_compare_add(c, &ra, &rb);
        }
    d = clu_compare_result(c, "digest");
    assert_int_equal(d->npairs, sizeof(p) / sizeof(p[0]));
    assert_int_equal(d->clusters_a, 7);
    assert_int_equal(d->clusters_b, 7);
    for (i = 0; i < d->npairs; i++) {
        uint64_t ka = strtoull(d->pairs[i].a_id, NULL, 16),
                 kb = strtoull(d->pairs[i].b_id, NULL, 16);

        for (k = 0; k < sizeof(p) / sizeof(p[0]); k++)
            if (p[k].a == ka && p[k].b == kb) {
                assert_int_equal(d->pairs[i].change, p[k].want);
                assert_int_equal(d->pairs[i].count, p[k].n);
                assert_string_equal(d->pairs[i].example, "a"); /* the first path in byte order */
            }
        total += d->pairs[i].count;
        if (i)
            assert_true(d->pairs[i].change <= d->pairs[i - 1].change); /* changes first */
    }
    assert_int_equal(total, 11);
    assert_int_equal(d->by_change[KPT_RC_SAME], 2);
    assert_int_equal(d->by_change[KPT_RC_SPLIT], 4);
    clu_compare_free(c);
    arena_free(a);
}

/* the class table on every corpus sample (classes checked against the messages by hand) */
static const struct {
    const char *file, *cls;
} corpus_classes[] = {
    { "a_legacy_intel/appleigc_hackintosh_uipc_mbuf_assert_symbolicated_excerpt.txt", "assert" },
    { "a_legacy_intel/bazad_10.10.5_OSUnserializeBinary_pagefault_keepsyms.panic", "x86_trap" },
    { "a_legacy_intel/hackintosh_11.3_nvme_fatal_symbolicated.txt", "kext_panic" },
    { "a_legacy_intel/hackintosh_monterey_gpf_panicked_task.txt", "x86_trap" },
    { "a_legacy_intel/joylau_10.15.7_19H15_nvme_fatal_symbolicated_compact_kexts.txt",
      "kext_panic" },
    { "a_legacy_intel/juweilin_10.14.2_SCSITaskUserClient_pagefault_symbolicated_truncated.panic",
      "x86_trap" },
    { "a_legacy_intel/openzfs_spl_10.12.1_16B2657_pmap_pv_remove_excerpt.panic", "generic" },
    { "a_legacy_intel/wavtap_10.9.3_13E28_spinlock_timeout_full.panic", "lock_timeout" },
    { "c_ips_210/T2_bridgeOS_15P6059_iBridge2_1_macOS_watchdog_detected_HEAD_excerpt.ips",
      "hardware" },
    { "c_ips_210/T2_bridgeOS_macOSPanicString_BAD_MAGIC_TAIL_excerpt.txt", "no_message" },
    { "c_ips_210/bridgeOS_19P744_soc_watchdog_no_backtrace.ips", "hardware" },
    { "d_arm64_text/audiumax_T8101_21D49_data_abort.txt", "arm_abort" },
    { "d_arm64_text/cve-2024-27804_T8103_23C71_AppleAVD_unaligned_abort.txt", "arm_abort" },
    { "d_arm64_text/multipass_T6000_21G217_busy_timeout_IOUserEthernetController_excerpt.txt",
      "busy_timeout" },
    { "d_arm64_text/openzfs_T6000_21F79_busy_timeout_IOResources_excerpt.txt", "busy_timeout" },
    { "d_arm64_text/rancher_M1_T8101_21A559_too_many_alloc_retries_excerpt.txt", "generic" },
    { "d_arm64_text/sketchybar_T6000_22G91_data_abort.txt", "arm_abort" },
    { "f_ios/ios14.7.1_ips_body_excerpt_with_ellipses.txt", "arm_abort" },
    { "f_ios/ios15.0_vphone_zone_uaf_short.txt", "zone_uaf" },
    { "f_ios/ios_iphone14_5_invalid_waitq_short_form.txt", "generic" },
    { "f_ios/ios_iphone14_5_kernel_data_abort_short_form.txt", "arm_abort" },
    { "f_ios/iphone12_5_iOS26.1_iokit_zone_uaf.ips", "zone_uaf" },
    { "f_ios/iphone18_2_iOS26.2.1_mte_tag_check_fault.ips", "arm_abort" },
    { "f_ios/iphone18_2_iOS26.3_AOP_PANIC_coprocessor.ips", "hardware" },
    { "f_ios/iphone18_2_iOS26.3_mte_tag_check_fault_pac_lr.ips", "arm_abort" },
    { "f_ios/panic-full-2026-01-13-140458.0002_iOS26.2_SEP_Panic.ips", "hardware" },
    { "g_odd/T2_bridgeOS_22P4248_text_quoted_gt_prefix_macOS_kernel_slide_excerpt.txt", "generic" },
    { "g_odd/hackintosh_12.6.3_21G419_x86_kernelcache_fields_TAIL_excerpt.txt", "no_message" },
    { "g_odd/hackintosh_macOS13b4_double_fault_garbage_prefix_excerpt.txt", "x86_trap" },
    { "g_odd/ios14.4.1_ips_body_fragment_zsh_prompt_appended.txt", "arm_abort" },
    { "g_odd/ios14.6_ips_body_fragment_cut_midframe.txt", "arm_abort" },
    { "g_odd/ios14.6_panic-full_truncated_after_processByPid_with_shell_prompt.txt", "arm_abort" },
    { "g_odd/macos26beta_T8112_btn_rst_null_prefix.txt", "kext_panic" },
};

static void
test_corpus_classes(void **state)
{
    const char *corpus = tl_corpus();
    struct clu_rules *c;
    struct sym_ctx *s;
    struct kpt_limits lim;
    size_t i;

    (void)state;
    if (!corpus) {
        printf("# SKIP corpus classes: ../shared/corpus is not there\n");
        skip();
    }
    c = clu_rules_new();
    s = sym_ctx_new(NULL, NULL);
    kpt_limits_default(&lim);
    for (i = 0; i < sizeof(corpus_classes) / sizeof(corpus_classes[0]); i++) {
        struct arena *a = arena_new(65536);
        struct kpt_report r;
        size_t n;
        char *d = tl_read(tl_path(corpus, corpus_classes[i].file), &n);
        const char *m1, *m2;

        print_message("# %s\n", corpus_classes[i].file);
        assert_non_null(d);
        kpt_report_init(&r, a, corpus_classes[i].file);
        assert_int_equal(ing_parse(d, n, &lim, a, &r), 0);
        sym_resolve(s, a, &r);
        clu_sign(c, a, &r);
        assert_string_equal(r.panic_class, corpus_classes[i].cls);
        /* quality: NOBT exactly when nothing is left to sign */
        assert_true(r.quality == KPT_Q_OK || r.quality == KPT_Q_LOWSYM || r.quality == KPT_Q_NOBT);
        if (!r.nframes)
            assert_int_equal(r.quality, KPT_Q_NOBT);
        /* normalization is stable: the template masks to itself */
        m1 = r.panic_template;
        m2 = clu_mask(a, m1, CLU_DISPLAY_MAX); /* shown whole, past 160 bytes */
        assert_string_equal(m1, m2);
        assert_int_equal(strlen(r.sig_id), 16);
        assert_true(strtoull(r.sig_id, NULL, 16) == r.sig_key);
        /* no primary key holds an address (§5.1) */
        assert_null(strstr(r.signature, "0x"));
        assert_null(strstr(r.fields, "0x"));
        free(d);
        arena_free(a);
    }
    sym_ctx_free(s);
    clu_rules_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_vectors), cmocka_unit_test(test_canon),
        cmocka_unit_test(test_classes),        cmocka_unit_test(test_clean_and_mask),

        cmocka_unit_test(test_reduce_names),   cmocka_unit_test(test_keys_same_and_differ),
        cmocka_unit_test(test_table),          cmocka_unit_test(test_table_merge),
        cmocka_unit_test(test_fields_merge),   cmocka_unit_test(test_trust),
        cmocka_unit_test(test_compare),        cmocka_unit_test(test_corpus_classes),
    };

    return cmocka_run_group_tests_name("cluster", tests, NULL, NULL);
}
