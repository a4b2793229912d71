#!/bin/sh
# tests/cli/history_pg.sh BINARY - the history on PostgreSQL, against a real server this
# script starts (initdb and pg_ctl in a temporary folder, a Unix socket only, scram password
# authentication; as the 'postgres' account when run as root) and stops at exit: the same
# nights give the same history as SQLite's; collectors writing at once count each report
# once; two triage writes at once both kept; a run killed (SIGKILL) or cut off by a server
# restart leaves nothing; a server down or a wrong password end the run with exit 3 at
# once, saying why; the password is never shown; SQL in a note or a file name is text; a
# read-only role reads the history and is refused a run before anything is replaced; older
# schemas (2, 1) are migrated; a connection the server cuts (pg_terminate_backend) leaves
# nothing; TLS parameters reach libpq, and a TLS server (a second one, on 127.0.0.1 with a
# self-signed certificate) is used, required, verified.
# Without the server's binaries the test FAILS, naming the command that installs them.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
. "$SRC/tests/cli/pgserver.sh"
T=$(mktemp -d)
trap 'pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 1
PG_EXTRA_CONF="fsync = off
synchronous_commit = off
full_page_writes = off"
if ! pg_start "$T/pg"; then
    no "a PostgreSQL server for the tests (see above)"
    echo "# history_pg: $pass passed, $fail failed"
    exit 1
fi
PW='Pw-s3cret-7f3a'
psql_admin "CREATE ROLE kpt LOGIN PASSWORD '$PW'" >/dev/null
psql_admin "CREATE ROLE reader LOGIN PASSWORD 'rd-$PW'" >/dev/null
for d in same conc tri kill restart hostile ro lockw merged joined term cons; do psql_admin "CREATE DATABASE $d OWNER kpt" >/dev/null; done
uri() { echo "postgresql://kpt:$PW@/$1?host=$PG_SOCK"; }
q() { psql -X -q -A -t "$(uri "$1")" -c "$2" 2>/dev/null; }
run() { "$BIN" -q --no-symbolicate "$@"; }
S=$SRC/samples
P17=$S/fleet-a/host-017/Kernel-2025-03-04-021109.panic
# rep N: a report of P17's crash from machine N (only its anonymous UUID differs)
rep() { sed "s/00000000A017/0000000$(printf '%05d' "$1")/" "$P17"; }

# -- same answers: nights on SQLite and on PostgreSQL, triage between them -------------
mkdir -p n1 n2/copies n3 n4
cp -R "$S"/. n1/
cp -R "$S"/. n2/
gzip -c "$P17" > n2/copies/a.panic.gz
sed 's/$/\r/' "$P17" > n2/copies/b-crlf.panic
rep 99 > n2/host-099.panic
rep 100 > n3/host-100.panic            # night 3: a new report of a cluster triage fixed
cp "$S/fleet-b/studio-04/panic-2024-08-30.txt" n3/
cp -R n2/copies n4/                      # night 4: copies only, and a merged cluster's report
cp "$S/fleet-d/iphone-7/panic-full-2023-08-20-081148.ips" n4/
rep 101 > n4/host-101.panic
same=$(uri same)
ans_ok=1
for e in lite pg; do
    if [ $e = lite ]; then H=$T/same.db; else H=$same; fi
    run --history "$H" --csv $e-1.csv --json $e-1.json -o $e-1.md n1
    sig=$(awk -F, 'NR == 2 { print $2 }' $e-1.csv)
    other=$(awk -F, '$6 == "zone_uaf" { print $2 }' $e-1.csv)
    run --history "$H" --json $e-2.json -o $e-2.md n2
    "$BIN" triage "$H" "$sig" --status fixed --bug 'https://bugs.example/1' --note 'fixed in 3.1.5' >/dev/null
    run --history "$H" --json $e-3.json -o $e-3.md n3
    "$BIN" triage "$H" "$other" --merge-into "$sig" >/dev/null
    run --history "$H" --json $e-4.json -o $e-4.md n4
    "$BIN" history "$H" > $e-hist.md
    "$BIN" triage "$H" "$sig" > $e-triage.txt
done
# every history field of the JSON (the path and times of day aside: the dates stay)
cat > cmp.py <<'PY'
import json, re, sys
def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if k not in ("path",)}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str):
        return re.sub(r"T\d\d:\d\d:\d\dZ", "", v)
    return v
def hist(f):
    d = json.load(open(f))
    return norm(d["totals"]["history"]), {c["signature_id"] if "signature_id" in c else c["id"]:
                                          norm(c["history"]) for c in d["clusters"]}
a, b = hist(sys.argv[1]), hist(sys.argv[2])
if a != b:
    print("differ:", a, b, sep="\n")
    sys.exit(1)
