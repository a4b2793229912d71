/* civil.h - calendar arithmetic on the proleptic Gregorian calendar, no time zone. */
#ifndef KPT_CIVIL_H
#define KPT_CIVIL_H

#include <stdint.h>

/* civil_days() - days since 1970-01-01 of year y, month m (1-12), day d (1-31). */
int64_t civil_days(int64_t y, unsigned m, unsigned d);

/* civil_parse_date() - "YYYY-MM-DD", optionally followed by "THH:MM[:SS]" or " HH:MM[:SS]"
 * and "Z": seconds since the epoch. 0, or KPT_E_PARSE when s is not such a date. */
int civil_parse_date(const char *s, int64_t *out);

#endif
