/*
 * cursor.h - cursors over a byte range [*p, end) for the parsers of untrusted text (ingest's
 * grammars, the readers of states, baselines and caches). Each one advances *p only on
 * success and returns 0, else KPT_E_PARSE (util/err.h) with *p unchanged; none reads at or past
 * end, none needs a terminating NUL.
 */
#ifndef KPT_CURSOR_H
#define KPT_CURSOR_H

#include <stdint.h>

/* cur_lit() - the literal s */
int cur_lit(const char **p, const char *end, const char *s);
/* cur_skip_blank() - any run of spaces and tabs (never fails); cur_past_blank() - where
 * that run ends, p itself when none, for a caller that keeps no cursor */
void cur_skip_blank(const char **p, const char *end);
const char *cur_past_blank(const char *p, const char *end);
/* cur_hex64() - "0x" then 1..16 hex digits into *v; *ndig (may be NULL) gets the count */
int cur_hex64(const char **p, const char *end, uint64_t *v, int *ndig);
/* cur_dec() - one or more decimal digits whose value is at most max */
int cur_dec(const char **p, const char *end, uint64_t *v, uint64_t max);
/* cur_hex() - one or more hex digits (no "0x") whose value is at most max */
int cur_hex(const char **p, const char *end, uint64_t *v, uint64_t max);
/* cur_field_num() - the whole NUL-terminated field s as a number in base 10 or 16 of at
 * most max (no sign, blank or prefix; cur_dec() or cur_hex() to its end) */
int cur_field_num(const char *s, int base, uint64_t *v, uint64_t max);

#endif
