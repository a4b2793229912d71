/*
 * test_hang.c - stackshots (STACKSHOTS.md): the reader against the corpus's real .ips
 * bodies (both what they hold and the frame math §3 checks), damaged and hostile stackshots,
 * the choice of the thread, and the site walk's rules (idle waits, wait plumbing).
 */
#include "tests/unit/testlib.h"

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/xalloc.h"

static const char *const corpus_ips[] = {
    "f_ios/iphone12_5_iOS26.1_iokit_zone_uaf.ips",
    "f_ios/iphone18_2_iOS26.2.1_mte_tag_check_fault.ips",
    "f_ios/iphone18_2_iOS26.3_mte_tag_check_fault_pac_lr.ips",
    "f_ios/iphone18_2_iOS26.3_AOP_PANIC_coprocessor.ips",
    "f_ios/panic-full-2026-01-13-140458.0002_iOS26.2_SEP_Panic.ips",
};

static int
parse(const char *d, size_t n, struct arena *a, struct kpt_report *r)
{
    struct kpt_limits lim;

    kpt_limits_default(&lim);
    kpt_report_init(r, a, "test");
    return ing_parse(d, n, &lim, a, r);
}

/* the body of an .ips: everything after its header line */
static const char *
body_of(const char *d, size_t n, size_t *bn)
{
    const char *nl = memchr(d, '\n', n);

    *bn = nl ? n - (size_t)(nl + 1 - d) : 0;
    return nl ? nl + 1 : d + n;
}

static void
test_corpus(void **state)
{
    const char *corpus = tl_corpus();
    size_t i, k;

    (void)state;
    if (!corpus) {
        printf("# SKIP stackshot corpus: ../shared/corpus is not there\n");
        skip();
    }
    for (i = 0; i < sizeof(corpus_ips) / sizeof(corpus_ips[0]); i++) {
        struct arena *a = arena_new(1 << 20);
        struct kpt_report r;
        size_t n, bn, frames = 0, bad = 0;
        char *d = tl_read(tl_path(corpus, corpus_ips[i]), &n);
        const char *body;
        struct kpt_stackshot *ss;

        assert_non_null(d);
        /* not hangs: the stackshot is not read, and nothing of a hang is said */
        assert_int_equal(parse(d, n, a, &r), 0);
        assert_null(r.hang);
        assert_null(r.ss);
        body = body_of(d, n, &bn);
        ss = ing_ss_parse(body, bn, a);
        printf("# %s: %zu processes, %zu threads, %zu images%s%s\n", corpus_ips[i], ss->nprocs,
               ss->nthreads, ss->nimages, ss->damage ? ", damaged: " : "",
               ss->damage ? ss->damage : "");
        assert_null(ss->damage);
        assert_true(ss->nprocs > 50);
        assert_true(ss->nimages > 10);
        assert_int_equal(ss->dropped, 0);
        for (k = 0; k < ss->nprocs; k++) {
            const struct kpt_ss_proc *p = &ss->procs[k];
            size_t t, f;

            for (t = 0; t < p->nthreads; t++)
                for (f = 0; f < p->threads[t].nframes; f++) {
                    frames++;
                    bad += p->threads[t].fimage[f] >= ss->nimages;
                }
        }
        assert_true(frames > 100);
        assert_int_equal(bad, 0);
        /* a hang of SpringBoard in the same file: a chosen thread, or why none */
        r.ss = ss;
        r.hang = NULL;
        ing_hang_choose(a, &r, "SpringBoard", NULL);
        assert_non_null(r.hang);
        assert_non_null(r.hang->why);
        printf("#   SpringBoard: %s%s%s\n", r.hang->process ? "chosen: " : "", r.hang->why,
               r.hang->process ? arena_printf(a, " (thread %llu, %zu frames)",
                                              (unsigned long long)r.hang->thread, r.hang->nframes)
                               : "");
        if (r.hang->process)
            assert_true(r.hang->nframes > 0);
        free(d);
        arena_free(a);
    }
}

/* §3's check on the corpus iPhone file: AppleSEPKeyStore's 'T' image sits at its printed
 * range start minus the KernelCache slide */
