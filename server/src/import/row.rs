//! The export's columns and one row's values: each checked against the planner's vocabulary and rules and
//! converted to what the store keeps (upper-case enum spellings, money in exact integer micro-units). A
//! row either becomes a [`Row`] or is rejected with one reason, the first problem in column order.

use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::NaiveDate;
use planner::plan::rules::formats_for;
use planner::taxonomy::{GENRES, INTERESTS, categories, markets};
use planner::types::{AgeRange, AssetFormat, Country, Currency, Gender, Objective, Placement, Platform, Targets};

use crate::seed::rules::{is_valid, platform_allowed};

/// The columns every export has, in the order `mixtape seed --csv` writes them.
pub const REQUIRED_COLUMNS: [&str; 21] = [
    "date",
    "campaign_id",
    "campaign_name",
    "ad_set_id",
    "ad_set_name",
    "objective",
    "format",
    "placement",
    "country",
    "age_range",
    "gender",
    "platform",
    "budget",
    "currency",
    "spend",
    "impressions",
    "reach",
    "frequency",
    "clicks",
    "completes",
    "results",
];

/// Columns an export may have: the campaign's ad category and the ad set's interest or genre.
pub const OPTIONAL_COLUMNS: [&str; 2] = ["ad_category", "interest"];

/// Every column name, required ones first; a column's index here is its [`Col`].
const COLUMNS: [&str; 23] = {
    let mut all = [""; 23];
    let mut i = 0;
    while i < 21 {
        all[i] = REQUIRED_COLUMNS[i];
        i += 1;
    }
    all[21] = OPTIONAL_COLUMNS[0];
    all[22] = OPTIONAL_COLUMNS[1];
    all
};

/// Longest id (Spotify's are 36-character UUIDs).
const MAX_ID_CHARS: usize = 128;

/// Longest campaign or ad-set name.
const MAX_NAME_CHARS: usize = 512;

/// A column, as its index in [`COLUMNS`].
#[derive(Clone, Copy)]
enum Col {
    Date = 0,
    CampaignId,
    CampaignName,
    AdSetId,
    AdSetName,
    Objective,
    Format,
    Placement,
    Country,
    AgeRange,
    Gender,
    Platform,
    Budget,
    Currency,
    Spend,
    Impressions,
    Reach,
    Frequency,
    Clicks,
    Completes,
    Results,
    AdCategory,
    Interest,
}

impl Col {
    fn name(self) -> &'static str {
        COLUMNS[self as usize]
    }
}

/// Where each column sits in the file.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    positions: [Option<usize>; 23],
    /// How many fields every row must have.
    pub width: usize,
}

impl Header {
    /// Reads the header row; every problem with it (each reported on line 1) when it is unusable.
    pub fn read(names: &[&[u8]]) -> Result<Header, Vec<String>> {
        let mut positions = [None; 23];
        let mut problems = Vec::new();
        let mut known = 0;
        for (i, raw) in names.iter().enumerate() {
            let name = String::from_utf8_lossy(raw);
            match COLUMNS.iter().position(|c| *c == name) {
                Some(c) if positions[c].is_some() => problems.push(format!("repeated column `{name}`")),
                Some(c) => {
                    positions[c] = Some(i);
                    known += 1;
                }
                None => problems.push(format!("unknown column `{name}`")),
            }
        }
        if known == 0 {
            return Err(vec![format!(
                "no header row: the first row must name the columns ({}, …; see docs/import.md)",
                REQUIRED_COLUMNS[..4].join(", ")
            )]);
        }
        for (c, name) in REQUIRED_COLUMNS.iter().enumerate() {
            if positions[c].is_none() {
                problems.push(format!("missing column `{name}`"));
            }
        }
        if problems.is_empty() { Ok(Header { positions, width: names.len() }) } else { Err(problems) }
    }
}

/// One valid row, borrowing its text from the reader.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row<'a> {
    /// `YYYY-MM-DD`.
    pub day: &'a str,
    pub campaign_id: &'a str,
    pub campaign_name: &'a str,
    pub ad_set_id: &'a str,
    pub ad_set_name: &'a str,
    pub objective: Objective,
    pub format: AssetFormat,
    pub placement: Placement,
    pub country: Country,
    pub age: AgeRange,
    pub gender: Option<Gender>,
    pub platform: Option<Platform>,
    pub budget_micros: i64,
    pub currency: Currency,
    pub spend_micros: i64,
    pub impressions: i64,
    pub reach: i64,
    pub clicks: i64,
    pub completes: i64,
    pub results: i64,
    /// `ADV_<parent>_<n>`, or empty.
    pub ad_category: &'a str,
    /// The taxonomy's own spelling of the interest or genre slug.
    pub interest: Option<&'static str>,
}

