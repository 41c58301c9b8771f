#!/usr/bin/env bash
# benches/dump-scan.sh - benchmark reading a large COPY-heavy plain pg_dump file into the object
# model against `wc -l` (and `grep -c '^COPY '`) on the same file.
#
# Usage: benches/dump-scan.sh [ROWS] [--tables N] [--regenerate] [--no-hyperfine]
#   ROWS            rows over all tables (default 6000000: a dump of about 1 GB)
#   --tables N      tables made by gen_schema.sh (default 200)
#   --regenerate    rebuild the cached dump even if it exists
#   --no-hyperfine  time with a plain loop even when hyperfine is installed
#
# Environment:
#   PGPARITY_SHARED     the shared/ folder with bench/gen_schema.sh and gen_rows.sh
#                       (default: <repo>/../shared)
#   PGPARITY_BENCH_DIR  cache and results (default: /var/tmp/pgparity-bench)
#   PGBIN               PostgreSQL 15 binaries (default: /usr/lib/postgresql/15/bin)
#
# The input is made once per (ROWS, tables): a throwaway PostgreSQL 15 cluster (fsync=off, Unix
# socket in a private directory, no TCP, run as the postgres OS user when this script runs as
# root), gen_schema.sh and gen_rows.sh (--expect writes the true row counts), then plain
# `pg_dump` to $PGPARITY_BENCH_DIR/dump-scan-ROWS-N.sql. The cluster is stopped and removed on
# exit, even on failure. The reader is checked once against the true counts before timing: the
# row total must equal gen_rows's and nothing may be left not understood.
#
# The reader is `examples/dump_scan.rs` (PlainDump into ObjectsBuilder, the whole pipeline a
# `pgparity snapshot DUMP.sql` will run), built with `cargo build --release --example`.
# Timings: hyperfine --warmup 2 --runs 10 if installed, else 2 warmups + 10 timed runs; medians,
# with the file in the page cache (the warmups read it). Peak RSS: /usr/bin/time -v.
# Results: a table on standard output and results.json in $PGPARITY_BENCH_DIR/dump-scan-run-ROWS-N.
set -euo pipefail

die() { echo "dump-scan: $*" >&2; exit 2; }
note() { echo "dump-scan: $*" >&2; }

rows=6000000 tables=200 regenerate=0 use_hyperfine=1
usage="usage: $0 [ROWS] [--tables N] [--regenerate] [--no-hyperfine]"
while (($#)); do
    case $1 in
        --tables)
            (($# >= 2)) || die "--tables needs a number ($usage)"
            [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--tables needs a positive number ($usage)"
            tables=$2
            shift ;;
        --regenerate) regenerate=1 ;;
        --no-hyperfine) use_hyperfine=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *[!0-9]* | '') die "unknown argument: $1 ($usage)" ;;
        *) rows=$1 ;;
    esac
    shift
done
((rows > 0)) || die "ROWS must be positive"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${PGPARITY_SHARED:-$repo/../shared}
bench_dir=${PGPARITY_BENCH_DIR:-/var/tmp/pgparity-bench}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
input=$bench_dir/dump-scan-$rows-$tables.sql
expect=$bench_dir/dump-scan-$rows-$tables.rows.tsv
run=$bench_dir/dump-scan-run-$rows-$tables
bin=${CARGO_TARGET_DIR:-$repo/target}/release/examples/dump_scan

# --- 1. build ------------------------------------------------------------------------------
note "cargo build --release --example dump_scan"
(cd "$repo" && cargo build --release --quiet --example dump_scan) || die "cargo build failed"
[[ -x $bin ]] || die "$bin not found after the build"

# --- 2. input, generated once per (ROWS, tables) -------------------------------------------
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
    rm -f "$input.partial" "$expect.partial"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

