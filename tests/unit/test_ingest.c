/*
 * test_ingest.c - the parsers against the shared corpus (its oracle table, every file, and
 * copies of every file gzipped, with CRLF and with trailing blanks) and against the
 * project's own inputs in tests/data/.
 */
#include "tests/unit/testlib.h"

#include <zlib.h>

#include <unistd.h>

#include "ingest/ing.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/xalloc.h"

static int
parse(const void *d, size_t n, struct arena *a, struct kpt_report *r)
{
    struct kpt_limits lim;

    kpt_limits_default(&lim);
    kpt_report_init(r, a, "test");
    return ing_parse(d, n, &lim, a, r);
}

/* FORMATS.md §7: expected values */
static const struct oracle {
    const char *file, *status, *build, *variant, *arch, *soc, *uuid;
    int cpu;
    size_t frames, kexts_top, kexts_dep;
    const char *process;
} oracle[] = {
    { "a_legacy_intel/wavtap_10.9.3_13E28_spinlock_timeout_full.panic", "ok", "13E28", "release",
      "x86_64", NULL, "BBFADD17-672B-35A2-9B7F-E4B12213E4B8", 0, 13, 1, 2, "kernel_task" },
    { "a_legacy_intel/bazad_10.10.5_OSUnserializeBinary_pagefault_keepsyms.panic", "ok", "14F27",
      "release", "x86_64", NULL, "58F06365", 0, 11, 0, 0, "rootsh" },
    { "a_legacy_intel/openzfs_spl_10.12.1_16B2657_pmap_pv_remove_excerpt.panic", NULL, "16B2657",
      "release", "x86_64", NULL, "75CA1C4D", 2, 11, 1, 0, "kernel_task" },
    { "a_legacy_intel/joylau_10.15.7_19H15_nvme_fatal_symbolicated_compact_kexts.txt", "ok",
      "19H15", "release", "x86_64", NULL, "9B5A7191", 0, 14, 1, 5, "kernel_task" },
    { "a_legacy_intel/hackintosh_11.3_nvme_fatal_symbolicated.txt", "ok", "20E232", "release",
      "x86_64", NULL, "BB2FFEBA", 6, 14, 1, 5, "kernel_task" },
    { "a_legacy_intel/hackintosh_monterey_gpf_panicked_task.txt", "ok", "21G83", "release",
      "x86_64", NULL, "D0DC2052", 0, 19, 1, 6, "kernel_task" },
    { "d_arm64_text/sketchybar_T6000_22G91_data_abort.txt", "ok", "22G91", "release", "arm64",
      "t6000", "E88B0B04", 0, 24, 1, 2, "logd" },
    { "d_arm64_text/audiumax_T8101_21D49_data_abort.txt", "ok", "21D49", "release", "arm64",
      "t8101", "F5893147", 1, 24, 2, 3, "kernel_task" },
    { "d_arm64_text/cve-2024-27804_T8103_23C71_AppleAVD_unaligned_abort.txt", "ok", "23C71",
      "release", "arm64", "t8103", "E245D804", 4, 24, 1, 4, "vtdecode" },
    { "g_odd/macos26beta_T8112_btn_rst_null_prefix.txt", "ok", "25A5306g", "release", "arm64",
      "t8112", "89D3AA38", 0, 13, 1, 2, "kernel_task" },
    { "f_ios/iphone12_5_iOS26.1_iokit_zone_uaf.ips", "ok", "23B85", "release", "arm64", "t8030",
      "7C461EDE", 4, 21, 1, 7, "Test" },
    { "f_ios/iphone18_2_iOS26.3_mte_tag_check_fault_pac_lr.ips", "ok", "23D127", "release", "arm64",
      "t8150", "13C7C41B", 5, 28, 2, 9, "TestPOC" },
    { "g_odd/ios14.6_panic-full_truncated_after_processByPid_with_shell_prompt.txt", "ok", "18F72",
      "release", "arm64", "t8015", "64DBB08A", 1, 26, 0, 0, "appleclcd_exploi" },
    { "g_odd/hackintosh_macOS13b4_double_fault_garbage_prefix_excerpt.txt", NULL, NULL, NULL,
      "x86_64", NULL, NULL, 6, 9, 0, 0, "WindowServer" },
    { "c_ips_210/bridgeOS_19P744_soc_watchdog_no_backtrace.ips", "partial", "19P744", "release",
      "arm64", "t8010", NULL, -1, 0, 0, 0, NULL },
};

