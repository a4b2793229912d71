/*
 * model.h - the one record that carries a report between the stages.
 *
 * ingest/ fills the parse fields, symbolicate/ fills each frame's module, offset and
 * function, cluster/ fills the signature fields; report/ only reads. Every string and array
 * lives in the report's arena (borrowed by every stage); a stage that keeps something past
 * the report copies it. Strings are NUL-terminated, may hold any bytes but NUL (they come
 * from untrusted input) and are NULL when the report did not say.
 */
#ifndef KPT_MODEL_H
#define KPT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/strv.h"

#define KPT_VERSION "0.1.0"

/* Limits on untrusted input (FORMATS.md §8); the run's values are in struct kpt_limits. */
#define KPT_MAX_FILE_BYTES (64u << 20)                  /* decompressed size of one input */
#define KPT_MAX_LINE_BYTES (1u << 20)                   /* one line of text */
#define KPT_MAX_FRAMES 4096u                            /* backtrace frames kept per report */
#define KPT_MAX_KEXTS 512u                              /* kext lines kept per report (each list) */
#define KPT_MAX_MESSAGE_BYTES (64u << 10)               /* panic message kept per report */
#define KPT_MAX_MODULE_NAME 255u                        /* a bundle id or module name */
#define KPT_MAX_SYMBOL_NAME 1024u                       /* a symbol a report prints (mangled) */
#define KPT_HIST_COMPOSED_MAX (KPT_MAX_SYMBOL_NAME * 4) /* a histogram value made of several */
#define KPT_MAX_FUNCTION_NAME 4096u                     /* a demangled function name */
#define KPT_MAX_FILE_NAME 255u                          /* a source file's base name (lldb) */
/* a stackshot (STACKSHOTS.md): what one report's processByPid and binaryImages keep */
#define KPT_MAX_SS_PROCS 8192u           /* processes */
#define KPT_MAX_SS_THREADS 65536u        /* threads, over all processes */
#define KPT_MAX_SS_FRAMES 256u           /* kernel frames of one thread */
#define KPT_MAX_SS_ALL_FRAMES (1u << 20) /* kernel frames, over all threads */
#define KPT_MAX_SS_IMAGES 16384u         /* binaryImages entries */
#define KPT_MAX_SS_INFO 1024u            /* turnstileInfo and waitInfo lines of one process */
#define KPT_MAX_SS_DEPTH 64u             /* JSON nesting inside the stackshot */
#define KPT_MAX_HANG_CHAIN 16u           /* turnstile hops followed */

#define KPT_MAX_ARCHIVE_BYTES ((size_t)4 << 30) /* decompressed, one archive in all */
#define KPT_MAX_MEMBERS 100000u                 /* regular members of one archive */
#define KPT_MAX_ARCHIVE_DEPTH 3                 /* an archive, and two levels inside it */

struct kpt_limits {
    size_t max_file_bytes, max_line_bytes, max_frames, max_kexts;
    size_t max_archive_bytes, max_members;
};
void kpt_limits_default(struct kpt_limits *l);

enum kpt_format {
    KPT_FMT_NONE = 0,
    KPT_FMT_INTEL_TEXT, /* legacy Intel .panic file or panic-dialog text (kind A) */
    KPT_FMT_JSON_PANIC, /* JSON-wrapped Intel .panic, macOSPanicString (kind B) */
    KPT_FMT_IPS,        /* .ips bug_type 210 (kind C) */
    KPT_FMT_ARM64_TEXT, /* arm64 panic text (kind D) */
    KPT_FMT_PLIST,      /* XML property list holding panic text (kind E) */
};
const char *kpt_format_name(enum kpt_format f);

enum kpt_arch { KPT_ARCH_UNKNOWN = 0, KPT_ARCH_X86_64, KPT_ARCH_ARM64 };
const char *kpt_arch_name(enum kpt_arch a);

/* skipped: recognisably another kind of input than a kernel panic (a crash or spin report,
 * an .ips of another bug_type, a .DS_Store, an archive's own row); listed, never a failure,
 * never signed nor recorded in a history */
enum kpt_status { KPT_ST_OK = 0, KPT_ST_PARTIAL, KPT_ST_REJECTED, KPT_ST_SKIPPED };
const char *kpt_status_name(enum kpt_status s);