static void
test_corpus_frame_math(void **state)
{
    const char *corpus = tl_corpus();
    struct arena *a;
    struct kpt_report r;
    size_t n, bn, i, k;
    char *d;
    const char *body;
    struct kpt_stackshot *ss;
    int found = 0;

    (void)state;
    if (!corpus) {
        printf("# SKIP stackshot frame math: ../shared/corpus is not there\n");
        skip();
    }
    a = arena_new(1 << 20);
    d = tl_read(tl_path(corpus, corpus_ips[0]), &n);
    assert_non_null(d);
    assert_int_equal(parse(d, n, a, &r), 0);
    assert_true(r.slide_set & (1u << KPT_SL_KC_SLIDE));
    assert_true(r.slide[KPT_SL_KC_SLIDE] == 0xd3a4000);
    body = body_of(d, n, &bn);
    ss = ing_ss_parse(body, bn, a);
    for (k = 0; k < r.nkexts; k++) {
        if (strcmp(r.kexts[k].id, "com.apple.driver.AppleSEPKeyStore"))
            continue;
        for (i = 0; i < ss->nimages; i++)
            if (ss->images[i].kind == 'T' &&
                ss->images[i].load == r.kexts[k].start - r.slide[KPT_SL_KC_SLIDE]) {
                assert_true(ss->images[i].load == 0xfffffff0096a3020ull);
                found = 1;
            }
    }
    assert_true(found);
    free(d);
    arena_free(a);
}

/* a stackshot body from parts */
static struct kpt_report *
hang_from(struct arena *a, const char *svc, const char *procs, const char *images)
{
    struct kpt_report *r = arena_alloc(a, sizeof(*r));
    const char *body = arena_printf(
        a, "{\"panicString\":\"x\",\"processByPid\":{%s},\"binaryImages\":[%s]}", procs, images);

    kpt_report_init(r, a, "t");
    r->ss = ing_ss_parse(body, strlen(body), a);
    ing_hang_choose(a, r, svc, NULL);
    return r;
}

#define IMG "[\"11111111-2222-3333-4444-555555555555\",18446744005165581456,\"T\"]"
#define TH(id, st, fr) "\"" #id "\":{\"id\":" #id ",\"state\":[" st "],\"kernelFrames\":[" fr "]}"
#define UNINT "\"TH_WAIT\",\"TH_UNINT\""