static void
test_corpus_oracle(void **state)
{
    const char *corpus = tl_corpus();
    size_t i, k;

    (void)state;
    if (!corpus) {
        printf("# SKIP corpus oracle: ../shared/corpus is not there\n");
        skip();
    }
    for (i = 0; i < sizeof(oracle) / sizeof(oracle[0]); i++) {
        const struct oracle *o = &oracle[i];
        struct arena *a = arena_new(65536);
        struct kpt_report r;
        size_t n, top = 0, dep = 0;
        char *d = tl_read(tl_path(corpus, o->file), &n);

        print_message("# %s\n", o->file);
        assert_non_null(d);
        assert_int_equal(parse(d, n, a, &r), 0);
        if (o->status)
            assert_string_equal(kpt_status_name(r.status), o->status);
        if (o->build)
            assert_string_equal(r.os_build, o->build);
        else
            assert_null(r.os_build);
        if (o->variant)
            assert_string_equal(r.variant, o->variant);
        assert_string_equal(kpt_arch_name(r.arch), o->arch);
        if (o->soc)
            assert_string_equal(r.soc, o->soc);
        if (o->uuid) {
            assert_true(r.has_kernel_uuid);
            assert_memory_equal(kpt_uuid_text(a, r.kernel_uuid), o->uuid, strlen(o->uuid));
        } else {
            assert_false(r.has_kernel_uuid);
        }
        assert_int_equal(r.cpu, o->cpu);
        assert_int_equal(r.nframes, o->frames);
        for (k = 0; k < r.nkexts; k++)
            r.kexts[k].dependency ? dep++ : top++;
        assert_int_equal(top, o->kexts_top);
        assert_int_equal(dep, o->kexts_dep);
        if (o->process)
            assert_string_equal(r.process, o->process);
        else
            assert_null(r.process);
        free(d);
        arena_free(a);
    }
}

