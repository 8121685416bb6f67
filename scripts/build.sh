#!/usr/bin/env bash
# Builds the site the way `cargo leptos build [--release]` would, without cargo-leptos:
#
#   scripts/build.sh [debug|release]      (default: debug)
#
#   1. frontend crate -> wasm32 (debug: dev profile; release: wasm-release profile)
#   2. wasm-bindgen --target web -> target/site/pkg/sitrep.js + sitrep.wasm
#   3. release only: wasm-opt -Oz
#   4. style/main.css -> target/site/pkg/sitrep.css, public/* -> target/site/
#   5. content-hashed names (sitrep.<hash>.js/.wasm/.css) and hash.txt beside the server
#      binary, as cargo-leptos's hash-files does; brotli (.br) and gzip (.gz) copies of each,
#      which the server sends when the browser accepts them
#   6. server binary (debug: target/debug/sitrep; release: target/release/sitrep)
#
# The wasm and the server must come from the same profile (the server renders
# HTML that the wasm hydrates); this script always builds both.
# Run scripts/setup.sh (and scripts/setup.sh --release for release) first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PROFILE="${1:-debug}"
case "$PROFILE" in
    debug)
        WASM_PROFILE_ARGS=()
        WASM_FILE=target/wasm32-unknown-unknown/debug/frontend.wasm
        SERVER_PROFILE_ARGS=()
        SERVER_BIN=target/debug/sitrep
        # The debug wasm is tens of MB: quick settings, still a fraction of the size.
        BROTLI_QUALITY=5
        GZIP_LEVEL=6
        ;;
    release)
        WASM_PROFILE_ARGS=(--profile wasm-release)
        WASM_FILE=target/wasm32-unknown-unknown/wasm-release/frontend.wasm
        SERVER_PROFILE_ARGS=(--release)
        SERVER_BIN=target/release/sitrep
        BROTLI_QUALITY=11
        GZIP_LEVEL=9
        ;;
    -h | --help)
        sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "build: unknown profile '$PROFILE' (use debug or release)" >&2
        exit 2
        ;;
esac

# Same names as [[workspace.metadata.leptos]] in Cargo.toml.
OUTPUT_NAME=sitrep
SITE_ROOT=target/site
PKG_DIR="$SITE_ROOT/pkg"
STYLE_FILE=style/main.css
ASSETS_DIR=public

export LEPTOS_OUTPUT_NAME="$OUTPUT_NAME"
export LEPTOS_SITE_ROOT="$SITE_ROOT"
export LEPTOS_SITE_PKG_DIR=pkg

log() { printf 'build: %s\n' "$*"; }
die() {
    printf 'build: error: %s\n' "$*" >&2
    exit 1
}
now_ms() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t="${EPOCHREALTIME/[.,]/}"
        echo $((t / 1000))
    else
        echo $(($(date +%s) * 1000))
    fi
}
fmt_secs() { printf '%d.%01d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# step "description" command args...: runs the command and reports how long it took.
step() {
    local what="$1"
    shift
    log "$what"
    local t0
    t0="$(now_ms)"
    "$@"
    log "$what: $(fmt_secs $(($(now_ms) - t0))) s"
}

BUILD_T0="$(now_ms)"

# --- preflight: the tools setup.sh installs --------------------------------------------
command -v cargo >/dev/null || die "cargo not found (run scripts/setup.sh)"
command -v wasm-bindgen >/dev/null || die "wasm-bindgen not found (run scripts/setup.sh)"
LOCK_WB="$(awk '
    $0 == "name = \"wasm-bindgen\"" { found = 1; next }
    found && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock)"
CLI_WB="$(wasm-bindgen --version | awk '{ print $2; exit }')"
[ "$LOCK_WB" = "$CLI_WB" ] ||
    die "wasm-bindgen CLI is $CLI_WB but Cargo.lock has wasm-bindgen $LOCK_WB (run scripts/setup.sh)"
command -v brotli >/dev/null || die "brotli not found (run scripts/setup.sh)"
if [ "$PROFILE" = release ]; then
    command -v wasm-opt >/dev/null || die "wasm-opt not found (run scripts/setup.sh --release)"
fi
[ -f "$STYLE_FILE" ] || die "$STYLE_FILE is missing"

# --- 1. the browser bundle ------------------------------------------------------------
step "cargo build -p frontend --lib --target wasm32-unknown-unknown${WASM_PROFILE_ARGS[*]:+ ${WASM_PROFILE_ARGS[*]}}" \
    cargo build -p frontend --lib --target wasm32-unknown-unknown ${WASM_PROFILE_ARGS[@]+"${WASM_PROFILE_ARGS[@]}"}
[ -f "$WASM_FILE" ] || die "expected $WASM_FILE after the frontend build"

# --- 2. wasm-bindgen ----------------------------------------------------------------------
# Start from an empty pkg/ so no stale snippets/ or old bundles linger.
rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR"
step "wasm-bindgen --target web -> $PKG_DIR/$OUTPUT_NAME.js" \
    wasm-bindgen --target web --no-typescript --out-dir "$PKG_DIR" --out-name "$OUTPUT_NAME" "$WASM_FILE"
