//! The compiled bundle as the server hands it out: the precompressed copy the browser accepts,
//! cached for good under a content-hashed name, revalidated under any other; pages never cached.

use crate::common::*;

const HASHED: &str = "/pkg/sitrep.0123456789abcdef0123.wasm";

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn assets_come_precompressed_and_hashed_names_are_immutable() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let file = |name: &str, body: &str| std::fs::write(pkg.join(name), body).unwrap();
    file("sitrep.0123456789abcdef0123.wasm", "raw");
    file("sitrep.0123456789abcdef0123.wasm.br", "brotli");
    file("sitrep.0123456789abcdef0123.wasm.gz", "gzip");
    file("sitrep.css", "body{}");
    let options = sitrep::Options {
        site_root: site.path().display().to_string(),
        ..Default::default()
    };
    let server = TestServer::start_with(Db::sqlite(), options).await;
    // No automatic decompression: the bytes are what went over the wire.
    let http = reqwest::Client::new();
    let get = |path: &str, accept: &str| {
        http.get(format!("{}{path}", server.base))
            .header("accept-encoding", accept)
            .send()
    };

    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), "brotli"),
        ("gzip", Some("gzip"), "gzip"),
        ("identity", None, "raw"),
    ] {
        let res = get(HASHED, accept).await.unwrap();
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(
            header(&res, "content-encoding").as_deref(),
            encoding,
            "{accept}"
        );
        assert_eq!(
            header(&res, "content-type").as_deref(),
            Some("application/wasm"),
            "{accept}"
        );
        assert_eq!(
            header(&res, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{accept}"
        );
        assert_eq!(header(&res, "vary").as_deref(), Some("accept-encoding"));
        assert_eq!(res.text().await.unwrap(), body, "{accept}");
    }

    // A name without a hash may change with the next build: asked about each time.
    let res = get("/pkg/sitrep.css", "br").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-cache"));
    // A missing file is the app's "not found" page, kept by no cache.
    let res = get("/pkg/sitrep.ffffffffffffffffffff.wasm", "br")
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
    // Pages are never kept.
    let res = get("/login", "br").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
}
