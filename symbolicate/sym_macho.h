/*
 * sym_macho.h - Mach-O load commands: UUID, CPU type and segments (private to symbolicate/).
 * macho_parse() is a pure function on bytes, fuzzed by fuzz/fuzz_macho.c.
 */
#ifndef KPT_SYM_MACHO_H
#define KPT_SYM_MACHO_H

#include <stddef.h>
#include <stdint.h>

#define MACHO_CPU_X86_64 0x01000007
#define MACHO_CPU_ARM64 0x0100000c
#define MACHO_MAX_SEGS 32
#define MACHO_MAX_SLICES 8

struct macho_seg {
    char name[17];
    uint64_t vmaddr, vmsize;
};

struct macho_image {
    int cputype, cpusubtype;
    uint8_t uuid[16];
    unsigned has_uuid : 1;
    struct macho_seg seg[MACHO_MAX_SEGS];
    size_t nseg;
};

/*
 * macho_parse() - every slice of the Mach-O in d[0..n) (a thin 64-bit file is one slice; a
 * fat file lists its 64-bit slices) into out[0..max). Returns the number of slices, or a
 * negative enum kpt_err when d is not a 64-bit Mach-O or a load command is malformed.
 */
int macho_parse(const uint8_t *d, size_t n, struct macho_image *out, size_t max);

/* macho_read_file() - the same on a file (only its headers and load commands are read). */
int macho_read_file(const char *path, struct macho_image *out, size_t max);

/* macho_seg_find() - the segment called name, or NULL. */
const struct macho_seg *macho_seg_find(const struct macho_image *im, const char *name);

#endif
