/*
 * clu_rules.c - the rule files (SIGNATURES.md §8): built in, or loaded with --rules DIR;
 * compiled once at start-up, a bad pattern reported with its file:line.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define RULE_FILE_MAX (1u << 20)

/* every rule file, in byte order of names (the digest's order) */
static const struct {
    const char *name;
    int list; /* enum clu_list, or -1 */
} rule_files[] = {
    { "classes.tsv", -1 },
    { "clones.txt", -1 },
    { "hang-idle.txt", CLU_HANG_IDLE },
    { "hang-wait.txt", CLU_HANG_WAIT },
    { "interrupt-entry.txt", CLU_INTR_ENTRY },
    { "irrelevant.txt", CLU_IRRELEVANT },
    { "kernel-modules.txt", CLU_KERNEL_MODULES },
    { "lock-spin.txt", CLU_LOCK_SPIN },
    { "plumbing-arm64.txt", CLU_PLUMB_ARM },
    { "plumbing-common.txt", CLU_PLUMB_COMMON },
    { "plumbing-x86_64.txt", CLU_PLUMB_X86 },
    { "prefix.txt", CLU_PREFIX },
    { "sections.txt", -1 },
    { "tail.txt", CLU_TAIL },
};
#define NFILES (sizeof(rule_files) / sizeof(rule_files[0]))

static int
bad(struct buf *err, const char *file, unsigned line, const char *what, const char *subject)
{
    buf_addf(err, "%s:%u: %s '%.60s'", file, line, what, subject ? subject : "");
    return KPT_E_PARSE;
}

/* a rule file given as text instead of read (clu_rules_load_with(), for fuzzing) */
struct rule_text {
    const char *name, *text;
    size_t len;
};

/* the file's text with CRLF as LF: 'over' when it names the file, else from dir (NULL: the
 * built-in rules) */
static char *
read_rule(const char *dir, const struct rule_text *over, const char *name, struct buf *err)
{
    struct buf b = BUF_INIT_MAX(RULE_FILE_MAX);
    size_t i;

    if (over && !strcmp(name, over->name)) {
        buf_add(&b, over->text, over->len);
    } else if (!dir) {
        for (i = 0; i < clu_builtin_nrules; i++)
            if (!strcmp(clu_builtin_rules[i].name, name))
                buf_add(&b, clu_builtin_rules[i].data, clu_builtin_rules[i].len);
    } else {
        struct buf p = BUF_INIT;
        char *data;
        size_t len;

        buf_addf(&p, "%s/%s", dir, name);
        if (read_regular(p.data, RULE_FILE_MAX, &data, &len, err) < 0) {
            buf_release(&p);
            buf_release(&b);
            return NULL;
        }
        buf_add(&b, data, len);
        free(data);
        buf_release(&p);
    }
    /* CRLF -> LF */
    {
        size_t r, w = 0;

        for (r = 0; r < b.len; r++)
            if (!(b.data[r] == '\r' && r + 1 < b.len && b.data[r + 1] == '\n'))
                b.data[w++] = b.data[r];
        b.len = w;
        if (b.alloc)
            b.data[w] = '\0';
    }
    return buf_detach(&b, NULL);
}

/* next content line: comments (#) and blank lines skipped; *lineno advances */
static char *
next_line(char **cur, unsigned *lineno, int keep_trailing)
{
    while (**cur) {
        char *l = *cur, *nl = strchr(l, '\n');
        size_t n;

        *cur = nl ? nl + 1 : l + strlen(l);
        if (nl)
            *nl = '\0';
        (*lineno)++;
        n = strlen(l);
        if (!keep_trailing)
            while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
                l[--n] = '\0';
        if (!n || l[0] == '#')
            continue;
        return l;
    }
    return NULL;
}

/*
 * A pattern's cost is bounded before it is compiled: POSIX regex engines backtrack only for
 * backreferences (refused), and the work and memory of the rest grow with the pattern once
 * its bounded repetitions are expanded, estimated here: an atom counts 1, a group the
 * largest of its alternatives, '*' and '+' double, {m,n} multiplies by its larger bound.
 */
#define PATTERN_MAX 1024    /* bytes of one pattern */
#define PATTERN_BUDGET 4096 /* its size with repetitions expanded */

/* the factor of a bound "{m}", "{m,}" or "{m,n}" at [p, e) (e at its '}'): its larger
 * bound, at least 1; -1 when a bound is past 255 (no digits, as "{,n}", is left to regcomp()) */
static int
repeat_count(const char *p, const char *e, double *f)
{
    const char *c = memchr(p, ',', (size_t)(e - p));
    uint64_t m = 0, n;

    if (p < e && isdigit((unsigned char)*p) && cur_dec(&p, e, &m, 255) < 0)
        return KPT_E_PARSE;
    n = m;
    if (c && (c + 1 == e || !isdigit((unsigned char)c[1])))
        n = m + 1; /* open-ended */
    else if (c && (p = c + 1, cur_dec(&p, e, &n, 255) < 0))
        return KPT_E_PARSE;
    *f = (double)(n > m ? n : m);
    if (*f < 1)
        *f = 1;
    return 0;
}

