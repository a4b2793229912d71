#!/bin/sh
# tools/check-cycles.sh OBJECT... - no two files of a stage (or of util/, model/) call each other,
# even through others: the files' call graph, read from the objects' symbol tables (nm),
# must have no loop (tsort finds them). A loop means two files are one module, or a seam
# is in the wrong place.
set -u
bad=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for o in "$@"; do
    d=$(basename "$(dirname "$o")")
    case $d in ingest|readers|symbolicate|cluster|report|history|model|driver|util) echo "$o" >> "$T/$d.objs" ;; esac
done
for list in "$T"/*.objs; do
    [ -f "$list" ] || continue
    d=$(basename "$list" .objs)
    # one nm for the stage's definitions and one for its references (-A: each line starts
    # "path/file.o:"; a fork or two per object made this check cost more than the build)
    nm -A -g --defined-only $(cat "$list") > "$T/defs"
    nm -A -u $(cat "$list") > "$T/refs"
    awk 'function file(l) { l = substr(l, 1, index(l, ".o:") + 1); sub(/^.*\//, "", l); return substr(l, 1, length(l) - 2) }
         FILENAME == ARGV[1] && NF >= 3 { defs[$NF] = defs[$NF] " " file($0) }
         FILENAME == ARGV[2] && NF >= 2 { f = file($0); k = split(defs[$NF], g, " ")
                             for (i = 1; i <= k; i++) if (g[i] != f) print f, g[i] }' "$T/defs" "$T/refs" | sort -u > "$T/edges"
    if ! out=$(tsort "$T/edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
        echo "check-cycles: $d/ has a call loop between its files:"
        echo "$out" | sed 's/^/  /'
        bad=1
    fi
done
[ $bad = 0 ] && echo "check-cycles: ok"
exit $bad
