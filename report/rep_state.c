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
#include "util/err.h"
#include "util/xalloc.h"

#define STATE_KIND "kptrace-batch state"
#define STATE_VERSION 1

static json_t *str_out(const char *s);

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

    json_object_set_new(o, "path", str_out(path));
    json_object_set_new(o, "csv", json_string(csv));
    json_object_set_new(o, "json", json_string(json));
    if (!first)
        fputs(",\n", f);
    ret = json_dumpf(o, f, JSON_COMPACT) ? KPT_E_IO : 0;
    json_decref(o);
    return ret || ferror(f) ? KPT_E_IO : 0;
}

/* paths are bytes: valid UTF-8 passes, '\' becomes "\\", any other byte "\xNN" */
static char *
path_enc(const char *p)
{
    struct buf u = BUF_INIT, o = BUF_INIT;
    const unsigned char *s;

    rep_utf8(&u, p);
    if (!strcmp(u.data, p) && !strchr(p, '\\')) {
        buf_release(&o);
        return buf_detach(&u, NULL);
    }
    buf_release(&u);
    for (s = (const unsigned char *)p; *s; s++) {
        if (*s == '\\')
            buf_adds(&o, "\\\\");
        else if (*s >= 0x80)
            buf_addf(&o, "\\x%02x", *s);
        else
            buf_addc(&o, (char)*s);
    }
    return buf_detach(&o, NULL);
}

static char *
path_dec(const char *p)
{
    struct buf o = BUF_INIT;

    for (; *p; p++) {
        if (p[0] == '\\' && p[1] == '\\') {
            buf_addc(&o, '\\');
            p++;
        } else if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
            char h[3] = { p[2], p[3], 0 };

            buf_addc(&o, (char)strtoul(h, NULL, 16));
            p += 3;
        } else {
            buf_addc(&o, *p);
        }
    }
    return buf_detach(&o, NULL);
}

static json_t *
hist_out(const struct kpt_hist *h)
{
    json_t *o = json_object(), *v = json_array();
    size_t i;

    for (i = 0; i < h->n; i++) {
        char *e = path_enc(h->v[i].value);

        json_array_append_new(v, json_pack("[s,I]", e, (json_int_t)h->v[i].count));
        free(e);
    }
    json_object_set_new(o, "v", v);
    json_object_set_new(o, "other", json_integer((json_int_t)h->other));
    return o;
}

static json_t *
str_out(const char *s)
{
    char *e;
    json_t *j;

    if (!s)
        return json_null();
    e = path_enc(s);
    j = json_string(e);
    free(e);
    return j ? j : json_null();
}

static json_t *
seq_out(size_t v)
{
    return v == SIZE_MAX ? json_null() : json_integer((json_int_t)v);
}

