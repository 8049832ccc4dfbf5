//! HTML pages prepared once for every request that follows.
//!
//! A prepared page contains the rendered HTML, an entity tag from its digest, and its brotli
//! and gzip forms. Serving a request then costs a header check and a reference count.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::assets::{accepted_encoding, brotli, etag_matches, gzip};

/// Brotli quality for pages. A page is compressed again at each leaderboard change, so it
/// gets a lower quality than the assets' 11, which are compressed once at start-up.
const BROTLI_QUALITY: i32 = 9;

/// Headers on a page response, counting those the security and request-id layers add.
const RESPONSE_HEADERS: usize = 14;

#[derive(Debug)]
pub struct PreparedPage {
    etag: HeaderValue,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl PreparedPage {
    /// Tags and compresses `html`.
    pub fn new(html: String) -> PreparedPage {
        let identity = Bytes::from(html);
        let digest = hex::encode(&Sha256::digest(&identity)[..12]);
        let etag = HeaderValue::from_str(&format!("\"{digest}\"")).expect("hex is a valid header value");
        let gzip = gzip(&identity, flate2::Compression::default());
        let brotli = brotli(&identity, BROTLI_QUALITY);
        PreparedPage { etag, identity, gzip, brotli }
    }

    /// Builds the response to a GET or HEAD for the page. It is 304 when `If-None-Match`
    /// names the current tag, otherwise 200 in the smallest form `Accept-Encoding` allows.
    ///
    /// `Cache-Control: no-cache` makes browsers revalidate each time, because the game page
    /// changes with its leaderboard.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        // Room for these headers and those the outer layers add, so the map is allocated once.
        let mut headers = HeaderMap::with_capacity(RESPONSE_HEADERS);
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if etag_matches(request, &self.etag) {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            *response.headers_mut() = headers;
            return response;
        }

        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        let body = match accepted_encoding(request, self.brotli.as_ref(), self.gzip.as_ref()) {
            Some((coding, body)) => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
                body.clone()
            }
            None => self.identity.clone(),
        };
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = headers;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (header::HeaderName::from_static(name), HeaderValue::from_static(value))).collect()
    }

    async fn body_of(response: Response) -> Bytes {
        axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap()
    }

    #[tokio::test]
    async fn encoding_follows_accept_encoding() {
        let html = "<!doctype html><title>t</title>".repeat(50);
        let page = PreparedPage::new(html.clone());

        let brotli = page.respond(&request(&[("accept-encoding", "gzip, br")]));
        assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &body_of(brotli).await[..], &mut decoded).unwrap();
        assert_eq!(decoded, html.as_bytes());

        let gzip = page.respond(&request(&[("accept-encoding", "gzip, br;q=0")]));
        assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");

        let plain = page.respond(&HeaderMap::new());
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(body_of(plain).await, html.as_bytes());
    }

    #[tokio::test]
    async fn etag_revalidates_until_change() {
        let page = PreparedPage::new("<p>one</p>".to_owned());
        let etag = page.respond(&HeaderMap::new()).headers()[header::ETAG].clone();

        let mut revalidation = HeaderMap::new();
        revalidation.insert(header::IF_NONE_MATCH, etag.clone());
        let not_modified = page.respond(&revalidation);
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(not_modified.headers()[header::ETAG], etag);
        assert!(body_of(not_modified).await.is_empty());

        let changed = PreparedPage::new("<p>two</p>".to_owned());
        assert_eq!(changed.respond(&revalidation).status(), StatusCode::OK);
    }
}