impl Row<'_> {
    /// A hash of everything the rows of one ad set must agree on: rows that differ almost surely differ in
    /// it, so the cross-row check compares one number per row and spells out the difference only when
    /// there is one.
    pub fn ad_set_fingerprint(&self) -> i64 {
        fingerprint(|h| {
            (self.campaign_id, self.ad_set_name, self.objective, self.format, self.placement, self.country).hash(h);
            (self.age, self.gender, self.platform, self.interest, self.budget_micros, self.currency).hash(h);
        })
    }

    /// A hash of the ad set and day, which no two rows may share.
    pub fn day_fingerprint(&self) -> i64 {
        fingerprint(|h| (self.ad_set_id, self.day).hash(h))
    }

    /// A hash of everything the rows of one campaign must agree on.
    pub fn campaign_fingerprint(&self) -> i64 {
        fingerprint(|h| (self.campaign_name, self.objective, self.currency, self.ad_category).hash(h))
    }
}

fn fingerprint(feed: impl FnOnce(&mut DefaultHasher)) -> i64 {
    let mut hasher = DefaultHasher::new();
    feed(&mut hasher);
    // Bit for bit: the database stores 64-bit signed integers.
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
}

/// The audience a targeting was last estimated for, and the estimate (rows of one ad set repeat it).
type AudienceMemo = Option<((Country, AgeRange, Option<Gender>, Option<Platform>, Option<&'static str>), i64)>;

/// Checks rows against a header.
pub(crate) struct Validator {
    header: Header,
    /// The last ad category found in the taxonomy (its lookup is a linear search).
    known_category: String,
    audience: AudienceMemo,
}

impl Validator {
    pub fn new(header: Header) -> Validator {
        Validator { header, known_category: String::new(), audience: None }
    }

    /// The header rows are checked against.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Checks one row, given its fields by position.
    pub fn row<'a>(&mut self, fields: usize, field: impl Fn(usize) -> &'a [u8]) -> Result<Row<'a>, String> {
        if fields != self.header.width {
            return Err(format!("{fields} fields, but the header has {}", self.header.width));
        }
        let positions = self.header.positions;
        let text = |col: Col| -> Result<&'a str, String> {
            match positions[col as usize] {
                Some(i) => std::str::from_utf8(field(i)).map_err(|_| format!("`{}` is not valid UTF-8", col.name())),
                None => Ok(""),
            }
        };
        let trimmed = |col: Col| text(col).map(str::trim);

        let day = date(trimmed(Col::Date)?)?;
        let campaign_id = id(Col::CampaignId, text(Col::CampaignId)?)?;
        let campaign_name = name(Col::CampaignName, text(Col::CampaignName)?)?;
        let ad_set_id = id(Col::AdSetId, text(Col::AdSetId)?)?;
        let ad_set_name = name(Col::AdSetName, text(Col::AdSetName)?)?;
        let objective = word(Col::Objective, trimmed(Col::Objective)?, Objective::ALL, Objective::as_str)?;
        let format = word(Col::Format, trimmed(Col::Format)?, AssetFormat::ALL, AssetFormat::as_str)?;
        let placement = word(Col::Placement, trimmed(Col::Placement)?, Placement::ALL, Placement::as_str)?;
        let country = word(Col::Country, trimmed(Col::Country)?, Country::ALL, Country::as_str)?;
        let age = age_range(trimmed(Col::AgeRange)?)?;
        let gender = everyone_or(Col::Gender, trimmed(Col::Gender)?, Gender::ALL, Gender::as_str)?;
        let platform = everyone_or(Col::Platform, trimmed(Col::Platform)?, Platform::ALL, Platform::as_str)?;
        let budget_micros = amount(Col::Budget, trimmed(Col::Budget)?)?;
        if budget_micros == 0 {
            return Err("`budget` must be more than 0".to_owned());
        }
        let currency = word(Col::Currency, trimmed(Col::Currency)?, Currency::ALL, Currency::as_str)?;
        let spend_micros = amount(Col::Spend, trimmed(Col::Spend)?)?;
        let impressions = count(Col::Impressions, trimmed(Col::Impressions)?)?;
        let reach = count(Col::Reach, trimmed(Col::Reach)?)?;
        frequency(trimmed(Col::Frequency)?)?;
        let clicks = count(Col::Clicks, trimmed(Col::Clicks)?)?;
        let completes = count(Col::Completes, trimmed(Col::Completes)?)?;
        let results = count(Col::Results, trimmed(Col::Results)?)?;
        let ad_category = trimmed(Col::AdCategory)?;
        if !ad_category.is_empty() && ad_category != self.known_category {
            if categories::get(ad_category).is_none() {
                return Err(format!("unknown ad_category `{ad_category}` (an ADV_<n>_<m> id of the Ads API's list)"));
            }
            self.known_category = ad_category.to_owned();
        }
        let interest = interest(trimmed(Col::Interest)?)?;

        combination(objective, format, placement, platform)?;
        for (col, value) in [(Col::Reach, reach), (Col::Clicks, clicks), (Col::Completes, completes)] {
            if value > impressions {
                return Err(format!("`{}` ({value}) exceeds `impressions` ({impressions})", col.name()));
            }
        }
        Ok(Row {
            day,
            campaign_id,
            campaign_name,
            ad_set_id,
            ad_set_name,
            objective,
            format,
            placement,
            country,
            age,
            gender,
            platform,
            budget_micros,
            currency,
            spend_micros,
            impressions,
            reach,
            clicks,
            completes,
            results,
            ad_category,
            interest,
        })
    }

    /// Listeners the row's targeting can reach, estimated as the planner estimates audiences (an export
    /// does not carry it, and the planner ignores history with an audience of 0).
    pub fn audience(&mut self, row: &Row<'_>) -> i64 {
        let key = (row.country, row.age, row.gender, row.platform, row.interest);
        if let Some((memo, size)) = self.audience
            && memo == key
        {
            return size;
        }
        let targets = Targets {
            countries: vec![row.country],
            age_ranges: vec![row.age],
            genders: row.gender.into_iter().collect(),
            platforms: row.platform.into_iter().collect(),
            interests: row.interest.filter(|i| INTERESTS.contains(i)).map(str::to_owned).into_iter().collect(),
            genres: row.interest.filter(|g| GENRES.contains(g)).map(str::to_owned).into_iter().collect(),
            ..Targets::default()
        };
        let size = i64::try_from(markets::market(row.country).audience(&targets, 0)).unwrap_or(i64::MAX);
        self.audience = Some((key, size));
        size
    }
}

