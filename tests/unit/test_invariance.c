/*
 * test_invariance.c - the invariance suite (SIGNATURES.md §12.3): a labelled fleet of bugs,
 * each seen with every variation that must keep one primary key (slides, kext load
 * addresses, OS build, kernel version and UUID, kext versions and UUIDs, file formats,
 * plumbing paths, tail depths, numbers in the message), beside bugs that must get keys of
 * their own. Scored with BCubed precision and recall (§12.1), which must both be 1.0.
 *
 * Reports carry their symbols (keepsyms), so the suite runs without lldb; the symbolicated
 * path gives frames the same function names.
 */
#include "tests/unit/testlib.h"

#include <ctype.h>
#include <inttypes.h>
#include <zlib.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/xalloc.h"

struct fr {
    const char *module, *sym; /* module "mach_kernel" or a bundle id; mangled symbol */
    unsigned off;
};

/* plumbing variants (§12.3): Debugger or DebuggerTrapWithState, with or without
 * panic_with_options, panic_trap named or misnamed, a hook kext inside the plumbing */
static const struct fr trap_plumbing[3][12] = {
    { { "mach_kernel", "_handle_debugger_trap", 0x4ad },
      { "mach_kernel", "_kdp_i386_trap", 0x115 },
      { "mach_kernel", "_kernel_trap", 0x343 },
      { "mach_kernel", "_return_from_trap", 0xe0 },
      { "mach_kernel", "_DebuggerTrapWithState", 0x5d },
      { "mach_kernel", "_panic_trap_to_debugger", 0x1b6 },
      { "mach_kernel", "_panic", 0x84 },
      { "mach_kernel", "_panic_trap", 0x2f3 },
      { "mach_kernel", "_kernel_trap", 0x5a1 },
      { "mach_kernel", "_return_from_trap", 0xe0 },
      { NULL, NULL, 0 } },
    { { "mach_kernel", "_handle_debugger_trap", 0x4c1 },
      { "mach_kernel", "_kdp_i386_trap", 0x115 },
      { "mach_kernel", "_kernel_trap", 0x343 },
      { "mach_kernel", "_return_from_trap", 0xe0 },
      { "mach_kernel", "_Debugger", 0x9a },
      { "mach_kernel", "_panic", 0x84 },
      { "mach_kernel", "_sync_iss_to_iks", 0x3c1 }, /* the static panic_trap, misnamed */
      { "mach_kernel", "_kernel_trap", 0x5a1 },
      { "mach_kernel", "_return_from_trap", 0xe0 },
      { NULL, NULL, 0 } },
    { { "mach_kernel", "_handle_debugger_trap", 0x4ad },
      { "mach_kernel", "_kdp_i386_trap", 0x115 },
      { "mach_kernel", "_kernel_trap", 0x343 },
      { "mach_kernel", "_return_from_trap", 0xe0 },
      { "mach_kernel", "_DebuggerTrapWithState", 0x5d },
      { "mach_kernel", "_panic_trap_to_debugger", 0x1b6 },
      { "mach_kernel", "_panic_with_options", 0x40 },
      { "mach_kernel", "_panic", 0x84 },
      { "mach_kernel", "_kernel_trap", 0x5a1 },
      { "com.example.TrapHook", "__ZN8TrapHook10kernelTrapI15x86_saved_stateEEvPT_Pm", 0x5c },
      { "mach_kernel", "_return_from_trap", 0xe0 },
      { NULL, NULL, 0 } },
};

static const struct fr panic_plumbing[2][8] = {
    { { "mach_kernel", "_handle_debugger_trap", 0x4ad },
      { "mach_kernel", "_kdp_i386_trap", 0x115 },
      { "mach_kernel", "_kernel_trap", 0x343 },
      { "mach_kernel", "_trap_from_kernel", 0x26 },
      { "mach_kernel", "_DebuggerTrapWithState", 0x5d },
      { "mach_kernel", "_panic_trap_to_debugger", 0x1b6 },
      { "mach_kernel", "_panic", 0x84 },
      { NULL, NULL, 0 } },
    { { "mach_kernel", "_handle_debugger_trap", 0x4c1 },
      { "mach_kernel", "_kdp_i386_trap", 0x115 },
      { "mach_kernel", "_kernel_trap", 0x343 },
      { "mach_kernel", "_trap_from_kernel", 0x26 },
      { "mach_kernel", "_Debugger", 0x9a },
      { "mach_kernel", "_panic_with_options", 0x40 },
      { "mach_kernel", "_panic", 0x84 },
      { NULL, NULL, 0 } },
};

enum body { B_NIC, B_SOCK, B_TCP, B_IRQ_LOG, B_IRQ_QOS, B_NONE };