static void
test_choice(void **state)
{
    struct arena *a = arena_new(1 << 16);
    struct kpt_report *r;

    (void)state;
    /* the main thread blocked uninterruptibly wins over a deeper one */
    r = hang_from(a, "svc",
                  "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(
                      9, UNINT, "[0,100],[0,200]") "," TH(7, UNINT, "[0,10],[0,20]") "}}",
                  IMG);
    assert_string_equal(r->hang->process, "svc");
    assert_int_equal(r->hang->thread, 7);
    assert_int_equal(r->hang->nframes, 2);
    assert_true(r->hang->frames[0].addr == 18446744005165581456ull + 10);
    assert_true(r->hang->frames[0].image->has_uuid);
    /* a path component or a bundle id's last part names the process */
    r = hang_from(
        a, "/usr/sbin/svc",
        "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(7, UNINT, "[0,10]") "}}", IMG);
    assert_string_equal(r->hang->process, "svc");
    r = hang_from(
        a, "com.apple.svc",
        "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(7, UNINT, "[0,10]") "}}", IMG);
    assert_string_equal(r->hang->process, "svc");
    /* only idle or interruptible threads: no thread, and why */
    r = hang_from(a, "svc",
                  "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(
                      7, "\"TH_WAIT\"", "[0,10]") ",\"8\":{\"id\":8,\"state\":[" UNINT
                                                  "],\"continuation\":[0,1]}}}",
                  IMG);
    assert_null(r->hang->process);
    assert_non_null(strstr(r->hang->why, "no thread of svc is blocked uninterruptibly"));
    /* no such process */
    r = hang_from(
        a, "other",
        "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(7, UNINT, "[0,10]") "}}", IMG);
    assert_null(r->hang->process);
    assert_non_null(strstr(r->hang->why, "no process named 'other'"));
    /* a turnstile cycle is followed once round, then stopped */
    r = hang_from(
        a, "svc",
        "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(7, UNINT, "[0,10]") "," TH(
            8, UNINT,
            "[0,20]") "},\"turnstileInfo\":[\"thread 7: turnstile blocked on thread 8, hops: 1\","
                      "\"thread 8: turnstile blocked on thread 7, hops: 1\"]}",
        IMG);
    assert_int_equal(r->hang->thread, 8);
    /* an owner outside the stackshot: the waiter's own stack */
    r = hang_from(a, "svc",
                  "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(
                      7, UNINT, "[0,10]") "},\"turnstileInfo\":[\"thread 7: turnstile blocked on "
                                          "thread 99, hops: 1\"]}",
                  IMG);
    assert_int_equal(r->hang->thread, 7);
    /* blocked on a task: that task's thread by the same rules; a lock owner in waitInfo */
    r = hang_from(
        a, "svc",
        "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(
            7, UNINT,
            "[0,10]") "},\"turnstileInfo\":[\"thread 7: turnstile blocked on task pid 6, hops: "
                      "2\"]},"
                      "\"6\":{\"pid\":6,\"procname\":\"d\",\"threadById\":{" TH(
                          3, UNINT,
                          "[0,30]") "},\"waitInfo\":[\"thread 3: mutex 0x1 owned by thread 4\"]},"
                                    "\"0\":{\"pid\":0,\"procname\":\"kernel_task\",\"threadById\":"
                                    "{" TH(4, UNINT, "[0,40]") "}}",
        IMG);
    assert_string_equal(r->hang->process, "kernel_task");
    assert_int_equal(r->hang->thread, 4);
    /* a chain longer than the bound stops there */
    {
        struct buf p = BUF_INIT, t = BUF_INIT;
        int i;

        for (i = 1; i <= 40; i++) {
            buf_addf(&p, "%s\"%d\":{\"id\":%d,\"state\":[" UNINT "],\"kernelFrames\":[[0,%d]]}",
                     i > 1 ? "," : "", i, i, i * 8);
            buf_addf(&t, "%s\"thread %d: turnstile blocked on thread %d, hops: 1\"",
                     i > 1 ? "," : "", i, i + 1);
        }
        r = hang_from(
            a, "svc",
            arena_printf(
                a,
                "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{%s},\"turnstileInfo\":[%s]}",
                p.data, t.data),
            IMG);
        assert_int_equal(r->hang->thread, 1 + KPT_MAX_HANG_CHAIN);
        buf_release(&p);
        buf_release(&t);
    }
    arena_free(a);
}

