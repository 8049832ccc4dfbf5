//! Security headers on every response.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// Scripts, styles and images only from this origin, no inline code, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// HSTS for a year, for the host and its subdomains.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Returns the step that adds the security headers to a response, and
/// `Strict-Transport-Security` too when `hsts` is set, which an operator does only when the
/// site is served over HTTPS.
pub fn add_security_headers(hsts: bool) -> impl Fn(Response) -> Response + Clone + Send + Sync + 'static {
    move |mut response: Response| {
        let headers = response.headers_mut();
        if hsts {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
        }
        for (name, value) in [
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        response
    }
}
