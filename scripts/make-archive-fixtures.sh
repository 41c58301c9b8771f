#!/usr/bin/env bash
# make-archive-fixtures.sh - dump one small database in every pg_dump archive flavour and write
# the committed fixtures of src/dump/archive.rs.
#
# Usage: scripts/make-archive-fixtures.sh
#
# Starts a throwaway PostgreSQL 15 cluster (as the server user, private Unix socket only), runs
# fixtures/archives/source.sql in a database named "Sales Archive", then writes for each
# flavour below fixtures/archives/<name>/:
#   archive.dump or archive/   the archive (custom file or directory)
#   listing.txt                `pg_restore -l` of it by the same major (the expected TOC)
#   rows.tsv                   schema, table and SELECT count(*) of every table with data
# and fixtures/archives/README.md, and removes the cluster (also on failure). Rerunnable; OIDs, dump ids and times change.
#
# Dumpers:
#   15  /usr/lib/postgresql/15/bin (archive 1.14)
#   16  scripts/fetch-postgres.sh client16 (16.2 from the pgserver wheel; archive 1.15). That
#       build has no lz4 or zstd, so the lz4/zstd flavours use:
#   17  Debian trixie's postgresql-client-17 (archive 1.16), unpacked (never installed) into
#       $PGPARITY_PG_CACHE/debian-trixie-client-17 with trixie's libc6 and run through trixie's
#       dynamic loader: the binaries need glibc 2.38, bookworm has 2.36.
#
# Environment: see scripts/pg-env.sh (PGPARITY_PG_CACHE, PGPARITY_PG_USER).
set -euo pipefail

export PGP_PROG=make-archive-fixtures
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

OUT=$repo/fixtures/archives
DBNAME='Sales Archive'

# name | dumper major | pg_dump arguments | expected compression in the listing
FLAVOURS=(
    "pg15-custom-gzip|15|-Fc|-1"
    "pg15-custom-none|15|-Fc -Z0|0"
    "pg15-custom-pipe|15|-Fc PIPE|-1"
    "pg15-dir-gzip|15|-Fd|-1"
    "pg15-dir-gzip-j2|15|-Fd -j2|-1"
    "pg16-custom-gzip|16|-Fc|gzip"
    "pg16-dir-none|16|-Fd -Z0|none"
    "pg17-custom-lz4|17|-Fc -Zlz4|lz4"
    "pg17-custom-zstd|17|-Fc -Zzstd|zstd"
    "pg17-custom-pipe-zstd|17|-Fc -Zzstd PIPE|zstd"
    "pg17-dir-gzip|17|-Fd|gzip"
    "pg17-dir-lz4|17|-Fd -Zlz4|lz4"
    "pg17-dir-zstd|17|-Fd -Zzstd|zstd"
)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# Keep the caller's libpq environment (PGHOST, PGOPTIONS, PGSERVICE, ...) out of our cluster.
while IFS= read -r v; do
    [[ $v == PGPARITY_* || $v == PGP_PROG ]] || unset "$v"
done < <(compgen -e | grep '^PG' || true)
# pg_dump writes the dumper's local time into the archive header.
export PGTZ=UTC TZ=UTC PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8

