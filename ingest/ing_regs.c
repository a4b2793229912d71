/*
 * ing_regs.c - an Intel trap's general registers from its register dump:
 *
 *   RAX: 0x0000000000000000, RBX: 0xffffff81e7a6f000, RCX: 0x00000000ffffffff, RDX: ...
 *   RSP: 0xffffff81f4d93b08, RBP: ..., RSI: ..., RDI: ...
 *   R8:  0xffffff8007a308a0, R9:  ..., R10: ..., R11: ...
 *
 * also inside quoted fragments ("RAX: 0x..., ...\n"). The cluster stage compares them with
 * the faulting pc when no frame says where a trap was (cluster/SIGNATURES.md).
 */
#include <string.h>

#include "ingest/ing_int.h"
#include "util/cursor.h"

static const char *const names[16] = { "RAX", "RBX", "RCX", "RDX", "RSP", "RBP", "RSI", "RDI",
                                       "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15" };

#define NO_REGISTER (-1)

/* the register whose name ends just before p's ':' at s..p (an index of names), or
 * NO_REGISTER */
static int
reg_at(const char *s, const char *p)
{
    int i;

    for (i = 0; i < 16; i++) {
        size_t k = strlen(names[i]);

        if ((size_t)(p - s) >= k && !memcmp(p - k, names[i], k) &&
            (p - k == s || !((p[-(long)k - 1] >= 'A' && p[-(long)k - 1] <= 'Z') ||
                             (p[-(long)k - 1] >= '0' && p[-(long)k - 1] <= '9'))))
            return i;
    }
    return NO_REGISTER;
}

void
ing_regs_line(struct kpt_report *r, const char *s, size_t n)
{
    const char *p = s, *end = s + n, *q;

    while (p < end && (*p == ' ' || *p == '\t' || *p == '"'))
        p++;
    if (end - p < 4 || (memcmp(p, "RAX:", 4) && memcmp(p, "RSP:", 4) && memcmp(p, "R8:", 3) &&
                        memcmp(p, "R12:", 4)))
        return;
    for (q = p; q < end; q++) {
        const char *v;
        uint64_t x;
        int i;

        if (*q != ':' || (i = reg_at(p, q)) < 0)
            continue;
        v = q + 1;
        cur_skip_blank(&v, end);
        if (cur_hex64(&v, end, &x, NULL))
            continue;
        if (!(r->gpr_mask & (1u << i))) {
            r->gpr[i] = x;
            r->gpr_mask |= (uint16_t)(1u << i);
        }
        q = v - 1;
    }
}
