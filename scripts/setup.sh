#!/usr/bin/env bash
# Installs the tools needed to build (and, with flags, test) Sitrep.
#
#   scripts/setup.sh              wasm32 target + wasm-bindgen CLI matching Cargo.lock + brotli
#   scripts/setup.sh --browser    ... + Debian chromium + end2end/node_modules (npm ci)
#   scripts/setup.sh --postgres   ... + a running PostgreSQL on 127.0.0.1:5432 with database `test`
#   scripts/setup.sh --release    ... + wasm-opt (binaryen >= 116, from npm)
#
# Idempotent: everything already present at the right version is skipped.
# Needs rustup/cargo on PATH; --browser needs npm; system packages are installed
# with apt-get (through sudo when not running as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WANT_BROWSER=0
WANT_POSTGRES=0
WANT_RELEASE=0
for arg in "$@"; do
    case "$arg" in
        --browser) WANT_BROWSER=1 ;;
        --postgres) WANT_POSTGRES=1 ;;
        --release) WANT_RELEASE=1 ;;
        -h | --help)
            sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "setup: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

# Oldest binaryen whose wasm-opt understands what current rustc emits.
WASM_OPT_MIN_VERSION=116
# Pinned for reproducibility; override with BINARYEN_NPM_VERSION=... if needed.
BINARYEN_NPM_VERSION="${BINARYEN_NPM_VERSION:-132.0.0}"
PG_HOST=127.0.0.1
PG_PORT=5432
PG_DATABASE="test"

log() { printf 'setup: %s\n' "$*"; }
die() {
    printf 'setup: error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, otherwise through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif have sudo; then
        sudo "$@"
    else
        die "need root for: $* (run as root or install sudo)"
    fi
}

