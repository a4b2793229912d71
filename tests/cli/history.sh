#!/bin/sh
# tests/cli/history.sh BINARY - --history and the triage and history commands, as a fleet's
# nightly job uses them: nights that overlap and hold copies (each report counted once),
# triage that survives runs, REGRESSED, merge-into, a run killed mid-way, two runs at once,
# files that are no history, a newer schema, an older one migrated, merge into a history.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
if ! command -v sqlite3 >/dev/null 2>&1; then
    echo "# SKIP the history test: no sqlite3 command (make deps installs it)"
    [ -n "${CI:-}" ] && exit 1
    exit 0
fi
q() { sqlite3 -batch -noheader "$1" "$2" 2>/dev/null; }
# csvq FILE SQL: a query over a CSV this tool wrote (table c, its header's names)
csvq() { sqlite3 -batch -noheader :memory: ".import --csv $1 c" "$2" 2>/dev/null; }
run() { "$BIN" -q --no-symbolicate "$@"; }
S=$SRC/samples
P17=$S/fleet-a/host-017/Kernel-2025-03-04-021109.panic

# night 1: the samples; night 2: the same, a .gz, a CRLF and a trailing-blank copy of one,
# and one new report of the same crash (another machine: only its anonymous UUID differs)
mkdir -p n1 n2/copies
cp -R "$S"/. n1/
cp -R "$S"/. n2/
gzip -c "$P17" > n2/copies/a.panic.gz
sed 's/$/\r/' "$P17" > n2/copies/b-crlf.panic
{ sed 's/$/   /' "$P17"; printf '\n\n\n'; } > n2/copies/c-blanks.panic
sed 's/00000000A017/00000000A099/' "$P17" > n2/host-099.panic
run --history h.db -o n1.md --csv n1.csv n1; rc=$?
check "night 1: recorded (exit 0: the note among the samples is skipped, another kind of file)" [ $rc = 0 ]
check "night 1: one run, 7 distinct reports (8 read: one .ips is there twice)" \
    [ "$(q h.db 'SELECT count(*) FROM runs')|$(q h.db 'SELECT count(*) FROM reports')" = "1|7" ]
check "night 1: every cluster NEW" sh -c "grep -q 'Clusters: 5 NEW, 0 REGRESSED' n1.md"
run --history h.db -o n2.md --csv n2.csv --json n2.json n2
check "night 2: the copies count once, the new report once" \
    [ "$(q h.db 'SELECT new_reports, known_reports, copies FROM runs WHERE id = 2')" = "1|7|4" ]
check "night 2: 8 distinct reports in all" [ "$(q h.db 'SELECT count(*) FROM reports')" = 8 ]
sig=$(awk -F, 'NR == 2 { print $2 }' n2.csv)
check "night 2: the crash's cluster has 1 new report, 4 ever, trend 3 1" \
    [ "$(csvq n2.csv "SELECT history, new_reports, total_reports, trend FROM c WHERE signature_id = '$sig'")" = "open|1|4|3 1" ]
check "night 2: no cluster NEW" sh -c "grep -q 'Clusters: 0 NEW, 0 REGRESSED' n2.md"
check "night 2: the JSON says the same" python3 -c "
import json, sys
d = json.load(open('n2.json'))
h = d['totals']['history']
c = d['clusters'][0]['history']
sys.exit(not (h['reports_new'] == 1 and h['copies'] == 4 and h['runs'] == 2 and
              c['new_reports'] == 1 and c['total_reports'] == 4 and c['trend'] == [3, 1]))"
check "night 2: new reports per OS build, night 1's (7) and this one's (1)" python3 -c "
import json, sys
b = json.load(open('n2.json'))['totals']['history']['builds']
sys.exit(not (len(b) > 1 and sum(x['trend'][0] for x in b) == 7 and sum(x['trend'][-1] for x in b) == 1))"
check "night 2: a report's identity is in its JSON row" grep -q '"identity":"text:' n2.json
run --history h.db -o /dev/null n2
check "night 3 over the same files adds a run and no report" \
    [ "$(q h.db 'SELECT count(*) FROM runs')|$(q h.db 'SELECT count(*) FROM reports')|$(q h.db 'SELECT new_reports FROM runs WHERE id = 3')" = "3|8|0" ]
