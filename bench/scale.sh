#!/bin/sh
# bench/scale.sh BINARY FIXTURES [N] - the ratios of issue 23, one line each (the reader:
# least CPU time of three runs on one core):
#   the .ips body and stackshot reader: 100 watchdog .ips with 1 MB bodies, MB/s on one
#   core, and against bench/hang_baseline.py (json.loads of header and body);
#   peak RSS with --json and with --html on N reports in N distinct clusters (default
#   100,000; 0: the body reader alone), and what a cluster costs (the slope between N/10
#   and N clusters).
set -eu
BIN=$1 FX=$2 N=${3:-100000}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/../tests/cli/compat.sh" # now, timed, rss
. "$HERE/lib.sh" # fleet, big_hang
secs() { echo "$2 - $1" | bc -l; }
ONE_CORE=; command -v taskset >/dev/null 2>&1 && ONE_CORE="taskset -c 0" # portable: taskset only where it exists
# cpu LOG: user + system seconds from timed's LOG (GNU time -v, or BSD time -l)
cpu() {
    awk '/User time \(seconds\)/ { u = $4 } /System time \(seconds\)/ { s = $4 }
         / real .* user .* sys/ { u = $3; s = $5 } END { printf "%.3f\n", u + s }' "$1"
}
best() { # best CMD...: the least CPU time (user + system) of three runs, in seconds: on a
    # machine shared with other work, time spent waiting for the CPU is not the reader's
    b=
    for _ in 1 2 3; do
        timed "$T/cpu" "$@" >/dev/null || true; x=$(cpu "$T/cpu")
        if [ -z "$b" ] || [ "$(echo "$x < $b" | bc)" = 1 ]; then b=$x; fi
    done
    echo "$b"
}

# 1. bodies: the fixture hang padded to 1 MB as in bench.sh (750 processes of 5 threads,
# 20 kernel frames each), 100 copies
big_hang "$FX/hangs/hang-016-WindowServer-foonic-T-plain.ips" > "$T/big-hang.ips"
mkdir -p "$T/h"
i=0; while [ "$i" -lt 100 ]; do cp "$T/big-hang.ips" "$T/h/r$i.ips"; i=$((i + 1)); done
mb=$(du -sk "$T/h" | awk '{ printf "%.1f", $1 / 1024 }')
tk=$(best $ONE_CORE "$BIN" -q --no-symbolicate -j1 -o /dev/null "$T/h") # one core: one thread
if command -v python3 >/dev/null 2>&1; then
    tp=$(best $ONE_CORE python3 "$HERE/hang_baseline.py" "$T/h")
    vs=$(printf '%.1fx the Python script (%.2f CPU s)' "$(echo "$tp / $tk" | bc -l)" "$tp")
else
    vs="no python3 to compare with"
fi
printf 'body reader: 100 watchdog .ips with 1 MB bodies (%s MB), one core, no symbols: %.2f CPU s = %.0f MB/s per core (target >= 300), %s (target >= 30x)\n' \
    "$mb" "$tk" "$(echo "$mb / $tk" | bc -l)" "$vs"
rm -rf "$T/h"
[ "$N" -gt 0 ] || exit 0 # N = 0: the body reader's line alone

# 2. memory by clusters: N reports, each its own cluster (its own panic message)
fleet "$T/c" 0 "$N" 0 # each report its own cluster
mkdir -p "$T/c10"
i=0; while [ "$i" -lt $((N / 1000)) ]; do ln "$T/c/$i"/* "$T/c10/" 2>/dev/null || cp "$T/c/$i"/* "$T/c10/"; i=$((i + 1)); done
for o in none json html; do
    case $o in none) out= ;; json) out="--json /dev/null" ;; html) out="--html /dev/null" ;; esac
    timed "$T/m_$o" "$BIN" -q --no-symbolicate -o /dev/null $out "$T/c" || true
    timed "$T/s_$o" "$BIN" -q --no-symbolicate -o /dev/null $out "$T/c10" || true
done
per() { echo "($(rss "$T/m_$1") - $(rss "$T/s_$1")) * 1048576 / ($N - $N / 10)" | bc; }
printf 'memory by clusters: %d reports in %d distinct clusters, peak RSS: %s MB without outputs, %s MB with --json (target <= 150), %s MB with --html; a cluster costs ~%s B (~%s B with --json)\n' \
    "$N" "$N" "$(rss "$T/m_none")" "$(rss "$T/m_json")" "$(rss "$T/m_html")" "$(per none)" "$(per json)"