struct bug {
    const char *label;
    const char *msg; /* printf: %d a line, %2$llx an address */
    enum body body;
    const char *kext; /* bundle id of the NIC frames */
    int trap;         /* trap plumbing, else panic() plumbing */
    int kext_caller;  /* the kext calls panic() itself (its message is the site) */
    int nmi;          /* an NMIPI backtrace: no panic plumbing, it begins in interrupt entry */
    int frameless;    /* an Intel trap in the kernel with no named frame: 1 with R8 = RIP - 0x1d
                         (10.11's invalid opcode), 2 with R8 = RIP + 0x1e2ac and kext frames no
                         listed kext covers (10.10.3's, cut before them in some copies) */
};

static const struct bug bugs[] = {
    { "gpf-foonic", "Kernel trap at 0x%016llx, type 13=general protection, registers:", B_NIC,
      "com.example.driver.FooNIC", 1, 0, 0, 0 },
    { "pf-foonic", "Kernel trap at 0x%016llx, type 14=page fault, registers:", B_NIC,
      "com.example.driver.FooNIC", 1, 0, 0, 0 },
    { "gpf-barnic", "Kernel trap at 0x%016llx, type 13=general protection, registers:", B_NIC,
      "com.example.driver.BarNIC", 1, 0, 0, 0 },
    { "assert-usecount",
      "\"assertion failed: so->so_usecount > 0, file: /SWE/xnu/bsd/kern/uipc_socket.c, line: "
      "%d\"@uipc_socket.c:%d",
      B_SOCK, NULL, 0, 0, 0, 0 },
    { "assert-flags",
      "\"assertion failed: so->so_flags & SOF_PCBCLEARING, file: /SWE/xnu/bsd/kern/uipc_socket.c, "
      "line: %d\"@uipc_socket.c:%d",
      B_SOCK, NULL, 0, 0, 0, 0 },
    { "wd-windowserver",
      "userspace watchdog timeout: no successful checkins from WindowServer (2 induced crashes) in "
      "%d seconds\nservice: logd, total successful checkins since load (1210 seconds ago): 122",
      B_NONE, NULL, 0, 0, 0, 0 },
    { "wd-logd",
      "userspace watchdog timeout: no successful checkins from logd (1 induced crashes) in %d "
      "seconds\nservice: WindowServer, total successful checkins since load (1210 seconds ago): "
      "101",
      B_NONE, NULL, 0, 0, 0, 0 },
    { "zone-leak-a",
      "zone map exhausted while allocating from zone [data.kalloc.%d], likely due to memory leak "
      "in zone [kalloc.type.var2.64] (6G, 1234567 elements allocated)",
      B_NONE, NULL, 0, 0, 0, 0 },
    { "zone-leak-b",
      "zone map exhausted while allocating from zone [data.kalloc.%d], likely due to memory leak "
      "in zone [iokit.IOCommandGate] (6G, 1234567 elements allocated)",
      B_NONE, NULL, 0, 0, 0, 0 },
    /* a machine check prints its registers inside the message: they never key it */
    { "mce",
      "\"Machine Check at 0x%1$016llx, registers:\\n\" \"CR0: 0x000000008001003b, CR2: "
      "0x%1$016llx, CR3: 0x%1$016llx\\n\"",
      B_NONE, NULL, 0, 0, 0, 0 },
    /* a fully named KASAN-kernel backtrace whose functions are far over 4 KiB */
    { "pf-state", "\"pf_test: bad state %d\"@/SWE/xnu/bsd/net/pf.c:%d", B_TCP, NULL, 0, 0, 0, 0 },
    { "busy-ioresources", "busy timeout[%d], (60s): 'IOResources'", B_NONE, NULL, 0, 0, 0, 0 },
    { "zalloc-retry", "zalloc: default.kalloc.4096 (%d elements) retry fail 6", B_NONE, NULL, 0, 0,
      0, 0 },
    /* a driver's own panic(): one cluster with and without keepsyms, whatever the spelling's
     * case (osxfuse: / OSXFUSE:); another message of the same kext is another bug */
    { "kext-clock", "itlwm: mac clock not ready", B_NIC, "com.zxystd.itlwm", 0, 1, 0, 0 },
    { "kext-locks", "itlwm: nic locks counter %d", B_NIC, "com.zxystd.itlwm", 0, 1, 0, 0 },
    /* kalloc_type's heap numbers change with the build; the size class does not */
    { "zone-dfree-32",
      "zfree_drop: double free of 0xffffff8b796d4b80 to zone kalloc.type.var%d.32 @zalloc.c:815",
      B_NONE, NULL, 0, 0, 0, 0 },
    { "zone-dfree-64",
      "zfree_drop: double free of 0xffffff8b796d4b80 to zone kalloc.type.var%d.64 @zalloc.c:815",
      B_NONE, NULL, 0, 0, 0, 0 },
    { "slab-uaf",
      "slab_nextptr_panic: mcache.mbuf buffer 0x%1$016llx in slab 0x%1$016llx modified after free "
      "at offset 0: 0x0 out of bounds",
      B_NONE, NULL, 0, 0, 0, 0 },
    /* spinlock timeouts caught under interrupt entry: the interrupted code is the bug (a
     * kext's timer logging through IOLog, a workqueue QoS change), never the entry frames
     * or the lock spin under them that every such backtrace begins with */
    { "nmipi-iolog",
      "NMIPI for spinlock acquisition timeout, spinlock: 0x%1$016llx, spinlock owner: 0x%1$016llx, "
      "current_thread: 0x%1$016llx, spinlock_owner_cpu: 0x1",
      B_IRQ_LOG, "com.example.driver.FooTimer", 0, 0, 1, 0 },
    { "nmipi-qos",
      "NMIPI for spinlock acquisition timeout, spinlock: 0x%1$016llx, spinlock owner: 0x%1$016llx, "
      "current_thread: 0x%1$016llx, spinlock_owner_cpu: 0x1",
      B_IRQ_QOS, NULL, 0, 0, 1, 0 },
    { "spin-iolog",
      "Spinlock acquisition timed out: lock=0x%1$016llx, lock owner thread=0x%1$016llx, "
      "current_thread: 0x%1$016llx, lock owner active on CPU 0x1",
      B_IRQ_LOG, "com.example.driver.FooTimer", 0, 0, 0, 0 },
    { "spin-qos",
      "Spinlock acquisition timed out: lock=0x%1$016llx, lock owner thread=0x%1$016llx, "
      "current_thread: 0x%1$016llx, lock owner active on CPU 0x1",
      B_IRQ_QOS, NULL, 0, 0, 0, 0 },
    /* frameless traps in the kernel: keyed on what the slide does not move (a register near
     * the faulting pc), never "somewhere in the kernel", which joined both */
    { "trap-r8-entry", "Kernel trap at 0x%016llx, type 6=invalid opcode, registers:", B_NONE, NULL,
      0, 0, 0, 1 },
    { "trap-r8-far", "Kernel trap at 0x%016llx, type 6=invalid opcode, registers:", B_NONE, NULL, 0,
      0, 0, 2 },
};