/* how the report's kernel was found in the catalogue (symbolicate/) */
enum kpt_kdk_match {
    KPT_KDK_UNSET = 0,     /* not symbolicated (rejected) */
    KPT_KDK_OFF,           /* --no-symbolicate */
    KPT_KDK_NONE,          /* no KDK kernel matches */
    KPT_KDK_UUID,          /* by Kernel UUID */
    KPT_KDK_BUILD,         /* by build and kernel variant */
    KPT_KDK_UUID_MISMATCH, /* the build's KDK has another kernel UUID: not used */
};
const char *kpt_kdk_match_name(enum kpt_kdk_match m); /* "uuid", ...; NULL when unset */

/* a T2 Mac's report may hold two panics: bridgeOS's and the Intel host's (FORMATS.md §5.3) */
enum kpt_panic_source {
    KPT_PS_ONE = 0, /* the report holds one panic */
    KPT_PS_HOST,    /* both: signed on the host's, which has a backtrace */
    KPT_PS_BRIDGE,  /* both: signed on bridgeOS's (the host's has no backtrace) */
};
const char *kpt_panic_source_name(enum kpt_panic_source s); /* "host", "bridgeos"; NULL */

/* how much of the signature's frames were named (cluster/, SIGNATURES.md §4.5) */
enum kpt_quality { KPT_Q_UNSET = 0, KPT_Q_OK, KPT_Q_LOWSYM, KPT_Q_NOBT };
const char *kpt_quality_name(enum kpt_quality q); /* "OK", ...; NULL when unset */

/* the module name of a frame in the kernel (kpt_frame.module; in_kernel says it) */
#define KPT_MODULE_KERNEL "kernel"

/* which rule placed a frame's address (symbolicate/), in the order they are tried */
enum kpt_place {
    KPT_PL_NONE = 0,     /* outside every known range */
    KPT_PL_KERNEL_TEXT,  /* inside the matched KDK kernel's executable text */
    KPT_PL_KEXT_RANGE,   /* inside a kext range printed with ->end */
    KPT_PL_KEXT_START,   /* a start-only kext entry, up to the next module start above it */
    KPT_PL_KERNEL_BASE,  /* at or above the kernel's text base, in no kext */
    KPT_PL_IMAGE,        /* a stackshot frame: its image's UUID names the binary */
    KPT_PL_KC_KERNEL,    /* a stackshot frame of the kernel cache, inside the KDK kernel */
    KPT_PL_KC_KEXT,      /* a stackshot frame of the kernel cache, inside a kext of the report */
    KPT_PL_KC,           /* a stackshot frame of the kernel cache, in no known module */
    KPT_PL_KERNEL_SPACE, /* Intel before macOS 11, no slide printed: the kernel's address
                            space (kexts lie below it, at 0xffffff7f........) */
};
const char *kpt_place_name(enum kpt_place p); /* a phrase for --explain and --trace */
/* kpt_culprit_owner() - who ships a culprit bundle: "apple" (com.apple.*), "third-party",
 * or NULL when there is no culprit */
const char *kpt_culprit_owner(const char *culprit);

/* One backtrace frame, top (innermost) first. */
struct kpt_frame {
    uint64_t addr; /* return address as printed */
    uint64_t fp;   /* frame pointer as printed (never used to validate) */
    /* keepsyms, when the report printed a symbol: */
    const char *sym_module; /* as printed: "mach_kernel", a bundle id */
    const char *sym_name;   /* as printed, mangled, leading '_' kept */
    uint64_t sym_off;
    /* filled by symbolicate/: */
    const char *module;   /* "kernel", a bundle id, or NULL outside every known range */
    uint64_t mod_off;     /* offset into module (see symbolicate/sym.h) */
    const char *function; /* demangled function name, or NULL */
    uint64_t func_off;    /* offset into function, when function is set */
    const char *inlined;  /* the inlined callee at this address (lldb), or NULL */
    const char *file;     /* source file base name (lldb), or NULL */
    unsigned line;
    unsigned keepsyms : 1;  /* function is the report's own (a hint), not lldb's */
    unsigned in_kernel : 1; /* placed in the kernel (module is KPT_MODULE_KERNEL) */
    unsigned approx : 1;    /* the report's name, kept far past its symbol (cluster/) */
    unsigned learned : 1;   /* function learned from other reports of the run (keepsyms too) */
    unsigned pc : 1;        /* not a return address: a running stackshot thread's first frame */
    enum kpt_place placed_by;
    /* a stackshot's frame: the image its offset is into (addr is the image's load address
     * plus img_off); NULL for the panicked thread's frames */
    const struct kpt_ss_image *image;
    uint64_t img_off;
};

