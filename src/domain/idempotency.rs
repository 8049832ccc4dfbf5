//! The Idempotency-Key protocol as the game teaches it, following the IETF draft
//! draft-ietf-httpapi-idempotency-key-header (revision 07): key syntax, request fingerprints,
//! and what a server does when a key arrives that it has seen before.

use sha2::{Digest, Sha256};

/// Maximum key length, in characters. The draft sets none; 255 is Stripe's documented limit.
pub const MAX_KEY_LENGTH: usize = 255;

/// A validated key: 1 to 255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the Idempotency-Key header is missing; this operation requires one")]
    Missing,
    #[error("the request carries more than one Idempotency-Key header; send exactly one")]
    Repeated,
    #[error("the Idempotency-Key header is empty; a key has 1 to {MAX_KEY_LENGTH} printable ASCII characters")]
    Empty,
    #[error("the Idempotency-Key has {0} characters; at most {MAX_KEY_LENGTH} are allowed")]
    TooLong(usize),
    #[error("the Idempotency-Key contains a character that is not printable ASCII")]
    NotPrintableAscii,
    #[error("the Idempotency-Key starts with a quote but is not a valid structured-field string (RFC 9651)")]
    MalformedString,
}

impl KeyError {
    /// Returns a short machine-readable name of the rule that failed.
    pub fn rule(&self) -> &'static str {
        match self {
            KeyError::Missing => "idempotency-key-required",
            KeyError::Empty | KeyError::TooLong(_) => "idempotency-key-length",
            KeyError::NotPrintableAscii => "idempotency-key-printable-ascii",
            KeyError::MalformedString | KeyError::Repeated => "idempotency-key-syntax",
        }
    }
}

impl IdempotencyKey {
    /// Parses the header value. The draft defines the key as a structured-field string, so on
    /// the wire it is quoted (`"k"`); most vendors document it unquoted (`k`). Both forms name
    /// the same key, so a client that switches form between attempts still gets its replay.
    pub fn parse(header: Option<&[u8]>) -> Result<Self, KeyError> {
        Self::parse_lines(header.into_iter())
    }

