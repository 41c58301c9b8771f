#!/usr/bin/env bash
# benches/objects.sh - benchmark the schema-object introspection of `pgparity snapshot` against
# `pg_dump -s` of the same database, and `pgparity diff` of two such snapshots (issue #4).
#
# Targets (issue #4): introspecting a database of 10,000 tables (~100,000 columns, ~20,000
# indexes) takes at most half the wall time of `pg_dump -s` of that database; diffing two such
# snapshots takes under a second.
#
# Usage: benches/objects.sh [--tables N] [--drift PCT] [--seed S] [--warmup N] [--runs N]
#                           [--regenerate] [--baselines-only] [--allow-no-objects]
#   --tables N          tables made by gen_schema.sh in each database (default 10000)
#   --drift PCT         gen_schema.sh --drift of cluster b (default 1)
#   --seed S            gen_schema.sh --seed of both (default 42)
#   --warmup N          hyperfine warmup runs per command (default 2)
#   --runs N            hyperfine timed runs per command (default 5)
#   --regenerate        rebuild both cached clusters even if they exist
#   --baselines-only    time pg_dump -s only (no pgparity binary needed)
#   --allow-no-objects  time a build whose snapshot has no schema objects anyway (a reference
#                       figure only; by default such a build is refused)
#
# Environment:
#   PGPARITY            the binary to time (default: target/release/pgparity of the checkout
#                       holding this script). Not built here: build it first, for example
#                       CARGO_TARGET_DIR=/some/dir cargo build --release, PGPARITY=/some/dir/release/pgparity
#   PGPARITY_SHARED     the shared/ folder with bench/gen_schema.sh (default: <repo>/../shared)
#   PGPARITY_BENCH_DIR  cache and results (default: /var/tmp/pgparity-bench)
#   PGPARITY_PG_CACHE, PGPARITY_PG_USER, PGPARITY_SYSTEM_PG: see scripts/pg-env.sh
#
# Workload, made once and cached in $PGPARITY_BENCH_DIR/objects-a and objects-b (reused while
# the parameters and gen_schema.sh are unchanged): two PostgreSQL 15 clusters, each with one
# database `bench` made by `gen_schema.sh N --seed S`, the second with `--drift PCT` (its
# drift report, one line per drifted table, in objects-b/drift.tsv), then `vacuumdb --all
# --analyze` so that catalog statistics do not depend on when autovacuum ran.
# Servers: fsync=off, autovacuum=off, shared_buffers=256MB; the lock table, jit (on) and the rest
# at their defaults, as on a real server: pg_dump -s of 10,000 tables fits in the default lock
# table (max_connections 100 x max_locks_per_transaction 64), and a snapshot must too (7c42c17,
# which locked each of the 10,400 sequences until its transaction ended, failed "out of shared
# memory" there: such a snapshot records the database as unread, and this benchmark aborts).
# Unix socket in a private directory, no TCP; run as the postgres OS user when this script runs
# as root; started on each run, stopped on exit (fast, never immediate).
#
# Each run: the catalog size of both databases; one checked run of each pgparity command
# (the snapshot must hold `databases.bench.contents.objects` with every table; the diff must
# exit 0 or 1 and its findings must name every table of the drift report); peak RSS of one
# run each (/usr/bin/time -v); then hyperfine --warmup W --runs R of
#   - pg_dump -s -d bench -f /dev/null              (cluster a, cluster b)
#   - pgparity snapshot CONN -o FILE.json           (cluster a, cluster b; the snapshot reads
#                                                    the whole server: bench and postgres)
#   - pgparity diff a.json b.json --format json > FILE
# Medians, the ratio snapshot / pg_dump -s and the diff time against the targets, the load
# average before each timing and the share of the CPUs other processes took during it (the
# machine may be shared: compare runs made under the same load).
# Results: $PGPARITY_BENCH_DIR/objects-results.txt (the summary), .json (hyperfine's results of
# every command, and the summary) and .md (a table of the timings, and the summary); outputs of
# the runs in $PGPARITY_BENCH_DIR/objects-run.
# Exit status: 0 when everything was measured (whether or not the targets are met), 2 when the
# benchmark could not run (including a binary whose snapshot has no objects).
set -euo pipefail