check "every report's cluster and runs are recorded (foreign_key_check)" [ -z "$(q h.db 'PRAGMA foreign_key_check')" ]

# triage, kept by later runs; REGRESSED when a fixed cluster gets a report not seen before
"$BIN" triage h.db "$sig" --status fixed --bug 'https://bugs.example/1?a=1&b=<2>' --note '| note **bold** <script>' > tr.txt
check "triage prints the record" grep -q '^status: fixed$' tr.txt
run --history h.db -o n4.md --csv n4.csv n2
check "a fixed cluster without new reports stays fixed" \
    [ "$(csvq n4.csv "SELECT history, bug FROM c WHERE signature_id = '$sig'")" = "fixed|https://bugs.example/1?a=1&b=<2>" ]
check "the bug and note are escaped in the Markdown (a link made inert like all text)" \
    sh -c "grep -F 'bug https\\://bugs.example/1?a=1&amp;b=&lt;2&gt;; note: \\| note \\*\\*bold\\*\\* &lt;script&gt;' n4.md"
mkdir n5 && sed 's/00000000A017/00000000A555/' "$P17" > n5/host-555.panic
run --history h.db -o n5.md --csv n5.csv --json n5.json n5
check "a fixed cluster with a new report is REGRESSED" \
    [ "$(csvq n5.csv "SELECT history, triage_status FROM c WHERE signature_id = '$sig'")" = "REGRESSED|open" ]
check "the summary counts it" grep -q '0 NEW, 1 REGRESSED' n5.md
check "the regression reopens it in the history" \
    [ "$(q h.db "SELECT status, regressed_run FROM clusters WHERE signature_id = '$sig'")" = "open|5" ]
check "an unknown signature id is a usage error" sh -c "'$BIN' triage h.db 0123456789abcdef --status fixed; [ \$? = 2 ]"
check "a bad status is a usage error" sh -c "'$BIN' triage h.db $sig --status done; [ \$? = 2 ]"
check "triage options belong to triage" sh -c "'$BIN' --status fixed n5; [ \$? = 2 ]"

# merge-into: the watchdog cluster shown and counted under the crash's
wd=$(csvq n2.csv "SELECT signature_id FROM c WHERE panic_class = 'watchdog'")
"$BIN" triage h.db "$wd" --merge-into "$sig" > /dev/null
check "merge-into: recorded" [ "$(q h.db "SELECT merged_into FROM clusters WHERE signature_id = '$wd'")" = "$sig" ]
run --history h.db -o n6.md --csv n6.csv --json n6.json n2
check "merge-into: the merged cluster is gone from the run's clusters" \
    [ "$(csvq n6.csv "SELECT count(*) FROM c WHERE signature_id = '$wd'")" = 0 ]
check "merge-into: its reports count under the target (7 + 2)" \
    [ "$(csvq n6.csv "SELECT count, merged_from FROM c WHERE signature_id = '$sig'")" = "9|$wd" ]
check "merge-into: the target lists it" sh -c "grep -q \"merged into it by triage: \\\`$wd\\\`\" n6.md"
check "merge-into: a cluster cannot go into itself" sh -c "'$BIN' triage h.db $sig --merge-into $sig; [ \$? = 2 ]"
"$BIN" triage h.db "$wd" --unmerge > /dev/null
run --history h.db -o /dev/null --csv n7.csv n2
check "unmerge: the cluster is its own again" [ "$(csvq n7.csv "SELECT count FROM c WHERE signature_id = '$wd'")" = 2 ]
"$BIN" history h.db --runs 3 > hist.md
check "history: the trend table lists the last runs" sh -c "grep -c '^| [0-9]* | 20' hist.md | grep -qx 3"
check "history: the crash's cluster with its bug" sh -c "grep -F '\`$sig\`' hist.md | grep -q 'bugs.example'"
check "history of a missing file: exit 3, no file made" sh -c "'$BIN' history nothere.db; [ \$? = 3 ] && [ ! -e nothere.db ]"