PY
for n in 1 2 3 4; do
    python3 cmp.py lite-$n.json pg-$n.json > cmp-$n.txt 2>&1 || { ans_ok=0; cat cmp-$n.txt; }
done
check "same answers: four nights (copies, a regression, a merge) give the same history fields on SQLite and PostgreSQL" [ $ans_ok = 1 ]
check "... night 3 says REGRESSED on both" sh -c "grep -q '0 NEW, 1 REGRESSED' lite-3.md && grep -q '0 NEW, 1 REGRESSED' pg-3.md"
strip() { grep -v '^\(postgresql\|same\.db\|/\)' "$1" | sed 's/[0-9T:-]*Z//g; s/^[^ ]*same[^ ]*: //'; }
check "... and the history and triage commands print the same" \
    sh -c "[ \"\$(sed 1,3d lite-hist.md | sed 's/T[0-9:]*Z//g')\" = \"\$(sed 1,3d pg-hist.md | sed 's/T[0-9:]*Z//g')\" ] && cmp -s lite-triage.txt pg-triage.txt"
# same_rows SQL: the same rows on either engine
same_rows() {
    sqlite3 same.db "$1" > rows-lite.txt 2>&1
    psql -X -At -F'|' "$same" -c "$1" > rows-pg.txt 2>&1
    cmp -s rows-lite.txt rows-pg.txt || { echo "# $1"; diff rows-lite.txt rows-pg.txt | head -5; return 1; }
}
rows_ok=1
for sql in "SELECT identity, first_run, last_run, path, signature_id, os_build FROM reports ORDER BY identity" \
           "SELECT signature_id, status, bug, note, merged_into, reports, first_run, last_run, regressed_run FROM clusters ORDER BY signature_id" \
           "SELECT run_id, signature_id, reports, new_reports FROM run_clusters ORDER BY run_id, signature_id" \
           "SELECT run_id, os_build, new_reports FROM run_builds ORDER BY run_id, os_build" \
           "SELECT id, kind, files, ok, new_reports, known_reports, copies, inputs FROM runs ORDER BY id"; do
    same_rows "$sql" || rows_ok=0
done
check "... and the same rows in every table (runs, reports, clusters, run counts)" [ $rows_ok = 1 ]

# -- an older schema migrated: the previous versions' tables made by hand from a copy ------
# (as tests/cli/history.sh does for SQLite): 2 has no count of reports with each cluster, no
# new reports per run and build, and indexes of the reports by signature and first run; 1
# has no per-run counts per cluster either
# counts_ok DB: every cluster's count of reports is the number of its reports
counts_ok() {
    [ "$(q "$1" 'SELECT count(*) FROM clusters c WHERE reports <> (SELECT count(*) FROM reports r WHERE r.signature_id = c.signature_id)')" = 0 ]
}
psql_admin "CREATE DATABASE mig2 TEMPLATE same OWNER kpt" >/dev/null
q mig2 "ALTER TABLE clusters DROP COLUMN reports; DROP TABLE run_builds;
        CREATE INDEX reports_signature ON reports(signature_id); CREATE INDEX reports_first_run ON reports(first_run);
        UPDATE kptrace_schema SET version = 2" >/dev/null
psql_admin "CREATE DATABASE mig1 TEMPLATE mig2 OWNER kpt" >/dev/null
q mig1 "DROP TABLE run_clusters; UPDATE kptrace_schema SET version = 1" >/dev/null
check "older schemas made by hand: 2 and 1, no reports column, run_builds nor (1) run_clusters" \
    [ "$(q mig2 'SELECT version FROM kptrace_schema')$(q mig1 'SELECT version FROM kptrace_schema')|$(q mig1 "SELECT count(*) FROM pg_tables WHERE tablename IN ('run_clusters', 'run_builds')")|$(q mig2 "SELECT count(*) FROM information_schema.columns WHERE table_name = 'clusters' AND column_name = 'reports'")" = "21|0|0" ]
"$BIN" history "$(uri mig2)" > mig2-hist.md 2>mig2.err; rc=$?
check "schema 2 migrated to 3 by a reading command (history): the version, the indexes gone" \
    [ "$rc|$(q mig2 'SELECT version FROM kptrace_schema')|$(q mig2 "SELECT count(*) FROM pg_indexes WHERE indexname IN ('reports_signature', 'reports_first_run')")" = "0|3|0" ]
