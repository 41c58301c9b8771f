#!/usr/bin/env bash
# benches/verify.sh - benchmark `pgparity verify` (exact row counts of every table of a database on
# both sides of a migration, --jobs connections per side) against counting with psql.
#
# Usage: benches/verify.sh [--tables N] [--rows N] [--source-major M] [--jobs N] [--runs N]
#                          [--shared-buffers SIZE] [--regenerate] [--regenerate-target]
#                          [--repo DIR] [--no-build]
#   --tables N            tables made by gen_schema.sh (default 200)
#   --rows N              rows made by gen_rows.sh over all of them (default 20000000)
#   --source-major M      PostgreSQL major of the source (default 15; 13 from the pgparity-pg cache)
#   --jobs N              connections per server, for verify and the psql baselines (default 4)
#   --runs N              hyperfine runs per command, after 1 warmup (default 5)
#   --shared-buffers S    shared_buffers of each server (default 2GB)
#   --regenerate          rebuild both cached clusters even if they exist
#   --regenerate-target   rebuild the target only (a new pg_dump / pg_restore of the source)
#   --repo DIR            the checkout to build and time (default: the one holding this script)
#   --no-build            time the binary already in the target directory (no cargo build)
#
# Environment:
#   PGPARITY_SHARED     the shared/ folder with bench/gen_schema.sh, gen_rows.sh (default: <repo>/../shared)
#   PGPARITY_BENCH_DIR  cache and results (default: /var/tmp/pgparity-bench)
#   PGPARITY_PG_CACHE   PostgreSQL binaries (default /var/tmp/pgparity-pg; see scripts/pg-env.sh)
#   CARGO_TARGET_DIR    where the binary is built (default: <repo>/target)
#
# Workload, made once and cached (reused until --regenerate): a SOURCE cluster (PostgreSQL 15 from
# /usr/lib/postgresql/15/bin, or the --source-major server from scripts/fetch-postgres.sh) with a
# database `bench` made by `gen_schema.sh N` and `gen_rows.sh TOTAL --expect expect.tsv` (the true
# count of every table), then VACUUM (ANALYZE) as on a live source (this sets the visibility map:
# count(*) of its big tables then runs as a parallel index-only scan); and a TARGET cluster
# (PostgreSQL 17) into which the roles (`pg_dumpall -r`) and the database are moved with
# `pg_dump -Fd -j 2 -Z 0` and `pg_restore -j 2 --exit-on-error` (client tools 16: pg_dump 16 dumps
# 13 and 15, pg_restore 16 restores into 17; there are no 17 client tools in the cache). The
# target is NOT analyzed (verify reports never-analyzed tables) nor vacuumed, as right after a
# migration: its counts scan the heaps. One count pass sets its hint bits
# before it is cached, so that the first timed pass does not write the whole table set. Caches:
# $PGPARITY_BENCH_DIR/verify-src-pgM-Nt-TOTALr-vW and verify-tgt-pg17-from-<source dir name>;
# a half-made one is removed, the target is rebuilt whenever its source was.
# Servers: fsync=off, full_page_writes=off, shared_buffers 2GB, max_connections=30,
# autovacuum=off (the target must stay never analyzed; no background vacuum during timings),
# default parallel query settings, Unix socket in a private directory, no TCP, run as the
# postgres OS user when this script runs as root; started on each run, stopped on exit.
# Each run: one checked count pass on each server (warms the caches), then hyperfine
# (--warmup 1 --runs 5, medians) of
#   - psql, tables split over --jobs sessions (one psql -f per share, shares balanced by
#     pg_relation_size of the source), on the source, on the target, and on both at once;
#   - psql, one per table (xargs -P --jobs, psql -c per table), the same three ways;
#   - pgparity verify SRC TGT --jobs N --format json (exit 0 and 1 accepted, 2 aborts).
# Both-at-once (jobs + jobs psql processes) is the like-for-like comparison: verify counts both
# sides at the same time. The counts of every baseline pass are checked against expect.tsv.
# When the binary has no `verify` command (pgparity --help), the baselines are still measured
# and the script exits 0. Summary on standard output and in $PGPARITY_BENCH_DIR/verify-results.txt;
# hyperfine JSON and outputs in $PGPARITY_BENCH_DIR/verify-run.
set -euo pipefail

