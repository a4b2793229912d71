/*
 * clock.h - the one monotonic clock: what deadlines, timeouts and rates are measured on
 * (never the wall clock, which a user or NTP may set back).
 */
#ifndef KPT_CLOCK_H
#define KPT_CLOCK_H

#include <stdint.h>

/* clock_now_ms() - milliseconds of CLOCK_MONOTONIC (from an unspecified start) */
uint64_t clock_now_ms(void);

#endif