    /// Parses every header line that carries the key. More than one line is rejected:
    /// a proxy may join repeated lines into one comma-separated line, so picking one line
    /// would make the key depend on the path a request took.
    pub fn parse_lines<'a>(mut lines: impl Iterator<Item = &'a [u8]>) -> Result<Self, KeyError> {
        let raw = lines.next().ok_or(KeyError::Missing)?;
        if lines.next().is_some() {
            return Err(KeyError::Repeated);
        }
        let trimmed = raw.trim_ascii();

        let key = if trimmed.first() == Some(&b'"') {
            let item: sfv::Item =
                sfv::Parser::new(trimmed).parse().map_err(|_| KeyError::MalformedString)?;
            match item.bare_item {
                sfv::BareItem::String(value) if item.params.is_empty() => value.as_str().to_owned(),
                _ => return Err(KeyError::MalformedString),
            }
        } else {
            if !trimmed.iter().all(|byte| (0x20..=0x7e).contains(byte)) {
                return Err(KeyError::NotPrintableAscii);
            }
            String::from_utf8(trimmed.to_vec()).map_err(|_| KeyError::NotPrintableAscii)?
        };

        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        if key.len() > MAX_KEY_LENGTH {
            return Err(KeyError::TooLong(key.len()));
        }
        if !key.bytes().all(|byte| (0x20..=0x7e).contains(&byte)) {
            return Err(KeyError::NotPrintableAscii);
        }
        Ok(IdempotencyKey(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns a short digest of the key for logs, so raw keys never reach log storage.
    pub fn log_digest(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }
}

/// SHA-256 over the method, the route and the canonical JSON body, in hex. Key order and
/// whitespace in the body do not change it; any change of a value does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFingerprint(String);

impl RequestFingerprint {
    pub fn compute(method: &str, route: &str, body: &serde_json::Value) -> Self {
        let mut canonical = String::new();
        write_canonical_json(body, &mut canonical);
        let mut hasher = Sha256::new();
        for part in [method, route, canonical.as_str()] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        RequestFingerprint(hex::encode(hasher.finalize()))
    }

    pub fn from_stored(hex: String) -> Self {
        RequestFingerprint(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Writes JSON with object keys sorted and no whitespace. Numbers and strings use
/// serde_json's own formatting, which is the same for equal parsed values.
fn write_canonical_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            out.push('{');
            for (position, (key, item)) in entries.into_iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical_json(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// State of a stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// A request holds the key until its lease ends (epoch milliseconds).
    InFlight { lease_expires_at: i64 },
    /// The first request finished and its response is stored.
    Completed,
}

/// What the server does with a request whose key is already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Same request, finished: send the stored response again.
    Replay,
    /// Same key, different request: reject with 422 and leave the record alone.
    FingerprintMismatch,
    /// Same request, still running: reject with 409 and ask to retry after this many seconds.
    InFlight { retry_after_secs: u64 },
    /// Same request, but its holder's lease ran out (it crashed or hung): this request takes
    /// the key over and runs.
    TakeOver,
    /// The record outlived its retention: the request is new.
    Expired,
}

/// Decides what to do with a request whose key matches a stored record.
pub fn decide(
    stored_fingerprint: &RequestFingerprint,
    state: &KeyState,
    record_expires_at: i64,
    fingerprint: &RequestFingerprint,
    now: i64,
) -> Decision {
    if record_expires_at <= now {
        return Decision::Expired;
    }
    if stored_fingerprint != fingerprint {
        return Decision::FingerprintMismatch;
    }
    match *state {
        KeyState::Completed => Decision::Replay,
        KeyState::InFlight { lease_expires_at } if lease_expires_at > now => {
            let remaining_ms = (lease_expires_at - now) as u64;
            Decision::InFlight { retry_after_secs: remaining_ms.div_ceil(1000).max(1) }
        }
        KeyState::InFlight { .. } => Decision::TakeOver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: &str) -> Result<IdempotencyKey, KeyError> {
        IdempotencyKey::parse(Some(value.as_bytes()))
    }

    #[test]
    fn quoted_and_unquoted_forms_are_one_key() {
        assert_eq!(parse("\"abc-123\"").unwrap(), parse("abc-123").unwrap());
    }

    #[test]
    fn uuid_starting_with_digit_is_accepted_unquoted() {
        let key = parse("8e03978e-40d5-43e8-bc93-6894a57f9324").unwrap();
        assert_eq!(key.as_str(), "8e03978e-40d5-43e8-bc93-6894a57f9324");
    }

    #[test]
    fn quoted_form_unescapes() {
        assert_eq!(parse(r#""a\"b\\c""#).unwrap().as_str(), r#"a"b\c"#);
    }

    #[test]
    fn missing_and_empty_keys_are_rejected() {
        assert_eq!(IdempotencyKey::parse(None), Err(KeyError::Missing));
        assert_eq!(parse(""), Err(KeyError::Empty));
        assert_eq!(parse("\"\""), Err(KeyError::Empty));
    }

    #[test]
    fn repeated_header_lines_are_rejected() {
        let lines = [b"first".as_slice(), b"second".as_slice()];
        assert_eq!(IdempotencyKey::parse_lines(lines.into_iter()), Err(KeyError::Repeated));
    }

    #[test]
    fn length_limit_is_255() {
        assert!(parse(&"k".repeat(255)).is_ok());
        assert_eq!(parse(&"k".repeat(256)), Err(KeyError::TooLong(256)));
    }

    #[test]
    fn non_ascii_and_control_bytes_are_rejected() {
        assert_eq!(IdempotencyKey::parse(Some("clé".as_bytes())), Err(KeyError::NotPrintableAscii));
        assert_eq!(IdempotencyKey::parse(Some(b"a\x01b")), Err(KeyError::NotPrintableAscii));
    }

    #[test]
    fn malformed_quoted_form_is_rejected() {
        assert_eq!(parse("\"unterminated"), Err(KeyError::MalformedString));
        assert_eq!(parse("\"a\";p=1"), Err(KeyError::MalformedString));
    }

    #[test]
    fn fingerprint_ignores_key_order_and_whitespace() {
        let a = json!({"round_id": "r1", "nickname": "Ada"});
        let b: serde_json::Value =
            serde_json::from_str("{ \"nickname\" : \"Ada\",\n \"round_id\":\"r1\" }").unwrap();
        assert_eq!(
            RequestFingerprint::compute("POST", "/entries", &a),
            RequestFingerprint::compute("POST", "/entries", &b)
        );
    }

    #[test]
    fn fingerprint_changes_with_body_route_and_method() {
        let body = json!({"round_id": "r1", "nickname": "Ada"});
        let base = RequestFingerprint::compute("POST", "/entries", &body);
        let other_body = json!({"round_id": "r1", "nickname": "Bob"});
        assert_ne!(base, RequestFingerprint::compute("POST", "/entries", &other_body));
        assert_ne!(base, RequestFingerprint::compute("POST", "/other", &body));
        assert_ne!(base, RequestFingerprint::compute("PUT", "/entries", &body));
    }

    #[test]
    fn decisions_follow_the_draft() {
        let stored = RequestFingerprint::from_stored("a".into());
        let other = RequestFingerprint::from_stored("b".into());
        let running = KeyState::InFlight { lease_expires_at: 10_500 };

        assert_eq!(decide(&stored, &KeyState::Completed, 99_000, &stored, 10_000), Decision::Replay);
        assert_eq!(
            decide(&stored, &KeyState::Completed, 99_000, &other, 10_000),
            Decision::FingerprintMismatch
        );
        assert_eq!(
            decide(&stored, &running, 99_000, &stored, 10_000),
            Decision::InFlight { retry_after_secs: 1 }
        );
        assert_eq!(decide(&stored, &running, 99_000, &stored, 11_000), Decision::TakeOver);
        assert_eq!(decide(&stored, &KeyState::Completed, 9_000, &stored, 10_000), Decision::Expired);
    }
}