m2=0
counts_ok mig2 && [ "$(q mig2 'SELECT sum(reports) FROM clusters')" = "$(q same 'SELECT count(*) FROM reports')" ] && m2=1
check "... each cluster counts its reports, as many as the history held before" [ $m2 = 1 ]
builds='SELECT string_agg(run_id || os_build || new_reports, $$,$$ ORDER BY run_id, os_build) FROM run_builds'
check "... each run's new reports per build, as the runs counted them" \
    sh -c "[ -n \"$(q same "$builds")\" ] && [ \"$(q same "$builds")\" = \"$(q mig2 "$builds")\" ]"
check "... and the history command prints what it printed before the migration" \
    sh -c "[ -s mig2-hist.md ] && [ \"\$(sed 1,3d mig2-hist.md)\" = \"\$(sed 1,3d pg-hist.md)\" ]"
"$BIN" triage "$(uri mig1)" "$sig" > mig1-triage.txt 2>mig1.err; rc=$?
check "schema 1 migrated to 3 (by triage): its clusters' triage, counts and merges as before" \
    sh -c "[ $rc = 0 ] && [ \"\$(psql -X -At '$(uri mig1)' -c 'SELECT version FROM kptrace_schema')\" = 3 ] && cmp -s mig1-triage.txt pg-triage.txt"
check "... each cluster counts its reports" counts_ok mig1
check "... the per-run counts filled from the reports" \
    [ "$(q mig1 'SELECT sum(new_reports) FROM run_clusters')|$(q mig1 'SELECT count(DISTINCT run_id) > 1 FROM run_clusters')" = "$(q same 'SELECT count(*) FROM reports')|t" ]
run --history "$(uri mig1)" -o /dev/null n3 2>mig1-run.err; rc=$?
check "... and a run records into it: nothing new (night 3 again), the run's counts beside the older ones" \
    [ "$rc|$(q mig1 'SELECT new_reports, known_reports FROM runs ORDER BY id DESC LIMIT 1')|$(q mig1 'SELECT count(*) FROM reports')" = "0|0|$(q same 'SELECT known_reports + new_reports FROM runs WHERE id = 3')|$(q same 'SELECT count(*) FROM reports')" ]

# -- collectors at once: shards that overlap, written at the same time -------------------
mkdir -p sh0 sh1 sh2 sh3
i=1000; while [ $i -lt 1040 ]; do
    k=$(( (i - 1000) / 10 ))                 # reports 1000-1039: shard k holds 10k .. 10k + 19
    rep $i > sh$k/r$i.panic
    [ $k -gt 0 ] && rep $i > sh$((k - 1))/r$i.panic
    i=$((i + 1))
done
cp -R "$S"/. sh3/                            # and the samples, known to nobody yet
cp -R "$S"/. sh0/
conc=$(uri conc)
pids=
for k in 0 1 2 3; do run --history "$conc" -o conc$k.md sh$k > conc$k.err 2>&1 & pids="$pids $!"; done
crc=0
for p in $pids; do wait $p; r=$?; [ $r -le 1 ] || crc=$r; done
check "collectors at once: four runs all recorded (exit 0 or 1)" [ $crc = 0 ]
[ $crc = 0 ] || cat conc*.err
check "... each report once: 47 distinct reports, 47 new in all runs together" \
    [ "$(q conc 'SELECT count(*) FROM reports')|$(q conc 'SELECT sum(new_reports) FROM runs')|$(q conc 'SELECT count(*) FROM runs WHERE ended IS NOT NULL')" = "47|47|4" ]
check "... every cluster's count is its reports', and the runs' cluster counts add up" \
    [ "$(q conc 'SELECT count(*) FROM clusters c WHERE reports <> (SELECT count(*) FROM reports r WHERE r.signature_id = c.signature_id)')|$(q conc 'SELECT (SELECT sum(new_reports) FROM run_clusters) = (SELECT count(*) FROM reports)')" = "0|t" ]
pids=
for k in 0 1 2 3; do run --history "$conc" -o /dev/null sh$k 2>/dev/null & pids="$pids $!"; done
for p in $pids; do wait $p; done
check "... the same shards again at once: nothing new, counts unchanged" \
    [ "$(q conc 'SELECT count(*) FROM reports')|$(q conc 'SELECT sum(new_reports) FROM runs')|$(q conc 'SELECT sum(reports) FROM clusters')" = "47|47|47" ]

# -- merge --history: shards' states recorded as one run, on either engine ----------------
run --emit-state st0.json -o /dev/null sh0
run --emit-state st1.json -o /dev/null sh1
merged=$(uri merged)
"$BIN" merge -q --history "$merged" -o merged-pg.md st0.json st1.json
"$BIN" merge -q --history merged.db -o merged-lite.md st0.json st1.json
check "merge --history: the shards' states recorded as one run, the same on SQLite and PostgreSQL" \
    [ "$(q merged "SELECT kind, new_reports, known_reports, copies FROM runs")|$(q merged 'SELECT count(*) FROM reports')" = \
      "$(sqlite3 merged.db 'SELECT kind, new_reports, known_reports, copies FROM runs')|$(sqlite3 merged.db 'SELECT count(*) FROM reports')" -a \
      "$(q merged 'SELECT kind, new_reports FROM runs')" = "merge|37" ]

