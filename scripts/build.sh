#!/usr/bin/env bash
# Builds the site the way `cargo leptos build [--release]` would, without cargo-leptos:
#
#   scripts/build.sh [debug|release]      (default: debug)
#
#   1. frontend crate -> wasm32 (debug: dev profile; release: wasm-release profile), then cut
#      into per-screen chunks at its #[lazy] split points (tools/wasm-split, as
#      `cargo leptos build --split` does): a main module, chunk_*.wasm / split_*.wasm, their
#      loader __wasm_split.*.js and __wasm_split_manifest.json, which names each screen's chunks
#   2. wasm-bindgen --target web on the main module -> target/site/pkg/sitrep.js + sitrep.wasm
#   3. release only: wasm-opt -Oz, every .wasm
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
        sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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

# Start from an empty pkg/ so no stale snippets/, chunks or old bundles linger.
rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR"
# The splitter is a host tool of this workspace; optimised, it cuts even the debug wasm in a
# second or so.
step "cargo build -p wasm-split --release" cargo build -p wasm-split --release
SPLIT_MAIN="target/wasm-split/$PROFILE/main.wasm"
mkdir -p "$(dirname "$SPLIT_MAIN")"
step "wasm-split -> $PKG_DIR (chunks, loader, manifest), $SPLIT_MAIN" \
    target/release/sitrep-wasm-split "$WASM_FILE" --out-dir "$PKG_DIR" --main-out "$SPLIT_MAIN" \
    --main-name "$OUTPUT_NAME"
LOADER_NAME="__wasm_split.______________________.js"
MANIFEST_NAME="__wasm_split_manifest.json"
[ -f "$PKG_DIR/$LOADER_NAME" ] || die "wasm-split did not write $PKG_DIR/$LOADER_NAME"
[ -f "$PKG_DIR/$MANIFEST_NAME" ] || die "wasm-split did not write $PKG_DIR/$MANIFEST_NAME"

# --- 2. wasm-bindgen ----------------------------------------------------------------------
# The chunks call into the main module by the names the linker gave its functions, so those
# stay exported and unmangled.
step "wasm-bindgen --target web -> $PKG_DIR/$OUTPUT_NAME.js" \
    wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
    --out-dir "$PKG_DIR" --out-name "$OUTPUT_NAME" "$SPLIT_MAIN"
[ -f "$PKG_DIR/${OUTPUT_NAME}_bg.wasm" ] || die "wasm-bindgen did not write $PKG_DIR/${OUTPUT_NAME}_bg.wasm"
[ -f "$PKG_DIR/$OUTPUT_NAME.js" ] || die "wasm-bindgen did not write $PKG_DIR/$OUTPUT_NAME.js"

# cargo-leptos names the wasm sitrep.wasm (step 5 adds the hash); the generated JS only
# names sitrep_bg.wasm as the fallback URL when init is called without one.
mv -f "$PKG_DIR/${OUTPUT_NAME}_bg.wasm" "$PKG_DIR/$OUTPUT_NAME.wasm"