die() { echo "objects-bench: $*" >&2; exit 2; }
note() { echo "objects-bench: $*" >&2; }

tables=10000 drift=1 seed=42 warmup=2 runs=5 regenerate=0 baselines_only=0 allow_no_objects=0
usage="usage: $0 [--tables N] [--drift PCT] [--seed S] [--warmup N] [--runs N] [--regenerate] [--baselines-only] [--allow-no-objects]"
number() { # number OPTION VALUE: dies unless VALUE is a non-negative integer
    [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a number, not '$2' ($usage)"
}
while (($#)); do
    opt=$1 val=''
    case $opt in
        --*=*) val=${opt#*=} opt=${opt%%=*} ;;
        --tables | --drift | --seed | --warmup | --runs)
            (($# >= 2)) || die "$opt needs a value ($usage)"
            val=$2
            shift ;;
    esac
    case $opt in
        --tables) number "$opt" "$val"; ((val > 0)) || die "--tables must be positive"; tables=$val ;;
        --drift)
            if ! [[ $val =~ ^[0-9]+(\.[0-9]+)?$ ]] || [[ $val =~ ^0+(\.0+)?$ ]]; then die "--drift needs a positive percentage, not '$val'"; fi
            drift=$val ;;
        --seed) number "$opt" "$val"; seed=$val ;;
        --warmup) number "$opt" "$val"; warmup=$val ;;
        --runs) number "$opt" "$val"; ((val >= 2)) || die "--runs must be at least 2"; runs=$val ;;
        --regenerate) regenerate=1 ;;
        --baselines-only) baselines_only=1 ;;
        --allow-no-objects) allow_no_objects=1 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $1 ($usage)" ;;
    esac
    shift
done

# `pgparity ... -o /dev/null` run as root replaces /dev/null with a regular file (outputs are
# written atomically: temporary file + rename); the servers then fail obscurely. pgparity's
# outputs below go to regular files, and /dev/null is checked first.
[[ -c /dev/null ]] || die "/dev/null is not a character device (restore: rm /dev/null && mknod -m 666 /dev/null c 1 3)"
command -v jq >/dev/null || die "jq is required"
command -v hyperfine >/dev/null || die "hyperfine is required"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is required for the peak RSS"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${PGPARITY_SHARED:-$repo/../shared}
gen_schema=$shared/bench/gen_schema.sh
[[ -r $gen_schema ]] || die "$gen_schema not found (set PGPARITY_SHARED)"
bench_dir=${PGPARITY_BENCH_DIR:-/var/tmp/pgparity-bench}
run=$bench_dir/objects-run
results=$bench_dir/objects-results
pg_major=15
workload_version=1 # bump when the workload below changes: cached clusters are then rebuilt

# shellcheck disable=SC2034 # read by the helpers of scripts/pg-env.sh (pgp_die)
PGP_PROG=objects-bench
# shellcheck source-path=SCRIPTDIR source=../scripts/pg-env.sh
. "$repo/scripts/pg-env.sh"
server_bin=$(pgp_server_bin "$pg_major") || die "no PostgreSQL $pg_major server (in $PGPARITY_SYSTEM_PG/$pg_major/bin or the cache)"
client_bin=$(pgp_client_bin "$pg_major") || die "no PostgreSQL $pg_major client tools"
for t in psql pg_dump vacuumdb; do [[ -x $client_bin/$t ]] || die "$client_bin/$t not found"; done
psql=$client_bin/psql pg_dump=$client_bin/pg_dump

mkdir -p "$bench_dir" "$run"
exec 9>"$bench_dir/objects.lock"
flock -n 9 || die "another objects benchmark is running ($bench_dir/objects.lock)"

# --- 1. the binary ---------------------------------------------------------------------------
bin=''
if ((!baselines_only)); then
    bin=${PGPARITY:-$repo/target/release/pgparity}
    [[ -x $bin ]] || die "no pgparity binary at $bin (build it, or set PGPARITY)"
    bin_from=$(realpath "$bin")
    # A private copy: another build into the same target directory must not swap it mid-run.
    cp "$bin" "$run/pgparity"
    bin=$run/pgparity
    "$bin" snapshot --help >/dev/null 2>&1 || die "$bin_from has no \`snapshot\` command"
    "$bin" diff --help >/dev/null 2>&1 || die "$bin_from has no \`diff\` command"
