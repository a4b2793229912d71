#!/usr/bin/env bash
# bench/testtime.sh LOG [MAKE ARGUMENTS...] - runs make with every recipe line timed: LOG
# gets one line per recipe line, "target<TAB>wall s<TAB>user s<TAB>sys s<TAB>command", and
# the table at the end sums them per target. Example: bench/testtime.sh /tmp/t.tsv test
# (what make check costs is in bench/TESTTIME.md). Linux or macOS with bash 5 (EPOCHREALTIME).
set -u
LOG=$1; shift
case $LOG in /*) ;; *) LOG=$(pwd)/$LOG ;; esac
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
: > "$LOG"
# make runs each recipe line as: $(SHELL) $(.SHELLFLAGS) LINE, SHELL being expanded for
# its target; the wrapper runs the line under /bin/sh and appends its figures (.SHELLFLAGS
# must be make's default, -c)
cat > "$W/sh" <<'WRAP'
#!/usr/bin/env bash
log=$1; shift
# a $(shell ...) that make runs while it reads the makefile has no target ($@ is empty)
if [ "$1" = -c ]; then tgt="(reading the makefile)"; else tgt=$1; shift; fi
s=$EPOCHREALTIME
/bin/sh "$@"; rc=$?
e=$EPOCHREALTIME
cmd=$(printf '%s' "${!#}" | tr '\t\n' '  ' | sed 's/^ *//' | cut -c1-90)
sec() { local m=${1%%m*} r=${1#*m}; r=${r%s}; echo "$m * 60 + $r"; }
times > "$log.$$"  # in this shell: its children's times (a pipe or $() would run a subshell)
set -- $(tail -1 "$log.$$")
rm -f "$log.$$"
printf '%s\t%.2f\t%.2f\t%.2f\t%s\n' "$tgt" "$(echo "$e - $s" | bc)" "$(sec "$1" | bc)" "$(sec "$2" | bc)" "$cmd" >> "$log"
exit $rc
WRAP
chmod +x "$W/sh"
s=$EPOCHREALTIME
make SHELL="$W/sh $LOG \$@" "$@"
rc=$?
e=$EPOCHREALTIME
awk -F'\t' -v wall="$(echo "$e - $s" | bc)" '
    # a recursive make line holds the lines of the make it runs: listed, not added again
    { t = $1; if ($5 ~ /(^|[ \t])(g?make|[^ \t]*\/g?make)[ \t]/) t = t " (a make)"; else { tw += $2; tc += $3 + $4 }
      if (!(t in w)) order[n++] = t; w[t] += $2; u[t] += $3; y[t] += $4 }
    END {
        printf "%-28s %8s %8s %8s\n", "target", "wall s", "user s", "sys s"
        for (i = 0; i < n; i++) printf "%-28s %8.1f %8.1f %8.1f\n", order[i], w[order[i]], u[order[i]], y[order[i]]
        printf "%-28s %8.1f %8.1f\n", "all recipe lines (wall, CPU)", tw, tc
        printf "%-28s %8.1f\n", "make, start to end (wall)", wall
    }' "$LOG"
exit $rc