int
rep_state_end(FILE *f, const struct kpt_summary *s)
{
    json_t *cl = json_array(), *tot = json_object(), *rej = json_array(), *sym = json_object();
    size_t i, k;
    int ret = 0;

    for (i = 0; i < s->nclusters; i++) {
        const struct kpt_cluster *c = &s->clusters[i];
        json_t *o = json_object(), *a;

        json_object_set_new(o, "id", json_string(c->id_hex));
        json_object_set_new(o, "signature", str_out(c->signature));
        json_object_set_new(o, "class", str_out(c->panic_class));
        json_object_set_new(o, "culprit", str_out(c->culprit));
        json_object_set_new(o, "message", str_out(c->message));
        json_object_set_new(o, "coarse_id", str_out(c->coarse_id));
        json_object_set_new(o, "coarse", str_out(c->coarse));
        json_object_set_new(o, "fields", str_out(c->fields));
        json_object_set_new(o, "count", json_integer((json_int_t)c->count));
        json_object_set_new(o, "has_seen", json_boolean(c->has_seen));
        json_object_set_new(o, "seen_local", json_boolean(c->seen_local));
        json_object_set_new(o, "first_seen", json_integer((json_int_t)c->first_seen));
        json_object_set_new(o, "last_seen", json_integer((json_int_t)c->last_seen));
        json_object_set_new(o, "rep_path", str_out(c->rep_path));
        json_object_set_new(o, "rep_when", json_integer((json_int_t)c->rep_when));
        a = json_array();
        for (k = 0; k < c->rep_nframes; k++)
            json_array_append_new(a, str_out(c->rep_frames[k]));
        json_object_set_new(o, "rep_frames", a);
        a = json_array();
        for (k = 0; k < c->nexamples; k++)
            json_array_append_new(a, str_out(c->examples[k]));
        json_object_set_new(o, "examples", a);
        json_object_set_new(o, "builds", hist_out(&c->builds));
        json_object_set_new(o, "formats", hist_out(&c->formats));
        json_object_set_new(o, "models", hist_out(&c->models));
        json_object_set_new(o, "processes", hist_out(&c->processes));
        json_object_set_new(o, "archs", hist_out(&c->archs));
        json_object_set_new(o, "qualities", hist_out(&c->qualities));
        json_object_set_new(o, "kext_versions", hist_out(&c->kext_versions));
        json_object_set_new(o, "fine_keys", hist_out(&c->fine_keys));
        json_object_set_new(o, "first_seq", seq_out(c->first_seq));
        json_object_set_new(o, "culprit_seq", seq_out(c->culprit_seq));
        a = json_array();
        for (k = 0; k < c->nmembers; k++)
            json_array_append_new(a, json_integer((json_int_t)c->members[k]));
        json_object_set_new(o, "members", a);
        json_array_append_new(cl, o);
    }
    json_object_set_new(tot, "files", json_integer((json_int_t)s->files));
    json_object_set_new(tot, "ok", json_integer((json_int_t)s->ok));
    json_object_set_new(tot, "partial", json_integer((json_int_t)s->partial));
    json_object_set_new(tot, "rejected", json_integer((json_int_t)s->rejected));
    json_object_set_new(tot, "no_backtrace", json_integer((json_int_t)s->no_backtrace));
    json_object_set_new(tot, "frames", json_integer((json_int_t)s->frames));
    json_object_set_new(tot, "frames_placed", json_integer((json_int_t)s->frames_placed));
    json_object_set_new(tot, "frames_named", json_integer((json_int_t)s->frames_named));
    json_object_set_new(tot, "excluded", json_integer((json_int_t)s->excluded));
    json_object_set_new(tot, "rej_unlisted", json_integer((json_int_t)s->rej_unlisted));
    {
        json_t *bf = json_array();

        for (k = 0; k <= KPT_FMT_PLIST; k++)
            json_array_append_new(bf, json_integer((json_int_t)s->by_format[k]));
        json_object_set_new(tot, "by_format", bf);
    }
    for (i = 0; i < s->nrej; i++)
        json_array_append_new(rej, json_pack("[o,o]", str_out(s->rej[i].path), str_out(s->rej[i].why)));
    if (s->sym) {
        const struct kpt_symstats *y = s->sym;
        json_t *fl = json_array();

        json_object_set_new(sym, "enabled", json_boolean(y->enabled));
        json_object_set_new(sym, "kernels", json_integer((json_int_t)y->kernels));
        json_object_set_new(sym, "kexts", json_integer((json_int_t)y->kexts));
        json_object_set_new(sym, "lookups", json_integer((json_int_t)y->lookups));
        json_object_set_new(sym, "cache_hits", json_integer((json_int_t)y->cache_hits));
        json_object_set_new(sym, "lldb_lookups", json_integer((json_int_t)y->lldb_lookups));
        json_object_set_new(sym, "lldb_starts", json_integer((json_int_t)y->lldb_starts));
        json_object_set_new(sym, "lldb_failed", json_integer((json_int_t)y->lldb_failed));
        json_object_set_new(sym, "reports_no_kdk", json_integer((json_int_t)y->reports_no_kdk));
        json_object_set_new(sym, "reports_mismatch", json_integer((json_int_t)y->reports_mismatch));
        json_object_set_new(sym, "no_kdk_builds", hist_out(&y->no_kdk_builds));
        json_object_set_new(sym, "no_binary_kexts", hist_out(&y->no_binary_kexts));
        for (k = 0; k < y->nfailures; k++)
            json_array_append_new(fl, str_out(y->failures[k]));
        json_object_set_new(sym, "failures", fl);
    }
    fprintf(f, "\n],\"algo\":\"%s\",\"rules\":\"%s\",\"clusters\":", s->algo, s->rules ? s->rules : "");
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

    return json_is_string(v) ? path_dec(json_string_value(v)) : NULL;
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

static void
hist_in(json_t *o, struct kpt_hist *h)
{
    json_t *v = json_object_get(o, "v"), *e;
    size_t i;

    memset(h, 0, sizeof(*h));
    json_array_foreach(v, i, e) {
        char *val = path_dec(json_string_value(json_array_get(e, 0)) ? json_string_value(json_array_get(e, 0)) : "-");

        kpt_hist_add(h, val, (size_t)json_integer_value(json_array_get(e, 1)));
        free(val);
    }
    h->other += num_in(o, "other");
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
            v[(*n)++] = path_dec(json_string_value(e));
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
    kpt_hist_release(&st->sym.no_kdk_builds);
    kpt_hist_release(&st->sym.no_binary_kexts);
    for (i = 0; i < st->sym.nfailures; i++)
        free(st->sym.failures[i]);
    free(st->sym.failures);
    free(st->algo);
    free(st->rules);
    memset(st, 0, sizeof(*st));
}

int
rep_state_load(const char *path, struct kpt_state *st, struct buf *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *a, *e, *t, *y;
    size_t i, k;

    memset(st, 0, sizeof(*st));
    if (!root) {
        buf_addf(err, "%s:%d: %s", path, je.line, je.text);
        return KPT_E_PARSE;
    }
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "kind")) ||
        strcmp(json_string_value(json_object_get(root, "kind")), STATE_KIND) ||
        json_integer_value(json_object_get(root, "version")) != STATE_VERSION) {
        buf_addf(err, "%s: not a kptrace-batch state (version %d)", path, STATE_VERSION);
        json_decref(root);
        return KPT_E_FORMAT;
    }
    st->algo = str_in(root, "algo");
    st->rules = str_in(root, "rules");
    a = json_object_get(root, "reports");
    st->rows = xcalloc(json_array_size(a) + 1, sizeof(*st->rows));
    json_array_foreach(a, i, e) {
        struct kpt_state_row *r = &st->rows[st->nrows++];

        r->path = str_in(e, "path");
        r->csv = xstrdup(json_string_value(json_object_get(e, "csv")) ? json_string_value(json_object_get(e, "csv")) : "");
        r->json = xstrdup(json_string_value(json_object_get(e, "json")) ? json_string_value(json_object_get(e, "json")) : "");
        if (!r->path)
            r->path = xstrdup("");
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
        c->rep_frames = strs_in(json_object_get(e, "rep_frames"), &c->rep_nframes);
        ex = strs_in(json_object_get(e, "examples"), &c->nexamples);
        for (k = 0; k < c->nexamples && k < KPT_EXAMPLES; k++)
            c->examples[k] = ex[k];
        for (; k < c->nexamples; k++)
            free(ex[k]);
        if (c->nexamples > KPT_EXAMPLES)
            c->nexamples = KPT_EXAMPLES;
        free(ex);
        hist_in(json_object_get(e, "builds"), &c->builds);
        hist_in(json_object_get(e, "formats"), &c->formats);
        hist_in(json_object_get(e, "models"), &c->models);
        hist_in(json_object_get(e, "processes"), &c->processes);
        hist_in(json_object_get(e, "archs"), &c->archs);
        hist_in(json_object_get(e, "qualities"), &c->qualities);
        hist_in(json_object_get(e, "kext_versions"), &c->kext_versions);
        hist_in(json_object_get(e, "fine_keys"), &c->fine_keys);
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
    st->sum.files = num_in(t, "files");
    st->sum.ok = num_in(t, "ok");
    st->sum.partial = num_in(t, "partial");
    st->sum.rejected = num_in(t, "rejected");
    st->sum.no_backtrace = num_in(t, "no_backtrace");
    st->sum.frames = num_in(t, "frames");
    st->sum.frames_placed = num_in(t, "frames_placed");
    st->sum.frames_named = num_in(t, "frames_named");
    st->sum.excluded = num_in(t, "excluded");
    st->sum.rej_unlisted = num_in(t, "rej_unlisted");
    json_array_foreach(json_object_get(t, "by_format"), i, e)
        if (i <= KPT_FMT_PLIST)
            st->sum.by_format[i] = (size_t)json_integer_value(e);
    a = json_object_get(root, "rejected");
    st->rej = xcalloc(json_array_size(a) + 1, sizeof(*st->rej));
    json_array_foreach(a, i, e) {
        const char *p = json_string_value(json_array_get(e, 0)), *w = json_string_value(json_array_get(e, 1));

        st->rej[st->nrej].path = path_dec(p ? p : "");
        st->rej[st->nrej].why = path_dec(w ? w : "");
        st->nrej++;
    }
    y = json_object_get(root, "sym");
    st->sym.enabled = json_is_true(json_object_get(y, "enabled"));
    st->sym.kernels = num_in(y, "kernels");
    st->sym.kexts = num_in(y, "kexts");
    st->sym.lookups = num_in(y, "lookups");
    st->sym.cache_hits = num_in(y, "cache_hits");
    st->sym.lldb_lookups = num_in(y, "lldb_lookups");
    st->sym.lldb_starts = num_in(y, "lldb_starts");
    st->sym.lldb_failed = num_in(y, "lldb_failed");
    st->sym.reports_no_kdk = num_in(y, "reports_no_kdk");
    st->sym.reports_mismatch = num_in(y, "reports_mismatch");
    hist_in(json_object_get(y, "no_kdk_builds"), &st->sym.no_kdk_builds);
    hist_in(json_object_get(y, "no_binary_kexts"), &st->sym.no_binary_kexts);
    {
        json_t *fl = json_object_get(y, "failures");

        st->sym.failures = xcalloc(json_array_size(fl) + 1, sizeof(char *));
        json_array_foreach(fl, i, e)
            if (json_is_string(e))
                st->sym.failures[st->sym.nfailures++] = path_dec(json_string_value(e));
    }
    json_decref(root);
    return 0;
}
