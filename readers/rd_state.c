/*
 * rd_state.c - a run's mergeable state (report/rep_state.c wrote it) read back for merge.
 *
 * A state is untrusted input: the document's kind and version, every cluster's fields by
 * kpt_cluster_scalars and kpt_cluster_fields, every report row's by kpt_report_scalars (its
 * keys, its identity), and the totals against the rows; a row is re-rendered (its JSON
 * parsed and printed again, its CSV split into cells for report/ to quote again), so that a
 * row as printed comes back the same and a forged one (a formula cell, a broken JSON object)
 * cannot pass.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "readers/rd.h"
#include "readers/rd_int.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define STATE_MAX (1ull << 30) /* a shard's state: its rows as printed, its clusters */

void
rd_state_release(struct kpt_state *st)
{
    size_t i;

    for (i = 0; i < st->nrows; i++) {
        free(st->rows[i].path);
        strv_release(&st->rows[i].csv);
        free(st->rows[i].json);
        free(st->rows[i].signature);
    }
    free(st->rows);
    for (i = 0; i < st->nclusters; i++)
        kpt_cluster_release(&st->clusters[i]);
    free(st->clusters);
    for (i = 0; i < st->nrej; i++) {
        free(st->rej[i].path);
        free(st->rej[i].why);
    }
    free(st->rej);
    kpt_fields_release(kpt_symstats_fields, &st->sym, 1);
    kpt_fields_release(kpt_summary_fields, &st->sum, 1);
    memset(st, 0, sizeof(*st));
}

/* an algorithm name: xnusig/1-draft2 */
static int
is_algo(const char *s)
{
    size_t i;

    for (i = 0; s && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || strchr("/.-_", s[i])))
            return 0;
    return s && i && i <= 64;
}

/* an identity the tool could have computed (ingest/ing_identity.c): "text:" and 32 hex
 * digits, or "incident:" and 1 to 128 printable bytes without a blank or a lower-case letter */
