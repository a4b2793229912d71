/*
 * rep_state.c - a run's mergeable state (--emit-state) and reading it back (merge).
 *
 * One JSON document: the reports' rows as the outputs print them (so that a merge re-emits
 * them byte for byte), every cluster with everything that merges (counts, first and last
 * seen, histograms, examples, the representative, members), the totals, the rejected list
 * and the symbolication counts. Rows are streamed as the run goes; clusters come at the end.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/civil.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define STATE_KIND "kptrace-batch state"
#define STATE_VERSION 2
#define STATE_MAX (1ull << 30) /* a shard's state: its rows as printed, its clusters */

int
rep_state_begin(FILE *f)
{
    fprintf(f, "{\"kind\":\"%s\",\"version\":%d,\"reports\":[\n", STATE_KIND, STATE_VERSION);
    return ferror(f) ? KPT_E_IO : 0;
}

int
rep_state_report(FILE *f, const char *path, const char *csv, const char *json, int first)
{
    json_t *o = json_object();
    int ret;

    json_object_set_new(o, "path", rep_lossless_str(path));
    json_object_set_new(o, "csv", json_string(csv));
    json_object_set_new(o, "json", json_string(json));
    if (!first)
        fputs(",\n", f);
    ret = json_dumpf(o, f, JSON_COMPACT) ? KPT_E_IO : 0;
    json_decref(o);
    return ret || ferror(f) ? KPT_E_IO : 0;
}

static json_t *
seq_out(size_t v)
{
    return v == SIZE_MAX ? json_null() : json_integer((json_int_t)v);
}

