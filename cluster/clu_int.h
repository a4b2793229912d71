/* clu_int.h - private to cluster/: the compiled frame lists. */
#ifndef KPT_CLU_INT_H
#define KPT_CLU_INT_H

#include <regex.h>
#include <stddef.h>

enum clu_list { CLU_PLUMB_COMMON, CLU_PLUMB_X86, CLU_PLUMB_ARM, CLU_IRRELEVANT, CLU_PREFIX,
                CLU_TAIL, CLU_NLISTS };

struct clu_lists {
    regex_t re[CLU_NLISTS];
};

void clu_lists_compile(struct clu_lists *l);
void clu_lists_release(struct clu_lists *l);
int clu_lists_match(const struct clu_lists *l, enum clu_list which, const char *token);

struct clu_rules;
const struct clu_lists *clu_rules_lists(const struct clu_rules *c);

#endif
