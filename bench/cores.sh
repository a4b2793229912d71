#!/bin/sh
# bench/cores.sh BINARY FIXTURES [COPIES] - issue 23 goal 1 and issue 31 item 8, one line a
# fleet: a run with no symbols at the default -j (every core) against reading the same files
# (find | xargs cat), wall time, best of three each; the run at -j1 beside it, and its CPU
# time (user + system, least of three) a report, which the machine's other work does not
# inflate as much as wall time.
# Two fleets of 1,206 x COPIES files (default 10: 12,060), as the issue asks:
#   mixed: cycled over samples/, tests/data/ and the fixture reports and hangs (every format,
#     and rejected, skipped and partial inputs; mostly small files, on which cat is slow);
#   4 KB text: generated Intel and Apple silicon panic text of about 4 KB each, with longer
#     backtraces and loaded-kext lists (bench/lib.sh fleet4k), 120 distinct crashes.
# Targets: at the default -j, within 1.5x of reading; at -j1, signing at most 40 us of CPU a
# report on the 4 KB fleet.
set -eu
BIN=$1 FX=$2 COPIES=${3:-10}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/../tests/cli/compat.sh" # now, timed
. "$HERE/lib.sh"                 # fleet4k
secs() { echo "$2 - $1" | bc -l; }
best() { # best CMD...: the least wall time of three runs, in seconds
    b=
    for _ in 1 2 3; do
        t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now); x=$(secs "$t0" "$t1")
        if [ -z "$b" ] || [ "$(echo "$x < $b" | bc)" = 1 ]; then b=$x; fi
    done
    echo "$b"
}
cpu() { # cpu LOG: user + system seconds from timed's LOG (GNU time -v, or BSD time -l)
    awk '/User time \(seconds\)/ { u = $4 } /System time \(seconds\)/ { s = $4 }
         / real .* user .* sys/ { u = $3; s = $5 } END { printf "%.3f\n", u + s }' "$1"
}
best_cpu() { # best_cpu CMD...: the least CPU time (user + system) of three runs
    b=
    for _ in 1 2 3; do
        timed "$T/cpu" "$@" >/dev/null || true; x=$(cpu "$T/cpu")
        if [ -z "$b" ] || [ "$(echo "$x < $b" | bc)" = 1 ]; then b=$x; fi
    done
    echo "$b"
}
readall() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }

# measure NAME DIR: the fleet's line
measure() {
    files=$(find "$2" -type f | wc -l | tr -d ' ')
    mb=$(du -sk "$2" | awk '{ printf "%.1f", $1 / 1024 }')
    readall "$2" # warm the page cache: both sides read from memory
    tr=$(best readall "$2")
    tj=$(best "$BIN" -q --no-symbolicate -o /dev/null "$2")
    t1=$(best "$BIN" -q --no-symbolicate -j1 -o /dev/null "$2")
    c1=$(best_cpu "$BIN" -q --no-symbolicate -j1 -o /dev/null "$2")
    printf '%s: %s files (%s MB), no symbols, every core %.2f s (-j1 %.2f s), reading them %.2f s: %.2fx (target <= 1.5x); -j1 CPU %.2f s = %.0f us a report\n' \
        "$1" "$files" "$mb" "$tj" "$t1" "$tr" "$(echo "$tj / $tr" | bc -l)" "$c1" "$(echo "$c1 * 1000000 / $files" | bc -l)"
}

# the mixed fleet
mkdir "$T/mixed"
find "$HERE/../samples" "$HERE/../tests/data" "$FX/reports" "$FX/hangs" -type f | sort > "$T/list"
awk -v t="$T/mixed/f0" 'BEGIN { n = 0 } { f[n++] = $0 }
    END { for (i = 0; i < 1206; i++) {
              s = f[i % n]; d = t "/" int(i / 100); x = s; sub(/.*\//, "", x)
              if (!(d in m)) { system("mkdir -p " d); m[d] = 1 }
              print "cp \"" s "\" \"" d "/" i "-" x "\"" } }' "$T/list" | sh
i=1; while [ "$i" -lt "$COPIES" ]; do cp -R "$T/mixed/f0" "$T/mixed/f$i"; i=$((i + 1)); done
measure 'every core, mixed fleet' "$T/mixed"
rm -rf "$T/mixed"

# the 4 KB text fleet (the target of "at most 40 us a report")
fleet4k "$T/text4k" $((1206 * COPIES))
measure 'every core, 4 KB text fleet (target <= 40 us a report at -j1)' "$T/text4k"
