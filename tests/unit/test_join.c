/*
 * test_join.c - draft4's presentation joins (a copy whose kext list was cut, a report whose
 * frames were not named, each shown under its one named twin, never one of two), and the
 * class rows that read a message's location ("@IOGPUMemory.cpp:492"), and a message of
 * several lines as a cluster shows it.
 */
#include "tests/unit/testsign.h"

#include <inttypes.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/xalloc.h"

/* r signed from text with rules c (r's strings live in a and c) */
static void
sign_report(const struct clu_rules *c, struct arena *a, const char *text, struct kpt_report *r)
{
    struct kpt_limits lim;

    kpt_limits_default(&lim);
    kpt_report_init(r, a, "t");
    assert_int_equal(ing_parse(text, strlen(text), &lim, a, r), 0);
    clu_sign(c, a, r);
}

/* rows that read the message's location: an Apple GPU family's own assertion names its
 * culprit by its source file; the same message at another line is one key, without the
 * location (or in another file) it is no such assertion */
static void
test_located_classes(void **state)
{
    struct arena *a = arena_new(65536);
    struct clu_rules *c = clu_rules_new();
    struct kpt_report r;
    const char *k1, *k2;

    (void)state;
    sign_report(c, a,
                "panic(cpu 4 caller 0xfffffe0032a550f8): \"completeMemory() prepare count "
                "underflow\" @IOGPUMemory.cpp:492\n"
                "Debugger message: panic\nOS version: 24G720\n",
                &r);
    assert_string_equal(r.panic_class, "gpu");
    assert_string_equal(r.signature, "gpu[com.apple.iokit.IOGPUFamily; IOGPUMemory.cpp; "
                                     "completeMemory() prepare count underflow]");
    assert_string_equal(r.culprit, "com.apple.iokit.IOGPUFamily");
    k1 = r.sig_id;
    sign_report(c, a,
                "panic(cpu 1 caller 0xfffffe002a410f78): \"completeMemory() prepare count "
                "underflow\" @/AppleInternal/Library/IOGPUFamily/IOGPUMemory.cpp:550\n"
                "Debugger message: panic\nOS version: 25F71\n",
                &r);
    k2 = r.sig_id;
    assert_string_equal(k1, k2);
    sign_report(
        c, a,
        "panic(cpu 4 caller 0xfffffe0032a550f8): \"completeMemory() prepare count underflow\"\n"
        "Debugger message: panic\nOS version: 24G720\n",
        &r);
    assert_string_equal(r.panic_class, "generic");
    sign_report(c, a,
                "panic(cpu 4 caller 0xfffffe0032a550f8): \"completeMemory() prepare count "
                "underflow\" @IONVMeController.cpp:492\n"
                "Debugger message: panic\nOS version: 24G720\n",
                &r);
    assert_string_not_equal(r.panic_class, "gpu");
    /* a busy timeout pasted with backslash continuations keys as the unbroken one */
    sign_report(
        c, a,
        "panic(cpu 1 caller 0xfffffe0037230464): busy timeout[0], (60s): multiple \\\n"
        "entries holding the registry busy, IOKit termination queue depth 5249: \\\n"
        "'RootDomainUserClient' (1,2001), 'RootDomainUserClient' (1,2001) @IOService.cpp:5963\n"
        "Debugger message: panic\nOS version: 25D2128\n",
        &r);
    k1 = r.sig_id;
    assert_string_equal(r.signature, "busy_timeout[RootDomainUserClient; multiple]");
    sign_report(c, a,
                "panic(cpu 2 caller 0xfffffff054e8afdc): busy timeout[0], (60s): multiple entries "
                "holding the registry busy, "
                "IOKit termination queue depth 212: 'RootDomainUserClient' (1,2001), "
                "'ApplePPMUserClient' (1,2001) @IOService.cpp:5802\n"
                "Debugger message: panic\nOS version: 24A348\n",
                &r);
    assert_string_equal(r.sig_id, k1);
    arena_free(a);
    clu_rules_free(c);
}

/* text without its "Kernel Extensions in backtrace" lines, as a cut paste loses them */
static char *
cut_kext_list(const char *text)
{
    struct buf b = BUF_INIT;
    const char *p = text;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

        if (!memmem(p, n, "Kernel Extensions in backtrace", 30) && !memmem(p, n, ")[", 2))
            buf_add(&b, p, n);
        p += n;
    }
    return buf_detach(&b, NULL);
}

