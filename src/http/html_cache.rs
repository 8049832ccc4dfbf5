//! Conditional and compressed HTML responses.
//!
//! Pages are rendered on each request but change rarely (the game page changes when the
//! leaderboard does), so each page body gets an entity tag from its digest: a browser that
//! sends it back gets 304 without a body. Compressed forms are made once per distinct body
//! and kept in memory, so repeated requests cost a lookup instead of a compression.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::assets::{accepts_encoding, etag_matches};

/// Largest page body handled here; larger bodies pass through untouched.
const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// Distinct page bodies whose compressed forms are kept; the map is cleared when it is full.
const MAX_CACHED_BODIES: usize = 64;

struct Compressed {
    gzip: Bytes,
    brotli: Option<Bytes>,
}

static COMPRESSED: LazyLock<Mutex<HashMap<String, Arc<Compressed>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Adds an entity tag and `Cache-Control: no-cache` to HTML responses, answers 304 when the
/// browser's copy is current, and sends brotli or gzip when the browser accepts them.
pub async fn conditional_html(request: Request, next: Next) -> Response {
    let request_headers = request.headers().clone();
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if response.status() != StatusCode::OK || !is_html {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The page failed to render.\n").into_response();
    };
    let digest = hex::encode(&Sha256::digest(&body)[..12]);
    let etag = HeaderValue::from_str(&format!("\"{digest}\"")).expect("hex is a valid header value");
    parts.headers.insert(header::ETAG, etag.clone());
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));

    if etag_matches(&request_headers, &etag) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }

    let wants_brotli = accepts_encoding(&request_headers, "br");
    if !wants_brotli && !accepts_encoding(&request_headers, "gzip") {
        return Response::from_parts(parts, Body::from(body));
    }

    let compressed = compressed_forms(&digest, &body);
    let (coding, bytes) = match (&compressed.brotli, wants_brotli) {
        (Some(brotli), true) => ("br", brotli.clone()),
        _ => ("gzip", compressed.gzip.clone()),
    };
    parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

fn compressed_forms(digest: &str, body: &Bytes) -> Arc<Compressed> {
    if let Some(found) = lock_cache().get(digest) {
        return found.clone();
    }

    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let gzip = std::io::Write::write_all(&mut gzip, body).and_then(|()| gzip.finish()).unwrap_or_default();
    let mut brotli = Vec::new();
    let parameters = brotli::enc::BrotliEncoderParams { quality: 9, ..Default::default() };
    let brotli = brotli::BrotliCompress(&mut &body[..], &mut brotli, &parameters).ok().map(|_| Bytes::from(brotli));
    let compressed = Arc::new(Compressed { gzip: Bytes::from(gzip), brotli });

    let mut cache = lock_cache();
    if cache.len() >= MAX_CACHED_BODIES {
        cache.clear();
    }
    cache.insert(digest.to_owned(), compressed.clone());
    compressed
}

fn lock_cache() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Compressed>>> {
    // A panic while holding the lock leaves the map consistent, so the guard stays usable.
    COMPRESSED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
