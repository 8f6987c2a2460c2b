-- Imported history and a history that keeps growing.
--
-- 1. Campaigns and ad sets from an Ads Manager export keep the export's ids in `external_id` (NULL for
--    synthetic history), so importing a file again finds them and replaces what it covers.
-- 2. `imports` logs every committed import.
-- 3. The rollup is re-keyed so that the planner reads, per market, objective, format and placement, the
--    most recent ad sets first: one short range of the clustered key each, however long the history. Each
--    row also keeps its fields packed into one text (`packed`, fields joined by the unit separator, as the
--    store reads them; see server/src/store/read.rs).
--
-- The PostgreSQL twin (migrations/postgres/0003_import_and_scale.sql) also partitions `delivery` by month.

ALTER TABLE campaigns ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX campaigns_by_external_id ON campaigns (external_id);

ALTER TABLE ad_sets ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX ad_sets_by_external_id ON ad_sets (external_id);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    file        TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,
    rows        INTEGER NOT NULL CHECK (rows >= 0),
    rejected    INTEGER NOT NULL CHECK (rejected >= 0)
);

CREATE TABLE ad_set_rollup_by_recency (
    country       TEXT    NOT NULL,
    objective     TEXT    NOT NULL,
    asset_format  TEXT    NOT NULL,
    placement     TEXT    NOT NULL,
    start_day     TEXT    NOT NULL,
    ad_set_id     INTEGER NOT NULL UNIQUE REFERENCES ad_sets (id),
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
    packed        TEXT    NOT NULL,
    PRIMARY KEY (country, objective, asset_format, placement, start_day, ad_set_id)
) WITHOUT ROWID;

INSERT INTO ad_set_rollup_by_recency (country, objective, asset_format, placement, start_day, ad_set_id,
    end_day, currency, booked_micros, spend_micros, impressions, reach, clicks, completes, results,
    audience_size, age_min, age_max, gender, platform, interest, packed)
SELECT country, objective, asset_format, placement, start_day, ad_set_id, end_day, currency, booked_micros,
    spend_micros, impressions, reach, clicks, completes, results, audience_size, age_min, age_max, gender,
    platform, interest, concat_ws(char(31),
    COALESCE(CAST(country AS TEXT), ''),
    COALESCE(CAST(asset_format AS TEXT), ''),
    COALESCE(CAST(placement AS TEXT), ''),
    COALESCE(CAST(objective AS TEXT), ''),
    COALESCE(CAST(start_day AS TEXT), ''),
    COALESCE(CAST(end_day AS TEXT), ''),
    COALESCE(CAST(currency AS TEXT), ''),
    COALESCE(CAST(booked_micros AS TEXT), ''),
    COALESCE(CAST(spend_micros AS TEXT), ''),
    COALESCE(CAST(impressions AS TEXT), ''),
    COALESCE(CAST(reach AS TEXT), ''),
    COALESCE(CAST(clicks AS TEXT), ''),
    COALESCE(CAST(completes AS TEXT), ''),
    COALESCE(CAST(results AS TEXT), ''),
    COALESCE(CAST(audience_size AS TEXT), ''),
    COALESCE(CAST(age_min AS TEXT), ''),
    COALESCE(CAST(age_max AS TEXT), ''),
    COALESCE(CAST(gender AS TEXT), ''),
    COALESCE(CAST(platform AS TEXT), ''),
    COALESCE(CAST(interest AS TEXT), ''))
FROM ad_set_rollup;

DROP TABLE ad_set_rollup;
ALTER TABLE ad_set_rollup_by_recency RENAME TO ad_set_rollup;
