/*
 * test_sym.c - address placement (SYMBOLICATION.md §3.3, §4) on reports whose arithmetic
 * the docs work out, PAC stripping and demangling.
 */
#include "tests/unit/testlib.h"

#include "ingest/ing.h"
#include "readers/rd.h"
#include "symbolicate/sym.h"
#include "symbolicate/sym_int.h"
#include "symbolicate/sym_kcache.h"
#include "util/buf.h"

#include <unistd.h>

static struct kpt_report
load(struct arena *a, const char *path)
{
    struct kpt_limits lim;
    struct kpt_report r;
    struct sym_ctx *s = sym_ctx_new(NULL, NULL);
    size_t n;
    char *d = tl_read(path, &n);

    assert_non_null(d);
    kpt_limits_default(&lim);
    kpt_report_init(&r, a, path);
    assert_int_equal(ing_parse(d, n, &lim, a, &r), 0);
    sym_resolve(s, a, &r);
    sym_ctx_free(s);
    free(d);
    return r;
}

static void
test_corpus_offsets(void **state)
{
    const char *corpus = tl_corpus();
    struct arena *a = arena_new(65536);
    struct kpt_report r;

    (void)state;
    if (!corpus) {
        printf("# SKIP corpus offsets: ../shared/corpus is not there\n");
        arena_free(a);
        skip();
    }
    /* wavtap: slide 0x1c00000; 0xffffff8001e22f79 -> link 0xffffff8000222f79 = base + 0x22f79;
     * AppleAHCIPort @0xffffff7f83bfc000: 0xffffff7f83c06023 -> +0xa023 */
    r = load(a, tl_path(corpus, "a_legacy_intel/wavtap_10.9.3_13E28_spinlock_timeout_full.panic"));
    assert_string_equal(kpt_frame_text(a, &r.frames[0]), "kernel+0x22f79");
    assert_string_equal(kpt_frame_text(a, &r.frames[9]), "com.apple.driver.AppleAHCIPort+0xa023");
    /* sketchybar: EndpointSecurity @0xfffffe00148b6d60: 0xfffffe00148e2af8 -> +0x2bd98 */
    arena_clear(a);
    r = load(a, tl_path(corpus, "d_arm64_text/sketchybar_T6000_22G91_data_abort.txt"));
    assert_string_equal(kpt_frame_text(a, &r.frames[11]),
                        "com.apple.iokit.EndpointSecurity+0x2bd98");
    /* kernel offsets are from the unslid kernel text base */
    assert_string_equal(kpt_frame_text(a, &r.frames[0]), "kernel+0x142e620");
    /* the panic line's PAC-signed lr lands in the kext once stripped */
    assert_true(r.has_fault);
    /* hackintosh 11.3: keepsyms names are kept, demangled */
    arena_clear(a);
    r = load(a, tl_path(corpus, "a_legacy_intel/hackintosh_11.3_nvme_fatal_symbolicated.txt"));
    assert_string_equal(kpt_frame_text(a, &r.frames[0]), "kernel!handle_debugger_trap");
    {
        size_t i;
        int found = 0;

        for (i = 0; i < r.nframes; i++)
            if (r.frames[i].mod_off == 0x7433 && r.frames[i].module &&
                !strcmp(r.frames[i].module, "com.apple.iokit.IONVMeFamily")) {
                assert_non_null(strstr(r.frames[i].function, "IONVMeController::FatalHandling"));
                found = 1;
            }
        assert_true(found);
    }
    /* an excerpt with no slide lines: kernel frames cannot be unslid and stay raw */
    arena_clear(a);
    r = load(a,
             tl_path(corpus, "g_odd/hackintosh_macOS13b4_double_fault_garbage_prefix_excerpt.txt"));
    assert_null(r.frames[0].module);
    arena_free(a);
}

static void
test_pac_and_demangle(void **state)
{
    struct arena *a = arena_new(4096);

    (void)state;
    assert_true(sym_strip_pac(0xfdc0fe00148e2af8ull) == 0xfffffe00148e2af8ull);
    assert_true(sym_strip_pac(0xcbaf7e0011927fc8ull) == 0xfffffe0011927fc8ull);
    assert_true(sym_strip_pac(0x65cc7e004f4463d4ull) == 0xfffffe004f4463d4ull);
    assert_true(sym_strip_pac(0x0000000245a83cd4ull) == 0x0000000245a83cd4ull);
    assert_string_equal(sym_demangle(a, "__ZN16IONVMeController13FatalHandlingEv"),
                        "IONVMeController::FatalHandling()");
    assert_string_equal(sym_demangle(a, "_panic"), "panic");
    assert_string_equal(sym_demangle(a, "__Zgarbage"), "_Zgarbage");
    arena_free(a);
}

static void
test_own_offsets(void **state)
{
    struct arena *a = arena_new(65536);
    struct kpt_report r = load(a, KPT_SOURCE_DIR "/tests/data/intel-legacy.panic");

    (void)state;
    /* Kernel text base 0xffffff8010400000 */
    assert_string_equal(kpt_frame_text(a, &r.frames[0]), "kernel+0x11a65d");
    /* org.example.fs.zeta @0xffffff7f93a00000 */
    assert_string_equal(kpt_frame_text(a, &r.frames[3]), "org.example.fs.zeta+0x1c21b");
    arena_clear(a);
    r = load(a, KPT_SOURCE_DIR "/tests/data/ios-zone.ips");
    /* iOS: Kernel text base 0xfffffff028034000 */
    assert_string_equal(kpt_frame_text(a, &r.frames[0]), "kernel+0xba20");
    arena_free(a);
}

