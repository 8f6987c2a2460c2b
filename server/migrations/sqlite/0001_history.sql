-- Historical campaign performance: campaigns, their ad sets, each ad set's daily delivery, and a rollup
-- with one row per ad set that the planner's query reads.
--
-- Portable conventions shared with the PostgreSQL schema (the same SQL runs on both engines):
-- dates are ISO 'YYYY-MM-DD' text, money is integer micro-units with its ISO-4217 currency beside it,
-- enum values are the Ads API's upper-case strings, ids are assigned by the writer (not by the engine).

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    ad_category   TEXT    NOT NULL,
    objective     TEXT    NOT NULL,
    country       TEXT    NOT NULL,
    start_day     TEXT    NOT NULL CHECK (length(start_day) = 10),
    end_day       TEXT    NOT NULL CHECK (length(end_day) = 10 AND end_day >= start_day),
    budget_micros INTEGER NOT NULL CHECK (budget_micros > 0),
    currency      TEXT    NOT NULL
);

CREATE TABLE ad_sets (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
    name          TEXT    NOT NULL,
    country       TEXT    NOT NULL,
    asset_format  TEXT    NOT NULL,
    placement     TEXT    NOT NULL,
    objective     TEXT    NOT NULL,
    age_min       INTEGER NOT NULL CHECK (age_min BETWEEN 13 AND 99),
    age_max       INTEGER NOT NULL CHECK (age_max BETWEEN age_min AND 99),
    gender        TEXT,
    platform      TEXT,
    interest      TEXT,
    budget_micros INTEGER NOT NULL CHECK (budget_micros > 0),
    currency      TEXT    NOT NULL,
    start_day     TEXT    NOT NULL CHECK (length(start_day) = 10),
    end_day       TEXT    NOT NULL CHECK (length(end_day) = 10 AND end_day >= start_day),
    audience_size INTEGER NOT NULL CHECK (audience_size >= 0)
);

CREATE INDEX ad_sets_by_campaign ON ad_sets (campaign_id);

-- One row per ad set and day. `reach` is the day's NEW unique listeners, so that summing a flight's rows
-- gives the flight's reach.
CREATE TABLE delivery (
    ad_set_id    INTEGER NOT NULL REFERENCES ad_sets (id),
    day          TEXT    NOT NULL CHECK (length(day) = 10),
    impressions  INTEGER NOT NULL CHECK (impressions >= 0),
    reach        INTEGER NOT NULL CHECK (reach >= 0),
    clicks       INTEGER NOT NULL CHECK (clicks >= 0),
    spend_micros INTEGER NOT NULL CHECK (spend_micros >= 0),
    completes    INTEGER NOT NULL CHECK (completes >= 0),
    results      INTEGER NOT NULL CHECK (results >= 0),
    PRIMARY KEY (ad_set_id, day)
) WITHOUT ROWID;

-- Each ad set's delivery summed over its flight, beside its dimensions: exactly what the planner asks for,
-- so one plan reads a few hundred narrow rows instead of scanning a million delivery rows. Rebuilt by
-- the store after every write of history (`Store::refresh_rollup`).
-- Keyed by (country, objective) first, the planner's filter: SQLite stores a WITHOUT ROWID table in key
-- order, so one plan's ad sets sit on a few adjacent pages instead of one page each.
CREATE TABLE ad_set_rollup (
    country       TEXT    NOT NULL,
    objective     TEXT    NOT NULL,
    ad_set_id     INTEGER NOT NULL UNIQUE REFERENCES ad_sets (id),
    asset_format  TEXT    NOT NULL,
    placement     TEXT    NOT NULL,
    start_day     TEXT    NOT NULL,
    end_day       TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    booked_micros INTEGER NOT NULL,
    spend_micros  INTEGER NOT NULL,
    impressions   INTEGER NOT NULL,
    reach         INTEGER NOT NULL,
    clicks        INTEGER NOT NULL,
    completes     INTEGER NOT NULL,
    results       INTEGER NOT NULL,
    audience_size INTEGER NOT NULL,
    age_min       INTEGER NOT NULL,
    age_max       INTEGER NOT NULL,
    gender        TEXT,
    platform      TEXT,
    interest      TEXT,
    PRIMARY KEY (country, objective, ad_set_id)
) WITHOUT ROWID;

-- Which seed generated the history. Its single row is written first in the seeding transaction, which
-- takes the write lock at once, so two processes that seed a fresh store at the same time queue up
-- instead of interleaving, and the second one finds the store already seeded.
CREATE TABLE seed_info (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seed      TEXT    NOT NULL,
    campaigns INTEGER NOT NULL
);