# a run killed mid-way (SIGKILL) adds nothing and leaves the file whole: once while it
# reads its path list (the history open, no report written yet), once while it writes its
# summary to a pipe nobody reads (the write lock taken, every report written, uncommitted)
mkdir big
awk 'BEGIN { for (i = 0; i < 1500; i++) {
    w = sprintf("%d", i); gsub(/0/, "a", w); gsub(/1/, "b", w); gsub(/2/, "c", w); gsub(/3/, "d", w)
    gsub(/4/, "e", w); gsub(/5/, "f", w); gsub(/6/, "g", w); gsub(/7/, "h", w); gsub(/8/, "i", w); gsub(/9/, "j", w)
    f = "big/r" i ".panic"
    printf "panic(cpu 0 caller 0xffffff8000201000): \"queue %s stalled\"@/x/sched.c:12\n", w > f
    printf "Backtrace (CPU 0), Frame : Return Address\n0xffffff8000201000 : 0xffffff8001e22f79 \n" > f
    printf "Kernel slide:     0x0000000000000000\n" > f
    close(f) } }'
runs0=$(q h.db 'SELECT count(*) FROM runs') reps0=$(q h.db 'SELECT count(*) FROM reports')
mkfifo paths.fifo out.fifo
mkdir tmp
TMPDIR=$T/tmp "$BIN" -q --no-symbolicate --history h.db -o killed.md - < paths.fifo &
pid=$!
exec 3> paths.fifo
find big -type f >&3
sleep 1
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
exec 3>&-
check "SIGKILL while reading: no run or report added" \
    [ "$(q h.db 'SELECT count(*) FROM runs')|$(q h.db 'SELECT count(*) FROM reports')" = "$runs0|$reps0" ]
check "SIGKILL while reading: no summary, no temporary file (ours or SQLite's)" \
    sh -c "[ ! -e killed.md ] && [ -z \"\$(ls -A tmp)\" ] && ! ls -a | grep -q killed"
exec 4<> out.fifo # held open, never read: the summary's writes block once the pipe is full
TMPDIR=$T/tmp "$BIN" -q --no-symbolicate --history h.db big > out.fifo &
pid=$!
locked=0 i=0
while [ $i -lt 100 ] && [ $locked = 0 ]; do
    sleep 0.1
    sqlite3 h.db 'BEGIN IMMEDIATE; ROLLBACK' >/dev/null 2>&1 || locked=1
    i=$((i + 1))
done
check "the run holds the write lock while it writes its summary" [ $locked = 1 ]
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
exec 4<&-
check "SIGKILL before the commit: no run or report added" \
    [ "$(q h.db 'SELECT count(*) FROM runs')|$(q h.db 'SELECT count(*) FROM reports')" = "$runs0|$reps0" ]
check "SIGKILL before the commit: the file passes integrity_check, the lock is gone" \
    sh -c "[ \"\$(sqlite3 h.db 'PRAGMA integrity_check')\" = ok ] && sqlite3 h.db 'BEGIN IMMEDIATE; ROLLBACK'"
check "SIGKILL before the commit: no temporary file of SQLite's" [ -z "$(ls -A tmp)" ]
run --history h.db -o /dev/null --csv /dev/full big 2>/dev/null; rc=$?
check "a run whose outputs fail: exit 3, nothing added" \
    [ "$rc|$(q h.db 'SELECT count(*) FROM runs')|$(q h.db 'SELECT count(*) FROM reports')" = "3|$runs0|$reps0" ]

# two runs at once on one file: both finish, each recorded once
mkdir c1 c2
mv big/r1?.panic c1/ 2>/dev/null; mv big/r2?.panic c2/ 2>/dev/null
run --history h.db -o c1.md c1 & p1=$!
run --history h.db -o c2.md c2 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two runs at once: both succeed" [ "$r1|$r2" = "0|0" ]
check "two runs at once: two runs and 20 reports added" \
    [ "$(q h.db 'SELECT count(*) FROM runs')|$(q h.db 'SELECT count(*) FROM reports')" = "$((runs0 + 2))|$((reps0 + 20))" ]