/* names learned by (UUID, offset): the most frequent wins, ties by name, not by order;
 * names past the bound per fact are counted, not silently lost */
static void
test_learn(void **state)
{
    static const uint8_t u[16] = { 1, 2, 3 }, v[16] = { 9 };
    struct sym_learn *l = sym_learn_new();
    size_t facts, conflicts, dropped, i;
    uint64_t off;
    char name[16];

    (void)state;
    sym_learn_note(l, u, 0x40, "_b", 4);
    sym_learn_note(l, u, 0x40, "_a", 4);
    sym_learn_note(l, u, 0x40, "_b", 4); /* _b twice: it wins */
    sym_learn_note(l, u, 0x80, "_z", 1);
    sym_learn_note(l, u, 0x80, "_y", 1); /* a tie: the smaller name */
    for (i = 0; i < 10; i++) {           /* ten names for one fact: two past the bound */
        snprintf(name, sizeof(name), "_n%zu", i);
        sym_learn_note(l, v, 0x10, name, 0);
    }
    assert_null(sym_learn_find(l, u, 0x40, &off)); /* nothing before the decision */
    sym_learn_decide(l, &facts, &conflicts, &dropped);
    assert_int_equal(facts, 3);
    assert_int_equal(conflicts, 3);
    assert_int_equal(dropped, 2);
    assert_string_equal(sym_learn_find(l, u, 0x40, &off), "_b");
    assert_int_equal(off, 4);
    assert_string_equal(sym_learn_find(l, u, 0x80, &off), "_y");
    assert_null(sym_learn_find(l, v, 0x40, &off)); /* another binary at that offset: nothing */
    sym_learn_free(l);
}

/* the symbol cache: its records (read by readers/, test_readers.c) join the table for their
 * module, the first answer for an address kept; a record that is no record is not there */
static void
test_symcache_records(void **state)
{
    static const char *const recs = "10\t1\t4\t12\t_ok\t\tk.c\n"
                                    "20\t1\t4\t4294967296\t_line_too_big\t\tk.c\n"
                                    "10\t1\t8\t13\t_second\t\tk.c\n"
                                    "60\t1\t0\t0\t\t\t\n";
    struct sym_opts o;
    struct sym_ctx *s;
    struct kdk_mod m;
    char path[] = "/tmp/kpt-symcache-XXXXXX";
    int fd;
    FILE *f;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.enabled = 1;
    o.no_cache = 1;
    o.readers = &rd_cache_readers;
    s = sym_ctx_new(&o, NULL);
    memset(&m, 0, sizeof(m));
    assert_true((fd = mkstemp(path)) >= 0);
    assert_non_null(f = fdopen(fd, "w"));
    fprintf(f, "kptrace-batch symbol cache v1\t%s\n%s", s->ident, recs);
    fclose(f);
    assert_int_equal(sym_cache_read(s, &m, path), 1);
    assert_int_equal(s->ne, 2);
    assert_true(s->e[0].addr == 0x10 && s->e[0].mod == &m && s->e[0].status == LLDB_OK);
    assert_string_equal(s->e[0].func, "_ok");
    assert_int_equal(s->e[0].line, 12);
    /* found, but no name: no answer */
    assert_true(s->e[1].addr == 0x60 && s->e[1].status == LLDB_NONE && !s->e[1].func);
    sym_ctx_free(s);
    /* no reader: nothing read, the file rewritten */
    o.readers = NULL;
    s = sym_ctx_new(&o, NULL);
    assert_int_equal(sym_cache_read(s, &m, path), 0);
    assert_int_equal(s->ne, 0);
    sym_ctx_free(s);
    unlink(path);
}

/* the catalogue cache: a file answered while unchanged, read when it is not (its lines read
 * back: test_readers.c) */
static void
test_kcache(void **state)
{
    struct kcache *k;
    struct macho_image im[MACHO_MAX_SLICES];
    char dir[] = "/tmp/kpt-kcache-XXXXXX", path[64];
    size_t reads = 0;
    FILE *f;

    (void)state;
    /* a file that is no Mach-O: read once, then answered from the cache; changed: read again */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/bin", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a mach-o", f);
    fclose(f);
    k = kcache_new();
    assert_true(kcache_macho(k, path, im, MACHO_MAX_SLICES, &reads) < 0);
    assert_true(kcache_macho(k, path, im, MACHO_MAX_SLICES, &reads) < 0);
    assert_int_equal(reads, 1);
    assert_int_equal(kcache_save(k, dir), 0);
    kcache_free(k);
    k = kcache_load(dir, rd_catalogue_load);
    assert_int_equal(kcache_bad(k), 0);
    assert_true(kcache_macho(k, path, im, MACHO_MAX_SLICES, &reads) < 0);
    assert_int_equal(reads, 1); /* from the file the first cache wrote */
    f = fopen(path, "a");
    fputs(" and longer", f);
    fclose(f);
    assert_true(kcache_macho(k, path, im, MACHO_MAX_SLICES, &reads) < 0);
    assert_int_equal(reads, 2);
    kcache_free(k);
    unlink(path);
    snprintf(path, sizeof(path), "%s/catalogue.v1", dir);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_offsets),   cmocka_unit_test(test_pac_and_demangle),
        cmocka_unit_test(test_own_offsets),      cmocka_unit_test(test_kcache),
        cmocka_unit_test(test_symcache_records), cmocka_unit_test(test_learn),
    };

    return cmocka_run_group_tests_name("symbolicate", tests, NULL, NULL);
}
