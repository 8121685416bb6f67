#!/usr/bin/env bash
# What a first visit to an incident room downloads, from a release build (`make bench`):
#
#   scripts/first-load.sh            build the release site, then measure
#   FIRST_LOAD_NO_BUILD=1 scripts/first-load.sh   measure the site already built
#
# Starts target/release/sitrep on a free port with the demo data, signs in, fetches a room's
# HTML and every /pkg asset that page references, as a browser would (Accept-Encoding: br,
# gzip), and prints per file: its size, what went over the wire with brotli and with gzip,
# and the Content-Encoding and Cache-Control the server sent. The total of wasm + JS + CSS
# with brotli is compared with the budget (FIRST_LOAD_BUDGET_KB, 250 KB; 1 KB = 1,000 bytes).
# Prints figures; fails only when the server or the page cannot be reached.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN=target/release/sitrep
SITE_ROOT=target/site
BUDGET_KB="${FIRST_LOAD_BUDGET_KB:-250}"
EMAIL=iris@demo.sitrep.dev
PASSWORD=sitrep-demo

log() { printf 'first-load: %s\n' "$*" >&2; }
die() {
    printf 'first-load: error: %s\n' "$*" >&2
    exit 1
}
command -v curl >/dev/null || die "curl not found"

if [ "${FIRST_LOAD_NO_BUILD:-0}" != 1 ]; then
    scripts/setup.sh --release
    scripts/build.sh release
fi
[ -x "$BIN" ] || die "$BIN does not exist (scripts/build.sh release)"

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# The server prints where it listens once it is ready.
"$BIN" serve --addr 127.0.0.1:0 --database-url "sqlite://$TMP/first-load.db" --seed-demo \
    --site-root "$SITE_ROOT" >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 300); do
    BASE="$(sed -n 's/^Sitrep is running at \(http:[^ ]*\).*/\1/p' "$TMP/server.out" | head -n 1)"
    [ -n "$BASE" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 20 "$TMP/server.err")"
    sleep 0.2
done
[ -n "$BASE" ] || die "the server did not say where it listens within 60 s"

JAR="$TMP/cookies"
curl -fsS -c "$JAR" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session" ||
    die "sign-in as $EMAIL failed"

# The first incident the list links to: the demo data has several.
ROOM="$(curl -fsS -b "$JAR" "$BASE/incidents" | grep -o 'href="/incidents/[0-9][0-9]*"' | head -n 1 |
    sed 's/^href="\(.*\)"$/\1/')" || true
[ -n "$ROOM" ] || die "no incident linked from $BASE/incidents"
HTML="$TMP/room.html"
curl -fsS -b "$JAR" -o "$HTML" "$BASE$ROOM" || die "GET $ROOM failed"
mapfile -t ASSETS < <(grep -o '/pkg/[^"?# ]*' "$HTML" | sort -u)
[ "${#ASSETS[@]}" -gt 0 ] || die "$ROOM references nothing under /pkg/"

# bytes <path> <accept-encoding>: what goes over the wire, and the response's headers.
fetch() {
    curl -fsS -b "$JAR" -H "Accept-Encoding: $2" -D "$TMP/headers" -o "$TMP/body" "$BASE$1" ||
        die "GET $1 failed"
    wc -c <"$TMP/body" | tr -d ' '
}
header() { grep -i "^$1:" "$TMP/headers" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000 }'; }

printf '\nFirst visit to the room (%s), release build, %s\n\n' "$ROOM" "$(date -u +%Y-%m-%d)"
printf '%-40s %10s %10s %10s  %-8s %s\n' file "raw KB" "br KB" "gzip KB" encoding cache-control
TOTAL_RAW=0
TOTAL_BR=0
TOTAL_GZ=0
for asset in "${ASSETS[@]}"; do
    raw="$(fetch "$asset" identity)"
    gz="$(fetch "$asset" gzip)"
    br="$(fetch "$asset" 'br, gzip')"
    encoding="$(header content-encoding)"
    cache="$(header cache-control)"
    printf '%-40s %10s %10s %10s  %-8s %s\n' "$asset" "$(kb "$raw")" "$(kb "$br")" "$(kb "$gz")" \
        "${encoding:-none}" "$cache"
    TOTAL_RAW=$((TOTAL_RAW + raw))
    TOTAL_BR=$((TOTAL_BR + br))
    TOTAL_GZ=$((TOTAL_GZ + gz))
done
html="$(wc -c <"$HTML" | tr -d ' ')"
printf '%-40s %10s %10s %10s\n' "wasm + JS + CSS" "$(kb "$TOTAL_RAW")" "$(kb "$TOTAL_BR")" "$(kb "$TOTAL_GZ")"
printf '%-40s %10s\n' "the room's HTML (uncompressed)" "$(kb "$html")"
if [ "$TOTAL_BR" -le $((BUDGET_KB * 1000)) ]; then
    printf '\nwithin the budget: %s KB brotli <= %s KB\n' "$(kb "$TOTAL_BR")" "$BUDGET_KB"
else
    printf '\nOVER the budget: %s KB brotli > %s KB\n' "$(kb "$TOTAL_BR")" "$BUDGET_KB"
fi