# files that are no history: exit 3, the file and the outputs left as they were
echo "previous summary" > keep.md
# refused NAME FILE PATTERN: a run on FILE exits 3, leaves it byte for byte, says PATTERN
refused() {
    cp "$2" "$2.orig"
    run --history "$2" -o keep.md n5 2> "$2.err"; rc=$?
    check "$1: exit 3, left as it is" sh -c "[ $rc = 3 ] && cmp -s '$2' '$2.orig' && grep -qiE '$3' '$2.err'"
}
printf 'this is not a database\n' > text.db
refused "a text file as history" text.db 'not a database'
cp h.db broken.db
sz=$(wc -c < broken.db)
dd if=/dev/zero of=broken.db bs=1024 seek=$((sz / 2048)) count=4 conv=notrunc 2>/dev/null
refused "a corrupt history" broken.db 'corrupt|malformed'
sqlite3 other.db 'CREATE TABLE t(x); INSERT INTO t VALUES (1)'
refused "another application's database" other.db 'another application'
cp h.db trig.db
sqlite3 trig.db "CREATE TRIGGER t AFTER INSERT ON reports BEGIN DELETE FROM clusters; END"
refused "a history with a trigger in it" trig.db 'triggers or views'
cp h.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
refused "a newer schema" newer.db 'newer kptrace-batch'
run --history newer2.db -o /dev/null n5 2>/dev/null
sqlite3 newer2.db 'PRAGMA user_version = 99'
"$BIN" history newer2.db >/dev/null 2>&1; r1=$?
side1=$(ls newer2.db-* 2>/dev/null)
"$BIN" triage newer2.db 0011223344556677 >/dev/null 2>&1; r2=$?
side2=$(ls newer2.db-* 2>/dev/null)
run --history newer2.db -o keep.md n5 2>/dev/null; r3=$?
check "a newer schema: history, triage and a run refuse it (exit 3) and make no -wal or -shm beside it" \
    sh -c "[ $r1$r2$r3 = 333 ] && [ -z '$side1$side2' ] && [ ! -e newer2.db-wal ] && [ ! -e newer2.db-shm ]"
# a full file system: said so, not "corrupt" (a 2 MB tmpfs filled up; mounting needs root)
mkdir full
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=2m tmpfs full 2>/dev/null; then
    run --history full/h.db -o /dev/null n5 2>/dev/null
    dd if=/dev/zero of=full/fill bs=4k 2>/dev/null
    "$BIN" history full/h.db > /dev/null 2> full.err; r1=$?
    run --history full/h.db -o /dev/null n5 2>> full.err; r2=$?
    umount full
    check "a full file system: history and a run exit 3 saying the disk is full, not that the file is corrupt" \
        sh -c "[ $r1$r2 = 33 ] && [ \$(grep -c 'disk is full' full.err) = 2 ] && ! grep -q corrupt full.err"
else
    echo "# SKIP the full file system case: it mounts a small tmpfs, which needs root"
fi
run --history "$T" -o keep.md n5 2>/dev/null; rc=$?
check "a directory as history: exit 3" [ $rc = 3 ]
run --history "$T/no/such/dir/h.db" -o keep.md n5 2>/dev/null; rc=$?
check "a history in a missing folder: exit 3" [ $rc = 3 ]
run --history '' -o keep.md n5 2>/dev/null; rc=$?
check "an empty history name: exit 3" [ $rc = 3 ]
run --history :memory: -o /dev/null n5 2>/dev/null
check "':memory:' is a file name like any other (the run is not recorded nowhere)" \
    [ "$(q ./:memory: 'SELECT count(*) FROM runs')" = 1 ]
check "after all of them the summary is the previous one" grep -qx 'previous summary' keep.md
# an unwritable file: mode 0444 for a user; root writes those, but not an immutable file
cp h.db ro.db && cp ro.db ro.db.orig
if [ "$(id -u)" != 0 ] && chmod 444 ro.db; then how="mode 0444"
elif chattr +i ro.db 2>/dev/null; then how="immutable" # portable: chattr only where it works (Linux, root)
else how=; fi
if [ -n "$how" ]; then
    run --history ro.db -o keep.md n5 2> ro.err; rc=$?
    check "an unwritable history ($how): exit 3, untouched" \
        sh -c "[ $rc = 3 ] && cmp -s ro.db ro.db.orig && grep -q 'cannot be written' ro.err"
    chattr -i ro.db 2>/dev/null # portable: as above
else
    echo "# SKIP the unwritable history: root, and no chattr +i here"
fi

