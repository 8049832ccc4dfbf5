-- Rounds as dealt, the answers given in them, and the public leaderboard.
-- Times are Unix epoch milliseconds so that both supported databases store them alike.

CREATE TABLE rounds (
    id          TEXT PRIMARY KEY,
    game        TEXT NOT NULL,
    deal        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE answers (
    round_id     TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    scenario_id  TEXT NOT NULL,
    option_id    TEXT NOT NULL,
    verdict      TEXT NOT NULL CHECK (verdict IN ('correct', 'partial', 'unsafe')),
    points       BIGINT NOT NULL CHECK (points >= 0),
    answered_at  BIGINT NOT NULL,
    -- A scenario keeps its first answer: a retried or changed answer cannot add a second row.
    PRIMARY KEY (round_id, scenario_id)
);

CREATE TABLE leaderboard_entries (
    id            TEXT PRIMARY KEY,
    board         TEXT NOT NULL,
    -- One entry per round, whatever the client sends or how often it retries.
    round_id      TEXT NOT NULL UNIQUE REFERENCES rounds (id),
    nickname      TEXT NOT NULL,
    score         BIGINT NOT NULL CHECK (score >= 0),
    max_score     BIGINT NOT NULL CHECK (max_score > 0),
    submitted_at  BIGINT NOT NULL,
    hidden        BIGINT NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1))
);

CREATE INDEX leaderboard_entries_ranking
    ON leaderboard_entries (board, hidden, score DESC, submitted_at, id);
