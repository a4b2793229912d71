/*
 * fields.h - the fields of a run, of a cluster and of a report row, each described once:
 * the tables that adding, merging, releasing, writing and reading loop over (model_fields.c,
 * model_scalars.c), apart from the records themselves (model.h).
 */
#ifndef KPT_FIELDS_H
#define KPT_FIELDS_H

#include "model/model.h"

struct buf;

/*
 * The fields of a run, each described once.  Every counter, histogram and output-shaping
 * setting of struct kpt_summary, struct kpt_symstats and struct kpt_cluster is one row of
 * a table below; adding a report, merging shards, releasing, writing and reading a state
 * and the JSON totals all loop over the tables, so a new field is one row.
 */
enum kpt_ftype {
    KPT_FT_COUNT, /* size_t, or an array of 'n' of them named by 'elem' */
    KPT_FT_INT,   /* int */
    KPT_FT_BOOL,  /* int, 0 or 1 */
    KPT_FT_STR,   /* const char *: borrowed in a run, owned by a state */
    KPT_FT_HIST,  /* struct kpt_hist */
    KPT_FT_STRV,  /* struct strv */
};
enum kpt_fmerge {
    KPT_FM_SUM,   /* counts and histograms add up, lists are appended */
    KPT_FM_MAX,   /* the largest (a catalogue seen by several shards) */
    KPT_FM_OR,    /* any shard's */
    KPT_FM_EQUAL, /* a setting: every shard must have the same, or the merge is refused */
};
struct kpt_field {
    const char *name; /* in the JSON totals and states; NULL ends a table */
    enum kpt_ftype type;
    enum kpt_fmerge merge;
    size_t off;                    /* offsetof() into the table's struct */
    size_t n;                      /* KPT_FT_COUNT arrays: elements (0 or 1: a scalar) */
    const char *(*elem)(size_t i); /* an array element's name */
    /* what one report adds: to a count (NULL: the pipeline sets it), or the value a report
     * adds to a histogram (NULL returned: nothing) */
    size_t (*count)(const struct kpt_report *r, size_t i);
    const char *(*value)(const struct kpt_report *r);
    /* histograms that keep an example per value: the report's (NULL: none) */
    const char *(*example)(const struct kpt_report *r);
    /* or, instead of value, one made of several of the report's, written into b (n bytes,
     * KPT_HIST_COMPOSED_MAX): 0, or -1 when the report adds nothing */
    int (*compose)(const struct kpt_report *r, char *b, size_t n);
};
/* the rows of kpt_summary_fields and of kpt_cluster_fields, in their order: report/'s CSV
 * columns and readers/ name a row by its id */
enum kpt_summary_field {
    KPT_SF_FILES,
    KPT_SF_OK,
    KPT_SF_PARTIAL,
    KPT_SF_REJECTED,
    KPT_SF_SKIPPED,
    KPT_SF_NO_BACKTRACE,
    KPT_SF_BY_FORMAT,
    KPT_SF_FRAMES,
    KPT_SF_FRAMES_PLACED,
    KPT_SF_FRAMES_NAMED,
    KPT_SF_EXCLUDED,
    KPT_SF_HANG_REPORTS,
    KPT_SF_HANG_KEYED,
    KPT_SF_REJ_UNLISTED,
    KPT_SF_ALGO,
    KPT_SF_RULES,
    KPT_SF_SIG_FRAMES,
    KPT_SF_N
};
enum kpt_cluster_field {
    KPT_CF_BUILDS,
    KPT_CF_MODELS,
    KPT_CF_PROCESSES,
    KPT_CF_FORMATS,
    KPT_CF_ARCHS,
    KPT_CF_QUALITIES,
    KPT_CF_CULPRIT_VERSIONS,
    KPT_CF_FINE_KEYS,
    KPT_CF_HANG_SITES,
    KPT_CF_HANG_SERVICES,
    KPT_CF_N
};
extern const struct kpt_field kpt_summary_fields[KPT_SF_N + 1]; /* struct kpt_summary */
extern const struct kpt_field kpt_symstats_fields[];            /* struct kpt_symstats */
extern const struct kpt_field kpt_cluster_fields[KPT_CF_N + 1]; /* a kpt_cluster's histograms */
extern const struct kpt_field kpt_history_fields[];             /* struct kpt_run_hist's counts */

