#!/bin/sh
# bench/memory.sh BINARY [COUNT] [MB] - issue 30 item 2, one line: peak RSS of a run over
# COUNT gzipped reports (default 100) that each decompress to MB megabytes (default 60), at
# -j1 and at -j64, no symbols; the target is -j64 within 2x of -j1. Each report is
# tests/data/intel-legacy.panic from its own machine, padded with filler lines.
set -eu
BIN=$1 COUNT=${2:-100} MB=${3:-60}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/../tests/cli/compat.sh" # timed, rss
mkdir "$T/in"
i=0
while [ "$i" -lt "$COUNT" ]; do
    { sed "s/00000000-1111-4222-8333-444444444444/00000000-1111-4222-8333-$(printf %012d "$i")/" \
          "$HERE/../tests/data/intel-legacy.panic"
      awk -v mb="$MB" -v i="$i" 'BEGIN { l = sprintf("%-99s", "filler " i); for (k = 0; k < mb * 10486; k++) print l }'
    } | gzip -1 > "$T/in/r$i.panic.gz"
    i=$((i + 1))
done
for j in 1 64; do
    t0=$(now)
    timed "$T/time$j" "$BIN" -q --no-symbolicate -j $j -o /dev/null --reports-csv "$T/r$j.csv" "$T/in" || true
    t1=$(now)
    eval "rss$j=\$(rss \"\$T/time$j\")"
    eval "sec$j=\$(echo \"\$t1 - \$t0\" | bc -l)"
done
same=differ; cmp -s "$T/r1.csv" "$T/r64.csv" && same=same
printf 'memory: %s gzipped reports of %s MB: peak RSS -j1 %s MB (%.1f s), -j64 %s MB (%.1f s): %.2fx (target <= 2x); rows %s\n' \
    "$COUNT" "$MB" "$rss1" "$sec1" "$rss64" "$sec64" "$(echo "$rss64 / $rss1" | bc -l)" "$same"