/* One binaryImages entry of a stackshot: [UUID, load address, kind letter]. */
struct kpt_ss_image {
    uint8_t uuid[16];
    uint64_t load;
    char kind;             /* 'T', 'U', 'K', 'S', 'C', 'P', 'A', or another letter as given */
    unsigned has_uuid : 1; /* a UUID that parsed and is not all zero */
    /* a processed stackshot's (text) kernel image: its offsets count from the image's start,
     * its Mach-O header (__TEXT), not from its __TEXT_EXEC; kind is 'K' */
    unsigned text_off : 1;
    const char *bundle; /* the bundle id its "Binary Images:" line names, or NULL */
    const char *label;  /* text images: the module name when neither a KDK nor the report
                           names the binary: the bundle id, else its UUID; NULL otherwise */
};

/* thread state flags a stackshot lists (others are kept in state_text only) */
enum { KPT_TH_WAIT = 1, KPT_TH_UNINT = 2, KPT_TH_RUN = 4, KPT_TH_SUSP = 8, KPT_TH_IDLE = 16 };

struct kpt_ss_thread {
    uint64_t id;
    const char *name;       /* the thread's name, or NULL */
    unsigned state;         /* KPT_TH_* */
    const char *state_text; /* the flags as listed, joined with ',' */
    uint32_t *fimage;       /* kernel frames: image index and offset, top first */
    uint64_t *foff;
    const char **fsym; /* a processed stackshot's frame names as printed (NULL: none) */
    uint64_t *fsymoff;
    size_t nframes;
    unsigned continuation : 1; /* parked on a continuation (no kernel stack of its own) */
    unsigned cont_frame : 1;   /* its one kernel frame is the continuation it is parked on (a
                                  processed stackshot prints it as a frame) */
    /* a processed stackshot's wait annotation ("blocked by turnstile waiting for X [P]
     * thread 0xT"): what the thread waits on, as the .ips info lines say it */
    unsigned char wait_kind; /* 0: none; 1: thread wait_on; 2: task pid wait_on */
    uint64_t wait_on;
    const char *waits; /* the annotation (after a blank), or NULL */
};

struct kpt_ss_proc {
    int64_t pid;
    const char *name;              /* procname */
    struct kpt_ss_thread *threads; /* by id */
    size_t nthreads;
    const char **turnstile, **wait; /* turnstileInfo, waitInfo lines */
    size_t nturnstile, nwait;
};

/* A report's stackshot, as parsed (only for panics that name a starved party). */
struct kpt_stackshot {
    struct kpt_ss_proc *procs; /* by pid */
    size_t nprocs, nthreads, nframes;
    struct kpt_ss_image *images;
    size_t nimages;
    size_t dropped;     /* processes, threads, frames, images, lines or a thread's state
                         * flags past the limits */
    const char *damage; /* why the stackshot could not be read whole, or NULL */
};

/* The thread that explains a hang (STACKSHOTS.md §4), chosen by ingest/ from the stackshot,
 * its frames filled by symbolicate/, its key by cluster/. */
struct kpt_hang {
    const char *service; /* the starved party the panic string names */
    const char *process; /* the chosen thread's process, or NULL when none was chosen */
    int64_t pid;
    uint64_t thread;
    const char *thread_name, *state;
    const char *why;   /* why this thread; with no thread, why none (the key is empty) */
    const char **walk; /* each step of the choice, for --explain */
    size_t nwalk;
    struct kpt_frame *frames; /* the thread's kernel frames, top first */
    size_t nframes;
    /* filled by cluster/ */
    const char *hang_id;  /* the site's key, 16 hex digits, or NULL */
    const char *site;     /* readable: "item | item" */
    const char *site_why; /* why there is no key, when the thread gave none */
    const char **disp;    /* each token of the site walk and its fate, for --explain */
    size_t ndisp;
};

/* One 'Kernel Extensions in backtrace' line. */
struct kpt_kext {
    const char *id, *version; /* version: free text between the parentheses */
    uint8_t uuid[16];
    unsigned has_uuid : 1, has_end : 1, dependency : 1;
    uint64_t start, end; /* end inclusive, when has_end */
};

