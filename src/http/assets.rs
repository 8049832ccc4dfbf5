//! Static files of the front end, embedded in the binary.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use super::AppState;

#[derive(RustEmbed)]
#[folder = "web/static/"]
struct StaticFiles;

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(static_file))
}

async fn static_file(Path(path): Path<String>, headers: axum::http::HeaderMap) -> Response {
    let Some(file) = StaticFiles::get(&path) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag))
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }

    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let mut response = (StatusCode::OK, file.data.into_owned()).into_response();
    let response_headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        response_headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}