static const char *
over_budget(const char *p)
{
    double stack[64][2]; /* per open group: sum of this alternative, largest alternative */
    size_t depth = 0;
    double last = 0, sum = 0, best = 0;

    if (strlen(p) > PATTERN_MAX)
        return "pattern longer than 1024 bytes";
    for (; *p; p++) {
        double atom = 1;

        switch (*p) {
        case '\\':
            if (p[1] >= '1' && p[1] <= '9')
                return "pattern with a backreference (its matching time has no bound)";
            if (p[1])
                p++;
            break;
        case '[': {
            const char *q = clu_skip_bracket(p);

            if (!q)
                return NULL; /* unclosed: regcomp says why */
            p = q - 1;       /* its ']': the loop steps past */
            break;
        }
        case '(':
            if (depth == sizeof(stack) / sizeof(stack[0]))
                return "pattern nesting groups deeper than 64";
            stack[depth][0] = sum;
            stack[depth++][1] = best;
            sum = best = 0;
            last = 0;
            continue;
        case ')':
            if (!depth)
                break;
            atom = sum > best ? sum : best;
            depth--;
            sum = stack[depth][0];
            best = stack[depth][1];
            break;
        case '|':
            if (sum > best)
                best = sum;
            sum = 0;
            last = 0;
            continue;
        case '*':
        case '+':
        case '?':
        case '{': {
            double f = *p == '?' ? 1 : 2;

            if (*p == '{') {
                const char *e = strchr(p, '}');

                if (!e)
                    return NULL;
                if (repeat_count(p + 1, e, &f) < 0)
                    return "pattern repeating more than 255 times";
                p = e;
            }
            /* the atom just counted is repeated */
            sum += last * (f - 1);
            last *= f;
            if (sum > PATTERN_BUDGET)
                return "pattern over the complexity budget (nested repetitions expand past 4096)";
            continue;
        }
        default: break;
        }
        sum += atom;
        last = atom;
        if (sum > PATTERN_BUDGET)
            return "pattern over the complexity budget (nested repetitions expand past 4096)";
    }
    return NULL;
}

static int
load_list(struct clu_list_rules *l, const char *file, char *text, struct buf *err)
{
    struct buf all = BUF_INIT;
    char *cur = text, *line;
    unsigned lineno = 0;
    size_t cap = 0;

    l->file = file;
    while ((line = next_line(&cur, &lineno, 0))) {
        struct clu_list_entry *e;
        struct buf pat = BUF_INIT;

        if (over_budget(line)) {
            buf_release(&all);
            return bad(err, file, lineno, over_budget(line), line);
        }
        VEC_GROW(l->e, l->n + 1, cap);
        e = &l->e[l->n];
        buf_addf(&pat, "^(%s)$", line);
        if (regcomp(&e->re, pat.data, REG_EXTENDED | REG_NOSUB)) {
            buf_release(&pat);
            buf_release(&all);
            return bad(err, file, lineno, "bad pattern", line);
        }
        buf_release(&pat);
        e->pat = xstrdup(line);
        e->line = lineno;
        l->n++;
        buf_addf(&all, "%s(%s)", all.len ? "|" : "", line);
    }
    {
        struct buf pat = BUF_INIT;
        int rc;

        buf_addf(&pat, "^(%s)$", all.len ? all.data : "$^");
        rc = regcomp(&l->all, pat.data, REG_EXTENDED | REG_NOSUB);
        buf_release(&pat);
        buf_release(&all);
        if (rc)
            return bad(err, file, 0, "patterns do not combine", "");
    }
    return 0;
}

static int
load_classes(struct clu_rules *c, char *text, struct buf *err)
{
    char *cur = text, *line;
    unsigned lineno = 0;
    size_t cap = 0;

    while ((line = next_line(&cur, &lineno, 0))) {
        char *f[4], *p = line;
        int k = 0;
        struct clu_class_row *r;
        uint64_t n;

        f[k++] = p;
        for (; *p && k < 4; p++)
            if (*p == '\t') {
                *p = '\0';
                while (p[1] == '\t')
                    p++; /* columns may be aligned with several tabs */
                f[k++] = p + 1;
            }
        if (k != 4)
            return bad(err, "classes.tsv", lineno, "wants 4 tab-separated columns", line);
        if (cur_field_num(f[1], 10, &n, 6) < 0)
            return bad(err, "classes.tsv", lineno, "N must be 0 to 6", f[1]);
        if (over_budget(f[3]))
            return bad(err, "classes.tsv", lineno, over_budget(f[3]), f[3]);
        VEC_GROW(c->rows, c->nrows + 1, cap);
        r = &c->rows[c->nrows];
        if (regcomp(&r->re, f[3], REG_EXTENDED))
            return bad(err, "classes.tsv", lineno, "bad pattern", f[3]);
        r->cls = xstrdup(f[0]);
        r->fields = xstrdup(f[2]);
        r->n = (int)n;
        r->line = lineno;
        r->located = !strncmp(f[3], "^@", 2);
        clu_lit_compile(&r->lit, f[3]);
        r->always = (!strcmp(f[3], ".*") || !strcmp(f[3], "^.*")) && !strchr(f[2], '\\');
        c->nrows++;
    }
    if (!c->nrows)
        return bad(err, "classes.tsv", lineno, "no class", "");
    return 0;
}

