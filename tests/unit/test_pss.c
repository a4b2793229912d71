/*
 * test_pss.c - Intel Macs' processed stackshots (docs/PROCESSED-STACKSHOTS.md): the text
 * reader on small hand-written stackshots (processes, threads, call trees, kernel frames,
 * images, annotations), the hang walk over them (chains, idle and parked threads, cycles),
 * what else macOSProcessedStackshotData holds (damage with its reason), and the real
 * corpus report, read in place.
 */
#include "tests/unit/testlib.h"

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/xalloc.h"

#define KUUID "D5630E55-7695-313B-B468-6347805B0B6F"
#define XUUID "537A3EEB-26E1-38B0-8E76-9CFE68C89771"
#define NUUID "0821E1B7-9024-3953-97BB-992587177A8C"
#define KIMG "   *0xffffff8000200000 -                ???  ???   <" KUUID ">\n"
#define XIMG                                                                                       \
    "   *0xffffff7f843d1000 - 0xffffff7f8457ffff  com.example.GfxDriver (1.0) <" XUUID             \
    ">  /S/L/E/Gfx.kext\n"
#define NIMG "   *0xffffff7f84376000 -                ???  ???   <" NUUID ">\n"
#define KF(col, off) col "*1  ??? (<" KUUID "> + " #off ") [0x0] 1\n"

/* a process that waits on another's thread, which runs in a kext; kernel_task's threads
 * parked; a multi-sample tree whose second branch is not the stack */
static const char small[] =
    "Date/Time:        2024-04-12 18:39:40 +1000\n"
    "OS Version:       Mac OS X 10.15.7 (Build 19H2026)\n\n"
    "Process:          svc [50]\n"
    "UUID:             52B75F83-98E6-372B-B5A9-F22781E559CA\n\n"
    "  Thread 0x2ab    DispatchQueue \"com.apple.main-thread\"(1)    1 sample (1)    priority 31 "
    "(base 31)\n"
    "  <thread QoS default (requested default), IO tier 0>\n"
    "  1  start + 1 (libdyld.dylib + 109769) [0x7fff6bca3cc9] 1\n"
    "    1  mach_msg_trap + 10 (libsystem_kernel.dylib + 3562) [0x7fff6bde4dea] 1\n"
    "     *1  ??? (<" KUUID "> + 1036112) [0xffffff80002fcf50] "
    "(blocked by turnstile waiting for ws (2) [70] thread 0x13a9 after 2 hops) 1\n\n"
    "  Thread 0x2b0    Thread name \"worker\"    3 samples (1-3)    priority 31 (base 31)\n"
    "  3  thread_start + 15 (libsystem_pthread.dylib + 7051) [0x7fff6bea3b8b] 1-3\n"
    "    2  __psynch_cvwait + 10 (libsystem_kernel.dylib + 1) [0x7fff6bea3b8c] 1-2\n"
    "     *2  psynch_cvcontinue + 0 (pthread + 9627) [0xffffff800365a59b] 1-2\n"
    "    1  read + 10 (libsystem_kernel.dylib + 2) [0x7fff6bea3b8d] 3\n"
    "     *1  ??? (<" KUUID "> + 100) [0xffffff8000200064] 3\n"
    "       *1  ??? (<" KUUID "> + 200) [0xffffff80002000c8] 3\n\n"
    "  Binary Images:\n"
    "           0x10436b000 -                ???  ???      "
    "<52B75F83-98E6-372B-B5A9-F22781E559CA>\n" KIMG "\n\n"
    "Process:          ws (2) [70]\n"
    "UUID:             2C0AFA56-1233-3107-911D-9873BEA0C202\n\n"
    "  Thread 0x13a9    1 sample (1)    priority 81 (base 79)\n"
    "  1  io_connect_method + 383 (IOKit + 13699) [0x7fff34d99583] 1\n" KF(
        "   ",
        795174) "       *1  ??? (<" NUUID "> + 143256) [0xffffff7f84398f98] 1\n"
                "         *1  IOGfx::submit(int) + 44 (com.example.GfxDriver + 98158) "
                "[0xffffff7f843e8f6e] (running) 1\n\n"
                "  Binary Images:\n" XIMG NIMG KIMG "\n\n"
                "Process:          kernel_task [0]\n"
                "UUID:             " KUUID "\n\n"
                "  Thread 0x65    Thread name \"VM_pageout_scan\"    1 sample (1)    priority 91 "
                "(base 91)\n"
                " *1  ??? (<" KUUID "> + 1932960) [0xffffff80003d7ea0] 1\n\n"
                "  Thread 0x74    Thread name \"named\"    1 sample (1)    priority 91 (base 91)\n"
                " *1  call_continuation + 30 (kernel + 3000) [0xffffff8000200bb8] 1\n"
                "   *1  IOLockSleep + 12 (kernel + 2000) [0xffffff80002007d0] (blocked by mutex "
                "owned by ws (2) [70] thread 0x13a9) 1\n\n"
                "  Binary Images:\n" KIMG;

