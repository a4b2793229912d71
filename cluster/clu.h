/*
 * clu.h - cluster: crash signatures (SIGNATURES.md, first version) and the cluster table.
 *
 * clu_sign() computes a report's signature from its panic message and frames and stores
 * sig_id, signature, panic_class and culprit in the report (arena strings). clu_add() then
 * copies what the cluster keeps, so the report's arena can go right after. Memory grows
 * with the number of clusters, not of reports.
 *
 * This first version implements xnusig/1 as far as it goes without lldb: classes and fields
 * from the message, the plumbing skip on keepsyms names (or, unsymbolicated, up to the frame
 * whose return address is the panic caller), prefix/irrelevant/tail lists, N significant
 * frames. Unsymbolicated frames are tokens MODULE+0xOFFSET (kernel: unslid offset), so their
 * keys are per build; a backtrace with fewer named significant frames than the first two is
 * LOWSYM, keyed on its class, "~lowsym" and the modules of those frames (SIGNATURES.md §4.5).
 */
#ifndef KPT_CLU_H
#define KPT_CLU_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/buf.h"

#define CLU_ALGO                                                                                   \
    "xnusig/1-draft4"                  /* draft3: classes from xnu's panic strings, kext panics by \
                                         message, machine checks, culprits of every kext; draft4:  \
                                         lock timeouts past interrupt entry, T2 and Apple silicon  \
                                         classes, frameless Intel traps by their site */
#define CLU_SEED 0x786e757369670000ull /* "xnusig" + two zero bytes */

struct clu_rules;

/* clu_rules_new() - compile the built-in rules (cluster/rules/xnusig-1/, embedded at build
 * time); aborts on a bad built-in pattern (our bug). */
struct clu_rules *clu_rules_new(void);
/* clu_rules_load() - the rule files of 'dir' (NULL: built-in). On a missing file or a bad
 * pattern returns a negative enum kpt_err and writes "file:line: what 'subject'" to err. */
int clu_rules_load(const char *dir, struct clu_rules **out, struct buf *err);
void clu_rules_free(struct clu_rules *c);
#define CLU_DEFAULT_FRAMES 3 /* significant frames of a class row that names none */
/* clu_rules_set_frames() - N for the classes whose row says the default 3 (--frames N) */
void clu_rules_set_frames(struct clu_rules *c, int n);
/* clu_rules_digest() - 16 hex digits over every rule file (SIGNATURES.md §2) */
const char *clu_rules_digest(const struct clu_rules *c);

/* clu_sign() - see above. Never fails on report content. */
void clu_sign(const struct clu_rules *c, struct arena *a, struct kpt_report *r);
/* clu_explain() - clu_sign(), and the why of it appended to out: the cleaned message and
 * template, the class row and fields, each frame token with its disposition and the rule
 * (file:line) that decided it, the start of the walk, quality, culprit, key and canonical
 * form (SIGNATURES.md §7). */
void clu_explain(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct buf *out);

/* Building blocks, exported for tests and explain. */

/* clu_clean_message() - the cleaned message (§3.1 steps 1-4) of panic string s, in a. */
const char *clu_clean_message(const struct clu_rules *c, struct arena *a, const char *s);
/* clu_display_message() - the message as a cluster shows it: cleaned as the key's (§3.1
 * steps 1-4) and masked (step 6), but its lines kept apart ('\n' between them), up to
 * CLU_DISPLAY_MAX bytes, in a */
#define CLU_DISPLAY_MAX 4096
const char *clu_display_message(const struct clu_rules *c, struct arena *a, const char *s);
/* clu_mask() - the masked template (§3.1 step 6) of s, capped at cap bytes, in a. */
const char *clu_mask(struct arena *a, const char *s, size_t cap);
/* clu_reduce_name() - a demangled function name reduced per §4.1 step 4, in a. */
const char *clu_reduce_name(const struct clu_rules *c, struct arena *a, const char *name);
/* clu_classify() - class name and "name=value" fields (key fields first, fine-only ones
 * prefixed '~') of a cleaned message; returns N, the number of significant frames. */