# older schemas are brought forward, their data kept: 2 (no count of reports with each
# cluster, no new reports per run and build, indexes of the reports by signature and first
# run instead), 1 (no per-run counts per cluster either)
# counts_ok DB: every cluster's count of reports is the number of its reports
counts_ok() {
    [ "$(q "$1" 'SELECT count(*) FROM clusters c WHERE reports <> (SELECT count(*) FROM reports r WHERE r.signature_id = c.signature_id)')" = 0 ]
}
cp h.db old2.db
sqlite3 old2.db 'ALTER TABLE clusters DROP COLUMN reports; DROP TABLE run_builds; CREATE INDEX reports_signature ON reports(signature_id);
                 CREATE INDEX reports_first_run ON reports(first_run); PRAGMA user_version = 2'
cp old2.db old.db
sqlite3 old.db 'DROP TABLE run_clusters; PRAGMA user_version = 1'
"$BIN" history old2.db > /dev/null
check "schema 2 migrated to 3 by a reading command: each cluster counts its reports, the index is gone" \
    sh -c "[ \"\$(sqlite3 old2.db 'PRAGMA user_version')|\$(sqlite3 old2.db \"SELECT count(*) FROM sqlite_master WHERE name = 'reports_signature'\")\" = '3|0' ] && \
           [ \"\$(sqlite3 old2.db 'SELECT sum(reports) FROM clusters')\" = \"\$(sqlite3 h.db 'SELECT count(*) FROM reports')\" ]"
check "... counted right" counts_ok old2.db
builds='SELECT group_concat(run_id || os_build || new_reports) FROM (SELECT * FROM run_builds ORDER BY 1, 2)'
check "... and each run's new reports per build, as the runs counted them" \
    sh -c "[ -n \"\$(sqlite3 h.db \"$builds\")\" ] && [ \"\$(sqlite3 h.db \"$builds\")\" = \"\$(sqlite3 old2.db \"$builds\")\" ]"
run --history old.db -o /dev/null n5
check "schema 1 migrated to 3, its reports kept" \
    [ "$(q old.db 'PRAGMA user_version')|$(q old.db 'SELECT count(*) FROM reports')" = "3|$(q h.db 'SELECT count(*) FROM reports')" ]
check "the migration filled the per-run counts from the reports" \
    [ "$(q old.db 'SELECT count(*) > 0 FROM run_clusters WHERE run_id < (SELECT max(id) FROM runs)')" = 1 ]
check "... and each cluster's count" counts_ok old.db

# the same reports signed otherwise (--frames 1): known reports move to other clusters, and
# the clusters' counts follow them
cp h.db fr.db
run --history fr.db -o /dev/null --json fr.json --frames 1 n2
check "--frames 1 signs some known reports otherwise" \
    [ "$(q fr.db 'SELECT count(*) FROM reports WHERE last_run = (SELECT max(id) FROM runs) AND signature_id NOT IN (SELECT signature_id FROM clusters WHERE first_run < (SELECT max(id) FROM runs))')" -gt 0 ]
check "reports that moved: every cluster's count is its reports'" counts_ok fr.db
check "... and the run's totals are the history's" python3 -c "
import json, sys
d = json.load(open('fr.json'))
ever = sum(c['history']['total_reports'] for c in d['clusters'])
sys.exit(not (d['totals']['history']['reports_ever'] == $(q fr.db 'SELECT count(*) FROM reports') >= ever > 0))"

# merge: shards recorded as one run, as one run over them all would be
run --emit-state s1.json -o /dev/null n1/fleet-a n1/fleet-b
run --emit-state s2.json -o /dev/null n1/fleet-c n1/fleet-d n1/inbox
"$BIN" merge -q --history m.db -o /dev/null s1.json s2.json
run --history one.db -o /dev/null n1
check "merge --history records what one run would" \
    [ "$(q m.db 'SELECT kind, files, new_reports FROM runs')|$(q m.db 'SELECT group_concat(identity || signature_id) FROM (SELECT * FROM reports ORDER BY 1)')" = \
      "merge|$(q one.db 'SELECT files, new_reports FROM runs')|$(q one.db 'SELECT group_concat(identity || signature_id) FROM (SELECT * FROM reports ORDER BY 1)')" ]