APT_UPDATED=0
apt_install() {
    have apt-get || die "apt-get not found; install these yourself: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update
        APT_UPDATED=1
    fi
    log "apt-get install -y $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# ---------------------------------------------------------------------------
# Rust: wasm32 target
# ---------------------------------------------------------------------------
have cargo || die "cargo not found: install Rust with rustup (https://rustup.rs) and put ~/.cargo/bin on PATH"
have rustup || die "rustup not found: the wasm32 target is installed with rustup (https://rustup.rs)"

installed_targets="$(rustup target list --installed)"
if grep -qx 'wasm32-unknown-unknown' <<<"$installed_targets"; then
    log "ok: rust target wasm32-unknown-unknown"
else
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# ---------------------------------------------------------------------------
# wasm-bindgen CLI: must be exactly the version of the wasm-bindgen crate in Cargo.lock
# ---------------------------------------------------------------------------
[ -f Cargo.lock ] || die "Cargo.lock is missing (it is committed; restore it or run 'cargo generate-lockfile')"
WASM_BINDGEN_VERSION="$(awk '
    $0 == "name = \"wasm-bindgen\"" { found = 1; next }
    found && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
    found && /^\[\[package\]\]/ { found = 0 }
' Cargo.lock)"
[ -n "$WASM_BINDGEN_VERSION" ] || die "could not find the wasm-bindgen crate in Cargo.lock"

current_wb=""
if have wasm-bindgen; then
    current_wb="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2; exit }')" || current_wb=""
fi
if [ "$current_wb" = "$WASM_BINDGEN_VERSION" ]; then
    log "ok: wasm-bindgen $current_wb (matches Cargo.lock)"
else
    log "wasm-bindgen ${current_wb:-missing}, Cargo.lock wants $WASM_BINDGEN_VERSION:" \
        "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    hash -r
    now_wb="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2; exit }')" || now_wb=""
    if [ "$now_wb" != "$WASM_BINDGEN_VERSION" ]; then
        die "installed wasm-bindgen $WASM_BINDGEN_VERSION into ${CARGO_HOME:-$HOME/.cargo}/bin," \
            "but 'wasm-bindgen' on PATH is ${now_wb:-missing} ($(command -v wasm-bindgen || echo 'not found'));" \
            "put ${CARGO_HOME:-$HOME/.cargo}/bin first on PATH"
    fi
fi

# ---------------------------------------------------------------------------
# brotli: build.sh precompresses the bundle (gzip is everywhere; brotli usually is not)
# ---------------------------------------------------------------------------
if have brotli; then
    log "ok: brotli"
else
    apt_install brotli
    have brotli || die "brotli was installed but is not on PATH"
fi

# ---------------------------------------------------------------------------
# --release: wasm-opt (binaryen >= 116)
# ---------------------------------------------------------------------------
wasm_opt_version() {
    # "wasm-opt version 123 (version_123)" -> 123
    wasm-opt --version 2>/dev/null | sed -n 's/.*version[ _]\([0-9][0-9]*\).*/\1/p' | head -n 1
}

if [ "$WANT_RELEASE" -eq 1 ]; then
    wo=""
    if have wasm-opt; then wo="$(wasm_opt_version)" || wo=""; fi
    if [ -n "$wo" ] && [ "$wo" -ge "$WASM_OPT_MIN_VERSION" ]; then
        log "ok: wasm-opt version $wo"
    else
        have npm || die "npm not found; it is needed to install wasm-opt (binaryen)"
        log "wasm-opt ${wo:-missing} (need >= $WASM_OPT_MIN_VERSION): npm i -g binaryen@$BINARYEN_NPM_VERSION"
        npm_prefix="$(npm prefix -g)"
        if [ -w "$npm_prefix" ] && { [ ! -e "$npm_prefix/lib" ] || [ -w "$npm_prefix/lib" ]; }; then
            npm i -g "binaryen@$BINARYEN_NPM_VERSION"
        else
            as_root npm i -g "binaryen@$BINARYEN_NPM_VERSION"
        fi
        hash -r
        wo="$(wasm_opt_version)" || wo=""
        if [ -z "$wo" ] || [ "$wo" -lt "$WASM_OPT_MIN_VERSION" ]; then
            die "wasm-opt on PATH is still ${wo:-missing} ($(command -v wasm-opt || echo 'not found'));" \
                "put $npm_prefix/bin first on PATH"
        fi
        log "ok: wasm-opt version $wo"
    fi
fi

# ---------------------------------------------------------------------------
# --browser: chromium + Playwright (end2end/node_modules)
# ---------------------------------------------------------------------------
if [ "$WANT_BROWSER" -eq 1 ]; then
    if [ -x /usr/bin/chromium ]; then
        log "ok: /usr/bin/chromium"
    else
        apt_install chromium
        [ -x /usr/bin/chromium ] || die "chromium was installed but /usr/bin/chromium is missing"
    fi

    have npm || die "npm not found: install Node.js >= 20 with npm"
    lock=end2end/package-lock.json
    [ -f "$lock" ] || die "$lock is missing (run 'npm install' in end2end/ and commit the lock file)"
    # npm ci rewrites end2end/node_modules/.package-lock.json, so its mtime says when it last ran.
    stamp=end2end/node_modules/.package-lock.json
    if [ -d end2end/node_modules ] && [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ] \
        && [ ! end2end/package.json -nt "$stamp" ]; then
        log "ok: end2end/node_modules is up to date"
    else
        log "npm ci (end2end/)"
        (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
        touch "$stamp" 2>/dev/null || true
    fi
fi

# ---------------------------------------------------------------------------
# --postgres: a PostgreSQL server on 127.0.0.1:5432, a role for us, database `test`
# ---------------------------------------------------------------------------
pg_ready() {
    have pg_isready && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
}

# Runs psql as the postgres superuser over the local socket.
psql_admin() {
    if [ "$(id -u)" -eq 0 ]; then
        if have runuser; then
            runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt -p "$PG_PORT" "$@"
        else
            su postgres -s /bin/sh -c "psql -v ON_ERROR_STOP=1 -qAt -p $PG_PORT $(printf '%q ' "$@")"
        fi
    else
        sudo -u postgres psql -v ON_ERROR_STOP=1 -qAt -p "$PG_PORT" "$@"
    fi
}

wait_for_postgres() {
    local _
    for _ in $(seq 1 60); do
        if pg_ready; then return 0; fi
        sleep 1
    done
    die "PostgreSQL did not become ready on $PG_HOST:$PG_PORT within 60 s"
}

if [ "$WANT_POSTGRES" -eq 1 ]; then
    if pg_ready; then
        log "ok: PostgreSQL is accepting connections on $PG_HOST:$PG_PORT"
    else
        if ! ls /etc/postgresql/*/main/pg_hba.conf >/dev/null 2>&1; then
            apt_install postgresql
            FRESH_INSTALL=1
        else
            FRESH_INSTALL=0
        fi
        # Pick the newest installed major version that has a `main` cluster.
        PG_VERSION="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1)"
        [ -n "$PG_VERSION" ] || die "no cluster found under /etc/postgresql"
        HBA="/etc/postgresql/$PG_VERSION/main/pg_hba.conf"
        if [ "$FRESH_INSTALL" -eq 1 ] && ! as_root grep -q 'added by sitrep scripts/setup.sh' "$HBA"; then
            # Local test server only: trust TCP connections from this machine.
            log "trusting 127.0.0.1/32 and ::1/128 in $HBA"
            tmp_hba="$(mktemp)"
            {
                echo "# added by sitrep scripts/setup.sh: trust local TCP connections (test machine)"
                echo "host    all             all             127.0.0.1/32            trust"
                echo "host    all             all             ::1/128                 trust"
                as_root cat "$HBA"
            } >"$tmp_hba"
            as_root cp "$tmp_hba" "$HBA"
            rm -f "$tmp_hba"
        fi
        log "starting PostgreSQL $PG_VERSION (cluster main)"
        if have pg_ctlcluster; then
            as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start || true
            # Pick up pg_hba.conf changes if the cluster was already running on another port/socket.
            as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main reload || true
        else
            as_root service postgresql start || true
        fi
        wait_for_postgres
        log "ok: PostgreSQL $PG_VERSION is accepting connections on $PG_HOST:$PG_PORT"
    fi

    # The tests connect as the current OS user, without a password, to database `test`.
    ME="$(id -un)"
    if psql -h "$PG_HOST" -p "$PG_PORT" -d "$PG_DATABASE" -qAtc 'select 1' >/dev/null 2>&1; then
        log "ok: role $ME can connect to database $PG_DATABASE"
    else
        have psql || die "psql not found (install postgresql-client)"
        log "creating role $ME (superuser) and database $PG_DATABASE if missing"
        if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$ME'")" != "1" ]; then
            psql_admin -c "create role \"$ME\" login superuser"
        fi
        if [ "$(psql_admin -c "select 1 from pg_database where datname = '$PG_DATABASE'")" != "1" ]; then
            psql_admin -c "create database \"$PG_DATABASE\" owner \"$ME\""
        fi
        if ! psql -h "$PG_HOST" -p "$PG_PORT" -d "$PG_DATABASE" -qAtc 'select 1' >/dev/null 2>&1; then
            die "still cannot connect: psql -h $PG_HOST -p $PG_PORT -d $PG_DATABASE" \
                "(check pg_hba.conf trusts host connections from 127.0.0.1 and ::1)"
        fi
        log "ok: role $ME can connect to database $PG_DATABASE"
    fi
fi

log "done"
