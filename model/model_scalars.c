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
#define CL(key, type, in, member, merge)                                                           \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_cluster, member), 0, 0, 0, merge, NULL, 0               \
    }
#define CLX(key, type, in, member, aux, aux2, n, merge)                                            \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_cluster, member), offsetof(struct kpt_cluster, aux),    \
            offsetof(struct kpt_cluster, aux2), n, merge, NULL, 0                                  \
    }
#define PART(key, in)                                                                              \
    {                                                                                              \
        key, KPT_SC_PART, in, 0, 0, 0, 0, KPT_SM_NONE, NULL, 0                                     \
    }

/* in --json's order; a state keeps the JS and S rows, lossless */
const struct kpt_scalar kpt_cluster_scalars[KPT_CS_N + 1] = {
    [KPT_CS_RANK] = PART("rank", J),
    [KPT_CS_ID] =
        CLX("signature_id", KPT_SC_KEY, JS | KPT_IN_KEYVAL, id_hex, id, id, 0, KPT_SM_KEY),
    [KPT_CS_SIGNATURE] = CL("signature", KPT_SC_STR, JS, signature, KPT_SM_KEY),
    [KPT_CS_COUNT] = CL("count", KPT_SC_COUNT, JS, count, KPT_SM_SUM),
    [KPT_CS_CLASS] = CL("panic_class", KPT_SC_STR, JS, panic_class, KPT_SM_KEY),
    [KPT_CS_CULPRIT] = CL("culprit", KPT_SC_STR, JS, culprit, KPT_SM_CULPRIT),
    [KPT_CS_OWNER] = PART("culprit_owner", J),
    [KPT_CS_MESSAGE] = CL("message", KPT_SC_STR, JS, message, KPT_SM_REP),
    [KPT_CS_FIRST_SEEN] =
        CLX("first_seen", KPT_SC_TIME, JS, first_seen, has_seen, seen_local, 0, KPT_SM_MIN),
    [KPT_CS_LAST_SEEN] =
        CLX("last_seen", KPT_SC_TIME, JS, last_seen, has_seen, seen_local, 0, KPT_SM_MAX),
    [KPT_CS_FIELDS] = CL("fields", KPT_SC_STR, JS, fields, KPT_SM_KEY),
    [KPT_CS_COARSE_ID] = CL("coarse_id", KPT_SC_KEY, JS, coarse_id, KPT_SM_FIRST),
    [KPT_CS_COARSE] = CL("coarse", KPT_SC_STR, JS, coarse, KPT_SM_FIRST),
    [KPT_CS_HISTOGRAMS] = PART("histograms", JS), /* kpt_cluster_fields */
    /* against --baseline: shown only with one */
    [KPT_CS_BASE_STATUS] = PART("baseline_status", J),
    [KPT_CS_BASE_COUNT] = PART("baseline_count", J),
    [KPT_CS_HISTORY] = PART("history", J), /* with --history: an object */
    [KPT_CS_REPRESENTATIVE] =
        CL("representative", KPT_SC_STR, JS | KPT_IN_LOSSLESS, rep_path, KPT_SM_REP),
    [KPT_CS_FRAMES] =
        CLX("frames", KPT_SC_STRS, JS, rep_frames, rep_nframes, rep_nframes, 0, KPT_SM_REP),
    [KPT_CS_EXAMPLES] = CLX("examples", KPT_SC_STRS, JS | KPT_IN_LOSSLESS, examples, nexamples,
                            nexamples, KPT_EXAMPLES, KPT_SM_SORTED),
    [KPT_CS_MEMBERS] =
        CLX("members", KPT_SC_SEQS, JS, members, nmembers, capmembers, 0, KPT_SM_APPEND),
    /* what a merge needs besides */
    [KPT_CS_HAS_SEEN] = CL("has_seen", KPT_SC_FLAG, S, has_seen, KPT_SM_OR),
    [KPT_CS_SEEN_LOCAL] = CL("seen_local", KPT_SC_FLAG, S, seen_local, KPT_SM_OR),
    [KPT_CS_REP_WHEN] = CL("rep_when", KPT_SC_I64, S, rep_when, KPT_SM_REP),
    [KPT_CS_REP_FRAMES_ALL] = CL("rep_frames_all", KPT_SC_COUNT, S, rep_frames_all, KPT_SM_REP),
    [KPT_CS_REP_NAMED] = CL("rep_named", KPT_SC_COUNT, S, rep_named, KPT_SM_REP),
    [KPT_CS_FIRST_SEQ] = CL("first_seq", KPT_SC_SEQ, S, first_seq, KPT_SM_FIRST),
    [KPT_CS_CULPRIT_SEQ] = CL("culprit_seq", KPT_SC_SEQ, S, culprit_seq, KPT_SM_CULPRIT),
    [KPT_CS_N] = { NULL, KPT_SC_PART, 0, 0, 0, 0, 0, KPT_SM_NONE, NULL, 0 },
};

#define R KPT_IN_READ
#define RJ (KPT_IN_READ | KPT_IN_JSON)
#define RP(key, type, in, member)                                                                  \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_report, member), 0, 0, 0, KPT_SM_NONE, NULL, 0          \
    }
