#!/bin/sh
# tests/cli/cases.sh BINARY [NAME...] - the command line, case by case: each folder
# tests/cli/cases/NAME/ holds
#   cmd         one shell line, run in the source tree with the binary in $KPT and an empty
#               folder of its own in $TMP
#   stdout.exp  what it writes on standard output
#   stderr.exp  what it writes on standard error
#   exit.exp    its exit code
#   ignore      (optional) the words stdout and/or stderr: that stream is not compared
# and every one is compared exactly; a difference is shown as a unified diff. After a change
# meant to alter them: CASES_UPDATE=1 sh tests/cli/cases.sh BINARY [NAME...], then read the
# diff. Paths in a cmd are relative to the source tree, so that the outputs name them the
# same way on every machine.
set -u
BIN=$1
shift
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
CASES=$SRC/tests/cli/cases
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

if [ $# = 0 ]; then
    set -- $(cd "$CASES" && ls)
fi
for name in "$@"; do
    dir=$CASES/$name
    if [ ! -f "$dir/cmd" ]; then
        no "$name: no $dir/cmd"
        continue
    fi
    rm -rf "$T/tmp" && mkdir "$T/tmp"
    (cd "$SRC" && KPT=$BIN TMP=$T/tmp timeout 120 sh -c "$(cat "$dir/cmd")" </dev/null >"$T/stdout" 2>"$T/stderr")
    echo "$?" >"$T/exit"
    if [ "${CASES_UPDATE:-}" = 1 ]; then
        for f in stdout stderr exit; do cp "$T/$f" "$dir/$f.exp"; done
        echo "# $name: expectations rewritten"
        continue
    fi
    bad=
    for f in exit stdout stderr; do
        if [ -f "$dir/ignore" ] && grep -qx "$f" "$dir/ignore"; then
            continue
        fi
        if [ ! -f "$dir/$f.exp" ]; then
            bad="$bad $f (no $f.exp)"
        elif ! cmp -s "$dir/$f.exp" "$T/$f"; then
            bad="$bad $f"
            diff -u "$dir/$f.exp" "$T/$f" | head -40 | cut -c1-240 | sed 's/^/#   /'
        fi
    done
    if [ -z "$bad" ]; then ok "$name"; else no "$name: differs in$bad"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
