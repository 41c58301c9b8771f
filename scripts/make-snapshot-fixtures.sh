#!/usr/bin/env bash
# make-snapshot-fixtures.sh - build a PostgreSQL 13 source and a PostgreSQL 17 Azure-shaped
# target in throwaway clusters, save each with the real `pgparity snapshot` and write the
# committed snapshot fixtures.
#
# Usage: scripts/make-snapshot-fixtures.sh
#
# Writes
#   fixtures/snapshots/source-pg13.json   13, set up by fixtures/snapshots/source-pg13.sql as
#                                         the bootstrap superuser postgres, read as postgres
#   fixtures/snapshots/target-pg17.json   17, set up by fixtures/snapshots/target-pg17.sql as
#                                         the bootstrap superuser azuresu, with
#                                         azure.extensions = 'pg_trgm' appended to its
#                                         postgresql.conf and reloaded, read as flexadmin
#   fixtures/snapshots/README.md
# and removes the clusters (also on failure). The expected reports beside them are written by
# `PGPARITY_BLESS=1 cargo test --test golden_reports`, not by this script.
#
# Determinism: the clusters run with fixed settings (port 5432 on a private socket directory,
# no TCP, UTC, C locale, and the settings initdb would otherwise probe from the machine:
# max_connections, shared_buffers, dynamic_shared_memory_type, huge_pages). Paths inside the
# temporary cluster directory (data_directory, config_file, hba_file, ident_file,
# unix_socket_directories, the tablespace location) are rewritten with jq to the placeholder
# <cluster>, so no temporary name reaches the fixtures. Rerunnable: a second run writes the
# same bytes as long as the server binaries (their versions are in the README) stay the same.
# Left as the server reports it: shared_memory_size_in_huge_pages (17) follows the machine's
# huge page size (2MB on x86-64).
#
# pgparity: $PGPARITY_BIN when set, else built with `cargo build --bin pgparity` (into
# $CARGO_TARGET_DIR or target/). Servers come from scripts/fetch-postgres.sh's cache (run
# automatically). Environment: see scripts/pg-env.sh (PGPARITY_PG_CACHE, PGPARITY_PG_USER).
set -euo pipefail

export PGP_PROG=make-snapshot-fixtures
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

out=$repo/fixtures/snapshots
PLACEHOLDER='<cluster>'
# Fixed, because every cluster listens only on its own socket directory.
PORT=5432

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# Keep the caller's libpq environment (PGHOST, PGOPTIONS, PGSERVICE, ...) out of our clusters.
while IFS= read -r v; do
    [[ $v == PGPARITY_* || $v == PGP_PROG ]] || unset "$v"
done < <(compgen -e | grep '^PG' || true)
# TZ: initdb writes the zone it finds into postgresql.conf (timezone, log_timezone).
export PGTZ=UTC TZ=UTC PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8