/* the reports of texts[0..n) in one table, joined: how many clusters, and the count of the
 * one holding report 0 */
static size_t
joined_clusters(const char *const *texts, size_t n, size_t *count0, const char **id0)
{
    struct clu_rules *c = clu_rules_new();
    struct clu_table *t = clu_table_new(1), *j;
    struct sym_ctx *s = sym_ctx_new(NULL, NULL);
    struct arena *a = arena_new(65536);
    const struct kpt_cluster *cl;
    size_t i, k, nc, njoined;
    struct kpt_limits lim;

    kpt_limits_default(&lim);
    for (i = 0; i < n; i++) {
        struct kpt_report r;

        kpt_report_init(&r, a, arena_printf(a, "r%zu", i));
        assert_int_equal(ing_parse(texts[i], strlen(texts[i]), &lim, a, &r), 0);
        sym_resolve(s, a, &r);
        clu_sign(c, a, &r);
        r.seq = i;
        print_message("# r%zu %s\n", i, r.signature);
        clu_add(t, &r);
    }
    if ((j = clu_join_cut(t, &njoined, NULL))) {
        clu_table_free(t);
        t = j;
    }
    cl = clu_table_result(t, &nc);
    for (i = 0; i < nc; i++)
        for (k = 0; k < cl[i].nmembers; k++)
            if (cl[i].members[k] == 0) {
                *count0 = cl[i].count;
                *id0 = arena_strdup(a, cl[i].id_hex);
            }
    *id0 = xstrdup(*id0);
    clu_table_free(t);
    arena_free(a);
    sym_ctx_free(s);
    clu_rules_free(c);
    return nc;
}

/* issue 29: a copy that lost its kext list joins its one named twin, never one of two */
static void
test_join_cut_kext_list(void **state)
{
    struct arena *a = arena_new(4096);
    char *named = tl_intel_report(0x1000000, "19H2", "2.0.1"), *cut = cut_kext_list(named);
    char *other = tl_intel_report(0x2e00000, "19H2", "2.0.1"), *p;
    const char *texts[3], *id, *form;
    size_t count = 0, nc;
    int unnamed;

    (void)state;
    while ((p = strstr(other, "org.example.fs.zeta")))
        memcpy(p, "org.example.fs.beta", 19); /* another kext, the same frames */
    form =
        clu_join_form(a, "generic[lock held: <hex>] | ~lowsym | kernel | unknown-kext", &unnamed);
    assert_string_equal(form, "generic[lock held: <hex>] | ~lowsym | kernel | *");
    assert_int_equal(unnamed, 1);
    form = clu_join_form(a, "generic[lock held: <hex>] | ~lowsym | kernel | org.example.fs.zeta",
                         &unnamed);
    assert_string_equal(form, "generic[lock held: <hex>] | ~lowsym | kernel | *");
    assert_int_equal(unnamed, 0);
    assert_null(
        clu_join_form(a, "x86_trap[13=general protection] | lck_mtx_lock | IOLog", &unnamed));
    /* the cut copy alone in its cluster without the join; with its twin, one cluster of 2 */
    assert_string_not_equal(tl_sign_text(a, cut), tl_sign_text(a, named));
    texts[0] = cut, texts[1] = named;
    nc = joined_clusters(texts, 2, &count, &id);
    assert_int_equal(nc, 1);
    assert_int_equal(count, 2);
    assert_string_equal(id, tl_sign_text(a, named)); /* shown under the named twin's key */
    free((char *)id);
    /* two named clusters read the same: the cut copy could be either, it stays apart */
    texts[2] = other;
    nc = joined_clusters(texts, 3, &count, &id);
    assert_int_equal(nc, 3);
    assert_int_equal(count, 1);
    free((char *)id);
    free(named);
    free(cut);
    free(other);
    arena_free(a);
}

