/* err.h - the small error vocabulary: 0, or a negative enum kpt_err. */
#ifndef KPT_ERR_H
#define KPT_ERR_H

enum kpt_err {
    KPT_OK = 0,
    KPT_E_PARSE = -1,   /* input does not follow its grammar */
    KPT_E_LIMIT = -2,   /* input exceeds a configured limit */
    KPT_E_IO = -3,      /* a read or write failed; errno-derived text in the diagnostic */
    KPT_E_FORMAT = -4,  /* input is not a panic report, or an unsupported one */
    KPT_E_CHILD = -5,   /* a child process failed */
    KPT_E_TIMEOUT = -6, /* a child process did not answer in time */
};

const char *kpt_strerror(int err);

#endif