/* interrupt entry variants, innermost first: with or without the NMI handler and the local
 * APIC's, the lock spin inside or below the entry */
static const struct fr irq_entry[3][6] = {
    { { "mach_kernel", "_interrupt", 0x1a5 },
      { "mach_kernel", "_hndl_allintrs", 0x11f },
      { NULL, NULL, 0 } },
    { { "mach_kernel", "_NMIInterruptHandler", 0x2b4 },
      { "mach_kernel", "_lapic_interrupt", 0x7d },
      { "mach_kernel", "_interrupt", 0x1a5 },
      { "mach_kernel", "_hndl_allintrs", 0x11f },
      { NULL, NULL, 0 } },
    { { "mach_kernel", "_hw_lock_to", 0x4e },
      { "mach_kernel", "_lapic_interrupt", 0x7d },
      { "mach_kernel", "_interrupt", 0x1a5 },
      { "mach_kernel", "_hndl_allintrs", 0x11f },
      { "mach_kernel", "_return_to_iret", 0x0 },
      { NULL, NULL, 0 } },
};
/* each kernel function of the interrupt bodies at its own place (one name, one address) */
static uint64_t
irq_place(const char *sym)
{
    static const char *const order[] = { "_interrupt",
                                         "_hndl_allintrs",
                                         "_NMIInterruptHandler",
                                         "_lapic_interrupt",
                                         "_hw_lock_to",
                                         "_return_to_iret",
                                         "_lck_spin_lock",
                                         "_usimple_lock",
                                         "_IOLogv",
                                         "_IOLog",
                                         "_workq_thread_set_max_qos",
                                         "_workq_kernreturn",
                                         "_unix_syscall64",
                                         "__ZN18IOTimerEventSource15timeoutSignaledEPvS0_",
                                         NULL };
    uint64_t k;

    for (k = 0; order[k] && strcmp(order[k], sym); k++)
        ;
    return 0xb0000 + 0x1000 * k;
}
#define NBUGS (sizeof(bugs) / sizeof(bugs[0]))
#define NVARIANTS 25

struct variant {
    uint64_t slide, kext_base;
    const char *build, *kver, *kuuid, *kext_ver, *kext_uuid;
    int format; /* 0 legacy, 1 JSON-wrapped, 2 .ips, 3 gzip, 4 CRLF, 5 binary plist,
                   6 UTF-16LE with BOM, 7 UTF-16BE without */
    int plumbing, cut_tail, line;
    int start_only; /* 1: kext lines without ->END; 2: and a start-only dependency just
                       below the kernel's text (it must not swallow the kernel) */
    int stripped;   /* no keepsyms: the frames without names (learned from the others) */
    int upcase;     /* a kext's message prefix in capitals (an older build's spelling) */
    int no_slide;   /* an excerpt without its slide lines */
    unsigned drift; /* another build of the same code: every function offset moved */
};