/* field checks beyond the oracle table, on files whose values FORMATS.md spells out */
static void
test_corpus_fields(void **state)
{
    const char *corpus = tl_corpus();
    struct arena *a = arena_new(65536);
    struct kpt_report r;
    size_t n;
    char *d;

    (void)state;
    if (!corpus) {
        printf("# SKIP corpus fields: ../shared/corpus is not there\n");
        arena_free(a);
        skip();
    }
    d = tl_read(tl_path(corpus, "a_legacy_intel/wavtap_10.9.3_13E28_spinlock_timeout_full.panic"),
                &n);
    assert_int_equal(parse(d, n, a, &r), 0);
    assert_int_equal(r.format, KPT_FMT_INTEL_TEXT);
    assert_true(r.has_caller);
    assert_true(r.caller == 0xffffff8001e33bd4ull);
    assert_true(r.slide[KPT_SL_KERNEL_SLIDE] == 0x1c00000ull);
    assert_true(r.slide[KPT_SL_KERNEL_TEXT_BASE] == 0xffffff8001e00000ull);
    assert_true(r.frames[0].addr == 0xffffff8001e22f79ull);
    assert_string_equal(r.kexts[0].id, "com.apple.driver.AppleAHCIPort");
    assert_string_equal(r.kexts[0].version, "3.0.5");
    assert_true(r.kexts[0].start == 0xffffff7f83bfc000ull &&
                r.kexts[0].end == 0xffffff7f83c15fffull);
    assert_false(r.kexts[1].has_end);
    assert_string_equal(r.model, "MacBookPro8,2");
    assert_string_equal(r.src_file, "/SourceCache/xnu/xnu-2422.110.17/osfmk/i386/locks_i386.c");
    assert_int_equal(r.src_line, 365);
    assert_string_equal(r.xnu, "2422.110.17");
    assert_true(r.has_when && r.when_local);
    assert_string_equal(kpt_time_text(a, r.when, 1), "2015-06-13T17:31:08");
    assert_string_equal(r.loaded[0].id, "com.wavtap.driver.WavTap");
    assert_true(r.nloaded > 50);
    free(d);

    /* compressed kext ids (§6.9) */
    arena_clear(a);
    d = tl_read(
        tl_path(corpus,
                "a_legacy_intel/joylau_10.15.7_19H15_nvme_fatal_symbolicated_compact_kexts.txt"),
        &n);
    assert_int_equal(parse(d, n, a, &r), 0);
    {
        size_t i;
        int kb = 0;

        for (i = 0; i < r.nloaded; i++)
            if (!strcmp(r.loaded[i].id, "com.apple.driver.AppleHIDKeyboard"))
                kb = 1;
        assert_true(kb);
    }
    /* keepsyms names, offset 0 with no "+ 0x" */
    assert_non_null(r.frames[0].sym_name);
    free(d);

    /* .ips: header timestamp with its zone, the model, MTE-tagged task pointer */
    arena_clear(a);
    d = tl_read(tl_path(corpus, "f_ios/iphone18_2_iOS26.3_mte_tag_check_fault_pac_lr.ips"), &n);
    assert_int_equal(parse(d, n, a, &r), 0);
    assert_int_equal(r.format, KPT_FMT_IPS);
    assert_string_equal(r.model, "iPhone18,2");
    assert_string_equal(kpt_time_text(a, r.when, 0), "2026-02-14T02:01:57Z");
    assert_true(r.slide[KPT_SL_TEXT_EXEC_BASE] == 0xfffffe004dabc000ull);
    free(d);

    /* Markdown-quoted T2 text: the '> ' prefix is stripped, the host build kept apart */
    arena_clear(a);
    d = tl_read(
        tl_path(corpus,
                "g_odd/T2_bridgeOS_22P4248_text_quoted_gt_prefix_macOS_kernel_slide_excerpt.txt"),
        &n);
    assert_int_equal(parse(d, n, a, &r), 0);
    assert_string_equal(r.os_build, "22P4248");
    assert_string_equal(r.host_build, "24E263");
    assert_true(r.slide_set & (1u << KPT_SL_HOST_SLIDE));
    assert_true(r.slide[KPT_SL_HOST_SLIDE] == 0x5200000ull);
    free(d);

    /* no backtrace: kept, classified by its string, partial */
    arena_clear(a);
    d = tl_read(tl_path(corpus, "c_ips_210/bridgeOS_19P744_soc_watchdog_no_backtrace.ips"), &n);
    assert_int_equal(parse(d, n, a, &r), 0);
    assert_string_equal(
        r.panic_string,
        "Unexpected SoC (system) watchdog reset occurred during sleep/wake transition");
    assert_string_equal(r.error, "no backtrace");
    free(d);
    arena_free(a);
}

/* every corpus file: accounted for; non-DAMAGED ones ok (or partial for want of a
 * backtrace), DAMAGED ones ok or partial, never rejected or crashed */