/* One 'loaded kexts:' entry (ids expanded from the compressed notation). */
struct kpt_loaded {
    const char *id, *version;
};

enum kpt_slide_key {
    KPT_SL_KERNEL_SLIDE,
    KPT_SL_KERNEL_TEXT_BASE,
    KPT_SL_KC_SLIDE,
    KPT_SL_KC_BASE,
    KPT_SL_TEXT_EXEC_SLIDE,
    KPT_SL_TEXT_EXEC_BASE,
    KPT_SL_HIB_TEXT_BASE,
    KPT_SL_HOST_SLIDE,
    KPT_SL_COUNT
};
const char *kpt_slide_name(enum kpt_slide_key k);

struct kpt_report {
    const char *path; /* the input's path, for display */
    size_t seq;       /* its place among the inputs (0-based), as in the reports outputs */
    enum kpt_format format;
    enum kpt_arch arch;
    enum kpt_status status;
    const char *error; /* rejected: why; partial: what is missing or damaged */
    unsigned truncated : 1, damaged : 1;
    /* flags a report row's JSON shows: bytes, so that kpt_report_scalars can address them */
    unsigned char has_kernel_uuid, has_caller;
    unsigned char excluded; /* left out of the clusters by --since, --until or --build */

    /* identity */
    const char *os_build;       /* e.g. 22G91; validated build token */
    const char *os_version;     /* e.g. "iPhone OS 26.1 (23B85)", when given */
    const char *host_build;     /* T2: the Intel host's build */
    const char *kernel_version; /* the whole "Darwin Kernel Version ..." string */
    const char *xnu;            /* e.g. 8796.141.3 */
    const char *variant;        /* release, development, kasan, debug */
    const char *soc;            /* e.g. t6000, arm64 kernels only */
    uint8_t kernel_uuid[16];
    uint64_t slide[KPT_SL_COUNT];
    unsigned slide_set; /* bit k set: slide[k] was printed */
    const char *model;  /* e.g. MacBookPro8,2 or iPhone14,5 */
    const char *incident;
    /* the same report across runs and copies (--history): "incident:ID" (upper case) when it
     * has an incident id, else "text:" and 32 hex digits of XXH3-128 over its text (after
     * gzip) with CR LF folded to LF and trailing blanks trimmed (ingest/ing_identity.c) */
    const char *identity;

    /* time: seconds since the epoch; 'when_local' when the zone was not given */
    int64_t when;
    unsigned char has_when, when_local;

    /* the panic */
    enum kpt_panic_source panic_source;
    const char *other_panic;  /* T2 with both panics: the message of the one not signed */
    const char *panic_string; /* the message after "panic(cpu N caller 0x...): " */
    const char *src_file;     /* "@path:line" location, when given */
    unsigned src_line;
    int cpu; /* -1 when unknown */
    uint64_t caller;
    const char *process;
    int pid; /* -1 when unknown */
    unsigned nested_count;
    struct kpt_frame fault; /* the faulting pc a trap or abort message names */
    uint64_t fault_data;    /* the data address of a fault: Intel "Fault CR2:", arm64 "far:" */
    unsigned has_fault : 1, has_fault_data : 1;
    /* Intel's general registers as the trap's register dump lists them (RAX RBX RCX RDX RSP
     * RBP RSI RDI R8..R15, in that order); bit i of gpr_mask says gpr[i] was read */
    uint64_t gpr[16];
    uint16_t gpr_mask;
    /* an Intel machine check's "*** MCA Error Report ***" or "Machine-check capabilities"
     * block: "family F model M; banks B1 B2 ..." (the banks whose status is valid), or NULL */
    const char *machine_check;

    struct kpt_frame *frames;
    size_t nframes, frames_dropped;
    struct kpt_kext *kexts;
    size_t nkexts;
    struct kpt_loaded *loaded;
    size_t nloaded, loaded_dropped;
    const char *last_kext;    /* "last loaded/started kext at ..." line, raw */
    struct kpt_stackshot *ss; /* .ips bodies of panics that name a starved party, or NULL */
    struct kpt_hang *hang;    /* the hung thread, when the panic names a starved party */

    /* filled by symbolicate/ */
    const char *kdk; /* the KDK (or kext folder) whose kernel was used, or NULL */
    enum kpt_kdk_match kdk_match;