static int stripped;   /* the report being written has no keepsyms names */
static unsigned drift; /* and its offsets moved by this much */

static void
frame(struct buf *b, uint64_t *fp, uint64_t addr, const struct fr *f)
{
    if (stripped)
        buf_addf(b, "0x%016" PRIx64 " : 0x%016" PRIx64 "\n", *fp, addr + drift);
    else
        buf_addf(b, "0x%016" PRIx64 " : 0x%016" PRIx64 " %s : %s + 0x%x\n", *fp, addr + drift,
                 f->module, f->sym, f->off + drift);
    *fp += 0x40;
}

/* a frameless trap's register dump and raw frames (the faulting pc: rip) */
static void
frameless_trap(struct buf *b, const struct bug *bg, const struct variant *v, uint64_t kb,
               uint64_t rip, uint64_t *fp)
{
    uint64_t r8 = bg->frameless == 1 ? rip - 0x1d : rip + 0x1e2ac,
             heap = 0xffffff9138000000ull + (uint64_t)v->line * 0x40;
    size_t i, n = v->cut_tail ? 2 : 3;

    buf_addf(b, "CR0: 0x0000000080010033, CR2: 0x00007000000935b8, CR3: 0x0000000022e8e000, CR4: "
                "0x00000000001627e0\n");
    buf_addf(b,
             "RAX: 0x%016" PRIx64
             ", RBX: 0x0000000000000004, RCX: 0x0000000000000001, RDX: 0x%016" PRIx64 "\n",
             bg->frameless == 1 ? *fp + 0x350 : 0, (uint64_t)v->line);
    buf_addf(b,
             "RSP: 0x%016" PRIx64 ", RBP: 0x%016" PRIx64
             ", RSI: 0x0000000000000000, RDI: 0x000000017210a000\n",
             *fp + 0x350, *fp + 0x360);
    buf_addf(b,
             "R8:  0x%016" PRIx64
             ", R9:  0x000000017210a000, R10: 0x0000000000000000, R11: 0x0000000000000000\n",
             r8);
    buf_addf(b,
             "R12: 0x0000000000000004, R13: 0x%016" PRIx64
             ", R14: 0x0000000000000000, R15: 0x0000000000000000\n",
             heap);
    buf_addf(b,
             "RFL: 0x0000000000010082, RIP: 0x%016" PRIx64
             ", CS:  0x0000000000000008, SS:  0x0000000000000000\n",
             rip);
    buf_addf(
        b,
        "Fault CR2: 0x00007000000935b8, Error code: 0x0000000000000000, Fault CPU: 0x0, PL: 2\n");
    buf_addf(b, "Backtrace (CPU %d), Frame : Return Address\n", v->line % 8);
    for (i = 0; i < n; i++, *fp += 0x40) /* the kernel's, never named */
        buf_addf(b, "0x%016" PRIx64 " : 0x%016" PRIx64 "\n", *fp,
                 kb + (bg->frameless == 1 ? 0xe0000 : 0xf0000) + 0x1000 * i + 0x77 + drift);
    for (i = 0; bg->frameless == 2 && !v->cut_tail && i < 2;
         i++, *fp += 0x40) /* a kext the report does not list */
        buf_addf(b, "0x%016" PRIx64 " : 0x%016" PRIx64 "\n", *fp,
                 v->kext_base + 0x40000 + 0x300 * i + 0x8d + drift);
}

/* the report's "Kernel Extensions in backtrace" lines */
static void
kext_lines(struct buf *b, const struct bug *bg, const struct variant *v, uint64_t kb)
{
    uint64_t ka = v->kext_base;

    buf_adds(b, "      Kernel Extensions in backtrace:\n");
    if (bg->kext && v->start_only)
        buf_addf(b, "         %s(%s)[%s]@0x%016" PRIx64 "\n", bg->kext, v->kext_ver, v->kext_uuid,
                 ka);
    else if (bg->kext)
        buf_addf(b, "         %s(%s)[%s]@0x%016" PRIx64 "->0x%016" PRIx64 "\n", bg->kext,
                 v->kext_ver, v->kext_uuid, ka, ka + 0xbfff);
    if (v->start_only)
        buf_addf(b,
                 "         "
                 "com.example.TrapHook(1.2.0)[11111111-2222-3333-4444-555555555555]@0x%016" PRIx64
                 "\n",
                 (uint64_t)(0xffffff7f9a300000ull + v->slide));
    else
        buf_addf(b,
                 "         "
                 "com.example.TrapHook(1.2.0)[11111111-2222-3333-4444-555555555555]@0x%016" PRIx64
                 "->0x%016" PRIx64 "\n",
                 (uint64_t)(0xffffff7f9a300000ull + v->slide),
                 (uint64_t)(0xffffff7f9a30ffffull + v->slide));
    if (v->start_only == 2)
        buf_addf(
            b,
            "            dependency: "
            "com.apple.iokit.IOPCIFamily(2.9)[0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9]@0x%016" PRIx64
            "\n",
            kb - 0x80000);
}