static const struct kpt_ss_proc *
proc_of(const struct kpt_stackshot *ss, int64_t pid)
{
    size_t i;

    for (i = 0; i < ss->nprocs; i++)
        if (ss->procs[i].pid == pid)
            return &ss->procs[i];
    return NULL;
}

static const char *
img_uuid(struct arena *a, const struct kpt_stackshot *ss, const struct kpt_ss_thread *t, size_t i)
{
    assert_true(t->fimage[i] < ss->nimages);
    return kpt_uuid_text(a, ss->images[t->fimage[i]].uuid);
}

static void
test_reader(void **state)
{
    struct arena *a = arena_new(1 << 16);
    struct kpt_stackshot *ss = ing_pss_parse(small, sizeof(small) - 1, a);
    const struct kpt_ss_proc *p;
    const struct kpt_ss_thread *t;

    (void)state;
    assert_null(ss->damage);
    assert_int_equal(ss->dropped, 0);
    assert_int_equal(ss->nprocs, 3);
    assert_true(ss->procs[0].pid == 0 && ss->procs[1].pid == 50 &&
                ss->procs[2].pid == 70); /* by pid */
    p = proc_of(ss, 70);
    assert_string_equal(p->name, "ws (2)"); /* the last bracketed number is the pid */
    /* svc: the main thread parked on its one kernel frame, waiting on ws's thread */
    p = proc_of(ss, 50);
    assert_string_equal(p->name, "svc");
    assert_int_equal(p->nthreads, 2);
    t = &p->threads[0];
    assert_true(t->id == 0x2ab);
    assert_int_equal(t->nframes, 1);
    assert_true(t->foff[0] == 1036112);
    assert_string_equal(img_uuid(a, ss, t, 0), KUUID);
    assert_true(ss->images[t->fimage[0]].text_off && ss->images[t->fimage[0]].kind == 'K');
    assert_true(ss->images[t->fimage[0]].load == 0xffffff8000200000ull);
    assert_true(t->cont_frame && (t->state & KPT_TH_WAIT) && !(t->state & KPT_TH_UNINT));
    assert_int_equal(t->wait_kind, 1);
    assert_true(t->wait_on == 0x13a9);
    assert_non_null(strstr(t->waits, "after 2 hops"));
    /* the heaviest path (listed first) is the stack: psynch_cvcontinue, not read's */
    t = &p->threads[1];
    assert_string_equal(t->name, "worker");
    assert_int_equal(t->nframes, 1);
    assert_string_equal(t->fsym[0], "psynch_cvcontinue");
    assert_true(t->fsymoff[0] == 0 && t->foff[0] == 9627);
    assert_string_equal(ss->images[t->fimage[0]].bundle, "pthread"); /* an image by name */
    assert_false(ss->images[t->fimage[0]].has_uuid);
    /* ws: running in a kext, top first; the kext's bundle id from Binary Images */
    t = &proc_of(ss, 70)->threads[0];
    assert_int_equal(t->nframes, 3);
    assert_true(t->state == KPT_TH_RUN);
    assert_string_equal(t->state_text, "TH_RUN (running)");
    assert_string_equal(img_uuid(a, ss, t, 0), XUUID);
    assert_string_equal(ss->images[t->fimage[0]].bundle, "com.example.GfxDriver");
    assert_string_equal(t->fsym[0], "IOGfx::submit(int)");
    assert_true(ss->images[t->fimage[0]].load == 0xffffff7f843d1000ull);
    assert_string_equal(img_uuid(a, ss, t, 1), NUUID);
    assert_null(ss->images[t->fimage[1]].bundle);
    assert_string_equal(ss->images[t->fimage[1]].label, NUUID);
    assert_true(t->foff[2] == 795174);
    /* kernel_task: "(kernel + N)" frames lie in the kernel's image (kernel_task's UUID,
     * though the process comes last); a lock owner is a wait edge */
    p = proc_of(ss, 0);
    assert_true(p->threads[0].cont_frame);
    t = &p->threads[1];
    assert_int_equal(t->nframes, 2);
    assert_string_equal(img_uuid(a, ss, t, 0), KUUID);
    assert_string_equal(t->fsym[0], "IOLockSleep");
    assert_true(t->state & KPT_TH_UNINT);
    assert_int_equal(t->wait_kind, 1);
    assert_true(t->wait_on == 0x13a9);
    arena_free(a);
}