# a copy whose kext list was cut is shown under its one named twin (clu_join.c): the history
# counts it there too, once per identity, and a merge of shards records the same whether the
# twin and the cut copy were in one shard or in two
J=$SRC/tests/cli/cases/join-cut-kext/in
mkdir jc jn && cp "$J/cut.panic" jc/ && cp "$J/named.panic" jn/
run --history j.db -o /dev/null --csv j.csv "$J"
jsig=$(awk -F, 'NR == 2 { print $2 }' j.csv)
check "joined: one cluster of 2, both new, 2 ever" \
    [ "$(csvq j.csv 'SELECT count(*), sum(count), sum(new_reports), sum(total_reports) FROM c')" = "1|2|2|2" ]
check "joined: the history records both reports under the cluster shown" \
    [ "$(q j.db 'SELECT group_concat(DISTINCT signature_id) FROM reports')|$(q j.db 'SELECT signature_id, reports FROM clusters WHERE reports > 0')|$(q j.db 'SELECT signature_id, reports, new_reports FROM run_clusters')" = \
      "$jsig|$jsig|2|$jsig|2|2" ]
check "joined: every cluster's count is its reports'" counts_ok j.db
run --history j.db -o /dev/null --csv j2.csv "$J"
check "joined, night 2: nothing new, 2 ever" \
    [ "$(csvq j2.csv 'SELECT count(*), sum(new_reports), sum(total_reports) FROM c')|$(q j.db 'SELECT reports FROM clusters WHERE reports > 0')" = "1|0|2|2" ]