static char *
report_text(const struct bug *bg, const struct variant *v)
{
    struct buf b = BUF_INIT, m = BUF_INIT;
    uint64_t kb = 0xffffff8000200000ull + v->slide, fp = 0xffffffb0a3c5b000ull, ka = v->kext_base;
    const struct fr *pl;
    size_t i;
    struct fr nic[] = {
        { "mach_kernel", "_lck_mtx_lock", 0x12 },
        { bg->kext, "__ZN6FooNIC10txCompleteEj", 0x2c4 },
        { bg->kext, "__ZN6FooNIC10timerFiredEP18IOTimerEventSource", 0x51 },
        { "mach_kernel", "__ZN18IOTimerEventSource15timeoutSignaledEPvS0_", 0x80 },
        { "mach_kernel", "__ZN10IOWorkLoop10threadMainEv", 0x2ac },
        { "mach_kernel", "_call_continuation", 0x2e },
    };
    struct fr sock[] = {
        { "mach_kernel", "_sofreelastref", 0x1fd },  { "mach_kernel", "_soclose_locked", 0x1b2 },
        { "mach_kernel", "_soclose", 0x9e },         { "mach_kernel", "_closef_locked", 0x1c1 },
        { "mach_kernel", "_close_nocancel", 0x2e1 }, { "mach_kernel", "_unix_syscall64", 0x2ab },
    };
    struct fr tcp[] = {
        { "mach_kernel", "_tcp_output", 0xa858 }, { "mach_kernel", "_pf_send_tcp", 0x1215 },
        { "mach_kernel", "_pfioctl", 0x246a },    { "mach_kernel", "_spec_ioctl", 0x1c3 },
        { "mach_kernel", "_VNOP_IOCTL", 0x1ad },  { "mach_kernel", "_unix_syscall64", 0x2ab },
    };
    struct fr irq_log[] = {
        { "mach_kernel", "_hw_lock_to", 0x4e },
        { "mach_kernel", "_lck_spin_lock", 0x21 },
        { "mach_kernel", "_IOLogv", 0x9c },
        { "mach_kernel", "_IOLog", 0x7b },
        { bg->kext, "__ZN8FooTimer10timerFiredEP18IOTimerEventSource", 0x3d },
        { "mach_kernel", "__ZN18IOTimerEventSource15timeoutSignaledEPvS0_", 0x80 },
    };
    struct fr irq_qos[] = {
        { "mach_kernel", "_hw_lock_to", 0x4e },
        { "mach_kernel", "_usimple_lock", 0x33 },
        { "mach_kernel", "_workq_thread_set_max_qos", 0x15c },
        { "mach_kernel", "_workq_kernreturn", 0x2e9 },
        { "mach_kernel", "_unix_syscall64", 0x2ab },
        { "mach_kernel", "_unix_syscall64", 0x2ab },
    };
    const struct fr *body = bg->body == B_NIC       ? nic
                            : bg->body == B_SOCK    ? sock
                            : bg->body == B_TCP     ? tcp
                            : bg->body == B_IRQ_LOG ? irq_log
                            : bg->body == B_IRQ_QOS ? irq_qos
                                                    : NULL;
    int irq = bg->body == B_IRQ_LOG || bg->body == B_IRQ_QOS;
    size_t nbody = bg->body == B_NONE ? 0 : (v->cut_tail ? 3 : 6);

    stripped = v->stripped;
    drift = v->drift;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    if (bg->frameless) /* the faulting pc, in the kernel */
        buf_addf(&m, bg->msg,
                 (unsigned long long)(kb + (bg->frameless == 1 ? 0x1b38ad : 0x125f4) + drift));
    else if (strstr(bg->msg, "llx")) /* formats of the table: an address, or line numbers */
        buf_addf(&m, bg->msg, (unsigned long long)(ka + 0x4a10));
    else if (strstr(bg->msg, "line: %d"))
        buf_addf(&m, bg->msg, v->line, v->line);
    else
        buf_addf(&m, bg->msg, v->line);
#pragma GCC diagnostic pop
    if (v->upcase && bg->kext_caller)
        for (i = 0; i < m.len && m.data[i] != ':'; i++)
            m.data[i] = (char)toupper((unsigned char)m.data[i]);
    buf_addf(&b, "panic(cpu %d caller 0x%016" PRIx64 "): %s\n", v->line % 8,
             bg->kext_caller ? ka + 0x2000 + 0x100 + nic[1].off + v->drift : kb + 0x3a1f6b, m.data);
    if (bg->frameless)
        frameless_trap(&b, bg, v, kb, kb + (bg->frameless == 1 ? 0x1b38ad : 0x125f4) + drift, &fp);
    else
        buf_addf(&b, "Backtrace (CPU %d), Frame : Return Address\n", v->line % 8);
    pl = bg->trap ? trap_plumbing[v->plumbing % 3] : panic_plumbing[v->plumbing % 2];
    if (bg->nmi)
        ; /* NMIInterruptHandler prints the interrupted CPU's frames, no panic() path */
    else if (bg->body != B_NONE || bg->trap)
        for (i = 0; pl[i].sym; i++)
            frame(&b, &fp,
                  strcmp(pl[i].module, "mach_kernel")
                      ? 0xffffff7f9a300000ull + v->slide + 0x1000 + i
                      : kb + 0x1000 * (i + 1) + pl[i].off,
                  &pl[i]);
    else if (bg->frameless)
        ;
    else /* watchdog and zone panics: the same plumbing, a watchdog kext path */
        for (i = 0; panic_plumbing[0][i].sym; i++)
            frame(&b, &fp, kb + 0x1000 * (i + 1), &panic_plumbing[0][i]);
    if (irq)
        for (i = 0; irq_entry[v->plumbing % 3][i].sym; i++)
            frame(&b, &fp,
                  kb + irq_place(irq_entry[v->plumbing % 3][i].sym) +
                      irq_entry[v->plumbing % 3][i].off,
                  &irq_entry[v->plumbing % 3][i]);
    for (i = 0; i < nbody; i++)
        frame(&b, &fp,
              strcmp(body[i].module, "mach_kernel") ? ka + 0x2000 + 0x100 * i + body[i].off
              : irq                                 ? kb + irq_place(body[i].sym) + body[i].off
                                                    : kb + 0x90000 + 0x1000 * i + body[i].off,
              &body[i]);
    kext_lines(&b, bg, v, kb);
    buf_addf(&b, "\nProcess name corresponding to current thread (0xffffff86b4c1e540): proc%d\n",
             v->line);
    buf_addf(&b, "\nMac OS version:\n%s\n\nKernel version:\n%s\nKernel UUID: %s\n", v->build,
             v->kver, v->kuuid);
    if (!v->no_slide)
        buf_addf(&b, "Kernel slide:      0x%016" PRIx64 "\nKernel text base:  0x%016" PRIx64 "\n",
                 v->slide, kb);
    buf_release(&m);
    return buf_detach(&b, NULL);
}

