/*
 * model_scalars.c - the scalar fields of a cluster and of a report row, one row each (see
 * model.h), and what is released by them.
 */
#include "model/fields.h"
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(enum kpt_status) == sizeof(int) && sizeof(enum kpt_format) == sizeof(int) &&
                   sizeof(enum kpt_quality) == sizeof(int) &&
                   sizeof(enum kpt_kdk_match) == sizeof(int),
               "KPT_SC_ENUM reads and writes an enum as an int");

/* the names of an enum's values, by int */
static const char *
e_status(int v)
{
    return kpt_status_name((enum kpt_status)v);
}
static const char *
e_format(int v)
{
    return kpt_format_name((enum kpt_format)v);
}
static const char *
e_arch(int v)
{
    return kpt_arch_name((enum kpt_arch)v);
}
static const char *
e_source(int v)
{
    return kpt_panic_source_name((enum kpt_panic_source)v);
}
static const char *
e_quality(int v)
{
    return kpt_quality_name((enum kpt_quality)v);
}
static const char *
e_kdk(int v)
{
    return kpt_kdk_match_name((enum kpt_kdk_match)v);
}

#define J KPT_IN_JSON
#define S KPT_IN_STATE
#define JS (KPT_IN_JSON | KPT_IN_STATE)
#define CL(key, type, in, member, csv, merge)                                                      \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_cluster, member), 0, 0, 0, csv, merge, NULL, 0          \
    }
#define CLX(key, type, in, member, aux, aux2, n, csv, merge)                                       \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_cluster, member), offsetof(struct kpt_cluster, aux),    \
            offsetof(struct kpt_cluster, aux2), n, csv, merge, NULL, 0                             \
    }
#define PART(key, in, csv)                                                                         \
    {                                                                                              \
        key, KPT_SC_PART, in, 0, 0, 0, 0, csv, KPT_SM_NONE, NULL, 0                                \
    }

/* in --json's order; a state keeps the JS and S rows, lossless */
const struct kpt_scalar kpt_cluster_scalars[] = {
    PART("rank", J, "rank"),
    CLX("signature_id", KPT_SC_KEY, JS | KPT_IN_KEYVAL, id_hex, id, id, 0, "signature_id",
        KPT_SM_KEY),
    CL("signature", KPT_SC_STR, JS, signature, "signature", KPT_SM_KEY),
    CL("count", KPT_SC_COUNT, JS, count, "count", KPT_SM_SUM),
    CL("panic_class", KPT_SC_STR, JS, panic_class, "panic_class", KPT_SM_KEY),
    CL("culprit", KPT_SC_STR, JS, culprit, "culprit", KPT_SM_CULPRIT),
    PART("culprit_owner", J, "culprit_owner"),
    CL("message", KPT_SC_STR, JS, message, NULL, KPT_SM_REP),
    CLX("first_seen", KPT_SC_TIME, JS, first_seen, has_seen, seen_local, 0, "first_seen",
        KPT_SM_MIN),
    CLX("last_seen", KPT_SC_TIME, JS, last_seen, has_seen, seen_local, 0, "last_seen", KPT_SM_MAX),
    CL("fields", KPT_SC_STR, JS, fields, NULL, KPT_SM_KEY),
    CL("coarse_id", KPT_SC_KEY, JS, coarse_id, "coarse_id", KPT_SM_FIRST),
    CL("coarse", KPT_SC_STR, JS, coarse, "coarse", KPT_SM_FIRST),
    PART("histograms", JS, NULL), /* kpt_cluster_fields */
    PART("baseline", J, "baseline_status"),
    PART("history", J, "history"),
    CL("representative", KPT_SC_STR, JS | KPT_IN_LOSSLESS, rep_path, NULL, KPT_SM_REP),
    CLX("frames", KPT_SC_STRS, JS, rep_frames, rep_nframes, rep_nframes, 0, NULL, KPT_SM_REP),
    CLX("examples", KPT_SC_STRS, JS | KPT_IN_LOSSLESS, examples, nexamples, nexamples, KPT_EXAMPLES,
        "example", KPT_SM_SORTED),
    CLX("members", KPT_SC_SEQS, JS, members, nmembers, capmembers, 0, NULL, KPT_SM_APPEND),
    /* what a merge needs besides */
    CL("has_seen", KPT_SC_FLAG, S, has_seen, NULL, KPT_SM_OR),
    CL("seen_local", KPT_SC_FLAG, S, seen_local, NULL, KPT_SM_OR),
    CL("rep_when", KPT_SC_I64, S, rep_when, NULL, KPT_SM_REP),
    CL("rep_frames_all", KPT_SC_COUNT, S, rep_frames_all, NULL, KPT_SM_REP),
    CL("rep_named", KPT_SC_COUNT, S, rep_named, NULL, KPT_SM_REP),
    CL("first_seq", KPT_SC_SEQ, S, first_seq, NULL, KPT_SM_FIRST),
    CL("culprit_seq", KPT_SC_SEQ, S, culprit_seq, NULL, KPT_SM_CULPRIT),
    { NULL, KPT_SC_PART, 0, 0, 0, 0, 0, NULL, KPT_SM_NONE, NULL, 0 },
};

#define R KPT_IN_READ
#define RJ (KPT_IN_READ | KPT_IN_JSON)
#define RP(key, type, in, member, csv)                                                             \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_report, member), 0, 0, 0, csv, KPT_SM_NONE, NULL, 0     \
    }