    /* filled by cluster/ */
    uint64_t sig_key;      /* the primary key */
    const char *sig_id;    /* sig_key as 16 lowercase hex digits */
    const char *signature; /* readable form */
    const char *panic_class;
    const char *culprit;             /* first third-party kext in the walked frames, or NULL */
    const char *panic_template;      /* the cleaned, masked panic message as shown: its lines
                                        kept ('\n' between them) when it has several */
    const char *fields;              /* the class's key fields, "name=value; ..." */
    const char *coarse_id, *fine_id; /* the other keys (SIGNATURES.md §5.1) */
    const char *coarse;              /* readable coarse form: class[...] | culprit */
    enum kpt_quality quality;
    size_t nresolved; /* frames with a function name */
};

/* A histogram: distinct values with counts, most frequent first (ties by value). */
struct kpt_hist_entry {
    char *value;
    size_t count;
    char *example; /* the first example (byte order) of the value, for fields that keep one */
};
struct kpt_hist {
    struct kpt_hist_entry *v;
    size_t n, cap;
    size_t other; /* counts of values past KPT_HIST_MAX distinct ones */
};
#define KPT_HIST_MAX 64
void kpt_hist_add(struct kpt_hist *h, const char *value, size_t count);
/* kpt_hist_add_ex() - and keep 'example' (may be NULL) when it sorts before the value's */
void kpt_hist_add_ex(struct kpt_hist *h, const char *value, size_t count, const char *example);
void kpt_hist_sort(struct kpt_hist *h);
void kpt_hist_release(struct kpt_hist *h);

#define KPT_EXAMPLES 3

/* One cluster, as cluster/ hands it to report/ (owned by the cluster table). */
struct kpt_cluster {
    uint64_t id;
    char *id_hex;    /* 16 lowercase hex digits */
    char *signature; /* readable form */
    char *panic_class;
    char *culprit; /* third-party kext, or NULL */
    char *message; /* the representative's cleaned panic message template */
    size_t count;
    int64_t first_seen, last_seen;
    unsigned char has_seen, seen_local; /* bytes: kpt_cluster_scalars addresses them */
    struct kpt_hist builds, formats, models, processes, archs;
    struct kpt_hist qualities, kext_versions; /* kext_versions: the culprit's */
    struct kpt_hist fine_keys;                /* distinct fine keys (sites, builds) spanned */
    struct kpt_hist hang_sites;            /* "HANG_ID site" of its hang reports, an example each */
    struct kpt_hist hang_services;         /* "HANG_ID service": what each site starved */
    char *coarse_id, *coarse;              /* the coarse key and its readable form */
    char *fields;                          /* the class's key fields */
    size_t *members, nmembers, capmembers; /* reports' seq, when the table keeps them */
    size_t first_seq, culprit_seq;         /* seq of the first member; of the first with a
                                              culprit (SIZE_MAX: none): for merging */
    char *rep_path; /* the representative: the most complete report (most frames, then
                       most named), then the earliest, ties by path */
    size_t rep_frames_all, rep_named; /* its frames and named frames, before any cut */
    int64_t rep_when;                 /* its time; INT64_MAX when it has none */
    char **rep_frames;                /* its frames, top first */
    size_t rep_nframes;
    char *examples[KPT_EXAMPLES]; /* the first paths in byte order */
    size_t nexamples;
};

/* A rejected input, for the summary's list. */
struct kpt_rejected {
    char *path, *why;
};

/* kpt_cluster_release() - a cluster read from a state (readers/), strings and lists owned;
 * never one of a cluster table's, which keeps its strings pooled and releases its own */
void kpt_cluster_release(struct kpt_cluster *c);

/* A list of owned strings. */
/* What symbolicate/ tells of a run. */
struct kpt_symstats {
    int enabled;
    size_t kdks;                /* KDKs registered (their binaries read on demand) */
    size_t kernels, kexts;      /* modules catalogued: read because a report could match */
    size_t kdk_files_read;      /* binaries whose headers were read */
    size_t lookups, cache_hits; /* distinct lookups; answered from the cache */
    size_t lldb_lookups, lldb_starts, lldb_failed;
    size_t reports_no_kdk, reports_mismatch;
    struct kpt_hist no_kdk_builds;   /* builds of the reports without a KDK */
    struct kpt_hist no_binary_kexts; /* kexts of frames no catalogued binary matched (by UUID) */
    size_t learned_facts;            /* (binary UUID, offset) pairs the reports named */
    size_t learned_conflicts;        /* of them, named differently by different reports */
    size_t learned_dropped;          /* printed names not kept: past the table's bounds */
    size_t frames_learned;           /* frames named by what other reports printed */
    size_t lldb_names_cut; /* answers whose function or file name lldb gave over its bound */
    struct strv failures;  /* "KDK: why", one per failed lldb session */
};