static struct kpt_report *
walk(struct arena *a, const char *text, const char *svc)
{
    struct kpt_report *r = arena_alloc(a, sizeof(*r));

    kpt_report_init(r, a, "t");
    r->ss = ing_pss_parse(text, strlen(text), a);
    ing_hang_choose(a, r, svc, NULL);
    return r;
}

static void
test_walk(void **state)
{
    struct arena *a = arena_new(1 << 16);
    struct kpt_report *r;
    const char *text;
    size_t i;

    (void)state;
    /* svc's parked main thread waits on ws's running thread: its kext stack is the site */
    r = walk(a, small, "svc");
    assert_string_equal(r->hang->process, "ws (2)");
    assert_true(r->hang->thread == 0x13a9);
    assert_int_equal(r->hang->nframes, 3);
    assert_true(r->hang->frames[0].pc && !r->hang->frames[1].pc); /* running: its pc first */
    assert_string_equal(r->hang->frames[0].sym_name, "IOGfx::submit(int)");
    assert_string_equal(r->hang->frames[0].sym_module, "com.example.GfxDriver");
    assert_non_null(strstr(r->hang->why, "turnstile owner, 1 hop"));
    /* the service itself, running in the kernel: its main thread */
    r = walk(a, small, "ws (2)");
    assert_true(r->hang->thread == 0x13a9);
    assert_string_equal(r->hang->why, "main thread, running in the kernel");
    /* kernel_task: parked threads are idle; the lock owner's chain from the other one */
    r = walk(a, small, "kernel_task");
    assert_true(r->hang->thread == 0x13a9);
    /* only parked threads: no thread, and why */
    text = "Process:   idle [9]\n\n  Thread 0x1    1 sample (1)\n  1  mach_msg_trap + 10 "
           "(libsystem_kernel.dylib + 1) [0x1] 1\n"
           "   *1  ??? (<" KUUID
           "> + 1) [0x0] 1\n\n  Thread 0x2    1 sample (1)\n   *1  ??? (<" KUUID "> + 2) [0x0] 1\n";
    r = walk(a, text, "idle");
    assert_null(r->hang->process);
    assert_non_null(strstr(r->hang->why, "no thread of idle"));
    /* a cycle: a waits on b, b on a; stopped where it comes back */
    text = "Process:   a [1]\n  Thread 0x10    1 sample (1)\n   *1  ??? (<" KUUID "> + 1) [0x0] 1\n"
           "     *1  ??? (<" KUUID
           "> + 2) [0x0] (blocked by turnstile waiting for b [2] thread 0x20) 1\n\n"
           "Process:   b [2]\n  Thread 0x20    1 sample (1)\n   *1  ??? (<" KUUID "> + 3) [0x0] 1\n"
           "     *1  ??? (<" KUUID
           "> + 4) [0x0] (blocked by turnstile waiting for a [1] thread 0x10) 1\n";
    r = walk(a, text, "a");
    assert_true(r->hang->thread == 0x20);
    {
        int back = 0;

        for (i = 0; i < r->hang->nwalk; i++)
            back |= strstr(r->hang->walk[i], "comes back") != NULL;
        assert_true(back);
    }
    /* a task as the target ("waiting for b [2]"): b's own pick; "this thread" is no edge */
    text =
        "Process:   a [1]\n  Thread 0x10    1 sample (1)\n   *1  ??? (<" KUUID "> + 1) [0x0] 1\n"
        "     *1  ??? (<" KUUID "> + 2) [0x0] (blocked by turnstile waiting for b [2]) 1\n\n"
        "Process:   b [2]\n  Thread 0x20    1 sample (1)\n   *1  ??? (<" KUUID "> + 3) [0x0] 1\n"
        "     *1  ??? (<" KUUID "> + 4) [0x0] (blocked by turnstile waiting for this thread) 1\n";
    r = walk(a, text, "a");
    assert_true(r->hang->thread == 0x20);
    assert_int_equal(r->ss->procs[1].threads[0].wait_kind, 0);
    /* a chain of 20 threads: 16 hops, then stopped */
    {
        struct buf b = BUF_INIT;

        for (i = 0; i < 20; i++)
            buf_addf(&b,
                     "Process:   p%zu [%zu]\n  Thread 0x%zx    1 sample (1)\n   *1  ??? (<" KUUID
                     "> + 1) [0x0] 1\n"
                     "     *1  ??? (<" KUUID
                     "> + 2) [0x0] (blocked by turnstile waiting for p [%zu] thread 0x%zx) 1\n\n",
                     i, i + 1, i + 0x100, i + 2, i + 0x101);
        r = walk(a, arena_strndup(a, b.data, b.len), "p0");
        assert_true(r->hang->thread == 0x100 + 16);
        buf_release(&b);
    }
    arena_free(a);
}

