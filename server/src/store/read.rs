//! Reading one plan's history in a single result row.
//!
//! sqlx hands a result set over row by row (on SQLite through a worker thread and a channel), which costs
//! about 12 µs a row here: some 20 ms for the 1,400 ad sets of a one-country plan in a store of a million
//! delivery rows. So each rollup row keeps its fields packed into one text column (`packed`, written with the
//! row: fields joined by the ASCII unit separator with `concat_ws`, NULL as the empty field), and the query
//! joins the matching rows' texts into one value with `string_agg` (SQLite ≥ 3.44 and PostgreSQL share
//! both), in ad-set order, rows separated by the record separator. [`parse`] unpacks it.

use std::str::FromStr;

use chrono::NaiveDate;
use planner::performance::{HistoricalAdSet, PerformanceQuery};
use planner::types::{AssetFormat, Placement};

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

/// How many ad sets one market, objective, format and placement contributes to an answer: the ones that
/// started last. Recent history is what predicts next month's prices, a response curve is well fitted long
/// before this many points, and it keeps one plan's read (and the planner's fitting) the same size whether
/// the store holds a thousand campaigns or ten million delivery rows. The default synthetic history
/// (5,000 campaigns) has fewer than this in every group, so it is read whole.
pub const RECENT_AD_SETS: usize = 120;

/// The statement and its parameters: one row, one nullable text column (NULL when nothing matches). For
/// each market, objective, format and placement it takes [`RECENT_AD_SETS`] rows off the end of one range
/// of the rollup's key `(country, objective, asset_format, placement, start_day, ad_set_id)`, so its cost
/// follows the answer, not the history.
///
/// PostgreSQL gets one fixed statement, a lateral join over the groups with the markets and objectives
/// bound as comma-separated lists: it is prepared once per connection, where a union of one branch per
/// group would be planned again for every distinct query (5 ms of the 20 for four markets). SQLite has no
/// lateral joins and plans cheaply, so it gets the union; the values there are the vocabulary's own
/// spellings (`as_str`), never user text, so they are written into the statement.
pub(super) fn packed_query(engine: Engine, query: &PerformanceQuery) -> (String, Vec<String>) {
    let list = |values: &mut dyn Iterator<Item = &'static str>| values.collect::<Vec<_>>().join(",");
    if engine == Engine::Postgres {
        let formats = list(&mut AssetFormat::ALL.iter().map(|f| f.as_str()));
        let placements = list(&mut Placement::ALL.iter().map(|p| p.as_str()));
        let sql = format!(
            "SELECT string_agg(r.packed, '{RECORD}' ORDER BY r.ad_set_id) \
             FROM unnest(string_to_array($1, ',')) AS c (country) \
             CROSS JOIN unnest(string_to_array($2, ',')) AS o (objective) \
             CROSS JOIN unnest(string_to_array('{formats}', ',')) AS f (asset_format) \
             CROSS JOIN unnest(string_to_array('{placements}', ',')) AS p (placement) \
             CROSS JOIN LATERAL ( \
                 SELECT ad_set_id, packed FROM ad_set_rollup \
                 WHERE country = c.country AND objective = o.objective \
                     AND asset_format = f.asset_format AND placement = p.placement \
                 ORDER BY start_day DESC, ad_set_id DESC LIMIT {RECENT_AD_SETS} \
             ) AS r"
        );
        let countries = list(&mut query.countries.iter().map(|c| c.as_str()));
        let objectives = list(&mut query.objectives.iter().map(|o| o.as_str()));
        return (sql, vec![countries, objectives]);
    }
    let mut groups = Vec::new();
    for country in &query.countries {
        for objective in &query.objectives {
            for format in AssetFormat::ALL {
                for placement in Placement::ALL {
                    groups.push(format!(
                        "SELECT * FROM (SELECT ad_set_id, packed FROM ad_set_rollup WHERE country = '{}' \
                         AND objective = '{}' AND asset_format = '{}' AND placement = '{}' \
                         ORDER BY start_day DESC, ad_set_id DESC LIMIT {RECENT_AD_SETS}) AS g{}",
                        country.as_str(),
                        objective.as_str(),
                        format.as_str(),
                        placement.as_str(),
                        groups.len(),
                    ));
                }
            }
        }
    }
    // SQLite allows 500 terms in one compound SELECT; an answer for many markets has more groups, so they
    // are unioned in chunks, and the chunks unioned in turn.
    let chunks: Vec<String> = groups
        .chunks(MAX_COMPOUND_TERMS)
        .enumerate()
        .map(|(i, chunk)| format!("SELECT * FROM ({}) AS c{i}", chunk.join(" UNION ALL ")))
        .collect();
    let sql = format!(
        "SELECT string_agg(packed, '{RECORD}' ORDER BY ad_set_id) FROM ({}) AS recent",
        chunks.join(" UNION ALL ")
    );
    (sql, Vec::new())
}

/// The SQL expression that packs one rollup row's [`COLUMNS`] into its `packed` text, computed once when the
/// rollup is written instead of on every read (which made a four-market read at ten million delivery rows
/// twice as slow).
pub(super) fn packed_record() -> String {
    let fields: Vec<String> = COLUMNS.iter().map(|c| format!("COALESCE(CAST({c} AS TEXT), '')")).collect();
    format!("concat_ws('{FIELD}', {})", fields.join(", "))
}

/// Terms per compound SELECT, under SQLite's default limit of 500.
const MAX_COMPOUND_TERMS: usize = 400;

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