static void
test_corpus_every_file(void **state)
{
    const char *corpus = tl_corpus();
    size_t n, files = 0;
    char *manifest, *line, *save = NULL;

    (void)state;
    if (!corpus) {
        printf("# SKIP corpus files: ../shared/corpus is not there\n");
        skip();
    }
    manifest = tl_read(tl_path(corpus, "MANIFEST.tsv"), &n);
    assert_non_null(manifest);
    for (line = strtok_r(manifest, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t'), *d;
        int damaged = strstr(line, "DAMAGED") != NULL;
        struct arena *a;
        struct kpt_report r;
        size_t dn;

        if (!tab || !strncmp(line, "file\t", 5))
            continue;
        *tab = '\0';
        d = tl_read(tl_path(corpus, line), &dn);
        print_message("# %s %s\n", line, damaged ? "(damaged)" : "");
        assert_non_null(d);
        a = arena_new(65536);
        assert_int_equal(parse(d, dn, a, &r), 0);
        assert_int_not_equal(r.status, KPT_ST_REJECTED);
        if (!damaged && r.status != KPT_ST_OK)
            assert_string_equal(r.error, "no backtrace");
        files++;
        free(d);
        arena_free(a);
    }
    assert_true(files >= 30);
    free(manifest);
}

/* FORMATS.md §10: gzip, CRLF and trailing-blank copies give the same fields */
static char *
fingerprint(struct arena *a, const struct kpt_report *r)
{
    struct buf b = BUF_INIT;
    size_t i;
    char *s;

    buf_addf(&b, "%s|%s|", r->identity ? r->identity : "-", r->incident ? r->incident : "-");
    buf_addf(&b, "%s|%s|%s|%s|%s|%d|%zu|%zu|%s|%s|%s|%u|", kpt_status_name(r->status),
             kpt_arch_name(r->arch), r->os_build ? r->os_build : "-",
             r->kernel_version ? r->kernel_version : "-", r->process ? r->process : "-", r->cpu,
             r->nframes, r->nkexts, r->model ? r->model : "-", r->variant ? r->variant : "-",
             r->has_kernel_uuid ? kpt_uuid_text(a, r->kernel_uuid) : "-", r->slide_set);
    for (i = 0; i < r->nframes; i++)
        buf_addf(&b, "%llx,", (unsigned long long)r->frames[i].addr);
    for (i = 0; i < KPT_SL_COUNT; i++)
        buf_addf(&b, "%llx,", (unsigned long long)r->slide[i]);
    buf_adds(&b, r->panic_string ? r->panic_string : "-");
    s = xstrdup(b.data);
    buf_release(&b);
    return s;
}

static char *
gzip_bytes(const char *d, size_t n, size_t *out)
{
    z_stream z;
    size_t cap = n + n / 10 + 1024;
    unsigned char *o = xmalloc(cap);

    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)d;
    z.avail_in = (uInt)n;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out = z.total_out;
    deflateEnd(&z);
    return (char *)o;
}

static char *
rewrite_lines(const char *d, size_t n, const char *eol_add, const char *before_eol, size_t *out)
{
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < n; i++) {
        if (d[i] == '\n') {
            buf_adds(&b, before_eol);
            buf_adds(&b, eol_add);
        }
        buf_addc(&b, d[i]);
    }
    return buf_detach(&b, out);
}