/* A previous run's clusters (its --csv), for --baseline. */
struct kpt_base_entry {
    char *id, *signature;
    size_t count;
};
struct kpt_baseline {
    struct kpt_base_entry *v;
    size_t n, total;
    char *algo, *rules;
};
void kpt_baseline_release(struct kpt_baseline *b);
/* kpt_base_entry_cmp() - the order of a baseline's entries, by id (qsort/bsearch) */
int kpt_base_entry_cmp(const void *x, const void *y);

/* --compare-rules: the run's clusters (rule set A) against another rule set's (B). One entry
 * per pair of keys that shared reports; a cluster of A whose reports go to several of B is
 * split, a cluster of B that gathers several of A is merged, one-to-one pairs keep their
 * grouping (with the same key, or a new one). */
enum kpt_rchange { KPT_RC_SAME, KPT_RC_RENAMED, KPT_RC_SPLIT, KPT_RC_MERGED, KPT_RC_REGROUPED };
const char *kpt_rchange_name(enum kpt_rchange c);
struct kpt_rpair {
    char *a_id, *a_sig, *b_id, *b_sig;
    char *example; /* the first report path in byte order */
    size_t count;
    enum kpt_rchange change;
};
struct kpt_rules_diff {
    const char *rules_b;           /* digest of DIR's rules */
    const struct kpt_rpair *pairs; /* by change, then count, then keys */
    size_t npairs;
    size_t clusters_a, clusters_b;
    size_t by_change[KPT_RC_REGROUPED + 1]; /* reports */
};

/* --history: what the history file says of this run's clusters (history/). */
enum kpt_hflag { KPT_HF_NONE = 0, KPT_HF_NEW, KPT_HF_REGRESSED };
const char *kpt_hflag_name(enum kpt_hflag f); /* "NEW", "REGRESSED"; NULL for none */
enum kpt_triage { KPT_TR_OPEN = 0, KPT_TR_FIXED, KPT_TR_IGNORED };
const char *kpt_triage_name(enum kpt_triage t);            /* "open", "fixed", "ignored" */
int kpt_triage_parse(const char *s, enum kpt_triage *out); /* 0, or KPT_E_PARSE */
#define KPT_TREND_RUNS 14                                  /* runs in a run's trends */
struct kpt_cluster_hist {
    enum kpt_hflag flag;     /* NEW: never seen; REGRESSED: was fixed and has new reports */
    size_t new_reports;      /* of this run's reports, those no earlier run recorded */
    size_t total;            /* distinct reports ever recorded, this run's included */
    int64_t first_seen;      /* the start of the first run that saw it */
    size_t *trend;           /* new reports in each of the trend's runs, oldest first */
    enum kpt_triage status;  /* after this run (a regression reopens) */
    char *bug, *note;        /* triage's, or NULL */
    struct strv merged_from; /* signature ids triage merged into this one */
};
struct kpt_build_trend {
    char *build;
    size_t *trend; /* new reports of the build in each of the trend's runs */
};
struct kpt_run_hist {
    const char *path;     /* the history file as given */
    int64_t run_id;       /* this run's row in runs */
    size_t ntrend;        /* runs in the trends: the last ones, oldest first, this run last */
    int64_t *trend_start; /* when each of them started */
    size_t runs, reports_new, reports_known, copies, reports_ever, clusters_new, clusters_regressed,
        clusters_merged;
    const struct kpt_cluster_hist *clusters; /* one per kpt_summary cluster, in its order */
    const struct kpt_build_trend *builds;    /* the builds with most new reports in the trend */
    size_t nbuilds;
};
/* 'kptrace-batch history DB': the last runs, and each cluster's trend over them. */
struct kpt_trend_row {
    char *id, *signature, *panic_class, *merged_into;
    struct kpt_cluster_hist h; /* trend: one count per run of the table */
};
struct kpt_trend_table {
    const char *path;
    size_t nruns; /* runs shown: the last ones, oldest first */
    int64_t *run_ids, *run_start;
    size_t *run_files, *run_new;
    size_t runs_ever, reports_ever;
    struct kpt_trend_row *rows; /* by new reports in the runs shown, then total, then id */
    size_t nrows;
};

