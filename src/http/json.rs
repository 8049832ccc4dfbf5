//! A JSON body extractor whose rejections are problem details instead of plain text.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::problem::ApiError;

/// A JSON request body. Every API body is a JSON object. Other JSON values are rejected before
/// deserializing into `T`, because serde would also fill a struct from an array of its fields.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let object = match axum::Json::<Map<String, Value>>::from_request(request, state).await {
            Ok(axum::Json(object)) => object,
            // Any valid JSON fits a map of values except a top level that is not an object.
            Err(JsonRejection::JsonDataError(_)) => {
                return Err(ApiError::bad_request(
                    "invalid-body",
                    "Invalid request body",
                    "The request body must be a JSON object.",
                ));
            }
            Err(rejection) => return Err(rejection.into()),
        };
        let value = serde_json::from_value(Value::Object(object)).map_err(|error| {
            ApiError::bad_request(
                "invalid-body",
                "Invalid request body",
                format!("The request body does not have the expected fields: {error}"),
            )
        })?;
        Ok(ApiJson(value))
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "The request body must be JSON, sent with Content-Type: application/json.",
            ),
            JsonRejection::JsonSyntaxError(error) => ApiError::bad_request(
                "malformed-json",
                "Malformed JSON",
                format!("The request body is not valid JSON: {}", error.body_text()),
            ),
            JsonRejection::JsonDataError(error) => ApiError::bad_request(
                "invalid-body",
                "Invalid request body",
                format!("The request body does not have the expected fields: {}", error.body_text()),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::body_too_large(),
            other => ApiError::bad_request("unreadable-body", "Unreadable request body", other.body_text()),
        }
    }
}

/// A JSON body that may be left out: an empty body gives `None`, anything else must be JSON.
pub struct OptionalApiJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection| ApiError::from(JsonRejection::from(rejection)))?;
        if bytes.is_empty() {
            return Ok(OptionalApiJson(None));
        }
        let request = Request::from_parts(parts, Body::from(bytes));
        let ApiJson(value) = ApiJson::<T>::from_request(request, state).await?;
        Ok(OptionalApiJson(Some(value)))
    }
}
