//! Documentation of every problem type the API returns. A problem's `type` member is a
//! relative URL such as `/problems/idempotency-key-in-flight`, and this page is what it
//! resolves to.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::pages::not_found_page;

#[derive(Template)]
#[template(path = "problem_type.html")]
struct ProblemTypePage {
    /// Navigation section to mark as current; problem pages belong to none.
    section: &'static str,
    problem: &'static ProblemType,
    others: &'static [ProblemType],
}

pub struct ProblemType {
    pub kind: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub description: &'static str,
}

pub const PROBLEM_TYPES: &[ProblemType] = &[
    ProblemType { kind: "idempotency-key-missing", status: 400, title: "Idempotency-Key header missing",
        description: "Score submissions must carry an Idempotency-Key header so a retry cannot create a second entry. Generate one key (a UUID is ideal) per submission and send the same key on every retry of it." },
    ProblemType { kind: "idempotency-key-invalid", status: 400, title: "Invalid Idempotency-Key header",
        description: "A key has 1 to 255 printable ASCII characters. It may be sent as a structured-field string, as the IETF draft defines it (Idempotency-Key: \"k\"), or unquoted as most vendors document it (Idempotency-Key: k); both forms name the same key. The `rule` member names the rule that failed." },
    ProblemType { kind: "idempotency-key-reused", status: 422, title: "Idempotency key reused with a different request",
        description: "The key was first used with a different request body. The stored record is unchanged. A new request needs a new key." },
    ProblemType { kind: "idempotency-key-in-flight", status: 409, title: "Request with this idempotency key in progress",
        description: "The first request with this key has not finished. Retry the same request unchanged after the number of seconds in Retry-After: you will get its stored response. A request that crashed holds its key only for a short lease." },
    ProblemType { kind: "round-already-submitted", status: 409, title: "Round already on the leaderboard",
        description: "A database constraint keeps each round on the board once. The `entry_id` member names the existing entry." },
    ProblemType { kind: "round-not-finished", status: 409, title: "Round not finished",
        description: "Only a round with every scenario answered can be submitted. The `answered` and `total` members say how far it is." },
    ProblemType { kind: "round-expired", status: 409, title: "Round expired",
        description: "A round can be answered and submitted for 24 hours after it was dealt. Start a new round." },
    ProblemType { kind: "unknown-round", status: 422, title: "Unknown round",
        description: "The submission names a round this server did not deal. Scores come only from rounds the server graded." },
    ProblemType { kind: "round-of-other-game", status: 422, title: "Round of another game",
        description: "The round belongs to another game's leaderboard." },
    ProblemType { kind: "invalid-review-round", status: 422, title: "Invalid review round",
        description: "A review round lists 1 to 8 distinct scenario ids, each answered in one of the player's finished rounds named in review_round_ids. Scenarios still open in a ranked round cannot be reviewed, because review feedback names the best option." },
    ProblemType { kind: "review-round-not-ranked", status: 422, title: "Review rounds are not ranked",
        description: "Review rounds practise scenarios a player missed. They earn experience points in the browser but never reach the leaderboard." },
    ProblemType { kind: "invalid-nickname", status: 422, title: "Invalid nickname",
        description: "A nickname is normalised to NFC and trimmed, then must have 1 to 24 characters: letters, marks, digits, spaces and - _ . '. At least one letter or digit is needed, and a combining mark must follow a letter, at most three in a row. Control, bidirectional-override, zero-width and other invisible characters are rejected. The `rule` member names the rule that failed." },
    ProblemType { kind: "answer-conflict", status: 409, title: "Scenario already answered",
        description: "A scenario keeps its first answer. Sending the same option again returns the same grade; a different option is rejected. The `answered_option_id` member names the stored answer." },
    ProblemType { kind: "scenario-not-in-round", status: 422, title: "Scenario not in round",
        description: "The scenario id is not one of the round's scenarios." },
    ProblemType { kind: "unknown-option", status: 422, title: "Unknown option",
        description: "The option id is not one of the scenario's options in this round. Option ids differ from round to round." },
    ProblemType { kind: "not-found", status: 404, title: "Not found",
        description: "No resource or route matches the URL." },
    ProblemType { kind: "method-not-allowed", status: 405, title: "Method not allowed",
        description: "The route exists but does not accept this method. The Allow header lists the methods it accepts." },
    ProblemType { kind: "malformed-json", status: 400, title: "Malformed JSON",
        description: "The request body is not valid JSON." },
    ProblemType { kind: "invalid-body", status: 400, title: "Invalid request body",
        description: "The JSON body lacks a required field, has a field of the wrong type, or has a field the endpoint does not accept." },
    ProblemType { kind: "unreadable-body", status: 400, title: "Unreadable request body",
        description: "The server could not read the request body." },
    ProblemType { kind: "unsupported-media-type", status: 415, title: "Unsupported media type",
        description: "Request bodies must be JSON sent with Content-Type: application/json." },
    ProblemType { kind: "body-timeout", status: 408, title: "Request body too slow",
        description: "The whole request body must arrive within the server's body timeout (10 seconds unless the operator changed it), counted from when the server starts reading it. Nothing was processed, so sending the request again at once is safe." },
    ProblemType { kind: "body-too-large", status: 413, title: "Request body too large",
        description: "Request bodies are limited to 16 KiB; the API's bodies are a few hundred bytes." },
    ProblemType { kind: "rate-limited", status: 429, title: "Too many requests",
        description: "This client address sent more requests of this kind per minute than the server allows. The request was not processed, so retrying it after Retry-After seconds is safe." },
    ProblemType { kind: "database-unavailable", status: 503, title: "Database unavailable",
        description: "The server cannot reach its database. Retry after Retry-After seconds." },
    ProblemType { kind: "internal-error", status: 500, title: "Internal server error",
        description: "The server failed. Any transaction was rolled back and nothing was stored under the request's idempotency key, so retrying with the same key runs the request again." },
];

pub fn router() -> Router<AppState> {
    Router::new().route("/problems/{kind}", get(problem_type_page))
}

pub fn find(kind: &str) -> Option<&'static ProblemType> {
    PROBLEM_TYPES.iter().find(|problem| problem.kind == kind)
}

async fn problem_type_page(Path(kind): Path<String>) -> Response {
    let Some(problem) = find(&kind) else {
        return not_found_page();
    };
    match (ProblemTypePage { section: "", problem, others: PROBLEM_TYPES }).render() {
        Ok(page) => ([(header::CACHE_CONTROL, "public, max-age=3600")], Html(page)).into_response(),
        Err(error) => {
            tracing::error!(%error, "failed to render a problem type page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique() {
        for (position, problem) in PROBLEM_TYPES.iter().enumerate() {
            assert!(
                PROBLEM_TYPES[position + 1..].iter().all(|other| other.kind != problem.kind),
                "{} is listed twice",
                problem.kind
            );
        }
    }
}
