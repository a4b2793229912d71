#!/bin/sh
# tools/check-errors.sh FILE... - the error convention of util/err.h holds:
#  - a function that fails returns a negative enum kpt_err (KPT_E_*), never a bare
#    'return -1;'. A -1 that is no error code (a call that answers as a system call does,
#    with errno; a callback whose contract is pread(2)'s) says so on its line, in a comment
#    that starts '-1:' (util/err.h lists the kinds);
#  - only the driver prints: outside driver/, no diag_*() call, no printf, perror or write to
#    standard error, but in the driver's own printer and progress line (util/diag.c,
#    util/progress.c) and util/xalloc.c's last words before abort().
# Prints each offending line; exit 1 when there is one.
#
# PENDING: files whose bare -1 another change of issue 31 converts (driver/pipeline*.c, in
# the driver's restructuring); they are counted, not refused. Empty this list when it lands.
set -u
PENDING=""
bad=0 pending=0
for f in "$@"; do
    hits=$(grep -n 'return -1;' "$f" | grep -v '/\* -1: ') || continue
    case " $(echo $PENDING) " in
    *" $f "*) pending=$((pending + $(printf '%s\n' "$hits" | wc -l))) ;;
    *)
        printf '%s\n' "$hits" | sed "s|^|$f:|"
        bad=1
        ;;
    esac
done
# what prints: a diag_*() call, printf, perror, a write to standard error
PRINTS='\bdiag_[a-z_]+\(|\bperror\(|\b(v?fprintf|fputs|fputc|fwrite)\([^;]*\bstderr\b|(^|[^a-z_])printf\(|\bwrite\((2|STDERR_FILENO),'
for f in "$@"; do
    case $f in
    driver/* | util/diag.c | util/progress.c | util/xalloc.c) continue ;;
    esac
    if grep -nE "$PRINTS" "$f" | sed "s|^|$f:|" | grep .; then
        echo "check-errors: $f prints: return the reason in a struct buf, the driver prints it"
        bad=1
    fi
done
[ "$pending" = 0 ] || echo "check-errors: $pending bare 'return -1;' left in the pending driver files"
if [ "$bad" != 0 ]; then
    echo "check-errors: a bare 'return -1;' above: return a KPT_E_* (util/err.h), or say on the line"
    echo "  why this -1 is no error code (/* -1: as open(2), errno set */)"
    exit 1
fi