fi

# --- 2. the servers --------------------------------------------------------------------------
declare -A data=() started=() port=() sock=()
sock_root='' partial=''
pg_stop() { # pg_stop DATA_DIR
    (cd / && pgp_as_pg "$server_bin/pg_ctl" -D "$1" -m fast -w stop >/dev/null)
}
cleanup() {
    local rc=$? side
    for side in "${!started[@]}"; do
        if ((started[$side])); then
            pg_stop "${data[$side]}" 2>/dev/null || note "warning: could not stop the server in ${data[$side]}"
        fi
    done
    if [[ -n $sock_root ]]; then rm -rf "$sock_root"; fi
    if [[ -n $partial ]]; then rm -rf "$partial"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sock_root=$(mktemp -d /tmp/pgparity-objects-sock.XXXXXX)
for side in a b; do
    sock[$side]=$sock_root/$side
    mkdir "${sock[$side]}"
    port[$side]=$(pgp_free_port) || die "no free port"
    started[$side]=0
done
while ((port[b] == port[a])); do port[b]=$(pgp_free_port) || die "no free port"; done
chmod 700 "$sock_root" "${sock[a]}" "${sock[b]}"
pgp_chown_pg "$sock_root"
base() { echo "host=${sock[$1]} port=${port[$1]} user=postgres"; }
conn() { echo "$(base "$1") dbname=bench"; }

start_server() { # start_server a|b DATA_DIR
    local side=$1
    data[$side]=$2
    (cd / && pgp_as_pg "$server_bin/pg_ctl" -D "$2" -l "$2/../server.log" -w -t 300 \
        -o "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c autovacuum=off -c shared_buffers=256MB -c listen_addresses='' -c unix_socket_directories=${sock[$side]} -p ${port[$side]}" \
        start >/dev/null) || { tail -n 20 "$2/../server.log" >&2 || true; die "pg_ctl start failed ($2)"; }
    started[$side]=1
}
stop_server() { # stop_server a|b
    pg_stop "${data[$1]}" || die "pg_ctl stop failed (${data[$1]})"
    started[$1]=0
}

# What the cached cluster of a side was made from; a different one is rebuilt.
workload() { # workload a|b
    local d=0
    if [[ $1 == b ]]; then d=$drift; fi
    echo "v$workload_version: gen_schema.sh $tables --seed $seed --drift $d, PostgreSQL $pg_major, gen_schema.sh sha256 $(sha256sum <"$gen_schema" | cut -c1-16)"
}

generate() { # generate a|b
    local side=$1 dir=$bench_dir/objects-$1 t0 t1 t2 args=()
    rm -rf "$dir"
    partial=$dir.partial
    rm -rf "$partial"
    mkdir -p "$partial"
    chmod 700 "$partial"
    pgp_chown_pg "$partial"
    if [[ $side == b ]]; then args=(--drift "$drift" --drift-report "$partial/drift.tsv"); fi
    note "generating cluster $side in $partial: gen_schema.sh $tables --seed $seed ${args[*]:0:2} (slow)"
    t0=$EPOCHREALTIME
    (cd / && pgp_as_pg "$server_bin/initdb" -D "$partial/data" -U postgres -A trust -N \
        >"$partial/initdb.log" 2>&1) || { cat "$partial/initdb.log" >&2 || true; die "initdb failed"; }
    start_server "$side" "$partial/data"
    PATH=$client_bin:$PATH bash "$gen_schema" "$tables" "$(base "$side")" --db bench --recreate \
        --seed "$seed" "${args[@]}" || die "gen_schema.sh failed for cluster $side"
    t1=$EPOCHREALTIME
    "$client_bin/vacuumdb" --all --analyze --quiet -h "${sock[$side]}" -p "${port[$side]}" -U postgres \
        || die "vacuumdb --all --analyze failed for cluster $side"
    t2=$EPOCHREALTIME
    stop_server "$side"
    workload "$side" >"$partial/workload.txt"
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
        printf "initdb + gen_schema.sh %.0f s, vacuumdb --analyze %.0f s (load after: %s)\n", b - a, c - b, l }' \
        >"$partial/generated.txt"
    mv "$partial" "$dir"
    partial=''
    note "cluster $side generated: $(cat "$dir/generated.txt")"
}

