-- Review rounds replay scenarios a player missed. They earn experience in the browser but
-- never reach the leaderboard, so the server must know which kind a round is.
ALTER TABLE rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'ranked' CHECK (kind IN ('ranked', 'review'));
