#!/usr/bin/env bash
# make-schema-fixtures.sh - load fixtures/schema/rich.sql into throwaway clusters and write the
# committed schema-object fixtures from PostgreSQL 15 with real pg_dump 15.
#
# Usage: scripts/make-schema-fixtures.sh [--no-check]
#   --no-check  skip loading rich.sql into PostgreSQL 13 and 17 first (it must load there too)
#
# Writes into fixtures/schema/ (database "richdb" on PostgreSQL 15):
#   pg15.sql          pg_dump (plain, COPY data)
#   pg15-schema.sql   pg_dump -s
#   pg15-inserts.sql  pg_dump --inserts --rows-per-insert=25
#   pg15-create.sql   pg_dump -C -s (CREATE DATABASE and \connect)
#   pg15.dump         pg_dump -Fc
#   pg15.dir/         pg_dump -Fd
#   rows.tsv          the true row count of every table (quoted qualified name, TAB, count),
#                     counted with SELECT count(*) FROM ONLY, as pg_dump dumps each table
#   README.md
# and removes the clusters (also on failure). Plain dumps use a fixed \restrict key, so they
# are byte-identical between runs; the archives carry a timestamp.
#
# Binaries: servers 13 and 17 from scripts/fetch-postgres.sh's cache (run automatically),
# PostgreSQL 15 server and client from the distro package (postgresql-15).
# Environment: see scripts/pg-env.sh (PGPARITY_PG_CACHE, PGPARITY_PG_USER).
set -euo pipefail

export PGP_PROG=make-schema-fixtures
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

out=$repo/fixtures/schema
sql=$out/rich.sql
DB=richdb
# Fixed \restrict key (alphanumeric) so pg_dump >= 15.14 output is deterministic.
RESTRICT_KEY=pgparitySchemaFixtureKey0123456789

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# Keep the caller's libpq environment (PGHOST, PGOPTIONS, PGSERVICE, ...) out of our clusters.
while IFS= read -r v; do
    [[ $v == PGPARITY_* || $v == PGP_PROG ]] || unset "$v"
done < <(compgen -e | grep '^PG' || true)
export PGTZ=UTC TZ=UTC PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8

WORK='' PGCTL='' WRITTEN=() TMPDIRS=()

cleanup() {
    local d
    pgp_stop_cluster
    for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a cluster of MAJOR in $WORK; sets CONN (psql/pg_dump connection arguments).
start_cluster() {
    local major=$1 sbin
    sbin=$(pgp_server_bin "$major") || pgp_die "no PostgreSQL $major server (run scripts/fetch-postgres.sh $major)"
    pgp_start_cluster "$sbin" "schema-$major" "-c wal_level=logical"
    CONN=(-h "$WORK/sock" -p "$PGP_PORT" -U postgres)
}

# Loads rich.sql into a fresh database $DB of the running cluster.
load_rich() {
    "$CLIENT/psql" -X -q -v ON_ERROR_STOP=1 "${CONN[@]}" -d postgres -c "CREATE DATABASE $DB" >/dev/null
    "$CLIENT/psql" -X -q -v ON_ERROR_STOP=1 "${CONN[@]}" -d "$DB" -f "$sql" >/dev/null ||
        pgp_die "$sql failed"
}

main() {
    local check=1 a major tmp f restrict=()
    for a in "$@"; do
        case $a in
            -h|--help) usage; exit 0 ;;
            --no-check) check=0 ;;
            *) usage >&2; pgp_die "unknown argument '$a'" ;;
        esac
    done
    [[ -f $sql ]] || pgp_die "missing $sql"
    CLIENT=$(pgp_client_bin 15) || pgp_die "no PostgreSQL 15 client (apt-get install postgresql-client-15)"
    [[ -x $CLIENT/pg_dump ]] || pgp_die "no pg_dump in $CLIENT"
    # The help goes to a variable first: grep -q would close the pipe early (pipefail).
    local help
    help=$("$CLIENT/pg_dump" --help)
    if [[ $help == *--restrict-key* ]]; then
        restrict=(--restrict-key="$RESTRICT_KEY")
    fi

    if ((check)); then
        "$here/fetch-postgres.sh" 13 17 >&2
        for major in 13 17; do
            start_cluster "$major"
            load_rich
            pgp_log "rich.sql loads into PostgreSQL $major"
            pgp_stop_cluster
        done
    fi

    start_cluster 15
    load_rich
    tmp=$(mktemp -d "$out/.new.XXXXXX")
    TMPDIRS+=("$tmp")
    local dump=("$CLIENT/pg_dump" "${CONN[@]}" -d "$DB")
    "${dump[@]}" "${restrict[@]+"${restrict[@]}"}" -f "$tmp/pg15.sql"
    "${dump[@]}" "${restrict[@]+"${restrict[@]}"}" -s -f "$tmp/pg15-schema.sql"
    "${dump[@]}" "${restrict[@]+"${restrict[@]}"}" --inserts --rows-per-insert=25 -f "$tmp/pg15-inserts.sql"
    "${dump[@]}" "${restrict[@]+"${restrict[@]}"}" -C -s -f "$tmp/pg15-create.sql"
    "${dump[@]}" -Fc -f "$tmp/pg15.dump"
    "${dump[@]}" -Fd -f "$tmp/pg15.dir"
    "$CLIENT/psql" -X -At -v ON_ERROR_STOP=1 "${CONN[@]}" -d "$DB" -f - >"$tmp/count.sql" <<'SQL'
