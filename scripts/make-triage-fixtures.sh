#!/usr/bin/env bash
# make-triage-fixtures.sh - restore real roles scripts and database dumps into provider-shaped
# throwaway targets as the target's administrator, and keep what psql and pg_restore write to
# stderr: the fixtures of `pgparity triage`.
#
# Usage: scripts/make-triage-fixtures.sh [PROFILE...]
#        scripts/make-triage-fixtures.sh --reports
#   PROFILE    azure-flexible | azure-single | aws-rds | gcp-cloudsql | community (default: all)
#   --reports  only rewrite README.md, CLASSES.md and messages.tsv from the logs in
#              fixtures/triage (after a change to the JUDGMENTS table); starts no server
#
# For each PROFILE, in throwaway clusters (private Unix socket only, run by the server user):
#   source  the profile's source shape: fixtures/sources/<PROFILE>.sql, then
#           fixtures/triage/sources/database.sql (database appdb) on a private copy of the server
#           that also has the extension legacy_audit (fixtures/triage/sources/legacy_audit*);
#           appdb is dumped with pg_dump 16 as plain SQL, -Fc and -Fd (and, for sources of 15 or
#           older, with pg_dump 15 as plain SQL with \restrict).
#   target  initdb of the target major with the provider's bootstrap superuser, shaped by
#           fixtures/triage/sources/target-<PROFILE>.sql; three fresh ones per profile:
#             raw      psql -f roles.sql               (fixtures/roles/<PROFILE>/<variant>/roles.sql)
#             cleaned  psql -f roles-cleaned.sql       (pgparity roles clean --profile PROFILE)
#                      then each dump into its own new database: psql -f dump.sql, pg_restore of
#                      dump.custom (also with -v), of dump.dir, of dump.dir with -j 2 (and
#                      psql -f dump-pg15.sql)
#             live     psql -f roles-cleaned-live.sql  (pgparity roles clean --profile PROFILE
#                      --target <that live target>)
# Every restore runs as the administrator the profile applies as, from a directory holding the
# inputs under the names above, without ON_ERROR_STOP / --exit-on-error, with stderr kept:
#   fixtures/triage/<PROFILE>/{roles-raw,roles-cleaned,roles-cleaned-live}.log
#   fixtures/triage/<PROFILE>/dump-{plain,custom,custom-verbose,directory,directory-j2}.log
#   fixtures/triage/<PROFILE>/dump-plain-pg15.log                (azure-single, community)
# with the inputs beside them (roles.sql, roles-cleaned.sql, roles-cleaned-live.sql and the
# cleaner's reports *.report.md, dump.sql, dump-pg15.sql, dump.toc = pg_restore -l of dump.custom
# without its "Archive created at" line), logs.tsv (command, exit status and counts of each log)
# and meta.tsv (versions, roles); then, from all profiles' logs, fixtures/triage/README.md,
# CLASSES.md (every distinct message, normalized, with counts and a verdict from the JUDGMENTS
# table below; the script fails on a message no class matches) and messages.tsv (each message
# with its log, lines and class). The archives themselves (dump.custom, dump.dir) are not kept:
# they hold their creation time.
#
# Determinism: C messages (lc_messages = 'C', LC_ALL=C.UTF-8), UTC, port 5432 on a private
# socket directory, relative file names, fixed \restrict key, sources built the same way each
# time (so the OIDs in pg_restore -v's "from TOC entry" lines repeat). Not deterministic: the
# order of dump-directory-j2.log (two workers).
#
# pgparity: $PGPARITY_BIN when set, else built with `cargo build --release --bin pgparity` (into
# $CARGO_TARGET_DIR or target/). Servers and client tools come from scripts/fetch-postgres.sh's
# cache (run automatically). Environment: see scripts/pg-env.sh (PGPARITY_PG_CACHE, PGPARITY_PG_USER).
set -euo pipefail

export PGP_PROG=make-triage-fixtures
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

out=$repo/fixtures/triage
srcdir=$out/sources
# Fixed \restrict key (alphanumeric) so pg_dump >= 15.14 output is deterministic.
RESTRICT_KEY=pgparityFixtureRestrictKey0123456789
# Fixed, because every cluster listens only on its own socket directory.
PORT=5432

# profile | target major | target bootstrap superuser | applier (restores as) |
# roles fixture variant | psql major for the roles scripts (the pg_dumpall that wrote them) |
# source major | owner_admin | owner_service | grantee_service | public_owner (database.sql)
PROFILES=(
    "azure-flexible|17|azuresu|flexadmin|no-passwords|16|16|flexadmin|azuresu|azure_pg_admin|azure_pg_admin"
    "azure-single|13|azure_superuser|app_admin|no-passwords|15|13|app_admin|azure_superuser|azure_pg_admin|"
    "aws-rds|17|rdsadmin|postgres|no-passwords|16|16|rdsmaster|rdsadmin|rds_superuser|"
    "gcp-cloudsql|17|cloudsqladmin|postgres|no-passwords|16|16|cloudadmin|cloudsqladmin|cloudsqlsuperuser|"
    "community|17|postgres|postgres|passwords|15|15|dba|postgres|repl_user|"
)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# Keep the caller's libpq environment (PGHOST, PGOPTIONS, PGSERVICE, ...) out of our clusters.
while IFS= read -r v; do
    [[ $v == PGPARITY_* || $v == PGP_PROG ]] || unset "$v"
done < <(compgen -e | grep '^PG' || true)
# TZ: initdb writes the zone it finds into postgresql.conf (timezone, log_timezone).
export PGTZ=UTC TZ=UTC PGCLIENTENCODING=UTF8 LC_ALL=C.UTF-8 LC_MESSAGES=C

