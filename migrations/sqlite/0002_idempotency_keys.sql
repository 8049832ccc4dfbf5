-- Idempotency keys of write requests. A row is claimed before the work starts (an in-flight
-- lease) and completed with the stored response in the same transaction as the work itself.

CREATE TABLE idempotency_keys (
    -- What the key belongs to: the method and the route, so one key cannot reach another route.
    scope             TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    -- SHA-256 of method, route and canonical JSON body, in hex.
    fingerprint       TEXT NOT NULL,
    -- The request that holds an in-flight key, and until when (epoch milliseconds).
    lease_token       TEXT,
    locked_until      BIGINT,
    -- The stored response; NULL while the first request is still in flight.
    response_status   BIGINT,
    response_headers  TEXT,
    response_body     TEXT,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    PRIMARY KEY (scope, idempotency_key),
    CHECK ((response_status IS NULL) = (response_body IS NULL))
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