/* a trap in a kext, with keepsyms names (named != 0) or without */
static char *
kext_trap(int named, const char *kext)
{
    struct buf b = BUF_INIT;
    uint64_t kb = 0xffffff8000200000ull + 0x1000000, ks = 0xffffff7f81000000ull;

    buf_addf(&b,
             "panic(cpu 0 caller 0x%016" PRIx64 "): Kernel trap at 0x%016" PRIx64
             ", type 13=general protection, registers:\n"
             "Backtrace (CPU 0), Frame : Return Address\n",
             kb + 0x21f084, ks + 0x1210);
    buf_addf(&b, "0xffffff83b1b3ba00 : 0x%016" PRIx64 "%s\n", kb + 0x21f084,
             named ? " mach_kernel : _panic + 0x84" : " ");
    buf_addf(&b, "0xffffff83b1b3bb00 : 0x%016" PRIx64 "%s%s%s\n", ks + 0x1210, named ? " " : " ",
             named ? kext : "", named ? " : __ZN4Zeta5flushEv + 0x210" : "");
    buf_addf(&b, "0xffffff83b1b3bb50 : 0x%016" PRIx64 "%s%s%s\n", ks + 0x1450, named ? " " : " ",
             named ? kext : "", named ? " : __ZN4Zeta4syncEv + 0x50" : "");
    buf_addf(&b,
             "      Kernel Extensions in backtrace:\n         "
             "%s(2.0.1)[0D1C2B3A-4F5E-3D6C-8B7A-9F0E1D2C3B4A]@0x%016" PRIx64 "->0x%016" PRIx64 "\n",
             kext, ks, ks + 0x3ffff);
    buf_addf(&b,
             "\nMac OS version:\n19H2\nKernel slide:     0x0000000001000000\nKernel text base: "
             "0x%016" PRIx64 "\n",
             kb);
    return buf_detach(&b, NULL);
}

/* issue 19's leftover: an unnamed trap report joins its one named cluster by the coarse key
 * (class, fields, culprit), never one of two */
static void
test_join_unnamed_trap(void **state)
{
    char *named = kext_trap(1, "org.example.fs.zeta"), *bare = kext_trap(0, "org.example.fs.zeta");
    char *other = kext_trap(1, "org.example.fs.zeta"), *p;
    const char *texts[3], *id;
    size_t count = 0;

    (void)state;
    p = strstr(other, "__ZN4Zeta4syncEv");
    memcpy(p, "__ZN4Zeta4stopEv", 16); /* another bug in the same kext */
    texts[0] = bare, texts[1] = named;
    assert_int_equal(joined_clusters(texts, 2, &count, &id), 1);
    assert_int_equal(count, 2);
    free((char *)id);
    texts[2] = other;
    assert_int_equal(joined_clusters(texts, 3, &count, &id), 3);
    assert_int_equal(count, 1);
    free((char *)id);
    free(named);
    free(bare);
    free(other);
}

/* issue 19's leftover: a message of several lines is shown whole (its lines kept, masked, the
 * sections after it and a trailing location cut as the key's are), keyed on its template */
static void
test_display_message(void **state)
{
    struct arena *a = arena_new(65536);
    struct clu_rules *c = clu_rules_new();
    struct kpt_report r;
    static const char text[] =
        "panic(cpu 0 caller 0xfffffe0014a86e74): [iokit.IOCommandGate]: element modified after "
        "free (off:72, val:0xfffffffffffffe00, sz:80, ptr:0xffffffe69b7d0db0)\n"
        "   72: 0xfffffffffffffe00\n"
        "   80: 0xfffffffffffffe08\n"
        "Debugger message: panic\nOS version: 18G82\n";
    static const char quoted[] =
        "panic(cpu 2 caller 0xffffff800a665b2c): \"first line of it\\n\" \"second 0x1234 "
        "line\\n\" \"Panicked task 0xffffff800aea3780\\n\"@/x/trap.c:168\n"
        "Backtrace (CPU 2), Frame : Return Address\n";

    (void)state;
    sign_report(c, a, text, &r);
    assert_string_equal(r.panic_template,
                        "[iokit.IOCommandGate]: element modified after free (off:<n>, val:<hex>, "
                        "sz:<n>, ptr:<hex>)\n<n>: <hex>\n<n>: <hex>");
    assert_string_equal(r.signature, "zone_uaf[iokit.IOCommandGate]");
    assert_string_equal(clu_display_message(c, a, "one line, 0x10 and 42"),
                        "one line, <hex> and <n>");
    sign_report(c, a, quoted, &r);
    assert_string_equal(r.panic_template, "first line of it\nsecond <hex> line");
    arena_free(a);
    clu_rules_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_located_classes),
        cmocka_unit_test(test_join_cut_kext_list),
        cmocka_unit_test(test_join_unnamed_trap),
        cmocka_unit_test(test_display_message),
    };

    return cmocka_run_group_tests_name("join", tests, NULL, NULL);
}
