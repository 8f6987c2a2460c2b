//! The built web app: files from the `dist` directory, with the single-page-app fallback and cache headers.
//!
//! Every path that is not an API route lands in [`serve`]. A file of `dist` is served as is, or its
//! `.br`/`.gz` twin when the browser accepts it; any other path (`/`, `/p/<id>`, `/gallery`) gets
//! `index.html`, and the app's router takes over in the browser. Trunk names the app's assets with a
//! content hash (`app-1a2b3c4d5e6f7a8b_bg.wasm`), so those are cached for a year (`immutable`); everything
//! else, `index.html` above all, is `no-cache` so that a new build is picked up at once.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeader;

use super::AppState;
use super::error::ApiError;

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// Serves `dist`, or explains that the app is not built.
pub(crate) async fn serve(State(state): State<AppState>, request: Request) -> Response {
    // Checked on every request (one `stat`), so an app built while the server runs is served at once.
    let Some(dist) = state.dist.as_deref().filter(|d| d.join("index.html").is_file()) else {
        return not_built(state.dist.as_deref());
    };
    let hashed = is_hashed_asset(request.uri().path());
    // The fallback marks its own answer `no-cache`: a missing `app-<hash>.js` must not cache index.html
    // for a year.
    let index = SetResponseHeader::overriding(
        ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip(),
        CACHE_CONTROL,
        NO_CACHE,
    );
    let mut files = ServeDir::new(dist).precompressed_br().precompressed_gzip().fallback(index);
    match files.try_call(request).await {
        Ok(response) => {
            let mut response = response.map(Body::new);
            let status = response.status();
            let headers = response.headers_mut();
            if !headers.contains_key(CACHE_CONTROL) {
                let cacheable = hashed && (status.is_success() || status == StatusCode::NOT_MODIFIED);
                headers.insert(CACHE_CONTROL, if cacheable { IMMUTABLE } else { NO_CACHE });
            }
            // The same URL may be answered with its `.br` or `.gz` twin: caches must key on the encoding.
            headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
            response
        }
        Err(e) => ApiError::Internal(format!("serving {}: {e}", dist.display())).into_response(),
    }
}

/// Whether the last segment of `path` carries a Trunk content hash: `-` then 16 hex digits, then `.`
/// or `_` (`app-1a2b3c4d5e6f7a8b.js`, `app-1a2b3c4d5e6f7a8b_bg.wasm`, `style-0123456789abcdef.css`).
pub(crate) fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('-').skip(1).any(|part| {
        let (hash, rest) = part.split_at(part.len().min(16));
        hash.len() == 16
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
            && (rest.starts_with('.') || rest.starts_with('_'))
    })
}

/// 503 with a page saying how to build the app (the API keeps working).
fn not_built(dist: Option<&Path>) -> Response {
    let location = match dist {
        Some(dir) => {
            format!("there is no <code>index.html</code> in <code>{}</code>", escape(&dir.display().to_string()))
        }
        None => "no directory was given for it".to_owned(),
    };
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Mixtape: the web app is not built</title>\n\
         <h1>The web app is not built</h1>\n\
         <p>Mixtape's API is running (<a href=\"/healthz\">/healthz</a>, \
         <a href=\"/api/openapi.json\">/api/openapi.json</a>), but {location}.</p>\n\
         <p>Build it with <code>scripts/start</code>, which builds the app and serves it, or point \
         <code>mixtape serve --dist DIR</code> (or <code>$MIXTAPE_DIST</code>) at a built app, then reload \
         this page.</p>\n</html>\n"
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")), (CACHE_CONTROL, NO_CACHE)],
        page,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        for hashed in [
            "/app-1a2b3c4d5e6f7a8b.js",
            "/app-1a2b3c4d5e6f7a8b_bg.wasm",
            "/style-0123456789ABCDEF.css",
            "/assets/my-app-1a2b3c4d5e6f7a8b.js.br",
        ] {
            assert!(is_hashed_asset(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/p/abc",
            "/favicon.ico",
            "/app-1a2b3c4d5e6f7a8.js",
            "/app-1a2b3c4d5e6f7a8bc.js",
            "/app-1a2b3c4d5e6f7a8g.js",
            "/app-1a2b3c4d5e6f7a8b",
            "/1a2b3c4d5e6f7a8b-x/app.js",
        ] {
            assert!(!is_hashed_asset(plain), "{plain}");
        }
    }
}
