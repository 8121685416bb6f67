#!/usr/bin/env bash
# What a first visit to each screen downloads, from a release build (`make bench`):
#
#   scripts/first-load.sh            build the release site, then measure
#   FIRST_LOAD_NO_BUILD=1 scripts/first-load.sh   measure the site already built
#
# Starts target/release/sitrep on a free port with the demo data, signs in, fetches each
# screen's HTML and every /pkg asset that page references (the main bundle, and the preloaded
# chunks of that screen: scripts/build.sh splits the wasm per screen), as a browser would
# (Accept-Encoding: br, gzip). Prints per file of the room: its size, what went over the wire
# with brotli and with gzip, and the Content-Encoding and Cache-Control the server sent; then
# per screen: what a first visit downloads, and what going there from the room adds (the
# screen's own chunks). The room's total of wasm + JS + CSS with brotli is compared with the
# budget (FIRST_LOAD_BUDGET_KB, 250 KB; 1 KB = 1,000 bytes).
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

# bytes <path> <accept-encoding>: what goes over the wire, and the response's headers.
fetch() {
    curl -fsS -b "$JAR" -H "Accept-Encoding: $2" -D "$TMP/headers" -o "$TMP/body" "$BASE$1" ||
        die "GET $1 failed"
    wc -c <"$TMP/body" | tr -d ' '
}
header() { grep -i "^$1:" "$TMP/headers" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000 }'; }

# Each asset is measured once: "raw br gzip encoding|cache-control".
declare -A MEASURED
measure() {
    [ -n "${MEASURED[$1]:-}" ] && return
    local raw gz br encoding
    raw="$(fetch "$1" identity)"
    gz="$(fetch "$1" gzip)"
    br="$(fetch "$1" 'br, gzip')"
    encoding="$(header content-encoding)"
    MEASURED[$1]="$raw $br $gz ${encoding:-none}|$(header cache-control)"
}
# assets <path> <cookie jar or ->: the /pkg files the page at <path> references.
assets() {
    local jar=(-b "$JAR")
    [ "$2" = - ] && jar=()
    curl -fsS "${jar[@]}" -o "$TMP/page.html" "$BASE$1" || die "GET $1 failed"
    grep -o '/pkg/[^"?# ]*' "$TMP/page.html" | sort -u
}

# A screen's chunks, from the manifest the build wrote (the page preloads them, but what is counted
# is what the screen needs, whatever the page names); the main module imports their loader.
HASHES="$(dirname "$BIN")/hash.txt"
[ -f "$HASHES" ] || die "$HASHES is missing (scripts/build.sh release)"
hash_of() { sed -n "s/^$1: *//p" "$HASHES"; }
MANIFEST="$SITE_ROOT/pkg/__wasm_split_manifest.$(hash_of manifest).json"
[ -f "$MANIFEST" ] || die "$MANIFEST is missing (scripts/build.sh release)"
LOADER="/pkg/__wasm_split.$(hash_of split).js"
# The manifest as serde_json writes it, pretty: `"__<screen>_view_<n>": [` on a line of its own,
# then one chunk per line, then `]`. Fails when the screen has no entry.
chunks() {
    awk -v key="\"__$1_view_" '
        !on && index($0, key) { on = 1; found = 1; if ($0 ~ /\[\]/) exit; next }
        on && /\]/ { exit }
        on { gsub(/[",[:space:]]/, ""); if ($0 != "") print "/pkg/" $0 ".wasm" }
        END { if (!found) exit 1 }
    ' "$MANIFEST"
}
# screen_assets <path> <cookie jar or -> <chunk key>: everything a first visit there downloads.
screen_assets() {
    local listed own
    listed="$(assets "$1" "$2")" || die "GET $1 failed"
    own="$(chunks "$3")" || die "$MANIFEST has no chunks for the $3 screen"
    printf '%s\n%s\n%s\n' "$listed" "$LOADER" "$own" | sed '/^$/d' | sort -u
}

ROOM_LIST="$(screen_assets "$ROOM" "$JAR" room)"
mapfile -t ROOM_ASSETS <<<"$ROOM_LIST"
html="$(wc -c <"$TMP/page.html" | tr -d ' ')"

printf '\nFirst visit to the room (%s), release build, %s\n\n' "$ROOM" "$(date -u +%Y-%m-%d)"
printf '%-64s %8s %8s %8s  %-8s %s\n' file "raw KB" "br KB" "gzip KB" encoding cache-control
TOTAL_RAW=0
TOTAL_BR=0
TOTAL_GZ=0
for asset in "${ROOM_ASSETS[@]}"; do
    measure "$asset"
    read -r raw br gz rest <<<"${MEASURED[$asset]}"
    printf '%-64s %8s %8s %8s  %-8s %s\n' "$asset" "$(kb "$raw")" "$(kb "$br")" "$(kb "$gz")" \
        "${rest%%|*}" "${rest#*|}"
    TOTAL_RAW=$((TOTAL_RAW + raw))
    TOTAL_BR=$((TOTAL_BR + br))
    TOTAL_GZ=$((TOTAL_GZ + gz))
done
printf '%-64s %8s %8s %8s\n' "wasm + JS + CSS (${#ROOM_ASSETS[@]} files)" "$(kb "$TOTAL_RAW")" \
    "$(kb "$TOTAL_BR")" "$(kb "$TOTAL_GZ")"
printf '%-64s %8s\n' "the room's HTML (uncompressed)" "$(kb "$html")"

# Per screen: a first visit there, and what the screen's own chunks add after the room.
declare -A IN_ROOM
for asset in "${ROOM_ASSETS[@]}"; do IN_ROOM[$asset]=1; done
printf '\nEach screen, wasm + JS + CSS with brotli (KB)\n\n'
printf '%-18s %-26s %12s %16s\n' screen path "first visit" "after the room"
for screen in "sign-in /login - login" "incidents /incidents $JAR incidents" \
    "room $ROOM $JAR room" "services /services $JAR services" \
    "roles /settings/roles $JAR roles" "SLA /settings/sla $JAR sla" \
    "tokens /settings/tokens $JAR tokens"; do
    read -r name path jar key <<<"$screen"
    first=0
    more=0
    list="$(screen_assets "$path" "$jar" "$key")"
    while IFS= read -r asset; do
        [ -n "$asset" ] || continue
        measure "$asset"
        read -r _ br _ <<<"${MEASURED[$asset]}"
        first=$((first + br))
        [ -n "${IN_ROOM[$asset]:-}" ] || more=$((more + br))
    done <<<"$list"
    printf '%-18s %-26s %12s %16s\n' "$name" "$path" "$(kb "$first")" "$(kb "$more")"
done

if [ "$TOTAL_BR" -le $((BUDGET_KB * 1000)) ]; then
    printf '\nthe room is within the budget: %s KB brotli <= %s KB\n' "$(kb "$TOTAL_BR")" "$BUDGET_KB"
else
    printf '\nthe room is OVER the budget: %s KB brotli > %s KB\n' "$(kb "$TOTAL_BR")" "$BUDGET_KB"
fi