WORK='' PGCTL='' STAGE='' ADMIN_CONN='' CONN=''
TMPDIRS=()
cleanup() {
    local d
    pgp_stop_cluster
    for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bin dirs with pg_dump and pg_restore, by major (fetched when missing).
declare -A DUMPER_BIN=(
    [15]=$PGPARITY_SYSTEM_PG/15/bin
    [16]=$PGPARITY_PG_CACHE/client/16/bin
    [17]=$PGPARITY_PG_CACHE/debian-trixie-client-17/bin
)
fetch_dumpers() {
    [[ -x ${DUMPER_BIN[15]}/pg_dump ]] || pgp_die "no pg_dump 15 (apt-get install postgresql-client-15)"
    [[ -x ${DUMPER_BIN[16]}/pg_dump ]] || "$here/fetch-postgres.sh" client16 >&2
    [[ -x ${DUMPER_BIN[17]}/pg_dump ]] || "$here/fetch-postgres.sh" client17 >&2
}

start_cluster() { # sets WORK, PGCTL, ADMIN_CONN, CONN
    local sbin
    sbin=$(pgp_server_bin 15) || pgp_die "no PostgreSQL 15 server (apt-get install postgresql-15)"
    pgp_start_cluster "$sbin" "archive-fixture"
    ADMIN_CONN="host=$WORK/sock port=$PGP_PORT user=postgres dbname=postgres"
    CONN="host=$WORK/sock port=$PGP_PORT user=postgres dbname='$DBNAME'"
}

# schema, table and count(*) of every table that has data, sorted.
true_counts() { # psql-bin
    "$1/psql" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -d "$CONN" <<'SQL'
SELECT format('SELECT %L, %L, count(*) FROM ONLY %I.%I', n.nspname, c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
ORDER BY n.nspname, c.relname
\gexec
SQL
}

make_flavour() { # name major args compression rows-file
    local name=$1 major=$2 args=$3 comp=$4 rows=$5 bin dest target pipe=0 a opts=()
    bin=${DUMPER_BIN[$major]}
    for a in $args; do
        if [[ $a == PIPE ]]; then pipe=1; else opts+=("$a"); fi
    done
    dest=$STAGE/$name
    mkdir -p "$dest"
    if [[ " ${opts[*]} " == *" -Fd "* ]]; then target=$dest/archive; else target=$dest/archive.dump; fi
    if ((pipe)); then
        # Through a pipe, pg_dump cannot seek back to write data offsets into the TOC. (Stdout
        # redirected to a regular file is seekable and gets them.)
        "$bin/pg_dump" "${opts[@]}" -d "$CONN" | cat >"$target"
    else
        "$bin/pg_dump" "${opts[@]}" -d "$CONN" -f "$target"
    fi
    "$bin/pg_restore" -l "$target" >"$dest/listing.txt"
    cp "$rows" "$dest/rows.tsv"
    grep -q "^;     Compression: $comp\$" "$dest/listing.txt" ||
        pgp_die "$name: expected compression $comp in $(grep Compression "$dest/listing.txt")"
    grep -q "^;     dbname: $DBNAME\$" "$dest/listing.txt" || pgp_die "$name: dbname not in the listing"
    local how="\`pg_dump ${opts[*]}\`" version
    if ((pipe)); then how+=" into a pipe"; fi
    version=$(sed -n 's/^;     Dump Version: //p' "$dest/listing.txt")
    README_ROWS+=("| \`$name\` | $("$bin/pg_dump" --version | sed 's/^pg_dump (PostgreSQL) //') | $how | $version |")
    pgp_log "$name: $how"
}

README_ROWS=()
write_readme() { # server-version
    # shellcheck disable=SC2016 # backticks are Markdown
    {
        printf '# Archive fixtures\n\n'
        printf 'One database, `source.sql` run on a PostgreSQL %s server, dumped by `scripts/make-archive-fixtures.sh` in every archive flavour src/dump/archive reads. Each folder holds the archive (`archive.dump`, or the directory `archive/`), `listing.txt` (`pg_restore -l` of it by the same major: the expected table of contents) and `rows.tsv` (schema, table, `SELECT count(*)` of every table with data). tests/archive.rs reads them all.\n\n' "$1"
        printf '| flavour | pg_dump | written with | archive version |\n|---|---|---|---|\n'
        printf '%s\n' "${README_ROWS[@]}"
        printf '\n`pipe` flavours went through a pipe, so their table of contents has no data offsets (stdout redirected to a regular file is seekable and gets them). pg_dump 16 is 16.2 from the pgserver wheel, built without lz4 and zstd; the lz4 and zstd flavours come from Debian trixie'"'"'s pg_dump 17 instead.\n\n'
        printf '`reference/` holds the hexdump of the first 192 bytes of a pg_dump 15.18 archive and the listing of an independent reader, from `migration-facts.md` §6.2 (its data/ folder).\n\n'
        printf 'Regenerating changes oids, dump ids and times; the tests depend on none of them.\n'
    } >"$STAGE/README.md"
}

# Bytes of the files under a directory.
file_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

main() {
    local e name major args comp psql_bin
    case ${1-} in
        -h|--help) usage; exit 0 ;;
        '') ;;
        *) usage >&2; pgp_die "unexpected argument '$1'" ;;
    esac
    psql_bin=$PGPARITY_SYSTEM_PG/15/bin
    fetch_dumpers
    start_cluster
    "$psql_bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_CONN" -c "CREATE DATABASE \"$DBNAME\"" >/dev/null
    "$psql_bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$CONN" -f "$OUT/source.sql" >/dev/null ||
        pgp_die "fixtures/archives/source.sql failed"

    mkdir -p "$OUT"
    STAGE=$(mktemp -d "$OUT/.stage.XXXXXX")
    TMPDIRS+=("$STAGE")
    true_counts "$psql_bin" >"$STAGE/rows.tsv"
    [[ $(wc -l <"$STAGE/rows.tsv") -ge 5 ]] || pgp_die "expected at least 5 tables in rows.tsv"

    for e in "${FLAVOURS[@]}"; do
        IFS='|' read -r name major args comp <<<"$e"
        make_flavour "$name" "$major" "$args" "$comp" "$STAGE/rows.tsv"
    done

    write_readme "$("$psql_bin/psql" -X -At -d "$CONN" -c 'SHOW server_version')"

    # Replace the old fixtures only once every flavour was written.
    for e in "${FLAVOURS[@]}"; do
        name=${e%%|*}
        chmod -R a+rX,go-w "$STAGE/$name"
        rm -rf -- "${OUT:?}/$name"
        mv -- "$STAGE/$name" "$OUT/$name"
    done
    chmod 644 "$STAGE/README.md"
    mv -f -- "$STAGE/README.md" "$OUT/README.md"
    printf 'make-archive-fixtures: wrote %d fixtures\n' "${#FLAVOURS[@]}"
    for e in "${FLAVOURS[@]}"; do
        name=${e%%|*}
        printf '  %7d bytes  %s\n' "$(file_bytes "$OUT/$name")" "fixtures/archives/$name"
    done
    printf '  %7d bytes  in all\n' "$(file_bytes "$OUT")"
}

main "$@"
