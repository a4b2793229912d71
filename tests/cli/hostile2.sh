#!/bin/sh
# tests/cli/hostile2.sh BINARY [FIXTURES] - hostile input, round 2 (issue 20): outputs that
# are links, devices or each other, a path list that cannot be read, a trickling lldb, a
# held output lock, lldb's escaped grandchildren, memory per input, crafted merge states,
# control and direction characters in every output, history files read and not written.
# Cases that need root (or a non-root user) say SKIP plainly when they cannot run.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
P=$SRC/tests/data/intel-legacy.panic
cd "$T" || exit 1
kb() { timeout 60 "$BIN" -q --no-symbolicate "$@"; }
FX=${KPT_FIXTURES:-$SRC/build/fixtures}
case $FX in /*) ;; *) FX=$SRC/$FX ;; esac

# --- 1. outputs that are links, devices or descriptors: written in place or through the link
# First a link of our own to standard output: a build that replaces links would replace only
# this one. /dev/stdout and /dev/stderr themselves are tried only when this passed (as root, a
# broken build turns them into files), and put back if they were damaged all the same.
ln -s /dev/fd/1 my-stdout
kb -o /dev/null --csv my-stdout "$P" > out0.txt 2>err.txt; rc=$?
if [ $rc = 0 ] && [ -L my-stdout ] && grep -q '^rank,' out0.txt && [ -z "$(ls -A | grep -v '^my-stdout$\|^out0.txt$\|^err.txt$\|^.kptrace-batch.lock$')" ]; then
    ok "--csv LINK-TO-/dev/fd/1 with stdout a file: the CSV lands in the file, the link stays"
    kb -o /dev/null --csv /dev/stdout "$P" > out.txt 2>err.txt; rc=$?
    [ $rc = 0 ] && grep -q '^rank,' out.txt && [ -L /dev/stdout ] &&
        ok "--csv /dev/stdout with stdout a file: the CSV lands there, /dev/stdout stays a link" ||
        no "--csv /dev/stdout: exit $rc, /dev/stdout: $(ls -ld /dev/stdout)"
    [ ! -e /dev/.kptrace-batch.lock ] && ok "  ... and no lock file in /dev" || no "  ... a lock file was left in /dev"
    echo kept > app.log
    kb -o /dev/stderr --csv /dev/null "$P" 2>>app.log; rc=$?
    [ $rc = 0 ] && [ "$(head -n 1 app.log)" = kept ] && grep -q '^# kptrace-batch summary' app.log && [ -L /dev/stderr ] &&
        ok "-o /dev/stderr appended to 2>>: written through the descriptor" || no "-o /dev/stderr: exit $rc"
else
    no "--csv LINK-TO-/dev/fd/1: exit $rc, $(ls -lA | tr '\n' ' ') (/dev/stdout and /dev/stderr are not tried)"
fi
for d in stdout stderr; do   # a safety net: what a broken build did to /dev is undone
    if [ "$(id -u)" = 0 ] && [ -e /dev/$d ] && [ ! -L /dev/$d ]; then
        rm -f /dev/$d && ln -s /proc/self/fd/$([ $d = stdout ] && echo 1 || echo 2) /dev/$d; no "/dev/$d was replaced (put back)" # portable: only where /dev/stdout was a link (Linux), which a broken build replaced
    fi
done
[ "$(id -u)" = 0 ] && [ -f /dev/.kptrace-batch.lock ] && rm -f /dev/.kptrace-batch.lock
kb -o /dev/null --json /dev/fd/3 "$P" 3>fd3.json; rc=$?
[ $rc = 0 ] && grep -q '"tool":"kptrace-batch"' fd3.json && ok "--json /dev/fd/3: written to descriptor 3" || no "--json /dev/fd/3: exit $rc"
mkdir -p lk/real && echo old > lk/real/t.csv && ln -s real/t.csv lk/link.csv
kb -o /dev/null --csv lk/link.csv "$P"; rc=$?
[ $rc = 0 ] && [ -L lk/link.csv ] && grep -q '^rank,' lk/real/t.csv && [ -z "$(ls -A lk | grep -v '^real$\|^link.csv$')" ] &&
    ok "a link to a regular file: the target replaced, the link kept, nothing left beside the link" ||
    no "a link to a regular file: exit $rc, $(ls -lA lk | tr '\n' ' ')"
ln -s nowhere lk/dangling.csv
kb -o /dev/null --csv lk/dangling.csv "$P" 2>err.txt; rc=$?
[ $rc = 3 ] && [ -L lk/dangling.csv ] && grep -q 'link to nothing' err.txt && ok "a link to nothing: refused with why (exit 3)" ||
    no "a dangling link: exit $rc: $(cat err.txt)"
ln -s /dev/null lk/null.md
kb -o lk/null.md "$P"; rc=$?
[ $rc = 0 ] && [ -L lk/null.md ] && [ -c /dev/null ] && ok "a link to /dev/null: written in place" || no "a link to /dev/null: exit $rc"

# --- 2. outputs that collide: refused before anything is read (exit 2, naming both)
mkdir -p col/d && cp "$P" col/d/b.panic
collide() { # collide NAME WORD ARGS...
    name=$1 word=$2; shift 2
    kb "$@" 2>col/err; rc=$?
    [ $rc = 2 ] && grep -q "$word" col/err && ok "$name: refused (exit 2)" || no "$name: exit $rc: $(cat col/err)"
}
kb -o /dev/null --history col/h.db "$P"
cp col/h.db col/h.copy
collide "--history X -o X" "the history 'col/h.db'" --history col/h.db -o col/h.db "$P"
cmp -s col/h.db col/h.copy && ok "  ... the history is untouched" || no "  ... the history changed"
collide "-o X --csv X" "name one file" -o col/x --csv col/x "$P"
[ ! -e col/x ] && ok "  ... nothing written" || no "  ... col/x written"
collide "an output that is the history's -wal" "h.db-wal" --history col/h.db --csv col/h.db-wal -o /dev/null "$P"
collide "-o an input file given" "the input" -o col/d/b.panic col/d/b.panic
collide "-o a report inside an input folder" "the input folder" -o col/d/b.panic col/d
cmp -s col/d/b.panic "$P" && ok "  ... the report is untouched" || no "  ... the report was overwritten"
echo col/d/b.panic | kb -o col/d/b.panic - 2>col/err; rc=$?
[ $rc = 2 ] && grep -q "the input 'col/d/b.panic'" col/err && cmp -s col/d/b.panic "$P" &&
    ok "-o an input file listed on standard input: refused (exit 2), the report untouched" || no "-o a listed input: exit $rc: $(cat col/err)"
kb --csv col/same.md "$P" > col/same.md 2>col/err; rc=$?   # the summary on stdout, and --csv: one file
[ $rc = 2 ] && ok "--csv X with standard output redirected to X: refused (exit 2)" || no "--csv X > X: exit $rc"
kb -o col/d/s.md col/d && kb -o col/d/s.md col/d && ok "an earlier summary inside the input folder: still passed over" ||
    no "an earlier summary inside the input folder is refused"
kb --emit-state col/s1.json -o /dev/null "$P"
timeout 60 "$BIN" merge -q -o col/s1.json col/s1.json 2>col/err; rc=$?
[ $rc = 2 ] && grep -q "the state" col/err && ok "merge -o X X: refused (exit 2)" || no "merge -o X X: exit $rc"

# --- 3. '-' with a standard input that cannot be read: an error, nothing recorded
mkdir -p sin
timeout 60 "$BIN" --no-symbolicate -o /dev/null --history sin/h.db - <&- 2>sin/err; rc=$?
runs=$( [ -e sin/h.db ] && sqlite3 sin/h.db 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
[ $rc = 3 ] && grep -q 'standard input cannot be read' sin/err && [ "$runs" = 0 ] &&
    ok "'-' with standard input closed: exit 3, no run recorded" || no "'-' with stdin closed: exit $rc: $(cat sin/err)"
timeout 60 "$BIN" --no-symbolicate -o /dev/null - < sin 2>sin/err; rc=$?
[ $rc = 3 ] && grep -q 'Is a directory' sin/err && ok "'-' with standard input a folder: exit 3" || no "'-' < folder: exit $rc"

# --- 8. memory per input: a gzipped report that fits the size limit but not the memory, and
# a gzip bomb with the limit at its maximum, are rejected with why (not under ASan)
if [ -z "${ASAN_OPTIONS:-}" ]; then
    mkdir -p oom/in oom/out
    { cat "$P"; head -c 60000000 /dev/zero | tr '\0' 'x'; } | gzip -1 > oom/in/huge.panic.gz
    head -c 300000000 /dev/zero | gzip -1 > oom/in/bomb.gz
    cp "$P" oom/in/
    (ulimit -v 100000; timeout 60 "$BIN" -q --no-symbolicate -o oom/out/s.md --reports-csv oom/out/r.csv oom/in/huge.panic.gz oom/in/intel-legacy.panic 2>oom/err)
    rc=$?
    [ $rc = 1 ] && grep -q 'huge.panic.gz,rejected,.*not enough memory' oom/out/r.csv && grep -q 'intel-legacy.panic,ok' oom/out/r.csv &&
        ok "a gzipped report too large for memory: rejected with why, the others read (exit 1)" || no "gzipped, out of memory: exit $rc $(cat oom/err)"
    (ulimit -v 100000; timeout 60 "$BIN" -q --no-symbolicate --max-file-bytes 9223372036854775807 -o oom/out/s.md --reports-csv oom/out/r.csv oom/in/bomb.gz oom/in/intel-legacy.panic 2>oom/err)
    rc=$?
    [ $rc = 1 ] && grep -q 'bomb.gz,rejected,.*not enough memory' oom/out/r.csv && grep -q 'intel-legacy.panic,ok' oom/out/r.csv &&
        ok "a gzip bomb with --max-file-bytes at its maximum: rejected with why (exit 1)" || no "gzip bomb, limit at maximum: exit $rc $(cat oom/err)"
    rm -rf oom
else
    echo "# SKIP the out-of-memory cases (8) under ASan (ulimit -v and its shadow memory do not mix)"
fi

# --- 9. a valid but padded merge state: refused with a reason, in a small multiple of its size
mkdir -p ms
kb -o /dev/null --emit-state ms/good.json "$SRC/samples" "$P"
perl -0pe 's/"members":\[(\d+)/q("members":[) . $1 . (",0" x 10000000)/e' ms/good.json > ms/padded.json
timed ms/time timeout 60 "$BIN" merge -q -o /dev/null ms/padded.json 2>ms/err; rc=$?
mb=$(rss ms/time)
[ $rc = 3 ] && grep -q padded ms/time && { [ -n "${ASAN_OPTIONS:-}" ] || [ "${mb:-999}" -lt 100 ]; } &&
    ok "a 20 MB state padded with 10 million members: refused with why, in ${mb} MB" || no "a padded state: exit $rc, ${mb} MB: $(head -3 ms/time)"
if [ -z "${ASAN_OPTIONS:-}" ]; then
    (ulimit -v 60000; timeout 60 "$BIN" merge -q -o /dev/null ms/good.json ms/padded.json 2>ms/err); rc=$?
    [ $rc = 3 ] && [ -n "$(sed 's/^kptrace-batch: merge: //' ms/err)" ] && ok "  ... and under a 60 MB address-space limit, a reason" ||
        no "  ... under ulimit: exit $rc, '$(cat ms/err)'"
fi
rm -rf ms

# --- 11. merge --history with crafted rows: a row's keys are its cluster's, its identity one
# the tool computes; 'history' escapes every cell
if command -v python3 >/dev/null && command -v sqlite3 >/dev/null; then
    mkdir -p cs
    kb -o /dev/null --emit-state cs/good.json "$SRC/samples" "$P"
    craft() { # craft NAME FIELD VALUE: the first clustered row's JSON with FIELD set to VALUE
        python3 - "$@" <<'PYEOF'
import json, sys
name, field, value = sys.argv[1:4]
st = json.load(open("cs/good.json"))
for row in st["reports"]:
    j = json.loads(row["json"])
    if j.get("signature_id"):
        j[field] = value
        row["json"] = json.dumps(j, separators=(",", ":"))
        break
json.dump(st, open("cs/%s.json" % name, "w"), separators=(",", ":"))
PYEOF
        timeout 30 "$BIN" merge -q -o /dev/null --history cs/$1.db cs/$1.json 2>cs/$1.err; rc=$?
        runs=$( [ -e cs/$1.db ] && sqlite3 cs/$1.db 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
        [ $rc = 3 ] && grep -q 'not a valid state' cs/$1.err && [ "$runs" = 0 ] && ok "crafted state row ($1): refused, nothing recorded" ||
            no "crafted state row ($1): exit $rc, $runs runs: $(cat cs/$1.err)"
    }
    craft sig-html signature_id '`|<img src=x onerror=alert(1)>[x](javascript:x)
# owned'
    craft sig-other signature_id 0123456789abcdef
    craft signature signature 'generic[<img onerror>] | x'
    craft identity identity 'text:x
# owned'
    craft coarse coarse_id 'javascript:x'
    timeout 30 "$BIN" merge -q -o /dev/null --history cs/good.db cs/good.json; rc=$?
    [ $rc -le 1 ] && ok "the untouched state merges into a history" || no "the good state was refused: exit $rc"
    # a history file is input too: cells from it are escaped
    sqlite3 cs/good.db "PRAGMA foreign_keys = OFF; CREATE TEMP TABLE o AS SELECT signature_id AS id FROM clusters WHERE rowid = 1;
        UPDATE clusters SET signature_id = signature_id || '\`|<img onerror=x>' || char(10) || '# owned' WHERE signature_id = (SELECT id FROM o);
        UPDATE reports SET signature_id = signature_id || '\`|<img onerror=x>' || char(10) || '# owned' WHERE signature_id = (SELECT id FROM o);
        UPDATE run_clusters SET signature_id = signature_id || '\`|<img onerror=x>' || char(10) || '# owned' WHERE signature_id = (SELECT id FROM o);
        UPDATE clusters SET note = 'n' || char(127) || char(155) || char(8238) WHERE rowid = 2"
    timeout 30 "$BIN" history cs/good.db > cs/h.md 2>cs/h.err
    ! grep -q '<img' cs/h.md && ! grep -q '^# owned' cs/h.md && ok "history: a crafted cluster id prints escaped (no HTML, no heading)" ||
        no "history: raw cell: $(grep -n 'img\|owned' cs/h.md | head -3)"
    sig2=$(sqlite3 cs/good.db 'SELECT signature_id FROM clusters WHERE rowid = 2')
    timeout 30 "$BIN" triage cs/good.db "$sig2" > cs/t.txt 2>&1
    ! LC_ALL=C grep -q "$(printf '\177')\|$(printf '\302\233')\|$(printf '\342\200\256')" cs/t.txt && grep -q 'u009b' cs/t.txt &&
        ok "triage: DEL, U+009B and U+202E of a note shown visibly" || no "triage: a note's controls reach the terminal: $(grep note cs/t.txt | od -c | head -3)"
else
    echo "# SKIP crafted states (11): no python3 or sqlite3"
fi

# --- 12, 13. control, C1 and direction characters, URLs and addresses, in every output
mkdir -p ct/in
ESC=$(printf '\033') C1B=$(printf '\233') C1U=$(printf '\302\233') RLO=$(printf '\342\200\256')
printf 'panic(cpu 0 caller 0xffffff8000201000): "bad %s[31m red %s x %s y %s z see https://evil.example/p www.evil.example mail a@b.example"\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8001e22f79 \nKernel slide:     0x0000000000000000\n' \
    "$ESC" "$C1U" "$RLO" "$(printf '\342\201\246')" > ct/in/ctl.panic
cp "$P" "ct/in/name$ESC[31m-$C1B-$C1U-$RLO.panic"
printf 'x' > "ct/in/rej$ESC[2J-$C1B-$C1U-$RLO.panic"
{ printf '{"bug_type":"\\u001b[31m'; head -c 300 /dev/zero | tr '\0' 'A'; printf '","os_version":"macOS 14.0 (23A344)"}\n{}\n'; } > ct/in/bugtype.ips
timeout 60 "$BIN" --no-symbolicate -o ct/s.md --csv ct/c.csv --reports-csv ct/r.csv --html ct/s.html ct/in 2>ct/err >/dev/null
raw() { LC_ALL=C grep -l "$ESC\|$C1B\|$C1U\|$RLO\|$(printf '\342\201\246')" "$@"; }
[ -z "$(raw ct/err)" ] && grep -q 'x1b' ct/err && grep -q 'u202e' ct/err && grep -q 'x9b' ct/err &&
    ok "stderr: ESC, a raw 0x9b, U+009B, U+202E and U+2066 in names and reasons shown visibly" || no "stderr: raw controls: $(raw ct/err)"
[ "$(awk 'length > 700' ct/err | wc -l)" = 0 ] && ! grep -q 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' ct/err &&
    ok "stderr: an .ips bug_type of 300 bytes is cut" || no "stderr: the bug_type reached stderr whole"
for f in c.csv r.csv s.md s.html; do
    [ -z "$(raw ct/$f)" ] && ok "$f: no raw control, C1 or direction character" || no "$f: raw controls"
done
grep -q 'u202e' ct/s.md && grep -q 'u202e' ct/c.csv && grep -q 'u202e' ct/s.html && ok "... shown as \\u202e in Markdown, CSV and HTML" ||
    no "U+202E not shown visibly"
! grep -q 'https://evil\|[^\\]www\.evil\|a@b\.example' ct/s.md && grep -qF 'https\://evil' ct/s.md &&
    ok "Markdown: URLs, www. and addresses in report text are no autolinks" || no "Markdown: autolinks: $(grep -o '.\{10\}evil.\{10\}' ct/s.md | head -3)"

# --- 14, 15. reading commands only read: a read-only history (as another user), an empty file
if command -v sqlite3 >/dev/null; then
    mkdir -p hro && kb -o /dev/null --history hro/h.db "$P"
    sig=$(sqlite3 hro/h.db 'SELECT signature_id FROM clusters LIMIT 1')
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
        chmod 755 "$T"; chmod 444 hro/h.db; chmod 555 hro
        as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
        as_nobody timeout 30 "$BIN" history hro/h.db > hro/h.md 2>hro/err; rc=$?
        [ $rc = 0 ] && grep -q "$sig" hro/h.md && ok "history on a read-only history (another user, read-only folder): read (exit 0)" ||
            no "history, read-only: exit $rc: $(cat hro/err)"
        as_nobody timeout 30 "$BIN" triage hro/h.db "$sig" > hro/t.txt 2>hro/err; rc=$?
        [ $rc = 0 ] && grep -q "^cluster $sig" hro/t.txt && ok "triage DB SIG without a change on it: read (exit 0)" ||
            no "triage, read-only: exit $rc: $(cat hro/err)"
        chmod 777 hro
        as_nobody timeout 30 "$BIN" history hro/h.db > /dev/null 2>hro/err; rc=$?
        [ $rc = 0 ] && ! ls hro | grep -q 'wal\|shm' && ok "  ... in a folder it may write: no -wal or -shm left beside another's file" ||
            no "  ... writable folder: exit $rc, $(ls hro | tr '\n' ' ')"
        as_nobody timeout 30 "$BIN" triage hro/h.db "$sig" --note x > /dev/null 2>hro/err; rc=$?
        [ $rc = 3 ] && grep -q 'cannot be written' hro/err && ok "  ... a change to it is still refused (exit 3)" || no "  ... triage --note on a read-only history: exit $rc"
        chmod 755 hro; chmod 700 "$T"
    else
        echo "# SKIP read-only history as another user (14): not root, or no setpriv"
    fi
    : > hro/empty.db
    for cmd in "history hro/empty.db" "triage hro/empty.db 0123456789abcdef"; do
        timeout 30 "$BIN" $cmd > /dev/null 2>hro/err; rc=$?
        [ $rc = 3 ] && [ ! -s hro/empty.db ] && grep -q 'holds no history' hro/err && ok "$cmd: an empty file is refused, left empty" ||
            no "$cmd: exit $rc, $(wc -c < hro/empty.db) bytes"
    done
else
    echo "# SKIP the history cases (14, 15): no sqlite3"
fi

# --- 16. HOME missing: the cache goes nowhere, and no folder is made for it
if [ -d "$FX/kdks" ]; then
    HOME=$T/no-such-home XDG_CACHE_HOME= timeout 60 "$BIN" -q --kdk-root "$FX/kdks" -o /dev/null "$P" 2>/dev/null; rc=$?
    [ $rc = 0 ] && [ ! -e "$T/no-such-home" ] && ok "HOME missing: it is not created (exit 0)" || no "HOME missing: exit $rc, $(ls -d "$T/no-such-home" 2>&1)"
    # --- 17. TMPDIR a file: symbolication off, said on stderr
    : > tmpfile
    TMPDIR=$T/tmpfile timeout 60 "$BIN" --kdk-root "$FX/kdks" --no-cache -o /dev/null "$FX/reports/intel-legacy.panic" 2>tmp.err; rc=$?
    grep -q "symbolication is off: .*tmpfile' (TMPDIR)" tmp.err && ok "TMPDIR a file: stderr says symbolication is off" || no "TMPDIR a file: $(cat tmp.err)"
else
    echo "# SKIP HOME and TMPDIR (16, 17): no fixtures in $FX"
fi

# --- 18. --frames 3 is the default: shards with and without it merge
mkdir -p fr
kb -o /dev/null --emit-state fr/a.json "$SRC/samples/fleet-a"; kb -o /dev/null --frames 3 --emit-state fr/b.json "$SRC/samples/fleet-b"
timeout 60 "$BIN" merge -q -o /dev/null fr/a.json fr/b.json 2>fr/err; rc=$?
[ $rc -le 1 ] && ok "merge: a shard run with --frames 3 and one without (exit $rc)" || no "merge, --frames 3 and default: exit $rc: $(cat fr/err)"

# --- 19. an option before a subcommand is a usage error naming it, and records nothing
for cmd in merge triage history; do
    timeout 30 "$BIN" -q $cmd fr/a.json 2>fr/err >/dev/null; rc=$?
    [ $rc = 2 ] && grep -q "'$cmd' is a subcommand" fr/err && ok "-q $cmd ...: usage error naming $cmd (exit 2)" || no "-q $cmd: exit $rc: $(cat fr/err)"
done

# --- 20. property lists whose aapl,panic-info holds nothing: refused with a reason of their own
mkdir -p pl
cp "$SRC/fuzz/seeds/bplist-panic-info-empty.bin" pl/empty.plist
cp "$SRC/fuzz/seeds/plist-panic-info-nul.plist" pl/nul.plist
kb -o /dev/null --reports-csv pl/r.csv pl
[ "$(grep -c 'rejected,.*aapl,panic-info holds no text' pl/r.csv)" = 2 ] &&
    ok "aapl,panic-info empty (bplist) or all NUL (XML): rejected, saying so" || no "panic-info without text: $(cat pl/r.csv)"

# --- 6. the output lock held by another process: a bounded wait, then exit 3 naming it
if command -v python3 >/dev/null; then
    mkdir -p lo && echo old > lo/s.md
    python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(120)' \
        lo/.kptrace-batch.lock lo/held &
    holder=$!
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -e lo/held ] && break; sleep 0.2; done
    KPTRACE_BATCH_LOCK_WAIT=1 timeout 60 "$BIN" -q --no-symbolicate -o lo/s.md --history lo/h.db "$P" 2>lo/err; rc=$?
    kill $holder 2>/dev/null; wait $holder 2>/dev/null
    runs=$( [ -e lo/h.db ] && sqlite3 lo/h.db 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
    [ $rc = 3 ] && grep -q "lo/.kptrace-batch.lock' is locked by another process" lo/err && [ "$(cat lo/s.md)" = old ] && [ "$runs" = 0 ] &&
        ok "the output lock held by another: exit 3 after the wait, naming the lock; nothing replaced or recorded" ||
        no "a held output lock: exit $rc, $(cat lo/err), runs $runs"
else
    echo "# SKIP the held output lock (6): no python3 to hold an fcntl lock"
fi

# --- 5, 7: lldb that trickles, lldb whose child leaves its group (the fixtures' KDKs)
if [ -d "$FX/kdks" ]; then
    SYM="--kdk-root $FX/kdks --kext $FX/kexts --no-cache"
    ln -s "$SRC/tests/cli/fake-lldb" fake-lldb-trickle
    timeout 100 "$BIN" -q $SYM --lldb "$T/fake-lldb-trickle" --lldb-timeout 300 -o tr.md --reports-csv tr.csv \
        "$FX/reports/intel-legacy.panic" 2>tr.err; rc=$?
    [ $rc = 0 ] && grep -q 'kernel+0x' tr.csv && grep -q 'did not answer in time' tr.md &&
        ok "an lldb trickling a byte every 0.1 s: the 300 ms deadline fires, the run finishes" || no "a trickling lldb: exit $rc"
    tag=$(printf %s "$T" | cksum | cut -d' ' -f1) # the fake lldb's sleeps in $T (tests/cli/fake-lldb)
    escaped() { pgrep -f "^sleep 613\\.$tag\$" | wc -l; }
    before=$(escaped)
    ln -s "$SRC/tests/cli/fake-lldb" fake-lldb-escape
    timeout 100 "$BIN" -q $SYM --lldb "$T/fake-lldb-escape" --lldb-timeout 300 -o es.md "$FX/reports/intel-legacy.panic" 2>es.err; rc=$?
    [ $rc = 0 ] && [ "$(escaped)" -le "$before" ] && ok "lldb's child in a session of its own (setsid): gone at the end (Linux subreaper)" ||
        no "lldb's setsid child: exit $rc, $(($(escaped) - before)) left"
    mkdir -p sigtmp
    TMPDIR=$T/sigtmp "$BIN" -q $SYM --lldb "$T/fake-lldb-escape" --lldb-timeout 100000 -o es2.md "$FX/reports/intel-legacy.panic" 2>/dev/null &
    pid=$!
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ "$(escaped)" -gt "$before" ] && break; sleep 0.2; done
    kill -TERM $pid; wait $pid 2>/dev/null
    [ "$(escaped)" -le "$before" ] && ok "  ... and on SIGTERM" || no "  ... SIGTERM left $(($(escaped) - before))"
else
    echo "# SKIP the lldb cases (5, 7): no fixtures in $FX (make fixtures)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