static void
digest_add(struct buf *d, const char *name, const char *text)
{
    buf_addf(d, "%zu:%s,%zu:", strlen(name), name, strlen(text));
    buf_adds(d, text);
    buf_addc(d, ',');
}

static int
load(const char *dir, const struct rule_text *over, struct clu_rules **out, struct buf *err)
{
    struct clu_rules *c = xcalloc(1, sizeof(*c));
    struct buf d = BUF_INIT;
    size_t i;
    int ret = 0;

    c->frames = 3;
    *out = NULL;
    for (i = 0; i < NFILES && !ret; i++) {
        char *text = read_rule(dir, over, rule_files[i].name, err), *cur, *line;
        unsigned lineno = 0;

        if (!text) {
            ret = KPT_E_IO;
            break;
        }
        digest_add(&d, rule_files[i].name, text);
        if (rule_files[i].list >= 0) {
            ret = load_list(&c->lists[rule_files[i].list], rule_files[i].name, text, err);
        } else if (!strcmp(rule_files[i].name, "classes.tsv")) {
            ret = load_classes(c, text, err);
        } else {
            int clones = !strcmp(rule_files[i].name, "clones.txt");

            cur = text;
            while ((line = next_line(&cur, &lineno, clones)))
                strv_push(clones ? &c->clones : &c->sections, line);
        }
        free(text);
    }
    if (!c->clones.n)
        strv_push(&c->clones, "\x01never\x01");
    if (!c->sections.n)
        strv_push(&c->sections, "\x01never\x01");
    snprintf(c->digest, sizeof(c->digest), "%016" PRIx64, clu_hash(d.data, d.len));
    buf_release(&d);
    if (ret < 0) {
        clu_rules_free(c);
        return ret;
    }
    *out = c;
    return 0;
}

int
clu_rules_load(const char *dir, struct clu_rules **out, struct buf *err)
{
    return load(dir, NULL, out, err);
}

int
clu_rules_load_with(const char *name, const char *text, size_t len, struct clu_rules **out,
                    struct buf *err)
{
    struct rule_text over;

    over.name = name;
    over.text = text;
    over.len = len;
    return load(NULL, &over, out, err);
}

size_t
clu_rule_file_count(void)
{
    return NFILES;
}

const char *
clu_rule_file_name(size_t i)
{
    return i < NFILES ? rule_files[i].name : NULL;
}

struct clu_rules *
clu_rules_new(void)
{
    struct buf err = BUF_INIT;
    struct clu_rules *c;

    if (clu_rules_load(NULL, &c, &err) < 0)
        KPT_BUG("built-in rules do not load: %s", err.data);
    buf_release(&err);
    return c;
}

void
clu_rules_free(struct clu_rules *c)
{
    size_t i, k;

    if (!c)
        return;
    for (i = 0; i < c->nrows; i++) {
        regfree(&c->rows[i].re);
        clu_lit_free(&c->rows[i].lit);
        free(c->rows[i].cls);
        free(c->rows[i].fields);
    }
    free(c->rows);
    for (k = 0; k < CLU_NLISTS; k++) {
        struct clu_list_rules *l = &c->lists[k];

        for (i = 0; i < l->n; i++) {
            regfree(&l->e[i].re);
            free(l->e[i].pat);
        }
        free(l->e);
        if (l->file)
            regfree(&l->all);
    }
    strv_release(&c->sections);
    strv_release(&c->clones);
    free(c);
}

void
clu_rules_set_frames(struct clu_rules *c, int n)
{
    c->frames = n;
}

const char *
clu_rules_digest(const struct clu_rules *c)
{
    return c->digest;
}

int
clu_lists_match(const struct clu_rules *c, enum clu_list which, const char *token)
{
    const struct clu_list_rules *l = &c->lists[which];

    return l->file && !regexec(&l->all, token, 0, NULL, 0);
}

const struct clu_list_entry *
clu_lists_which(const struct clu_rules *c, enum clu_list which, const char *token)
{
    const struct clu_list_rules *l = &c->lists[which];
    size_t i;

    for (i = 0; i < l->n; i++)
        if (!regexec(&l->e[i].re, token, 0, NULL, 0))
            return &l->e[i];
    return NULL;
}
