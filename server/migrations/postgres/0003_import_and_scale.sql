-- Imported history and a history that keeps growing.
--
-- 1. Campaigns and ad sets from an Ads Manager export keep the export's ids in `external_id` (NULL for
--    synthetic history), so importing a file again finds them and replaces what it covers.
-- 2. `imports` logs every committed import.
-- 3. The rollup gets the key the planner reads by: per market, objective, format and placement, the most
--    recent ad sets first, one short index range each however long the history. Each row also keeps its
--    fields packed into one text (`packed`, fields joined by the unit separator, as the store reads them;
--    see server/src/store/read.rs).
-- 4. `delivery` is partitioned by month (`delivery_YYYY_MM`, created by the store before it writes a month;
--    `delivery_default` catches anything else), so a month's history is loaded, vacuumed, detached or
--    moved on its own. `day` compares bytewise (COLLATE "C"), which is calendar order for ISO dates.
--    The fact table keeps no foreign key to `ad_sets`: checking it row by row took 40% of an import's time,
--    and both writers (the seeder, the importer) write a day only in the transaction that writes or finds
--    its ad set. It is also the key a distributed layout (docs/scaling.md) changes first.
--
-- The SQLite twin (migrations/sqlite/0003_import_and_scale.sql) makes the same changes but 4.

ALTER TABLE campaigns ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX campaigns_by_external_id ON campaigns (external_id);

ALTER TABLE ad_sets ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX ad_sets_by_external_id ON ad_sets (external_id);

CREATE TABLE imports (
    id          BIGINT  PRIMARY KEY,
    file        TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,
    rows        BIGINT  NOT NULL CHECK (rows >= 0),
    rejected    BIGINT  NOT NULL CHECK (rejected >= 0)
);

ALTER TABLE ad_set_rollup DROP CONSTRAINT ad_set_rollup_pkey;
ALTER TABLE ad_set_rollup
    ADD PRIMARY KEY (country, objective, asset_format, placement, start_day, ad_set_id);
ALTER TABLE ad_set_rollup ADD COLUMN packed TEXT NOT NULL DEFAULT '';
UPDATE ad_set_rollup SET packed = concat_ws(chr(31),
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
    COALESCE(CAST(interest AS TEXT), ''));
ALTER TABLE ad_set_rollup ALTER COLUMN packed DROP DEFAULT;

ALTER TABLE delivery RENAME TO delivery_unpartitioned;
ALTER TABLE delivery_unpartitioned RENAME CONSTRAINT delivery_pkey TO delivery_unpartitioned_pkey;

CREATE TABLE delivery (
    ad_set_id    BIGINT  NOT NULL,
    day          TEXT    COLLATE "C" NOT NULL CHECK (length(day) = 10),
    impressions  BIGINT  NOT NULL CHECK (impressions >= 0),
    reach        BIGINT  NOT NULL CHECK (reach >= 0),
    clicks       BIGINT  NOT NULL CHECK (clicks >= 0),
    spend_micros BIGINT  NOT NULL CHECK (spend_micros >= 0),
    completes    BIGINT  NOT NULL CHECK (completes >= 0),
    results      BIGINT  NOT NULL CHECK (results >= 0),
    PRIMARY KEY (ad_set_id, day)
) PARTITION BY RANGE (day);

CREATE TABLE delivery_default PARTITION OF delivery DEFAULT;

DO $$
DECLARE
    month TEXT;
BEGIN
    FOR month IN SELECT DISTINCT substr(day, 1, 7) FROM delivery_unpartitioned ORDER BY 1 LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF delivery FOR VALUES FROM (%L) TO (%L)',
            'delivery_' || replace(month, '-', '_'),
            month || '-01',
            to_char(to_date(month || '-01', 'YYYY-MM-DD') + interval '1 month', 'YYYY-MM-DD'));
    END LOOP;
END
$$;

INSERT INTO delivery SELECT * FROM delivery_unpartitioned;
DROP TABLE delivery_unpartitioned;