/* the field's place in obj */
void *kpt_field_ptr(const struct kpt_field *f, void *obj);
const void *kpt_field_cptr(const struct kpt_field *f, const void *obj);
/* kpt_fields_add() - what report r adds to obj's counts and histograms */
void kpt_fields_add(const struct kpt_field *t, void *obj, const struct kpt_report *r);
/*
 * kpt_fields_merge() - from's fields into to's, by each field's rule; 'first' when to holds
 * nothing yet (settings are taken, strings borrowed from 'from'). A setting that differs
 * is refused: KPT_E_FORMAT and "NAME: A, not B" added to err, to left as it was.
 */
int kpt_fields_merge(const struct kpt_field *t, void *to, const void *from, int first,
                     struct buf *err);
void kpt_fields_sort(const struct kpt_field *t, void *obj); /* histograms */
void kpt_fields_release(const struct kpt_field *t, void *obj,
                        int strings); /* strings: free them too */

/*
 * The scalar fields of a cluster and of a report row, each described once: the key it has
 * in --json and in a state, how it is stored, where it shows, its CSV column and how two
 * shards' values merge. --json's cluster and report objects, the state's clusters (written
 * and read back), the row -> kpt_report rebuild and kpt_cluster_release() loop over these
 * tables in their order, so renaming a key renames it everywhere, and a new field is a row.
 * Each row has an id (enum kpt_cluster_scalar, kpt_report_scalar): report/'s CSV columns and
 * its writers of the parts, and readers/, name a row by it, never by spelling its key again.
 */
enum kpt_stype {
    KPT_SC_STR,   /* char *: text (NULL: null) */
    KPT_SC_KEY,   /* char *: 16 lowercase hex digits (with KPT_IN_KEYVAL, its value at 'aux') */
    KPT_SC_COUNT, /* size_t */
    KPT_SC_SEQ,   /* size_t: a report's seq; SIZE_MAX (none) is null */
    KPT_SC_I64,   /* int64_t */
    KPT_SC_TIME,  /* int64_t seconds: --json shows time text, null unless the flag at 'aux' is
                     set, without a Z when the flag at 'aux2' is set; a state the number */
    KPT_SC_FLAG,  /* unsigned char, 0 or 1 */
    KPT_SC_INT,   /* int; below 0 (unknown) is null */
    KPT_SC_ENUM,  /* an enum (int-sized), shown by name(); a NULL name is null */
    KPT_SC_UUID,  /* uint8_t[16]: null unless the flag at 'aux' is set */
    KPT_SC_ADDR,  /* uint64_t as 0x and 16 hex digits: null unless the flag at 'aux' is set */
    KPT_SC_STRS, /* strings: a char ** (n = 0) or char *[n] at off, their count (size_t) at 'aux' */
    KPT_SC_SEQS, /* size_t * at off: reports' seqs, their count at 'aux', capacity at 'aux2' */
    KPT_SC_PART, /* no member: a part report/ composes (a rank, a derived value, an object) */
};
/* where a scalar shows */
enum {
    KPT_IN_JSON = 1,     /* in --json */
    KPT_IN_STATE = 2,    /* in a state (always lossless there) */
    KPT_IN_READ = 4,     /* a report row's: only when the report was read (KPT_READ) */
    KPT_IN_LOSSLESS = 8, /* --json shows it lossless too: a path */
    KPT_IN_KEYVAL = 16,  /* KPT_SC_KEY: its value is kept as a uint64_t at 'aux' too */
};
/*
 * How a cluster's scalar merges: clu_table_merge() reads kpt_cluster_scalars in order and
 * applies each row's rule. SUM, MIN, MAX and OR apply to the row's own field; the others
 * move a group of fields at once, at the group's first row, and must come before the
 * fields they compare (a group's seq, the seen flags) are themselves merged.
 */
