-- Saved plans: the frozen snapshots behind shared links (/p/<id>). Each row holds the conversation (the
-- reference date, the messages, the UI's edits) and the planner's answer as it was when saved, so a link
-- keeps showing the same plan after the planner or the history changes.
--
-- The PostgreSQL twin of migrations/sqlite/0002_plans.sql. Portable conventions: ids are 12 random
-- URL-safe characters assigned by the writer, times are RFC 3339 UTC text to the second, dates ISO
-- 'YYYY-MM-DD' text, and JSON values (the messages array, the overrides object, the PlanResponse) are
-- stored as TEXT.

CREATE TABLE plans (
    id         TEXT    PRIMARY KEY CHECK (length(id) = 12),
    created_at TEXT    NOT NULL CHECK (length(created_at) = 20),
    today      TEXT    NOT NULL CHECK (length(today) = 10),
    messages   TEXT    NOT NULL,
    overrides  TEXT    NOT NULL,
    response   TEXT    NOT NULL
);
