/* hex.h - the one hex-digit reader. */
#ifndef KPT_HEX_H
#define KPT_HEX_H

/* hex_digit() - value of hex digit c, or -1. */
static inline int
hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
