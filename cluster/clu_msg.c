/*
 * clu_msg.c - the panic message: cleaning, masking, and the class table (SIGNATURES.md §3).
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/xalloc.h"

static const char *mask(struct arena *a, const char *s, size_t cap, int decimals);

/* ---- cleaning (§3.1 steps 1-4) ---- */

static int
section_start(const struct clu_rules *c, const char *s, size_t n)
{
    size_t i;

    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    for (i = 0; c->sections.v[i]; i++) {
        size_t k = strlen(c->sections.v[i]);

        if (n >= k && !memcmp(s, c->sections.v[i], k))
            return 1;
    }
    return 0;
}

/* remove a trailing "@/path/file.c:123" or " @file.c:123" */
static void
drop_location(char *s)
{
    char *at = strrchr(s, '@'), *p;

    if (!at)
        return;
    p = at + 1;
    while (*p && *p != ' ' && *p != ':')
        p++;
    if (*p != ':' || p == at + 1 || !isdigit((unsigned char)p[1]))
        return;
    p++;
    while (isdigit((unsigned char)*p))
        p++;
    while (*p == ' ' || *p == '"')
        p++;
    if (*p)
        return;
    *at = '\0';
}

/* a pasted line continued with a trailing backslash ("multiple \" then "entries ..."): its
 * length without the backslash, when another line follows */
static size_t
continued(const char *line, size_t n, int more)
{
    size_t k = n;

    while (k && (line[k - 1] == ' ' || line[k - 1] == '\t' || line[k - 1] == '\r'))
        k--;
    if (more && k && line[k - 1] == '\\' && (k < 2 || line[k - 2] != '\\'))
        return k - 1;
    return n;
}

/* the cleaned message; keep_lines: its lines kept apart by newlines (a literal "\n" is one
 * too), for display (clu_display_message()) */
static const char *
clean(const struct clu_rules *c, struct arena *a, const char *s, int keep_lines)
{
    struct buf b = BUF_INIT;
    const char *line = s, *res;
    char *w, *t;
    int first = 1;

    if (!s)
        return "";
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line), k = continued(line, n, nl != NULL);

        if (!first && section_start(c, line, n))
            break;
        if (!first)
            buf_addc(&b, ' ');
        buf_add(&b, line, k);
        if (keep_lines && k == n && nl)
            buf_addc(&b, '\n'); /* a line of its own (not a continued one) */
        first = 0;
        if (!nl)
            break;
        line = nl + 1;
    }
    t = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    /* literal "\n" and control characters to spaces (newlines kept when keep_lines);
     * quotes out */
    for (w = t; *w; w++) {
        if (w[0] == '\\' && w[1] == 'n') {
            w[0] = keep_lines ? '\n' : ' ';
            w[1] = ' ';
        } else if (((unsigned char)*w < 0x20 && !(keep_lines && *w == '\n')) || *w == 0x7f) {
            *w = ' ';
        }
    }
    drop_location(t);
    for (w = t; *w; w++)
        if (*w == '"')
            *w = ' ';
    /* lines made of a literal "\n" end at a section as the others do */
    for (w = keep_lines ? strchr(t, '\n') : NULL; w; w = strchr(w + 1, '\n'))
        if (section_start(c, w + 1, strcspn(w + 1, "\n"))) {
            *w = '\0';
            break;
        }
    /* a register dump never enters the class or the template: cut after "registers:",
     * also when it follows on the same line (Intel machine checks print it inside quoted
     * fragments with literal \n) */
    if ((w = strstr(t, "registers:")))
        w[strlen("registers:")] = '\0';
    /* collapse blanks, trim (each line, and blank lines out) */
    {
        char *r = t, *o = t;
        int sp = 0;

        while (*r == ' ' || *r == '\n')
            r++;
        for (; *r; r++) {
            if (*r == ' ') {
                sp = 1;
                continue;
            }
            if (*r == '\n') {
                if (o != t && o[-1] != '\n')
                    *o++ = '\n';
                sp = 0;
                continue;
            }
            if (sp && o != t && o[-1] != '\n')
                *o++ = ' ';
            sp = 0;
            *o++ = *r;
        }
        while (o != t && o[-1] == '\n')
            o--;
        *o = '\0';
    }
    res = t;
    return res;
}

const char *
clu_clean_message(const struct clu_rules *c, struct arena *a, const char *s)
{
    return clean(c, a, s, 0);
}

const char *
clu_display_message(const struct clu_rules *c, struct arena *a, const char *s)
{
    return mask(a, clean(c, a, s, 1), CLU_DISPLAY_MAX, 1);
}

/* ---- masking (§3.1 step 6) ---- */

static int
is_hex(int c)
{
    return isxdigit((unsigned char)c);
}

static size_t
uuid_len(const char *s)
{
    static const int groups[] = { 8, 4, 4, 4, 12 };
    size_t i = 0, g;
    int k;

    for (g = 0; g < 5; g++) {
        for (k = 0; k < groups[g]; k++, i++)
            if (!is_hex(s[i]))
                return 0;
        if (g < 4 && s[i++] != '-')
            return 0;
    }
    return is_hex(s[i]) ? 0 : i;
}