WORK='' PGCTL='' WRITTEN=()
TMPFILES=()
stop_cluster() {
    if [[ -n $WORK && -n $PGCTL && -f $WORK/data/postmaster.pid ]]; then
        (cd / && pgp_as_pg "$PGCTL" -D "$WORK/data" -m fast -w -t 60 stop >/dev/null 2>&1) ||
            (cd / && pgp_as_pg "$PGCTL" -D "$WORK/data" -m immediate stop >/dev/null 2>&1) || true
    fi
    [[ -z $WORK ]] || rm -rf -- "$WORK"
    WORK='' PGCTL=''
}
cleanup() {
    local f
    stop_cluster
    for f in "${TMPFILES[@]+"${TMPFILES[@]}"}"; do rm -f -- "$f"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Write stdin to $1 atomically (temp file in the same directory, then rename).
write_atomic() {
    local dest=$1 tmp
    mkdir -p "$(dirname "$dest")"
    tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
    TMPFILES+=("$tmp")
    cat >"$tmp"
    chmod 644 "$tmp"
    mv -f -- "$tmp" "$dest"
    WRITTEN+=("$dest")
}

# psql of any major we have (the SQL files use nothing version-specific).
psql_bin() {
    local major d
    for major in 16 15; do
        if d=$(pgp_client_bin "$major"); then printf '%s\n' "$d/psql"; return 0; fi
    done
    return 1
}

# Start a cluster of MAJOR whose bootstrap superuser is USER, with postgresql.conf lines from
# stdin appended (they win over initdb's). Sets WORK, PGCTL, SOCK.
start_cluster() { # name major bootstrap-user
    local name=$1 major=$2 user=$3 sbin
    sbin=$(pgp_server_bin "$major") || pgp_die "no PostgreSQL $major server (run scripts/fetch-postgres.sh $major)"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgparity-snapshot-$name.XXXXXX")
    chmod 700 "$WORK"
    mkdir "$WORK/sock" "$WORK/tablespaces"
    pgp_chown_pg "$WORK"
    SOCK=$WORK/sock
    PGCTL=$sbin/pg_ctl
    pgp_log "$name: PostgreSQL $major ($sbin), bootstrap superuser $user"
    (cd "$WORK" && pgp_as_pg "$sbin/initdb" -D "$WORK/data" -U "$user" -A trust -E UTF8 --locale=C -N \
        >"$WORK/initdb.log" 2>&1) || { cat "$WORK/initdb.log" >&2; pgp_die "$name: initdb failed"; }
    # Through the server user: the file is its.
    {
        printf '\n# make-snapshot-fixtures.sh: fixed instead of probed from the machine\n'
        printf '%s\n' "max_connections = 100" "shared_buffers = 128MB" \
            "dynamic_shared_memory_type = posix" "huge_pages = off" "fsync = off" \
            "timezone = 'UTC'" "log_timezone = 'UTC'"
        cat
    } | pgp_as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
    (cd "$WORK" && pgp_as_pg "$PGCTL" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
        -o "-p $PORT -k $SOCK -c listen_addresses=''" start >/dev/null) ||
        { cat "$WORK/server.log" >&2 || true; pgp_die "$name: server did not start"; }
}

# psql as USER on database postgres of the running cluster, extra arguments after.
run_psql() { # user args...
    local user=$1
    shift
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U "$user" -d postgres "$@"
}

# Wait until a new session sees SETTING = VALUE (pg_reload_conf() only signals the postmaster).
wait_for_setting() { # user setting value
    local tries=0 now
    while (( tries++ < 100 )); do
        now=$(run_psql "$1" -At -c "SELECT current_setting('$2', true)")
        [[ $now == "$3" ]] && return 0
        sleep 0.1
    done
    pgp_die "$2 is '$now' after the reload, expected '$3'"
}

# Save the running cluster's snapshot as USER into FIXTURE, paths made stable; check it with the
# jq expression CHECK (true when the fixture has what the SQL file made) before it replaces the
# committed file.
save_snapshot() { # user fixture check
    local user=$1 dest=$2 check=$3 raw tmp
    raw=$WORK/snapshot.json
    "$PGPARITY" snapshot "host=$SOCK port=$PORT user=$user dbname=postgres" -o "$raw" ||
        pgp_die "pgparity snapshot failed"
    tmp=$(mktemp "$out/.$(basename "$dest").XXXXXX")
    TMPFILES+=("$tmp")
    # Every string that holds the temporary cluster directory gets the placeholder instead.
    jq --arg root "$WORK" --arg placeholder "$PLACEHOLDER" \
        'walk(if type == "string" then split($root) | join($placeholder) else . end)' \
        "$raw" >"$tmp"
    if grep -q -e "$WORK" -e 'pgparity-snapshot-' -- "$tmp"; then
        pgp_die "$dest: a temporary path is left after the rewrite"
    fi
    jq -e "$check" "$tmp" >/dev/null || pgp_die "$dest: expected $check"
    chmod 644 "$tmp"
    mv -f -- "$tmp" "$dest"
    WRITTEN+=("$dest")
}

build_source() {
    start_cluster source 13 postgres <<'CONF'
shared_preload_libraries = 'pg_stat_statements'
CONF
    pgp_as_pg mkdir "$WORK/tablespaces/app_space"
    run_psql postgres -v tablespace_dir="$WORK/tablespaces/app_space" \
        -f "$out/source-pg13.sql" >/dev/null || pgp_die "source: $out/source-pg13.sql failed"
    wait_for_setting postgres work_mem 64MB
    # shellcheck disable=SC2016 # jq, not shell
    save_snapshot postgres "$out/source-pg13.json" '
        .server.major == 13 and .server.superuser
        and (.roles.roles | has("App User") and has("a\"b") and has("Ünïcödé") and has("select"))
        and any(.roles.memberships[]; .role == "app_rw" and .member == "App User" and .admin_option)
        and .settings.work_mem.source == "configuration file"
        and .settings.vacuum_defer_cleanup_age.value == "10000"
        and .tablespaces.app_space.location == "<cluster>/tablespaces/app_space"
        and (.databases["App DB"].contents as $c
             | ($c.extensions | has("pg_trgm") and has("hstore") and has("pg_stat_statements") and has("adminpack"))
               and $c.large_objects == 1
               and $c.unlogged_tables == ["app.sessions"]
               and $c.tables_without_primary_key == ["app.audit_log"]
               and any($c.incompatibilities[]; .check == "postfix-operator")
               and any($c.incompatibilities[]; .check == "reg-type-column"))'
    SOURCE_VERSION=$(jq -r .server.version "$out/source-pg13.json")
    stop_cluster
}

build_target() {
    start_cluster target 17 azuresu </dev/null
    run_psql azuresu -f "$out/target-pg17.sql" >/dev/null || pgp_die "target: $out/target-pg17.sql failed"
    printf "\n# Azure's extension allow-list (a placeholder parameter here)\nazure.extensions = 'pg_trgm'\n" |
        pgp_as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
    run_psql azuresu -c 'SELECT pg_reload_conf()' >/dev/null
    wait_for_setting flexadmin azure.extensions pg_trgm
    # shellcheck disable=SC2016 # jq, not shell
    save_snapshot flexadmin "$out/target-pg17.json" '
        .server.major == 17 and .server.current_user == "flexadmin" and (.server.superuser | not)
        and .provider_settings["azure.extensions"] == "pg_trgm"
        and (.available_extensions | has("adminpack") | not)
        and .roles.roles["App User"].connection_limit == 10
        and .databases["App DB"].owner == "flexadmin"
        and (.databases["App DB"].contents.extensions | has("pg_trgm"))'
    TARGET_VERSION=$(jq -r .server.version "$out/target-pg17.json")
    stop_cluster
}

main() {
    local a s
    for a in "$@"; do
        case $a in
            -h|--help) usage; exit 0 ;;
            *) usage >&2; pgp_die "unexpected argument '$a'" ;;
        esac
    done
    command -v jq >/dev/null || pgp_die "jq is needed (apt-get install jq)"
    "$here/fetch-postgres.sh" 13 17 >&2
    PSQL=$(psql_bin) || pgp_die "no psql (client16 from fetch-postgres.sh, or postgresql-client-15)"
    if [[ -n ${PGPARITY_BIN:-} ]]; then
        PGPARITY=$PGPARITY_BIN
    else
        (cd "$repo" && cargo build --quiet --bin pgparity) || pgp_die "cargo build failed"
        PGPARITY=${CARGO_TARGET_DIR:-$repo/target}/debug/pgparity
    fi
    [[ -x $PGPARITY ]] || pgp_die "no pgparity binary at $PGPARITY"

    build_source
    build_target

    # shellcheck disable=SC2016 # backticks are Markdown
    write_atomic "$out/README.md" <<EOF