SELECT format('SELECT %L || E''\t'' || count(*) FROM ONLY %s;',
              quote_ident(n.nspname) || '.' || quote_ident(c.relname),
              quote_ident(n.nspname) || '.' || quote_ident(c.relname))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
SQL
    "$CLIENT/psql" -X -At -v ON_ERROR_STOP=1 "${CONN[@]}" -d "$DB" -f "$tmp/count.sql" | LC_ALL=C sort >"$tmp/rows.tsv"
    [[ -s $tmp/rows.tsv ]] || pgp_die "no tables counted"
    local sver dver
    sver=$("$CLIENT/psql" -X -At "${CONN[@]}" -d "$DB" -c 'SHOW server_version')
    dver=$("$CLIENT/pg_dump" --version)
    pgp_stop_cluster

    for f in pg15.sql pg15-schema.sql pg15-inserts.sql pg15-create.sql pg15.dump rows.tsv; do
        chmod 644 "$tmp/$f"
        mv -f -- "$tmp/$f" "$out/$f"
        WRITTEN+=("$out/$f")
    done
    rm -rf -- "$out/pg15.dir"
    chmod 755 "$tmp/pg15.dir"
    chmod 644 "$tmp/pg15.dir"/*
    mv -- "$tmp/pg15.dir" "$out/pg15.dir"
    WRITTEN+=("$out/pg15.dir")
    # shellcheck disable=SC2016 # backticks are Markdown
    {
        printf '# Schema-object fixtures\n\n'
        printf '`rich.sql` loaded into database `%s` of a PostgreSQL %s server (%s), dumped with %s by `scripts/make-schema-fixtures.sh`. ' \
            "$DB" "${sver%% *}" "$(pgp_server_bin 15)" "$dver"
        printf '`rich.sql` also loads into PostgreSQL 13 and 17 (the script checks it unless given `--no-check`).\n\n'
        printf -- '- `pg15.sql`: plain, COPY data; `pg15-schema.sql`: `-s`; `pg15-inserts.sql`: `--inserts --rows-per-insert=25`; `pg15-create.sql`: `-C -s`\n'
        printf -- '- `pg15.dump`: `-Fc`; `pg15.dir/`: `-Fd` (archives carry a timestamp, so they change on every run)\n'
        printf -- '- `rows.tsv`: the true row count of every table, `count(*) FROM ONLY` (what pg_dump dumps per table)\n'
    } >"$out/README.md"
    WRITTEN+=("$out/README.md")

    printf 'make-schema-fixtures: wrote %d files\n' "${#WRITTEN[@]}"
    for f in "${WRITTEN[@]}"; do
        printf '  %8s  %s\n' "$(du -sh "$f" | cut -f1)" "${f#"$repo"/}"
    done
}

main "$@"
