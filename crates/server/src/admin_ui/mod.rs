//! The policy simulator page (`admin-ui`, off by default: without it every
//! `/ui/` path is a 404): on the admin listener, `GET /ui/` serves a small
//! page, static HTML, CSS and JavaScript compiled into the binary (no build
//! step), where one pastes or picks policies and a request and sees the
//! decision, the decisive statements highlighted in the policy text and the
//! explanation. The page calls the HTTP/JSON API's `POST /v1/simulate`,
//! served on the admin listener beside it (with `GET /v1/status` and
//! `GET /v1/openapi.json`; not `authorize`, which stays on `http-listen`),
//! through the same code as the API's own listener: the same admission
//! permits, deadline and size limits. A simulation never consults the
//! store, so the page shows nothing of it but its status.
//!
//! The examples it offers are the scenarios of `examples/simulate`.
//! Every answer carries a content security policy that allows only the
//! page's own script and style, and the script writes text only
//! (`textContent`), never markup, so a policy cannot inject anything.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::Value;

use crate::http_api::HttpApi;

const INDEX_HTML: &str = include_str!("index.html");
const APP_JS: &str = include_str!("app.js");
const STYLE_CSS: &str = include_str!("style.css");
const FAVICON_SVG: &str = include_str!("favicon.svg");

/// The example scenario files, as shipped in `examples/simulate`.
const EXAMPLES: [&str; 5] = [
    include_str!("../../../../examples/simulate/01-same-account-trust.json"),
    include_str!("../../../../examples/simulate/02-cross-account-bucket.json"),
    include_str!("../../../../examples/simulate/03-scp-deny.json"),
    include_str!("../../../../examples/simulate/04-permissions-boundary.json"),
    include_str!("../../../../examples/simulate/05-user-home-prefix.json"),
];

/// The content security policy of every page answer.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page's routes and `api`'s (see the module docs), to merge into the
/// admin router.
pub fn router(api: HttpApi) -> Router {
    let examples = examples_json();
    Router::new()
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route(
            "/ui/",
            get(|| async { page(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/ui/app.js",
            get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/ui/style.css",
            get(|| async { page(STYLE_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/ui/favicon.svg",
            get(|| async { page(FAVICON_SVG, "image/svg+xml") }),
        )
        .route(
            "/ui/examples.json",
            get(move || {
                let examples = examples.clone();
                async move { page(&examples, "application/json") }
            }),
        )
        .merge(api.routes())
}

/// The example scenarios as one JSON array (a file holding an array gives
/// each of its scenarios); a file that does not read is left out, logged.
fn examples_json() -> String {
    let mut scenarios = Vec::new();
    for (i, text) in EXAMPLES.iter().enumerate() {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => scenarios.extend(items),
            Ok(item) => scenarios.push(item),
            Err(error) => tracing::warn!(example = i, %error, "admin UI: an example does not read"),
        }
    }
    Value::Array(scenarios).to_string()
}

/// A static answer with the page's security headers.
fn page(body: &str, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body.to_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_reads() {
        let examples: Vec<Value> = serde_json::from_str(&examples_json()).unwrap();
        assert!(examples.len() >= EXAMPLES.len());
        assert!(examples.iter().all(|e| e["request"].is_object()));
    }
}
