/* hex.h - the one hex-digit reader, and the one base64-digit reader. */
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

/* base64_digit() - value of base64 digit c (RFC 4648's alphabet, no padding), or -1. */
static inline int
base64_digit(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

#endif
