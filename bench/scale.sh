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
awk 'BEGIN { for (p = 1000; p < 1750; p++) {
                 s = s sprintf("\"%d\":{\"pid\":%d,\"procname\":\"filler%d\",\"threadById\":{", p, p, p)
                 for (t = 0; t < 5; t++) {
                     s = s sprintf("%s\"%d\":{\"id\":%d,\"state\":[\"TH_WAIT\"],\"kernelFrames\":[", t ? "," : "", p * 10 + t, p * 10 + t)
                     for (f = 0; f < 20; f++) s = s sprintf("%s[0,%d]", f ? "," : "", 16384 + f * 4)
                     s = s "]}"
                 }
                 s = s "}},"
             } }
     /"processByPid" : \{/ { sub(/"processByPid" : \{/, "\"processByPid\" : {" s) } { print }' \
    "$FX/hangs/hang-016-WindowServer-foonic-T-plain.ips" > "$T/big-hang.ips"
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
gen() { # gen DIR COUNT: distinct reports, distinct crashes, 100 a folder
    awk -v dir="$1" -v count="$2" -v tpl="$FX/reports/intel-legacy.panic" 'BEGIN {
        while ((getline l < tpl) > 0) t = t l "\n"
        for (i = 0; i < count; i++) {
            w = sprintf("%d", i); gsub(/0/, "a", w); gsub(/1/, "b", w); gsub(/2/, "c", w)
            gsub(/3/, "d", w); gsub(/4/, "e", w); gsub(/5/, "f", w); gsub(/6/, "g", w)
            gsub(/7/, "h", w); gsub(/8/, "i", w); gsub(/9/, "j", w)
            s = t
            sub(/00000000-1111-4222-8333-444444444444/, sprintf("%08d-1111-4222-8333-%012d", i % 1000, i), s)
            sub(/storage queue stalled/, "storage queue " w " stalled", s)
            d = dir "/" int(i / 100)
            if (!(d in made)) { system("mkdir -p " d); made[d] = 1 }
            f = d "/r" i ".panic"
            printf "%s", s > f
            close(f)
        } }'
}
gen "$T/c" "$N"
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