/* base64 of s, for the bodies below */
static char *
b64(struct arena *a, const char *s, size_t n)
{
    static const char d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = arena_alloc(a, (n + 2) / 3 * 4 + 1), *q = o;
    size_t i;

    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16 |
                     (i + 1 < n ? (uint32_t)(unsigned char)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)s[i + 2] : 0);

        *q++ = d[v >> 18];
        *q++ = d[v >> 12 & 63];
        *q++ = i + 1 < n ? d[v >> 6 & 63] : '=';
        *q++ = i + 2 < n ? d[v & 63] : '=';
    }
    *q = '\0';
    return o;
}

static const char *
damage_of(struct arena *a, const char *raw, int cut)
{
    return ing_pss_from(raw, strlen(raw), cut, a)->damage;
}

static void
test_bodies(void **state)
{
    struct arena *a = arena_new(1 << 16);
    static const char kc[] =
        "\x07\x58\xa2\x59\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x01\x02";
    static const char bin[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x11\x12";
    const char *good = b64(a, small, sizeof(small) - 1),
               *ph = "no on disk panic stackshot found in corefile";
    struct kpt_stackshot *ss;
    char *esc;
    size_t i, k;

    (void)state;
    ss = ing_pss_from(good, strlen(good), 0, a);
    assert_null(ss->damage);
    assert_int_equal(ss->nprocs, 3);
    /* JSON may escape '/' as "\/", and wrap the lines: both read through */
    esc = arena_alloc(a, 2 * strlen(good) + 8);
    for (i = k = 0; good[i]; i++) {
        if (good[i] == '/')
            esc[k++] = '\\';
        esc[k++] = good[i];
        if (i % 76 == 75)
            esc[k++] = '\\', esc[k++] = 'n';
    }
    esc[k] = '\0';
    assert_int_equal(ing_pss_from(esc, k, 0, a)->nprocs, 3);
    assert_null(ing_pss_from(esc, k, 0, a)->damage);
    assert_string_equal(damage_of(a, "", 0), "macOSProcessedStackshotData is empty");
    assert_non_null(strstr(damage_of(a, b64(a, ph, strlen(ph)), 0),
                           "placeholder: \"no on disk panic stackshot found in corefile\""));
    assert_non_null(strstr(damage_of(a, b64(a, kc, sizeof(kc) - 1), 0), "binary kcdata"));
    assert_non_null(strstr(damage_of(a, b64(a, bin, sizeof(bin) - 1), 0), "binary: no stackshot"));
    assert_non_null(strstr(damage_of(a, "RGF0ZS9U%%aW1l", 0), "not base64 (byte 8)"));
    /* cut: a string not closed, or digits that end short; what was read is kept */
    ss = ing_pss_from(good, strlen(good) / 2, 1, a);
    assert_non_null(strstr(ss->damage, "cut short"));
    assert_true(ss->nprocs >= 1);
    assert_non_null(
        strstr(damage_of(a, arena_strndup(a, good, strlen(good) / 8 * 4 + 1), 0), "cut short"));
    /* whole reports: a watchdog with each body is ok or partial, never rejected, with why */
    for (i = 0; i < 3; i++) {
        const char *pss = i == 0 ? good : i == 1 ? b64(a, ph, strlen(ph)) : "AAAA";
        const char *d = arena_printf(
            a,
            "{\"bug_type\":\"210\",\"os_version\":\"Mac OS X 10.15.7 (19H2026)\"}\n"
            "{\"macOSProcessedStackshotData\":\"%s\",\"macOSPanicString\":\"panic(cpu 0 caller "
            "0xffffff801c051957): "
            "userspace watchdog timeout: no successful checkins from svc in 120 seconds\\n\"}\n",
            pss);
        struct kpt_limits lim;
        struct kpt_report r;

        kpt_limits_default(&lim);
        kpt_report_init(&r, a, "t");
        assert_int_equal(ing_parse(d, strlen(d), &lim, a, &r), 0);
        assert_true(r.status != KPT_ST_REJECTED);
        assert_non_null(r.hang);
        if (i == 0) {
            assert_true(r.hang->thread == 0x13a9);
        } else {
            assert_null(r.hang->process);
            assert_non_null(strstr(r.hang->why, i == 1 ? "placeholder" : "binary"));
        }
    }
    arena_free(a);
}

#define CORPUS_INTEL                                                                               \
    "j_intel_stackshot/zormeister_10.15.7_19H2026_hackintosh_NMIPI_wake_json_wrapped.panic"

/* the real report, read in place: 117 processes; its NMIPI panic names no starved party;
 * as a watchdog naming hidd or WindowServer the walk ends on WindowServer's 0x3c2 */
static void
test_corpus(void **state)
{
    const char *corpus = tl_corpus(), *svc[] = { "hidd", "WindowServer" };
    struct arena *a;
    struct ing_body b;
    struct kpt_report r;
    size_t n, i;
    char *d, *nl;

    (void)state;
    if (!corpus) {
        printf("# SKIP Intel processed stackshot: ../shared/corpus is not there\n");
        skip();
    }
    a = arena_new(1 << 20);
    d = tl_read(tl_path(corpus, CORPUS_INTEL), &n);
    assert_non_null(d);
    nl = memchr(d, '\n', n);
    assert_non_null(nl);
    ing_body_scan(nl + 1, n - (size_t)(nl + 1 - d), 1 << 20, a, &b);
    assert_true(b.ok && b.pss && !b.pss_cut);
    for (i = 0; i < 2; i++) {
        struct kpt_stackshot *ss = ing_pss_from(b.pss, b.npss, 0, a);

        printf("# %s: %zu processes, %zu threads, %zu frames, %zu images\n", CORPUS_INTEL,
               ss->nprocs, ss->nthreads, ss->nframes, ss->nimages);
        assert_null(ss->damage);
        assert_int_equal(ss->nprocs, 117);
        assert_int_equal(ss->dropped, 0);
        kpt_report_init(&r, a, "t");
        r.ss = ss;
        ing_hang_choose(a, &r, svc[i], NULL);
        assert_string_equal(r.hang->process, "WindowServer");
        assert_true(r.hang->thread == 0x3c2);
        assert_true(r.hang->nframes > 20);
        assert_string_equal(r.hang->frames[0].image->label, XUUID); /* the graphics kext */
        assert_true(r.hang->frames[0].pc);
    }
    {
        struct kpt_limits lim;

        kpt_limits_default(&lim);
        kpt_report_init(&r, a, "t");
        assert_int_equal(ing_parse(d, n, &lim, a, &r), 0);
        assert_null(r.hang); /* mp_rv_action() timeout: no starved party, nothing read */
        assert_null(r.ss);
    }
    free(d);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_corpus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