static void
test_corpus_copies(void **state)
{
    const char *corpus = tl_corpus();
    size_t n;
    char *manifest, *line, *save = NULL;

    (void)state;
    if (!corpus) {
        printf("# SKIP corpus copies: ../shared/corpus is not there\n");
        skip();
    }
    manifest = tl_read(tl_path(corpus, "MANIFEST.tsv"), &n);
    for (line = strtok_r(manifest, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t'), *d, *v, *want, *got;
        struct arena *a = arena_new(65536);
        struct kpt_report r;
        size_t dn, vn, k;

        if (!tab || !strncmp(line, "file\t", 5)) {
            arena_free(a);
            continue;
        }
        *tab = '\0';
        d = tl_read(tl_path(corpus, line), &dn);
        parse(d, dn, a, &r);
        want = fingerprint(a, &r);
        for (k = 0; k < 3; k++) {
            print_message("# %s copy %zu\n", line, k);
            v = k == 0   ? gzip_bytes(d, dn, &vn)
                : k == 1 ? rewrite_lines(d, dn, "\r", "", &vn)
                         : rewrite_lines(d, dn, "", " \t ", &vn);
            arena_clear(a);
            parse(v, vn, a, &r);
            got = fingerprint(a, &r);
            assert_string_equal(got, want);
            free(got);
            free(v);
        }
        free(want);
        free(d);
        arena_free(a);
    }
    free(manifest);
}

/* a report's identity: its incident id (upper case), else its text folded; one changed
 * byte of text is another report */
static void
test_identity(void **state)
{
    static const char text[] =
        "panic(cpu 0 caller 0xffffff8000201000): \"queue stalled\"@/x/s.c:1\n"
        "Backtrace (CPU 0), Frame : Return Address\n"
        "0xffffff8000201000 : 0xffffff8001e22f79 \n";
    struct arena *a = arena_new(65536);
    struct kpt_report r;
    char *id, *v;
    size_t vn;

    (void)state;
    parse(text, sizeof(text) - 1, a, &r);
    assert_non_null(r.identity);
    assert_int_equal(strncmp(r.identity, "text:", 5), 0);
    assert_int_equal(strlen(r.identity), 37);
    id = xstrdup(r.identity);
    v = rewrite_lines(text, sizeof(text) - 1, "\r", "  ", &vn);
    arena_clear(a);
    parse(v, vn, a, &r);
    assert_string_equal(r.identity, id); /* CRLF and trailing blanks fold */
    free(v);
    {
        struct buf b = BUF_INIT;

        buf_add(&b, text, sizeof(text) - 1);
        buf_adds(&b, "\n \n\t\n");
        arena_clear(a);
        parse(b.data, b.len, a, &r);
        assert_string_equal(r.identity, id); /* blank lines at the end fold */
        b.data[30] = 'Q';
        arena_clear(a);
        parse(b.data, b.len, a, &r);
        assert_string_not_equal(r.identity, id);
        buf_release(&b);
    }
    {
        static const char ips[] =
            "{\"bug_type\":\"210\",\"incident_id\":\"0b7e2f11-3c4d-4e5f-8a9b-0c1d2e3f4a5b\"}\n"
            "{\"panicString\":\"panic(cpu 0 caller 0xfffffe0012d44070): x\"}\n";

        arena_clear(a);
        parse(ips, sizeof(ips) - 1, a, &r);
        assert_string_equal(r.identity, "incident:0B7E2F11-3C4D-4E5F-8A9B-0C1D2E3F4A5B");
    }
    free(id);
    arena_free(a);
}

/* ---- the project's own inputs ---- */

static const struct own {
    const char *file, *status, *format, *build, *process;
    size_t frames;
    const char *error_has;
} own[] = {
    { "intel-legacy.panic", "ok", "intel-text", "19H2", "kernel_task", 6, NULL },
    { "intel-wrapped.panic", "ok", "json-panic", "19H2", "kernel_task", 6, NULL },
    { "arm64-abort.txt", "ok", "arm64-text", "22G91", "Finder", 5, NULL },
    { "ios-zone.ips", "ok", "ips", "20G75", "launchd", 3, NULL },
    { "panic.plist", "ok", "plist", "19H2", "kernel_task", 6, NULL },
    { "panic-info.plist", "ok", "plist", "19H2", "kernel_task", 6, NULL },
    { "quoted-chat.md", "ok", "arm64-text", "22G91", "Finder", 5, NULL },
    { "cut-mid-frame.txt", "partial", "intel-text", NULL, NULL, 4, "truncated" },
    { "no-header-body.txt", "partial", "ips", "20G75", "launchd", 3, "without its header" },
    { "not-a-panic.txt", "rejected", NULL, NULL, NULL, 0, "not a panic report" },
    { "bug-type-109.ips", "skipped", NULL, NULL, NULL, 0, "bug_type 109" },
    { "xxe.plist", "rejected", NULL, NULL, NULL, 0, "DTD internal subset" },
    { "entity-bomb.plist", "rejected", NULL, NULL, NULL, 0, "XML property list" },
    { "binary.plist", "rejected", NULL, NULL, NULL, 0, "holds no panic text" },
    { "panic-binary.plist", "ok", "plist", "19H2", "kernel_task", 6, NULL },
    { "panic-info-binary.plist", "ok", "plist", "19H2", "kernel_task", 6, NULL },
    { "utf16.txt", "ok", "intel-text", "19H2", "kernel_task", 6, NULL },
    { "utf16be-nobom.txt", "ok", "intel-text", "19H2", "kernel_task", 6, NULL },
    { "utf16-bad.txt", "partial", "intel-text", "19H2", "kernel_task", 6, "invalid UTF-16" },
    { "t2-both.ips", "ok", "ips", "19H2", "kernel_task", 6, NULL },
    { "t2-host-nobt.ips", "ok", "ips", "22P4248", "kernel_task", 2, NULL },
    { "nul-bytes.txt", "partial", "intel-text", "19H2", "kernel_task", 6, "NUL bytes" },
};

/* a T2 Mac's two panics: the row records both, signed on the host's when it has a
 * backtrace, else on bridgeOS's (FORMATS.md §5.3) */
static void
test_t2_two_panics(void **state)
{
    static const struct {
        const char *file, *source, *signed_has, *other_has;
    } cases[] = {
        { "t2-both.ips", "host", "thread_invoke", "macOS watchdog detected" },
        { "t2-host-nobt.ips", "bridgeos", "macOS watchdog detected", "thread_invoke" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct arena *a = arena_new(65536);
        struct kpt_report r;
        size_t n;
        char *d = tl_read(tl_path(KPT_SOURCE_DIR "/tests/data", cases[i].file), &n);

        assert_non_null(d);
        parse(d, n, a, &r);
        assert_string_equal(kpt_panic_source_name(r.panic_source), cases[i].source);
        assert_non_null(strstr(r.panic_string, cases[i].signed_has));
        assert_non_null(r.other_panic);
        assert_non_null(strstr(r.other_panic, cases[i].other_has));
        free(d);
        arena_free(a);
    }
}

static void
test_own_inputs(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
        const struct own *o = &own[i];
        struct arena *a = arena_new(65536);
        struct kpt_report r;
        size_t n;
        char *d = tl_read(tl_path(KPT_SOURCE_DIR "/tests/data", o->file), &n);

        print_message("# tests/data/%s\n", o->file);
        assert_non_null(d);
        parse(d, n, a, &r);
        assert_string_equal(kpt_status_name(r.status), o->status);
        if (o->format)
            assert_string_equal(kpt_format_name(r.format), o->format);
        if (o->build)
            assert_string_equal(r.os_build, o->build);
        if (o->process)
            assert_string_equal(r.process, o->process);
        assert_int_equal(r.nframes, o->frames);
        if (o->error_has) {
            assert_non_null(r.error);
            assert_non_null(strstr(r.error, o->error_has));
        }
        free(d);
        arena_free(a);
    }
}

/* issue 19: the panic forms real reports show beside "panic(cpu N caller ...)" */
static void
test_panic_forms(void **state)
{
    static const char mca[] =
        "*** MCA Error Report ***\n"
        "CPU Machine Check Architecture Error Dump (CPU: Intel(R) Core(TM) i7-5557U CPU @ 3.10GHz, "
        "CPUID: 0x306D4)\n"
        "Core: 0 \n  IA32_MC3_STATUS=0xBE00000000800400\n  IA32_MC3_CTL=0x0\n"
        "  IA32_MC5_STATUS=0x6E0000000040110B\n" /* not valid: bit 63 clear */
        "\n*** Panic Report ***\nMachine-check capabilities: 0x0000000001000c07\n";
    static const char caps[] = "Machine-check capabilities: 0x0000000001000c17\n"
                               " family: 6 model: 62 stepping: 4 microcode: 1070\n"
                               "Processor 0: IA32_MCG_STATUS: 0x0000000000000005\n"
                               " IA32_MC7_STATUS(0x41d): 0xfe0332c000010093\n"
                               " IA32_MC12_STATUS(0x431): 0xc80334c600800093\n";
    static const char nmi[] = "Panic(CPU 1, time 720049727941): NMIPI for spinlock acquisition "
                              "timeout, spinlock: 0xffffff86cfc868e0\n"
                              "Backtrace (CPU 1), Frame : Return Address\n"
                              "0xffffffa08906cf80 : 0xffffff8019deee4b \n";
    static const char wrapped[] =
        "panic(cpu 2 caller 0xffffff800e24522c): Double fault at 0xffffff7f91dc1dd4, registers:\n"
        "Backtrace (CPU 2), Frame : Return Address\n"
        "0xffffff800df52310 : 0xffffff800e11868d mach_kernel : _handle_debugger_trap + \n"
        "0x49d\n"
        "0xffffff800df52360 : 0xffffff800e252ab5 mach_kernel : _kdp_i386_trap + 0x155\n";
    struct arena *a = arena_new(65536);
    struct kpt_report r;

    (void)state;
    assert_int_equal(parse(mca, sizeof(mca) - 1, a, &r), 0);
    assert_int_not_equal(r.status, KPT_ST_REJECTED);
    assert_string_equal(r.machine_check, "family 6 model 61; banks 3");
    assert_int_equal(parse(caps, sizeof(caps) - 1, a, &r), 0);
    assert_string_equal(r.machine_check, "family 6 model 62; banks 7 12");
    assert_int_equal(parse(nmi, sizeof(nmi) - 1, a, &r), 0);
    assert_int_equal(r.cpu, 1);
    assert_non_null(strstr(r.panic_string, "NMIPI for spinlock acquisition timeout"));
    assert_int_equal(r.nframes, 1);
    assert_int_equal(parse(wrapped, sizeof(wrapped) - 1, a, &r), 0);
    assert_int_equal(r.nframes, 2);
    assert_string_equal(r.frames[0].sym_name, "_handle_debugger_trap");
    assert_int_equal(r.frames[0].sym_off, 0x49d);
    arena_free(a);
}

/* limits are configuration: each gives a clear per-file outcome */
static void
test_limits(void **state)
{
    struct arena *a = arena_new(65536);
    struct kpt_limits lim;
    struct kpt_report r;
    struct buf b = BUF_INIT;
    size_t i, n;
    char *d = tl_read(KPT_SOURCE_DIR "/tests/data/intel-legacy.panic", &n), *gz;

    (void)state;
    kpt_limits_default(&lim);
    /* file size */
    lim.max_file_bytes = 100;
    kpt_report_init(&r, a, "t");
    assert_int_equal(ing_parse(d, n, &lim, a, &r), KPT_E_LIMIT);
    assert_int_equal(r.status, KPT_ST_REJECTED);
    assert_non_null(strstr(r.error, "size limit"));
    /* a gzip bomb: 8 MiB of zeros behind a small file, limit 1 MiB */
    {
        char *zeros = xcalloc(8u << 20, 1);
        size_t gn;

        memcpy(zeros, d, n);
        gz = gzip_bytes(zeros, 8u << 20, &gn);
        assert_true(gn < 100000);
        lim.max_file_bytes = 1u << 20;
        arena_clear(a);
        kpt_report_init(&r, a, "t");
        assert_int_equal(ing_parse(gz, gn, &lim, a, &r), KPT_E_LIMIT);
        assert_non_null(strstr(r.error, "gzip bomb"));
        free(gz);
        free(zeros);
    }
    /* frames */
    kpt_limits_default(&lim);
    lim.max_frames = 2;
    arena_clear(a);
    kpt_report_init(&r, a, "t");
    assert_int_equal(ing_parse(d, n, &lim, a, &r), 0);
    assert_int_equal(r.nframes, 2);
    assert_int_equal(r.frames_dropped, 4);
    assert_int_equal(r.status, KPT_ST_PARTIAL);
    assert_non_null(strstr(r.error, "frame limit"));
    /* a line over the line limit */
    kpt_limits_default(&lim);
    lim.max_line_bytes = 64;
    buf_add(&b, d, n);
    buf_adds(&b, "\nBoot args: ");
    for (i = 0; i < 1000; i++)
        buf_addc(&b, 'x');
    buf_addc(&b, '\n');
    arena_clear(a);
    kpt_report_init(&r, a, "t");
    assert_int_equal(ing_parse(b.data, b.len, &lim, a, &r), 0);
    assert_int_equal(r.status, KPT_ST_PARTIAL);
    assert_non_null(strstr(r.error, "line limit"));
    /* a million frames: bounded memory, the default frame limit */
    buf_reset(&b);
    buf_adds(&b, "panic(cpu 0 caller 0xffffff8001e33bd4): \"x\"\nBacktrace (CPU 0), Frame : Return "
                 "Address\n");
    for (i = 0; i < 1000000; i++)
        buf_adds(&b, "0xffffff80e4ac8d00 : 0xffffff8001e22f79 \n");
    kpt_limits_default(&lim);
    arena_free(a);
    a = arena_new(65536);
    kpt_report_init(&r, a, "t");
    assert_int_equal(ing_parse(b.data, b.len, &lim, a, &r), 0);
    assert_int_equal(r.nframes, KPT_MAX_FRAMES);
    assert_int_equal(r.frames_dropped, 1000000 - KPT_MAX_FRAMES);
    assert_true(arena_used(a) < b.len + (16u << 20)); /* the input's copy, and a bounded rest */
    buf_release(&b);
    free(d);
    arena_free(a);
}

/* issue 21: an .ips bug_type of ESC and 300 bytes, in the reason (quoted and cut: util/err.h)
 * and on standard error (escaped and cut: util/diag.h), in an .ips header and a plist */
static void
check_stderr_of(const char *path, const char *why)
{
    char tmpl[] = "/tmp/test_ingest.XXXXXX", line[2048];
    int fd = mkstemp(tmpl), saved = dup(2);
    FILE *f;
    size_t n;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    diag_report(path, why);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    f = fdopen(fd, "r");
    rewind(f);
    n = fread(line, 1, sizeof(line) - 1, f);
    line[n] = '\0';
    fclose(f);
    unlink(tmpl);
    assert_true(n > 0 && n < 200);
    assert_null(memchr(line, 0x1b, n));
    assert_non_null(strstr(line, "kptrace-batch: bad.ips: bug_type \\x1b[31mAAAA"));
    assert_non_null(strstr(line, "... is not a panic report (210)\n"));
}

static void
test_bug_type_escaped_and_cut(void **state)
{
    struct arena *a = arena_new(65536);
    struct kpt_report r;
    struct buf b = BUF_INIT;
    int i;

    (void)state;
    buf_adds(&b, "{\"bug_type\":\"\\u001b[31m");
    for (i = 0; i < 300; i++)
        buf_addc(&b, 'A');
    buf_adds(&b, "\",\"os_version\":\"macOS 14.0 (23A344)\"}\n{}\n");
    assert_int_equal(parse(b.data, b.len, a, &r), KPT_E_FORMAT);
    assert_string_equal(r.status == KPT_ST_REJECTED ? "rejected" : "other", "rejected");
    assert_true(strlen(r.error) < KPT_QUOTE_MAX + 64);
    check_stderr_of("bad.ips", r.error);

    buf_reset(&b);
    buf_adds(&b, "<?xml version=\"1.0\"?><plist "
                 "version=\"1.0\"><dict><key>bug_type</key><string>\xe2\x80\xae");
    for (i = 0; i < 300; i++)
        buf_addc(&b, 'A');
    buf_adds(&b, "</string></dict></plist>");
    assert_int_equal(parse(b.data, b.len, a, &r), KPT_E_FORMAT); /* XML 1.0 has no ESC: U+202E */
    assert_true(strlen(r.error) < KPT_QUOTE_MAX + 64);
    assert_non_null(strstr(r.error, "A... is not a panic report (210)"));
    buf_release(&b);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_oracle),
        cmocka_unit_test(test_corpus_fields),
        cmocka_unit_test(test_corpus_every_file),
        cmocka_unit_test(test_panic_forms),
        cmocka_unit_test(test_corpus_copies),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_own_inputs),
        cmocka_unit_test(test_t2_two_panics),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bug_type_escaped_and_cut),
    };

    return cmocka_run_group_tests_name("ingest", tests, NULL, NULL);
}