generate() {
    local gen_schema=$shared/bench/gen_schema.sh gen_rows=$shared/bench/gen_rows.sh
    [[ -r $gen_schema && -r $gen_rows ]] || die "generators not found in $shared/bench (set PGPARITY_SHARED)"
    [[ -x $pgbin/initdb ]] || die "PostgreSQL binaries not found in $pgbin (set PGBIN)"
    mkdir -p "$bench_dir"
    cluster_tmp=$(mktemp -d /tmp/pgparity-bench-pg.XXXXXX)
    chmod 700 "$cluster_tmp"
    mkdir "$cluster_tmp/sock"
    if ((EUID == 0)); then chown -R postgres: "$cluster_tmp"; fi
    local port=5432 t0 t1 t2
    note "throwaway PostgreSQL 15 cluster in $cluster_tmp"
    (cd "$cluster_tmp" && "${as_pg[@]}" "$pgbin/initdb" -D "$cluster_tmp/data" -U postgres -A trust -N \
        >"$cluster_tmp/initdb.log" 2>&1) || { cat "$cluster_tmp/initdb.log" >&2 || true; die "initdb failed"; }
    pg_started=1
    (cd "$cluster_tmp" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$cluster_tmp/data" -l "$cluster_tmp/server.log" -w \
        -o "-c fsync=off -c synchronous_commit=off -c max_wal_size=4GB -c listen_addresses='' -c unix_socket_directories=$cluster_tmp/sock -p $port" \
        start >/dev/null) || { cat "$cluster_tmp/server.log" >&2 || true; die "pg_ctl start failed"; }
    local conn="host=$cluster_tmp/sock port=$port user=postgres"
    t0=$EPOCHREALTIME
    note "gen_schema.sh $tables, gen_rows.sh $rows ..."
    PATH=$pgbin:$PATH bash "$gen_schema" "$tables" "$conn" --db bench --recreate >/dev/null || die "gen_schema.sh failed"
    PATH=$pgbin:$PATH bash "$gen_rows" "$rows" "$conn" --db bench --expect "$expect.partial" >/dev/null \
        || die "gen_rows.sh failed"
    t1=$EPOCHREALTIME
    "$pgbin/pg_dump" -d "$conn dbname=bench" -f "$input.partial" || die "pg_dump failed"
    mv "$expect.partial" "$expect"
    mv "$input.partial" "$input"
    t2=$EPOCHREALTIME
    note "$(awk -v a="$t0" -v b="$t1" -v c="$t2" \
        'BEGIN { printf "generated in %.0f s, pg_dump in %.0f s", b - a, c - b }')"
}

if ((regenerate)) || [[ ! -s $input || ! -s $expect ]]; then
    generate
else
    note "reusing $input (--regenerate to rebuild)"
fi
size=$(stat -c %s "$input")

# --- 3. one checked run --------------------------------------------------------------------
mkdir -p "$run"
"$bin" "$input" >"$run/check.stdout" 2>"$run/check.stderr" || { cat "$run/check.stderr" >&2; die "dump_scan failed"; }
want_rows=$(awk -F'\t' '{ s += $2 } END { print s }' "$expect")
got_rows=$(sed -n 's/.* rows \([0-9]*\),.*/\1/p' "$run/check.stdout")
not_understood=$(sed -n 's/.* not understood \([0-9]*\)$/\1/p' "$run/check.stdout")
[[ $got_rows == "$want_rows" ]] || die "dump_scan counted $got_rows rows, gen_rows.sh made $want_rows"
[[ $not_understood == 0 ]] || { head -20 "$run/check.stderr" >&2; die "dump_scan did not understand $not_understood statements"; }
note "checked: $(cat "$run/check.stdout")"

# --- 4. timings ----------------------------------------------------------------------------
have_hyperfine=0
if ((use_hyperfine)) && command -v hyperfine >/dev/null; then have_hyperfine=1; fi

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

time_loop() { # time_loop NAME CMD...; prints the median in seconds
    local name=$1 i t0 t1
    shift
    for i in $(seq 12); do
        t0=$EPOCHREALTIME
        "$@" >"$run/$name.stdout" 2>"$run/$name.stderr" || die "$name failed"
        t1=$EPOCHREALTIME
        if ((i > 2)); then awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'; fi
    done >"$run/$name.times"
    median_of <"$run/$name.times"
}

time_hyperfine() { # time_hyperfine NAME CMD...; prints the median in seconds
    local name=$1 cmd
    shift
    printf -v cmd '%q ' "$@"
    cmd+="> $(printf %q "$run/$name.stdout")"
    hyperfine --warmup 2 --runs 10 --style basic --export-json "$run/$name.hyperfine.json" \
        -n "$name" "$cmd" >&2 || die "hyperfine failed for $name"
    jq -r '.results[0].median' "$run/$name.hyperfine.json"
}

timer=time_loop
if ((have_hyperfine)); then timer=time_hyperfine; fi
# grep -c exits 1 when it counts nothing; the dump has COPY lines, so 0 is the only success.
wc_median=$($timer wc-l wc -l "$input")
grep_median=$($timer grep-copy grep -c '^COPY ' "$input")
scan_median=$($timer dump-scan "$bin" "$input")

# --- 5. peak memory ------------------------------------------------------------------------
peak_rss() { # peak_rss CMD... ; prints "Maximum resident set size" in kB
    [[ -x /usr/bin/time ]] || { echo "n/a"; return; }
    /usr/bin/time -v -o "$run/time-v.txt" "$@" >/dev/null 2>&1 || die "peak RSS run failed: $*"
    awk -F': *' '/Maximum resident set size/ { print $2 }' "$run/time-v.txt"
}
rss_scan=$(peak_rss "$bin" "$input")
rss_wc=$(peak_rss wc -l "$input")

# --- 6. report -----------------------------------------------------------------------------
mbps() { awk -v b="$size" -v t="$1" 'BEGIN { printf "%.0f", b / t / 1e6 }'; }
ratio=$(awk -v w="$wc_median" -v s="$scan_median" 'BEGIN { printf "%.2f", w / s }')
{
    printf 'dump: %s (%.2f GB, %s rows in %s tables)\n' "$input" "$(awk -v b="$size" 'BEGIN { print b / 1e9 }')" "$want_rows" "$tables"
    printf '%-28s %10s %10s %12s\n' command median MB/s "max RSS kB"
    printf '%-28s %10.3f %10s %12s\n' "wc -l" "$wc_median" "$(mbps "$wc_median")" "$rss_wc"
    printf '%-28s %10.3f %10s %12s\n' "grep -c '^COPY '" "$grep_median" "$(mbps "$grep_median")" "-"
    printf '%-28s %10.3f %10s %12s\n' "dump_scan (PlainDump+objects)" "$scan_median" "$(mbps "$scan_median")" "$rss_scan"
    printf 'dump_scan runs at %s of the speed of wc -l (goal: at least 0.50)\n' "$ratio"
} | tee "$run/results.txt"
jq -n --arg file "$input" --argjson bytes "$size" --argjson rows "$want_rows" \
    --argjson wc "$wc_median" --argjson grep "$grep_median" --argjson scan "$scan_median" \
    --arg rss_scan "$rss_scan" --arg rss_wc "$rss_wc" --argjson ratio "$ratio" \
    '{file: $file, bytes: $bytes, rows: $rows, median_seconds: {wc_l: $wc, grep_copy: $grep, dump_scan: $scan},
      speed_vs_wc: $ratio, max_rss_kb: {dump_scan: $rss_scan, wc_l: $rss_wc}}' >"$run/results.json"