# -- a cut copy joined to its named twin: recorded and counted under the twin, as on SQLite --
J=$SRC/tests/cli/cases/join-cut-kext/in
joined=$(uri joined)
run --history "$joined" -o /dev/null --csv joined-pg.csv "$J"
run --history joined.db -o /dev/null --csv joined-lite.csv "$J"
jq='SELECT signature_id, reports FROM clusters WHERE reports > 0'
check "a cut copy joined to its twin: one cluster of both reports, the same on SQLite and PostgreSQL" \
    [ "$(q joined "SELECT string_agg(DISTINCT signature_id, ',') FROM reports")|$(q joined "$jq")|$(q joined 'SELECT reports, new_reports FROM run_clusters')" = \
      "$(sqlite3 joined.db 'SELECT group_concat(DISTINCT signature_id) FROM reports')|$(sqlite3 joined.db "$jq")|2|2" ]

# -- two triage writes at once ------------------------------------------------------------
tri=$(uri tri)
run --history "$tri" --csv tri.csv -o /dev/null "$S"
a=$(awk -F, 'NR == 2 { print $2 }' tri.csv) b=$(awk -F, 'NR == 3 { print $2 }' tri.csv)
tri_ok=1
for round in 1 2 3; do
    "$BIN" triage "$tri" "$a" --status fixed >/dev/null & p1=$!
    "$BIN" triage "$tri" "$a" --note "note $round" >/dev/null & p2=$!
    "$BIN" triage "$tri" "$a" --bug "bug-$round" >/dev/null & p3=$!
    "$BIN" triage "$tri" "$b" --status ignored --note "b $round" >/dev/null & p4=$!
    wait $p1 && wait $p2 && wait $p3 && wait $p4 || tri_ok=0
    [ "$(q tri "SELECT status, note, bug FROM clusters WHERE signature_id = '$a'")" = "fixed|note $round|bug-$round" ] || tri_ok=0
    [ "$(q tri "SELECT status, note FROM clusters WHERE signature_id = '$b'")" = "ignored|b $round" ] || tri_ok=0
    q tri "UPDATE clusters SET status = 'open'" >/dev/null
done
check "two (four) triage writes at once on one cluster: none lost, none failed, three rounds" [ $tri_ok = 1 ]

