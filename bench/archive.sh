#!/bin/sh
# bench/archive.sh BINARY FIXTURES [N] - reading a tar.gz of the fixture fleet against the
# same reports as loose .gz files (issue 22 item 7): N reports, no symbols, one line.
set -eu
BIN=$1 FX=$2 N=${3:-5000}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(cd "$(dirname "$0")/.." && pwd)/tests/cli/compat.sh" # now, timed, rss
secs() { echo "$2 - $1" | bc -l; }
set -- "$FX/reports/intel-legacy.panic" "$FX/reports/arm64-full.ips" "$FX/reports/intel-mismatch.panic" "$FX/reports/arm64-dialog.txt"
python3 - "$T/loose" "$N" "$@" <<'PY'
import gzip, os, sys
d, n, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
data = [(gzip.compress(open(f, "rb").read()), f.rsplit(".", 1)[1]) for f in files]
for i in range(n):
    z, ext = data[i % len(data)]
    os.makedirs("%s/%d" % (d, i // 100), exist_ok=True)
    open("%s/%d/r%d.%s.gz" % (d, i // 100, i, ext), "wb").write(z)
PY
(cd "$T/loose" && tar cf - . | gzip -c > "$T/fleet.tar.gz")
mkdir -p "$T/one" && mv "$T/fleet.tar.gz" "$T/one/"
best() { # best OUT DIR: the best of three runs, in s
    b=
    for k in 1 2 3; do
        t0=$(now)
        timed "$T/t" "$BIN" -q --no-symbolicate -o /dev/null --reports-csv "$T/$1.csv" "$2" || true
        t1=$(now)
        s=$(secs "$t0" "$t1")
        if [ -z "$b" ] || [ "$(echo "$s < $b" | bc -l)" = 1 ]; then b=$s; fi
    done
    echo "$b $(rss "$T/t")"
}
set -- $(best loose "$T/loose"); tl=$1 rl=$2
set -- $(best tar "$T/one"); ta=$1 ra=$2
nl=$(grep -c ',ok,\|,partial,' "$T/loose.csv") na=$(grep -c ',ok,\|,partial,' "$T/tar.csv")
printf 'archives: %s reports as loose .gz files %.2f s (%.0f µs a report, %s MB), as one tar.gz of them %.2f s (%.0f µs a report, %s MB); %s and %s read\n' \
    "$N" "$tl" "$(echo "$tl * 1000000 / $N" | bc -l)" "$rl" "$ta" "$(echo "$ta * 1000000 / $N" | bc -l)" "$ra" "$nl" "$na"