# --- 3. release: shrink the wasm -------------------------------------------------------------
if [ "$PROFILE" = release ]; then
    # rustc (LLVM 20+) emits these features by default for wasm32-unknown-unknown; every
    # browser Sitrep supports has them, and binaryen >= 116 knows all of these flags.
    optimize_all() {
        local f
        for f in "$PKG_DIR"/*.wasm; do
            # The splitter writes a names subsection binaryen does not know (and drops): it
            # would warn once per chunk.
            wasm-opt -Oz \
                --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
                --enable-mutable-globals --enable-reference-types --enable-multivalue \
                -o "$f" "$f" 2> >(grep -v '^warning: unknown name subsection' >&2)
        done
    }
    step "wasm-opt -Oz, main module and chunks" optimize_all
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
content_hash() { cat "$@" | sha256sum | cut -c1-"${HASH_LEN:-20}"; }
hash_bundle() {
    local f base hash wasm_hash js_hash css_hash loader_hash manifest_hash loader
    loader="$PKG_DIR/$LOADER_NAME"
    # The chunks: the loader fetches them, the manifest names them for the page's preloads.
    for f in "$PKG_DIR"/chunk_*.wasm "$PKG_DIR"/split_*.wasm; do
        [ -f "$f" ] || continue
        base="$(basename "$f" .wasm)"
        hash="$(content_hash "$f")"
        mv -f "$f" "$PKG_DIR/$base.$hash.wasm"
        grep -qF "\"./$base.wasm\"" "$loader" || die "the chunks' loader does not fetch $base.wasm"
        sed -i "s#\"\./$base\.wasm\"#\"./$base.$hash.wasm\"#g" "$loader"
        sed -i "s#\"$base\"#\"$base.$hash\"#g" "$PKG_DIR/$MANIFEST_NAME"
    done
    # The loader and the main module import each other, so neither name can be the hash of
    # the other's final text. The loader's name is taken from everything that decides its final
    # text (its text with the chunks' names, the main module's wasm and JS before either is
    # patched), and must be as long as the placeholder it replaces inside the main module.
    loader_hash="$(HASH_LEN=22 content_hash "$loader" "$PKG_DIR/$OUTPUT_NAME.wasm" "$PKG_DIR/$OUTPUT_NAME.js")"
    LC_ALL=C sed -i "s/${LOADER_NAME//./\\.}/__wasm_split.$loader_hash.js/g" \
        "$PKG_DIR/$OUTPUT_NAME.wasm" "$PKG_DIR/$OUTPUT_NAME.js"
    ! LC_ALL=C grep -aqF "$LOADER_NAME" "$PKG_DIR/$OUTPUT_NAME.wasm" "$PKG_DIR/$OUTPUT_NAME.js" ||
        die "the main module still imports $LOADER_NAME"
    wasm_hash="$(content_hash "$PKG_DIR/$OUTPUT_NAME.wasm")"
    mv -f "$PKG_DIR/$OUTPUT_NAME.wasm" "$PKG_DIR/$OUTPUT_NAME.$wasm_hash.wasm"
    # The JS names the wasm only as its fallback URL (the page passes the URL it wants);
    # point that at the hashed file too, before the JS's own hash is taken.
    sed -i "s/${OUTPUT_NAME}_bg\.wasm/$OUTPUT_NAME.$wasm_hash.wasm/g" "$PKG_DIR/$OUTPUT_NAME.js"
    js_hash="$(content_hash "$PKG_DIR/$OUTPUT_NAME.js")"
    mv -f "$PKG_DIR/$OUTPUT_NAME.js" "$PKG_DIR/$OUTPUT_NAME.$js_hash.js"
    grep -qF "\"./$OUTPUT_NAME.js\"" "$loader" || die "the chunks' loader does not import ./$OUTPUT_NAME.js"
    sed -i "s#\"\./$OUTPUT_NAME\.js\"#\"./$OUTPUT_NAME.$js_hash.js\"#g" "$loader"
    mv -f "$loader" "$PKG_DIR/__wasm_split.$loader_hash.js"
    manifest_hash="$(content_hash "$PKG_DIR/$MANIFEST_NAME")"
    mv -f "$PKG_DIR/$MANIFEST_NAME" "$PKG_DIR/__wasm_split_manifest.$manifest_hash.json"
    css_hash="$(content_hash "$PKG_DIR/$OUTPUT_NAME.css")"
    mv -f "$PKG_DIR/$OUTPUT_NAME.css" "$PKG_DIR/$OUTPUT_NAME.$css_hash.css"
    mkdir -p "$(dirname "$SERVER_BIN")"
    printf 'js: %s\nwasm: %s\ncss: %s\nmanifest: %s\nsplit: %s\n' \
        "$js_hash" "$wasm_hash" "$css_hash" "$manifest_hash" "$loader_hash" >"$HASH_FILE"
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
    log "main wasm: $(($(wc -c <"$f") / 1024)) KiB, $(($(wc -c <"$f.br") / 1024)) KiB brotli, $(($(wc -c <"$f.gz") / 1024)) KiB gzip"
done
log "chunks: $(find "$PKG_DIR" -name '*.wasm' ! -name "$OUTPUT_NAME.*" | wc -l) (scripts/first-load.sh adds up what each screen downloads)"


# --- 6. the server ------------------------------------------------------------------------------
step "cargo build -p server --bin sitrep${SERVER_PROFILE_ARGS[*]:+ ${SERVER_PROFILE_ARGS[*]}}" \
    cargo build -p server --bin sitrep ${SERVER_PROFILE_ARGS[@]+"${SERVER_PROFILE_ARGS[@]}"}
[ -x "$SERVER_BIN" ] || die "expected $SERVER_BIN after the server build"

log "done ($PROFILE) in $(fmt_secs $(($(now_ms) - BUILD_T0))) s: $SERVER_BIN serves $SITE_ROOT/"
