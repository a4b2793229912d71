#!/bin/sh
# tests/cli/jobs.sh BINARY - -j changes only the speed: a mixed fleet (the fixture reports
# and hangs, tests/data, samples/, generated reports, rejected, skipped and partial inputs,
# archives, paths from standard input) run with -j1, -j2 and -j8, and every output compared
# byte for byte with -j1's: the Markdown, both CSVs, the JSON, the state, the page, the plot,
# the history (dumped, its clock masked), stderr (its messages and their order) and the
# exit code. Three settings: no symbols with --compare-rules (signed on the workers), the
# default (symbolication on, no KDK: names learned in pass 1) with --since, and, where the
# fixture KDKs and lldb-16 are, symbolicated against them.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
FX=${KPT_FIXTURES:-$SRC/build/fixtures}
T=$(mktemp -d)
[ -n "${KPT_KEEP:-}" ] || trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

# the fleet
F=$T/fleet
mkdir -p "$F/gen" "$F/odd"
cp -r "$SRC/samples" "$F/samples"
cp -r "$SRC/tests/data" "$F/data"
[ -d "$FX/reports" ] && cp -r "$FX/reports" "$F/reports"
[ -d "$FX/hangs" ] && cp -r "$FX/hangs" "$F/hangs"
[ -d "$FX/hangs-intel" ] && cp -r "$FX/hangs-intel" "$F/hangs-intel"
# 300 generated reports over 30 crashes (a cluster's examples and representative are the
# first met: the order shows)
awk -v dir="$F/gen" -v tpl="$SRC/tests/data/intel-legacy.panic" 'BEGIN {
    while ((getline l < tpl) > 0) t = t l "\n"
    for (i = 0; i < 300; i++) {
        s = t
        sub(/panic\(cpu/, sprintf("panic(crash %d cpu", i % 30), s)
        f = sprintf("%s/g%03d.panic", dir, i)
        printf "%s", s > f
        close(f)
    } }'
# rejected (unreadable; empty; a FIFO), skipped (another kind of report), partial (cut short)
echo 'panic(cpu 0 caller 0xffffff8000000000): unreadable' > "$F/odd/unreadable.panic"
chmod 000 "$F/odd/unreadable.panic"
: > "$F/odd/empty.panic"
mkfifo "$F/odd/fifo.panic" 2>/dev/null || true
printf 'Process: Finder\nException Type: EXC_CRASH\n' > "$F/odd/Finder.crash"
head -c 600 "$SRC/tests/data/intel-legacy.panic" > "$F/odd/cut.panic"
# archives: a tar.gz of reports, a zip if there is zip, one damaged
(cd "$F" && tar czf gen.tar.gz gen/g00*.panic data/arm64-abort.txt)
command -v zip >/dev/null 2>&1 && (cd "$F" && zip -qr samples.zip samples)
head -c 300 "$F/gen.tar.gz" > "$F/odd/damaged.tar.gz"
# a list on standard input: some paths twice over, one missing
find "$F/gen" -name 'g1*' | sort > "$T/list"
echo "$F/odd/missing.panic" >> "$T/list"

# runs LABEL OPTIONS...: -j1, -j2, -j8 with OPTIONS, each output against -j1's
runs() {
    label=$1
    shift
    for j in 1 2 8; do
        d=$T/$label/j$j
        mkdir -p "$d"
        (cd "$d" && timeout 300 "$BIN" -j "$j" "$@" -o s.md --csv c.csv --reports-csv r.csv \
            --json s.json --emit-state st.json --html p.html --plot p.svg --history h.db \
            "$F" - < "$T/list" > out 2> err; echo "$?" > exit)
        if [ -f "$d/h.db" ] && command -v sqlite3 >/dev/null 2>&1; then
            sqlite3 "$d/h.db" .dump > "$d/h.sql"
        fi
        rm -f "$d/h.db"*
        # the history's clock (a cluster's first sight is the run's time): today's times,
        # and the epoch seconds the run began, masked; the reports' own dates are older
        day=$(date -u +%Y-%m-%d)
        for f in "$d"/*; do
            sed -E -e "s/$day[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?Z?/<NOW>/g" \
                -e "s/\b$(date -u +%s | cut -c1-7)[0-9]{3}\b/<NOW>/g" "$f" > "$f.n" && mv "$f.n" "$f"
        done
    done
    for f in exit out err s.md c.csv r.csv s.json st.json p.html p.svg h.sql; do
        [ -f "$T/$label/j1/$f" ] || continue
        for j in 2 8; do
            if cmp -s "$T/$label/j1/$f" "$T/$label/j$j/$f"; then ok "$label: -j$j $f as -j1's"
            else no "$label: -j$j $f differs from -j1's"; diff "$T/$label/j1/$f" "$T/$label/j$j/$f" | head -6 | cut -c1-200 | sed 's/^/#   /'; fi
        done
    done
    # the run read the fleet: a report of every kind, and the odd inputs
    grep -q 'unreadable.panic' "$T/$label/j1/r.csv" && grep -q 'gen.tar.gz!gen/g001.panic' "$T/$label/j1/r.csv" &&
        grep -q 'damaged.tar.gz' "$T/$label/j1/r.csv" && grep -q 'missing.panic' "$T/$label/j1/r.csv" &&
        [ "$(grep -c '/gen/g' "$T/$label/j1/r.csv")" -ge 300 ] && ok "$label: the fleet was read" ||
        no "$label: the fleet was not read as built"
}

runs nosym --no-symbolicate --compare-rules "$SRC/cluster/rules/xnusig-1" --frames 2
runs learn --kdk-root "$T/nokdk" --no-cache --since 2010-01-01
if [ -d "$FX/kdks" ] && command -v lldb-16 >/dev/null 2>&1; then
    runs kdk --no-cache --lldb lldb-16 --kdk-root "$FX/kdks" --kext "$FX/kexts"
else
    echo "# skipped the symbolicated runs: no fixture KDKs or no lldb-16"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