[ -f "$PKG_DIR/${OUTPUT_NAME}_bg.wasm" ] || die "wasm-bindgen did not write $PKG_DIR/${OUTPUT_NAME}_bg.wasm"
[ -f "$PKG_DIR/$OUTPUT_NAME.js" ] || die "wasm-bindgen did not write $PKG_DIR/$OUTPUT_NAME.js"

# cargo-leptos names the wasm sitrep.wasm (step 5 adds the hash); the generated JS only
# names sitrep_bg.wasm as the fallback URL when init is called without one.
mv -f "$PKG_DIR/${OUTPUT_NAME}_bg.wasm" "$PKG_DIR/$OUTPUT_NAME.wasm"

# --- 3. release: shrink the wasm -------------------------------------------------------------
if [ "$PROFILE" = release ]; then
    # rustc (LLVM 20+) emits these features by default for wasm32-unknown-unknown; every
    # browser Sitrep supports has them, and binaryen >= 116 knows all of these flags.
    step "wasm-opt -Oz" \
        wasm-opt -Oz \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        -o "$PKG_DIR/$OUTPUT_NAME.wasm" "$PKG_DIR/$OUTPUT_NAME.wasm"
fi
log "wasm: $PKG_DIR/$OUTPUT_NAME.wasm ($(($(wc -c <"$PKG_DIR/$OUTPUT_NAME.wasm") / 1024)) KiB)"

# --- 4. style and static assets ---------------------------------------------------------------
copy_assets() {
    cp -f "$STYLE_FILE" "$PKG_DIR/$OUTPUT_NAME.css"
    if [ -d "$ASSETS_DIR" ]; then
        cp -R "$ASSETS_DIR/." "$SITE_ROOT/"
    fi
}
step "copy $STYLE_FILE -> $PKG_DIR/$OUTPUT_NAME.css, $ASSETS_DIR/ -> $SITE_ROOT/" copy_assets

# --- 5. hashed names, precompressed copies ---------------------------------------------------
# A file whose name carries its content's hash can be cached for a year without asking
# (the server says `immutable` for such names). The page learns the names the way
# cargo-leptos's hash-files tells it: hash.txt beside the server binary, read by
# <HydrationScripts> and <HashedStylesheet> (the server turns hashing on when it finds it).
content_hash() { sha256sum "$1" | cut -c1-20; }
hash_bundle() {
    local wasm_hash js_hash css_hash
    wasm_hash="$(content_hash "$PKG_DIR/$OUTPUT_NAME.wasm")"
    mv -f "$PKG_DIR/$OUTPUT_NAME.wasm" "$PKG_DIR/$OUTPUT_NAME.$wasm_hash.wasm"
    # The JS names the wasm only as its fallback URL (the page passes the URL it wants);
    # point that at the hashed file too, before the JS's own hash is taken.
    sed -i "s/${OUTPUT_NAME}_bg\.wasm/$OUTPUT_NAME.$wasm_hash.wasm/g" "$PKG_DIR/$OUTPUT_NAME.js"
    js_hash="$(content_hash "$PKG_DIR/$OUTPUT_NAME.js")"
    mv -f "$PKG_DIR/$OUTPUT_NAME.js" "$PKG_DIR/$OUTPUT_NAME.$js_hash.js"
    css_hash="$(content_hash "$PKG_DIR/$OUTPUT_NAME.css")"
    mv -f "$PKG_DIR/$OUTPUT_NAME.css" "$PKG_DIR/$OUTPUT_NAME.$css_hash.css"
    mkdir -p "$(dirname "$SERVER_BIN")"
    printf 'js: %s\nwasm: %s\ncss: %s\n' "$js_hash" "$wasm_hash" "$css_hash" >"$HASH_FILE"
}
HASH_FILE="$(dirname "$SERVER_BIN")/hash.txt"
step "hashed names -> $HASH_FILE" hash_bundle

compress() {
    local f
    while IFS= read -r -d '' f; do
        gzip "-$GZIP_LEVEL" -k -f -n "$f"
        brotli -q "$BROTLI_QUALITY" -k -f "$f"
    done < <(find "$PKG_DIR" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0)
}
step "brotli -q $BROTLI_QUALITY and gzip -$GZIP_LEVEL the bundle" compress
for f in "$PKG_DIR"/"$OUTPUT_NAME".*.wasm; do
    log "wasm: $(($(wc -c <"$f") / 1024)) KiB, $(($(wc -c <"$f.br") / 1024)) KiB brotli, $(($(wc -c <"$f.gz") / 1024)) KiB gzip"
done

# --- 6. the server ------------------------------------------------------------------------------
step "cargo build -p server --bin sitrep${SERVER_PROFILE_ARGS[*]:+ ${SERVER_PROFILE_ARGS[*]}}" \
    cargo build -p server --bin sitrep ${SERVER_PROFILE_ARGS[@]+"${SERVER_PROFILE_ARGS[@]}"}
[ -x "$SERVER_BIN" ] || die "expected $SERVER_BIN after the server build"

log "done ($PROFILE) in $(fmt_secs $(($(now_ms) - BUILD_T0))) s: $SERVER_BIN serves $SITE_ROOT/"
