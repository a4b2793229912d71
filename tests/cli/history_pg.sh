#!/bin/sh
# tests/cli/history_pg.sh BINARY - the history on PostgreSQL, against a real server this
# script starts (initdb and pg_ctl in a temporary folder, a Unix socket only, scram password
# authentication; as the 'postgres' account when run as root) and stops at exit: the same
# nights give the same history as SQLite's; collectors writing at once count each report
# once; two triage writes at once both kept; a run killed (SIGKILL) or cut off by a server
# restart leaves nothing; a server down or a wrong password end the run with exit 3 at
# once, saying why; the password is never shown; SQL in a note or a file name is text; a
# read-only role reads the history and is refused a run before anything is replaced.
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
for d in same conc tri kill restart hostile ro lockw; do psql_admin "CREATE DATABASE $d OWNER kpt" >/dev/null; done
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

echo "# history_pg: $pass passed, $fail failed"
    exit 1
fi
PW='Pw-s3cret-7f3a'
psql_admin "CREATE ROLE kpt LOGIN PASSWORD '$PW'" >/dev/null
psql_admin "CREATE ROLE reader LOGIN PASSWORD 'rd-$PW'" >/dev/null
for d in same conc tri kill restart hostile ro lockw; do psql_admin "CREATE DATABASE $d OWNER kpt" >/dev/null; done
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
check "... the same rows in every table (reports, clusters, run counts)" sh -c "
    [ \"\$(sqlite3 same.db 'SELECT identity, first_run, last_run, signature_id FROM reports ORDER BY 1')\" = \
      \"\$(psql -X -At -F'|' '$same' -c 'SELECT identity, first_run, last_run, signature_id FROM reports ORDER BY 1')\" ] &&
    [ \"\$(sqlite3 same.db 'SELECT signature_id, status, bug, note, merged_into, reports, first_run, last_run, regressed_run FROM clusters ORDER BY 1')\" = \
      \"\$(psql -X -At -F'|' '$same' -c 'SELECT signature_id, status, bug, note, merged_into, reports, first_run, last_run, regressed_run FROM clusters ORDER BY 1')\" ] &&
    [ \"\$(sqlite3 same.db 'SELECT * FROM run_clusters ORDER BY 1, 2')\" = \"\$(psql -X -At -F'|' '$same' -c 'SELECT * FROM run_clusters ORDER BY 1, 2')\" ] &&
    [ \"\$(sqlite3 same.db 'SELECT * FROM run_builds ORDER BY 1, 2')\" = \"\$(psql -X -At -F'|' '$same' -c 'SELECT * FROM run_builds ORDER BY 1, 2 COLLATE \"C\"')\" ]"

echo "# history_pg: $pass passed, $fail failed"
[ $fail = 0 ]
