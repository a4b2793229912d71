/*
 * main.c - kptrace-batch: parse the command line, run the pipeline, exit with its code.
 */
#include "cli.h"
#include "pipeline.h"

int
main(int argc, char **argv)
{
    struct kpt_opts o;
    int rc = cli_parse(argc, argv, &o);

    if (rc < 0) {
        cli_release(&o);
        return KPT_EXIT_USAGE;
    }
    if (rc > 0) {
        cli_release(&o);
        return KPT_EXIT_OK;
    }
    rc = o.merge     ? pipeline_merge(&o)
         : o.explain ? pipeline_explain(&o)
         : o.trace   ? pipeline_trace(&o)
                     : pipeline_run(&o);
    cli_release(&o);
    return rc;
}