int
rep_state_end(FILE *f, const struct kpt_summary *s)
{
    json_t *cl = json_array(), *tot, *rej = json_array(), *sym;
    size_t i, k;
    int ret = 0;

    for (i = 0; i < s->nclusters; i++) {
        const struct kpt_cluster *c = &s->clusters[i];
        json_t *o = json_object(), *a;

        json_object_set_new(o, "id", json_string(c->id_hex));
        json_object_set_new(o, "signature", rep_lossless_str(c->signature));
        json_object_set_new(o, "class", rep_lossless_str(c->panic_class));
        json_object_set_new(o, "culprit", rep_lossless_str(c->culprit));
        json_object_set_new(o, "message", rep_lossless_str(c->message));
        json_object_set_new(o, "coarse_id", rep_lossless_str(c->coarse_id));
        json_object_set_new(o, "coarse", rep_lossless_str(c->coarse));
        json_object_set_new(o, "fields", rep_lossless_str(c->fields));
        json_object_set_new(o, "count", json_integer((json_int_t)c->count));
        json_object_set_new(o, "has_seen", json_boolean(c->has_seen));
        json_object_set_new(o, "seen_local", json_boolean(c->seen_local));
        json_object_set_new(o, "first_seen", json_integer((json_int_t)c->first_seen));
        json_object_set_new(o, "last_seen", json_integer((json_int_t)c->last_seen));
        json_object_set_new(o, "rep_path", rep_lossless_str(c->rep_path));
        json_object_set_new(o, "rep_when", json_integer((json_int_t)c->rep_when));
        json_object_set_new(o, "rep_frames_all", json_integer((json_int_t)c->rep_frames_all));
        json_object_set_new(o, "rep_named", json_integer((json_int_t)c->rep_named));
        a = json_array();
        for (k = 0; k < c->rep_nframes; k++)
            json_array_append_new(a, rep_lossless_str(c->rep_frames[k]));
        json_object_set_new(o, "rep_frames", a);
        a = json_array();
        for (k = 0; k < c->nexamples; k++)
            json_array_append_new(a, rep_lossless_str(c->examples[k]));
        json_object_set_new(o, "examples", a);
        a = rep_fields_json(kpt_cluster_fields, c, 1);
        json_object_update(o, a);
        json_decref(a);
        json_object_set_new(o, "first_seq", seq_out(c->first_seq));
        json_object_set_new(o, "culprit_seq", seq_out(c->culprit_seq));
        a = json_array();
        for (k = 0; k < c->nmembers; k++)
            json_array_append_new(a, json_integer((json_int_t)c->members[k]));
        json_object_set_new(o, "members", a);
        json_array_append_new(cl, o);
    }
    for (i = 0; i < s->nrej; i++)
        json_array_append_new(rej, json_pack("[o,o]", rep_lossless_str(s->rej[i].path), rep_lossless_str(s->rej[i].why)));
    tot = rep_fields_json(kpt_summary_fields, s, 1);
    sym = s->sym ? rep_fields_json(kpt_symstats_fields, s->sym, 1) : json_object();
    fputs("\n],\"clusters\":", f);
    ret = json_dumpf(cl, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs(",\"totals\":", f);
    ret |= json_dumpf(tot, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs(",\"rejected\":", f);
    ret |= json_dumpf(rej, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs(",\"sym\":", f);
    ret |= json_dumpf(sym, f, JSON_COMPACT) ? KPT_E_IO : 0;
    fputs("}\n", f);
    json_decref(cl);
    json_decref(tot);
    json_decref(rej);
    json_decref(sym);
    return ret || ferror(f) ? KPT_E_IO : 0;
}

/* ---- reading a state back ---- */

static char *
str_in(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? rep_lossless_dec(json_string_value(v)) : NULL;
}

static size_t
num_in(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) && json_integer_value(v) >= 0 ? (size_t)json_integer_value(v) : 0;
}

static size_t
seq_in(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (size_t)json_integer_value(v) : SIZE_MAX;
}

static char **
strs_in(json_t *a, size_t *n)
{
    char **v = xcalloc(json_array_size(a) + 1, sizeof(*v));
    size_t i;
    json_t *e;

    *n = 0;
    json_array_foreach(a, i, e)
        if (json_is_string(e))
            v[(*n)++] = rep_lossless_dec(json_string_value(e));
    return v;
}

void
rep_state_release(struct kpt_state *st)
{
    size_t i;

    for (i = 0; i < st->nrows; i++) {
        free(st->rows[i].path);
        free(st->rows[i].csv);
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

/* 16 lowercase hex digits: every key and digest */
static int
is_hex16(const char *s)
{
    size_t i;

    for (i = 0; s && i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s && !s[16];
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

/* a state is untrusted input: every field against its grammar, the totals against the rows */
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
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || (s[i] >= 'a' && s[i] <= 'z') || i > 9 + 128)
            return 0;
    return i > 9;
}

/* what a report row's JSON says of its keys and identity: kept in r, or why not */
static const char *
row_keys(struct kpt_state_row *r, json_t *o)
{
    static const char *const hex16[] = { "signature_id", "coarse_id", "fine_id" };
    json_t *v, *st = json_object_get(o, "status");
    size_t i;

    for (i = 0; i < sizeof(hex16) / sizeof(hex16[0]); i++) {
        v = json_object_get(o, hex16[i]);
        if (v && !json_is_null(v) && !(json_is_string(v) && is_hex16(json_string_value(v))))
            return "a report row's key is not 16 hex digits";
    }
    v = json_object_get(o, "identity");
    if (v && !json_is_null(v) && !(json_is_string(v) && is_identity(json_string_value(v))))
        return "a report row's identity is not one the tool computes";
    v = json_object_get(o, "signature_id");
    if (json_is_string(v))
        memcpy(r->sig_id, json_string_value(v), 17);
    v = json_object_get(o, "signature");
    if (json_is_string(v))
        r->signature = xstrdup(json_string_value(v));
    /* read and signed: ok or partial (rejected and skipped rows are in no cluster) */
    r->clustered = json_is_string(st) &&
                   (!strcmp(json_string_value(st), "ok") || !strcmp(json_string_value(st), "partial")) &&
                   !json_is_true(json_object_get(o, "excluded"));
    return NULL;
}

static const char *
invalid(const struct kpt_state *st)
{
    const struct kpt_summary *s = &st->sum;
    size_t i, k, held = 0, members = 0, clustered = 0;

    if (!is_algo(s->algo))
        return "its algorithm name is not one";
    if (!is_hex16(s->rules))
        return "its rules digest is not 16 hex digits";
    if (s->files != st->nrows)
        return "its totals do not match its report rows";
    if (s->ok + s->partial + s->rejected + s->skipped != s->files || s->excluded > s->ok + s->partial ||
        st->nrej + s->rej_unlisted != s->rejected)
        return "its totals do not add up";
    for (i = 0; i < st->nclusters; i++) {
        const struct kpt_cluster *c = &st->clusters[i];

        if (!is_hex16(c->id_hex) || (c->coarse_id && !is_hex16(c->coarse_id)))
            return "a cluster key is not 16 hex digits";
        if (!c->rep_path || !c->count || c->count > st->nrows)
            return "a cluster has no representative or an impossible count";
        if (!seq_ok(c->first_seq, st->nrows) || !seq_ok(c->culprit_seq, st->nrows))
            return "a cluster points at a report the state does not hold";
        if (c->nmembers > c->count)
            return "a cluster lists more members than it counts";
        for (k = 0; k < c->nmembers; k++) {
            const struct kpt_state_row *r;

            if (c->members[k] >= st->nrows)
                return "a cluster member is a report the state does not hold";
            /* a row says what its cluster says: the history records the row's keys */
            r = &st->rows[c->members[k]];
            if (strcmp(r->sig_id, c->id_hex) || !r->signature || strcmp(r->signature, c->signature))
                return "a report row's signature is not its cluster's";
            members++;
        }
        held += c->count;
    }
    if (held != KPT_TOTAL(s))
        return "its clusters do not hold the reports its totals count";
    for (i = 0; i < st->nrows; i++)
        clustered += st->rows[i].clustered;
    if (members != clustered)
        return "a signed report row is in no cluster (or in two)";
    return shared_key(st) ? "two clusters share a key" : NULL;
}

int
rep_state_load(const char *path, struct kpt_state *st, struct buf *err)
{
    size_t len;
    char *data;
    int ret;

    memset(st, 0, sizeof(*st));
    if ((ret = read_regular(path, STATE_MAX, &data, &len, err)) < 0)
        return ret;
    ret = rep_state_parse(data, len, path, st, err);
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

int
rep_state_parse(const char *data, size_t len, const char *path, struct kpt_state *st, struct buf *err)
{
    json_error_t je;
    json_t *root, *a, *e, *t, *y;
    size_t i, k;
    const char *why = NULL;
    int bad = 0;

    memset(st, 0, sizeof(*st));
    if (too_many_values(data, len, &i)) {
        buf_addf(err, "%s: not a valid state: %zu JSON values in %zu bytes would take over %d times "
                      "its size in memory (padded?)", path, i, len, STATE_MEM_FACTOR);
        return KPT_E_LIMIT;
    }
    root = json_loadb(data, len, 0, &je);
    if (!root) {
        buf_addf(err, "%s:%d: %s", path, je.line, *je.text ? je.text : "cannot be parsed (out of memory?)");
        return KPT_E_PARSE;
    }
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "kind")) ||
        strcmp(json_string_value(json_object_get(root, "kind")), STATE_KIND) ||
        json_integer_value(json_object_get(root, "version")) != STATE_VERSION) {
        buf_addf(err, "%s: not a kptrace-batch state (version %d)", path, STATE_VERSION);
        json_decref(root);
        return KPT_E_FORMAT;
    }
    a = json_object_get(root, "reports");
    st->rows = xcalloc(json_array_size(a) + 1, sizeof(*st->rows));
    json_array_foreach(a, i, e) {
        struct kpt_state_row *r = &st->rows[st->nrows++];

        json_t *csv = json_object_get(e, "csv"), *js = json_object_get(e, "json"), *o;

        r->path = str_in(e, "path");
        /* the rows are printed again: re-rendered, so a row as printed comes back the same
         * and a forged one (a formula cell, a broken JSON object) cannot pass */
        r->csv = json_is_string(csv) ? rep_csv_canon(json_string_value(csv), json_string_length(csv)) : NULL;
        o = json_is_string(js) ? json_loadb(json_string_value(js), json_string_length(js), 0, NULL) : NULL;
        r->json = json_is_object(o) ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (json_is_object(o) && !why)
            why = row_keys(r, o);
        json_decref(o);
        if (!r->path || !r->csv || !r->json)
            why = "a report row is not one this tool writes";
        if (!r->path)
            r->path = xstrdup("");
        if (!r->csv)
            r->csv = xstrdup("");
        if (!r->json)
            r->json = xstrdup("");
    }
    a = json_object_get(root, "clusters");
    st->clusters = xcalloc(json_array_size(a) + 1, sizeof(*st->clusters));
    json_array_foreach(a, i, e) {
        struct kpt_cluster *c = &st->clusters[st->nclusters++];
        json_t *m;
        char **ex;

        c->id_hex = str_in(e, "id");
        c->id = c->id_hex ? strtoull(c->id_hex, NULL, 16) : 0;
        c->signature = str_in(e, "signature");
        c->panic_class = str_in(e, "class");
        c->culprit = str_in(e, "culprit");
        c->message = str_in(e, "message");
        c->coarse_id = str_in(e, "coarse_id");
        c->coarse = str_in(e, "coarse");
        c->fields = str_in(e, "fields");
        c->count = num_in(e, "count");
        c->has_seen = json_is_true(json_object_get(e, "has_seen"));
        c->seen_local = json_is_true(json_object_get(e, "seen_local"));
        c->first_seen = (int64_t)json_integer_value(json_object_get(e, "first_seen"));
        c->last_seen = (int64_t)json_integer_value(json_object_get(e, "last_seen"));
        c->rep_path = str_in(e, "rep_path");
        c->rep_when = (int64_t)json_integer_value(json_object_get(e, "rep_when"));
        c->rep_frames_all = num_in(e, "rep_frames_all");
        c->rep_named = num_in(e, "rep_named");
        c->rep_frames = strs_in(json_object_get(e, "rep_frames"), &c->rep_nframes);
        ex = strs_in(json_object_get(e, "examples"), &c->nexamples);
        for (k = 0; k < c->nexamples && k < KPT_EXAMPLES; k++)
            c->examples[k] = ex[k];
        for (; k < c->nexamples; k++)
            free(ex[k]);
        if (c->nexamples > KPT_EXAMPLES)
            c->nexamples = KPT_EXAMPLES;
        free(ex);
        bad |= rep_fields_read(kpt_cluster_fields, c, e);
        c->first_seq = seq_in(e, "first_seq");
        c->culprit_seq = seq_in(e, "culprit_seq");
        m = json_object_get(e, "members");
        c->members = xcalloc(json_array_size(m) + 1, sizeof(*c->members));
        json_array_foreach(m, k, t)
            c->members[c->nmembers++] = (size_t)json_integer_value(t);
        c->capmembers = c->nmembers + 1;
        if (!c->id_hex || !c->signature || !c->panic_class) {
            buf_addf(err, "%s: cluster %zu is incomplete", path, i);
            json_decref(root);
            rep_state_release(st);
            return KPT_E_FORMAT;
        }
    }
    t = json_object_get(root, "totals");
    bad |= rep_fields_read(kpt_summary_fields, &st->sum, t);
    if (st->sum.sig_frames == 3) /* a state written with '--frames 3' before that was the default's 0 */
        st->sum.sig_frames = 0;
    a = json_object_get(root, "rejected");
    st->rej = xcalloc(json_array_size(a) + 1, sizeof(*st->rej));
    json_array_foreach(a, i, e) {
        const char *p = json_string_value(json_array_get(e, 0)), *w = json_string_value(json_array_get(e, 1));

        st->rej[st->nrej].path = rep_lossless_dec(p ? p : "");
        st->rej[st->nrej].why = rep_lossless_dec(w ? w : "");
        st->nrej++;
    }
    y = json_object_get(root, "sym");
    bad |= rep_fields_read(kpt_symstats_fields, &st->sym, y);
    json_decref(root);
    if (!why && bad)
        why = "a count is not an integer from 0 to 2^53";
    if (why || (why = invalid(st))) {
        buf_addf(err, "%s: not a valid state: %s", path, why);
        rep_state_release(st);
        return KPT_E_FORMAT;
    }
    return 0;
}

/* a string member of a report row, in a (NULL when absent or not a string) */
static const char *
row_str(struct arena *a, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
}

int
rep_state_row_report(const struct kpt_state_row *row, struct arena *a, struct kpt_report *r)
{
    json_t *o = json_loads(row->json, 0, NULL), *h;
    const char *status, *when;

    kpt_report_init(r, a, row->path);
    if (!json_is_object(o)) {
        json_decref(o);
        r->status = KPT_ST_REJECTED;
        return -1;
    }
    status = row_str(a, o, "status");
    r->status = status && !strcmp(status, "ok") ? KPT_ST_OK
                : status && !strcmp(status, "partial") ? KPT_ST_PARTIAL
                : status && !strcmp(status, "skipped") ? KPT_ST_SKIPPED : KPT_ST_REJECTED;
    r->excluded = json_is_true(json_object_get(o, "excluded"));
    r->identity = row_str(a, o, "identity");
    r->sig_id = row_str(a, o, "signature_id");
    r->signature = row_str(a, o, "signature");
    r->panic_class = row_str(a, o, "panic_class");
    r->coarse_id = row_str(a, o, "coarse_id");
    r->fine_id = row_str(a, o, "fine_id");
    r->culprit = row_str(a, o, "culprit");
    r->os_build = row_str(a, o, "os_build");
    r->model = row_str(a, o, "model");
    r->process = row_str(a, o, "process");
    if ((when = row_str(a, o, "time")) && civil_parse_date(when, &r->when) == 0) {
        r->has_when = 1;
        r->when_local = when[strlen(when) - 1] != 'Z';
    }
    h = json_object_get(o, "hang");
    if (json_is_object(h)) {
        r->hang = arena_alloc(a, sizeof(*r->hang));
        r->hang->hang_id = row_str(a, h, "hang_id");
    }
    json_decref(o);
    return 0;
}
