#!/usr/bin/env bash
# benches/roles-clean.sh - benchmark `pgparity roles clean` against the cleanup sed that
# Microsoft documents for moving roles to Azure Database for PostgreSQL flexible server.
#
# Usage: benches/roles-clean.sh [N] [--regenerate] [--no-hyperfine]
#   N               number of login roles in the generated roles.sql (default 100000)
#   --regenerate    rebuild the cached roles.sql even if it exists
#   --no-hyperfine  time with a plain loop even when hyperfine is installed
#
# Environment:
#   PGPARITY_SHARED     the shared/ folder with bench/gen_roles.sh (default: <repo>/../shared)
#   PGPARITY_BENCH_DIR  cache and results (default: /var/tmp/pgparity-bench)
#   PGBIN               PostgreSQL 15 binaries (default: /usr/lib/postgresql/15/bin)
#
# The input is made once per N: a throwaway PostgreSQL 15 cluster (fsync=off, Unix socket in a
# private directory, no TCP), gen_roles.sh against it, then `pg_dumpall -r` to
# $PGPARITY_BENCH_DIR/roles-N.sql. The cluster is stopped and removed on exit, even on failure.
# Timings: hyperfine --warmup 2 --runs 10 if installed, else 2 warmups + 10 timed runs; medians.
# pgparity exits 1 when it has findings at or above --fail-on; 0 and 1 are accepted, anything
# else (2: the tool could not do its job) aborts the benchmark.
set -euo pipefail

die() { echo "roles-clean: $*" >&2; exit 2; }
note() { echo "roles-clean: $*" >&2; }

n=100000 regenerate=0 use_hyperfine=1
for arg in "$@"; do
    case $arg in
        --regenerate) regenerate=1 ;;
        --no-hyperfine) use_hyperfine=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *[!0-9]* | '') die "unknown argument: $arg (usage: $0 [N] [--regenerate] [--no-hyperfine])" ;;
        *) n=$arg ;;
    esac
done
((n > 0)) || die "N must be positive"
# `pgparity ... --report /dev/null` run as root replaces /dev/null with a regular file (reports
# are written atomically: temporary file + rename); initdb and the server then fail obscurely.
[[ -c /dev/null ]] || die "/dev/null is not a character device (restore: rm /dev/null && mknod -m 666 /dev/null c 1 3)"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${PGPARITY_SHARED:-$repo/../shared}
gen=$shared/bench/gen_roles.sh
bench_dir=${PGPARITY_BENCH_DIR:-/var/tmp/pgparity-bench}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
input=$bench_dir/roles-$n.sql
run=$bench_dir/run-$n
bin=${CARGO_TARGET_DIR:-$repo/target}/release/pgparity

# --- 1. build ------------------------------------------------------------------------------
note "cargo build --release"
(cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
[[ -x $bin ]] || die "$bin not found after the build"

# --- 2. input, generated once per N --------------------------------------------------------
cluster_tmp='' pg_started=0
as_pg=()
if ((EUID == 0)); then as_pg=(runuser -u postgres --); fi

cleanup() {
    local rc=$?
    if ((pg_started)); then
        (cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$cluster_tmp/data" -m immediate -w stop) \
            >/dev/null 2>&1 || note "warning: could not stop the throwaway cluster in $cluster_tmp"
    fi
    if [[ -n $cluster_tmp ]]; then rm -rf "$cluster_tmp"; fi
    rm -f "$input.partial"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 20000))
        # Nothing may listen on it over TCP; the socket directory is private anyway.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    die "no free port found"
}