int clu_classify(const struct clu_rules *c, struct arena *a, const char *msg, const char **cls,
                 const char ***fields, size_t *nfields, size_t *row);

/* clu_classify_origin() - clu_classify(), with the rows of class CLU_KEXT_PANIC tried too
 * when kext_origin says the panic() was a kext's own */
#define CLU_KEXT_PANIC "kext_panic"
int clu_classify_origin(const struct clu_rules *c, struct arena *a, const char *msg,
                        int kext_origin, const char **cls, const char ***fields, size_t *nfields,
                        size_t *row);
/* clu_classify_at() - clu_classify_origin(), with the rows whose pattern starts "^@" tried
 * on "@LOC MESSAGE" when the message named its source file (loc: its basename, or NULL) */
int clu_classify_at(const struct clu_rules *c, struct arena *a, const char *msg, const char *loc,
                    int kext_origin, const char **cls, const char ***fields, size_t *nfields,
                    size_t *row);

/* clu_canon() - the canonical serialization (§5.2) into out. */
void clu_canon(struct buf *out, const char *kind, const char *cls, const char *const *fields,
               size_t nfields, const char *const *items, size_t nitems);
/* clu_hash() - XXH3-64 of the canonical bytes with CLU_SEED. */
uint64_t clu_hash(const char *canon, size_t len);

/* The cluster table. */
struct clu_table;

/* keep_members: remember every member's seq (8 bytes a report), for the JSON */
struct clu_table *clu_table_new(int keep_members);
void clu_table_free(struct clu_table *t); /* NULL is a no-op */
/* clu_table_new_like() - an empty table that keeps what t keeps */
struct clu_table *clu_table_new_like(const struct clu_table *t);

/* clu_add() - count signed report r in its cluster; copies what it keeps. */
void clu_add(struct clu_table *t, const struct kpt_report *r);

/* clu_table_merge() - add a cluster of another run's state: its seqs map to this run's
 * through map[0..nmap) (the place of each of its reports among all the merged ones; map
 * NULL: the same run's, as they are). */
void clu_table_merge(struct clu_table *t, const struct kpt_cluster *c, const size_t *map,
                     size_t nmap);

/* clu_table_result() - the clusters, by count then id; owned by t, valid until the next
 * clu_add(), clu_table_merge() or clu_table_free(). */
const struct kpt_cluster *clu_table_result(struct clu_table *t, size_t *n);

/* clu_join_form() - a signature with every kext module token ("com.example.Foo", and
 * "unknown-kext", a kext-space frame no listed kext covers) read as one wildcard, or NULL
 * when it has none (or was cut to its readable length); *unnamed: it had "unknown-kext" */
const char *clu_join_form(struct arena *a, const char *signature, int *unnamed);
/* clu_join_cut() - the clusters of t with each cluster keyed on "unknown-kext" shown under
 * the one named cluster of the same join form (none or several: it stays apart), as a new
 * table; NULL when none joins. *njoined: how many clusters joined (clu_join.c); joins (may
 * be NULL): each joined cluster's id and the id it is shown under, *njoined of them
 * (malloc'd; the ids are t's, valid while t is unchanged) */
struct clu_joined {
    const char *from, *to; /* 16 hex digits each */
};
struct clu_table *clu_join_cut(struct clu_table *t, size_t *njoined, struct clu_joined **joins);

/* --compare-rules: the same reports signed with two rule sets (see kpt_rules_diff). */
struct clu_compare;
struct clu_compare *clu_compare_new(void);
void clu_compare_free(struct clu_compare *c); /* NULL is a no-op */
/* clu_compare_add() - report a as signed by the run's rules, b by the other set's */
void clu_compare_add(struct clu_compare *c, const struct kpt_report *a, const struct kpt_report *b);
/* clu_compare_result() - owned by c; rules_b is borrowed */
const struct kpt_rules_diff *clu_compare_result(struct clu_compare *c, const char *rules_b);

#endif