#define RPX(key, type, in, member, aux, aux2, csv)                                                 \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_report, member), offsetof(struct kpt_report, aux),      \
            offsetof(struct kpt_report, aux2), 0, csv, KPT_SM_NONE, NULL, 0                        \
    }
#define RPE(key, in, member, csv, fn, n)                                                           \
    {                                                                                              \
        key, KPT_SC_ENUM, in, offsetof(struct kpt_report, member), 0, 0, 0, csv, KPT_SM_NONE, fn,  \
            n                                                                                      \
    }

/* a report row of --json (and of a state, which keeps the row as --json prints it) */
const struct kpt_scalar kpt_report_scalars[] = {
    RP("path", KPT_SC_STR, J | KPT_IN_LOSSLESS, path, "path"),
    RPE("status", J, status, "status", e_status, KPT_ST_SKIPPED + 1),
    RP("error", KPT_SC_STR, J, error, "error"),
    RP("identity", KPT_SC_STR, RJ, identity, NULL),
    RP("excluded", KPT_SC_FLAG, RJ, excluded, NULL),
    RPE("format", RJ, format, "format", e_format, KPT_FMT_PLIST + 1),
    RPE("arch", RJ, arch, "arch", e_arch, KPT_ARCH_ARM64 + 1),
    RP("os_build", KPT_SC_STR, RJ, os_build, "os_build"),
    RP("os_version", KPT_SC_STR, RJ, os_version, NULL),
    RP("host_build", KPT_SC_STR, RJ, host_build, NULL),
    RP("kernel_version", KPT_SC_STR, RJ, kernel_version, NULL),
    RP("xnu", KPT_SC_STR, RJ, xnu, NULL),
    RP("variant", KPT_SC_STR, RJ, variant, NULL),
    RP("soc", KPT_SC_STR, RJ, soc, NULL),
    RPX("kernel_uuid", KPT_SC_UUID, RJ, kernel_uuid, has_kernel_uuid, has_kernel_uuid,
        "kernel_uuid"),
    PART("slides", RJ, NULL),
    RP("model", KPT_SC_STR, RJ, model, NULL),
    RPX("time", KPT_SC_TIME, RJ, when, has_when, when_local, NULL),
    RP("cpu", KPT_SC_INT, RJ, cpu, NULL),
    RPX("caller", KPT_SC_ADDR, RJ, caller, has_caller, has_caller, NULL),
    RP("process", KPT_SC_STR, RJ, process, NULL),
    RP("pid", KPT_SC_INT, RJ, pid, NULL),
    RP("panic_string", KPT_SC_STR, RJ, panic_string, NULL),
    RPE("panic_source", RJ, panic_source, "panic_source", e_source, KPT_PS_BRIDGE + 1),
    RP("other_panic", KPT_SC_STR, RJ, other_panic, NULL),
    RP("src_file", KPT_SC_STR, RJ, src_file, NULL),
    RP("panic_class", KPT_SC_STR, RJ, panic_class, "panic_class"),
    RPX("signature_id", KPT_SC_KEY, RJ | KPT_IN_KEYVAL, sig_id, sig_key, sig_key, "signature_id"),
    RP("signature", KPT_SC_STR, RJ, signature, "signature"),
    RP("coarse_id", KPT_SC_KEY, RJ, coarse_id, "coarse_id"),
    RP("fine_id", KPT_SC_KEY, RJ, fine_id, "fine_id"),
    RPE("quality", RJ, quality, "quality", e_quality, KPT_Q_NOBT + 1),
    RP("culprit", KPT_SC_STR, RJ, culprit, NULL),
    PART("culprit_owner", RJ, NULL),
    RP("kdk", KPT_SC_STR, RJ, kdk, NULL),
    RPE("kdk_match", RJ, kdk_match, NULL, e_kdk, KPT_KDK_UUID_MISMATCH + 1),
    PART("hang", RJ, "hang_id"),
    PART("frames", RJ, "frames"),
    PART("kexts", RJ, NULL),
    PART("loaded_kexts", RJ, NULL),
    { NULL, KPT_SC_PART, 0, 0, 0, 0, 0, NULL, KPT_SM_NONE, NULL, 0 },
};

const struct kpt_scalar *
kpt_scalar_find(const struct kpt_scalar *t, const char *key)
{
    for (; t->key; t++)
        if (!strcmp(t->key, key))
            return t;
    return NULL;
}

/* the strings and lists of an owned record */
static void
scalars_release(const struct kpt_scalar *t, void *obj)
{
    char *o = obj;
    size_t i;

    for (; t->key; t++) {
        if (t->type == KPT_SC_STR || t->type == KPT_SC_KEY) {
            free(*(char **)(o + t->off));
            *(char **)(o + t->off) = NULL;
        } else if (t->type == KPT_SC_STRS) {
            char **v = t->n ? (char **)(o + t->off) : *(char ***)(o + t->off);
            size_t *n = (size_t *)(o + t->aux);

            for (i = 0; v && i < *n; i++)
                free(v[i]);
            if (!t->n)
                free(v);
            *n = 0;
        } else if (t->type == KPT_SC_SEQS) {
            free(*(size_t **)(o + t->off));
            *(size_t **)(o + t->off) = NULL;
        }
    }
}

void
kpt_cluster_release(struct kpt_cluster *c)
{
    scalars_release(kpt_cluster_scalars, c);
    kpt_fields_release(kpt_cluster_fields, c, 0);
}
