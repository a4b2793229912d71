# tests/cli/compat.sh - sourced by the test and bench scripts: how a test reports (ok, no,
# check and their counts), and the few commands whose GNU and BSD (macOS) forms differ,
# each with a fallback.

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { # check NAME COMMAND...: passes when the command succeeds
    name=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else no "$name"; fi
}

# timeout SECONDS CMD...: GNU coreutils' (Homebrew's is gtimeout); else the command unbounded
if ! command -v timeout >/dev/null 2>&1; then
    timeout() {
        if command -v gtimeout >/dev/null 2>&1; then gtimeout "$@"; else shift; "$@"; fi
    }
fi

# on_tty LOG COMMAND: run the shell command on a pseudo-terminal, its transcript in LOG
# (util-linux script takes -c, BSD script the command after the file)
on_tty() {
    if script -q -c true /dev/null >/dev/null 2>&1; then
        script -q -c "$2" "$1"
    else
        script -q "$1" sh -c "$2"
    fi
}

# now: seconds since the epoch, with a fraction
now() { perl -MTime::HiRes=time -e 'printf "%.6f\n", time'; }

# timed LOG CMD...: run CMD, its peak RSS (and GNU time's other figures) in LOG; rss LOG: MB
timed() {
    log=$1; shift
    if /usr/bin/time -v true >/dev/null 2>&1; then /usr/bin/time -v "$@" 2>"$log"; else /usr/bin/time -l "$@" 2>"$log"; fi # portable: BSD time -l otherwise
}
rss() { awk '/Maximum resident/ { print int($6 / 1024) } /maximum resident set size/ { print int($1 / 1048576) }' "$1"; }
