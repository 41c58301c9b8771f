#!/usr/bin/env bash
# benches/snapshot.sh - benchmark `pgparity snapshot` of a server with many roles and databases
# against `pg_dumpall --globals-only` on the same server (issue #3).
#
# Usage: benches/snapshot.sh [N] [--roles N] [--databases N] [--regenerate] [--no-hyperfine]
#                            [--no-schema-only]
#   N, --roles N      login roles made by gen_roles.sh (default 5000)
#   --databases N     databases besides postgres, bench_db_001.. (default 50)
#   --regenerate      rebuild the cached cluster even if it exists
#   --no-hyperfine    time with a plain loop even when hyperfine is installed
#   --no-schema-only  skip `pg_dumpall --schema-only` (timed for scale, 1 warmup + 3 runs)
#
# Environment:
#   PGPARITY_SHARED     the shared/ folder with bench/gen_roles.sh (default: <repo>/../shared)
#   PGPARITY_BENCH_DIR  cache and results (default: /var/tmp/pgparity-bench)
#   PGBIN               PostgreSQL 15 binaries (default: /usr/lib/postgresql/15/bin)
#
# The server is a throwaway PostgreSQL 15 cluster (fsync=off, max_connections=20 for the four
# database readers of pgparity, Unix socket in a private directory, no TCP), run as the postgres
# OS user when this script runs as root. It is generated once per (roles, databases) into
# $PGPARITY_BENCH_DIR/snapshot-cluster-vW-R-D (W: version of the workload below) and started
# from there on later runs; it is stopped on exit, even on failure, and a half-made one removed.
# Workload: gen_roles.sh N; then D databases, each owned by a group role, with a schema `app`
# of four tables (one without a primary key, one unlogged), a view and a function; pg_trgm in
# every 2nd, hstore (and an hstore column) in every 3rd, a large object in every 5th, a regproc
# column (an upgrade blocker) in every 10th, a database setting in every 4th, CONNECT revoked
# from PUBLIC in every 3rd; and gen_schema.sh with 500 tables in bench_db_001 and bench_db_002;
# then `vacuumdb --all --analyze`, so that catalog statistics do not wait for autovacuum.
# The snapshot is checked with jq (N+ roles, D+ databases, contents read in every non-template
# database, the workload's tables, extensions and large objects found); a bad one aborts.
# Timed: pg_dumpall --globals-only -f FILE; pgparity snapshot -o FILE.json; the same with
# options='-c jit=off' in the connection string (JIT compilation of the per-database type-usage
# query dominates in large catalogs); pg_dumpall --schema-only for scale.
# Timings: hyperfine --warmup 2 --runs 10 if installed, else 2 warmups + 10 timed runs; medians.
# Compare runs made under the same load: pg_dumpall --globals-only makes two round trips per
# role, and on an otherwise idle VM each one waits for a halted vCPU to wake; with another core
# kept busy it ran 3x faster (0.34 s against 1.1 s for 5,000 roles), while pgparity snapshot,
# bound by server CPU, ran slower. The load average is recorded with the results.
# Peak RSS: /usr/bin/time -v. Results: a table on standard output and results.json in the run
# directory ($PGPARITY_BENCH_DIR/snapshot-run-R-D).
set -euo pipefail

die() { echo "snapshot-bench: $*" >&2; exit 2; }
note() { echo "snapshot-bench: $*" >&2; }

roles=5000 databases=50 regenerate=0 use_hyperfine=1 schema_only=1
usage="usage: $0 [N] [--roles N] [--databases N] [--regenerate] [--no-hyperfine] [--no-schema-only]"
number() { # number OPTION VALUE: dies unless VALUE is a positive integer
    if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 == 0)); then die "$1 needs a positive number, not '$2' ($usage)"; fi
}
while (($#)); do
    case $1 in
        --roles | --databases)
            (($# >= 2)) || die "$1 needs a number ($usage)"
            number "$1" "$2"
            if [[ $1 == --roles ]]; then roles=$2; else databases=$2; fi
            shift ;;
        --roles=*) number --roles "${1#*=}"; roles=${1#*=} ;;
        --databases=*) number --databases "${1#*=}"; databases=${1#*=} ;;
        --regenerate) regenerate=1 ;;
        --no-hyperfine) use_hyperfine=0 ;;
        --no-schema-only) schema_only=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *[!0-9]* | '') die "unknown argument: $1 ($usage)" ;;
        *) number N "$1"; roles=$1 ;;
    esac
    shift
