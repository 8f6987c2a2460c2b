//! Reading one plan's history in a single result row.
//!
//! sqlx hands a result set over row by row (on SQLite through a worker thread and a channel), which costs
//! about 12 µs a row here: some 20 ms for the 1,400 ad sets of a one-country plan in a store of a million
//! delivery rows. So the query packs every matching rollup row into one text value, in ad-set order, with
//! `concat_ws` and `string_agg` (which SQLite ≥ 3.44 and PostgreSQL share): fields joined by the ASCII unit
//! separator, rows by the record separator, NULL as the empty field. [`parse`] unpacks it. Same answer in
//! about a quarter of the time.

use std::str::FromStr;

use chrono::NaiveDate;
use planner::performance::HistoricalAdSet;

use super::Engine;
use crate::Error;

/// Separates the fields of one ad set (ASCII unit separator).
const FIELD: char = '\u{1f}';

/// Separates ad sets (ASCII record separator).
const RECORD: char = '\u{1e}';

/// The rollup columns a [`HistoricalAdSet`] is read from, in the order [`parse_record`] expects them.
const COLUMNS: [&str; 20] = [
    "country",
    "asset_format",
    "placement",
    "objective",
    "start_day",
    "end_day",
    "currency",
    "booked_micros",
    "spend_micros",
    "impressions",
    "reach",
    "clicks",
    "completes",
    "results",
    "audience_size",
    "age_min",
    "age_max",
    "gender",
    "platform",
    "interest",
];

/// The statement: one row, one nullable text column (NULL when nothing matches). Its parameters are the
/// countries, then the objectives.
pub(super) fn packed_query(engine: Engine, countries: usize, objectives: usize) -> String {
    let fields: Vec<String> = COLUMNS.iter().map(|c| format!("COALESCE(CAST({c} AS TEXT), '')")).collect();
    format!(
        "SELECT string_agg(concat_ws('{FIELD}', {}), '{RECORD}' ORDER BY ad_set_id) FROM ad_set_rollup \
         WHERE country IN ({}) AND objective IN ({})",
        fields.join(", "),
        engine.placeholders(1, countries),
        engine.placeholders(1 + countries, objectives),
    )
}

/// The ad sets of a packed answer.
pub(super) fn parse(packed: &str) -> Result<Vec<HistoricalAdSet>, Error> {
    packed.split(RECORD).map(parse_record).collect()
}

fn parse_record(record: &str) -> Result<HistoricalAdSet, Error> {
    let fields: Vec<&str> = record.split(FIELD).collect();
    let [
        country,
        asset_format,
        placement,
        objective,
        start,
        end,
        currency,
        booked,
        spend,
        impressions,
        reach,
        clicks,
        completes,
        results,
        audience,
        age_min,
        age_max,
        gender,
        platform,
        interest,
    ] = fields.as_slice()
    else {
        return Err(Error::Corrupt(format!("a rollup row of {} fields instead of {}", fields.len(), COLUMNS.len())));
    };
    let start: NaiveDate = value("start_day", start)?;
    let end: NaiveDate = value("end_day", end)?;
    let duration_days = u32::try_from((end - start).num_days() + 1)
        .map_err(|_| Error::Corrupt(format!("an ad set that ends ({end}) before it starts ({start})")))?;
    Ok(HistoricalAdSet {
        country: value("country", country)?,
        asset_format: value("asset_format", asset_format)?,
        placement: value("placement", placement)?,
        objective: value("objective", objective)?,
        start,
        duration_days,
        currency: value("currency", currency)?,
        booked_micros: value("booked_micros", booked)?,
        spend_micros: value("spend_micros", spend)?,
        impressions: value("impressions", impressions)?,
        reach: value("reach", reach)?,
        clicks: value("clicks", clicks)?,
        completes: value("completes", completes)?,
        results: value("results", results)?,
        audience_size: value("audience_size", audience)?,
        age_min: value("age_min", age_min)?,
        age_max: value("age_max", age_max)?,
        gender: optional("gender", gender)?,
        platform: optional("platform", platform)?,
        interest: optional("interest", interest)?,
    })
}

fn value<T: FromStr>(column: &str, text: &str) -> Result<T, Error> {
    text.parse().map_err(|_| Error::Corrupt(format!("{column} = `{text}`")))
}

/// The empty field is NULL.
fn optional<T: FromStr>(column: &str, text: &str) -> Result<Option<T>, Error> {
    if text.is_empty() { Ok(None) } else { value(column, text).map(Some) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_row_unpacks() {
        let row = ["SE", "AUDIO", "MUSIC", "CLICKS", "2025-03-01", "2025-03-02", "SEK", "50000000", "45000000"]
            .into_iter()
            .chain(["3000", "2500", "8", "2700", "8", "100000", "18", "34", "", "IOS", "fitness"])
            .collect::<Vec<_>>()
            .join(&FIELD.to_string());
        let packed = format!("{row}{RECORD}{row}");
        let ad_sets = parse(&packed).expect("parses");
        assert_eq!(ad_sets.len(), 2);
        let a = &ad_sets[0];
        assert_eq!((a.duration_days, a.reach, a.age_max), (2, 2500, 34));
        assert_eq!(
            (a.gender, a.platform, a.interest.as_deref()),
            (None, Some(planner::types::Platform::Ios), Some("fitness"))
        );
    }

    #[test]
    fn a_damaged_row_is_an_error_not_a_panic() {
        assert!(matches!(parse("SE\u{1f}AUDIO"), Err(Error::Corrupt(_))));
        let negative = ["SE", "AUDIO", "MUSIC", "CLICKS", "2025-03-01", "2025-03-02", "SEK", "1", "1", "-3"]
            .into_iter()
            .chain(["1", "1", "1", "1", "1", "18", "34", "", "", ""])
            .collect::<Vec<_>>()
            .join(&FIELD.to_string());
        assert!(matches!(parse(&negative), Err(Error::Corrupt(_))));
    }
}
