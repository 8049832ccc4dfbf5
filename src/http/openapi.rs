//! The API's OpenAPI 3.1 document, written by hand in `docs/openapi.json` and embedded in the
//! binary, so the description a client reads is always the one of the running server.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;

/// The document, served as is.
const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_document))
}

async fn openapi_document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> serde_json::Value {
        serde_json::from_str(OPENAPI_JSON).expect("docs/openapi.json is valid JSON")
    }

    #[test]
    fn document_is_openapi_3_1() {
        let version = document()["openapi"].as_str().unwrap_or_default().to_owned();
        assert!(version.starts_with("3.1."), "openapi version is {version:?}");
    }

    /// The slug parameter lists the games as an enum, so the fuzzer deals real rounds. Adding a
    /// game to the catalogue means adding its slug there.
    #[test]
    fn slug_enum_matches_catalogue() {
        let document = document();
        let documented: Vec<&str> = document["components"]["parameters"]["GameSlug"]["schema"]["enum"]
            .as_array()
            .expect("the GameSlug parameter has an enum")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        let catalogue = crate::content::load_catalogue().expect("the embedded catalogue parses");
        let slugs: Vec<&str> = catalogue.games.iter().map(|game| game.slug.as_str()).collect();
        assert_eq!(documented, slugs);
    }
}
