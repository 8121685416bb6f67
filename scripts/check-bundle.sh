#!/usr/bin/env bash
# The browser bundle carries no server-side weight: fails if the wasm's dependency graph
# (frontend, wasm32) holds a crate that belongs on the server only — the time-zone database
# (the browser is sent the offsets it needs, app/src/domain/sla/zone.rs), the database
# driver, the HTTP server, password hashing, Markdown rendering, the OpenAPI generator.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SERVER_ONLY=(chrono-tz sqlx axum argon2 ammonia pulldown-cmark utoipa)
found=()
for crate in "${SERVER_ONLY[@]}"; do
    # Absent: cargo says "did not match any packages" (or prints nothing when the crate is
    # in the lock file for another target).
    if [ -n "$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal -i "$crate" 2>/dev/null || true)" ]; then
        found+=("$crate")
    fi
done
if [ "${#found[@]}" -gt 0 ]; then
    echo "check-bundle: the browser bundle depends on server-only crates: ${found[*]}" >&2
    echo "check-bundle: see why with: cargo tree -p frontend --target wasm32-unknown-unknown -e normal -i ${found[0]}" >&2
    exit 1
fi
echo "check-bundle: the browser bundle holds none of: ${SERVER_ONLY[*]}"