static size_t
unit_len(const char *s)
{
    static const char *const units[] = { "ms", "us", "ns", "s", "K", "M", "G" };
    size_t i, k;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        k = strlen(units[i]);
        if (!strncmp(s, units[i], k) && !isalpha((unsigned char)s[k]) && s[k] != '_')
            return k;
    }
    return 0;
}

/* cut s to at most cap bytes, on a character boundary and never inside a word or number
 * (a cut number would mask differently the next time: masking must be idempotent) */
static void
cap_utf8(char *s, size_t cap)
{
    size_t n = strlen(s);

    if (n <= cap)
        return;
    n = cap;
    while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    if (isalnum((unsigned char)s[n]) || s[n] == '_')
        while (n && (isalnum((unsigned char)s[n - 1]) || s[n - 1] == '_'))
            n--;
    s[n] = '\0';
}

/* decimals: numbers too (templates and free-text fields), else addresses and UUIDs only.
 * Written into one array sized for the worst case (each byte a "<n>"; on the stack for a
 * message of a few hundred bytes), not into a growing buffer a byte at a time */
static const char *
mask(struct arena *a, const char *s, size_t cap, int decimals)
{
    size_t i = 0, n = strlen(s), len = 0, last_mask_end = (size_t)-1, last_mask_start = 0;
    size_t need = st_add(st_mult(n, 3), 8);
    char stack[1536], *o = need <= sizeof(stack) ? stack : xmalloc(need), *res;

    while (i < n) {
        size_t k, start = len;
        const char *tag = NULL;
        char prev = i ? s[i - 1] : ' ';

        if ((k = uuid_len(s + i)) && !isalnum((unsigned char)prev)) {
            tag = "<uuid>";
        } else if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') && is_hex(s[i + 2]) &&
                   !isalnum((unsigned char)prev) && prev != '_') {
            for (k = 2; is_hex(s[i + k]); k++)
                ;
            tag = "<hex>";
        } else if (decimals && isdigit((unsigned char)s[i]) && !isalpha((unsigned char)prev) &&
                   prev != '_' && prev != '.' && !isdigit((unsigned char)prev)) {
            for (k = 0; isdigit((unsigned char)s[i + k]); k++)
                ;
            if (isalpha((unsigned char)s[i + k]) || s[i + k] == '_') {
                size_t u = unit_len(s + i + k);

                if (!u) {
                    memcpy(o + len, s + i, k);
                    len += k;
                    i += k;
                    continue;
                }
            }
            tag = "<n>";
        }
        if (!tag) {
            o[len++] = s[i++];
            continue;
        }
        /* two or more masked values separated only by blanks: <list> */
        if (last_mask_end != (size_t)-1) {
            size_t j;
            int blanks = 1;

            for (j = last_mask_end; j < start; j++)
                if (o[j] != ' ')
                    blanks = 0;
            if (blanks && start > last_mask_end) {
                len = last_mask_start;
                memcpy(o + len, "<list>", 6);
                len += 6;
                last_mask_end = len;
                i += k;
                continue;
            }
        }
        last_mask_start = len;
        memcpy(o + len, tag, strlen(tag));
        len += strlen(tag);
        last_mask_end = len;
        i += k;
    }
    res = arena_strndup(a, o, len);
    if (o != stack)
        free(o);
    /* trim, cap, and trim what the cap exposed */
    while (*res == ' ')
        res++;
    cap_utf8(res, cap);
    {
        size_t m = strlen(res);

        while (m && res[m - 1] == ' ')
            res[--m] = '\0';
    }
    return res;
}

const char *
clu_mask(struct arena *a, const char *s, size_t cap)
{
    return mask(a, s, cap, 1);
}

/* ---- class match and fields ---- */

static const char *
capture(struct arena *a, const char *msg, const regmatch_t *m, int k)
{
    if (k < 0 || k > 9 || m[k].rm_so < 0)
        return "";
    return arena_strndup(a, msg + m[k].rm_so, (size_t)(m[k].rm_eo - m[k].rm_so));
}

static const char *
base_name(const char *p)
{
    const char *s = strrchr(p, '/');

    return s ? s + 1 : p;
}

/* fields whose values are free text and get masked */
static int
masked_field(const char *name)
{
    return !strcmp(name, "msg") || !strcmp(name, "detail") || !strcmp(name, "expr") ||
           !strcmp(name, "desc");
}

/* a zone name without what varies between builds: kalloc_type's heap numbers
 * ("kalloc.type.var3.32" and "kalloc.type.var5.32" are one zone family, "kalloc.type7.64"
 * and "kalloc.type2.64" too) */
static const char *
zone_family(struct arena *a, const char *v)
{
    struct buf b = BUF_INIT;
    const char *p = v, *res;

    while (*p) {
        if ((!strncmp(p, ".type", 5) || !strncmp(p, ".var", 4)) && p > v) {
            size_t k = p[1] == 't' ? 5 : 4, d = 0;

            while (isdigit((unsigned char)p[k + d]))
                d++;
            if (d && p[k + d] == '.') {
                buf_add(&b, p, k);
                buf_addc(&b, '*');
                p += k + d;
                continue;
            }
        }
        buf_addc(&b, *p++);
    }
    res = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return res;
}

