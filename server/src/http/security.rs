//! Holding against a hostile browser: requests that change something must come from this site's
//! own pages (no cross-site request forgery, no login CSRF), and every response carries headers
//! that keep pages from being framed, sniffed, cached or made to run foreign scripts.

use app::domain::AppError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;

use super::problem::refuse;
use crate::AppState;

/// A web origin: scheme, host (lower case) and port (the scheme's default when not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute URL (`https://host[:port][/path]`); `None` for anything else.
    pub fn of_url(url: &str) -> Option<Origin> {
        let uri: Uri = url.trim().parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let authority = uri.authority()?;
        Origin::new(&scheme, authority.host(), authority.port_u16())
    }

    fn new(scheme: &str, host: &str, port: Option<u16>) -> Option<Origin> {
        let default = match scheme {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        if host.is_empty() {
            return None;
        }
        Some(Origin {
            scheme: scheme.to_owned(),
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(default),
        })
    }

    /// The server as named by a request's `Host` header, reached with `scheme`.
    fn of_host(scheme: &str, host: &str) -> Option<Origin> {
        let authority: axum::http::uri::Authority = host.trim().parse().ok()?;
        Origin::new(scheme, authority.host(), authority.port_u16())
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// Does this request come from a page of this site (or from no page at all)?
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    SameOrigin,
    /// No `Origin`, `Sec-Fetch-Site` or `Referer`: not sent by a browser page (a script, curl).
    NotFromAPage,
    Foreign(String),
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Is `claimed` (an `Origin` or `Referer` value) this server? With a configured public URL it
/// must be exactly that origin; without, it must name the host the request was sent to (over
/// HTTPS when cookies are `Secure`, since a browser then only ever talks HTTPS to us).
fn is_ours(claimed: &str, public: Option<&Origin>, headers: &HeaderMap, https_only: bool) -> bool {
    let Some(claimed) = Origin::of_url(claimed) else {
        return false; // `null` (sandboxed frames, privacy redirects) or garbage
    };
    match public {
        Some(public) => &claimed == public,
        None => {
            if https_only && claimed.scheme != "https" {
                return false;
            }
            header_str(headers, header::HOST)
                .and_then(|host| Origin::of_host(&claimed.scheme, host))
                .is_some_and(|host| host == claimed)
        }
    }
}

fn verdict(headers: &HeaderMap, public: Option<&Origin>, https_only: bool) -> Verdict {
    if let Some(origin) = header_str(headers, header::ORIGIN) {
        return if is_ours(origin, public, headers, https_only) {
            Verdict::SameOrigin
        } else {
            Verdict::Foreign(origin.to_owned())
        };
    }
    // Browsers that leave out `Origin` still say where the request came from.
    if let Some(site) = header_str(headers, "sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Verdict::SameOrigin,
            other => Verdict::Foreign(format!("a {other} page")),
        };
    }
    if let Some(referer) = headers.get(header::REFERER) {
        let referer = referer.to_str().unwrap_or_default();
        return if is_ours(referer, public, headers, https_only) {
            Verdict::SameOrigin
        } else {
            Verdict::Foreign("another site".to_owned())
        };
    }
    Verdict::NotFromAPage
}

/// API tokens are not sent by browsers on their own, so a request carrying one cannot be forged
/// by another site.
fn has_bearer_token(headers: &HeaderMap) -> bool {
    header_str(headers, header::AUTHORIZATION)
        .and_then(|v| v.get(..7))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "))
}

fn changes_something(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses (403) a request that would change something when it comes from another site's page.
/// Runs before the session is read, so a refused request neither uses nor creates one.
pub async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !changes_something(request.method()) || has_bearer_token(request.headers()) {
        return next.run(request).await;
    }
    let public = state.public_origin.as_deref();
    match verdict(request.headers(), public, state.secure_cookies) {
        Verdict::SameOrigin | Verdict::NotFromAPage => next.run(request).await,
        Verdict::Foreign(from) => {
            // Behind a proxy that rewrites Host, every page looks foreign: say what to set.
            tracing::info!(
                %from,
                path = request.uri().path(),
                "refused a cross-site request (if it was Sitrep's own page behind a proxy, set \
                 --public-url)"
            );
            let error = AppError::forbidden(format!(
                "This request came from {from}, not from Sitrep's own pages: refused, so that \
                 other sites cannot act in your name. Use Sitrep itself, or an API token."
            ));
            refuse(request.uri().path(), error)
        }
    }
}

/// The page's scripts: ours from /pkg and the inline hydration scripts carrying this response's
/// nonce; WebAssembly compiled from /pkg. Nothing inline otherwise, images only from here (no
/// tracking pixels in notes), no framing, forms and fetches only to this site.
fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Gives the request a fresh CSP nonce (the page's scripts carry it: see [`provide_nonce`]) and
/// every response the security headers.
pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    let policy = HeaderValue::from_str(&content_security_policy(&nonce));
    let path = request.uri().path().to_owned();
    let asset = super::assets::is_static(&path);
    request.extensions_mut().insert(nonce);
    let mut response = next.run(request).await;
    let status = response.status();
    let h = response.headers_mut();
    if let Ok(policy) = policy {
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages and API answers hold what one person may see: no cache keeps them (a shared
    // computer's back button, a proxy). The event stream says `no-cache` itself.
    if asset {
        super::assets::set_cache_headers(&path, status, h);
    } else if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// For Leptos' rendering context: the nonce [`headers`] put in the CSP, so that the hydration
/// scripts Leptos writes into the page carry the one the browser will accept.
pub fn provide_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        leptos::prelude::provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let public = Origin::of_url("https://Sitrep.example.com/").unwrap();
        assert_eq!(
            Origin::of_url("https://sitrep.example.com:443"),
            Some(public.clone())
        );
        assert_ne!(Origin::of_url("http://sitrep.example.com"), Some(public));
        assert_eq!(Origin::of_url("null"), None);
        assert_eq!(Origin::of_url("ftp://x"), None);
    }

    #[test]
    fn judges_by_origin_then_fetch_metadata_then_referer() {
        let own = [("host", "127.0.0.1:3000")];
        let v = |extra: &[(&'static str, &'static str)]| {
            let mut all = own.to_vec();
            all.extend_from_slice(extra);
            verdict(&headers(&all), None, false)
        };
        assert_eq!(
            v(&[("origin", "http://127.0.0.1:3000")]),
            Verdict::SameOrigin
        );
        assert!(matches!(
            v(&[("origin", "http://evil.example")]),
            Verdict::Foreign(_)
        ));
        assert!(matches!(
            v(&[("origin", "http://127.0.0.1:3001")]),
            Verdict::Foreign(_)
        ));
        assert!(matches!(v(&[("origin", "null")]), Verdict::Foreign(_)));
        assert!(matches!(
            v(&[("sec-fetch-site", "cross-site")]),
            Verdict::Foreign(_)
        ));
        assert!(matches!(
            v(&[("sec-fetch-site", "same-site")]),
            Verdict::Foreign(_)
        ));
        assert_eq!(v(&[("sec-fetch-site", "same-origin")]), Verdict::SameOrigin);
        assert_eq!(
            v(&[("referer", "http://127.0.0.1:3000/incidents")]),
            Verdict::SameOrigin
        );
        assert!(matches!(
            v(&[("referer", "http://evil.example/")]),
            Verdict::Foreign(_)
        ));
        assert_eq!(v(&[]), Verdict::NotFromAPage);
        // Secure cookies: only HTTPS pages are ours.
        let h = headers(&[("host", "sitrep.test"), ("origin", "http://sitrep.test")]);
        assert!(matches!(verdict(&h, None, true), Verdict::Foreign(_)));
        let h = headers(&[("host", "sitrep.test"), ("origin", "https://sitrep.test")]);
        assert_eq!(verdict(&h, None, true), Verdict::SameOrigin);
        // Behind a proxy the configured public URL decides, not Host.
        let public = Origin::of_url("https://sitrep.example.com").unwrap();
        let h = headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://sitrep.example.com"),
        ]);
        assert_eq!(verdict(&h, Some(&public), false), Verdict::SameOrigin);
        let h = headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "http://10.0.0.5:3000"),
        ]);
        assert!(matches!(
            verdict(&h, Some(&public), false),
            Verdict::Foreign(_)
        ));
    }

    #[test]
    fn bearer_tokens_are_recognised() {
        assert!(has_bearer_token(&headers(&[(
            "authorization",
            "Bearer abc"
        )])));
        assert!(has_bearer_token(&headers(&[(
            "authorization",
            "bearer abc"
        )])));
        assert!(!has_bearer_token(&headers(&[(
            "authorization",
            "Basic abc"
        )])));
        assert!(!has_bearer_token(&headers(&[])));
    }
}