/* the report as a file of format v->format */
static char *
as_format(const char *text, int format, size_t *n)
{
    struct buf b = BUF_INIT;
    const char *p;

    switch (format) {
    case 1: /* JSON-wrapped */
    case 2: /* .ips */
        buf_adds(&b, "{\"bug_type\":\"210\",\"timestamp\":\"2025-03-04 02:11:09.00 "
                     "+0000\",\"os_version\":\"macOS\"}\n");
        buf_adds(&b, format == 1 ? "{\"macOSProcessedStackshotData\":\"AA\",\"macOSPanicString\":\""
                                 : "{\n  \"product\" : \"Mac\",\n  \"panicString\" : \"");
        for (p = text; *p; p++) {
            if (*p == '\n')
                buf_adds(&b, "\\n");
            else if (*p == '"' || *p == '\\')
                buf_addc(&b, '\\'), buf_addc(&b, *p);
            else if (*p == '/')
                buf_adds(&b, "\\/");
            else
                buf_addc(&b, *p);
        }
        buf_adds(&b, format == 1 ? "\"}\n" : "\"\n}\n");
        return buf_detach(&b, n);
    case 3: { /* gzip */
        z_stream z;
        size_t len = strlen(text), cap = len + 1024;
        unsigned char *o = xmalloc(cap);

        memset(&z, 0, sizeof(z));
        deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (unsigned char *)(uintptr_t)text;
        z.avail_in = (uInt)len;
        z.next_out = o;
        z.avail_out = (uInt)cap;
        deflate(&z, Z_FINISH);
        *n = z.total_out;
        deflateEnd(&z);
        return (char *)o;
    }
    case 5: { /* a binary property list: {panicString: text}, written by hand */
        size_t len = strlen(text), o1, o2, ot, i;
        unsigned char be4[4];

        buf_add(&b, "bplist00", 8);
        buf_add(&b, "\xd1\x01\x02", 3); /* object 0: a dict of one pair, refs 1 and 2 */
        o1 = b.len;
        buf_add(&b, "\x5bpanicString", 12);
        o2 = b.len;
        buf_add(&b, "\x5f\x12", 2); /* an ASCII string, its length as a 4-byte int */
        be4[0] = (unsigned char)(len >> 24), be4[1] = (unsigned char)(len >> 16);
        be4[2] = (unsigned char)(len >> 8), be4[3] = (unsigned char)len;
        buf_add(&b, be4, 4);
        buf_add(&b, text, len);
        ot = b.len;
        buf_addc(&b, 8), buf_addc(&b, (char)o1), buf_addc(&b, (char)o2); /* 1-byte offsets */
        buf_add(&b, "\0\0\0\0\0\0\x01\x01", 8);
        buf_add(&b, "\0\0\0\0\0\0\0\x03", 8); /* 3 objects */
        buf_add(&b, "\0\0\0\0\0\0\0\0", 8);   /* top: object 0 */
        for (i = 0; i < 8; i++)               /* the offset table's offset, 8 bytes big-endian */
            buf_addc(&b, (char)(ot >> (56 - 8 * i)));
        return buf_detach(&b, n);
    }
    case 6: /* UTF-16LE with a BOM */
    case 7: /* UTF-16BE without */
        if (format == 6)
            buf_add(&b, "\xff\xfe", 2);
        for (p = text; *p; p++) {
            if (format == 6)
                buf_addc(&b, *p), buf_addc(&b, '\0');
            else
                buf_addc(&b, '\0'), buf_addc(&b, *p);
        }
        return buf_detach(&b, n);
    case 4: /* CRLF */
        for (p = text; *p; p++) {
            if (*p == '\n')
                buf_addc(&b, '\r');
            buf_addc(&b, *p);
        }
        return buf_detach(&b, n);
    default: buf_adds(&b, text); return buf_detach(&b, n);
    }
}

