#!/bin/sh
# tools/check-portable.sh - the project's scripts use no GNU-only (or Linux-only) tool flags
# without a fallback: each pattern below is refused unless its line ends in a
# "# portable: WHY" comment saying how the other systems are served.
set -u
cd "$(dirname "$0")/.."
bad=0
for f in tests/cli/*.sh tests/fixtures/*.sh bench/*.sh fuzz/*.sh tools/*.sh .ci/run; do
    [ "$f" = tools/check-portable.sh ] && continue
    # sed -i, find -printf, date -d and %N, stat -c, readlink -f, grep -P, split -n, du -b,
    # head/tail -c -N, xargs -r, taskset, /proc, GNU time's -v, util-linux script -c
    grep -nE "sed -i|find .*-printf|date -d|date \+[^ ]*%N|stat -c|readlink -f|grep -[a-zA-Z]*P|split -n|du -[a-z]*b|(head|tail) -c -|xargs -r|taskset|/proc/|/usr/bin/time -v|script -qc" "$f" |
        grep -v '# portable:' | sed "s|^|$f:|" | grep . && bad=1
done
[ "$bad" = 0 ] && echo "check-portable: ok" || { echo "check-portable: GNU-only flags above (or mark a guarded use '# portable: why')"; exit 1; }