/// `YYYY-MM-DD`, a real calendar day.
fn date(text: &str) -> Result<&str, String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .and_then(|d| std::str::from_utf8(d).ok()?.parse().ok())
    };
    let day = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| NaiveDate::from_ymd_opt(i32::try_from(digits(0..4)?).ok()?, digits(5..7)?, digits(8..10)?))
        .flatten();
    match day {
        Some(_) => Ok(text),
        None => Err(format!("`date` must be a calendar date like 2025-03-01, not `{text}`")),
    }
}

fn id(col: Col, text: &str) -> Result<&str, String> {
    bounded(col, text, MAX_ID_CHARS)
}

fn name(col: Col, text: &str) -> Result<&str, String> {
    bounded(col, text, MAX_NAME_CHARS)
}

fn bounded(col: Col, text: &str, max: usize) -> Result<&str, String> {
    if text.trim().is_empty() {
        Err(format!("`{}` is empty", col.name()))
    } else if text.len() > max && text.chars().count() > max {
        Err(format!("`{}` is longer than {max} characters", col.name()))
    } else {
        Ok(text)
    }
}

/// One of a closed vocabulary, in any case.
fn word<T: Copy>(col: Col, text: &str, all: &[T], spell: fn(T) -> &'static str) -> Result<T, String> {
    all.iter().copied().find(|v| spell(*v).eq_ignore_ascii_case(text)).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|v| spell(*v)).collect();
        format!("unknown {} `{text}` (expected one of {})", col.name(), names.join(", "))
    })
}

