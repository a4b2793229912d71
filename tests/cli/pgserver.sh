# tests/cli/pgserver.sh - sourced: a throwaway PostgreSQL server for the tests and the bench.
# pg_start DIR: initdb and pg_ctl in DIR (as the unprivileged 'postgres' account when run as
# root), a Unix socket only (no TCP port), scram password authentication; sets PG_SOCK (the
# socket's folder), PG_ADMIN (a superuser's URI) and PG_BIN. pg_stop stops it. Where the
# server's binaries are missing, it fails with the command that installs them.
PG_ADMIN_PW=adm-$$-pw
pg_find_bin() {
    for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin /usr/local/opt/postgresql*/bin \
             /opt/homebrew/opt/postgresql*/bin /usr/local/bin /usr/bin; do
        [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    return 1
}
# pg_as CMD...: CMD as the server's owner
pg_as() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}
pg_start() {
    PG_DIR=$1
    if ! PG_BIN=$(pg_find_bin) || ! command -v psql >/dev/null 2>&1; then
        echo "FAIL: no PostgreSQL server binaries (initdb, pg_ctl) or psql: install them with" \
             "'sudo apt-get install postgresql libpq-dev' (Debian), 'brew install postgresql libpq' (macOS), or 'make deps'"
        return 1
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "FAIL: running as root, and there is no 'postgres' account to run the server as" \
             "(sudo apt-get install postgresql makes it)"
        return 1
    fi
    mkdir -p "$PG_DIR/sock"
    printf '%s\n' "$PG_ADMIN_PW" > "$PG_DIR/pw"
    # the server's account reaches its folder (a mktemp -d folder is the owner's alone)
    [ "$(id -u)" = 0 ] && chmod 711 "$(dirname "$PG_DIR")" && chown -R postgres "$PG_DIR" && chmod 755 "$PG_DIR"
    pg_as "'$PG_BIN/initdb' -D '$PG_DIR/data' -U kptadmin --auth=scram-sha-256 --pwfile='$PG_DIR/pw' -E UTF8 --no-locale" \
        > "$PG_DIR/initdb.log" 2>&1 || { echo "FAIL: initdb (see $PG_DIR/initdb.log)"; cat "$PG_DIR/initdb.log"; return 1; }
    rm -f "$PG_DIR/pw"
    cat >> "$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR/sock'
max_connections = 40
${PG_EXTRA_CONF:-}
CONF
    pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -t 30 start" >/dev/null 2>&1 ||
        { echo "FAIL: the server did not start:"; cat "$PG_DIR/server.log"; return 1; }
    PG_SOCK=$PG_DIR/sock
    PG_ADMIN="postgresql://kptadmin:$PG_ADMIN_PW@/postgres?host=$PG_SOCK"
    return 0
}
pg_stop() {
    [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] &&
        pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate -w stop" >/dev/null 2>&1
    return 0
}
# pg_restart: the server stopped at once (-m immediate) and started again
pg_restart() {
    pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate -w stop" >/dev/null 2>&1
    pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -t 30 start" >/dev/null 2>&1
}
# psql_admin [DB] SQL: one statement as the superuser, its rows unaligned
psql_admin() {
    if [ $# = 2 ]; then db=$1; shift; else db=postgres; fi
    psql -X -q -A -t -v ON_ERROR_STOP=1 "postgresql://kptadmin:$PG_ADMIN_PW@/$db?host=$PG_SOCK" -c "$1"
}