static int
is_identity(const char *s)
{
    size_t i;

    if (!strncmp(s, "text:", 5)) {
        for (i = 5; i < 37; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                return 0;
        return !s[37];
    }
    if (strncmp(s, "incident:", 9))
        return 0;
    for (i = 9; s[i]; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
            (s[i] >= 'a' && s[i] <= 'z') || i > 9 + 128)
            return 0;
    return i > 9;
}

/* why a state is not valid: its first reason only, in why (NULL: not wanted); KPT_E_FORMAT */
static int
reason(struct buf *why, const char *msg)
{
    if (why && !why->len)
        buf_adds(why, msg);
    return KPT_E_FORMAT;
}

/* a report row's JSON object back into r (strings in a): KPT_E_FORMAT and why when it is
 * not one this tool writes */
static int
row_read(json_t *o, struct arena *a, struct kpt_report *r, struct buf *why)
{
    const char *bad = NULL;
    json_t *h;

    if (!json_is_object(o))
        return reason(why, "a report row is not one this tool writes");
    if (rd_scalars_read(kpt_report_scalars, KPT_IN_JSON, r, o, a, &bad) < 0)
        return reason(why, !strcmp(bad, "signature_id") || !strcmp(bad, "coarse_id") ||
                                   !strcmp(bad, "fine_id")
                               ? "a report row's key is not 16 hex digits"
                               : "a report row has a field this tool does not write");
    if (!r->path)
        return reason(why, "a report row has no path");
    if (r->identity && !is_identity(r->identity))
        return reason(why, "a report row's identity is not one the tool computes");
    h = json_object_get(o, "hang");
    if (json_is_object(h)) {
        json_t *id = json_object_get(h, "hang_id");

        r->hang = arena_alloc(a, sizeof(*r->hang));
        memset(r->hang, 0, sizeof(*r->hang));
        if (json_is_string(id) && !rd_is_hex16(json_string_value(id)))
            return reason(why, "a report row's hang key is not 16 hex digits");
        r->hang->hang_id = json_is_string(id) ? arena_strdup(a, json_string_value(id)) : NULL;
    }
    return 0;
}

int
rd_state_row_report(const struct kpt_state_row *row, struct arena *a, struct kpt_report *r)
{
    json_t *o = json_loads(row->json, 0, NULL);
    int ret;

    kpt_report_init(r, a, row->path);
    ret = row_read(o, a, r, NULL);
    json_decref(o);
    if (ret < 0)
        r->status = KPT_ST_REJECTED;
    return ret;
}

/* one row of the state's "reports": path, CSV cells, JSON; what its cluster checks kept.
 * 0, or KPT_E_FORMAT and why */
static int
row_in(struct kpt_state_row *row, json_t *e, struct arena *a, struct buf *why)
{
    json_t *csv = json_object_get(e, "csv"), *js = json_object_get(e, "json"),
           *path = json_object_get(e, "path");
    json_t *o = json_is_string(js)
                    ? json_loadb(json_string_value(js), json_string_length(js), 0, NULL)
                    : NULL;
    struct kpt_report r;
    int ret = 0;

    row->path = json_is_string(path) ? rd_lossless_dec(json_string_value(path)) : NULL;
    row->json = json_is_object(o) ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (!row->path || !row->json || !json_is_string(csv) ||
        rd_csv_one(json_string_value(csv), json_string_length(csv), &row->csv) < 0)
        ret = reason(why, "a report row is not one this tool writes");
    arena_clear(a);
    kpt_report_init(&r, a, row->path ? row->path : "");
    if (ret == 0 && (ret = row_read(o, a, &r, why)) == 0) {
        if (r.sig_id)
            memcpy(row->sig_id, r.sig_id, 17);
        row->signature = r.signature ? xstrdup(r.signature) : NULL;
        /* read and signed: ok or partial (rejected and skipped rows are in no cluster) */
        row->clustered = KPT_READ(&r) && !r.excluded;
    }
    json_decref(o);
    if (!row->path)
        row->path = xstrdup("");
    if (!row->json)
        row->json = xstrdup("");
    return ret;
}

static int
seq_ok(size_t seq, size_t nrows)
{
    return seq == SIZE_MAX || seq < nrows;
}

static int
cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

/* 1 when two clusters have one key (sorted, not compared pairwise: states can be large) */
static int
shared_key(const struct kpt_state *st)
{
    uint64_t *ids = xcalloc(st->nclusters + 1, sizeof(*ids));
    size_t i;
    int dup = 0;

    for (i = 0; i < st->nclusters; i++)
        ids[i] = st->clusters[i].id;
    if (st->nclusters > 1)
        qsort(ids, st->nclusters, sizeof(*ids), cmp_u64);
    for (i = 1; i < st->nclusters && !dup; i++)
        dup = ids[i] == ids[i - 1];
    free(ids);
    return dup;
}

/* cluster c against the rows: 0, or KPT_E_FORMAT and why it cannot be; its members counted
 * in *members */
static int
cluster_invalid(const struct kpt_state *st, const struct kpt_cluster *c, size_t *members,
                struct buf *why)
{
    size_t k;

    if (!c->rep_path || !c->count || c->count > st->nrows)
        return reason(why, "a cluster has no representative or an impossible count");
    if (!seq_ok(c->first_seq, st->nrows) || !seq_ok(c->culprit_seq, st->nrows))
        return reason(why, "a cluster points at a report the state does not hold");
    if (c->nmembers > c->count)
        return reason(why, "a cluster lists more members than it counts");
    for (k = 0; k < c->nmembers; k++) {
        const struct kpt_state_row *r;

        if (c->members[k] >= st->nrows)
            return reason(why, "a cluster member is a report the state does not hold");
        /* a row says what its cluster says: the history records the row's keys */
        r = &st->rows[c->members[k]];
        if (strcmp(r->sig_id, c->id_hex) || !r->signature || strcmp(r->signature, c->signature))
            return reason(why, "a report row's signature is not its cluster's");
        (*members)++;
    }
    return 0;
}

/* the totals against the rows and the clusters: 0, or KPT_E_FORMAT and why */
static int
invalid(const struct kpt_state *st, struct buf *why)
{
    const struct kpt_summary *s = &st->sum;
    size_t i, held = 0, members = 0, clustered = 0;

    if (!is_algo(s->algo))
        return reason(why, "its algorithm name is not one");
    if (!rd_is_hex16(s->rules))
        return reason(why, "its rules digest is not 16 hex digits");
    if (s->files != st->nrows)
        return reason(why, "its totals do not match its report rows");
    if (s->ok + s->partial + s->rejected + s->skipped != s->files ||
        s->excluded > s->ok + s->partial || st->nrej + s->rej_unlisted != s->rejected)
        return reason(why, "its totals do not add up");
    for (i = 0; i < st->nclusters; i++) {
        if (cluster_invalid(st, &st->clusters[i], &members, why) < 0)
            return KPT_E_FORMAT;
        held += st->clusters[i].count;
    }
    if (held != KPT_TOTAL(s))
        return reason(why, "its clusters do not hold the reports its totals count");
    for (i = 0; i < st->nrows; i++)
        clustered += st->rows[i].clustered;
    if (members != clustered)
        return reason(why, "a signed report row is in no cluster (or in two)");
    return shared_key(st) ? reason(why, "two clusters share a key") : 0;
}

int
rd_state_load(const char *path, struct kpt_state *st, struct buf *err)
{
    size_t len;
    char *data;
    int ret;

    memset(st, 0, sizeof(*st));
    if ((ret = read_regular(path, STATE_MAX, &data, &len, err)) < 0)
        return ret;
    ret = rd_state_parse(data, len, path, st, err);
    free(data);
    return ret;
}

/*
 * What the JSON tree of a state would cost, from its bytes: every array element and object
 * member is a value of about 64 bytes in jansson (a row's texts are strings, one value
 * each). A state this tool writes has about one value in 80 bytes; one padded with short
 * values ("members":[0,0,...], 2 bytes each) would take 30 times its size. Refused above
 * STATE_MEM_FACTOR times its size, so merge's memory stays a small multiple of its states'.
 */
#define STATE_VALUE_COST 64
#define STATE_MEM_FACTOR 8
static int
too_many_values(const char *d, size_t n, size_t *values)
{
    size_t i, v = 1;
    int in = 0;

    for (i = 0; i < n; i++) {
        char c = d[i];

        if (in) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in = 0;
        } else if (c == '"') {
            in = 1;
        } else if (c == ',' || c == '[' || c == '{') {
            v++;
        }
    }
    *values = v;
    return v > (STATE_MEM_FACTOR * n + (16u << 20)) / STATE_VALUE_COST;
}

