//! How browsers and proxies may keep the compiled bundle (/pkg) and the icon. A file whose name
//! carries its content's hash (`sitrep.<hash>.wasm`, written by scripts/build.sh or cargo-leptos)
//! never changes under that name: it is kept for a year without asking again. Anything else is
//! asked about each time (it may change with the next build). The precompressed copies
//! (`.br`, `.gz`) are chosen by `Accept-Encoding`, which caches must therefore key on.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

/// The shortest hash we take for one: ours are 20 hex digits, cargo-leptos's 22 base64url ones.
const MIN_HASH_LEN: usize = 16;

/// Compiled assets: the same for everyone, so they get this policy, not the pages' `no-store`.
pub fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg"
}

/// `/pkg/<stem>.<hash>.<ext>`: the hash part is long and of the characters a hash is written in.
pub fn is_content_hashed(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let parts: Vec<&str> = name.rsplitn(3, '.').collect();
    match parts.as_slice() {
        [ext, hash, stem] => {
            !ext.is_empty()
                && !stem.is_empty()
                && !stem.contains('/')
                && hash.len() >= MIN_HASH_LEN
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                // The split chunks' loader before the build names it: `__wasm_split.___…___.js`.
                && hash.bytes().any(|b| b.is_ascii_alphanumeric())
        }
        _ => false,
    }
}

/// Sets the caching headers of a static asset's response.
pub fn set_cache_headers(path: &str, status: StatusCode, headers: &mut HeaderMap) {
    let found = status == StatusCode::OK || status == StatusCode::NOT_MODIFIED;
    let policy = if !found {
        // A missing file gets the app's "not found" page, which is no asset.
        "no-store"
    } else if is_content_hashed(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if found && path.starts_with("/pkg/") {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_carrying_a_hash_are_immutable() {
        assert!(is_content_hashed("/pkg/sitrep.0123456789abcdef0123.wasm"));
        assert!(is_content_hashed("/pkg/sitrep.Ab-_0123456789xyzABCDEFG.js"));
        assert!(!is_content_hashed("/pkg/sitrep.wasm"));
        assert!(!is_content_hashed("/pkg/sitrep_bg.wasm"));
        assert!(!is_content_hashed("/pkg/sitrep.v2.css"));
        assert!(!is_content_hashed(
            "/pkg/snippets/x/inline0.0123456789abcdef0.js"
        ));
        assert!(!is_content_hashed("/pkg/.0123456789abcdef0123.js"));
        assert!(!is_content_hashed("/favicon.0123456789abcdef0123.svg"));
        assert!(!is_content_hashed("/pkg/sitrep.0123456789abcdef0123."));
        assert!(is_content_hashed(
            "/pkg/__wasm_split.0123456789abcdef012345.js"
        ));
        assert!(!is_content_hashed(
            "/pkg/__wasm_split.______________________.js"
        ));
    }

    #[test]
    fn hashed_files_are_kept_a_year_others_asked_about_missing_ones_not_kept() {
        let policy = |path: &str, status: StatusCode| {
            let mut h = HeaderMap::new();
            set_cache_headers(path, status, &mut h);
            h.get(header::CACHE_CONTROL).cloned()
        };
        let hashed = "/pkg/sitrep.0123456789abcdef0123.wasm";
        assert_eq!(
            policy(hashed, StatusCode::OK).unwrap(),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            policy("/pkg/sitrep.wasm", StatusCode::OK).unwrap(),
            "no-cache"
        );
        assert_eq!(policy("/favicon.svg", StatusCode::OK).unwrap(), "no-cache");
        assert_eq!(policy(hashed, StatusCode::NOT_FOUND).unwrap(), "no-store");
        let mut h = HeaderMap::new();
        set_cache_headers(hashed, StatusCode::OK, &mut h);
        assert_eq!(h.get(header::VARY).unwrap(), "accept-encoding");
    }
}