for side in a b; do
    dir=$bench_dir/objects-$side
    if ((regenerate)) || [[ ! -s $dir/generated.txt ]] || [[ "$(cat "$dir/workload.txt" 2>/dev/null)" != "$(workload "$side")" ]]; then
        generate "$side"
    else
        note "reusing cluster $side in $dir (--regenerate to rebuild)"
    fi
done
for side in a b; do start_server "$side" "$bench_dir/objects-$side/data"; done
drift_report=$bench_dir/objects-b/drift.tsv
[[ -s $drift_report ]] || die "$drift_report is missing or empty: rerun with --regenerate"

psql_v() { "$psql" -X -At -v ON_ERROR_STOP=1 "$@"; }
server_version=$(psql_v -d "$(conn a)" -c 'SHOW server_version')
jit=$(psql_v -d "$(conn a)" -c "SELECT current_setting('jit') || ', ' || CASE WHEN pg_jit_available() THEN 'available' ELSE 'not available' END")

# The catalog of bench, as the server counts it: user schemas, objects of extensions left out.
size_sql="WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
        AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'),
    ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
    rel AS (SELECT c.oid, c.relkind FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
        AND (c.tableoid, c.oid) NOT IN (SELECT classid, objid FROM ext))
SELECT row_to_json(x) FROM (SELECT
    (SELECT count(*) FROM ns) AS schemas,
    (SELECT count(*) FROM rel WHERE relkind IN ('r', 'p', 'f')) AS tables,
    (SELECT count(*) FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid
        WHERE rel.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
    (SELECT count(*) FROM rel WHERE relkind IN ('i', 'I')) AS indexes,
    (SELECT count(*) FROM pg_index i JOIN rel ON rel.oid = i.indexrelid
        WHERE EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))) AS constraint_indexes,
    (SELECT count(*) FROM pg_constraint co JOIN rel ON rel.oid = co.conrelid) AS constraints,
    (SELECT count(*) FROM rel WHERE relkind = 'v') AS views,
    (SELECT count(*) FROM rel WHERE relkind = 'm') AS matviews,
    (SELECT count(*) FROM rel WHERE relkind = 'S') AS sequences,
    (SELECT count(*) FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
        AND (p.tableoid, p.oid) NOT IN (SELECT classid, objid FROM ext)) AS functions,
    (SELECT count(*) FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid WHERE NOT t.tgisinternal) AS triggers,
    (SELECT count(*) FROM pg_type ty WHERE ty.typnamespace IN (SELECT oid FROM ns) AND ty.typtype IN ('e', 'd', 'r')
        AND (ty.tableoid, ty.oid) NOT IN (SELECT classid, objid FROM ext)) AS types,
    (SELECT pg_size_pretty(pg_database_size('bench'))) AS database_size) x"
declare -A size=()
for side in a b; do
    psql_v -d "$(conn "$side")" -c "$size_sql" >"$run/catalog-$side.json" || die "the catalog size query failed on $side"
    size[$side]=$(jq -r '"\(.tables) tables, \(.columns) columns, \(.indexes) indexes (\(.constraint_indexes) of them of PRIMARY KEY/UNIQUE constraints), \(.constraints) constraints, \(.views) views, \(.matviews) materialized views, \(.sequences) sequences, \(.functions) functions and procedures, \(.triggers) triggers, \(.types) enum/domain/range types, \(.schemas) schemas; \(.database_size)"' "$run/catalog-$side.json")
    note "catalog $side: ${size[$side]}"
done

# --- 3. one checked run of each command, and its peak RSS --------------------------------------
# rss NAME COMMAND...: runs COMMAND under /usr/bin/time -v; its stdout to $run/NAME.out; exit code in $rc
rss_kb() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$run/$1.time"; }
checked() { # checked NAME OK_CODES COMMAND...: one run, peak RSS in $run/NAME.time; dies on another exit code
    local name=$1 ok=$2 rc=0
    shift 2
    /usr/bin/time -v -o "$run/$name.time" "$@" >"$run/$name.out" 2>"$run/$name.stderr" || rc=$?
    if [[ " $ok " != *" $rc "* ]]; then
        tail -n 20 "$run/$name.stderr" >&2 || true
        die "$name exited $rc: $*"
    fi
}
dump_cmd() { echo "$pg_dump" -s -d "$(conn "$1")" -f /dev/null; }
for side in a b; do
    checked "pg_dump-s-$side" 0 "$pg_dump" -s -d "$(conn "$side")" -f "$run/schema-$side.sql"