#define RPX(key, type, in, member, aux, aux2)                                                      \
    {                                                                                              \
        key, type, in, offsetof(struct kpt_report, member), offsetof(struct kpt_report, aux),      \
            offsetof(struct kpt_report, aux2), 0, KPT_SM_NONE, NULL, 0                             \
    }
#define RPE(key, in, member, fn, n)                                                                \
    {                                                                                              \
        key, KPT_SC_ENUM, in, offsetof(struct kpt_report, member), 0, 0, 0, KPT_SM_NONE, fn, n     \
    }

/* a report row of --json (and of a state, which keeps the row as --json prints it) */
const struct kpt_scalar kpt_report_scalars[KPT_RS_N + 1] = {
    [KPT_RS_PATH] = RP("path", KPT_SC_STR, J | KPT_IN_LOSSLESS, path),
    [KPT_RS_STATUS] = RPE("status", J, status, e_status, KPT_ST_SKIPPED + 1),
    [KPT_RS_ERROR] = RP("error", KPT_SC_STR, J, error),
    [KPT_RS_IDENTITY] = RP("identity", KPT_SC_STR, RJ, identity),
    [KPT_RS_EXCLUDED] = RP("excluded", KPT_SC_FLAG, RJ, excluded),
    [KPT_RS_FORMAT] = RPE("format", RJ, format, e_format, KPT_FMT_PLIST + 1),
    [KPT_RS_ARCH] = RPE("arch", RJ, arch, e_arch, KPT_ARCH_ARM64 + 1),
    [KPT_RS_OS_BUILD] = RP("os_build", KPT_SC_STR, RJ, os_build),
    [KPT_RS_OS_VERSION] = RP("os_version", KPT_SC_STR, RJ, os_version),
    [KPT_RS_HOST_BUILD] = RP("host_build", KPT_SC_STR, RJ, host_build),
    [KPT_RS_KERNEL_VERSION] = RP("kernel_version", KPT_SC_STR, RJ, kernel_version),
    [KPT_RS_XNU] = RP("xnu", KPT_SC_STR, RJ, xnu),
    [KPT_RS_VARIANT] = RP("variant", KPT_SC_STR, RJ, variant),
    [KPT_RS_SOC] = RP("soc", KPT_SC_STR, RJ, soc),
    [KPT_RS_KERNEL_UUID] =
        RPX("kernel_uuid", KPT_SC_UUID, RJ, kernel_uuid, has_kernel_uuid, has_kernel_uuid),
    [KPT_RS_SLIDES] = PART("slides", RJ),
    [KPT_RS_MODEL] = RP("model", KPT_SC_STR, RJ, model),
    [KPT_RS_TIME] = RPX("time", KPT_SC_TIME, RJ, when, has_when, when_local),
    [KPT_RS_CPU] = RP("cpu", KPT_SC_INT, RJ, cpu),
    [KPT_RS_CALLER] = RPX("caller", KPT_SC_ADDR, RJ, caller, has_caller, has_caller),
    [KPT_RS_PROCESS] = RP("process", KPT_SC_STR, RJ, process),
    [KPT_RS_PID] = RP("pid", KPT_SC_INT, RJ, pid),
    [KPT_RS_PANIC_STRING] = RP("panic_string", KPT_SC_STR, RJ, panic_string),
    [KPT_RS_PANIC_SOURCE] = RPE("panic_source", RJ, panic_source, e_source, KPT_PS_BRIDGE + 1),
    [KPT_RS_OTHER_PANIC] = RP("other_panic", KPT_SC_STR, RJ, other_panic),
    [KPT_RS_SRC_FILE] = RP("src_file", KPT_SC_STR, RJ, src_file),
    [KPT_RS_CLASS] = RP("panic_class", KPT_SC_STR, RJ, panic_class),
    [KPT_RS_ID] = RPX("signature_id", KPT_SC_KEY, RJ | KPT_IN_KEYVAL, sig_id, sig_key, sig_key),
    [KPT_RS_SIGNATURE] = RP("signature", KPT_SC_STR, RJ, signature),
    [KPT_RS_COARSE_ID] = RP("coarse_id", KPT_SC_KEY, RJ, coarse_id),
    [KPT_RS_FINE_ID] = RP("fine_id", KPT_SC_KEY, RJ, fine_id),
    [KPT_RS_QUALITY] = RPE("quality", RJ, quality, e_quality, KPT_Q_NOBT + 1),
    [KPT_RS_CULPRIT] = RP("culprit", KPT_SC_STR, RJ, culprit),
    [KPT_RS_OWNER] = PART("culprit_owner", RJ),
    [KPT_RS_KDK] = RP("kdk", KPT_SC_STR, RJ, kdk),
    [KPT_RS_KDK_MATCH] = RPE("kdk_match", RJ, kdk_match, e_kdk, KPT_KDK_UUID_MISMATCH + 1),
    [KPT_RS_HANG] = PART("hang", RJ),
    [KPT_RS_FRAMES] = PART("frames", RJ),
    [KPT_RS_KEXTS] = PART("kexts", RJ),
    [KPT_RS_LOADED_KEXTS] = PART("loaded_kexts", RJ),
    [KPT_RS_N] = { NULL, KPT_SC_PART, 0, 0, 0, 0, 0, KPT_SM_NONE, NULL, 0 },
};

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