die() { echo "verify-bench: $*" >&2; exit 2; }
note() { echo "verify-bench: $*" >&2; }

tables=200 rows=20000000 source_major=15 jobs=4 runs=5 shared_buffers=2GB
regenerate=0 regenerate_target=0 build=1 repo=''
usage="usage: $0 [--tables N] [--rows N] [--source-major M] [--jobs N] [--runs N] [--shared-buffers SIZE] [--regenerate] [--regenerate-target] [--repo DIR] [--no-build]"
number() { # number OPTION VALUE: dies unless VALUE is a positive integer
    if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 == 0)); then die "$1 needs a positive number, not '$2' ($usage)"; fi
}
while (($#)); do
    opt=$1 val=''
    case $opt in
        --*=*) val=${opt#*=} opt=${opt%%=*} ;;
        --tables | --rows | --source-major | --jobs | --runs | --shared-buffers | --repo)
            (($# >= 2)) || die "$opt needs a value ($usage)"
            val=$2
            shift ;;
    esac
    case $opt in
        --tables) number "$opt" "$val"; tables=$val ;;
        --rows) number "$opt" "$val"; rows=$val ;;
        --source-major) number "$opt" "$val"; source_major=$val ;;
        --jobs) number "$opt" "$val"; jobs=$val ;;
        --runs) number "$opt" "$val"; runs=$val ;;
        --shared-buffers) [[ $val =~ ^[0-9]+(kB|MB|GB)?$ ]] || die "--shared-buffers needs a size like 2GB"; shared_buffers=$val ;;
        --repo) [[ -d $val ]] || die "--repo: no directory $val"; repo=$(cd "$val" && pwd) ;;
        --regenerate) regenerate=1 ;;
        --regenerate-target) regenerate_target=1 ;;
        --no-build) build=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $1 ($usage)" ;;
    esac
    shift
