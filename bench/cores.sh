#!/bin/sh
# bench/cores.sh BINARY FIXTURES [COPIES] - issue 23 goal 1, one line: a mixed fleet run with
# no symbols at the default -j (every core) against reading the same files
# (find | xargs cat), wall time, best of three each; and the run at -j1 beside it.
# The fleet: 1,206 files cycled over samples/, tests/data/ and the fixture reports and hangs
# (every format, and rejected, skipped and partial inputs), COPIES times over (default 10:
# 12,060 files).
set -eu
BIN=$1 FX=$2 COPIES=${3:-10}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/../tests/cli/compat.sh" # now
secs() { echo "$2 - $1" | bc -l; }
best() { # best CMD...: the least wall time of three runs, in seconds
    b=
    for _ in 1 2 3; do
        t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now); x=$(secs "$t0" "$t1")
        if [ -z "$b" ] || [ "$(echo "$x < $b" | bc)" = 1 ]; then b=$x; fi
    done
    echo "$b"
}
readall() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }

find "$HERE/../samples" "$HERE/../tests/data" "$FX/reports" "$FX/hangs" -type f | sort > "$T/list"
awk -v t="$T/f0" 'BEGIN { n = 0 } { f[n++] = $0 }
    END { for (i = 0; i < 1206; i++) {
              s = f[i % n]; d = t "/" int(i / 100); x = s; sub(/.*\//, "", x)
              if (!(d in m)) { system("mkdir -p " d); m[d] = 1 }
              print "cp \"" s "\" \"" d "/" i "-" x "\"" } }' "$T/list" | sh
i=1; while [ "$i" -lt "$COPIES" ]; do cp -R "$T/f0" "$T/f$i"; i=$((i + 1)); done
files=$(find "$T" -type f -name '*[0-9]-*' | wc -l | tr -d ' ')
mb=$(du -sk "$T" | awk '{ printf "%.1f", $1 / 1024 }')
readall "$T" # warm the page cache: both sides read from memory
tr=$(best readall "$T")
tj=$(best "$BIN" -q --no-symbolicate -o /dev/null "$T")
t1=$(best "$BIN" -q --no-symbolicate -j1 -o /dev/null "$T")
printf 'every core: %s files (%s MB), no symbols: %.2f s (-j1 %.2f s), reading them %.2f s: %.2fx (target <= 1.5x)\n' \
    "$files" "$mb" "$tj" "$t1" "$tr" "$(echo "$tj / $tr" | bc -l)"
