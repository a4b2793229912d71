/*
 * main.c - kptrace-batch: parse the command line, run the pipeline, exit with its code.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string.h>

#include "driver/cli.h"
#include "driver/pipeline.h"
#include "util/cleanup.h"
#include "util/diag.h"

/* --help and --version: their text flushed, or why it could not be written (a full disk, a
 * closed pipe) said on stderr, and exit 3. A write that failed while the text was put out
 * left its errno (nothing since sets one); a failing flush sets its own. */
static int
help_written(void)
{
    int err = errno;

    if (fflush(stdout) != 0)
        err = errno;
    else if (!ferror(stdout))
        return KPT_EXIT_OK;
    diag_printf("cannot write standard output: %s", err ? strerror(err) : "a write failed");
    return KPT_EXIT_START;
}

int
main(int argc, char **argv)
{
    struct kpt_opts o;
    int rc;

    /* a reader that goes away (a closed pipe) is a write error: the run cleans up and exits
     * 3, instead of dying of SIGPIPE with its temporary files left behind */
    signal(SIGPIPE, SIG_IGN);
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    /* glibc raises its mmap threshold (up to 32 MiB) each time a large block is freed;
     * after that a worker's freed buffers of a big report stay in its thread's heap, and
     * the memory kept grows with -j though the bytes in flight are bounded (the pool's
     * budget). A fixed threshold hands every block of 1 MiB or more back when freed. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    /* and each thread's own heap reserves 64 MiB of address space (up to 8 a CPU): under
     * ulimit -v that, not the reports, would decide at -j24 which inputs find memory. The
     * large blocks are mapped apart (above); the small ones share four heaps. */
    mallopt(M_ARENA_MAX, 4);
#endif
    /* lldb's children that leave its process group die with the run too */
    cleanup_become_reaper();
    rc = cli_parse(argc, argv, &o);
    if (rc < 0) {
        cli_release(&o);
        return KPT_EXIT_USAGE;
    }
    if (rc > 0) { /* --help, --version: written, or the output cannot be */
        cli_release(&o);
        return help_written();
    }
    rc = o.merge           ? pipeline_merge(&o)
         : o.triage        ? pipeline_triage(&o)
         : o.history_table ? pipeline_history(&o)
         : o.explain       ? pipeline_explain(&o)
         : o.trace         ? pipeline_trace(&o)
                           : pipeline_run(&o);
    cli_release(&o);
    return rc;
}