static void
test_fleet(void **state)
{
    static const struct variant base = { 0x1c00000,
                                         0xffffff7f83bfc000ull,
                                         "21G83",
                                         "Darwin Kernel Version 21.6.0: Wed Aug 10 14:25:27 PDT "
                                         "2022; root:xnu-8020.141.5~2/RELEASE_X86_64",
                                         "D0DC2052-71F4-3DCB-B189-BEE5A59B3B42",
                                         "3.1.4",
                                         "5E0C1F7A-2B44-3C11-9A3E-0D6B7F21A9C4",
                                         0,
                                         0,
                                         0,
                                         4219,
                                         0,
                                         0,
                                         0,
                                         0,
                                         0 };
    struct clu_rules *c = clu_rules_new();
    /* symbolication on (names are learned across the fleet), no KDK: a root that is not there */
    static const char *const roots[] = { "/nonexistent/kptrace-batch-test/KDKs" };
    struct sym_opts so = { 0 };
    struct sym_ctx *s;
    struct kpt_limits lim;
    const char **keys = NULL, **labels = NULL;
    size_t n = 0, cap = 0, b, v, i, nclusters = 0, frames_right = 0;
    static char *files[NBUGS][NVARIANTS];
    static size_t lens[NBUGS][NVARIANTS];
    static int was_stripped[NVARIANTS];
    double p, r;

    (void)state;
    so.enabled = 1;
    so.no_cache = 1;
    so.roots = roots;
    so.nroots = 1;
    s = sym_ctx_new(&so, NULL);
    kpt_limits_default(&lim);
    /* the fleet's files */
    for (b = 0; b < NBUGS; b++) {
        for (v = 0; v < NVARIANTS; v++) {
            struct variant x = base;
            char *text;

            switch (v) { /* one dimension at a time, then mixtures */
            case 1:
                x.slide = 0x2e800000;
                x.kext_base = 0xffffff7f90a31000ull;
                break;
            case 2:
                x.build = "21H1320";
                x.kuuid = "3C587984-4004-3C76-8ADF-997822977184";
                x.kver = "Darwin Kernel Version 21.6.0: Mon Jun 24 00:56:10 PDT 2024; "
                         "root:xnu-8020.240.18.709.2~1/RELEASE_X86_64";
                break;
            case 3:
                x.kext_ver = "3.1.5";
                x.kext_uuid = "6F1D2A8B-3C55-4D22-AB4F-1E7C8032BAD5";
                break;
            case 4: x.format = 1; break;
            case 5: x.format = 2; break;
            case 6: x.format = 3; break;
            case 7: x.format = 4; break;
            case 8: x.plumbing = 1; break;
            case 9: x.plumbing = 2; break;
            case 10: x.cut_tail = 1; break;
            case 11: x.line = 4231; break;
            case 12:
                x.slide = 0x8e00000;
                x.plumbing = 2;
                x.format = 2;
                x.cut_tail = 1;
                x.build = "21H1320";
                break;
            case 13:
                x.kext_base = 0xffffff7f81000000ull;
                x.plumbing = 1;
                x.format = 3;
                x.line = 77;
                x.kext_ver = "3.1.5";
                break;
            case 14: x.start_only = 1; break;
            case 15:
                x.start_only = 2;
                x.slide = 0x2e800000;
                x.format = 2;
                break;
            case 16:
                x.start_only = 1;
                x.kext_base = 0xffffff8000200000ull + x.slide + 0x1000000;
                break;                      /* above the kernel */
            case 17: x.stripped = 1; break; /* machines without keepsyms */
            case 19: x.format = 5; break;
            case 20: x.format = 6; break;
            case 21:
                x.format = 7;
                x.slide = 0x2e800000;
                x.plumbing = 1;
                break;
            case 22:
                x.upcase = 1;
                x.stripped = 1;
                x.kext_ver = "3.1.5";
                x.kext_uuid = "6F1D2A8B-3C55-4D22-AB4F-1E7C8032BAD5";
                x.build = "21H1320";
                break;
            case 23:
                x.no_slide = 1;
                x.format = 2;
                break;
            case 24:
                x.drift = 0x24;
                x.build = "21H1320";
                x.kuuid = "3C587984-4004-3C76-8ADF-997822977184";
                break;
            case 18:
                x.stripped = 1;
                x.slide = 0x2e800000;
                x.kext_base = 0xffffff7f90a31000ull;
                x.format = 2;
                break;
            default: break;
            }
            was_stripped[v] = x.stripped;
            text = report_text(&bugs[b], &x);
            files[b][v] = as_format(text, x.format, &lens[b][v]);
            free(text);
        }
    }
    /* pass 1: what the reports print, learned across the fleet */
    for (b = 0; b < NBUGS; b++)
        for (v = 0; v < NVARIANTS; v++) {
            struct arena *a = arena_new(65536);
            struct kpt_report rep;

            kpt_report_init(&rep, a, bugs[b].label);
            assert_int_equal(ing_parse(files[b][v], lens[b][v], &lim, a, &rep), 0);
            sym_collect(s, a, &rep);
            arena_free(a);
        }
    sym_run(s, NULL);
    assert_int_equal(sym_ctx_stats(s)->learned_conflicts, 0);
    for (b = 0; b < NBUGS; b++) {
        for (v = 0; v < NVARIANTS; v++) {
            struct arena *a = arena_new(65536);
            struct kpt_report rep;

            kpt_report_init(&rep, a, bugs[b].label);
            assert_int_equal(ing_parse(files[b][v], lens[b][v], &lim, a, &rep), 0);
            sym_resolve(s, a, &rep);
            clu_sign(c, a, &rep);
            /* every frame placed in the module that printed it (the kernel, or the kext) */
            {
                size_t k, right = 1;

                for (k = 0; k < rep.nframes && !was_stripped[v]; k++) {
                    const struct kpt_frame *f = &rep.frames[k];
                    const char *want;

                    if (!f->sym_module)
                        continue; /* a frameless trap's raw frames: none printed a module */
                    want = strcmp(f->sym_module, "mach_kernel") ? f->sym_module : "kernel";
                    if (!f->module || strcmp(f->module, want)) {
                        right = 0;
                        print_message("# %s v%zu: frame %zu placed in %s, printed by %s\n",
                                      bugs[b].label, v, k, f->module ? f->module : "nothing",
                                      f->sym_module);
                    }
                }
                frames_right += right;
            }
            VEC_GROW(keys, n + 1, cap);
            labels = xrealloc(labels, st_mult(cap, sizeof(*labels)));
            keys[n] = xstrdup(rep.sig_id);
            labels[n] = bugs[b].label;
            if (v == 0 || v == 17)
                printf("# %-16s %s  %s\n", bugs[b].label, rep.sig_id, rep.signature);
            n++;
            free(files[b][v]);
            arena_free(a);
        }
    }
    tl_bcubed(keys, labels, n, &p, &r);
    for (i = 0; i < n; i++) {
        size_t j;
        int first = 1;

        for (j = 0; j < i; j++)
            if (!strcmp(keys[i], keys[j]))
                first = 0;
        nclusters += (size_t)first;
    }
    printf("# invariance fleet: %zu reports, %zu bugs, %zu clusters; BCubed P=%.4f R=%.4f F=%.4f; "
           "frames right in %zu of %zu reports\n",
           n, (size_t)NBUGS, nclusters, p, r, 2 * p * r / (p + r), frames_right, n);
    assert_int_equal(frames_right, n);
    assert_true(p == 1.0);
    assert_true(r == 1.0);
    for (i = 0; i < n; i++)
        free((char *)keys[i]);
    free(keys);
    free(labels);
    sym_ctx_free(s);
    clu_rules_free(c);
}

/* the scorer itself: a known contingency table */
static void
test_scorer(void **state)
{
    const char *key[] = { "a", "a", "a", "b", "b" }, *label[] = { "x", "x", "y", "y", "y" };
    double p, r;

    (void)state;
    tl_bcubed(key, label, 5, &p, &r);
    /* P = (2/3*2 + 1/3 + 1 + 1) / 5 = 0.7333..., R = (1 + 1 + 1/3 + 2/3*2) / 5 = 0.7333... */
    assert_true(p > 0.7333 && p < 0.7334);
    assert_true(r > 0.7333 && r < 0.7334);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scorer),
        cmocka_unit_test(test_fleet),
    };

    return cmocka_run_group_tests_name("invariance", tests, NULL, NULL);
}
