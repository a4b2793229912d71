/*
 * test_lldb.c - the lldb output grammar (SYMBOLICATION.md §5.3) and the Mach-O reader.
 */
#include "tests/unit/testlib.h"

#include "symbolicate/sym_lldb.h"
#include "symbolicate/sym_macho.h"

static void
test_parse_output(void **state)
{
    static const char out[] =
        "(lldb) image lookup -a 0x100000354\n"
        "      Address: kernel[0x0000000100000354] (kernel.__TEXT.__text + 28)\n"
        "      Summary: kernel`leaf + 8 [inlined] squares + 4 at k.c:4:79\n"
        "               kernel`leaf + 4 at k.c:5:52\n"
        "(lldb) image lookup -a 0x1000003a8\n"
        "      Address: kernel[0x00000001000003a8] (kernel.__TEXT.__text + 112)\n"
        "      Summary: kernel`after_panic at /src/dir/k.c:8\n"
        "(lldb) image lookup -a 0x5\n"
        "(lldb) image lookup -a 0x100000355\n"
        "      Address: kernel[0x0000000100000355] (kernel.__TEXT.__cstring + 0)\n"
        "      Summary: \"'x'\"\n"
        "(lldb) image lookup -a 0x1000013a0\n"
        "      Summary: FooNIC`FooNIC::txComplete(unsigned int, char const*) const + 1234\n"
        "(lldb) image lookup -a 0x1000013b0\n"
        "      Summary: \n"
        "(lldb) settings show target.arg0\n"
        "      Summary: kernel`not_for_anyone + 1\n"
        "target.arg0 (string) = \"kptsent3\"\n";
    const uint64_t addr[] = {
        0x100000354, 0x1000003a8, 0x5, 0x100000355, 0x1000013a0, 0x1000013b0
    };
    struct lldb_res r[6];
    size_t i;

    (void)state;
    memset(r, 0, sizeof(r));
    lldb_parse_output(out, sizeof(out) - 1, addr, 6, r);
    assert_int_equal(r[0].status, LLDB_OK);
    assert_string_equal(r[0].module, "kernel");
    assert_string_equal(r[0].func, "leaf");
    assert_int_equal(r[0].off, 8);
    assert_string_equal(r[0].inl, "squares");
    assert_string_equal(r[0].file, "k.c");
    assert_int_equal(r[0].line, 4);
    assert_string_equal(r[1].func, "after_panic");
    assert_int_equal(r[1].off, 0);
    assert_string_equal(r[1].file, "k.c");
    assert_int_equal(r[1].line, 8);
    assert_int_equal(r[2].status, LLDB_NONE); /* no match prints nothing */
    assert_int_equal(r[3].status, LLDB_NONE); /* a string, not a function */
    assert_string_equal(r[4].func, "FooNIC::txComplete(unsigned int, char const*) const");
    assert_int_equal(r[4].off, 1234);
    assert_null(r[4].file);
    assert_int_equal(r[5].status, LLDB_NONE); /* empty summary */
    for (i = 0; i < 6; i++)
        lldb_res_release(&r[i]);
}

/* an lldb that answers with names of megabytes: every name and file is cut to its bound,
 * and the answer says so */
static void
test_parse_huge_names(void **state)
{
    struct buf out = BUF_INIT;
    const uint64_t addr[] = { 0x100000354 };
    struct lldb_res r;
    size_t i;

    (void)state;
    buf_adds(&out, "(lldb) image lookup -a 0x100000354\n      Summary: kernel`");
    for (i = 0; i < (1u << 20); i++)
        buf_addc(&out, 'f');
    buf_adds(&out, " + 8 [inlined] ");
    for (i = 0; i < (1u << 20); i++)
        buf_addc(&out, 'g');
    buf_adds(&out, " at /src/");
    for (i = 0; i < 100000; i++)
        buf_addc(&out, 'h');
    buf_adds(&out, ".c:4\n");
    memset(&r, 0, sizeof(r));
    lldb_parse_output(out.data, out.len, addr, 1, &r);
    assert_int_equal(r.status, LLDB_OK);
    assert_int_equal(strlen(r.func), KPT_MAX_FUNCTION_NAME);
    assert_int_equal(strlen(r.inl), KPT_MAX_FUNCTION_NAME);
    assert_int_equal(strlen(r.file), KPT_MAX_FILE_NAME);
    assert_true(r.cut);
    lldb_res_release(&r);
    buf_release(&out);
}

static void
test_macho_reject(void **state)
{
    struct macho_image im[2];
    uint8_t junk[64];

    (void)state;
    memset(junk, 0xcf, sizeof(junk));
    assert_true(macho_parse(junk, sizeof(junk), im, 2) < 0);
    /* a thin header claiming more load commands than bytes */
    memset(junk, 0, sizeof(junk));
    junk[0] = 0xcf, junk[1] = 0xfa, junk[2] = 0xed, junk[3] = 0xfe;
    junk[16] = 200; /* ncmds */
    junk[20] = 32;  /* sizeofcmds */
    assert_true(macho_parse(junk, sizeof(junk), im, 2) < 0);
    /* a load command whose size runs past the commands */
    junk[16] = 1;
    junk[32] = 0x1b;
    junk[36] = 0xff;
    assert_true(macho_parse(junk, sizeof(junk), im, 2) < 0);
}

static void
test_macho_fixture(void **state)
{
    struct macho_image im[8];
    int n;

    (void)state;
    n = macho_read_file(KPT_SOURCE_DIR "/build/fixtures/kexts/FooNIC.kext/Contents/MacOS/FooNIC",
                        im, 8);
    if (n < 0) {
        printf("# SKIP Mach-O fixture: run 'make fixtures' first\n");
        skip();
    }
    assert_int_equal(n, 2); /* universal: x86_64 and arm64 */
    assert_int_equal(im[0].cputype, MACHO_CPU_X86_64);
    assert_int_equal(im[1].cputype, MACHO_CPU_ARM64);
    assert_true(im[0].has_uuid && im[1].has_uuid && memcmp(im[0].uuid, im[1].uuid, 16));
    assert_non_null(macho_seg_find(&im[1], "__TEXT_EXEC"));
    assert_true(macho_seg_find(&im[1], "__TEXT_EXEC")->vmaddr != 0);
    n = macho_read_file(KPT_SOURCE_DIR
                        "/build/fixtures/kdks/KDK_13.5_22G74.kdk/System/Library/Kernels/kernel",
                        im, 8);
    assert_int_equal(n, 1);
    assert_true(macho_seg_find(&im[0], "__TEXT")->vmaddr == 0xffffff8000200000ull);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_output),
        cmocka_unit_test(test_parse_huge_names),
        cmocka_unit_test(test_macho_reject),
        cmocka_unit_test(test_macho_fixture),
    };

    return cmocka_run_group_tests_name("lldb", tests, NULL, NULL);
}
