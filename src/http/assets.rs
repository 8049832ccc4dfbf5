//! Static files of the front end, embedded in the binary and compressed once, in memory.
//!
//! Every file is served under a versioned prefix, `/static/v-VERSION/...`, where VERSION is a
//! digest of all static files together. Pages link to that prefix, so the files can be cached
//! as immutable: any change to any file changes every URL. Relative imports between the ES
//! modules stay inside the same prefix. The plain `/static/...` paths keep working with a
//! short cache lifetime for anything that links to them directly.

use std::collections::HashMap;
use std::io::Write;
use std::sync::LazyLock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use super::AppState;

#[derive(RustEmbed)]
#[folder = "web/static/"]
struct StaticFiles;

/// Cache lifetime of versioned URLs: a year, the longest RFC 9111 caches are asked to keep.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache lifetime of unversioned URLs, whose content can change on upgrade.
const SHORT_LIVED: &str = "public, max-age=300";

struct Asset {
    content_type: String,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
    etag: HeaderValue,
}

struct AssetSet {
    files: HashMap<String, Asset>,
    base: String,
}

static ASSETS: LazyLock<AssetSet> = LazyLock::new(AssetSet::load);

/// Compresses every static file now, so the first visitor does not wait for it.
pub fn prepare() {
    LazyLock::force(&ASSETS);
}

/// Returns the versioned URL prefix of the static files, such as `/static/v-1a2b3c4d5e`.
pub fn static_base() -> &'static str {
    &ASSETS.base
}

impl AssetSet {
    fn load() -> AssetSet {
        let mut names: Vec<String> = StaticFiles::iter().map(|name| name.into_owned()).collect();
        names.sort();
        let mut version = Sha256::new();
        let mut files = HashMap::new();
        for name in names {
            let Some(file) = StaticFiles::get(&name) else { continue };
            let digest = file.metadata.sha256_hash();
            version.update(name.as_bytes());
            version.update(digest);

            let content_type = mime_guess::from_path(&name).first_or_octet_stream().essence_str().to_owned();
            let content_type = match content_type.as_str() {
                "text/css" | "text/javascript" | "application/javascript" | "image/svg+xml" | "application/json" => {
                    format!("{content_type}; charset=utf-8")
                }
                _ => content_type,
            };
            let identity = Bytes::from(file.data.into_owned());
            let compressible = !content_type.starts_with("image/png") && !content_type.starts_with("font/woff");
            let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..12])))
                .expect("hex is a valid header value");
            files.insert(
                name,
                Asset {
                    gzip: compressible.then(|| gzip(&identity, flate2::Compression::best())).flatten(),
                    brotli: compressible.then(|| brotli(&identity, 11)).flatten(),
                    content_type,
                    identity,
                    etag,
                },
            );
        }
        let base = format!("/static/v-{}", &hex::encode(version.finalize())[..10]);
        AssetSet { files, base }
    }
}

/// Returns the gzip form at `level` when it is smaller than the original.
pub fn gzip(data: &[u8], level: flate2::Compression) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(data).ok()?;
    let compressed = encoder.finish().ok()?;
    (compressed.len() < data.len()).then(|| Bytes::from(compressed))
}

/// Returns the brotli form at `quality` (0 to 11) when it is smaller than the original.
pub fn brotli(data: &[u8], quality: i32) -> Option<Bytes> {
    let mut compressed = Vec::new();
    let parameters = brotli::enc::BrotliEncoderParams { quality, ..Default::default() };
    brotli::BrotliCompress(&mut &data[..], &mut compressed, &parameters).ok()?;
    (compressed.len() < data.len()).then(|| Bytes::from(compressed))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(static_file))
}

async fn static_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let assets = &*ASSETS;
    let versioned_prefix = format!("{}/", assets.base.trim_start_matches("/static/"));
    let (name, cache_control) = match path.strip_prefix(&versioned_prefix) {
        Some(name) => (name, IMMUTABLE),
        None => (path.as_str(), SHORT_LIVED),
    };
    let Some(asset) = assets.files.get(name) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };

    let mut response = if etag_matches(&headers, &asset.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (encoding, body) = match accepted_encoding(&headers, asset.brotli.as_ref(), asset.gzip.as_ref()) {
            Some(("br", body)) => (Some("br"), body.clone()),
            Some((_, body)) => (Some("gzip"), body.clone()),
            None => (None, asset.identity.clone()),
        };
        let mut response = body.into_response();
        if let Some(encoding) = encoding {
            response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        if let Ok(value) = HeaderValue::from_str(&asset.content_type) {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        response
    };
    let response_headers = response.headers_mut();
    response_headers.insert(header::ETAG, asset.etag.clone());
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Returns whether `If-None-Match` names the current entity tag (or `*`).
pub fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let current = etag.to_str().unwrap_or_default();
    value.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == current)
}

/// Picks brotli, then gzip, among the encodings the client accepts and the body has.
pub fn accepted_encoding<'a>(
    headers: &HeaderMap,
    brotli: Option<&'a Bytes>,
    gzip: Option<&'a Bytes>,
) -> Option<(&'static str, &'a Bytes)> {
    if let Some(body) = brotli.filter(|_| accepts_encoding(headers, "br")) {
        return Some(("br", body));
    }
    gzip.filter(|_| accepts_encoding(headers, "gzip")).map(|body| ("gzip", body))
}

/// Returns whether `Accept-Encoding` lists `coding` without rejecting it with `q=0`.
pub fn accepts_encoding(headers: &HeaderMap, coding: &str) -> bool {
    let Some(accepted) = headers.get(header::ACCEPT_ENCODING).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    accepted.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let rejected = parts.any(|parameter| {
            parameter.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q == 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !rejected
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn base_is_versioned() {
        assert!(static_base().starts_with("/static/v-"));
        assert_eq!(static_base().len(), "/static/v-".len() + 10);
    }

    #[test]
    fn stylesheet_is_precompressed() {
        let asset = ASSETS.files.get("css/app.css").expect("app.css is embedded");
        assert!(asset.brotli.as_ref().is_some_and(|body| body.len() < asset.identity.len()));
        assert!(asset.gzip.as_ref().is_some_and(|body| body.len() < asset.identity.len()));
    }

    #[test]
    fn brotli_preferred_then_gzip() {
        let asset = ASSETS.files.get("css/app.css").unwrap();
        let both = headers(&[("accept-encoding", "gzip, deflate, br")]);
        assert_eq!(accepted_encoding(&both, asset.brotli.as_ref(), asset.gzip.as_ref()).map(|(name, _)| name), Some("br"));
        let gzip_only = headers(&[("accept-encoding", "gzip, br;q=0")]);
        assert_eq!(accepted_encoding(&gzip_only, asset.brotli.as_ref(), asset.gzip.as_ref()).map(|(name, _)| name), Some("gzip"));
        assert!(accepted_encoding(&HeaderMap::new(), asset.brotli.as_ref(), asset.gzip.as_ref()).is_none());
    }

    #[test]
    fn etag_comparison_is_weak() {
        let etag = HeaderValue::from_static("\"abc\"");
        assert!(etag_matches(&headers(&[("if-none-match", "W/\"abc\"")]), &etag));
        assert!(etag_matches(&headers(&[("if-none-match", "\"x\", \"abc\"")]), &etag));
        assert!(!etag_matches(&headers(&[("if-none-match", "\"x\"")]), &etag));
    }
}