WORK='' PGCTL='' SOCK='' WRITTEN=()
TMPFILES=() TMPDIRS=()
stop_cluster() {
    if [[ -n $WORK && -n $PGCTL && -f $WORK/data/postmaster.pid ]]; then
        (cd / && pgp_as_pg "$PGCTL" -D "$WORK/data" -m fast -w -t 60 stop >/dev/null 2>&1) ||
            (cd / && pgp_as_pg "$PGCTL" -D "$WORK/data" -m immediate stop >/dev/null 2>&1) || true
    fi
    [[ -z $WORK ]] || rm -rf -- "$WORK"
    WORK='' PGCTL='' SOCK=''
}
cleanup() {
    local f
    stop_cluster
    for f in "${TMPFILES[@]+"${TMPFILES[@]}"}"; do rm -f -- "$f"; done
    for f in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$f"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Copy FILE to the fixture path DEST atomically.
install_file() { # file dest
    local file=$1 dest=$2 tmp
    mkdir -p "$(dirname "$dest")"
    tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
    TMPFILES+=("$tmp")
    cat -- "$file" >"$tmp"
    chmod 644 "$tmp"
    mv -f -- "$tmp" "$dest"
    WRITTEN+=("$dest")
}

# Write stdin to the fixture path $1 atomically.
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

# A private copy of the MAJOR server under DEST with legacy_audit added to its extension
# directory; prints the copy's bin directory. npm layout (bin/ lib/ share/ side by side) is
# copied whole; a distro layout (bindir and sharedir apart, relocatable by their common prefix)
# is rebuilt under DEST with pg_config's directories.
private_server() { # major dest
    local major=$1 dest=$2 bin bindir sharedir prefix home extdir
    bin=$(pgp_server_bin "$major") || pgp_die "no PostgreSQL $major server (run scripts/fetch-postgres.sh $major)"
    mkdir -p "$dest"
    if [[ -d $bin/../share && -d $bin/../lib ]]; then
        cp -a -- "$bin/.." "$dest/pg"
        bin=$dest/pg/bin
    else
        [[ -x $bin/pg_config ]] || pgp_die "$bin: no pg_config to relocate the server by"
        bindir=$("$bin/pg_config" --bindir)
        sharedir=$("$bin/pg_config" --sharedir)
        prefix=$bindir
        while [[ $sharedir != "$prefix"/* ]]; do prefix=$(dirname "$prefix"); done
        # e.g. /usr/lib/postgresql/15/{bin,lib} -> DEST/pg/lib/postgresql/15/, /usr/share/postgresql/15 -> DEST/pg/share/postgresql/15
        home=$(dirname "${bindir#"$prefix"/}")
        mkdir -p "$dest/pg/$(dirname "$home")" "$dest/pg/$(dirname "${sharedir#"$prefix"/}")"
        cp -a -- "$(dirname "$bindir")" "$dest/pg/$(dirname "$home")/"
        cp -a -- "$sharedir" "$dest/pg/$(dirname "${sharedir#"$prefix"/}")/"
        bin=$dest/pg/${bindir#"$prefix"/}
    fi
    extdir=$(dirname "$(find "$dest/pg" -name plpgsql.control -print -quit)")
    [[ -d $extdir ]] || pgp_die "no extension directory in the copy of $major"
    cp -- "$srcdir/legacy_audit.control" "$srcdir/legacy_audit--1.0.sql" "$extdir/"
    chmod -R a+rX "$dest/pg"
    printf '%s\n' "$bin"
}

# Start a cluster from SBIN whose bootstrap superuser is USER (initdb -U). Sets WORK, PGCTL, SOCK.
start_cluster() { # label server-bin bootstrap-user [work-dir]
    local label=$1 sbin=$2 user=$3
    if [[ -n ${4:-} ]]; then WORK=$4; else WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgparity-triage-${label//[^a-zA-Z0-9-]/-}.XXXXXX"); fi
    chmod 700 "$WORK"
    mkdir -p "$WORK/sock"
    pgp_chown_pg "$WORK"
    SOCK=$WORK/sock
    PGCTL=$sbin/pg_ctl
    pgp_log "$label: $("$sbin/postgres" --version) ($sbin), bootstrap superuser $user"
    (cd "$WORK" && pgp_as_pg "$sbin/initdb" -D "$WORK/data" -U "$user" -A trust -E UTF8 --locale=C -N \
        >"$WORK/initdb.log" 2>&1) || { cat "$WORK/initdb.log" >&2; pgp_die "$label: initdb failed"; }
    printf '%s\n' '' '# make-triage-fixtures.sh: small, fixed, C messages' \
        "max_connections = 20" "shared_buffers = 16MB" "dynamic_shared_memory_type = posix" \
        "huge_pages = off" "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
        "timezone = 'UTC'" "log_timezone = 'UTC'" "lc_messages = 'C'" |
        pgp_as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
    (cd "$WORK" && pgp_as_pg "$PGCTL" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
        -o "-p $PORT -k $SOCK -c listen_addresses=''" start >/dev/null) ||
        { cat "$WORK/server.log" >&2 || true; pgp_die "$label: server did not start"; }
}

# Run a setup SQL file as USER with ON_ERROR_STOP; its output goes to the cluster's setup.log.
setup_sql() { # label user file [psql args...]
    local label=$1 user=$2 file=$3
    shift 3
    "$PSQL16" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U "$user" -d postgres "$@" -f "$file" \
        >>"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log" >&2; pgp_die "$label: $file failed"; }
}

# One restore, run in the directory RUN (relative input names), stderr into RUN/LOG.
# Fails only when the tool could not work at all (no connection, unreadable input).
restore() { # log tool-args...
    local log=$1 rc=0
    shift
    (cd "$RUN" && "$@" >/dev/null 2>"$log") || rc=$?
    if grep -Eq '^(psql|pg_restore): error: (connection to server|could not open input file|[^ ]+: No such file)' -- "$RUN/$log"; then
        cat -- "$RUN/$log" >&2
        pgp_die "$log: the restore did not run"
    fi
    printf '%s\n' "$rc" >"$RUN/$log.rc"
}

# psql as USER on DB of the running cluster, for set-up steps and queries (not logged).
q() { # user db args...
    local user=$1 db=$2
    shift 2
    "$PSQL16" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U "$user" -d "$db" "$@"
}

# "LOGIN CREATEROLE CREATEDB, not a superuser, member of x, y" for ROLE on the running cluster.
describe_role() { # role
    q "$1" postgres -At -c "
        SELECT concat_ws(', ',
            concat_ws(' ', CASE WHEN rolsuper THEN 'SUPERUSER' END, CASE WHEN rolcanlogin THEN 'LOGIN' END,
                      CASE WHEN rolcreaterole THEN 'CREATEROLE' END, CASE WHEN rolcreatedb THEN 'CREATEDB' END,
                      CASE WHEN rolreplication THEN 'REPLICATION' END, CASE WHEN rolbypassrls THEN 'BYPASSRLS' END)
            || CASE WHEN rolsuper THEN '' ELSE ' (not a superuser)' END,
            (SELECT 'member of ' || string_agg(b.rolname, ', ' ORDER BY b.rolname)
               FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid))
        FROM pg_roles r WHERE rolname = current_user"
}
# One restore as the applier: run it (see restore) and note it in RUN/logs.tsv as
# log, input, target state, command as shown in the README (connection options left out).
restore_as() { # log input target-state display-command tool-args...
    local log=$1 input=$2 state=$3 shown=$4
    shift 4
    restore "$log" "$@"
    printf '%s\t%s\t%s\t%s\t%s\n' "$log" "$input" "$state" "$shown" "$(cat "$RUN/$log.rc")" >>"$RUN/logs.tsv"
}

# Everything for one profile; the results replace fixtures/triage/<name>/ at the end.
build_profile() { # PROFILES entry
    local name tmaj tsuper applier variant rmaj smaj owner_admin owner_service grantee_service public_owner
    IFS='|' read -r name tmaj tsuper applier variant rmaj smaj owner_admin owner_service grantee_service public_owner <<<"$1"
    local roles=$repo/fixtures/roles/$name/$variant/roles.sql
    local scopy sbin tbin psql_roles sver tver applier_desc rc db kind state dump15_version dumped15=0
    local -a pgargs vars conn clean_args
    [[ -f $roles ]] || pgp_die "missing $roles (scripts/make-fixtures.sh writes it)"
    psql_roles=$(pgp_client_bin "$rmaj")/psql || pgp_die "no psql $rmaj"
    tbin=$(pgp_server_bin "$tmaj") || pgp_die "no PostgreSQL $tmaj server (run scripts/fetch-postgres.sh $tmaj)"
    RUN=$(mktemp -d "${TMPDIR:-/tmp}/pgparity-triage-$name-run.XXXXXX")
    TMPDIRS+=("$RUN")
    cp -- "$roles" "$RUN/roles.sql"
    : >"$RUN/logs.tsv"

    # --- the source and its dumps --------------------------------------------------------
    scopy=$(mktemp -d "${TMPDIR:-/tmp}/pgparity-triage-$name-server.XXXXXX")
    TMPDIRS+=("$scopy")
    chmod 755 "$scopy"
    sbin=$(private_server "$smaj" "$scopy")
    start_cluster "$name source" "$sbin" postgres
    pgp_as_pg mkdir "$WORK/app_space"
    setup_sql "$name source" postgres "$repo/fixtures/sources/$name.sql"
    vars=(-v tablespace_dir="$WORK/app_space" -v owner_admin="$owner_admin"
          -v owner_service="$owner_service" -v grantee_service="$grantee_service")
    [[ -z $public_owner ]] || vars+=(-v public_owner="$public_owner")
    setup_sql "$name source" postgres "$srcdir/database.sql" "${vars[@]}"
    sver=$(q postgres postgres -At -c 'SHOW server_version')
    pgargs=(-h "$SOCK" -p "$PORT" -U postgres -d appdb)
    (cd "$RUN" && "$PG_DUMP16" "${pgargs[@]}" -f dump.sql &&
        "$PG_DUMP16" "${pgargs[@]}" -Fc -f dump.custom &&
        "$PG_DUMP16" "${pgargs[@]}" -Fd -f dump.dir) 2>"$RUN/pg_dump.err" ||
        { cat "$RUN/pg_dump.err" >&2; pgp_die "$name: pg_dump failed"; }
    if ((smaj <= 15)); then
        (cd "$RUN" && "$PG_DUMP15" "${pgargs[@]}" --restrict-key="$RESTRICT_KEY" -f dump-pg15.sql) 2>>"$RUN/pg_dump.err" ||
            { cat "$RUN/pg_dump.err" >&2; pgp_die "$name: pg_dump 15 failed"; }
        dumped15=1
    fi
    [[ ! -s $RUN/pg_dump.err ]] || { cat "$RUN/pg_dump.err" >&2; pgp_die "$name: pg_dump wrote to stderr"; }
    "$PG_RESTORE16" -l "$RUN/dump.custom" | grep -v '^; Archive created at ' >"$RUN/dump.toc"
    stop_cluster
    rm -rf -- "$scopy"

    # --- target 1: the raw roles script ---------------------------------------------------
    start_cluster "$name target (raw roles)" "$tbin" "$tsuper"
    setup_sql "$name target" "$tsuper" "$srcdir/target-$name.sql"
    tver=$(q "$tsuper" postgres -At -c 'SHOW server_version')
    applier_desc=$(describe_role "$applier")
    conn=(-h "$SOCK" -p "$PORT" -U "$applier")
    restore_as roles-raw.log roles.sql "fresh target" \
        "psql -X -U $applier -d postgres -f roles.sql" \
        "$psql_roles" -X "${conn[@]}" -d postgres -f roles.sql
    stop_cluster

    # --- target 2: the cleaned roles script, then the dumps ----------------------------------
    clean_args=(roles clean roles.sql --profile "$name" --target-version "$tmaj" -o roles-cleaned.sql
                --format markdown --report roles-cleaned.report.md)
    rc=0
    (cd "$RUN" && "$PGPARITY" "${clean_args[@]}") || rc=$?
    [[ -s $RUN/roles-cleaned.sql ]] || pgp_die "$name: pgparity roles clean wrote nothing (exit $rc)"
    start_cluster "$name target (cleaned roles, dumps)" "$tbin" "$tsuper"
    setup_sql "$name target" "$tsuper" "$srcdir/target-$name.sql"
    conn=(-h "$SOCK" -p "$PORT" -U "$applier")
    restore_as roles-cleaned.log roles-cleaned.sql "fresh target" \
        "pgparity ${clean_args[*]}; psql -X -U $applier -d postgres -f roles-cleaned.sql" \
        "$psql_roles" -X "${conn[@]}" -d postgres -f roles-cleaned.sql
    for kind in plain custom custom-verbose directory directory-j2 plain-pg15; do
        [[ $kind != plain-pg15 ]] || ((dumped15)) || continue
        db=appdb_${kind//-/_}
        q "$applier" postgres -c "CREATE DATABASE $db"
        state="after roles-cleaned.sql; new database $db created by $applier"
        case $kind in
            plain) restore_as dump-plain.log dump.sql "$state" "psql -X -U $applier -d $db -f dump.sql" \
                "$PSQL16" -X "${conn[@]}" -d "$db" -f dump.sql ;;
            plain-pg15) restore_as dump-plain-pg15.log dump-pg15.sql "$state" "psql -X -U $applier -d $db -f dump-pg15.sql" \
                "$PSQL16" -X "${conn[@]}" -d "$db" -f dump-pg15.sql ;;
            custom) restore_as dump-custom.log dump.custom "$state" "pg_restore -U $applier -d $db dump.custom" \
                "$PG_RESTORE16" "${conn[@]}" -d "$db" dump.custom ;;
            custom-verbose) restore_as dump-custom-verbose.log dump.custom "$state" "pg_restore -v -U $applier -d $db dump.custom" \
                "$PG_RESTORE16" -v "${conn[@]}" -d "$db" dump.custom ;;
            directory) restore_as dump-directory.log dump.dir "$state" "pg_restore -U $applier -d $db dump.dir" \
                "$PG_RESTORE16" "${conn[@]}" -d "$db" dump.dir ;;
            directory-j2) restore_as dump-directory-j2.log dump.dir "$state" "pg_restore -j 2 -U $applier -d $db dump.dir" \
                "$PG_RESTORE16" -j 2 "${conn[@]}" -d "$db" dump.dir ;;
        esac
    done
    stop_cluster

    # --- target 3: cleaned against the live target ---------------------------------------
    start_cluster "$name target (roles cleaned live)" "$tbin" "$tsuper"
    setup_sql "$name target" "$tsuper" "$srcdir/target-$name.sql"
    conn=(-h "$SOCK" -p "$PORT" -U "$applier")
    clean_args=(roles clean roles.sql --profile "$name" --target "host=$SOCK port=$PORT user=$applier dbname=postgres"
                -o roles-cleaned-live.sql --format markdown --report roles-cleaned-live.report.md)
    rc=0
    (cd "$RUN" && "$PGPARITY" "${clean_args[@]}") || rc=$?
    [[ -s $RUN/roles-cleaned-live.sql ]] || pgp_die "$name: pgparity roles clean --target wrote nothing (exit $rc)"
    clean_args[6]="'host=<socket dir> port=$PORT user=$applier dbname=postgres'"
    restore_as roles-cleaned-live.log roles-cleaned-live.sql "fresh target" \
        "pgparity ${clean_args[*]}; psql -X -U $applier -d postgres -f roles-cleaned-live.sql" \
        "$psql_roles" -X "${conn[@]}" -d postgres -f roles-cleaned-live.sql
    stop_cluster

    dump15_version=''
    ((dumped15 == 0)) || dump15_version=$("$PG_DUMP15" --version)
    printf '%s\t%s\n' \
        profile "$name" \
        source_version "$sver" \
        source_server "$(source_of "$smaj")" \
        source_vars "owner_admin=$owner_admin owner_service=$owner_service grantee_service=$grantee_service${public_owner:+ public_owner=$public_owner}" \
        roles_fixture "fixtures/roles/$name/$variant/roles.sql" \
        roles_psql "$("$psql_roles" --version)" \
        pg_dump "$("$PG_DUMP16" --version)" \
        pg_dump15 "$dump15_version" \
        client "$("$PSQL16" --version)" \
        target_version "$tver" \
        target_server "$(source_of "$tmaj")" \
        target_bootstrap "$tsuper" \
        applier "$applier" \
        applier_attributes "$applier_desc" >"$RUN/meta.tsv"
    install_profile "$name"
}

# Human-readable origin of a server major's binaries.
source_of() {
    local bin
    bin=$(pgp_server_bin "$1") || return 0
    if [[ -f $bin/../SOURCE ]]; then printf '%s' "$(cut -d' ' -f1 <"$bin/../SOURCE")"
    else printf '%s (distro package)' "$bin"; fi
}

# Counts of one log: ERROR lines (server errors, as psql and pg_restore print them), the
# clients' own error lines (psql "error: invalid command ...", pg_restore "error: ..." without a
# server ERROR), WARNING lines (server and pg_restore), NOTICE lines.
log_counts() { # file -> "errors client_errors warnings notices"
    local f=$1 e c w n
    e=$(grep -c 'ERROR:  ' -- "$f" || true)
    c=$(grep -E '^(psql:[^:]*:[0-9]+: error: |pg_restore: error: )' -- "$f" | grep -vc 'ERROR:  ' || true)
    w=$(grep -Ec 'WARNING:  |^pg_restore: warning: ' -- "$f" || true)
    n=$(grep -c 'NOTICE:  ' -- "$f" || true)
    printf '%s %s %s %s\n' "$e" "$c" "$w" "$n"
}

# Replace fixtures/triage/<name>/ by what RUN holds: logs, their inputs, logs.tsv with counts,
# meta.tsv.
install_profile() { # name
    local name=$1 stage f log input state shown rc counts
    mkdir -p "$out"
    stage=$(mktemp -d "$out/.$name.XXXXXX")
    TMPDIRS+=("$stage")
    for f in roles.sql roles-cleaned.sql roles-cleaned.report.md roles-cleaned-live.sql \
        roles-cleaned-live.report.md dump.sql dump-pg15.sql dump.toc meta.tsv; do
        [[ ! -f $RUN/$f ]] || cp -- "$RUN/$f" "$stage/$f"
    done
    printf 'log\tinput\ttarget\tcommand\texit_status\terror_lines\tclient_error_lines\twarning_lines\tnotice_lines\n' >"$stage/logs.tsv"
    while IFS=$'\t' read -r log input state shown rc; do
        cp -- "$RUN/$log" "$stage/$log"
        counts=$(log_counts "$RUN/$log")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$log" "$input" "$state" "$shown" "$rc" "${counts// /$'\t'}" >>"$stage/logs.tsv"
    done <"$RUN/logs.tsv"
    if grep -rlF -e "$RUN" -e "${TMPDIR:-/tmp}/pgparity-triage-" -- "$stage" >/dev/null; then
        grep -rlF -e "$RUN" -e "${TMPDIR:-/tmp}/pgparity-triage-" -- "$stage" >&2
        pgp_die "$name: a temporary path reached the fixtures"
    fi
    chmod 755 "$stage"
    chmod 644 "$stage"/*
    rm -rf -- "${out:?}/${name:?}"
    mv -- "$stage" "$out/$name"
    WRITTEN+=("$out/$name/")
}
# --- CLASSES.md, messages.tsv, README.md ------------------------------------------------------

# The verdicts: class id, verdict, ERE, meaning, fix ("-": none). A message belongs to the first
# class whose ERE matches "SEVERITY: text" or "SEVERITY: text || DETAIL: detail" (SEVERITY is
# ERROR/WARNING/NOTICE, or "psql error" / "pg_restore error" / "pg_restore warning" for the
# clients' own lines). A message no class matches stops the script: judge it here first.
JUDGMENTS=$(cat <<'TSV'
role-exists	harmless	^ERROR: role ".*" already exists$	CREATE ROLE of a role the target has already: a provider role (azure_pg_admin, rds_superuser, cloudsqladmin, ...), the applying administrator itself, or postgres. Nothing is lost by this line; the ALTER ROLE on the next line decides whether the attributes come along.	-
alter-own-role	harmless	^ERROR: permission denied to alter role \|\| DETAIL: Only roles with the CREATEROLE attribute and the ADMIN option on role ".*" may alter this role\.$	PG16+: ALTER ROLE of a role the applier holds no ADMIN OPTION on. In these logs always the applier's own line (roles.sql recreates the administrator, which the provider made). Actionable if it names any other role: that role keeps its old attributes.	Leave the administrator's own CREATE/ALTER ROLE lines out (pgparity roles clean --target does).
alter-superuser-role	harmless	^ERROR: permission denied to alter role \|\| DETAIL: Only roles with the SUPERUSER attribute may alter roles with the SUPERUSER attribute\.$	PG16+: ALTER ROLE of a role that is a superuser on the target, i.e. the provider's own (azuresu, rdsadmin, cloudsqladmin). It stays as the provider made it.	-
alter-role-attribute	actionable	^ERROR: permission denied to alter role \|\| DETAIL: Only roles with the (SUPERUSER|REPLICATION|BYPASSRLS) attribute may change the (SUPERUSER|REPLICATION|BYPASSRLS) attribute\.$	PG16+: pg_dumpall writes NOSUPERUSER ... NOREPLICATION NOBYPASSRLS into every ALTER ROLE, and only a role with the attribute may write it. The whole statement fails, so LOGIN, CONNECTION LIMIT, VALID UNTIL and PASSWORD are not set either: the role exists (CREATE ROLE made it NOLOGIN) but cannot log in.	Drop the [NO]SUPERUSER/[NO]REPLICATION/[NO]BYPASSRLS keywords from the ALTER ROLE lines (pgparity roles clean) and run those lines again.
alter-superusers-pre16	actionable	^ERROR: must be superuser to alter superusers$	PostgreSQL 13's text for alter-role-attribute and alter-superuser-role (15 words it "must be superuser to alter superuser roles or change superuser attribute", per migration-facts 1.6; no 15 target here): any NOSUPERUSER keyword, or a role that is a superuser. Actionable for your roles (left NOLOGIN, without password and limits), harmless on a provider superuser's own line.	As alter-role-attribute.
set-parameter	actionable	^ERROR: permission denied to set parameter ".*"$	A superuser-only parameter, in ALTER ROLE ... SET (that setting is lost) or in a function's SET clause (the whole CREATE FUNCTION fails and "function ... does not exist" follows).	Drop the setting (pgparity roles clean does for roles) and set it server-wide through the provider if it matters; create the function without the SET clause.
parameter-privilege	actionable	^ERROR: permission denied for parameter 	GRANT SET ON PARAMETER (PG15+) by a non-superuser: the privilege is not granted.	Drop it, or set the parameter through the provider instead.
grant-as-role	actionable	^ERROR: permission denied to grant privileges as role ".*" \|\| DETAIL: Only roles with privileges of role ".*" may grant privileges as this role\.$	PG16+: GRANT ... GRANTED BY g run by a role without g's privileges: the membership is not granted at all.	Drop GRANTED BY (pgparity roles clean does) and run the GRANT again.
grant-as-role-order	actionable	^ERROR: permission denied to grant privileges as role ".*" \|\| DETAIL: The grantor must have the ADMIN option on role ".*"\.$	PG16+, even for a superuser: the grantor holds no ADMIN OPTION on the role when the GRANT runs (only the bootstrap superuser is exempt). Either the GRANT comes before the grantor's own WITH ADMIN OPTION grant (pg_dumpall 15 writes memberships ordered by role name), or the grantor was another superuser on the source, which needed no ADMIN OPTION there. The membership is missing.	Run the failed GRANT lines again at the end, or drop GRANTED BY (grant as the bootstrap superuser or a role holding ADMIN OPTION).
set-grantor-pre16	actionable	^ERROR: must be superuser to set grantor$	PostgreSQL 13/15 text of grant-as-role: GRANTED BY another role needs superuser; the membership is not granted.	As grant-as-role.
grant-role-no-admin	depends	^ERROR: permission denied to grant role ".*" \|\| DETAIL: Only roles with the ADMIN option on role ".*" may grant this role\.$	PG16+: the applier holds no ADMIN OPTION on the granted role. A provider role (azure_pg_admin, rds_*, cloudsqlsuperuser): expected, harmless. A predefined role (pg_monitor, pg_signal_backend): the membership is missing, actionable.	Grant predefined roles as a role that has ADMIN OPTION on them (the provider's admin role, or through the provider); drop grants of provider roles.
admin-back-to-grantor	harmless	^ERROR: ADMIN option cannot be granted back to your own grantor$	PG16+: the dump holds the automatic grant of a role to the non-superuser CREATEROLE role that created it (GRANT r TO admin WITH ADMIN OPTION, INHERIT FALSE, SET FALSE). Restored by that same admin, the grant exists already from its own CREATE ROLE.	-
set-role-owner	depends	^ERROR: must be able to SET ROLE ".*"$	PG16+: ALTER ... OWNER TO r needs the applier to be able to SET ROLE r. A non-superuser CREATEROLE admin holds the roles it creates WITH ADMIN OPTION only (createrole_self_grant is empty), so every ownership change to them fails and the object stays owned by the applier. Harmless for provider or bootstrap roles (azuresu, rdsadmin, cloudsqladmin, postgres), where the applier owning the object is the expected outcome.	GRANT r TO <applier> WITH SET TRUE (or SET createrole_self_grant = 'set, inherit' for the applier before restoring roles) and restore again; or restore with --no-owner and reassign ownership afterwards.
member-of-role-pre16	depends	^ERROR: must be member of role ".*"$	PostgreSQL 13/15 text of set-role-owner, for ALTER ... OWNER TO r and for ALTER DEFAULT PRIVILEGES FOR ROLE r: a CREATEROLE admin is not a member of the roles it creates. Harmless for provider or bootstrap roles, as in set-role-owner.	GRANT r TO <applier> and run the statement again (or restore with --no-owner).
owner-extension	harmless	^ERROR: must be owner of extension 	COMMENT ON EXTENSION for an extension the applier does not own (plpgsql belongs to the bootstrap superuser): only the comment is not restored.	-
owner-schema	harmless	^ERROR: must be owner of schema 	ALTER SCHEMA public OWNER TO ... by a non-owner: schema public exists and keeps the provider's owner.	-
cast-types-not-owned	actionable	^ERROR: must be owner of type .* or type 	CREATE CAST between types the applier owns neither of (here character varying to integer, a built-in pair): only a superuser may; the cast is lost and queries that relied on it fail.	Change the application to cast explicitly; casts between built-in types cannot be created on managed services.
extension-not-available	actionable	^ERROR: (extension ".*" is not available|could not open extension control file ".*": No such file or directory)$	The extension's files are not installed on the target server (17 says "is not available" with DETAIL "Could not open extension control file ..."; 13 says "could not open extension control file ..." itself). Here: removed in 17 (adminpack, old_snapshot) or third-party (legacy_audit stands for one). Everything built on it fails next.	Install it on a self-managed target, or pick a provider/version that offers it, or stop using it on the source before dumping. On managed services check the provider's extension list (Azure also needs it in azure.extensions).
extension-untrusted	actionable	^ERROR: permission denied to create extension ".*"$	Not a trusted extension, so only a superuser may create it (pg_stat_statements, postgres_fdw, adminpack here). Managed services create them their own way (Azure: azure.extensions allow-list; RDS: rds_superuser; Cloud SQL: cloudsqlsuperuser).	Create the extension on the target first the provider's way (the dump's CREATE EXTENSION IF NOT EXISTS then passes), then restore again.
language-c	actionable	^ERROR: permission denied for language c$	A C-language function outside any extension: only a superuser may create it; the function is lost.	Use the extension that provides the function (here fuzzystrmatch's levenshtein) or drop it.
new-owner-schema-privilege	actionable	^ERROR: permission denied for schema 	ALTER ... OWNER TO r where r has no CREATE privilege on the object's schema (the source's superuser was never checked): the object stays owned by the applier.	GRANT CREATE ON SCHEMA s TO r, then run the ALTER ... OWNER again.
default-privileges	actionable	^ERROR: permission denied to change default privileges$	ALTER DEFAULT PRIVILEGES FOR ROLE r by a role that is not a member of r (with INHERIT on 16+): the default privileges are lost, so objects r creates later get no grants.	GRANT r TO <applier> and run the ALTER DEFAULT PRIVILEGES again.
event-trigger	actionable	^ERROR: permission denied to create event trigger ".*"$	Event triggers need a superuser (Cloud SQL lets cloudsqlsuperuser create them; Azure and RDS do not): the trigger is lost.	Drop it from the migration, or recreate it the provider's way.
publication-all-tables	depends	^ERROR: must be superuser to create FOR ALL TABLES publication$	Only a superuser may publish all tables. Harmless if the target need not publish; otherwise the publication is lost.	If needed: CREATE PUBLICATION ... FOR TABLE (or FOR TABLES IN SCHEMA) as the tables' owner.
subscription	depends	^ERROR: (permission denied to create subscription|must be superuser to create subscriptions)$	The source's subscription (16+: needs pg_create_subscription; 13 to 15: superuser). On a migration target usually unwanted: it would pull from the source's publisher.	If the target must subscribe: GRANT pg_create_subscription TO <applier> (16+, through the provider) and create it again with a password in the connection string.
tablespace-missing	depends	^(ERROR: invalid value for parameter "default_tablespace": ".*" \|\| DETAIL: Tablespace ".*" does not exist\.|pg_restore error: could not set default_tablespace to .*)$	The dump's SET default_tablespace names a tablespace the target lacks; the following tables are created in the default tablespace instead. Harmless on managed services (no user tablespaces); on a self-managed target create the tablespace first if the data belongs there.	Dump or restore with --no-tablespaces to silence it.
role-missing	actionable	^ERROR: role ".*" does not exist$	A role the dump names (owner, grantee, policy, ALTER DEFAULT PRIVILEGES) does not exist on the target: not in roles.sql (legacy_etl here) or dropped by the cleanup. The statement is lost: no owner change, no grant, no policy (row-level security then hides the rows from that role), no default privileges.	Create the role on the target (restore roles first) and restore again, or remove the references.
dump-newer-than-target	actionable	^ERROR: unrecognized subscription parameter: ".*"$	The dump was written by a pg_dump newer than the target server (pg_dump 16 writes run_as_owner, unknown to 13); loading into an older major is not supported.	Dump with the pg_dump of the target's major version.
missing-after-failure	consequence	^ERROR: ((extension|foreign-data wrapper|server|publication|subscription|event trigger|relation|type) ".*"|function .*) does not exist$	The object is missing because its own statement failed earlier in the log (CREATE EXTENSION, CREATE SERVER, CREATE TABLE with a type from a missing extension, CREATE FUNCTION ...): COMMENT, ALTER ... OWNER, GRANT or COPY on it fail in turn.	Fix the earlier error; this one goes away.
copy-data-as-sql	consequence	^(ERROR: syntax error at or near ".*"|psql error: invalid command \\[N.])$	psql only: a COPY ... FROM stdin failed (its table was not created), so psql read the rows as SQL: "invalid command \N" for NULLs, "invalid command \." at the end of the data, and a syntax error when the rows and the next statement are sent together. That next statement, often the next table's COPY, is lost too, so its rows are read as SQL as well: tables created without error can end up empty.	Fix the failed CREATE TABLE; check the row counts of the tables after it. pg_restore does not have this cascade (the COPY fails alone).
psql-restrict	harmless	^psql error: invalid command \\(un)?restrict$	The file was written by pg_dump/pg_dumpall 17.6, 16.10, 15.14, 14.19, 13.22 or newer, which guard the script with \restrict KEY; an older psql (16.2 here) does not know the command, skips it and runs the rest.	Restore with a psql at least as new as the pg_dump that wrote the file, to keep the protection.
wal-level-publication	harmless	^WARNING: "?wal_level"? is insufficient to publish logical changes$	The target runs with wal_level = replica: the publication is created but publishes nothing until wal_level = logical.	Set wal_level = logical (a provider parameter) if the target must publish.
public-schema-acl	harmless	^WARNING: no privileges (could be revoked|were granted) for ".*"$	REVOKE/GRANT on schema public by a non-owner (pg_dump 15+ writes them to reproduce the PostgreSQL 14-and-older default privileges of public): nothing changes, the target keeps its own default.	-
subscription-not-connected	harmless	^WARNING: subscription was created, but is not connected$	As dumped: pg_dump writes subscriptions WITH (connect = false).	Enable and refresh it deliberately if the target must subscribe.
errors-ignored	summary	^pg_restore warning: errors ignored on restore: [0-9]+$	pg_restore's last line: the number of errors it ignored. With -j 2 it is larger than the number of errors printed (see README), so count the ERROR lines instead.	-
TSV
)

# Reads JUDGMENTS (first file) and the logs (named PROFILE/LOG, run from fixtures/triage);
# prints one TSV line per message: class number, class, verdict, log, message (normalized),
# DETAIL, HINT (normalized), statement shape, where the statement came from, first and last
# line of the message in the log (first includes pg_restore -v's "from TOC entry" lines).
CLASSIFY_AWK=$(cat <<'AWK'
# Reads the judgment table (TSV: id, verdict, ERE, meaning, fix), then logs; prints one TSV
# line per message: order, id, verdict, log, shape, detail, hint, statement.
# Variables: none. Log file names are PROFILE/LOG; psql statements are read from PROFILE/INPUT
# where INPUT is taken from the "psql:INPUT:LINE:" prefix.
function norm_quoted(s,    out, pre, q, w, n, ph) {
    out = ""
    while (match(s, /"([^"]|"")*"/)) {
        pre = substr(s, 1, RSTART - 1); q = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
        w = pre; sub(/[ ]+$/, "", w); n = split(w, parts, / /); w = (n ? parts[n] : "")
        if (q ~ /^"(wal_level|logical|default_tablespace|pg_create_subscription)"$/) ph = substr(q, 2, length(q) - 2)
        else if (w == ":" || w ~ /":$/) ph = "<value>"
        else { sub(/:$/, "", w); if (w == "ROLE") w = "role"
            if (w == "role" || w == "extension" || w == "parameter" || w == "relation" || w == "type" \
                || w == "server" || w == "publication" || w == "subscription" || w == "tablespace" || w == "Tablespace") ph = "<" tolower(w) ">"
            else if (w == "wrapper") ph = "<fdw>"
            else if (w == "trigger") ph = "<event trigger>"
            else if (w == "near") ph = "<token>"
            else if (w == "for") ph = "<object>"
            else if (w == "file") ph = "<path>"
            else ph = "<name>"
        }
        if (q ~ /^"\/.*\/extension\/[^\/]*\.control"$/) ph = "<sharedir>/extension/<extension>.control"
        out = out pre "\"" ph "\""
    }
    return out s
}
function norm(s) {
    if (s == "") return ""
    s = norm_quoted(s)
    if (s ~ /^must be owner of type .* or type /) return "must be owner of type <type> or type <type>"
    if (match(s, /^must be owner of (extension|schema|table|function|type|sequence|view|database|language|publication|subscription|large object) /)) return unquoted(s)
    if (match(s, /^permission denied for (language|schema|parameter|table|sequence|function|database|foreign-data wrapper|foreign server|large object|type) /)) return unquoted(s)
    if (s ~ /^function .* does not exist$/) return "function <function>(<args>) does not exist"
    if (match(s, /^could not set default_tablespace to [^:]*:/)) s = "could not set default_tablespace to <tablespace>:" substr(s, RLENGTH + 1)
    sub(/errors ignored on restore: [0-9]+$/, "errors ignored on restore: <n>", s)
    return s
}
# "must be owner of schema public" -> "must be owner of schema <schema>" (RSTART/RLENGTH from the caller's match)
function unquoted(s,    head, kind, n, parts) {
    head = substr(s, 1, RLENGTH); kind = head; sub(/ $/, "", kind)
    n = split(kind, parts, / /); kind = parts[n]
    if (kind == "wrapper" || kind == "server" || kind == "object") kind = parts[n - 1] " " kind
    return head "<" kind ">"
}
function shape(sql,    out, w, more) {
    more = 0
    if (index(sql, "\\n")) { more = 1; sql = substr(sql, 1, index(sql, "\\n") - 1) }
    gsub(/'([^']|'')*'/, "'…'", sql)
    gsub(/"([^"]|"")*"/, "…", sql)
    out = ""
    while (length(sql)) {
        if (match(sql, /^[A-Za-z_][A-Za-z0-9_$]*/)) {
            w = substr(sql, 1, RLENGTH); out = out ((w ~ /^[A-Z][A-Z_]*$/) ? w : "…")
        } else if (match(sql, /^[0-9]+/)) { out = out "…"
        } else if (match(sql, /^\t/)) { out = out " "
        } else { RLENGTH = 1; out = out substr(sql, 1, 1) }
        sql = substr(sql, RLENGTH + 1)
    }
    while (sub(/…\.…/, "…", out)) ;
    if (length(out) > 120) out = substr(out, 1, 117) "..."
    return out (more ? " [continues]" : "")
}
function statement(file, n,    line, k) {
    if (!(file in loaded)) {
        loaded[file] = 1; k = 0
        while ((getline line < file) > 0) { k++; text[file, k] = line }
        close(file)
    }
    while (n > 1 && text[file, n - 1] != "" && text[file, n - 1] !~ /;[ ]*$/ && text[file, n - 1] !~ /^--/) n--
    return text[file, n]
}
function flush(    key, i, st) {
    if (sev != "") {
        key = sev ": " msg
        keyd = key (detail != "" ? " || DETAIL: " detail : "")
        for (i = 1; i <= nj; i++) if (key ~ jre[i] || keyd ~ jre[i]) break
        if (cmd != "") { st = shape(cmd); origin = "Command was" }
        else if (sfile != "") { st = shape(statement(sfile, sline)); origin = "psql input line" }
        else { st = ""; origin = "" }
        if (i > nj) printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", 999, "?", "?", rlog, sev ": " msg, detail, hint, st, origin, first, last
        else printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i, jid[i], jv[i], rlog, norm_sev(sev) norm(msg), norm(detail), norm(hint), st, origin, first, last
    }
    sev = ""; msg = ""; detail = ""; hint = ""; cmd = ""; incmd = 0; sfile = ""; sline = 0
}
function norm_sev(s) { return (s ~ /^(psql|pg_restore) /) ? s ": " : s ":  " }
FNR == NR {
    if ($0 == "" || $0 ~ /^#/) next
    split($0, f, "\t"); nj++; jid[nj] = f[1]; jv[nj] = f[2]; jre[nj] = f[3]
    next
}
FNR == 1 { flush(); ctx = 0; fname = FILENAME; sub(/^\.\//, "", fname) }
{
    line = $0
    if (match(line, /^psql:[^:]+:[0-9]+: /)) {
        pfx = substr(line, 6, RLENGTH - 7); rest = substr(line, RLENGTH + 1)
        flush()   # (it calls match(): RLENGTH is used up before)
        sline = pfx; sub(/^.*:/, "", sline); sline += 0
        sfile = pfx; sub(/:[0-9]+$/, "", sfile); d = fname; sub(/[^\/]*$/, "", d); sfile = d sfile
        rlog = fname; first = FNR; last = FNR; ctx = 0
        if (match(rest, /^(ERROR|WARNING|NOTICE|INFO|FATAL|PANIC):  /)) { sev = substr(rest, 1, RLENGTH - 3); msg = substr(rest, RLENGTH + 1) }
        else if (match(rest, /^error: /)) { sev = "psql error"; msg = substr(rest, RLENGTH + 1) }
        else { sev = "psql"; msg = rest }
        next
    }
    if (match(line, /^pg_restore: /)) {
        rest = substr(line, RLENGTH + 1)
        flush()
        rlog = fname; first = (ctx ? ctx : FNR); last = FNR
        if (rest ~ /^(while PROCESSING TOC:|from TOC entry )/) { if (!ctx) ctx = FNR; next }
        ctx = 0
        if (match(rest, /^error: could not execute query: (ERROR|WARNING|NOTICE|FATAL):  /)) {
            s = substr(rest, 1, RLENGTH); sub(/^error: could not execute query: /, "", s); sub(/:  $/, "", s)
            sev = s; msg = substr(rest, RLENGTH + 1)
        } else if (match(rest, /^(WARNING|NOTICE|INFO):  /)) {
            # -v only: pg_restore passes the server's notices on in verbose mode
            sev = substr(rest, 1, RLENGTH - 3); msg = substr(rest, RLENGTH + 1)
        } else if (match(rest, /^(error|warning): /)) { sev = "pg_restore " substr(rest, 1, RLENGTH - 2); msg = substr(rest, RLENGTH + 1)
        } else if (rest !~ /^(connecting to database|creating |executing |processing |restored |restoring |launching |finished |entering |dropping |implied |setting owner )/) {
            sev = "pg_restore"; msg = rest   # an unknown line: no class matches it
        }
        next    # otherwise: -v progress
    }
    if (sev == "") { if (line != "") { rlog = fname; first = FNR; last = FNR; sev = "unattached line"; msg = line; flush() } next }
    if (line != "") last = FNR
    if (match(line, /^DETAIL:  /)) { detail = substr(line, RLENGTH + 1); incmd = 0; next }
    if (match(line, /^HINT:  /)) { hint = substr(line, RLENGTH + 1); incmd = 0; next }
    if (match(line, /^Command was: /)) { cmd = substr(line, RLENGTH + 1); incmd = 1; next }
    if (line == "") { incmd = 0; next }
    if (incmd) { cmd = cmd "\\n" line; next }
    if (line ~ /^(LINE [0-9]+: |(CONTEXT|QUERY|LOCATION|STATEMENT):  )/ || line ~ /^ *\^$/) next   # part of the message
    flush(); rlog = fname; first = FNR; last = FNR; sev = "unattached line"; msg = line; flush()
}
END { flush() }
AWK
)

# Markdown table cell / inline code: escape the pipe.
md_cell() { sed 's/|/\\|/g'; }

# CLASSES.md and messages.tsv from every fixtures/triage/*/*.log.
# shellcheck disable=SC2016 # backticks are Markdown
write_classes() {
    local recs judg n_logs n_msgs id verdict meaning fix num cnt nlogs shape example_log first last
    recs=$(mktemp) judg=$(mktemp)
    TMPFILES+=("$recs" "$judg" "$recs.md")
    printf '%s\n' "$JUDGMENTS" >"$judg"
    (cd "$out" && awk -F'\t' "$CLASSIFY_AWK" "$judg" ./*/*.log) >"$recs" || pgp_die "classifying the logs failed"
    if awk -F'\t' '$2 == "?"' "$recs" | grep -q .; then
        awk -F'\t' '$2 == "?" {print "  " $4 ":" $10 ": " $5 (($6 != "") ? " || DETAIL: " $6 : "")}' "$recs" >&2
        pgp_die "messages without a verdict (add a class to JUDGMENTS)"
    fi
    n_logs=$(cd "$out" && find . -mindepth 2 -maxdepth 2 -name '*.log' | wc -l)
    n_msgs=$(wc -l <"$recs")

    write_atomic "$out/messages.tsv" < <(
        printf 'log\tfirst_line\tlast_line\tclass\tverdict\tmessage\tdetail\thint\tstatement\n'
        sort -t$'\t' -k4,4 -k10,10n "$recs" | awk -F'\t' -v OFS='\t' '{print $4, $10, $11, $2, $3, $5, $6, $7, $8}')

    {
        printf '# Message classes in the triage fixtures\n\n'
        printf 'Every message in the %s logs under `fixtures/triage/*/` (%s messages), grouped into classes with a\n' "$n_logs" "$n_msgs"
        printf 'verdict. Written by `scripts/make-triage-fixtures.sh` (the verdicts and hints are its JUDGMENTS\n'
        printf 'table); `messages.tsv` lists every message with its log, lines and class.\n\n'
        cat <<'TXT'
Verdicts:

- **harmless**: nothing the migration needs is lost (the thing exists already, or only a comment or an
  owner that is the provider's anyway is not restored).
- **actionable**: something is missing on the target until someone acts; the fix says what to do.
- **depends**: harmless or actionable depending on the name in the message (a provider role or one of
  yours) or on whether the target needs the feature; the meaning says which.
- **consequence**: follows from an earlier error in the same log (the object it names was never
  created); fixing that one removes it.
- **summary**: pg_restore's closing count.

How the logs are laid out:

- psql: `psql:FILE:LINE: SEVERITY:  text` for a server message, `psql:FILE:LINE: error: text` for psql's
  own (an unknown backslash command), then the server's `DETAIL:  `, `HINT:  `, `LINE n: ...` with a
  caret line under it, each without the prefix. LINE is the input line on which the failing statement
  ends; nothing repeats the statement.
- pg_restore: `pg_restore: error: could not execute query: SEVERITY:  text`, its `DETAIL:  ` and `HINT:  `
  lines, then `Command was: ` and the statement (a multi-line statement continues on the next lines,
  a TOC entry with several statements shows them all), then one or two blank lines. Its own errors
  have no `Command was:` (`pg_restore: error: could not set default_tablespace to T: ERROR:  ...`).
  With `-v` every entry adds a progress line (`pg_restore: creating TABLE "app.accounts"`,
  `pg_restore: processing data for table "app.accounts"`, ...) and the first failing entry is preceded
  by `pg_restore: while PROCESSING TOC:`, each failing entry by
  `pg_restore: from TOC entry <dump id>; <catalog OID> <object OID> <TYPE> <name> <owner>` (owner
  `(no owner)` for extensions, empty with a trailing space for comments). Server warnings and
  notices reach the log only with `-v`, as `pg_restore: WARNING:  text` plus `HINT:  ` lines. The
  last line is `pg_restore: warning: errors ignored on restore: <n>`.
- Any other line stops the script (no class matches it), so a regeneration cannot drop one silently.

Normalized here: names from the restored objects become placeholders (`<role>`, `<extension>`, ...;
`<sharedir>` is the target server's share directory), constants of the message texts stay
(`"wal_level"`, `"default_tablespace"`, `"pg_create_subscription"`). Statements are reduced to their
keywords: `…` for a name or number, `'…'` for a literal, `[continues]` when it goes on over more
lines; for psql it is the statement's first line in the input file (for COPY rows read as SQL, the row).

TXT
        printf '## Summary\n\n| # | class | verdict | messages | logs | message (normalized) |\n| --- | --- | --- | --- | --- | --- |\n'
        num=0
        while IFS=$'\t' read -r id verdict _ _ _; do
            num=$((num + 1))
            cnt=$(awk -F'\t' -v c="$id" '$2 == c' "$recs" | wc -l)
            ((cnt > 0)) || continue
            nlogs=$(awk -F'\t' -v c="$id" '$2 == c {print $4}' "$recs" | sort -u | wc -l)
            shape=$(awk -F'\t' -v c="$id" '$2 == c {print $5 (($6 != "") ? " DETAIL:  " $6 : "")}' "$recs" | sort | uniq -c | sort -k1,1nr -k2 |
                sed 's/^ *[0-9]* //' | awk '{printf "%s`%s`", (NR > 1 ? "<br>" : ""), $0}' | md_cell)
            printf '| %s | [`%s`](#%s) | %s | %s | %s | %s |\n' "$num" "$id" "$id" "$verdict" "$cnt" "$nlogs" "$shape"
        done <"$judg"
        printf '\n## Classes\n'
        num=0
        while IFS=$'\t' read -r id verdict _ meaning fix; do
            num=$((num + 1))
            cnt=$(awk -F'\t' -v c="$id" '$2 == c' "$recs" | wc -l)
            ((cnt > 0)) || continue
            printf '\n### %s\n\n' "$id"
            printf '**%s**, %s message%s. %s\n\n' "$verdict" "$cnt" "$( ((cnt == 1)) || printf s)" "$meaning"
            [[ $fix == - ]] || printf 'Fix: %s\n\n' "$fix"
            printf 'Shapes (count, then the message with its DETAIL and HINT):\n\n```\n'
            awk -F'\t' -v c="$id" '$2 == c {print $5 "\t" $6 "\t" $7}' "$recs" | sort | uniq -c | sort -k1,1nr -k2 |
                awk -F'\t' '{ n = $1; sub(/^ *[0-9]+ /, "", n); c = $1; sub(/^ */, "", c); sub(/ .*/, "", c)
                    printf "%5d  %s\n", c, n
                    if ($2 != "") printf "       DETAIL:  %s\n", $2
                    if ($3 != "") printf "       HINT:  %s\n", $3 }'
            printf '```\n\nStatements:\n\n'
            awk -F'\t' -v c="$id" '$2 == c && $8 != "" {print $9 "\t" $8}' "$recs" | sort | uniq -c | sort -k1,1nr -k2 |
                awk -F'\t' '{ c = $1; sub(/^ */, "", c); o = c; sub(/ .*/, "", c); sub(/^[0-9]+ /, "", o)
                    printf "- %s: `%s` (%d)\n", o, $2, c }'
            if [[ $(awk -F'\t' -v c="$id" '$2 == c && $8 != ""' "$recs" | wc -l) -eq 0 ]]; then
                printf -- '- (none: the line is not about one statement)\n'
            fi
            printf '\nLogs: '
            awk -F'\t' -v c="$id" '$2 == c {print $4}' "$recs" | sort | uniq -c |
                awk '{printf "%s`%s` (%d)", (NR > 1 ? ", " : ""), $2, $1} END {print ""}'
            IFS=$'\t' read -r example_log first last < <(awk -F'\t' -v OFS='\t' -v c="$id" '$2 == c {print $4, $10, $11; exit}' "$recs")
            if [[ $first == "$last" ]]; then printf '\nFirst seen in `%s`, line %s:\n\n```\n' "$example_log" "$first"
            else printf '\nFirst seen in `%s`, lines %s-%s:\n\n```\n' "$example_log" "$first" "$last"; fi
            sed -n "${first},${last}p" "$out/$example_log"
            printf '```\n'
        done <"$judg"
    } >"$recs.md"
    write_atomic "$out/CLASSES.md" <"$recs.md"
    rm -f -- "$recs.md"
}