/* the "reports" array, every row read: 0, or KPT_E_FORMAT and why the first bad one is not */
static int
rows_in(struct kpt_state *st, json_t *a, struct buf *why)
{
    struct arena *ar = arena_new(4096);
    json_t *e;
    size_t i;
    int ret = 0;

    st->rows = xcalloc(json_array_size(a) + 1, sizeof(*st->rows));
    json_array_foreach(a, i, e)
    {
        if (row_in(&st->rows[st->nrows++], e, ar, why) < 0)
            ret = KPT_E_FORMAT;
    }
    arena_free(ar);
    return ret;
}

/* the "clusters" array: 0, or KPT_E_FORMAT and why a cluster cannot be */
static int
clusters_in(struct kpt_state *st, json_t *a, struct buf *why)
{
    const char *bad = NULL;
    json_t *e;
    size_t i;

    st->clusters = xcalloc(json_array_size(a) + 1, sizeof(*st->clusters));
    json_array_foreach(a, i, e)
    {
        struct kpt_cluster *c = &st->clusters[st->nclusters++];

        if (rd_scalars_read(kpt_cluster_scalars, KPT_IN_STATE, c, e, NULL, &bad) < 0)
            return reason(why, !strcmp(bad, "signature_id") || !strcmp(bad, "coarse_id")
                                   ? "a cluster key is not 16 hex digits"
                                   : "a cluster's field is not what its type allows");
        if (rd_fields_read(kpt_cluster_fields, c, e) < 0)
            return reason(why, "a count is not an integer from 0 to 2^53");
        if (!c->id_hex || !c->signature || !c->panic_class)
            return reason(why, "a cluster is incomplete");
    }
    return 0;
}