# -- a run killed, a server restarted, mid-run: nothing of that run -------------------------
# hold_clusters DB: a session that locks every cluster row for a while (its pid printed):
# a run then waits in its commit, with all its rows written in its transaction
hold_clusters() {
    PGAPPNAME=holder psql -X -q "$(uri "$1")" -c "BEGIN" -c "SELECT 1 FROM clusters FOR UPDATE" \
        -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
    echo $!
}
# waiting DB: until a run of the tool waits for a lock (at most 15 s)
waiting() {
    n=0
    while [ $n -lt 150 ]; do
        [ "$(q "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kptrace-batch' AND wait_event_type = 'Lock'")" = 1 ] && return 0
        sleep 0.1; n=$((n + 1))
    done
    return 1
}
unhold() { psql_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null 2>&1; }
kill=$(uri kill)
run --history "$kill" -o /dev/null "$S"
before=$(q kill 'SELECT count(*) FROM runs')/$(q kill 'SELECT count(*) FROM reports')/$(q kill 'SELECT sum(reports) FROM clusters')
hp=$(hold_clusters kill)
sleep 0.5
"$BIN" -q --no-symbolicate --history "$kill" -o killed.md n2 2>killed.err & pid=$!
if waiting kill; then
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    unhold; wait $hp 2>/dev/null
    sleep 0.5
    check "a run killed (SIGKILL) in its commit leaves nothing: runs, reports, counts as before, no output" \
        [ "$(q kill 'SELECT count(*) FROM runs')/$(q kill 'SELECT count(*) FROM reports')/$(q kill 'SELECT sum(reports) FROM clusters')" = "$before" -a ! -e killed.md ]
else
    no "a run killed in its commit: the run never waited for the held rows"
    kill -9 $pid 2>/dev/null; unhold
fi
restart=$(uri restart)
run --history "$restart" -o /dev/null "$S"
before=$(q restart 'SELECT count(*) FROM runs')/$(q restart 'SELECT count(*) FROM reports')/$(q restart 'SELECT sum(reports) FROM clusters')
hp=$(hold_clusters restart)
sleep 0.5
t0=$(now)
"$BIN" -q --no-symbolicate --history "$restart" -o restarted.md n2 2>restarted.err & pid=$!
if waiting restart; then
    pg_restart
    wait $pid; rc=$?
    wait $hp 2>/dev/null
    check "a server restarted mid-run: exit 3, the connection's loss said" \
        sh -c "[ $rc = 3 ] && grep -q 'the history was not written' restarted.err && grep -qi 'connection\|terminat' restarted.err"
    check "... and nothing of that run is recorded, no output" \
        [ "$(q restart 'SELECT count(*) FROM runs')/$(q restart 'SELECT count(*) FROM reports')/$(q restart 'SELECT sum(reports) FROM clusters')" = "$before" -a ! -e restarted.md ]
else
    no "a server restarted mid-run: the run never waited for the held rows"
    kill -9 $pid 2>/dev/null; unhold
fi

# a connection cut by the server (pg_terminate_backend(), as an admin or a pooler does):
# while the run waits for the write lock, and before its reports are staged (a path list on
# standard input that comes late)
term=$(uri term)
run --history "$term" -o /dev/null "$S"
before=$(q term 'SELECT count(*) FROM runs')/$(q term 'SELECT count(*) FROM reports')/$(q term 'SELECT sum(reports) FROM clusters')
cut() { psql_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kptrace-batch'" >/dev/null; }
echo old > term.md
PGAPPNAME=holder psql -X -q "$term" -c "SELECT pg_advisory_lock(1802531938)" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 & hp=$!
sleep 0.5
run --history "$term" -o term.md n2 2>term.err & pid=$!
if waiting term; then
    cut
    wait $pid; rc=$?
    unhold; wait $hp 2>/dev/null
    check "a connection cut (pg_terminate_backend) while the run waits for the write lock: exit 3, the loss said" \
        sh -c "[ $rc = 3 ] && grep -q 'connection to the server was lost' term.err && grep -q 'terminating connection' term.err"
    check "... nothing of that run recorded, its output not replaced" \
        [ "$(q term 'SELECT count(*) FROM runs')/$(q term 'SELECT count(*) FROM reports')/$(q term 'SELECT sum(reports) FROM clusters')" = "$before" -a "$(cat term.md)" = old ]
else
    no "a connection cut while the run waits for the write lock: the run never waited"
    kill -9 $pid 2>/dev/null; unhold
fi
# connected: until the tool's session is there (at most 15 s)
connected() {
    n=0
    while [ $n -lt 150 ]; do
        [ "$(q "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kptrace-batch'")" = 1 ] && return 0
        sleep 0.1; n=$((n + 1))
    done
    return 1
}
echo old > term2.md
{ sleep 4; echo "$T/n2"; } | run --history "$term" -o term2.md - 2>term2.err & pid=$!
if connected term; then
    cut
    wait $pid; rc=$?
    check "a connection cut before the run's reports are staged: exit 3 when it sends them, the loss said" \
        sh -c "[ $rc = 3 ] && grep -q 'staging the reports: the connection to the server was lost' term2.err && [ \$(grep -o 'staging the reports' term2.err | wc -l) = 1 ]"
    check "... nothing of that run recorded, its output not replaced" \
        [ "$(q term 'SELECT count(*) FROM runs')/$(q term 'SELECT count(*) FROM reports')/$(q term 'SELECT sum(reports) FROM clusters')" = "$before" -a "$(cat term2.md)" = old ]
else
    no "a connection cut before the run's reports are staged: the run never connected"
    kill -9 $pid 2>/dev/null
fi

# a statement of the run's last steps refused by the server (a constraint an admin added:
# the per-run counts and the clusters' counts are sent in one pipeline): exit 3 with the
# server's message, nothing recorded, no output replaced
cons=$(uri cons)
run --history "$cons" -o /dev/null "$S"
q cons "ALTER TABLE run_clusters ADD CONSTRAINT one_run_only CHECK (run_id < 2)" >/dev/null
echo old > cons.md
run --history "$cons" -o cons.md "$S" 2>cons.err; rc=$?
check "a per-run count the server refuses: exit 3, its message said, nothing recorded, no output replaced" \
    sh -c "[ $rc = 3 ] && grep -q 'violates check constraint \"one_run_only\"' cons.err && [ \"\$(cat cons.md)\" = old ] && [ \"\$(psql -X -At '$cons' -c 'SELECT count(*) FROM runs')\" = 1 ]"
q cons "ALTER TABLE run_clusters DROP CONSTRAINT one_run_only; UPDATE clusters SET reports = 999999;
        ALTER TABLE clusters ADD CONSTRAINT below_a_million CHECK (reports < 1000000)" >/dev/null
rep 300 > cons-new.panic
run --history "$cons" -o cons.md cons-new.panic 2>cons2.err; rc=$?
check "... and a cluster's count it refuses: the same" \
    sh -c "[ $rc = 3 ] && grep -q \"counting the clusters' reports: ERROR: .*below_a_million\" cons2.err && [ \"\$(cat cons.md)\" = old ] && [ \"\$(psql -X -At '$cons' -c 'SELECT count(*) FROM runs')\" = 1 ]"

# -- bounded waits, a server down, a wrong password ------------------------------------------
lockw=$(uri lockw)
run --history "$lockw" -o /dev/null "$S"
PGAPPNAME=holder psql -X -q "$(uri lockw)" -c "SELECT pg_advisory_lock(1802531938)" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 & hp=$!
sleep 0.5
t0=$(now)
PGOPTIONS='-c lock_timeout=1s' run --history "$lockw" -o /dev/null "$S" 2>lockw.err; rc=$?
t1=$(now)
unhold; wait $hp 2>/dev/null
check "another writer holding the history: exit 3 after lock_timeout (1 s), naming the wait" \
    sh -c "[ $rc = 3 ] && [ \$(echo '$t1 - $t0 < 10' | bc) = 1 ] && grep -q 'lock_timeout' lockw.err && grep -q 'write lock' lockw.err"
t0=$(now)
run --history "postgresql://kpt:$PW@/kpt?host=$T/no-server" -o down.md "$S" 2>down.err; rc=$?
t1=$(now)
check "a server that is down: exit 3 within seconds, naming the socket and why" \
    sh -c "[ $rc = 3 ] && [ \$(echo '$t1 - $t0 < 5' | bc) = 1 ] && grep -q 'cannot connect' down.err && grep -q 'no-server/.s.PGSQL' down.err && [ ! -e down.md ]"
t0=$(now)
run --history "postgresql://kpt:WRONG-pw-91@/conc?host=$PG_SOCK" -o bad.md "$S" 2>bad.err; rc=$?
t1=$(now)
check "a wrong password: exit 3 within seconds, the refusal said, the password not" \
    sh -c "[ $rc = 3 ] && [ \$(echo '$t1 - $t0 < 5' | bc) = 1 ] && grep -q 'password authentication failed' bad.err && ! grep -q 'WRONG-pw-91' bad.err && grep -q 'kpt:\*\*\*\*@' bad.err"
"$BIN" history "postgres://kpt@/conc?host=$PG_SOCK&password=WRONG-pw-92" > badq.out 2>badq.err; rc=$?
check "... given as password=: the same, masked there too" \
    sh -c "[ $rc = 3 ] && ! grep -q 'WRONG-pw-92' badq.out badq.err && grep -q 'password=\*\*\*\*' badq.err"
"$BIN" history "postgres://kpt:WRONG?pw-93@/conc?host=$PG_SOCK&sslpassword=SSL-pw-94" > badu.out 2>badu.err; rc=$?
check "... one holding a '?' (libpq's userinfo ends at '@' only), and an sslpassword=: masked too" \
    sh -c "[ $rc = 3 ] && grep -q 'password authentication failed' badu.err && ! grep -q 'pw-93\|SSL-pw-94' badu.out badu.err && grep -q 'kpt:\*\*\*\*@' badu.err && grep -q 'sslpassword=\*\*\*\*' badu.err"

# -- the password never shown; SQL and odd bytes stored as text -------------------------------
mkdir -p hostile
cp "$P17" "hostile/x'); DROP TABLE reports; --.panic"
rep 200 > "$(printf 'hostile/tab\there back\\slash\nnewline.panic')"
rep 201 > "$(printf 'hostile/latin1-\351t\351.panic')"
hostile=$(uri hostile)
"$BIN" -v --no-symbolicate --history "$hostile" -o h.md --json h.json --csv h.csv --html h.html hostile > h.out 2> h.err; rc=$?
hs=$(awk -F, 'NR == 2 { print $2 }' h.csv)
"$BIN" triage "$hostile" "$hs" --note "'); DROP TABLE clusters; --" --bug "\$(rm -rf /)" > t.out 2>&1
"$BIN" history "$hostile" > hist.out 2>&1
psql -X -At "$hostile" -c "SELECT r::text FROM runs r" -c "SELECT r::text FROM reports r" -c "SELECT c::text FROM clusters c" \
    -c "SELECT x::text FROM run_clusters x" -c "SELECT x::text FROM run_builds x" > dump.txt
check "hostile names: recorded (exit 0), every table still there" \
    sh -c "[ $rc = 0 ] && [ \"\$(psql -X -At '$hostile' -c \"SELECT count(*) FROM pg_tables WHERE tablename IN ('runs','reports','clusters','run_clusters','run_builds')\")\" = 5 ]"
check "... a file name holding SQL stored as the text it is" \
    [ "$(q hostile "SELECT path FROM reports WHERE path LIKE '%DROP%'")" = "hostile/x'); DROP TABLE reports; --.panic" ]
check "... and one holding a tab, a backslash and a newline" \
    [ "$(q hostile "SELECT path FROM reports WHERE path LIKE 'hostile/tab%'")" = "$(printf 'hostile/tab\there back\\slash\nnewline.panic')" ]
check "... a name that is no UTF-8 stored with U+FFFD for its odd bytes" \
    [ "$(q hostile "SELECT count(*) FROM reports WHERE path = 'hostile/latin1-' || chr(65533) || 't' || chr(65533) || '.panic'")" = 1 ]
check "... a note and a bug holding SQL and shell stored as text" \
    [ "$(q hostile "SELECT note || '|' || bug FROM clusters WHERE signature_id = '$hs'")" = "'); DROP TABLE clusters; --|\$(rm -rf /)" ]
leak=0
for f in same-*.md pg-*.md pg-*.json pg-hist.md pg-triage.txt conc*.err conc*.md killed.err restarted.err lockw.err down.err \
         mig*.md mig*.err mig1-triage.txt term*.err \
         bad.err badq.out badq.err h.md h.json h.csv h.html h.out h.err t.out hist.out dump.txt; do
    [ -e "$f" ] && grep -q -- "$PW" "$f" && { echo "# the password is in $f"; leak=1; }
done
check "the password is in no output, message (-v included), history output nor the database itself" [ $leak = 0 ]
check "... and the URI is shown masked where a history is named" grep -qF 'kpt:\*\*\*\*@' h.md
run --history "$hostile" -o /dev/null "$(printf 'hostile/latin1-\351t\351.panic')" 2>latin.err; rc=$?
check "a name that is no UTF-8 given as an input: the run recorded (exit 0), U+FFFD for its odd bytes among its inputs" \
    [ "$rc/$(q hostile "SELECT count(*) FROM runs WHERE inputs LIKE '%latin1-' || chr(65533) || 't' || chr(65533) || '.panic%'")" = 0/1 ]

# -- a read-only role ---------------------------------------------------------------------------
ro=$(uri ro)
run --history "$ro" -o /dev/null "$S"
psql_admin ro "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader" >/dev/null
rou="postgresql://reader:rd-$PW@/ro?host=$PG_SOCK"
"$BIN" history "$rou" > ro-hist.out 2>ro-hist.err; rc=$?
check "a read-only role runs 'history'" sh -c "[ $rc = 0 ] && grep -q '1 runs, 7 distinct reports' ro-hist.out"
echo old > ro.md
run --history "$rou" -o ro.md "$S" 2>ro.err; rc=$?
runs=$(q ro 'SELECT count(*) FROM runs')
check "... a run given it fails at the start (exit 3), saying why, its output not replaced, nothing recorded" \
    sh -c "[ $rc = 3 ] && grep -q 'may not write the history' ro.err && [ \"\$(cat ro.md)\" = old ] && [ $runs = 1 ]"
"$BIN" triage "$rou" "$(q ro 'SELECT min(signature_id) FROM clusters')" --status fixed > ro-t.out 2>&1; rc=$?
check "... and so does triage (exit 3)" sh -c "[ $rc = 3 ] && grep -q 'may not write the history' ro-t.out"
q ro "UPDATE kptrace_schema SET version = 99" >/dev/null
run --history "$ro" -o /dev/null "$S" 2>newer.err; rc=$?
check "a database of a newer schema is refused, left as it is" sh -c "[ $rc = 3 ] && grep -q 'newer kptrace-batch' newer.err"

# the README's queries for PostgreSQL run on a history this tool wrote
awk '/^```pgsql$/ { on = 1; next } /^```$/ { on = 0 } on' "$SRC/README.md" | grep -v 'ROLE\|DATABASE\|GRANT' > readme.sql
check "the README's PostgreSQL queries run on a history ($(grep -c ';$' readme.sql) statements)" \
    sh -c "[ $(grep -c ';$' readme.sql) -ge 3 ] && psql -X -q -v ON_ERROR_STOP=1 '$same' -f readme.sql > readme.out 2>&1"
check "... and the last finds the cluster fixed that came back" grep -q "https://bugs.example/1" readme.out

# -- TLS: libpq's parameters pass through; a real TLS server -----------------------------------
# (libpq never uses TLS over a Unix socket, whatever sslmode says: the TLS server listens on
# 127.0.0.1, on a port of its own, with a self-signed certificate made here)
"$BIN" history "postgresql://kpt:$PW@/same?host=$PG_SOCK&sslmode=bogus" > sslbad.out 2>sslbad.err; rc=$?
check "sslmode passes through to libpq: a wrong value refused (exit 3), libpq's word for it said" \
    sh -c "[ $rc = 3 ] && grep -q 'invalid sslmode value' sslbad.err && ! grep -q -- '$PW' sslbad.err"
pg_stop
tls_ok=0
if command -v openssl >/dev/null 2>&1; then
    mkdir -p tls
    openssl req -new -x509 -days 2 -nodes -subj /CN=localhost -addext subjectAltName=DNS:localhost \
        -keyout tls/server.key -out tls/server.crt >tls/openssl.log 2>&1
    openssl req -new -x509 -days 2 -nodes -subj /CN=localhost -keyout tls/other.key -out tls/other.crt >>tls/openssl.log 2>&1
    chmod 600 tls/server.key
    [ "$(id -u)" = 0 ] && chown postgres tls/server.key tls/server.crt
    for try in 1 2 3; do
        port=$((20000 + ($$ * 7 + try * 977) % 30000))
        PG_EXTRA_CONF="listen_addresses = '127.0.0.1'
port = $port
ssl = off
ssl_cert_file = '$T/tls/server.crt'
ssl_key_file = '$T/tls/server.key'
log_connections = on"
        pg_start "$T/pgtls$try" >pgtls.log 2>&1 && { tls_ok=1; break; }
    done
fi
if [ $tls_ok = 1 ]; then
    PG_TCP="host=localhost&hostaddr=127.0.0.1&port=$port"
    PGPORT=$port # psql_admin's, on the server's socket
    export PGPORT
    psql_admin "CREATE ROLE kpt LOGIN PASSWORD '$PW'" >/dev/null
    psql_admin "CREATE DATABASE tls OWNER kpt" >/dev/null
    run --history "postgresql://kpt:$PW@/tls?$PG_TCP&sslmode=require" -o notls.md "$S" 2>notls.err; rc=$?
    check "sslmode=require against a server without TLS: exit 3, libpq's message naming SSL, nothing written" \
        sh -c "[ $rc = 3 ] && grep -q 'cannot connect' notls.err && grep -q 'server does not support SSL, but SSL was required' notls.err && [ ! -e notls.md ]"
    # TLS on, and connections without it refused by the server
    { echo 'hostnossl all all all reject'; cat "$PG_DIR/data/pg_hba.conf"; } > pg_hba.new
    cat pg_hba.new > "$PG_DIR/data/pg_hba.conf"
    psql_admin "ALTER SYSTEM SET ssl = on" >/dev/null
    psql_admin "SELECT pg_reload_conf()" >/dev/null
    sleep 1
    tu="postgresql://kpt:$PW@/tls?$PG_TCP&sslmode=verify-full&sslrootcert=$T/tls/server.crt"
    run --history "$tu" -o tls.md --json tls.json "$S" 2>tls.err; rc=$?
    check "a TLS server: a run with sslmode=verify-full and sslrootcert recorded over TLS (the server says so)" \
        sh -c "[ $rc = 0 ] && [ \"\$(psql -X -At '$tu' -c 'SELECT count(*) FROM runs')\" = 1 ] && grep -q 'database=tls.*SSL enabled' '$PG_DIR/server.log'"
    "$BIN" history "$tu" > tls-hist.out 2>&1; rc=$?
    check "... the history command reads it over TLS" sh -c "[ $rc = 0 ] && grep -q '1 runs, 7 distinct reports' tls-hist.out"
    run --history "postgresql://kpt:$PW@/tls?$PG_TCP&sslmode=disable" -o plain.md "$S" 2>plain.err; rc=$?
    check "... without TLS (sslmode=disable): refused by the server, exit 3, the server's reason said" \
        sh -c "[ $rc = 3 ] && grep -q 'no encryption' plain.err && [ ! -e plain.md ]"
    run --history "postgresql://kpt:$PW@/tls?$PG_TCP&sslmode=verify-full&sslrootcert=$T/tls/other.crt" -o other.md "$S" 2>other.err; rc=$?
    check "... a certificate its root does not sign: exit 3, libpq's verification failure said" \
        sh -c "[ $rc = 3 ] && grep -q 'certificate verify failed' other.err && [ ! -e other.md ]"
    check "... the password in none of those messages" sh -c "! grep -q -- '$PW' notls.err tls.err tls.md tls.json tls-hist.out plain.err other.err"
else
    no "a TLS server on 127.0.0.1 with a self-signed certificate (openssl, a free port): see pgtls.log"
    cat pgtls.log 2>/dev/null
fi

echo "# history_pg: $pass passed, $fail failed"
[ $fail = 0 ]