generate() {
    [[ -x $gen || -r $gen ]] || die "generator not found: $gen (set PGPARITY_SHARED)"
    [[ -x $pgbin/initdb ]] || die "PostgreSQL binaries not found in $pgbin (set PGBIN)"
    mkdir -p "$bench_dir"
    cluster_tmp=$(mktemp -d /tmp/pgparity-bench-pg.XXXXXX)
    chmod 700 "$cluster_tmp"
    mkdir "$cluster_tmp/sock"
    if ((EUID == 0)); then chown -R postgres: "$cluster_tmp"; fi
    local port t0 t1 t2
    port=$(free_port)
    note "throwaway PostgreSQL 15 cluster in $cluster_tmp (port $port)"
    (cd "$cluster_tmp" && "${as_pg[@]}" "$pgbin/initdb" -D "$cluster_tmp/data" -U postgres -A trust -N \
        >"$cluster_tmp/initdb.log" 2>&1) || { cat "$cluster_tmp/initdb.log" >&2 || true; die "initdb failed"; }
    pg_started=1
    # gen_roles.sh runs its `ALTER ROLE .. SET` (every 7th role) in one transaction, and each
    # holds a lock on its role until commit: size the lock table for n/7 locks (x4).
    local locks=$((64 + n / 200))
    (cd "$cluster_tmp" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$cluster_tmp/data" -l "$cluster_tmp/server.log" -w \
        -o "-c fsync=off -c max_locks_per_transaction=$locks -c listen_addresses='' -c unix_socket_directories=$cluster_tmp/sock -p $port" \
        start >/dev/null) || { cat "$cluster_tmp/server.log" >&2 || true; die "pg_ctl start failed"; }
    local conn="host=$cluster_tmp/sock port=$port user=postgres dbname=postgres"
    t0=$EPOCHREALTIME
    note "gen_roles.sh $n ..."
    PATH=$pgbin:$PATH bash "$gen" "$n" "$conn" || die "gen_roles.sh failed"
    t1=$EPOCHREALTIME
    "$pgbin/pg_dumpall" -r -d "$conn" -f "$input.partial" || die "pg_dumpall -r failed"
    mv "$input.partial" "$input"
    t2=$EPOCHREALTIME
    note "$(awk -v a="$t0" -v b="$t1" -v c="$t2" \
        'BEGIN { printf "generated in %.1f s, pg_dumpall -r in %.1f s", b - a, c - b }')"
    gen_seconds=$(awk -v a="$t0" -v c="$t2" 'BEGIN { printf "%.1f", c - a }')
}

gen_seconds=''
if ((regenerate)) || [[ ! -s $input ]]; then
    generate
else
    note "reusing $input (--regenerate to rebuild)"
fi

# --- 3. timings ----------------------------------------------------------------------------
mkdir -p "$run"
sed_expr='/azure_superuser/d; /azure_pg_admin/d; /azuresu/d; /^CREATE ROLE replication/d; /^ALTER ROLE replication/d; /^ALTER ROLE/ {s/NOSUPERUSER//; s/NOBYPASSRLS//;}'
sed_cmd=(sed "$sed_expr" "$input")
# The table report goes to a regular file, not /dev/null (see the check at the top).
pp_table=("$bin" roles clean "$input" --profile azure-flexible --fail-on error
    -o "$run/pgparity-out.sql" --report "$run/report.txt")
pp_json=("$bin" roles clean "$input" --profile azure-flexible --fail-on error
    -o "$run/pgparity-json-out.sql" --format json --report "$run/report.json")

# One checked run of each: a real failure (exit 2, or anything but 0/1 for pgparity) aborts.
last_rc=0
checked() { # checked NAME OK_CODES CMD... (stdout of CMD goes to $run/NAME.stdout)
    local name=$1 ok=$2 rc=0
    shift 2
    "$@" >"$run/$name.stdout" 2>"$run/$name.stderr" || rc=$?
    last_rc=$rc
    [[ " $ok " == *" $rc "* ]] || { cat "$run/$name.stderr" >&2; die "$name exited $rc: $*"; }
}
checked sed "0" "${sed_cmd[@]}"
checked pgparity "0 1" "${pp_table[@]}"
pp_exit=$last_rc
checked pgparity-json "0 1" "${pp_json[@]}"

have_hyperfine=0
if ((use_hyperfine)) && command -v hyperfine >/dev/null; then have_hyperfine=1; fi

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

time_loop() { # time_loop NAME OK_CODES CMD...  (stdout to $run/NAME.stdout); prints the median
    local name=$1 ok=$2 i rc t0 t1
    shift 2
    for i in $(seq 12); do
        rc=0
        t0=$EPOCHREALTIME
        "$@" >"$run/$name.stdout" 2>"$run/$name.stderr" || rc=$?
        t1=$EPOCHREALTIME
        [[ " $ok " == *" $rc "* ]] || { cat "$run/$name.stderr" >&2; die "$name exited $rc"; }
        if ((i > 2)); then awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'; fi
    done >"$run/$name.times"
    median_of <"$run/$name.times"
}

time_hyperfine() { # time_hyperfine NAME OK_CODES CMD...; prints the median
    local name=$1 ok=$2 cmd bad
    shift 2
    printf -v cmd '%q ' "$@"
    cmd+="> $(printf %q "$run/$name.stdout")"
    hyperfine --warmup 2 --runs 10 --ignore-failure --style basic \
        --export-json "$run/$name.hyperfine.json" -n "$name" "$cmd" >&2 \
        || die "hyperfine failed for $name"
    # --ignore-failure accepts every exit code: check them here.
    bad=$(jq -r --arg ok "$ok" '[.results[0].exit_codes[]
            | select(. as $c | $ok | split(" ") | map(tonumber) | any(. == $c) | not)]
        | unique | map(tostring) | join(" ")' "$run/$name.hyperfine.json")
    [[ -z $bad ]] || die "$name exited $bad during timing"
    jq -r '.results[0].median' "$run/$name.hyperfine.json"
}

timer=time_loop
if ((have_hyperfine)); then timer=time_hyperfine; fi
note "timing with $([[ $timer == time_hyperfine ]] && echo "hyperfine --warmup 2 --runs 10" || echo "a loop: 2 warmups + 10 runs")"
sed_median=$($timer sed "0" "${sed_cmd[@]}")
pp_median=$($timer pgparity "0 1" "${pp_table[@]}")
ppj_median=$($timer pgparity-json "0 1" "${pp_json[@]}")

# --- 4. peak memory ------------------------------------------------------------------------
peak_rss() { # peak_rss CMD... ; prints "Maximum resident set size" in kB (exit 0/1 accepted)
    local rc=0
    [[ -x /usr/bin/time ]] || { echo "n/a"; return; }
    /usr/bin/time -v -o "$run/time-v.txt" "$@" >/dev/null 2>&1 || rc=$?
    ((rc <= 1)) || die "peak RSS run exited $rc: $*"
    awk -F': *' '/Maximum resident set size/ { print $2 }' "$run/time-v.txt"
}
rss_table=$(peak_rss "${pp_table[@]}")
rss_json=$(peak_rss "${pp_json[@]}")

# --- 5. summary ----------------------------------------------------------------------------
bytes=$(stat -c %s "$input")
lines=$(wc -l <"$input")
mb() { if [[ $1 == n/a ]]; then echo n/a; else awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; fi; }
{
    echo
    echo "roles clean benchmark: $input"
    printf '  input:                    %.1f MB (%s bytes), %s lines, %s roles generated%s\n' \
        "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$bytes" "$lines" "$n" \
        "${gen_seconds:+ (generation + dump: $gen_seconds s)}"
    echo "  timer:                    $([[ $timer == time_hyperfine ]] && echo "hyperfine $(hyperfine --version | awk '{print $2}'), 2 warmups, 10 runs" || echo "bash loop, 2 warmups, 10 runs"); medians"
    printf '  sed (documented):         %.3f s\n' "$sed_median"
    printf '  pgparity (table report):  %.3f s  (%.1fx sed)\n' "$pp_median" \
        "$(awk -v a="$pp_median" -v b="$sed_median" 'BEGIN { print a / b }')"
    printf '  pgparity (JSON report):   %.3f s  (%.1fx sed)\n' "$ppj_median" \
        "$(awk -v a="$ppj_median" -v b="$sed_median" 'BEGIN { print a / b }')"
    echo "  pgparity peak RSS:        $(mb "$rss_table") (table report), $(mb "$rss_json") (JSON report)"
    echo "  pgparity exit code:       $pp_exit (--fail-on error)"
    echo "  output lines:             sed $(wc -l <"$run/sed.stdout"), pgparity $(wc -l <"$run/pgparity-out.sql")"
    echo "  results in:               $run"
}
