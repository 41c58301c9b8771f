#!/usr/bin/env bash
# make-fixtures.sh - build provider-shaped throwaway clusters, dump their roles with real
# pg_dumpall and write the committed fixtures.
#
# Usage: scripts/make-fixtures.sh [SOURCE...]
#   SOURCE  azure-single | azure-flexible | aws-rds | gcp-cloudsql | community (default: all)
#
# For each SOURCE: initdb a cluster of the server major below (as the server user, private
# Unix socket only), run fixtures/sources/<SOURCE>.sql as the bootstrap superuser postgres,
# then write
#   fixtures/roles/<SOURCE>/passwords/roles.sql      pg_dumpall -r
#   fixtures/roles/<SOURCE>/no-passwords/roles.sql   pg_dumpall -r --no-role-passwords
#   fixtures/roles/<SOURCE>/README.md
# and remove the cluster (also on failure). Binaries come from scripts/fetch-postgres.sh's
# cache (run automatically). Rerunnable; only password hashes (SCRAM salts) differ between runs.
#
# Environment: see scripts/pg-env.sh (PGPARITY_PG_CACHE, PGPARITY_PG_USER).
set -euo pipefail

export PGP_PROG=make-fixtures
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

# Fixed \restrict key (alphanumeric) so pg_dumpall >= 15.14 output is deterministic.
RESTRICT_KEY=pgparityFixtureRestrictKey0123456789

# source | server major | pg_dumpall major | provider roles (for the README)
SOURCES=(
    "azure-single|13|15|Azure Single Server service roles (azure_superuser, azure_pg_admin, azuresu, replication, azure_ad_*), admin app_admin, and look-alikes azure_pg_admin_ro, replication_app, myazuresupport"
    "azure-flexible|16|16|Flexible Server service roles (azure_pg_admin, azuresu, replication), admin flexadmin, and app_migrator created by flexadmin (PG16 auto-grant to its creator)"
    "aws-rds|16|16|RDS service roles (rdsadmin, rds_*, rdstopmgr, rdsrepladmin; grants GRANTED BY rdsadmin), master user rdsmaster (VALID UNTIL 'infinity'), an rds_iam login, and app_migrator created by rdsmaster (PG16 auto-grant)"
    "gcp-cloudsql|16|16|Cloud SQL service roles (cloudsql*; grants GRANTED BY cloudsqladmin), admin cloudadmin, IAM logins named like e-mail addresses, and app_migrator created by cloudadmin (PG16 auto-grant)"
    "community|15|15|a second superuser dba, REPLICATION role repl_user, BYPASSRLS role etl_bypass"
)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# Keep the caller's libpq environment (PGHOST, PGOPTIONS, PGSERVICE, ...) out of our clusters.
while IFS= read -r v; do
    [[ $v == PGPARITY_* || $v == PGP_PROG ]] || unset "$v"
done < <(compgen -e | grep '^PG' || true)
export PGTZ=UTC PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8

