/*
 * ing_lines.c - splitting a text into lines (and undoing what copies did to them:
 * Markdown quoting and bold lines, trailing blanks).
 */
#include <stdint.h>
#include <string.h>

#include "ingest/ing_text.h"

/* next line of text from *pos (LF, CRLF or a lone CR ends it; so does EOF); a line longer
 * than max is cut (*over set) and its rest skipped. *lf: the first LF at or after an
 * earlier position (len: none), SIZE_MAX at first: a text of lone CRs is not searched for
 * its next LF again at each line. Returns 0 at the end. */
static int
next_line(const char *text, size_t len, size_t *pos, size_t max, struct ing_line *l, int *over,
          size_t *lf)
{
    size_t i = *pos, j = i, e;

    if (i >= len)
        return 0;
    {
        /* the first LF, then a CR before it (memchr: this ran a byte at a time, over every
         * byte of a report twice) */
        const char *cr;

        if (*lf == SIZE_MAX || *lf < i) {
            const char *nl = memchr(text + i, '\n', len - i);

            *lf = nl ? (size_t)(nl - text) : len;
        }
        j = *lf;
        if ((cr = memchr(text + i, '\r', j - i)) != NULL)
            j = (size_t)(cr - text);
    }
    e = j;
    if (e - i > max) {
        *over = 1;
        e = i + max;
    }
    l->raw = text + i;
    l->rawn = e - i;
    if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
        j++;
    *pos = j + 1;
    return 1;
}

static int
quoted(const struct ing_line *l)
{
    return (l->rawn == 1 && l->raw[0] == '>') ||
           (l->rawn >= 2 && l->raw[0] == '>' && l->raw[1] == ' ');
}

/* some line starts with '>': one at the start of the text or after an LF or a CR (the
 * few '>' of a report, as in "->", are looked at, not its lines) */
static int
line_starts_with_gt(const char *text, size_t len)
{
    const char *p = text, *end = text + len;

    while ((p = memchr(p, '>', (size_t)(end - p))) != NULL) {
        if (p == text || p[-1] == '\n' || p[-1] == '\r')
            return 1;
        p++;
    }
    return 0;
}

/* Markdown quoting: when at least 80 % of the non-blank lines carry '> ', strip it */
static int
mostly_quoted(const char *text, size_t len, size_t max)
{
    struct ing_line l;
    size_t pos = 0, nonblank = 0, q = 0, lf = SIZE_MAX;
    int over = 0;

    if (!line_starts_with_gt(text, len))
        return 0; /* no quoted line (most texts): not split a first time */
    while (next_line(text, len, &pos, max, &l, &over, &lf)) {
        if (!l.rawn)
            continue;
        nonblank++;
        q += (size_t)quoted(&l);
    }
    return nonblank && q * 5 >= nonblank * 4;
}

static void
trim(struct ing_line *l, int strip_quote)
{
    const char *s, *e;

    if (strip_quote && quoted(l)) {
        l->raw += l->rawn >= 2 ? 2 : 1;
        l->rawn -= l->rawn >= 2 ? 2 : 1;
    }
    s = l->raw;
    e = l->raw + l->rawn;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    l->rawn = (size_t)(e - s);
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    l->s = s;
    l->n = (size_t)(e - s);
    /* "**whole line**" inserted by Markdown */
    if (l->n >= 4 && !memcmp(l->s, "**", 2) && !memcmp(l->s + l->n - 2, "**", 2)) {
        l->s += 2;
        l->n -= 4;
    }
}

void
ing_lines_init(struct ing_lines *it, const char *text, size_t len, size_t max)
{
    memset(it, 0, sizeof(*it));
    it->text = text;
    it->len = len;
    it->max = max;
    it->lf = SIZE_MAX;
    it->strip = mostly_quoted(text, len, max);
}

int
ing_lines_next(struct ing_lines *it, struct ing_line *l)
{
    if (!next_line(it->text, it->len, &it->pos, it->max, l, &it->over, &it->lf))
        return 0;
    trim(l, it->strip);
    return 1;
}