mkdir jcopy && cp "$J"/*.panic jcopy/ && gzip -c "$J/cut.panic" > jcopy/cut-again.panic.gz
run --history jcp.db -o /dev/null --csv jcp.csv jcopy
check "joined, with a second copy of the cut report: 3 shown, 2 new (each identity once), 1 copy" \
    [ "$(csvq jcp.csv 'SELECT count(*), sum(count), sum(new_reports), sum(total_reports) FROM c')|$(q jcp.db 'SELECT new_reports, copies FROM runs')" = "1|3|2|2|2|1" ]
run --history jl.db -o /dev/null jc
run --history jl.db -o /dev/null --csv jl.csv "$J"
check "the cut copy alone first, then with its twin: it moves to the twin's cluster" \
    sh -c "[ \"\$(sqlite3 jl.db 'SELECT group_concat(DISTINCT signature_id) FROM reports')\" = '$jsig' ] && \
           [ \"\$(sqlite3 -noheader :memory: '.import --csv jl.csv c' 'SELECT count(*), sum(new_reports), sum(total_reports) FROM c')\" = '1|1|2' ]"
check "... and every cluster's count is its reports'" counts_ok jl.db
run --emit-state jc.json -o /dev/null jc
run --emit-state jn.json -o /dev/null jn
run --emit-state jb.json -o /dev/null "$J"
"$BIN" merge -q --history jm.db -o /dev/null --csv jm.csv jc.json jn.json
"$BIN" merge -q --history jm1.db -o /dev/null --csv jm1.csv jb.json
jcl="SELECT group_concat(signature_id || count || signature, ';') FROM c"
check "merge: the twin and the cut copy in two shards give the clusters of one shard, and of one run" \
    sh -c "[ \"\$(sqlite3 -noheader :memory: '.import --csv jm.csv c' \"$jcl\")\" = \"\$(sqlite3 -noheader :memory: '.import --csv jm1.csv c' \"$jcl\")\" ] && \
           [ \"\$(sqlite3 -noheader :memory: '.import --csv jm.csv c' \"$jcl\")\" = \"\$(sqlite3 -noheader :memory: '.import --csv j.csv c' \"$jcl\")\" ]"
hrows='SELECT group_concat(identity || signature_id) FROM (SELECT * FROM reports ORDER BY 1)'
check "merge --history: both ways record what one run does" \
    sh -c "[ \"\$(sqlite3 jm.db \"$hrows\")\" = \"\$(sqlite3 jm1.db \"$hrows\")\" ] && \
           [ \"\$(sqlite3 jm.db \"$hrows\")\" = \"\$(sqlite3 j.db \"$hrows\")\" ] && \
           [ \"\$(sqlite3 jm.db 'SELECT signature_id, reports, new_reports FROM run_clusters')\" = '$jsig|2|2' ]"
jm_counts_ok() { counts_ok jm.db && counts_ok jm1.db; }
check "... every cluster's count is its reports'" jm_counts_ok

# the clusters' counts come from a file that may say anything (negative, text, huge): a
# run's totals are never less than its own reports, and the history command still reads
cp h.db bad.db
sqlite3 bad.db "UPDATE clusters SET reports = CASE rowid % 3 WHEN 0 THEN -5 WHEN 1 THEN 'abc' ELSE 9223372036854775807 END"
run --history bad.db -o /dev/null --json bad.json n2
check "counts that are no counts: every cluster's total is at least its reports of the run" python3 -c "
import json, sys
d = json.load(open('bad.json'))
h = d['totals']['history']
sys.exit(not (all(c['history']['total_reports'] >= max(1, c['history']['new_reports']) for c in d['clusters'])
              and h['reports_ever'] >= h['reports_new'] + h['reports_known']))"
check "... and the history command reads them" sh -c "'$BIN' history bad.db > /dev/null"

# a constraint an admin added that refuses a new report: the run fails and records
# nothing (it is no copy to count and drop)
mkdir uq && cp "$P17" uq/x.panic
run --history uq.db -o /dev/null uq
sqlite3 uq.db 'CREATE UNIQUE INDEX admin_one_path ON reports(path)'
sed 's/00000000A017/00000000A777/' "$P17" > uq/x.panic
run --history uq.db -o /dev/null uq 2> uq.err; rc=$?
check "a report a constraint refuses: exit 3, said (the history's error, not the outputs'), nothing recorded" \
    sh -c "[ $rc = 3 ] && grep -q 'constraint on the reports table' uq.err && ! grep -q 'outputs failed' uq.err && \
           [ \"\$(sqlite3 uq.db 'SELECT count(*) FROM runs')|\$(sqlite3 uq.db 'SELECT count(*) FROM reports')\" = '1|1' ]"

# report text reaches SQLite only as bound parameters: a path with quotes and SQL in it
mkdir "sq'l"
cp "$P17" "sq'l/x'); DROP TABLE reports; --.panic"
run --history h.db -o /dev/null "sq'l"
check "a path holding SQL is stored as text (the report's latest path)" \
    [ "$(q h.db "SELECT count(*) FROM reports WHERE path LIKE '%x''); DROP TABLE reports; --.panic'")" = 1 ]
check "... and the tables are all there" [ "$(q h.db "SELECT count(*) FROM sqlite_master WHERE type = 'table'")" = 5 ]

# a history kept inside the dumps folder is not read as a report (nor SQLite's files)
mkdir inside && cp "$P17" inside/
run --history inside/fleet.db -o /dev/null --csv inside.csv inside; rc1=$?
run --history inside/fleet.db -o /dev/null --csv inside.csv inside; rc2=$?
check "a history inside the input folder is no input (exit 0 twice, nothing rejected)" \
    sh -c "[ $rc1$rc2 = 00 ] && [ \"\$(sqlite3 inside/fleet.db 'SELECT sum(rejected) FROM runs')\" = 0 ]"

# a history run's clusters CSV serves as tomorrow's --baseline
run --baseline n5.csv -o base.md n5
check "a history run's --csv is a --baseline" sh -c "grep -q 'SAME' base.md"

# the README's example queries run on a history this tool wrote
awk '/^```sql$/ { on = 1; next } /^```$/ { on = 0 } on' "$SRC/README.md" > readme.sql
check "the README's queries run on a history ($(grep -c ';$' readme.sql) statements)" \
    sh -c "[ -s readme.sql ] && sqlite3 -bail h.db < readme.sql > readme.out"

check "after every run above, every row's cluster and run are recorded" \
    sh -c "[ -z \"\$(sqlite3 h.db 'PRAGMA foreign_key_check')\" ] && [ -z \"\$(sqlite3 m.db 'PRAGMA foreign_key_check')\" ]"
both_counts_ok() { counts_ok h.db && counts_ok m.db; }
check "... and every cluster's count is its reports'" both_counts_ok

echo "# history: $pass passed, $fail failed"
[ $fail = 0 ]
