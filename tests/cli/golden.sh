#!/bin/sh
# tests/cli/golden.sh BINARY FIXTURES - whole outputs compared exactly with the expected ones
# in tests/golden/NAME/ (the Markdown, both CSVs, the JSON, standard error and the exit
# code), so that an output change is reviewed in the diff, not grepped for. The runs are
# not quiet: every diagnostic is part of what is compared. After a change meant to alter
# them: GOLDEN_UPDATE=1 sh tests/cli/golden.sh BINARY FIXTURES, then read the diff.
set -u
BIN=$1
FIX=$2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
case $FIX in /*) FIX=$(realpath --relative-to="$SRC" "$FIX" 2>/dev/null || echo "$FIX") ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# golden NAME ARGS...: run in the source tree with relative paths, so the outputs name
# the inputs the same way on every machine
golden() {
    name=$1
    shift
    mkdir -p "$T/$name"
    (cd "$SRC" && timeout 300 "$BIN" -o "$T/$name/summary.md" --csv "$T/$name/clusters.csv" \
        --reports-csv "$T/$name/reports.csv" --json "$T/$name/summary.json" "$@" 2>"$T/$name/stderr")
    echo "$?" > "$T/$name/exit"
    # the fixture binaries' UUIDs come from the linker and vary between builds, and so do
    # the identities (text hashes) of the reports built around them; catalogue paths are
    # absolute
    for f in "$T/$name"/*; do
        sed -E -e "s|$SRC/|<SRC>/|g" -e 's/[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/<UUID>/g' \
            -e '/"path":"build\/fixtures\//s/"identity":"text:[0-9a-f]{32}"/"identity":"text:<HASH>"/' "$f" > "$f.n" && mv "$f.n" "$f"
    done
    if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
        rm -rf "$SRC/tests/golden/$name" && cp -r "$T/$name" "$SRC/tests/golden/$name"
        echo "# $name: expected outputs rewritten"
        return
    fi
    for f in exit stderr summary.md clusters.csv reports.csv summary.json; do
        if cmp -s "$SRC/tests/golden/$name/$f" "$T/$name/$f"; then ok "$name: $f as expected"
        else no "$name: $f differs from tests/golden/$name/$f"; diff "$SRC/tests/golden/$name/$f" "$T/$name/$f" | head -10 | cut -c1-240 | sed 's/^/#   /'; fi
    done
}

golden plain --no-symbolicate samples tests/data
if [ -d "$SRC/$FIX/kdks" ] && command -v lldb-16 >/dev/null 2>&1; then
    golden symbolicated --no-cache --lldb lldb-16 --kdk-root "$FIX/kdks" --kext "$FIX/kexts" "$FIX/reports"
    golden frames1 --no-cache --lldb lldb-16 --frames 1 --kdk-root "$FIX/kdks" --kext "$FIX/kexts" "$FIX/reports"
else
    echo "# skipped the symbolicated golden runs: no fixtures in $FIX or no lldb-16"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
