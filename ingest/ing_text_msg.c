/*
 * ing_text_msg.c - the panic line and its message, for the panic-text grammar (ing_text.c):
 * where the message starts, what it gathers from the lines after it, and where it ends.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "ingest/ing_text.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/xalloc.h"

void
ing_msg_finish(struct ing_tp *t)
{
    struct kpt_report *r = t->r;
    char *m;
    size_t n;
    char *at;

    t->in_msg = 0;
    t->msg_done = 1;
    n = t->msg.len;
    m = arena_strndup(t->a, t->msg.data, n);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '\t'))
        m[--n] = '\0';
    r->panic_string = m;
    /* the faulting pc: "Kernel trap at 0x...", "Double fault at 0x...", "... at pc 0x..." */
    {
        static const char *const keys[] = { "Kernel trap at 0x", "Double fault at 0x",
                                            " at pc 0x" };
        const char *k, *p;
        size_t i;

        for (i = 0; i < 3 && !r->has_fault; i++)
            if ((k = strstr(m, keys[i]))) {
                p = k + strlen(keys[i]) - 2;
                if (!cur_hex64(&p, m + n, &r->fault.addr, NULL))
                    r->has_fault = 1;
            }
    }
    /* location: the last "@path:line" */
    at = strrchr(m, '@');
    if (at && !r->src_file) {
        const char *colon = strrchr(at, ':'), *p;
        uint64_t line;

        if (colon && colon > at + 1) {
            p = colon + 1;
            if (!cur_dec(&p, p + strlen(p), &line, 1000000) && (*p == '\0' || *p == '\n')) {
                r->src_file = arena_strndup(t->a, at + 1, (size_t)(colon - at - 1));
                r->src_line = (unsigned)line;
            }
        }
    }
    buf_release(&t->msg);
}

void
ing_msg_append(struct ing_tp *t, const char *s, size_t n)
{
    size_t i;

    if (t->msg.len && buf_addc(&t->msg, '\n') < 0)
        return;
    if (buf_add(&t->msg, s, n) < 0) {
        t->r->damaged = 1;
        return;
    }
    for (i = 0; i < n; i++)
        if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
            t->msg_quote_open = !t->msg_quote_open;
}

/* "panic(cpu N caller 0x...): ", "panic(cpu N): ", and the NMI forms "Panic(CPU N): " and
 * "Panic(CPU N, time T): " */
int
ing_msg_panic_line(struct ing_tp *t, const struct ing_line *l)
{
    const char *s = l->s, *end = l->s + l->n, *p;
    uint64_t cpu, caller, when;

    for (p = s; p + 10 <= end; p++)
        if (!memcmp(p, "panic(cpu ", 10) || !memcmp(p, "Panic(CPU ", 10))
            break;
    if (p + 10 > end)
        return KPT_E_PARSE;
    p += 10;
    if (cur_dec(&p, end, &cpu, 4095))
        return KPT_E_PARSE;
    if (!cur_lit(&p, end, ", time ") && cur_dec(&p, end, &when, UINT64_MAX / 10))
        return KPT_E_PARSE;
    if (!cur_lit(&p, end, " caller ")) {
        if (cur_hex64(&p, end, &caller, NULL))
            return KPT_E_PARSE;
        t->r->caller = caller;
        t->r->has_caller = 1;
    }
    if (cur_lit(&p, end, ")"))
        return KPT_E_PARSE;
    if (!cur_lit(&p, end, ":"))
        cur_skip_blank(&p, end);
    t->r->cpu = (int)cpu;
    t->in_msg = 1;
    buf_init(&t->msg, KPT_MAX_MESSAGE_BYTES);
    ing_msg_append(t, p, (size_t)(end - p));
    return 0;
}

/* the fault's data address: "Fault CR2: 0x..., Error code: ..." (Intel) or a register row
 * "pc: 0x... cpsr: ... esr: ... far: 0x..." (arm64); the first one wins */
void
ing_msg_fault_data(struct ing_tp *t, const struct ing_line *l)
{
    const char *p = NULL, *end = l->s + l->n;
    uint64_t v;

    if (t->r->has_fault_data)
        return;
    if (ing_starts(l, "Fault CR2: "))
        p = l->s + 11;
    else if ((ing_starts(l, "pc:") || ing_starts(l, "esr:") || ing_starts(l, "far:")) &&
             (p = kpt_memmem(l->s, l->n, "far: ", 5)))
        p += 5; /* the arm64 register row that ends with the fault address */
    if (!p)
        return;
    cur_skip_blank(&p, end);
    if (!cur_hex64(&p, end, &v, NULL)) {
        t->r->fault_data = v;
        t->r->has_fault_data = 1;
    }
}

int
ing_msg_terminator(const struct ing_line *l)
{
    static const char *const keys[] = {
        "Debugger message:",
        "Backtrace (CPU",
        "Panicked task",
        "Panicked thread:",
        "Fault CR2:",
        "Error code:",
        "CR0:",
        "RAX:",
        "Kernel Extensions in backtrace",
        "Mac OS version:",
        "Kernel version:",
        "OS version:",
        "Memory ID:",
        "Device:",
        "Hardware Model:",
        "Nested panic detected",
        "Machine-check capabilities",
    };
    size_t i;

    if (!l->n)
        return 1;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (keys[i][0] == l->s[0] && ing_starts(l, keys[i]))
            return 1;
    /* arm64 register rows: "x0:  0x..." */
    if (l->n > 4 && l->s[0] == 'x' && isdigit((unsigned char)l->s[1]) &&
        (l->s[2] == ':' || (isdigit((unsigned char)l->s[2]) && l->s[3] == ':')))
        return 1;
    return 0;
}
