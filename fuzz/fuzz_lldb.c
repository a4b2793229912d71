/*
 * fuzz_lldb.c - the lldb output parser on arbitrary output: results are either unresolved
 * or carry a printable function name and the module lldb named.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolicate/sym_lldb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t addr[4] = { 0x1000, 0x2000, 0xffffff8000201000ull, 0x5 };
    struct lldb_res r[4];
    size_t i;
    const char *p;

    memset(r, 0, sizeof(r));
    lldb_parse_output((const char *)data, size, addr, 4, r);
    for (i = 0; i < 4; i++) {
        if (r[i].status == LLDB_OK && (!r[i].func || !*r[i].func || !r[i].module))
            abort();
        for (p = r[i].func; p && *p; p++)
            if ((unsigned char)*p < 0x20)
                abort();
        lldb_res_release(&r[i]);
    }
    return 0;
}