# The value of KEY in a profile's meta.tsv.
meta() { awk -F'\t' -v k="$2" '$1 == k {print $2}' "$out/$1/meta.tsv"; }

# README.md from every fixtures/triage/*/{meta,logs}.tsv.
# shellcheck disable=SC2016 # backticks are Markdown
write_readme() {
    local p log input state shown rc e c w n md
    md=$(mktemp)
    TMPFILES+=("$md")
    {
        cat <<'TXT'
# Triage fixtures

What psql and pg_restore really write to stderr when roles scripts and database dumps are restored
into throwaway PostgreSQL servers shaped like managed targets, as the target's administrator: the
input of `pgparity triage`. Written by `scripts/make-triage-fixtures.sh` (rerun it to regenerate;
do not edit). Every message is classified, with a verdict and a fix, in `CLASSES.md`; `messages.tsv`
lists each message with its log, lines and class (a test oracle).

## How the logs were made

For each profile (a directory here), in throwaway clusters listening only on a private Unix socket:

1. **Source**: a server of the source's major with the profile's roles (`fixtures/sources/<profile>.sql`,
   the same script `fixtures/roles/<profile>/` was dumped from) and the database `appdb` from
   `sources/database.sql`: objects owned by application, administrator and provider roles, trusted
   and untrusted extensions, `legacy_audit` (a pure-SQL stand-in for a third-party extension,
   installed into a private copy of the source server only, so no target has it), a recreated
   plpgsql, a C function, an event trigger, a cast between built-in types, publications, a
   subscription, a tablespace, a role only the source has (`legacy_etl`) and table data. `appdb` is
   dumped by the bootstrap superuser postgres with pg_dump 16.2 as plain SQL (`dump.sql`), custom
   (`dump.custom`) and directory (`dump.dir`) archives (`dump.toc` is `pg_restore -l dump.custom`
   without its "Archive created at" line); for sources of 15 or older also with pg_dump 15.18 as
   plain SQL (`dump-pg15.sql`, which has `\restrict`).
2. **Targets**: fresh servers of the target's major, initdb'd with the provider's bootstrap
   superuser and shaped by `sources/target-<profile>.sql` (the provider's roles and databases, the
   administrator). Three per profile, each restored into by the administrator:
   - raw: `roles.sql` (a copy of the profile's role fixture) with psql;
   - cleaned: `roles-cleaned.sql` (`pgparity roles clean` with the profile and the target's major;
     its report is `roles-cleaned.report.md`) with psql, then each dump into its own new database
     created by the administrator;
   - live: `roles-cleaned-live.sql` (`pgparity roles clean --target` against that fresh target;
     report `roles-cleaned-live.report.md`) with psql.

Every restore runs in the profile directory's layout (relative file names, hence `psql:roles.sql:LINE:`),
without `ON_ERROR_STOP` and without `--exit-on-error`, with `psql -X`, stderr kept whole, stdout
dropped. The roles scripts are applied with the psql of the pg_dumpall that wrote them (15.18 for
azure-single and community, 16.2 otherwise); the dumps with psql/pg_restore 16.2.

## What is not emulated

- The targets are community PostgreSQL. Messages that only the providers' patched engines write
  (Azure's `extension "x" is not allow-listed ...`, `Only members of "azure_pg_admin" are allowed
  to use CREATE EXTENSION`, RDS's and Cloud SQL's extra powers of rds_superuser and
  cloudsqlsuperuser) cannot appear; where a provider lets its admin do more (create untrusted
  extensions, event triggers on Cloud SQL, manage every role on Azure), these logs show the
  community error instead.
- Community 16+ rules apply to the administrator: a non-superuser with CREATEROLE holds the roles it
  creates WITH ADMIN OPTION but without SET (`createrole_self_grant` is empty), hence the many
  `must be able to SET ROLE` in the dump logs.
- azure-single: Single Server's last major was 11; PostgreSQL 13 stands in for it (same pre-16 role
  rules, the oldest major available here). pg_dump 16 into a 13 server is itself unsupported, which
  `dump-newer-than-target` shows.
- The dumps are taken by a superuser (all of `appdb`, the subscription included); a managed
  source's administrator would dump less and see `pg_dump` warnings.

## Determinism

C messages (`lc_messages = 'C'`, `LC_ALL=C.UTF-8`), UTC, fixed server settings and socket port, fixed
`\restrict` key, relative file names, and sources built the same way every time: a rerun writes the
same bytes (the OIDs and dump ids in `pg_restore -v`'s `from TOC entry` lines included) as long as the
binaries stay the same, with two exceptions. `dump-directory-j2.log` (`pg_restore -j 2`) has the same
messages in an order that varies between runs (so do its rows in `messages.tsv`), and its final `errors ignored on restore: N` is larger
than the number of errors it printed (for example 65 against 52 ERROR lines), so count ERROR lines
instead. The path in `could not open extension control file` / `Could not open extension control file`
is the target server's share directory, under the binaries' cache (`PGPARITY_PG_CACHE`, default
`/var/tmp/pgparity-pg`). Regenerating after a change to `pgparity roles clean` changes the cleaned
scripts, their reports and their logs.

## The logs

Counts per log: ERROR = lines with a server `ERROR:` (psql's `psql:...: ERROR:` and pg_restore's
`... could not execute query: ERROR:` or `could not set default_tablespace ...: ERROR:`); client =
the tools' own error lines (`psql:...: error: invalid command ...`); WARNING and NOTICE likewise.
Exit is the tool's exit status (psql without ON_ERROR_STOP exits 0 after SQL errors; pg_restore exits 1
when it ignored errors). Commands are shown without `-h SOCKET -p 5432`.
TXT
        for p in "$out"/*/meta.tsv; do
            p=$(basename "$(dirname "$p")")
            printf '\n### %s\n\n' "$p"
            printf -- '- Source: PostgreSQL %s (%s, private copy with legacy_audit), `fixtures/sources/%s.sql` then `sources/database.sql` with %s.\n' \
                "$(meta "$p" source_version)" "$(meta "$p" source_server)" "$p" "$(meta "$p" source_vars)"
            printf -- '- Roles script: `roles.sql` = `%s`, applied with %s.\n' "$(meta "$p" roles_fixture)" "$(meta "$p" roles_psql)"
            printf -- '- Dumps: %s%s; restored with %s and the pg_restore of the same version.\n' "$(meta "$p" pg_dump)" \
                "$( [[ -z $(meta "$p" pg_dump15) ]] || printf ' (and %s for dump-pg15.sql)' "$(meta "$p" pg_dump15)")" "$(meta "$p" client)"
            printf -- '- Target: PostgreSQL %s (%s), bootstrap superuser %s, shaped by `sources/target-%s.sql`.\n' \
                "$(meta "$p" target_version)" "$(meta "$p" target_server)" "$(meta "$p" target_bootstrap)" "$p"
            printf -- '- Applied as **%s**: %s.\n\n' "$(meta "$p" applier)" "$(meta "$p" applier_attributes)"
            printf '| log | input | target | command | exit | ERROR | client | WARNING | NOTICE |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
            while IFS=$'\t' read -r log input state shown rc e c w n; do
                printf '| `%s` | `%s` | %s | `%s` | %s | %s | %s | %s | %s |\n' "$log" "$input" "$state" "$shown" "$rc" "$e" "$c" "$w" "$n"
            done < <(tail -n +2 "$out/$p/logs.tsv")
        done
    } >"$md"
    write_atomic "$out/README.md" <"$md"
}

main() {
    local want=() a e found reports_only=0
    for a in "$@"; do
        case $a in
            -h|--help) usage; exit 0 ;;
            --reports) reports_only=1 ;;
            -*) usage >&2; pgp_die "unknown option '$a'" ;;
            *) want+=("$a") ;;
        esac
    done
    if ((reports_only)); then
        ((${#want[@]} == 0)) || pgp_die "--reports takes no profiles"
        write_classes
        write_readme
        report_written
        return 0
    fi
    if ((${#want[@]} == 0)); then
        for e in "${PROFILES[@]}"; do want+=("${e%%|*}"); done
    fi
    for a in "${want[@]}"; do
        found=
        for e in "${PROFILES[@]}"; do [[ ${e%%|*} == "$a" ]] && found=1; done
        [[ -n $found ]] || pgp_die "unknown profile '$a' (known: $(printf '%s ' "${PROFILES[@]%%|*}"))"
    done

    "$here/fetch-postgres.sh" 13 15 16 17 client16 >&2
    PSQL16=$(pgp_client_bin 16)/psql || pgp_die "no psql 16 (client16 from fetch-postgres.sh)"
    PG_DUMP16=$(pgp_client_bin 16)/pg_dump
    PG_RESTORE16=$(pgp_client_bin 16)/pg_restore
    PG_DUMP15=$(pgp_client_bin 15)/pg_dump || pgp_die "no pg_dump 15 (postgresql-client-15)"
    if [[ -n ${PGPARITY_BIN:-} ]]; then
        PGPARITY=$PGPARITY_BIN
    else
        (cd "$repo" && cargo build --quiet --release --bin pgparity) || pgp_die "cargo build failed"
        PGPARITY=${CARGO_TARGET_DIR:-$repo/target}/release/pgparity
    fi
    [[ -x $PGPARITY ]] || pgp_die "no pgparity binary at $PGPARITY"

    for a in "${want[@]}"; do
        for e in "${PROFILES[@]}"; do
            [[ ${e%%|*} == "$a" ]] || continue
            build_profile "$e"
        done
    done
    write_classes
    write_readme
    report_written
}

report_written() {
    local f
    printf 'make-triage-fixtures: wrote %d files and directories\n' "${#WRITTEN[@]}"
    for f in "${WRITTEN[@]}"; do printf '  %s\n' "${f#"$repo"/}"; done
}

main "$@"
