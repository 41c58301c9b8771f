# shellcheck shell=bash
# pg-env.sh - shared helpers for scripts/fetch-postgres.sh and scripts/make-fixtures.sh.
# Source it; do not execute it.
#
# Environment:
#   PGPARITY_PG_CACHE   cache root (default /var/tmp/pgparity-pg)
#   PGPARITY_PG_USER    OS user that runs servers when we are root (default postgres)
#   PGPARITY_SYSTEM_PG  prefix of distro-packaged majors (default /usr/lib/postgresql)
#
# Cache layout (the Rust test harness relies on it):
#   $PGPARITY_PG_CACHE/server/<MAJOR>/bin/{initdb,pg_ctl,postgres}   (+ lib/, share/)
#   $PGPARITY_PG_CACHE/client/16/bin/{pg_dump,pg_dumpall,pg_restore,psql}

PGPARITY_PG_CACHE=${PGPARITY_PG_CACHE:-/var/tmp/pgparity-pg}
PGPARITY_PG_USER=${PGPARITY_PG_USER:-postgres}
PGPARITY_SYSTEM_PG=${PGPARITY_SYSTEM_PG:-/usr/lib/postgresql}

pgp_log() { printf '%s: %s\n' "${PGP_PROG:-pgparity}" "$*" >&2; }
pgp_die() { printf '%s: error: %s\n' "${PGP_PROG:-pgparity}" "$*" >&2; exit 1; }

# Run a command as the unprivileged server user when we are root; as ourselves otherwise
# (PostgreSQL refuses to run as root).
pgp_as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        id -u "$PGPARITY_PG_USER" >/dev/null 2>&1 ||
            pgp_die "running as root but OS user '$PGPARITY_PG_USER' does not exist (set PGPARITY_PG_USER)"
        runuser -u "$PGPARITY_PG_USER" -- "$@"
    else
        "$@"
    fi
}

# Make a path owned by the server user (no-op unless root).
pgp_chown_pg() {
    if [[ $(id -u) -eq 0 ]]; then chown -R "$PGPARITY_PG_USER:" "$@"; fi
}

# Distro-packaged bin dir for MAJOR if it has the server binaries, else fail.
pgp_system_server_bin() {
    local d=$PGPARITY_SYSTEM_PG/$1/bin
    [[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]] && printf '%s\n' "$d"
}

# bin dir providing a server of MAJOR: distro package for 15, else the cache.
pgp_server_bin() {
    local major=$1 d
    if [[ $major == 15 ]] && d=$(pgp_system_server_bin 15); then printf '%s\n' "$d"; return 0; fi
    d=$PGPARITY_PG_CACHE/server/$major/bin
    [[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]] || return 1
    printf '%s\n' "$d"
}

# bin dir providing client tools (psql, pg_dumpall, ...) of MAJOR: cache for 16, else distro.
pgp_client_bin() {
    local major=$1 d
    d=$PGPARITY_PG_CACHE/client/$major/bin
    if [[ -x $d/pg_dumpall && -x $d/psql ]]; then printf '%s\n' "$d"; return 0; fi
    d=$PGPARITY_SYSTEM_PG/$major/bin
    if [[ -x $d/pg_dumpall && -x $d/psql ]]; then printf '%s\n' "$d"; return 0; fi
    return 1
}

# A TCP port nobody listens on (the clusters listen on a private Unix socket only,
# but we still avoid ports in use so logs/messages are unambiguous).
pgp_free_port() {
    local p tries=0
    while (( tries++ < 200 )); do
        p=$(( 20000 + RANDOM % 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then printf '%s\n' "$p"; return 0; fi
    done
    return 1
}

# Starts a throwaway cluster with the server binaries in SBIN: a private directory ($WORK, owned
# by the server user), initdb (trust, UTF8, C locale) and pg_ctl start on a free port, listening
# only on the socket directory $WORK/sock, in UTC, without fsync; EXTRA is added to the server's
# options (`-c name=value ...`). Sets WORK, PGCTL and PGP_PORT; stop it with pgp_stop_cluster.
# Usage: pgp_start_cluster SBIN LABEL [EXTRA]
pgp_start_cluster() {
    local sbin=$1 label=$2 extra=${3:-}
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgparity-${label//[^A-Za-z0-9]/-}.XXXXXX")
    chmod 700 "$WORK"
    mkdir "$WORK/sock"
    pgp_chown_pg "$WORK"
    PGCTL=$sbin/pg_ctl
    PGP_PORT=$(pgp_free_port) || pgp_die "no free port"
    pgp_log "$label: $sbin on port $PGP_PORT"
    (cd "$WORK" && pgp_as_pg "$sbin/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --locale=C -N \
        >"$WORK/initdb.log" 2>&1) || { cat "$WORK/initdb.log" >&2; pgp_die "$label: initdb failed"; }
    (cd "$WORK" && pgp_as_pg "$PGCTL" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
        -o "-p $PGP_PORT -k $WORK/sock -c listen_addresses='' -c TimeZone=UTC -c fsync=off $extra" start >/dev/null) ||
        { cat "$WORK/server.log" >&2 || true; pgp_die "$label: server did not start"; }
}

# Stops the cluster pgp_start_cluster made (fast, else immediate) and removes $WORK; a no-op
# when there is none.
pgp_stop_cluster() {
    if [[ -n ${WORK:-} && -n ${PGCTL:-} && -f $WORK/data/postmaster.pid ]]; then
        (cd / && pgp_as_pg "$PGCTL" -D "$WORK/data" -m fast -w -t 60 stop >/dev/null 2>&1) ||
            (cd / && pgp_as_pg "$PGCTL" -D "$WORK/data" -m immediate stop >/dev/null 2>&1) || true
    fi
    [[ -z ${WORK:-} ]] || rm -rf -- "$WORK"
    WORK='' PGCTL=''
}