/* the rest: totals, rejected files, symbolication counts; 0, or KPT_E_FORMAT and why */
static int
rest_in(struct kpt_state *st, json_t *root, struct buf *why)
{
    json_t *a = json_object_get(root, "rejected"), *e;
    int bad = 0;
    size_t i;

    bad |= rd_fields_read(kpt_summary_fields, &st->sum, json_object_get(root, "totals"));
    if (st->sum.sig_frames ==
        3) /* a state written with '--frames 3' before that was the default's 0 */
        st->sum.sig_frames = 0;
    st->rej = xcalloc(json_array_size(a) + 1, sizeof(*st->rej));
    json_array_foreach(a, i, e)
    {
        const char *p = json_string_value(json_array_get(e, 0)),
                   *w = json_string_value(json_array_get(e, 1));
        struct kpt_rejected *r = &st->rej[st->nrej++];

        r->path = rd_lossless_dec(p ? p : "");
        r->why = rd_lossless_dec(w ? w : "");
        if (!r->path || !r->why)
            bad = KPT_E_FORMAT;
    }
    bad |= rd_fields_read(kpt_symstats_fields, &st->sym, json_object_get(root, "sym"));
    return bad ? reason(
                     why,
                     "a count is not an integer from 0 to 2^53, or a text not one this tool writes")
               : 0;
}

int
rd_state_parse(const char *data, size_t len, const char *path, struct kpt_state *st,
               struct buf *err)
{
    json_error_t je;
    json_t *root, *kind;
    struct buf why = BUF_INIT;
    size_t nv;
    int bad;

    memset(st, 0, sizeof(*st));
    if (too_many_values(data, len, &nv))
        return kpt_fail(err, KPT_E_LIMIT,
                        "%s: not a valid state: %zu JSON values in %zu bytes would take over %d "
                        "times its size in memory (padded?)",
                        path, nv, len, STATE_MEM_FACTOR);
    if (!(root = json_loadb(data, len, 0, &je)))
        return kpt_fail(err, KPT_E_PARSE, "%s:%d: %s", path, je.line,
                        *je.text ? je.text : "cannot be parsed (out of memory?)");
    kind = json_object_get(root, "kind");
    if (!json_is_string(kind) || strcmp(json_string_value(kind), KPT_STATE_KIND) ||
        json_integer_value(json_object_get(root, "version")) != KPT_STATE_VERSION) {
        json_decref(root);
        return kpt_fail(err, KPT_E_FORMAT, "%s: not a kptrace-batch state (version %d)", path,
                        KPT_STATE_VERSION);
    }
    /* every part read (each keeps what it read, for the release); the first reason told */
    bad = rows_in(st, json_object_get(root, "reports"), &why) < 0;
    bad |= clusters_in(st, json_object_get(root, "clusters"), &why) < 0;
    bad |= rest_in(st, root, &why) < 0;
    json_decref(root);
    if (bad || invalid(st, &why) < 0) {
        rd_state_release(st);
        (void)kpt_fail(err, KPT_E_FORMAT, "%s: not a valid state: %s", path, why.data);
        buf_release(&why);
        return KPT_E_FORMAT;
    }
    return 0;
}
