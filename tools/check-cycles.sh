#!/bin/sh
# tools/check-cycles.sh OBJECT... - no two files of a stage (or of util/) call each other,
# even through others: the files' call graph, read from the objects' symbol tables (nm),
# must have no loop (tsort finds them). A loop means two files are one module, or a seam
# is in the wrong place.
set -u
bad=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for o in "$@"; do
    d=$(basename "$(dirname "$o")")
    case $d in ingest|symbolicate|cluster|report|history|util) echo "$o" >> "$T/$d.objs" ;; esac
done
for list in "$T"/*.objs; do
    [ -f "$list" ] || continue
    d=$(basename "$list" .objs)
    while read -r o; do
        nm -g --defined-only "$o" | awk -v f="$(basename "$o" .o)" 'NF >= 3 { print $3, f }'
    done < "$list" | sort -u > "$T/defs"
    while read -r o; do
        f=$(basename "$o" .o)
        nm -u "$o" | awk '{ print $NF }' | sort -u | join - "$T/defs" | awk -v f="$f" '$2 != f { print f, $2 }'
    done < "$list" | sort -u > "$T/edges"
    if ! out=$(tsort "$T/edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
        echo "check-cycles: $d/ has a call loop between its files:"
        echo "$out" | sed 's/^/  /'
        bad=1
    fi
done
[ $bad = 0 ] && echo "check-cycles: ok"
exit $bad
