//! Responses for requests no handler takes: unknown routes, undeclared methods, panics.

use std::any::Any;

use axum::body::Body;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::pages;
use super::problem::ApiError;

/// Unknown API routes get problem details; anything else gets the HTML "not found" page.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        ApiError::not_found(format!("No API route matches {}.", uri.path())).into_response()
    } else {
        pages::not_found_page()
    }
}

pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!("{} does not accept {method}; the Allow header lists the methods it accepts.", uri.path()),
    )
    .into_response()
}

/// Turns a handler panic into a 500 problem instead of a dropped connection.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal-error",
        "Internal server error",
        "The server failed to complete the request. It is safe to retry.",
    )
    .into_response()
}