done
dump_size=$(du -h "$run/schema-a.sql" | cut -f1)

has_objects=0 snapshot_check='' diff_found='' drift_check=''
if ((!baselines_only)); then
    for side in a b; do
        checked "snapshot-$side" 0 "$bin" snapshot "$(conn "$side")" -o "$run/$side.json"
        jq -e . "$run/$side.json" >/dev/null 2>&1 || die "the snapshot of $side is not valid JSON ($run/$side.json)"
        # A database the snapshot could not read is recorded, not fatal to it: it is to us.
        unread=$(jq -r '.databases.bench.unread // empty' "$run/$side.json")
        [[ -z $unread ]] || die "the snapshot of $side could not read database bench: $unread ($run/$side.json)"
    done
    if jq -e '.databases.bench.contents.objects | type == "object"' "$run/a.json" >/dev/null; then
        has_objects=1
    elif ((allow_no_objects)); then
        note "WARNING: $bin_from writes no databases.bench.contents.objects (a build without object introspection): timed as a reference only"
    else
        die "$bin_from is an older build: its snapshot has no databases.bench.contents.objects ($run/a.json); build a checkout with src/introspect/objects.rs, or pass --allow-no-objects for a reference figure"
    fi
    if ((has_objects)); then
        # What the snapshot holds, against the server's own count.
        objects_jq='.databases.bench.contents.objects | {tables: (.tables | length),
            columns: ([.tables[].columns | length] | add),
            indexes: ([.tables[].indexes | length] | add),
            constraints: ([.tables[].constraints | length] | add),
            triggers: ([.tables[].triggers | length] | add),
            views: (.views | length), sequences: (.sequences | length),
            functions: (.functions | length), types: (.types | length), schemas: (.schemas | length)}'
        for side in a b; do
            jq "$objects_jq" "$run/$side.json" >"$run/objects-$side.json"
            [[ $(jq -r .tables "$run/objects-$side.json") == "$(jq -r .tables "$run/catalog-$side.json")" ]] \
                || die "the snapshot of $side holds $(jq -r .tables "$run/objects-$side.json") tables, the server $(jq -r .tables "$run/catalog-$side.json") ($run/$side.json)"
        done
        # Columns, views (with materialized ones), functions and triggers must match exactly;
        # indexes and constraints are printed (the model keeps constraint indexes as constraints).
        snapshot_check=$(jq -rn --slurpfile s "$run/objects-a.json" --slurpfile c "$run/catalog-a.json" '
            $s[0] as $s | $c[0] as $c
            | [["columns", $s.columns, $c.columns], ["views", $s.views, $c.views + $c.matviews],
               ["functions", $s.functions, $c.functions], ["triggers", $s.triggers, $c.triggers]]
            | map(select(.[1] != .[2]) | "\(.[0]) \(.[1]) in the snapshot, \(.[2]) on the server")
            | if length == 0 then "tables, columns, views, functions and triggers all equal to the server'"'"'s count"
              else "MISMATCH: " + join("; ") end
            | . + " (snapshot: \($s.indexes) indexes and \($s.constraints) constraints on tables, \($s.sequences) sequences, \($s.types) types)"')
        note "snapshot a: $snapshot_check"
    fi
    diff_cmd=("$bin" diff "$run/a.json" "$run/b.json" --format json)
    checked diff "0 1" "${diff_cmd[@]}"
    jq -e '.findings | type == "array"' "$run/diff.out" >/dev/null 2>&1 \
        || die "pgparity diff did not print a JSON report with findings ($run/diff.out)"
    diff_found=$(jq -r '.findings | group_by(.code) | sort_by(-length)[] | "\(length)\t\(.[0].code)"' "$run/diff.out")
    # Every drifted table (objects-b/drift.tsv: schema.table, kind) must be named by a finding:
    # the table itself, its view v_<table>, its functions <table>_recent/_count, its grants.
    drift_check=$(jq -rn --rawfile d "$drift_report" --slurpfile r "$run/diff.out" '
        [$d | split("\n")[] | select(length > 0) | split("\t") | {t: (.[0] | split(".")[1]), kind: .[1]}] as $drift
        | [$r[0].findings[] | (.object.name // "")] as $names
        | [$drift[] | select(.t as $t | any($names[]; contains($t)) | not)] as $missed
        | [$names[] | select(. as $n | any($drift[]; .t as $t | $n | contains($t)) | not)] as $other
        | "\($drift | length - ($missed | length)) of \($drift | length) drifted tables named by a finding"
          + (if ($missed | length) > 0 then "; MISSED: " + ($missed | group_by(.kind) | map("\(length) \(.[0].kind)") | join(", "))
               + " (for example " + ($missed[:3] | map(.t) | join(", ")) + ")" else "" end)
          + "; \($other | length) findings name no drifted table"')
    note "diff: $drift_check"
fi

# --- 4. timings --------------------------------------------------------------------------------
# The machine may be shared: what other processes took of the CPUs during a timing is measured.
# ticks: "WALL BUSY OURS": wall clock, busy ticks of all CPUs, and ticks of this benchmark (the
# children this shell reaped, hyperfine and what it ran; both postmasters with their backends).
hz=$(getconf CLK_TCK)
ncpu=$(nproc)
ticks() {
    local f ours pid
    read -r -a f <"/proc/$1/stat"
    ours=$((f[13] + f[14] + f[15] + f[16]))
    for pid in "$(head -n 1 "${data[a]}/postmaster.pid")" "$(head -n 1 "${data[b]}/postmaster.pid")"; do
        read -r -a f <"/proc/$pid/stat"
        ours=$((ours + f[13] + f[14] + f[15] + f[16]))
    done
    read -r -a f </proc/stat
    echo "$EPOCHREALTIME $((f[1] + f[2] + f[3] + f[6] + f[7] + f[8])) $ours"
}
names=()
time_it() { # time_it NAME OK_CODES COMMAND-LINE: hyperfine into $run/NAME.json, load in $run/NAME.load
    local name=$1 ok=$2 cmd=$3 bad before after me=$BASHPID load
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    note "timing $name (load $load)"
    before=$(ticks "$me")
    hyperfine --shell=bash --warmup "$warmup" --runs "$runs" --ignore-failure --style basic \
        --export-json "$run/$name.json" -n "$name" "$cmd" >&2 \
        || die "hyperfine failed for $name"
    after=$(ticks "$me")
    awk -v b="$before" -v a="$after" -v hz="$hz" -v n="$ncpu" -v l="$load" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        other = (y[2] - x[2]) - (y[3] - x[3]); if (other < 0) other = 0
        printf "%s\t%.0f\n", l, 100 * other / hz / ((y[1] - x[1]) * n) }' >"$run/$name.load"
    # --ignore-failure accepts every exit code: check them here.
    bad=$(jq -r --arg ok "$ok" '[.results[0].exit_codes[] | select(. as $c | $ok | split(" ")
        | map(tonumber) | any(. == $c) | not)] | unique | map(tostring) | join(" ")' "$run/$name.json")
    [[ -z $bad ]] || die "$name exited $bad during timing (command: $cmd)"
    names+=("$name")
}
q() { printf '%q' "$1"; }
for side in a b; do
    time_it "pg_dump-s-$side" 0 "$(q "$pg_dump") -s -d $(q "$(conn "$side")") -f /dev/null"
    if ((!baselines_only)); then
        time_it "snapshot-$side" 0 "$(q "$bin") snapshot $(q "$(conn "$side")") -o $(q "$run/$side-timed.json")"
    fi
done
if ((!baselines_only)); then
    time_it diff "0 1" "$(q "$bin") diff $(q "$run/a.json") $(q "$run/b.json") --format json > $(q "$run/diff-timed.json")"
fi

# --- 5. results --------------------------------------------------------------------------------
median() { jq -r '.results[0].median' "$run/$1.json"; }
stats() { jq -r '.results[0] | [.median, .mean, .stddev, .min, .max] | @tsv' "$run/$1.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "objects benchmark: two databases of gen_schema.sh $tables tables (seed $seed; b with --drift $drift), PostgreSQL $server_version, jit $jit"
    echo "  catalog a: ${size[a]}"
    echo "  catalog b: ${size[b]}"
    echo "  pg_dump -s of a: $dump_size of SQL; pg_dump $("$pg_dump" --version | awk '{ print $3 }')"
    if ((!baselines_only)); then
        echo "  pgparity: $bin_from (commit $commit of $repo), snapshot of a: $(du -h "$run/a.json" | cut -f1) of JSON"
        if ((has_objects)); then echo "  snapshot a holds: $snapshot_check"; fi
    fi
    echo "  timer: hyperfine $(hyperfine --version | awk '{ print $2 }'), $warmup warmups, $runs runs; $ncpu CPUs"
    echo
    printf '  %-14s %9s %9s %9s %9s %9s   %-16s %s\n' command median mean stddev min max "load before" "CPU taken by others"
    for name in "${names[@]}"; do
        IFS=$'\t' read -r load other <"$run/$name.load"
        IFS=$'\t' read -r median mean stddev min max < <(stats "$name")
        printf '  %-14s %8.3fs %8.3fs %8.3fs %8.3fs %8.3fs   %-16s %s%%\n' "$name" "$median" "$mean" "$stddev" "$min" "$max" "$load" "$other"
    done
    echo
    if ((!baselines_only)); then
        ra=$(ratio "$(median snapshot-a)" "$(median pg_dump-s-a)")
        rb=$(ratio "$(median snapshot-b)" "$(median pg_dump-s-b)")
        verdict=$(awk -v a="$ra" -v b="$rb" 'BEGIN { print (a <= 0.5 && b <= 0.5) ? "met" : "MISSED" }')
        if ((!has_objects)); then verdict="not applicable: this build reads no schema objects"; fi
        echo "  snapshot / pg_dump -s: a $ra, b $rb (target: at most 0.50): $verdict"
        d=$(median diff)
        echo "  diff: $(awk -v d="$d" 'BEGIN { printf "%.3f s", d }') (target: under 1 s): $(awk -v d="$d" 'BEGIN { print d < 1 ? "met" : "MISSED" }')"
        echo "  peak RSS: snapshot a $(mb "$(rss_kb snapshot-a)"), snapshot b $(mb "$(rss_kb snapshot-b)"), diff $(mb "$(rss_kb diff)"); pg_dump -s a $(mb "$(rss_kb pg_dump-s-a)")"
        echo "  diff findings by code ($(jq '.findings | length' "$run/diff.out") in all; exit code $(awk '/Exit status/ { print $NF }' "$run/diff.time")):"
        if [[ -n $diff_found ]]; then
            while IFS= read -r line; do echo "    $line"; done <<<"$diff_found"
        fi
        echo "  drift ($(wc -l <"$drift_report") tables in $drift_report): $drift_check"
    fi
    busy=''
    for name in "${names[@]}"; do
        IFS=$'\t' read -r _ other <"$run/$name.load"
        if ((other > 10)); then busy+="${busy:+, }$name $other%"; fi
    done
    if [[ -n $busy ]]; then echo "  WARNING: other processes took over 10% of the CPUs during $busy: rerun when the machine is quiet"; fi
} >"$results.txt.tmp"
mv "$results.txt.tmp" "$results.txt"
cat "$results.txt"
# hyperfine's results of every command in one JSON file, and a Markdown table; both with the summary.
(cd "$run" && jq -s --rawfile summary "$results.txt" '{results: map(.results[]), summary: $summary}' \
    "${names[@]/%/.json}") >"$results.json"
{
    echo "| command | median [s] | mean ± σ [s] | min [s] | max [s] | load before | CPU taken by others |"
    echo "|:---|---:|---:|---:|---:|:---|---:|"
    for name in "${names[@]}"; do
        IFS=$'\t' read -r load other <"$run/$name.load"
        IFS=$'\t' read -r median mean stddev min max < <(stats "$name")
        # shellcheck disable=SC2016 # the backquotes are Markdown
        printf '| `%s` | %.3f | %.3f ± %.3f | %.3f | %.3f | %s | %s%% |\n' "$name" "$median" "$mean" "$stddev" "$min" "$max" "$load" "$other"
    done
    echo
    echo '```'
    cat "$results.txt"
    echo '```'
} >"$results.md"
note "results: $results.txt, $results.json, $results.md; outputs in $run"