WORK='' PGCTL='' DUMPALL_BIN='' WRITTEN=()
TMPFILES=()
cleanup() {
    local f
    pgp_stop_cluster
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

# Sanity checks on a dump before it replaces the committed fixture.
check_dump() { # tmpfile fixture-path variant server-major dumper-major nroles restrict?
    local f=$1 label=$2 variant=$3 smaj=$4 dmaj=$5 nroles=$6 restrict=$7 n
    check() { local what=$1; shift; grep -q "$@" -- "$f" || pgp_die "$label: expected $what"; }
    check_not() { local what=$1; shift; if grep -q "$@" -- "$f"; then pgp_die "$label: unexpected $what"; fi; }
    n=$(grep -c '^CREATE ROLE ' "$f" || true)
    [[ $n -eq $nroles ]] || pgp_die "$label: $n CREATE ROLE lines, but the cluster has $nroles roles"
    check 'the unicode role' -F 'CREATE ROLE "Ünïcödé";'
    check 'a list-valued search_path' -F 'ALTER ROLE app_api SET search_path TO '
    # pg_dumpall 16.2 (pgserver wheel) asks shobj_description(oid, 'pg_roles') when given
    # --no-role-passwords, so it silently drops COMMENT ON ROLE; 15.18 asks 'pg_authid'.
    if [[ $variant == no-passwords && $dmaj == 16 ]] && ! grep -q "shobj_description(oid, 'pg_authid')" "$DUMPALL_BIN"; then
        check_not 'a role comment (pg_dumpall 16.2 drops them)' -F 'COMMENT ON ROLE'
    else
        check 'the role comment' -F "COMMENT ON ROLE app_api IS 'API service, it''s critical';"
    fi
    check 'GRANTED BY ops_admin' -F 'GRANTED BY ops_admin'
    if [[ $variant == passwords ]]; then
        check 'a SCRAM or MD5 password' -e "PASSWORD 'SCRAM-SHA-256\\\$" -e "PASSWORD 'md5"
        check 'an MD5 password' -E "^ALTER ROLE report_md5 .*PASSWORD 'md5[0-9a-f]{32}'"
    else
        check_not 'PASSWORD' -F 'PASSWORD'
    fi
    if ((restrict)); then
        check '\restrict' -Fx "\\restrict $RESTRICT_KEY"
        check '\unrestrict' -Fx "\\unrestrict $RESTRICT_KEY"
    else
        check_not '\restrict' -E '^\\(un)?restrict'
    fi
    if ((smaj >= 16 && dmaj >= 16)); then
        check 'INHERIT FALSE' -F 'INHERIT FALSE'
        check 'SET FALSE' -F 'SET FALSE'
    else
        check_not 'INHERIT/SET options' -E 'INHERIT (TRUE|FALSE)|SET FALSE'
    fi
}

build_source() { # name server_major dumper_major description
    local name=$1 smaj=$2 dmaj=$3 desc=$4
    local sql=$repo/fixtures/sources/$name.sql out=$repo/fixtures/roles/$name
    local sbin cbin conn sver dver nroles restrict=() variant f tmp
    [[ -f $sql ]] || pgp_die "missing $sql"
    sbin=$(pgp_server_bin "$smaj") || pgp_die "no PostgreSQL $smaj server (run scripts/fetch-postgres.sh $smaj)"
    cbin=$(pgp_client_bin "$dmaj") || pgp_die "no pg_dumpall $dmaj (client16 from fetch-postgres.sh, 15 from postgresql-client-15)"
    if "$cbin/pg_dumpall" --help | grep -q -- '--restrict-key'; then
        restrict=(--restrict-key="$RESTRICT_KEY")
    fi

    pgp_log "$name: pg_dumpall $dmaj ($cbin)"
    pgp_start_cluster "$sbin" "fixture-$name"

    conn=(-h "$WORK/sock" -p "$PGP_PORT" -U postgres)
    "$cbin/psql" -X -q -v ON_ERROR_STOP=1 "${conn[@]}" -d postgres -f "$sql" >/dev/null ||
        pgp_die "$name: $sql failed"
    sver=$("$cbin/psql" -X -At "${conn[@]}" -d postgres -c 'SHOW server_version')
    nroles=$("$cbin/psql" -X -At "${conn[@]}" -d postgres -c "SELECT count(*) FROM pg_roles WHERE rolname !~ '^pg_'")
    dver=$("$cbin/pg_dumpall" --version)

    for variant in passwords no-passwords; do
        local args=(-r "${restrict[@]+"${restrict[@]}"}")
        [[ $variant == passwords ]] || args+=(--no-role-passwords)
        f=$out/$variant/roles.sql
        mkdir -p "$out/$variant"
        tmp=$(mktemp "$out/$variant/.roles.sql.XXXXXX")
        TMPFILES+=("$tmp")
        "$cbin/pg_dumpall" "${conn[@]}" -l postgres "${args[@]}" >"$tmp" ||
            pgp_die "$name: pg_dumpall ${args[*]} failed"
        DUMPALL_BIN=$(readlink -f "$cbin/pg_dumpall")
        check_dump "$tmp" "$f" "$variant" "$smaj" "$dmaj" "$nroles" "${#restrict[@]}"
        chmod 644 "$tmp"
        mv -f -- "$tmp" "$f"
        WRITTEN+=("$f")
    done

    local readme
    # shellcheck disable=SC2016 # backticks are Markdown
    readme=$({
        printf '# Role fixtures: %s\n\n' "$name"
        printf 'PostgreSQL %s server (%s) dumped with pg_dumpall %s from %s by `scripts/make-fixtures.sh` from `fixtures/sources/%s.sql`; `passwords/` is `pg_dumpall -r`, `no-passwords/` adds `--no-role-passwords`. ' \
            "${sver%% *}" "$(source_of "$sbin")" "${dver##*) }" "$(source_of "$cbin")" "$name"
        printf 'Holds %s, plus the application role set shared by all sources (quoted/unicode/reserved-word names, an MD5 password, role settings, comments, grants by ops_admin and app_batch). ' "$desc"
        if ((${#restrict[@]})); then
            printf 'Has `\\restrict`/`\\unrestrict` (key `%s`) and `GRANTED BY` on every grant; no INHERIT/SET options. ' "$RESTRICT_KEY"
        else
            printf 'PG16+ grant forms (`WITH ADMIN OPTION, INHERIT TRUE|FALSE, SET FALSE`, `GRANTED BY`); no `\\restrict`. '
        fi
        if [[ $dmaj == 16 ]] && ! grep -q "shobj_description(oid, 'pg_authid')" "$DUMPALL_BIN"; then
            printf 'Caveat: pg_dumpall %s omits `COMMENT ON ROLE` with `--no-role-passwords` (it reads the comment via `pg_roles`; pg_dumpall 15.18 does not have this bug). ' "${dver##*) }"
        fi
        if grep -q "PASSWORD 'SCRAM" "$out/passwords/roles.sql"; then
            printf 'SCRAM salts change on every regeneration.'
        else
            printf 'All stored passwords are MD5 (the PG%s default), so regeneration is byte-identical.' "$smaj"
        fi
        printf '\n'
    })
    write_atomic "$out/README.md" <<<"$readme"

    pgp_stop_cluster
}

# Human-readable origin of a server bin dir.
# shellcheck disable=SC2016 # backticks are Markdown
source_of() {
    local bin=$1
    if [[ -f $bin/../SOURCE ]]; then printf '%s' "$(cut -d' ' -f1 <"$bin/../SOURCE")"
    else printf '%s (distro package)' "$bin"; fi
}

main() {
    local want=() a e name smaj dmaj desc found servers=() s
    for a in "$@"; do
        case $a in
            -h|--help) usage; exit 0 ;;
            -*) usage >&2; pgp_die "unknown option '$a'" ;;
            *) want+=("$a") ;;
        esac
    done
    if ((${#want[@]} == 0)); then
        for e in "${SOURCES[@]}"; do want+=("${e%%|*}"); done
    fi
    for a in "${want[@]}"; do
        found=
        for e in "${SOURCES[@]}"; do [[ ${e%%|*} == "$a" ]] && found=1; done
        [[ -n $found ]] || pgp_die "unknown source '$a' (known: $(printf '%s ' "${SOURCES[@]%%|*}"))"
    done

    # Fetch what the selected sources need (server majors, client 16 when used).
    for a in "${want[@]}"; do
        for e in "${SOURCES[@]}"; do
            [[ ${e%%|*} == "$a" ]] || continue
            IFS='|' read -r name smaj dmaj desc <<<"$e"
            [[ " ${servers[*]-} " == *" $smaj "* ]] || servers+=("$smaj")
            if [[ $dmaj == 16 && " ${servers[*]} " != *" client16 "* ]]; then servers+=(client16); fi
            if [[ $dmaj == 15 && " ${servers[*]} " != *" 15 "* ]]; then servers+=(15); fi
        done
    done
    "$here/fetch-postgres.sh" "${servers[@]}" >&2

    for a in "${want[@]}"; do
        for e in "${SOURCES[@]}"; do
            [[ ${e%%|*} == "$a" ]] || continue
            IFS='|' read -r name smaj dmaj desc <<<"$e"
            build_source "$name" "$smaj" "$dmaj" "$desc"
        done
    done

    printf 'make-fixtures: wrote %d files\n' "${#WRITTEN[@]}"
    for s in "${WRITTEN[@]}"; do
        printf '  %5d lines  %s\n' "$(wc -l <"$s")" "${s#"$repo"/}"
    done
}

main "$@"
