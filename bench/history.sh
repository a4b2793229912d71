#!/bin/sh
# bench/history.sh BINARY FIXTURES [N] - figures for --history, one line each: a first night
# recording N distinct reports (default 100,000), the same run without a history, and a
# second night over the same N plus N/100 new ones (which must add exactly those rows).
set -eu
BIN=$1 FX=$2 N=${3:-100000}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(cd "$(dirname "$0")/.." && pwd)/tests/cli/compat.sh" # now, timed, rss
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # fleet
secs() { echo "$2 - $1" | bc -l; }
NEW=$((N / 100)) CL=${BENCH_HISTORY_CLUSTERS:-500}
# N distinct reports (each its own machine's anonymous UUID) over CL crashes (500), 100 a folder
fleet "$T/fleet" 0 "$N" "$CL"
t0=$(now)
timed "$T/t0" "$BIN" -q --no-symbolicate -o /dev/null "$T/fleet" || true
t1=$(now)
base=$(secs "$t0" "$t1")
t0=$(now)
timed "$T/t1" "$BIN" -q --no-symbolicate --history "$T/h.db" -o /dev/null "$T/fleet" || true
t1=$(now)
first=$(secs "$t0" "$t1")
size1=$(wc -c < "$T/h.db")
rows1=$(sqlite3 "$T/h.db" 'SELECT count(*) FROM reports')
printf 'history, night 1: %d reports recorded in %.2f s (the same run without --history: %.2f s), file %.1f MB, %d report rows, peak RSS %s MB (without: %s MB)\n' \
    "$N" "$first" "$base" "$(echo "$size1 / 1048576" | bc -l)" "$rows1" "$(rss "$T/t1")" "$(rss "$T/t0")"
# the ratio (issue 23): night 1 against the same run without the history, best of three each
# (a fresh history each time), in wall time and in CPU time (user + system: on a machine
# shared with other work, the time spent waiting for a CPU is not the history's)
cpu() {
    awk '/User time \(seconds\)/ { u = $4 } /System time \(seconds\)/ { s = $4 }
         / real .* user .* sys/ { u = $3; s = $5 } END { printf "%.3f\n", u + s }' "$1"
}
least() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
b0= b1= c0= c1=
for _ in 1 2 3; do
    t0=$(now); timed "$T/r0" "$BIN" -q --no-symbolicate -o /dev/null "$T/fleet" || true
    b0=$(least "$b0" "$(secs "$t0" "$(now)")"); c0=$(least "$c0" "$(cpu "$T/r0")")
    rm -f "$T/r.db" "$T/r.db-wal" "$T/r.db-shm"
    t0=$(now); timed "$T/r1" "$BIN" -q --no-symbolicate --history "$T/r.db" -o /dev/null "$T/fleet" || true
    b1=$(least "$b1" "$(secs "$t0" "$(now)")"); c1=$(least "$c1" "$(cpu "$T/r1")")
done
rm -f "$T/r.db" "$T/r.db-wal" "$T/r.db-shm"
printf 'history ratio: %d reports with --history %.2f s, without %.2f s (best of three): %.2fx (target <= 1.2x)\n' \
    "$N" "$b1" "$b0" "$(echo "$b1 / $b0" | bc -l)"
printf 'history ratio in CPU time (user + system, best of three): %.2f s against %.2f s: %.2fx; the history adds %.1f us a report\n' \
    "$c1" "$c0" "$(echo "$c1 / $c0" | bc -l)" "$(echo "($c1 - $c0) * 1000000 / $N" | bc -l)"
fleet "$T/fleet" "$N" "$NEW" "$CL"
t0=$(now)
timed "$T/t2" "$BIN" -q --no-symbolicate --history "$T/h.db" -o /dev/null "$T/fleet" || true
t1=$(now)
size2=$(wc -c < "$T/h.db")
rows2=$(sqlite3 "$T/h.db" 'SELECT count(*) FROM reports')
added=$(sqlite3 "$T/h.db" 'SELECT new_reports FROM runs ORDER BY id DESC LIMIT 1')
printf 'history, night 2: %d reports (%d new) in %.2f s, %d report rows added (%d expected; the run says %d new), file %.1f MB, peak RSS %s MB\n' \
    "$((N + NEW))" "$NEW" "$(secs "$t0" "$t1")" "$((rows2 - rows1))" "$NEW" "$added" \
    "$(echo "$size2 / 1048576" | bc -l)" "$(rss "$T/t2")"
t0=$(now)
"$BIN" history "$T/h.db" > "$T/trend.md"
t1=$(now)
printf 'history command over that file: %.2f s, %d cluster rows\n' "$(secs "$t0" "$t1")" "$(grep -c '^| `' "$T/trend.md")"