/// A restriction to one value, or none (empty or `ALL`).
fn everyone_or<T: Copy>(col: Col, text: &str, all: &[T], spell: fn(T) -> &'static str) -> Result<Option<T>, String> {
    if text.is_empty() || text.eq_ignore_ascii_case("ALL") {
        return Ok(None);
    }
    word(col, text, all, spell).map(Some).map_err(|_| {
        let names: Vec<&str> = all.iter().map(|v| spell(*v)).collect();
        format!("unknown {} `{text}` (expected one of {}, or ALL or empty for everyone)", col.name(), names.join(", "))
    })
}

/// `18-24` or `65+` (65-99), within 13-99.
fn age_range(text: &str) -> Result<AgeRange, String> {
    let number = |s: &str| -> Option<u16> {
        (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let bounds = match text.strip_suffix('+') {
        Some(min) => number(min).map(|min| (min, 99)),
        None => text.split_once('-').and_then(|(min, max)| Some((number(min)?, number(max)?))),
    };
    let Some((min, max)) = bounds else {
        return Err(format!("`age_range` must look like 18-24 or 65+, not `{text}`"));
    };
    if !(13..=99).contains(&min) || !(13..=99).contains(&max) {
        return Err(format!("`age_range` `{text}` must lie within 13-99"));
    }
    if min > max {
        return Err(format!("`age_range` `{text}` ends before it starts"));
    }
    // Both are within 13..=99, so they fit a u8.
    Ok(AgeRange { min: min as u8, max: max as u8 })
}

/// Why a decimal amount was refused.
#[derive(Debug, PartialEq, Eq)]
enum AmountError {
    Malformed,
    Negative,
    TooPrecise,
    TooLarge,
}

/// A decimal amount in currency units (`1250`, `1250.5`, `0.000001`) as exact integer micro-units: the
/// digits are read as integers, never through a float. At most 6 decimal places.
fn micros(text: &str) -> Result<i64, AmountError> {
    match text.strip_prefix('-') {
        Some(magnitude) => unsigned_micros(magnitude).and(Err(AmountError::Negative)),
        None => unsigned_micros(text),
    }
}

fn unsigned_micros(text: &str) -> Result<i64, AmountError> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || (text.contains('.') && fraction.is_empty()) {
        return Err(AmountError::Malformed);
    }
    if fraction.len() > 6 {
        return Err(AmountError::TooPrecise);
    }
    let whole: i64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
    let mut fraction_micros: i64 =
        if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| AmountError::Malformed)? };
    for _ in fraction.len()..6 {
        fraction_micros *= 10;
    }
    whole.checked_mul(1_000_000).and_then(|m| m.checked_add(fraction_micros)).ok_or(AmountError::TooLarge)
}

fn amount(col: Col, text: &str) -> Result<i64, String> {
    let name = col.name();
    micros(text).map_err(|e| match e {
        AmountError::Negative if name == "spend" => format!("negative spend `{text}`"),
        AmountError::Negative => format!("`{name}` must be more than 0, not `{text}`"),
        AmountError::Malformed => format!("`{name}` must be an amount like 1250.50, not `{text}`"),
        AmountError::TooPrecise => format!("`{name}` has more than 6 decimal places: `{text}`"),
        AmountError::TooLarge => format!("`{name}` is too large: `{text}`"),
    })
}