enum kpt_smerge {
    KPT_SM_NONE = 0, /* not merged: derived, or a report row's */
    KPT_SM_KEY,      /* the key: equal in both, taken by a new cluster */
    KPT_SM_SUM,      /* a count */
    KPT_SM_MIN,      /* a time, when its flag at 'aux' says it is known */
    KPT_SM_MAX,      /* likewise */
    KPT_SM_OR,       /* a flag */
    KPT_SM_FIRST,    /* the cluster's first report's (lowest first_seq) */
    KPT_SM_CULPRIT,  /* the first report's with a culprit (lowest culprit_seq) */
    KPT_SM_REP,      /* the representative's: goes with rep_path */
    KPT_SM_SORTED,   /* a list: both, sorted, first few kept (examples) */
    KPT_SM_APPEND,   /* a list: both, mapped to the merged run's seqs */
};
struct kpt_scalar {
    const char *key; /* in --json and in a state; NULL ends a table */
    enum kpt_stype type;
    unsigned in;           /* KPT_IN_* */
    size_t off, aux, aux2; /* offsetof() into the table's struct */
    size_t n;              /* KPT_SC_STRS: an inline array of n; 0: a pointer */
    enum kpt_smerge merge;
    const char *(*name)(int v); /* KPT_SC_ENUM: the name of value v (v from 0 to nnames - 1) */
    int nnames;
};
/* the rows of kpt_cluster_scalars, in its (--json's) order */
enum kpt_cluster_scalar {
    KPT_CS_RANK,
    KPT_CS_ID,
    KPT_CS_SIGNATURE,
    KPT_CS_COUNT,
    KPT_CS_CLASS,
    KPT_CS_CULPRIT,
    KPT_CS_OWNER,
    KPT_CS_MESSAGE,
    KPT_CS_FIRST_SEEN,
    KPT_CS_LAST_SEEN,
    KPT_CS_FIELDS,
    KPT_CS_COARSE_ID,
    KPT_CS_COARSE,
    KPT_CS_HISTOGRAMS,
    KPT_CS_BASE_STATUS,
    KPT_CS_BASE_COUNT,
    KPT_CS_HISTORY,
    KPT_CS_REPRESENTATIVE,
    KPT_CS_FRAMES,
    KPT_CS_EXAMPLES,
    KPT_CS_MEMBERS,
    KPT_CS_HAS_SEEN,
    KPT_CS_SEEN_LOCAL,
    KPT_CS_REP_WHEN,
    KPT_CS_REP_FRAMES_ALL,
    KPT_CS_REP_NAMED,
    KPT_CS_FIRST_SEQ,
    KPT_CS_CULPRIT_SEQ,
    KPT_CS_N
};
/* the rows of kpt_report_scalars, in its order */
enum kpt_report_scalar {
    KPT_RS_PATH,
    KPT_RS_STATUS,
    KPT_RS_ERROR,
    KPT_RS_IDENTITY,
    KPT_RS_EXCLUDED,
    KPT_RS_FORMAT,
    KPT_RS_ARCH,
    KPT_RS_OS_BUILD,
    KPT_RS_OS_VERSION,
    KPT_RS_HOST_BUILD,
    KPT_RS_KERNEL_VERSION,
    KPT_RS_XNU,
    KPT_RS_VARIANT,
    KPT_RS_SOC,
    KPT_RS_KERNEL_UUID,
    KPT_RS_SLIDES,
    KPT_RS_MODEL,
    KPT_RS_TIME,
    KPT_RS_CPU,
    KPT_RS_CALLER,
    KPT_RS_PROCESS,
    KPT_RS_PID,
    KPT_RS_PANIC_STRING,
    KPT_RS_PANIC_SOURCE,
    KPT_RS_OTHER_PANIC,
    KPT_RS_SRC_FILE,
    KPT_RS_CLASS,
    KPT_RS_ID,
    KPT_RS_SIGNATURE,
    KPT_RS_COARSE_ID,
    KPT_RS_FINE_ID,
    KPT_RS_QUALITY,
    KPT_RS_CULPRIT,
    KPT_RS_OWNER,
    KPT_RS_KDK,
    KPT_RS_KDK_MATCH,
    KPT_RS_HANG,
    KPT_RS_FRAMES,
    KPT_RS_KEXTS,
    KPT_RS_LOADED_KEXTS,
    KPT_RS_N
};
/* every row up to the id past the last has a key; the NULL key there ends the table */
extern const struct kpt_scalar kpt_cluster_scalars[KPT_CS_N + 1]; /* struct kpt_cluster */
extern const struct kpt_scalar kpt_report_scalars[KPT_RS_N + 1];  /* a report row */

#endif