static void
fold_case(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static const char *
finish_field(struct arena *a, const char *name, const char *v)
{
    char *s;
    size_t n;

    /* free text is masked like the template; every other value loses its addresses and
     * UUIDs (an address never keys a cluster), its numbers are its meaning (trap=13); a
     * code (brk 0x5519) is its meaning whole */
    if (!strcmp(name, "zone") || !strcmp(name, "leak") || !strcmp(name, "alloc"))
        v = zone_family(a, v);
    if (strcmp(name, "code") && strcmp(name, "instr"))
        v = mask(a, v, 80, masked_field(name));
    if (!strcmp(name, "service") && !strncmp(v, "com.apple.", 10))
        v += 10;
    while (*v && strchr(" \t.:-", *v))
        v++;
    s = arena_strdup(a, v);
    n = strlen(s);
    while (n && strchr(" \t.:-", s[n - 1]))
        s[--n] = '\0';
    cap_utf8(s, 80);
    if (!strcmp(name, "msg"))
        fold_case(s);
    return s;
}

int
clu_classify(const struct clu_rules *c, struct arena *a, const char *msg, const char **cls,
             const char ***fields, size_t *nfields, size_t *row)
{
    return clu_classify_origin(c, a, msg, 0, cls, fields, nfields, row);
}

int
clu_classify_origin(const struct clu_rules *c, struct arena *a, const char *msg, int kext_origin,
                    const char **cls, const char ***fields, size_t *nfields, size_t *row)
{
    return clu_classify_at(c, a, msg, NULL, kext_origin, cls, fields, nfields, row);
}

int
clu_classify_at(const struct clu_rules *c, struct arena *a, const char *msg, const char *loc,
                int kext_origin, const char **cls, const char ***fields, size_t *nfields,
                size_t *row)
{
    regmatch_t m[10];
    size_t i;
    const char *located = loc && *loc ? clu_cat(a, "@", loc, " ", msg, NULL) : NULL;
    size_t msg_n = strlen(msg), located_n = located ? strlen(located) : 0;

    for (i = 0; i < c->nrows; i++) {
        const char *spec = c->rows[i].fields, *p, *subject = c->rows[i].located ? located : msg;
        const char **f;
        size_t nf = 0;

        if (!kext_origin && !strcmp(c->rows[i].cls, CLU_KEXT_PANIC))
            continue;
        if (!subject ||
            (!c->rows[i].always &&
             (!clu_lit_may_match(&c->rows[i].lit, subject, subject == msg ? msg_n : located_n) ||
              regexec(&c->rows[i].re, subject, 10, m, 0))))
            continue;
        *cls = c->rows[i].cls;
        if (row)
            *row = i;
        f = arena_alloc(a, 8 * sizeof(*f));
        if (strcmp(spec, "-")) {
            for (p = spec; *p && nf < 8;) {
                const char *end = strstr(p, "; "), *eq;
                size_t len = end ? (size_t)(end - p) : strlen(p);
                struct buf v = BUF_INIT;
                char *name;
                size_t j;

                eq = memchr(p, '=', len);
                if (!eq)
                    KPT_BUG("bad field spec '%s'", spec);
                name = arena_strndup(a, p, (size_t)(eq - p));
                for (j = (size_t)(eq - p) + 1; j < len; j++) {
                    if (p[j] == '\\' && isdigit((unsigned char)p[j + 1])) {
                        buf_adds(&v, capture(a, subject, m, p[j + 1] - '0'));
                        j++;
                    } else if (!strncmp(p + j, "base(\\", 6) && isdigit((unsigned char)p[j + 6])) {
                        buf_adds(&v, base_name(capture(a, subject, m, p[j + 6] - '0')));
                        j += 7;
                    } else if (!strncmp(p + j, "$msg", 4)) {
                        buf_adds(&v, clu_mask(a, msg, 160));
                        j += 3;
                    } else {
                        buf_addc(&v, p[j]);
                    }
                }
                f[nf++] = clu_cat(a, name, "=",
                                  finish_field(a, name[0] == '~' ? name + 1 : name, v.data), NULL);
                buf_release(&v);
                p = end ? end + 2 : p + len;
            }
        }
        /* key fields first, fine-only (~) after, each group in spec order */
        {
            const char **o = arena_alloc(a, 8 * sizeof(*o));
            size_t k = 0, j;

            for (j = 0; j < nf; j++)
                if (f[j][0] != '~')
                    o[k++] = f[j];
            for (j = 0; j < nf; j++)
                if (f[j][0] == '~')
                    o[k++] = f[j];
            *fields = o;
        }
        *nfields = nf;
        return c->rows[i].n == 3 ? c->frames : c->rows[i].n;
    }
    if (row)
        *row = (size_t)-1;
    *cls = "generic";
    *fields = NULL;
    *nfields = 0;
    return c->frames;
}
