-- When the last scenario was answered; set once, so a finished round is counted once.
ALTER TABLE rounds ADD COLUMN finished_at BIGINT;
