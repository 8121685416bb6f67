#!/usr/bin/env bash
# API fuzz run from the OpenAPI document (schemathesis) against the real server binary:
# a fresh SQLite database with the demo data, signed in as the demo admin. Checks that no
# request gets a 5xx, and that every status code and content type is one the document
# declares for that operation (and the response body matches its schema).
#
#   scripts/fuzz.sh            build the server if needed, then fuzz
#   FUZZ_EXAMPLES=50 scripts/fuzz.sh   more examples per operation (default 10)
#   FUZZ_SEED=7 scripts/fuzz.sh        another seed (the default is fixed)
#   FUZZ_NO_BUILD=1 FUZZ_BIN=path      skip the build, fuzz that binary
#
# schemathesis is pinned and installed once into target/fuzz-venv (from PyPI). The seed is
# fixed so a run is reproducible; the stream (it never ends) and the calls that would end
# the run's own session (sign-out, token revocation) are left out.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SEED=${FUZZ_SEED:-20261201}
EXAMPLES=${FUZZ_EXAMPLES:-10}
TARGET=${CARGO_TARGET_DIR:-target}
VENV=$TARGET/fuzz-venv
ST=$VENV/bin/st

if [[ ! -x $ST ]] || [[ $("$ST" --version 2>/dev/null) != *"$SCHEMATHESIS_VERSION"* ]]; then
    echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [[ ${FUZZ_NO_BUILD:-} != 1 ]]; then
    # The environment scripts/build.sh builds with: the same binary, no second build.
    LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg cargo build -p server --bin sitrep
fi
BIN=${FUZZ_BIN:-$TARGET/debug/sitrep}

work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the server picks a free port and prints the address it listens on.
"$BIN" serve --addr 127.0.0.1:0 --database-url "sqlite://$work/fuzz.db" --seed-demo \
    --site-root "$work/site" >"$work/server.log" 2>&1 &
server_pid=$!
base=
for _ in $(seq 1 300); do
    base=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/server.log" | head -n1 || true)
    [[ -n $base ]] && curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    base=
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done
[[ -n $base ]] || { echo "fuzz: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

# Sign in as the demo admin: the cookie goes on every fuzzed request.
curl -fsS -c "$work/jar" -H 'content-type: application/json' \
    -d '{"email":"iris@demo.sitrep.dev","password":"sitrep-demo"}' \
    "$base/api/v1/session" >/dev/null
cookie=$(awk '$6 == "sitrep_session" { print $7 }' "$work/jar")
[[ -n $cookie ]] || { echo "fuzz: sign-in set no cookie" >&2; exit 1; }

status=0
"$ST" run "$base/api/v1/openapi.json" \
    --url "$base" \
    -H "Cookie: sitrep_session=$cookie" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --seed "$SEED" \
    --max-examples "$EXAMPLES" \
    --workers 1 \
    --no-shrink \
    --request-timeout 10 \
    --exclude-name-regex '^(GET /api/v1/stream|DELETE /api/v1/session|DELETE /api/v1/tokens/)' \
    --report junit --report-dir "$TARGET/fuzz-report" \
    || status=$?
if [[ $status -ne 0 ]]; then
    echo "fuzz: failed; the server's log is below" >&2
    tail -n 50 "$work/server.log" >&2
fi
exit $status