static void
test_damage(void **state)
{
    struct arena *a = arena_new(1 << 16);
    struct kpt_report *r;
    const struct kpt_stackshot *ss;
    char deep[400];
    const char *body;

    (void)state;
    /* bad index, zero UUID, unknown letter: kept, never a failure */
    r = hang_from(a, "svc",
                  "\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{" TH(
                      7, UNINT, "[7,10],[1,20],[2,30],[0,40],[\"x\",1]") "}}",
                  IMG ",[\"00000000-0000-0000-0000-000000000000\",0,\"A\"],[\"22222222-2222-2222-"
                      "2222-222222222222\",4096,\"Q\"]");
    ss = r->ss;
    assert_null(ss->damage);
    assert_int_equal(ss->nimages, 3);
    assert_int_equal(ss->images[2].kind, 'Q');
    assert_false(ss->images[1].has_uuid);
    assert_int_equal(r->hang->nframes, 5); /* the malformed pair keeps its place, unknown */
    assert_int_equal(r->hang->frames[4].image->kind, '?');
    assert_int_equal(r->hang->frames[0].image->kind, '?');
    /* a thread's state flags past the 16 its text keeps: counted as dropped, its bits set */
    body =
        "{\"processByPid\":{\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{\"7\":{\"id\":7,"
        "\"state\":[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\",\"K\",\"L\",\"M\","
        "\"N\",\"O\","
        "\"P\",\"Q\",\"R\",\"TH_UNINT\"],\"kernelFrames\":[[0,16]]}}}}}";
    ss = ing_ss_parse(body, strlen(body), a);
    assert_null(ss->damage);
    assert_int_equal(ss->dropped, 3);
    assert_true(ss->procs[0].threads[0].state & KPT_TH_UNINT);
    /* a body cut inside the stackshot: no thread, and why */
    body = "{\"processByPid\":{\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{\"7\":{\"id\":"
           "7,\"kernelFr";
    r = arena_alloc(a, sizeof(*r));
    kpt_report_init(r, a, "t");
    r->ss = ing_ss_parse(body, strlen(body), a);
    assert_non_null(r->ss->damage);
    ing_hang_choose(a, r, "svc", NULL);
    assert_null(r->hang->process);
    assert_non_null(strstr(r->hang->why, "cannot be read whole"));
    /* nesting past the bound */
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    body = arena_printf(a, "{\"processByPid\":{\"1\":{\"x\":%s}}}", deep);
    assert_non_null(strstr(ing_ss_parse(body, strlen(body), a)->damage, "nests too deep"));
    /* integers past 64 bits and negative pids do not parse as numbers */
    body = "{\"processByPid\":{\"x\":{\"pid\":-4,\"procname\":\"a\"}},\"binaryImages\":[[\"u\","
           "99999999999999999999999,\"T\"]]}";
    ss = ing_ss_parse(body, strlen(body), a);
    assert_null(ss->damage);
    assert_int_equal(ss->nimages, 1);
    assert_true(ss->images[0].load == 0);
    /* a whole report: a watchdog whose stackshot is cut is still ok, with no site */
    {
        const char *ips = "{\"bug_type\":\"210\",\"os_version\":\"macOS 14.6 "
                          "(23G93)\"}\n{\"panicString\":\"panic(cpu 0 caller 0xfffffe0012d44070): "
                          "userspace watchdog timeout: no successful checkins from WindowServer in "
                          "120 seconds\\n\",\"processByPid\":{\"1\":{";
        struct kpt_report rr;

        assert_int_equal(parse(ips, strlen(ips), a, &rr), 0);
        assert_true(rr.status != KPT_ST_REJECTED);
        assert_non_null(rr.hang);
        assert_string_equal(rr.hang->service, "WindowServer");
        assert_null(rr.hang->process);
    }
    arena_free(a);
}

/* the site walk: wait plumbing dropped, idle waits give no key, the key is the site alone */
static void
test_site(void **state)
{
    struct arena *a = arena_new(1 << 16);
    struct clu_rules *c = clu_rules_new();
    static const char *const idle[] = { "thread_block_reason", "ipc_mqueue_receive",
                                        "mach_msg_overwrite_trap" };
    static const char *const busy[] = { "thread_block_reason", "lck_mtx_sleep", "IOLockSleep",
                                        "flush_wait",          "vfs_sync",      "sync_thread" };
    const char *id1;
    struct kpt_report r;
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        const char *const *fn = i == 0 ? idle : busy;
        size_t n = i == 0 ? 3 : 6, k;

        kpt_report_init(&r, a, "t");
        r.arch = KPT_ARCH_ARM64;
        r.panic_string =
            i == 2 ? "userspace watchdog timeout: no successful checkins from logd" : "x";
        r.hang = arena_alloc(a, sizeof(*r.hang));
        r.hang->service = i == 2 ? "logd" : "WindowServer";
        r.hang->process = "p";
        r.hang->why = "test";
        r.hang->frames = arena_alloc(a, n * sizeof(struct kpt_frame));
        r.hang->nframes = n;
        for (k = 0; k < n; k++) {
            r.hang->frames[k].module = KPT_MODULE_KERNEL;
            r.hang->frames[k].in_kernel = 1;
            r.hang->frames[k].function = fn[k];
            r.hang->frames[k].func_off = 8 + 4 * i;
        }
        clu_sign(c, a, &r);
        if (i == 0) {
            assert_null(r.hang->hang_id);
            assert_non_null(strstr(r.hang->site_why, "idle wait"));
        } else {
            assert_non_null(r.hang->hang_id);
            assert_string_equal(r.hang->site, "flush_wait | vfs_sync | sync_thread");
            if (i == 1)
                id1 = r.hang->hang_id;
            else
                assert_string_equal(r.hang->hang_id, id1); /* another service, offsets: one key */
        }
    }
    clu_rules_free(c);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus), cmocka_unit_test(test_corpus_frame_math),
        cmocka_unit_test(test_choice), cmocka_unit_test(test_damage),
        cmocka_unit_test(test_site),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