# Snapshot fixtures

\`source-pg13.json\` and \`target-pg17.json\` are what \`pgparity snapshot\` saved of two throwaway
servers built by \`scripts/make-snapshot-fixtures.sh\`:

- **source**: PostgreSQL $SOURCE_VERSION ($(source_of 13)), a self-hosted application server set up by
  \`source-pg13.sql\`: roles whose names need quoting, a superuser, a membership WITH ADMIN OPTION,
  role and database settings, \`work_mem\` and \`vacuum_defer_cleanup_age\` set by ALTER SYSTEM,
  pg_stat_statements preloaded, a tablespace, and \`"App DB"\` with pg_trgm, hstore,
  pg_stat_statements and adminpack, a table without primary key, an unlogged table, a large
  object, a postfix operator and a \`regproc\` column. Read by the superuser postgres.
- **target**: PostgreSQL $TARGET_VERSION ($(source_of 17)), shaped like Azure Database for PostgreSQL
  Flexible Server by \`target-pg17.sql\`: Azure's roles and databases, \`azure.extensions = 'pg_trgm'\`,
  some of the source's roles already created by the admin but different, \`"App DB"\` owned by the
  admin. Read by the admin flexadmin, who is not a superuser.

Paths inside the temporary cluster directory are written as \`$PLACEHOLDER\`. The expected reports of
\`check\` and \`diff\` on these two files are in \`expected/\`, checked by \`tests/golden_reports.rs\`
(\`PGPARITY_BLESS=1 cargo test --test golden_reports\` rewrites them).
EOF

    printf 'make-snapshot-fixtures: wrote %d files\n' "${#WRITTEN[@]}"
    for s in "${WRITTEN[@]}"; do
        printf '  %5d lines  %s\n' "$(wc -l <"$s")" "${s#"$repo"/}"
    done
}

# Human-readable origin of a server major's binaries.
source_of() {
    local bin
    bin=$(pgp_server_bin "$1") || return 0
    if [[ -f $bin/../SOURCE ]]; then printf '%s' "$(cut -d' ' -f1 <"$bin/../SOURCE")"
    else printf '%s (distro package)' "$bin"; fi
}

main "$@"
