#!/bin/sh
# tests/cli/commit.sh BINARY - the commit is one decision (issue 30, item 1): a run killed
# or failing while it replaces its outputs records nothing in the history and leaves every
# output as the last run left it, with no temporary or backup file behind; a run that
# SIGKILL stopped in that window is rolled back by the next run in that folder. The window
# is held open with strace (a delayed or failing rename); without strace it says SKIP.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
D=$SRC/tests/data
# strace is how the test holds a rename open: make deps installs it, so its absence fails
if ! command -v strace >/dev/null 2>&1; then
    echo "not ok - tests/cli/commit.sh needs strace (make deps installs it: apt-get install strace)"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! strace -f -o /dev/null true >/dev/null 2>&1; then
    echo "# SKIP tests/cli/commit.sh: strace cannot trace here (ptrace denied)"
    echo "0 passed, 0 failed"
    exit 0
fi
command -v sqlite3 >/dev/null 2>&1 || { echo "not ok - tests/cli/commit.sh needs sqlite3 (make deps installs it)"; exit 1; }

# the four outputs of a run over one input ($1), in out/, with the history h.db
outs() { echo "-o out/s.md --csv out/c.csv --reports-csv out/r.csv --json out/j.json"; }
runs() { sqlite3 h.db 'SELECT count(*) FROM runs'; }
snapshot() { for f in s.md c.csv r.csv j.json; do cksum < "out/$f"; done; }
left() { ls -A out | grep -v '^s.md$\|^c.csv$\|^r.csv$\|^j.json$\|^.kptrace-batch.lock$' | tr '\n' ' '; }
# the first run: the outputs and the history the later runs must not damage
first() {
    rm -rf out h.db && mkdir out
    # shellcheck disable=SC2046
    "$BIN" -q --no-symbolicate $(outs) --history h.db "$D/intel-legacy.panic" || no "the first run failed"
    old=$(snapshot)
}
# LeakSanitizer cannot run under ptrace (make sanitize): the traced runs go without it, the
# others keep it
notrace_lsan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# run the tool under strace (its arguments after --), its pid in tool.pid
traced() { # traced INJECT ARGS...
    inj=$1; shift
    ASAN_OPTIONS=$notrace_lsan strace -f -o /dev/null -e trace=rename -e inject=rename:"$inj" \
        sh -c 'echo $$ > tool.pid; exec "$@"' sh "$BIN" -q --no-symbolicate "$@"
}

# --- a SIGTERM while the second output is renamed (the first one is replaced already)
for hist in history none; do
    first
    hopt=; [ $hist = history ] && hopt="--history h.db"
    before=$(runs)
    rm -f tool.pid
    # shellcheck disable=SC2046,SC2086
    traced delay_exit=2000000:when=2 $(outs) $hopt "$D/ios-zone.ips" 2>err.txt &
    spid=$!
    # the window: the first output replaced, the second rename held for 2 s
    for _ in $(seq 1 100); do [ "$(cksum < out/s.md)" != "$(echo "$old" | head -n 1)" ] && break; sleep 0.05; done
    kill -TERM "$(cat tool.pid)"
    wait $spid; rc=$?
    [ "$(snapshot)" = "$old" ] && [ "$(runs)" = "$before" ] && [ -z "$(left)" ] && [ $rc -gt 128 ] &&
        ok "SIGTERM inside the commit ($hist): nothing recorded, every output the old one, nothing left (exit $rc)" ||
        no "SIGTERM inside the commit ($hist): exit $rc, runs $before -> $(runs), outputs $( [ "$(snapshot)" = "$old" ] && echo old || echo mixed), left: $(left)"
done

# --- an I/O error on the second rename: exit 3 with the reason, nothing recorded or replaced
first
before=$(runs)
# shellcheck disable=SC2046
traced error=EIO:when=2 $(outs) --history h.db "$D/ios-zone.ips" 2>err.txt; rc=$?
[ $rc = 3 ] && grep -q "cannot write 'out/c.csv'.*Input/output error" err.txt && grep -q 'nothing was replaced' err.txt &&
    [ "$(snapshot)" = "$old" ] && [ "$(runs)" = "$before" ] && [ -z "$(left)" ] &&
    ok "EIO on the second rename: exit 3 with why, nothing recorded, nothing replaced, nothing left" ||
    no "EIO on the second rename: exit $rc, runs $before -> $(runs), left: $(left), stderr: $(cat err.txt)"
# ... and on the second output's fsync
traced_fsync() {
    ASAN_OPTIONS=$notrace_lsan strace -f -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=2 "$BIN" -q --no-symbolicate "$@"
}
# shellcheck disable=SC2046
traced_fsync $(outs) --history h.db "$D/ios-zone.ips" 2>err.txt; rc=$?
[ $rc = 3 ] && grep -q "cannot write 'out/c.csv'.*Input/output error" err.txt && [ "$(snapshot)" = "$old" ] &&
    [ "$(runs)" = "$before" ] && [ -z "$(left)" ] &&
    ok "EIO on the second output's fsync: exit 3 with why, nothing recorded, nothing replaced, nothing left" ||
    no "EIO on the second fsync: exit $rc, runs $before -> $(runs), left: $(left), stderr: $(cat err.txt)"
# ... and outputs that did not exist before do not exist after
rm -rf new && mkdir new
traced error=EIO:when=2 -o new/s.md --csv new/c.csv --history h.db "$D/ios-zone.ips" 2>err.txt; rc=$?
[ $rc = 3 ] && [ -z "$(ls -A new | grep -v '^.kptrace-batch.lock$')" ] && [ "$(runs)" = "$before" ] &&
    ok "EIO on the second rename of new outputs: none is left" || no "EIO, new outputs: exit $rc, left: $(ls -A new | tr '\n' ' ')"

# --- SIGKILL inside the window: the journal stays; the next run in that folder rolls the
# interrupted commit back before its own (here its own fails too, so what is left is the
# first run's set), and leaves nothing behind
first
before=$(runs)
rm -f tool.pid
# shellcheck disable=SC2046
traced delay_exit=2000000:when=2 $(outs) --history h.db "$D/ios-zone.ips" 2>/dev/null &
spid=$!
for _ in $(seq 1 100); do [ "$(cksum < out/s.md)" != "$(echo "$old" | head -n 1)" ] && break; sleep 0.05; done
kill -KILL "$(cat tool.pid)"
wait $spid
[ "$(runs)" = "$before" ] && [ -n "$(left)" ] && ok "SIGKILL inside the commit: nothing recorded, a journal left ($(left))" ||
    no "SIGKILL inside the commit: runs $before -> $(runs), left: $(left)"
# (the rollback renames the four backups back first: the run's own second rename is the 6th)
# shellcheck disable=SC2046
traced error=EIO:when=6 $(outs) --history h.db "$D/t2-both.ips" 2>err.txt; rc=$?
[ $rc = 3 ] && [ "$(snapshot)" = "$old" ] && [ "$(runs)" = "$before" ] && [ -z "$(left)" ] &&
    ok "  ... the next run rolls it back: the old outputs, nothing left" ||
    no "  ... the next run: exit $rc, outputs $( [ "$(snapshot)" = "$old" ] && echo old || echo mixed), left: $(left), $(cat err.txt)"
# shellcheck disable=SC2046
"$BIN" -q --no-symbolicate $(outs) --history h.db "$D/t2-both.ips"; rc=$?
[ $rc = 0 ] && [ "$(runs)" = $((before + 1)) ] && [ -z "$(left)" ] && grep -q t2-both out/r.csv &&
    ok "  ... and a run after it commits whole" || no "  ... a run after it: exit $rc, left: $(left)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