done
command -v jq >/dev/null || die "jq is required"
command -v hyperfine >/dev/null || die "hyperfine is required (medians of the timed runs)"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=${repo:-$here}
shared=${PGPARITY_SHARED:-$here/../shared}
gen_schema=$shared/bench/gen_schema.sh
gen_rows=$shared/bench/gen_rows.sh
bench_dir=${PGPARITY_BENCH_DIR:-/var/tmp/pgparity-bench}
bin=${CARGO_TARGET_DIR:-$repo/target}/release/pgparity
workload_version=1 # bump when the workload below changes: cached clusters are then rebuilt
target_major=17
src_dir=$bench_dir/verify-src-pg$source_major-${tables}t-${rows}r-v$workload_version
tgt_dir=$bench_dir/verify-tgt-pg$target_major-from-${src_dir##*/}
run=$bench_dir/verify-run
results=$bench_dir/verify-results.txt

# shellcheck source-path=SCRIPTDIR source=../scripts/pg-env.sh
. "$here/scripts/pg-env.sh"
fetch() { # fetch WHAT: scripts/fetch-postgres.sh WHAT (a server major or client16)
    note "fetching PostgreSQL $1 with scripts/fetch-postgres.sh"
    "$here/scripts/fetch-postgres.sh" "$1" >&2 || die "scripts/fetch-postgres.sh $1 failed"
}
src_bin=$(pgp_server_bin "$source_major") || { fetch "$source_major"; src_bin=$(pgp_server_bin "$source_major") || die "no PostgreSQL $source_major server"; }
tgt_bin=$(pgp_server_bin "$target_major") || { fetch "$target_major"; tgt_bin=$(pgp_server_bin "$target_major") || die "no PostgreSQL $target_major server"; }
client_bin=$PGPARITY_PG_CACHE/client/16/bin
[[ -x $client_bin/pg_restore && -x $client_bin/psql ]] || fetch client16
for t in psql pg_dump pg_dumpall pg_restore; do
    [[ -x $client_bin/$t ]] || die "$client_bin/$t not found"
done
psql=$client_bin/psql

# --- 1. build ------------------------------------------------------------------------------
mkdir -p "$bench_dir" "$run"
exec 9>"$bench_dir/verify.lock"
flock -n 9 || die "another verify benchmark is running ($bench_dir/verify.lock)"
if ((build)); then
    note "cargo build --release in $repo"
    (cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed in $repo"
fi
[[ -x $bin ]] || die "$bin not found"
# A private copy: another build in a shared CARGO_TARGET_DIR must not swap it mid-benchmark.
cp "$bin" "$run/pgparity"
bin_from=$bin bin=$run/pgparity
have_verify=0
if "$bin" --help 2>/dev/null | grep -Eq '^[[:space:]]+verify([[:space:]]|$)'; then have_verify=1; fi

# --- 2. servers ----------------------------------------------------------------------------
as_pg=()
if ((EUID == 0)); then as_pg=(runuser -u postgres --); fi
src_data='' tgt_data='' src_started=0 tgt_started=0 partial='' dump_dir='' sock_root=''

pg_stop() { # pg_stop BIN DATA
    (cd / && "${as_pg[@]}" "$1/pg_ctl" -D "$2" -m fast -w stop >/dev/null)
}
cleanup() {
    local rc=$?
    # fast, not immediate: the cached clusters must not need crash recovery next time.
    if ((src_started)); then pg_stop "$src_bin" "$src_data" 2>/dev/null || note "warning: could not stop the source in $src_data"; fi
    if ((tgt_started)); then pg_stop "$tgt_bin" "$tgt_data" 2>/dev/null || note "warning: could not stop the target in $tgt_data"; fi
    if [[ -n $sock_root ]]; then rm -rf "$sock_root"; fi
    if [[ -n $dump_dir ]]; then rm -rf "$dump_dir"; fi
    if [[ -n $partial ]]; then rm -rf "$partial"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sock_root=$(mktemp -d /tmp/pgparity-verify-sock.XXXXXX)
mkdir "$sock_root/src" "$sock_root/tgt"
chmod 700 "$sock_root" "$sock_root/src" "$sock_root/tgt"
if ((EUID == 0)); then chown -R postgres: "$sock_root"; fi
src_port=$(pgp_free_port) || die "no free port"
tgt_port=$(pgp_free_port) || die "no free port"
while ((tgt_port == src_port)); do tgt_port=$(pgp_free_port) || die "no free port"; done
src_base="host=$sock_root/src port=$src_port user=postgres"
tgt_base="host=$sock_root/tgt port=$tgt_port user=postgres"
SRC="$src_base dbname=bench"
TGT="$tgt_base dbname=bench"

start_server() { # start_server src|tgt DATA_DIR
    local side=$1 data=$2 pgbin sock port
    if [[ $side == src ]]; then pgbin=$src_bin sock=$sock_root/src port=$src_port; else pgbin=$tgt_bin sock=$sock_root/tgt port=$tgt_port; fi
    (cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$data/../server.log" -w -t 300 \
        -o "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=$shared_buffers -c max_connections=30 -c autovacuum=off -c listen_addresses='' -c unix_socket_directories=$sock -p $port" \
        start >/dev/null) || { tail -n 20 "$data/../server.log" >&2 || true; die "pg_ctl start failed ($data)"; }
    if [[ $side == src ]]; then src_data=$data src_started=1; else tgt_data=$data tgt_started=1; fi
}
stop_server() { # stop_server src|tgt
    if [[ $1 == src ]]; then
        pg_stop "$src_bin" "$src_data" || die "pg_ctl stop failed ($src_data)"
        src_started=0
    else
        pg_stop "$tgt_bin" "$tgt_data" || die "pg_ctl stop failed ($tgt_data)"
        tgt_started=0
    fi
}
psql_q() { "$psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_v() { "$psql" -X -At -v ON_ERROR_STOP=1 "$@"; } # one value
new_partial() { # new_partial DIR: an empty DIR.partial owned by the server user, in $partial
    partial=$1.partial
    rm -rf "$partial"
    mkdir -p "$partial"
    chmod 700 "$partial"
    if ((EUID == 0)); then chown postgres: "$partial"; fi
}
initdb_in() { # initdb_in BIN DIR
    (cd / && "${as_pg[@]}" "$1/initdb" -D "$2/data" -U postgres -A trust -N >"$2/initdb.log" 2>&1) \
        || { cat "$2/initdb.log" >&2 || true; die "initdb failed ($2)"; }
}
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

generate_source() {
    [[ -r $gen_schema && -r $gen_rows ]] || die "generators not found in $shared/bench (set PGPARITY_SHARED)"
    rm -rf "$src_dir" "$tgt_dir"
    new_partial "$src_dir"
    local t0 t_schema t_rows t_vacuum
    note "generating the source: PostgreSQL $source_major in $partial (${tables} tables, $rows rows; this takes a while)"
    initdb_in "$src_bin" "$partial"
    start_server src "$partial/data"
    psql_q -d "$src_base dbname=postgres" -c 'CREATE DATABASE bench' || die "CREATE DATABASE bench failed"
    t0=$EPOCHREALTIME
    PATH=$client_bin:$PATH bash "$gen_schema" "$tables" "$src_base" --db bench || die "gen_schema.sh failed"
    t_schema=$(since "$t0")
    t0=$EPOCHREALTIME
    PATH=$client_bin:$PATH bash "$gen_rows" "$rows" "$src_base" --db bench --expect "$partial/expect.tsv" \
        || die "gen_rows.sh failed"
    t_rows=$(since "$t0")
    t0=$EPOCHREALTIME
    note "VACUUM (ANALYZE) of the source ..."
    psql_q -d "$SRC" -c 'VACUUM (ANALYZE)' || die "VACUUM (ANALYZE) failed"
    t_vacuum=$(since "$t0")
    local size
    size=$(psql_v -d "$SRC" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
    stop_server src
    echo "gen_schema.sh $tables ${t_schema} s, gen_rows.sh $rows ${t_rows} s, VACUUM (ANALYZE) ${t_vacuum} s; database bench $size" \
        >"$partial/generated.txt"
    date -u +%Y%m%dT%H%M%S.%N >"$partial/stamp"
    mv "$partial" "$src_dir"
    partial=''
    note "source generated: $(cat "$src_dir/generated.txt")"
}

generate_target() { # with the source started
    rm -rf "$tgt_dir"
    new_partial "$tgt_dir"
    local t0 t_dump t_restore t_hint
    note "generating the target: PostgreSQL $target_major in $partial, pg_dump -Fd -j 2 / pg_restore -j 2"
    initdb_in "$tgt_bin" "$partial"
    # Persistent, not only on the command line: whoever starts this cluster must not analyze it.
    echo "autovacuum = off # pgparity verify bench: the target stays never analyzed" >>"$partial/data/postgresql.conf"
    start_server tgt "$partial/data"
    # Roles first (owners and grantees of the restored objects); postgres exists already.
    "$client_bin/pg_dumpall" -r --no-role-passwords -d "$src_base dbname=postgres" -f "$partial/roles.sql" \
        || die "pg_dumpall -r failed"
    sed -i '/^CREATE ROLE postgres;$/d' "$partial/roles.sql"
    psql_q -d "$tgt_base dbname=postgres" -f "$partial/roles.sql" >/dev/null || die "restoring the roles failed"
    psql_q -d "$tgt_base dbname=postgres" -c 'CREATE DATABASE bench' || die "CREATE DATABASE bench failed on the target"
    dump_dir=$bench_dir/verify-dump.partial
    rm -rf "$dump_dir"
    t0=$EPOCHREALTIME
    note "pg_dump -Fd -j 2 -Z 0 ..."
    "$client_bin/pg_dump" -Fd -j 2 -Z 0 -f "$dump_dir" -d "$SRC" || die "pg_dump failed"
    t_dump=$(since "$t0")
    local dump_size
    dump_size=$(du -sh "$dump_dir" | cut -f1)
    t0=$EPOCHREALTIME
    note "pg_restore -j 2 ..."
    "$client_bin/pg_restore" -j 2 --exit-on-error -d "$TGT" "$dump_dir" || die "pg_restore failed"
    t_restore=$(since "$t0")
    rm -rf "$dump_dir"
    dump_dir=''
    # One count pass (sets hint bits, no ANALYZE, no VACUUM), written out by the checkpoint.
    t0=$EPOCHREALTIME
    awk -F'\t' '{ printf "SELECT count(*) FROM %s;\n", $1 }' "$src_dir/expect.tsv" >"$partial/count.sql"
    psql_q -d "$TGT" -f "$partial/count.sql" >/dev/null || die "the hint-bit pass over the target failed"
    psql_q -d "$TGT" -c CHECKPOINT || die "CHECKPOINT failed"
    t_hint=$(since "$t0")
    local size
    size=$(psql_v -d "$TGT" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
    stop_server tgt
    echo "pg_dump 16 -Fd -j 2 -Z 0 ${t_dump} s ($dump_size), pg_restore 16 -j 2 ${t_restore} s, hint-bit count pass ${t_hint} s; database bench $size, not analyzed" \
        >"$partial/generated.txt"
    cp "$src_dir/stamp" "$partial/source-stamp"
    mv "$partial" "$tgt_dir"
    partial=''
    note "target generated: $(cat "$tgt_dir/generated.txt")"
}

src_generated=0 tgt_generated=0
if ((regenerate)) || [[ ! -s $src_dir/generated.txt || ! -s $src_dir/expect.tsv ]]; then
    generate_source
    src_generated=1
else
    note "reusing the source in $src_dir (--regenerate to rebuild)"
fi
start_server src "$src_dir/data"
if ((regenerate || regenerate_target || src_generated)) || [[ ! -s $tgt_dir/generated.txt ]] \
    || ! cmp -s "$src_dir/stamp" "$tgt_dir/source-stamp"; then
    generate_target
    tgt_generated=1
else
    note "reusing the target in $tgt_dir (--regenerate-target to rebuild)"
fi
start_server tgt "$tgt_dir/data"
expect=$src_dir/expect.tsv
src_version=$(psql_v -d "$SRC" -c 'SHOW server_version')
tgt_version=$(psql_v -d "$TGT" -c 'SHOW server_version')
src_size=$(psql_v -d "$SRC" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
tgt_size=$(psql_v -d "$TGT" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
# Pages marked all-visible (VACUUM sets them, a restore does not): count(*) of a big table on
# the VACUUMed source is a parallel index-only scan, on the restored target a scan of the heap.
all_visible_sql="SELECT round(100.0 * sum(c.relallvisible) / nullif(sum(c.relpages), 0)) || '% of '
    || pg_size_pretty(sum(pg_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
src_visible=$(psql_v -d "$SRC" -c "$all_visible_sql")
tgt_visible=$(psql_v -d "$TGT" -c "$all_visible_sql")
tgt_unanalyzed=$(psql_v -d "$TGT" -c "SELECT count(*) FILTER (WHERE s.last_analyze IS NULL AND s.last_autoanalyze IS NULL) || ' of ' || count(*)
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE c.relkind = 'r'")

# --- 3. the psql baselines -------------------------------------------------------------------
# The tables, as the server sees them, must be those of expect.tsv.
tables_sql="SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')"
cut -f1 "$expect" | sort >"$run/expect-tables.txt"
for side in src tgt; do
    if [[ $side == src ]]; then c=$SRC; else c=$TGT; fi
    psql_v -d "$c" -c "$tables_sql" | sort >"$run/$side-tables.txt"
    cmp -s "$run/expect-tables.txt" "$run/$side-tables.txt" \
        || die "the tables of bench on the $side server are not those of $expect (diff $run/expect-tables.txt $run/$side-tables.txt)"
done
ntables=$(wc -l <"$expect")
expect_total=$(awk -F'\t' '{ s += $2 } END { print s }' "$expect")

# SQL: one count per line; the tables split into $jobs shares of about equal size (largest
# first, each to the share with the fewest bytes so far; sizes from the source's catalog).
sql=$run/sql
rm -rf "$sql"
mkdir "$sql"
psql_v -F $'\t' -d "$SRC" -c "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_relation_size(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN ($(
    awk -F'\t' '{ printf "%s'\''%s'\''::regclass", (NR > 1 ? ", " : ""), $1 }' "$expect"))" \
    | sort -t $'\t' -k2,2nr -k1,1 >"$sql/sizes.tsv"
awk -F'\t' '{ printf "SELECT '\''%s'\'', count(*) FROM %s;\n", $1, $1 }' "$sql/sizes.tsv" >"$sql/all.sql"
awk -F'\t' -v n="$jobs" -v dir="$sql" '
    BEGIN { for (k = 1; k <= n; k++) { load[k] = 0; printf "" > (dir "/part-" k ".sql") } }
    { best = 1; for (k = 2; k <= n; k++) if (load[k] < load[best]) best = k
      load[best] += $2 + 8192
      printf "SELECT '\''%s'\'', count(*) FROM %s;\n", $1, $1 > (dir "/part-" best ".sql") }' "$sql/sizes.tsv"

# count.sh FORM CONN OUT [CONN OUT]: the baseline, on one server or on two at the same time.
cat >"$run/count.sh" <<EOF
#!/usr/bin/env bash
# Generated by benches/verify.sh: exact counts of the bench tables with psql.
# count.sh sessions|per-table CONN OUT [CONN OUT]; with two pairs both servers are counted at once.
set -euo pipefail
psql=$(printf %q "$psql") sql=$(printf %q "$sql") jobs=$jobs
EOF
cat >>"$run/count.sh" <<'EOF'
count_one() { # count_one FORM CONN OUT
    local form=$1 conn=$2 out=$3 k rc=0 pids=()
    case $form in
        per-table)
            xargs -d '\n' -n 1 -P "$jobs" "$psql" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -d "$conn" -c \
                <"$sql/all.sql" >"$out" ;;
        sessions)
            for ((k = 1; k <= jobs; k++)); do
                "$psql" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -d "$conn" -f "$sql/part-$k.sql" >"$out.$k" &
                pids+=($!)
            done
            for k in "${pids[@]}"; do wait "$k" || rc=1; done
            ((rc == 0)) || return 1
            for ((k = 1; k <= jobs; k++)); do cat "$out.$k"; done >"$out" ;;
        *) echo "count.sh: unknown form $form" >&2; return 2 ;;
    esac
}
form=$1
shift
if (($# == 2)); then count_one "$form" "$1" "$2"; exit; fi
count_one "$form" "$1" "$2" & a=$!
count_one "$form" "$3" "$4" & b=$!
rc=0
wait "$a" || rc=1
wait "$b" || rc=1
exit "$rc"
EOF
chmod +x "$run/count.sh"

sort "$expect" >"$run/expect-sorted.tsv"
check_counts() { # check_counts OUT WHAT: OUT must hold the counts of expect.tsv, else abort
    sort "$1" >"$1.sorted"
    cmp -s "$run/expect-sorted.tsv" "$1.sorted" || {
        diff "$run/expect-sorted.tsv" "$1.sorted" | head -n 20 >&2 || true
        die "$2: the counts differ from $expect (above: < expected, > counted)"
    }
}

note "warming the caches: one count pass on each server (checked against expect.tsv)"
t0=$EPOCHREALTIME
bash "$run/count.sh" sessions "$SRC" "$run/warm-src.tsv" || die "the warm-up pass on the source failed"
warm_src=$(since "$t0")
check_counts "$run/warm-src.tsv" "warm-up pass, source"
t0=$EPOCHREALTIME
bash "$run/count.sh" sessions "$TGT" "$run/warm-tgt.tsv" || die "the warm-up pass on the target failed"
warm_tgt=$(since "$t0")
check_counts "$run/warm-tgt.tsv" "warm-up pass, target"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
q() { printf '%q' "$1"; }
# The machine may be shared (another session compiling Rust): what other processes took of the
# CPUs during a timing is measured, not guessed. cpu_ticks SHELL_PID prints "WALL BUSY OURS":
# the wall clock, busy ticks of all CPUs (/proc/stat) and ticks of this benchmark: the children
# that shell has reaped (hyperfine and whatever it ran) and the two servers (each postmaster
# with the backends and parallel workers it has reaped; between timings only its background
# processes run).
hz=$(getconf CLK_TCK)
ncpu=$(nproc)
cpu_ticks() {
    local pid ours=0 f
    read -r -a f <"/proc/$1/stat"
    ours=$((f[13] + f[14] + f[15] + f[16]))
    for pid in "$(head -n 1 "$src_data/postmaster.pid")" "$(head -n 1 "$tgt_data/postmaster.pid")"; do
        read -r -a f <"/proc/$pid/stat"
        ours=$((ours + f[13] + f[14] + f[15] + f[16]))
    done
    read -r -a f </proc/stat
    echo "$EPOCHREALTIME $((f[1] + f[2] + f[3] + f[6] + f[7] + f[8])) $ours"
}
time_it() { # time_it NAME OK_CODES COMMAND-LINE: hyperfine; prints the median
    local name=$1 ok=$2 cmd=$3 bad before after me=$BASHPID
    before=$(cpu_ticks "$me")
    hyperfine --shell=bash --warmup 1 --runs "$runs" --ignore-failure --style basic \
        --export-json "$run/$name.hyperfine.json" -n "$name" "$cmd" >&2 \
        || die "hyperfine failed for $name"
    after=$(cpu_ticks "$me")
    # Share of all CPUs used by other processes during this timing, in percent.
    awk -v b="$before" -v a="$after" -v hz="$hz" -v n="$ncpu" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        other = (y[2] - x[2]) - (y[3] - x[3]); if (other < 0) other = 0
        printf "%.0f\n", 100 * other / hz / ((y[1] - x[1]) * n) }' >"$run/$name.other-cpu"
    # --ignore-failure accepts every exit code: check them here.
    bad=$(jq -r --arg ok "$ok" '[.results[0].exit_codes[]
            | select(. as $c | $ok | split(" ") | map(tonumber) | any(. == $c) | not)]
        | unique | map(tostring) | join(" ")' "$run/$name.hyperfine.json")
    [[ -z $bad ]] || die "$name exited $bad during timing (command: $cmd)"
    jq -r '.results[0].median' "$run/$name.hyperfine.json"
}
declare -A med
count_cmd="bash $(q "$run/count.sh")"
for form in sessions per-table; do
    note "timing psql, $form: source, target, both at once"
    med[$form-src]=$(time_it "$form-src" 0 "$count_cmd $form $(q "$SRC") $(q "$run/$form-src.tsv")")
    check_counts "$run/$form-src.tsv" "$form, source"
    med[$form-tgt]=$(time_it "$form-tgt" 0 "$count_cmd $form $(q "$TGT") $(q "$run/$form-tgt.tsv")")
    check_counts "$run/$form-tgt.tsv" "$form, target"
    med[$form-both]=$(time_it "$form-both" 0 \
        "$count_cmd $form $(q "$SRC") $(q "$run/$form-both-src.tsv") $(q "$TGT") $(q "$run/$form-both-tgt.tsv")")
    check_counts "$run/$form-both-src.tsv" "$form, both at once, source"
    check_counts "$run/$form-both-tgt.tsv" "$form, both at once, target"
done
best_form=$(awk -v s="${med[sessions-both]}" -v p="${med[per-table-both]}" 'BEGIN { print (s <= p ? "sessions" : "per-table") }')
best=${med[$best_form-both]}

# --- 4. pgparity verify ----------------------------------------------------------------------
verify_median='' verify_rc='' verify_note='' verify_checked='' verify_found=''
# check_verify_counts JSON: verify's own counts (.tables[] of kind table: schema, name,
# source_rows, target_rows) must be those of expect.tsv; skipped, with a note, if the report
# does not have that shape.
check_verify_counts() {
    local side
    if ! jq -e '[.tables[]? | select(.kind == "table")] | length > 0' "$1" >/dev/null 2>&1; then
        verify_checked="not checked: no .tables[] of kind table in its JSON"
        return
    fi
    for side in source target; do
        jq -r --arg side "$side" '.tables[] | select(.kind == "table")
            | "\(.schema).\(.name)\t\(.[$side + "_rows"])"' "$1" >"$1.$side.tsv"
        check_counts "$1.$side.tsv" "pgparity verify ($1), ${side}_rows"
    done
    verify_checked="its source_rows and target_rows equal expect.tsv for all $ntables tables"
}
verify_cmd=("$bin" verify "$SRC" "$TGT" --jobs "$jobs" --format json)
if ((have_verify)); then
    note "pgparity verify: one checked run, then timing"
    verify_rc=0
    "${verify_cmd[@]}" >"$run/verify.json" 2>"$run/verify.stderr" || verify_rc=$?
    if ((verify_rc != 0 && verify_rc != 1)); then
        cat "$run/verify.stderr" >&2
        die "pgparity verify exited $verify_rc (2: it could not do its job): ${verify_cmd[*]}"
    fi
    if ! jq -e . "$run/verify.json" >/dev/null 2>&1; then verify_note="its output is not valid JSON (see $run/verify.json)"; fi
    if ((verify_rc == 1)); then
        verify_note="${verify_note:+$verify_note; }it exited 1 (mismatches) although every psql count matches expect.tsv on both sides (see $run/verify.json)"
    fi
    check_verify_counts "$run/verify.json"
    printf -v cmd '%q ' "${verify_cmd[@]}"
    verify_median=$(time_it verify "0 1" "$cmd> $(q "$run/verify-timed.json")")
    check_verify_counts "$run/verify-timed.json"
    verify_found=$(jq -r '([.summary // {} | to_entries[] | "\(.value) \(.key)"] | join(", "))
        + " (" + ([.findings // [] | group_by(.code)[] | "\(length) \(.[0].code)"] | join(", ")) + ")"' \
        "$run/verify.json" 2>/dev/null) || verify_found=''
else
    verify_note="not measured: $run/pgparity (copied from ${bin_from}) has no \`verify\` command (pgparity --help); rerun when it lands (or, if $repo has it, another checkout sharing the target directory may have replaced the binary: see CARGO_TARGET_DIR)"
    note "$verify_note"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 5. summary ----------------------------------------------------------------------------
other_cpu='' other_max=0
for name in sessions-src sessions-tgt sessions-both per-table-src per-table-tgt per-table-both verify; do
    [[ -s $run/$name.other-cpu ]] || continue
    if [[ $run/$name.other-cpu -ot $run/warm-src.tsv ]]; then continue; fi # from an earlier run
    pct=$(cat "$run/$name.other-cpu")
    other_cpu+="${other_cpu:+, }$name $pct%"
    if ((pct > other_max)); then other_max=$pct; fi
done
fmt() { awk -v v="$1" 'BEGIN { printf "%7.3f s", v }'; }
{
    echo "verify benchmark: $ntables tables, $expect_total rows (database bench), --jobs $jobs"
    echo "  source:  PostgreSQL $src_version, $src_size, VACUUM (ANALYZE)d; $src_dir ($( ((src_generated)) && echo "generated now" || echo cached)): $(cat "$src_dir/generated.txt")"
    echo "  target:  PostgreSQL $tgt_version, $tgt_size, $tgt_unanalyzed tables never analyzed; $tgt_dir ($( ((tgt_generated)) && echo "generated now" || echo cached)): $(cat "$tgt_dir/generated.txt")"
    echo "  heaps:   all-visible pages: source $src_visible, target $tgt_visible (an index-only count(*) needs them)"
    echo "  servers: fsync=off, shared_buffers=$shared_buffers, autovacuum=off, max_connections=30, Unix sockets; psql $("$psql" --version | awk '{ print $NF }')"
    echo "  timer:   hyperfine $(hyperfine --version | awk '{ print $2 }'), 1 warmup, $runs runs; medians. Warm-up pass (sessions): source $warm_src s, target $warm_tgt s"
    echo "  load:    $load_before before, $load_after after ($ncpu CPUs); CPU share other processes took during each timing: $other_cpu"
    if ((other_max > 10)); then
        echo "  WARNING: other processes took up to $other_max% of the CPUs during the timings: the medians above are inflated by it; rerun when the machine is quiet"
    fi
    echo "  commit:  $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown) ($repo)"
    echo
    printf '  %-44s %10s %10s %12s\n' "median" "source" "target" "both at once"
    printf '  %-44s %10s %10s %12s\n' "psql, tables split over $jobs sessions" \
        "$(fmt "${med[sessions-src]}")" "$(fmt "${med[sessions-tgt]}")" "$(fmt "${med[sessions-both]}")"
    printf '  %-44s %10s %10s %12s\n' "psql, one per table (xargs -P $jobs)" \
        "$(fmt "${med[per-table-src]}")" "$(fmt "${med[per-table-tgt]}")" "$(fmt "${med[per-table-both]}")"
    printf '  %-44s %10s %10s %12s\n' "best baseline (both at once): $best_form" "" "" "$(fmt "$best")"
    if [[ -n $verify_median ]]; then
        printf '  %-44s %10s %10s %12s\n' "pgparity verify --jobs $jobs --format json" "" "" "$(fmt "$verify_median")"
        echo
        echo "  verify / best baseline: $(awk -v a="$verify_median" -v b="$best" 'BEGIN { printf "%.2f", a / b }')x; verify exit code $verify_rc; ${verify_checked}"
        if [[ -n $verify_found ]]; then echo "  verify found: $verify_found"; fi
    fi
    if [[ -n $verify_note ]]; then echo "  pgparity verify: $verify_note"; fi
    echo "  every baseline pass counted the rows of $expect exactly; details in $run"
} | tee "$results"