/// A whole number ≥ 0.
fn count(col: Col, text: &str) -> Result<i64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` must be a whole number ≥ 0, not `{text}`", col.name()));
    }
    text.parse().map_err(|_| format!("`{}` is too large: `{text}`", col.name()))
}

/// A decimal ≥ 0, or empty (days without reach have none); checked, not stored.
fn frequency(text: &str) -> Result<(), String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if text.is_empty() || (!whole.is_empty() && digits(whole) && digits(fraction) && !text.ends_with('.')) {
        Ok(())
    } else {
        Err(format!("`frequency` must be a decimal number ≥ 0, not `{text}`"))
    }
}

/// An interest or genre slug of the taxonomy, or none.
fn interest(text: &str) -> Result<Option<&'static str>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    INTERESTS
        .iter()
        .chain(GENRES)
        .find(|slug| slug.eq_ignore_ascii_case(text))
        .copied()
        .map(Some)
        .ok_or_else(|| format!("unknown interest `{text}` (expected an interest or genre slug, see docs/import.md)"))
}

/// The Ads API's format, placement and platform rules for the objective (those every ad set of the
/// synthetic history obeys too).
fn combination(
    objective: Objective,
    format: AssetFormat,
    placement: Placement,
    platform: Option<Platform>,
) -> Result<(), String> {
    if !formats_for(objective).contains(&format) {
        let formats: Vec<&str> = formats_for(objective).iter().map(|f| f.as_str()).collect();
        return Err(format!("{objective} takes only {} creatives, not {format}", formats.join(" or ")));
    }
    if !is_valid(objective, format, placement) {
        let who = if format == AssetFormat::Image { format.as_str() } else { objective.as_str() };
        return Err(format!("{who} never runs on {placement}"));
    }
    if !platform_allowed(objective, platform) {
        return Err(match objective {
            Objective::AppInstalls => format!(
                "APP_INSTALLS targets exactly one of IOS and ANDROID, not {}",
                platform.map_or("all platforms", Platform::as_str)
            ),
            _ => format!("{objective} never runs on {}", platform.map_or("all platforms", Platform::as_str)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_micro_units() {
        assert_eq!(micros("1250.50"), Ok(1_250_500_000));
        assert_eq!(micros("0.000001"), Ok(1));
        assert_eq!(micros("0"), Ok(0));
        assert_eq!(micros("19.99"), Ok(19_990_000), "no float rounding");
        assert_eq!(micros("9223372036854.775807"), Ok(i64::MAX));
        assert_eq!(micros("9223372036854.775808"), Err(AmountError::TooLarge));
        assert_eq!(micros("99999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(micros("1.0000001"), Err(AmountError::TooPrecise));
        assert_eq!(micros("-3.50"), Err(AmountError::Negative));
        for bad in ["", ".5", "1.", "1,5", "1e3", "+1", " 1", "--1", "1.2.3"] {
            assert_eq!(micros(bad), Err(AmountError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn age_ranges_and_dates() {
        assert_eq!(age_range("18-24"), Ok(AgeRange { min: 18, max: 24 }));
        assert_eq!(age_range("65+"), Ok(AgeRange { min: 65, max: 99 }));
        assert_eq!(age_range("12-17").expect_err("too young"), "`age_range` `12-17` must lie within 13-99");
        assert_eq!(age_range("30-20").expect_err("reversed"), "`age_range` `30-20` ends before it starts");
        assert!(age_range("18 to 24").is_err() && age_range("-24").is_err() && age_range("1000-2000").is_err());
        assert_eq!(date("2024-02-29"), Ok("2024-02-29"));
        for bad in ["2025-02-29", "2025-13-01", "2025-1-01", "01/03/2025", "2025-03-01T00:00"] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_api_rules_give_reasons() {
        use AssetFormat::*;
        use Placement::*;
        let check = |o, f, p, pl| combination(o, f, p, pl).err().unwrap_or_default();
        assert_eq!(check(Objective::EvenImpressionDelivery, Image, Podcast, None), "IMAGE never runs on PODCAST");
        assert_eq!(check(Objective::VideoViews, Video, Podcast, None), "VIDEO_VIEWS never runs on PODCAST");
        assert_eq!(check(Objective::Reach, Image, Music, None), "REACH takes only AUDIO or VIDEO creatives, not IMAGE");
        assert_eq!(
            check(Objective::AppInstalls, Audio, Music, None),
            "APP_INSTALLS targets exactly one of IOS and ANDROID, not all platforms"
        );
        assert_eq!(
            check(Objective::VideoViews, Video, Music, Some(Platform::Desktop)),
            "VIDEO_VIEWS never runs on DESKTOP"
        );
        assert_eq!(check(Objective::Reach, Audio, Podcast, None), "");
    }

    #[test]
    fn a_header_names_every_problem() {
        let names: Vec<&[u8]> = REQUIRED_COLUMNS.iter().map(|c| c.as_bytes()).collect();
        assert!(Header::read(&names).is_ok());
        let mut bad = names.clone();
        bad.retain(|n| *n != b"spend");
        bad.push(b"date");
        bad.push(b"cpm");
        assert_eq!(
            Header::read(&bad).expect_err("refused"),
            ["repeated column `date`", "unknown column `cpm`", "missing column `spend`"]
        );
    }
}