done
# `pgparity ... -o /dev/null` run as root replaces /dev/null with a regular file (output is
# written atomically: temporary file + rename); initdb and the server then fail obscurely.
# Every output below goes to a regular file.
[[ -c /dev/null ]] || die "/dev/null is not a character device (restore: rm /dev/null && mknod -m 666 /dev/null c 1 3)"
command -v jq >/dev/null || die "jq is required (the snapshot is checked with it)"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${PGPARITY_SHARED:-$repo/../shared}
gen_roles=$shared/bench/gen_roles.sh
gen_schema=$shared/bench/gen_schema.sh
bench_dir=${PGPARITY_BENCH_DIR:-/var/tmp/pgparity-bench}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
workload_version=2 # bump when the workload below changes: cached clusters are then rebuilt
schema_tables=500  # gen_schema.sh tables in each of the first two databases
cluster=$bench_dir/snapshot-cluster-v$workload_version-$roles-$databases
run=$bench_dir/snapshot-run-$roles-$databases
bin=${CARGO_TARGET_DIR:-$repo/target}/release/pgparity

# --- 1. build ------------------------------------------------------------------------------
note "cargo build --release"
(cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
[[ -x $bin ]] || die "$bin not found after the build"
mkdir -p "$bench_dir" "$run"
# A private copy: another build in a shared CARGO_TARGET_DIR must not swap it mid-benchmark.
cp "$bin" "$run/pgparity"
bin=$run/pgparity

# --- 2. the server, generated once per (roles, databases) ----------------------------------
[[ -x $pgbin/initdb && -x $pgbin/pg_dumpall ]] || die "PostgreSQL binaries not found in $pgbin (set PGBIN)"
exec 9>"$cluster.lock"
flock -n 9 || die "another run is using $cluster"

sock_dir='' pg_data='' pg_started=0 partial=''
as_pg=()
if ((EUID == 0)); then as_pg=(runuser -u postgres --); fi

cleanup() {
    local rc=$?
    if ((pg_started)); then
        # fast, not immediate: the cached cluster must not need crash recovery next time.
        (cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg_data" -m fast -w stop) \
            >/dev/null 2>&1 || note "warning: could not stop the cluster in $pg_data"
    fi
    if [[ -n $sock_dir ]]; then rm -rf "$sock_dir"; fi
    if [[ -n $partial ]]; then rm -rf "$partial"; fi
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

sock_dir=$(mktemp -d /tmp/pgparity-bench-sock.XXXXXX)
chmod 700 "$sock_dir"
if ((EUID == 0)); then chown postgres: "$sock_dir"; fi
port=$(free_port)
base="host=$sock_dir port=$port user=postgres"
conn="$base dbname=postgres"

start_server() { # start_server DATA_DIR
    pg_data=$1
    # max_connections: the first connection plus the four database readers, with room to spare.
    # gen_roles.sh runs its n/7 `ALTER ROLE .. SET` in one transaction, each holding a lock on
    # its role until commit: the lock table (max_locks_per_transaction x max_connections) holds n.
    local locks=$((64 + roles / 20))
    (cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg_data" -l "$pg_data/../server.log" -w \
        -o "-c fsync=off -c max_connections=20 -c max_locks_per_transaction=$locks -c listen_addresses='' -c unix_socket_directories=$sock_dir -p $port" \
        start >/dev/null) || { tail -n 20 "$pg_data/../server.log" >&2 || true; die "pg_ctl start failed ($pg_data)"; }
    pg_started=1
}

stop_server() {
    (cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null) || die "pg_ctl stop failed"
    pg_started=0
}

psql_q() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The SQL that makes the databases and their objects, for one psql session.
database_sql() {
    local i db
    echo "SET client_min_messages = warning;"
    for ((i = 1; i <= databases; i++)); do
        printf -v db 'bench_db_%03d' "$i"
        echo "CREATE DATABASE $db OWNER perf_g$(printf %03d $((1 + (i - 1) % 100)));"
        if ((i % 4 == 0)); then echo "ALTER DATABASE $db SET work_mem = '16MB';"; fi
        if ((i % 3 == 0)); then
            echo "REVOKE CONNECT ON DATABASE $db FROM PUBLIC;"
            echo "GRANT CONNECT ON DATABASE $db TO perf_g$(printf %03d $((1 + i % 100)));"
        fi
    done
    for ((i = 1; i <= databases; i++)); do
        printf -v db 'bench_db_%03d' "$i"
        echo "\\connect $db"
        echo "SET client_min_messages = warning;"
        cat <<'SQL'
CREATE SCHEMA app;
CREATE TABLE app.accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE app.orders (id bigserial PRIMARY KEY, account_id bigint REFERENCES app.accounts,
    total numeric(12, 2) NOT NULL DEFAULT 0, placed_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON app.orders (account_id, placed_at);
CREATE TABLE app.events (at timestamptz NOT NULL DEFAULT now(), kind text NOT NULL, payload jsonb);
CREATE UNLOGGED TABLE app.sessions (token text PRIMARY KEY, account_id bigint, expires_at timestamptz);
CREATE VIEW app.recent_orders AS
    SELECT a.email, o.total, o.placed_at FROM app.orders o JOIN app.accounts a ON a.id = o.account_id
    WHERE o.placed_at > now() - interval '30 days';
CREATE FUNCTION app.account_total(bigint) RETURNS numeric LANGUAGE sql STABLE
    AS $$ SELECT coalesce(sum(total), 0) FROM app.orders WHERE account_id = $1 $$;
INSERT INTO app.accounts (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 100) g;
INSERT INTO app.orders (account_id, total) SELECT 1 + g % 100, g FROM generate_series(1, 500) g;
INSERT INTO app.events (kind, payload) SELECT 'login', jsonb_build_object('n', g) FROM generate_series(1, 200) g;
SQL
        if ((i % 2 == 1)); then
            echo "CREATE EXTENSION pg_trgm;"
            echo "CREATE INDEX accounts_email_trgm ON app.accounts USING gin (email gin_trgm_ops);"
        fi
        if ((i % 3 == 1)); then
            echo "CREATE EXTENSION hstore;"
            echo "ALTER TABLE app.events ADD COLUMN tags hstore;"
        fi
        if ((i % 5 == 0)); then echo "SELECT lo_from_bytea(0, convert_to('pgparity bench $db', 'UTF8'));"; fi
        if ((i % 10 == 0)); then echo "CREATE TABLE app.jobs (id int PRIMARY KEY, handler regproc NOT NULL);"; fi
    done
}

generate() {
    [[ -r $gen_roles && -r $gen_schema ]] || die "generators not found in $shared/bench (set PGPARITY_SHARED)"
    rm -rf "$cluster"
    partial=$cluster.partial
    rm -rf "$partial"
    mkdir -p "$partial"
    chmod 700 "$partial"
    if ((EUID == 0)); then chown postgres: "$partial"; fi
    local t0 t1 t2 t3 i db
    note "generating a PostgreSQL 15 cluster in $partial (port $port, socket in $sock_dir)"
    t0=$EPOCHREALTIME
    (cd / && "${as_pg[@]}" "$pgbin/initdb" -D "$partial/data" -U postgres -A trust -N \
        >"$partial/initdb.log" 2>&1) || { cat "$partial/initdb.log" >&2 || true; die "initdb failed"; }
    start_server "$partial/data"
    note "gen_roles.sh $roles ..."
    PATH=$pgbin:$PATH bash "$gen_roles" "$roles" "$conn" || die "gen_roles.sh failed"
    t1=$EPOCHREALTIME
    note "$databases databases ..."
    database_sql >"$partial/databases.sql"
    psql_q -d "$conn" -f "$partial/databases.sql" >"$partial/databases.log" \
        || { tail -n 20 "$partial/databases.log" >&2; die "creating the databases failed"; }
    t2=$EPOCHREALTIME
    for ((i = 1; i <= 2 && i <= databases; i++)); do
        printf -v db 'bench_db_%03d' "$i"
        note "gen_schema.sh $schema_tables --db $db ..."
        PATH=$pgbin:$PATH bash "$gen_schema" "$schema_tables" "$base" --db "$db" --seed "$i" \
            || die "gen_schema.sh failed for $db"
    done
    # Vacuum and analyze every database, catalogs included, as autovacuum would in time: the
    # plans (and whether JIT kicks in) must not depend on when autovacuum gets to them.
    "$pgbin/vacuumdb" --all --analyze --quiet --jobs 2 -h "$sock_dir" -p "$port" -U postgres \
        || die "vacuumdb --all --analyze failed"
    t3=$EPOCHREALTIME
    stop_server
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
        printf "initdb + roles %.1f s, databases %.1f s, gen_schema + vacuumdb %.1f s: %.1f s\n", b - a, c - b, d - c, d - a
    }' >"$partial/generated.txt"
    mv "$partial" "$cluster"
    partial=''
    note "generated: $(cat "$cluster/generated.txt")"
}

if ((regenerate)) || [[ ! -s $cluster/generated.txt ]]; then
    generate
    generated_now=1
else
    note "reusing the cluster in $cluster (--regenerate to rebuild)"
    generated_now=0
fi
start_server "$cluster/data"
server_version=$("$pgbin/psql" -X -At -d "$conn" -c 'SHOW server_version')
catalog_size=$("$pgbin/psql" -X -At -d "$conn" -c \
    "SELECT (SELECT count(*) FROM pg_roles) || ' roles, ' || (SELECT count(*) FROM pg_database) || ' databases'")

# --- 3. one checked run of each --------------------------------------------------------------
globals_cmd=("$pgbin/pg_dumpall" --globals-only -d "$conn" -f "$run/globals.sql")
snapshot_cmd=("$bin" snapshot "$conn" -o "$run/snapshot.json")
# The same with JIT off in its sessions: the planner's row estimate for the recursive type-usage
# query grows with the catalog and, past jit_above_cost, compilation costs more than the query.
nojit_cmd=("$bin" snapshot "$conn options='-c jit=off'" -o "$run/snapshot-nojit.json")
schema_cmd=("$pgbin/pg_dumpall" --schema-only -d "$conn" -f "$run/schema.sql")

checked() { # checked NAME CMD... (stdout of CMD goes to $run/NAME.stdout); exit 0 only
    local name=$1 rc=0
    shift
    "$@" >"$run/$name.stdout" 2>"$run/$name.stderr" || rc=$?
    ((rc == 0)) || { cat "$run/$name.stderr" >&2; die "$name exited $rc: $*"; }
}
checked globals "${globals_cmd[@]}"
checked snapshot "${snapshot_cmd[@]}"
checked snapshot-nojit "${nojit_cmd[@]}"
jq -e '.settings.jit.value == "off"' "$run/snapshot-nojit.json" >/dev/null \
    || die "options='-c jit=off' did not reach the server (see $run/snapshot-nojit.json)"
if ((schema_only)); then checked schema "${schema_cmd[@]}"; fi

# The snapshot must hold what the server has: every role, every database read inside.
check=$(jq -r --argjson roles "$roles" --argjson dbs "$databases" '
    [.databases | to_entries[] | select(.value.is_template | not)] as $live
    | [$live[] | select(.key | startswith("bench_db_"))] as $bench
    | [
        (if (.roles.roles | length) >= $roles then empty
         else "\(.roles.roles | length) roles, expected \($roles)+" end),
        (if ($live | length) >= $dbs + 1 then empty
         else "\($live | length) non-template databases, expected \($dbs + 1)+" end),
        ($live[] | select(.value.contents == null)
         | "database \(.key) not read: \(.value.unread // "contents null")"),
        ($bench[] | select(.value.contents != null)
         | select((.value.contents.unlogged_tables | any(. == "app.sessions") | not)
                  or (.value.contents.tables_without_primary_key | any(. == "app.events") | not))
         | "database \(.key): app.sessions (unlogged) or app.events (no primary key) not found"),
        (([$bench[] | select(.value.contents.extensions.pg_trgm)] | length) as $n
         | if $n >= (($dbs + 1) / 2 | floor) then empty else "pg_trgm found in \($n) databases only" end),
        (([$bench[] | .value.contents.large_objects // 0] | add // 0) as $n
         | if $n >= ($dbs / 5 | floor) then empty else "\($n) large objects found, expected \($dbs / 5 | floor)" end)
      ] | .[]' "$run/snapshot.json") || die "jq could not read $run/snapshot.json"
[[ -z $check ]] || die "invalid snapshot $run/snapshot.json:"$'\n'"$check"
snap_roles=$(jq '.roles.roles | length' "$run/snapshot.json")
snap_dbs=$(jq '[.databases[] | select(.contents != null)] | length' "$run/snapshot.json")
snap_incompat=$(jq '[.databases[].contents.incompatibilities // [] | length] | add' "$run/snapshot.json")

# --- 4. timings ----------------------------------------------------------------------------
have_hyperfine=0
if ((use_hyperfine)) && command -v hyperfine >/dev/null; then have_hyperfine=1; fi

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

time_loop() { # time_loop NAME WARMUP RUNS CMD...  (stdout to $run/NAME.stdout); prints the median
    local name=$1 warmup=$2 runs=$3 i rc t0 t1
    shift 3
    for ((i = 1; i <= warmup + runs; i++)); do
        rc=0
        t0=$EPOCHREALTIME
        "$@" >"$run/$name.stdout" 2>"$run/$name.stderr" || rc=$?
        t1=$EPOCHREALTIME
        ((rc == 0)) || { cat "$run/$name.stderr" >&2; die "$name exited $rc"; }
        if ((i > warmup)); then awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'; fi
    done >"$run/$name.times"
    median_of <"$run/$name.times"
}

time_hyperfine() { # time_hyperfine NAME WARMUP RUNS CMD...; prints the median
    local name=$1 warmup=$2 runs=$3 cmd
    shift 3
    printf -v cmd '%q ' "$@"
    cmd+="> $(printf %q "$run/$name.stdout")"
    # No --ignore-failure: any exit but 0 fails hyperfine, and with it the benchmark.
    hyperfine --warmup "$warmup" --runs "$runs" --style basic \
        --export-json "$run/$name.hyperfine.json" -n "$name" "$cmd" >&2 \
        || die "hyperfine failed for $name (a run exited non-zero?)"
    jq -r '.results[0].median' "$run/$name.hyperfine.json"
}

timer=time_loop
if ((have_hyperfine)); then timer=time_hyperfine; fi
note "timing with $([[ $timer == time_hyperfine ]] && echo hyperfine || echo "a loop"): 2 warmups + 10 runs$( ((schema_only)) && echo "; pg_dumpall --schema-only 1 + 3")"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
globals_median=$($timer globals 2 10 "${globals_cmd[@]}")
snapshot_median=$($timer snapshot 2 10 "${snapshot_cmd[@]}")
nojit_median=$($timer snapshot-nojit 2 10 "${nojit_cmd[@]}")
schema_median=''
if ((schema_only)); then schema_median=$($timer schema 1 3 "${schema_cmd[@]}"); fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 5. peak memory ------------------------------------------------------------------------
peak_rss() { # peak_rss CMD... ; prints "Maximum resident set size" in kB
    [[ -x /usr/bin/time ]] || { echo "n/a"; return; }
    /usr/bin/time -v -o "$run/time-v.txt" "$@" >"$run/rss.stdout" 2>"$run/rss.stderr" \
        || die "peak RSS run failed: $*"
    awk -F': *' '/Maximum resident set size/ { print $2 }' "$run/time-v.txt"
}
rss_snapshot=$(peak_rss "${snapshot_cmd[@]}")
rss_globals=$(peak_rss "${globals_cmd[@]}")

# --- 6. summary ----------------------------------------------------------------------------
mb() { if [[ $1 == n/a ]]; then echo n/a; else awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
timer_desc="$([[ $timer == time_hyperfine ]] && echo "hyperfine $(hyperfine --version | awk '{print $2}')" || echo "bash loop"), 2 warmups, 10 runs; medians"
snap_bytes=$(stat -c %s "$run/snapshot.json")
globals_bytes=$(stat -c %s "$run/globals.sql")
schema_bytes=''
if ((schema_only)); then schema_bytes=$(stat -c %s "$run/schema.sql"); fi
gen_note=$(cat "$cluster/generated.txt")
jq -n --arg server "PostgreSQL $server_version" --arg catalog "$catalog_size" \
    --argjson roles "$roles" --argjson databases "$databases" --argjson schema_tables "$schema_tables" \
    --arg generated "$gen_note" --argjson generated_now "$generated_now" --arg timer "$timer_desc" \
    --arg load_before "$load_before" --arg load_after "$load_after" --arg nproc "$(nproc)" \
    --argjson globals "$globals_median" --argjson snapshot "$snapshot_median" --argjson nojit "$nojit_median" \
    --arg schema "$schema_median" --arg rss_snapshot "$rss_snapshot" --arg rss_globals "$rss_globals" \
    --argjson snap_bytes "$snap_bytes" --argjson globals_bytes "$globals_bytes" --arg schema_bytes "$schema_bytes" \
    --argjson snap_roles "$snap_roles" --argjson snap_dbs "$snap_dbs" --argjson snap_incompat "$snap_incompat" \
    --arg commit "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" '
    def num: if . == "" or . == "n/a" then null else tonumber end;
    { benchmark: "snapshot", pgparity_commit: $commit, server: $server, catalog: $catalog,
      workload: { roles: $roles, databases: $databases, gen_schema_tables_in_two_databases: $schema_tables,
                  generation: $generated, generated_this_run: ($generated_now == 1) },
      machine: { cpus: ($nproc | tonumber), loadavg_before: $load_before, loadavg_after: $load_after },
      timer: $timer,
      median_seconds: { pg_dumpall_globals_only: $globals, pgparity_snapshot: $snapshot,
                        pgparity_snapshot_jit_off: $nojit,
                        pg_dumpall_schema_only: ($schema | num) },
      peak_rss_kib: { pgparity_snapshot: ($rss_snapshot | num), pg_dumpall_globals_only: ($rss_globals | num) },
      output_bytes: { snapshot_json: $snap_bytes, globals_sql: $globals_bytes, schema_sql: ($schema_bytes | num) },
      snapshot: { roles: $snap_roles, databases_read: $snap_dbs, incompatibilities: $snap_incompat } }' \
    >"$run/results.json"
{
    echo
    echo "snapshot benchmark: PostgreSQL $server_version, $catalog_size ($roles generated roles, $databases bench databases)"
    echo "  cluster:                       $cluster ($([[ $generated_now == 1 ]] && echo "generated now" || echo "cached")): $gen_note"
    echo "  timer:                         $timer_desc"
    echo "  load average:                  $load_before before, $load_after after ($(nproc) CPUs)"
    printf '  pg_dumpall --globals-only:     %.3f s   %8.1f KiB out   peak RSS %s\n' \
        "$globals_median" "$(awk -v b="$globals_bytes" 'BEGIN { print b / 1024 }')" "$(mb "$rss_globals")"
    printf '  pgparity snapshot:             %.3f s   %8.1f KiB out   peak RSS %s   (%s pg_dumpall -g)\n' \
        "$snapshot_median" "$(awk -v b="$snap_bytes" 'BEGIN { print b / 1024 }')" "$(mb "$rss_snapshot")" \
        "$(ratio "$snapshot_median" "$globals_median")"
    printf '  pgparity snapshot, jit=off:    %.3f s   (options='"'"'-c jit=off'"'"' in the connection string)\n' \
        "$nojit_median"
    if ((schema_only)); then
        printf '  pg_dumpall --schema-only:      %.3f s   %8.1f KiB out   (1 warmup, 3 runs)\n' \
            "$schema_median" "$(awk -v b="$schema_bytes" 'BEGIN { print b / 1024 }')"
    fi
    echo "  snapshot holds:                $snap_roles roles, $snap_dbs databases read, $snap_incompat incompatibilities"
    echo "  results in:                    $run (results.json)"
}