/* Everything report/ needs at the end of a run. */
struct kpt_summary {
    size_t files, ok, partial, rejected, skipped, no_backtrace;
    size_t by_format[KPT_FMT_PLIST + 1];
    size_t frames, frames_placed, frames_named;
    const struct kpt_cluster *clusters; /* by count, then id */
    size_t nclusters;
    const struct kpt_rejected *rej; /* sorted by path; at most KPT_REJECTED_LISTED */
    size_t nrej, rej_unlisted;
    const char *algo;  /* signature algorithm name */
    const char *rules; /* digest of the rule files */
    int sig_frames;    /* --frames N, or 0 for the rules' default */
    const struct kpt_symstats *sym;
    const struct kpt_baseline *base;    /* --baseline, or NULL */
    const char *build_a, *build_b;      /* --compare-builds, or NULL */
    const char *plot;                   /* --plot: the SVG's path as given, or NULL */
    const struct kpt_rules_diff *rdiff; /* --compare-rules, or NULL */
    size_t excluded;                    /* reports left out by --since, --until, --build */
    size_t hang_reports, hang_keyed;    /* panics that name a starved party; of them, keyed */
    const struct kpt_run_hist *hist;    /* --history, or NULL */
};

/* A run's mergeable state (--emit-state, report/rep_state.c), as read back by merge
 * (readers/rd_state.c): a new version when a key or its meaning changes; others refused. */
#define KPT_STATE_KIND "kptrace-batch state"
#define KPT_STATE_VERSION 3
struct kpt_state_row {
    char *path, *json; /* the report's path, and its --json row as printed (parsed again) */
    struct strv csv;   /* its reports CSV row, cell by cell (report/ quotes them again) */
    char sig_id[17];   /* its JSON's signature_id ("" when none), checked against */
    char *signature;   /* its cluster's id and signature; NULL when none */
    int clustered;     /* signed and not left out: a member of one cluster */
};
struct kpt_state {
    struct kpt_state_row *rows; /* in the run's order; seq = index */
    size_t nrows;
    struct kpt_cluster *clusters; /* members, first_seq, culprit_seq are this run's seqs */
    size_t nclusters;
    struct kpt_rejected *rej;
    size_t nrej;
    struct kpt_symstats sym;
    struct kpt_summary sum; /* the fields of kpt_summary_fields (strings owned) */
};

#define KPT_REJECTED_LISTED 1000
/* a report that was read (ok or partial): the stages after ingest see only these */
#define KPT_READ(r) ((r)->status == KPT_ST_OK || (r)->status == KPT_ST_PARTIAL)
/* the reports the clusters hold: read, and not left out by a filter */
#define KPT_TOTAL(s) ((s)->ok + (s)->partial - (s)->excluded)

/* kpt_report_init() - an empty report for 'path' (copied into a). */
void kpt_report_init(struct kpt_report *r, struct arena *a, const char *path);

/*
 * kpt_frame_text() - "MODULE!FUNCTION", "MODULE+0xOFF" or "0xADDR" for frame f, in a.
 * kpt_frames_joined() - every frame's text joined with " | ".
 */
const char *kpt_frame_text(struct arena *a, const struct kpt_frame *f);
/* kpt_frame_display() - "module`function + 0xOFF at file:line" when named (the summaries':
 * hex offsets, as unnamed frames show theirs), else as kpt_frame_text();
 * kpt_frame_trace() - the same with lldb's decimal offset (kptrace's --trace form) */
const char *kpt_frame_display(struct arena *a, const struct kpt_frame *f);
const char *kpt_frame_trace(struct arena *a, const struct kpt_frame *f);
const char *kpt_frames_joined(struct arena *a, const struct kpt_report *r);

/* kpt_uuid_text() - dashed upper-case UUID in a; kpt_uuid_parse(): 0 or KPT_E_PARSE. */
const char *kpt_uuid_text(struct arena *a, const uint8_t uuid[16]);
int kpt_uuid_parse(const char *s, size_t n, uint8_t out[16]);

/* kpt_time_text() - "YYYY-MM-DDTHH:MM:SSZ" (no Z when local), in a; "" when unknown. */
const char *kpt_time_text(struct arena *a, int64_t when, int local);

#endif
