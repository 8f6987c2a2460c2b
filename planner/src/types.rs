//! The wire types every surface shares: the vocabulary of SPEC §1 and the JSON of SPEC §3.
//!
//! Start with [`Brief`] (what a conversation resolves to) and [`PlanResponse`] (what `mixtape plan --json`,
//! `/api/plan` and the browser all produce). Enums serialise as the Ads API's upper-case strings; money is
//! integer micro-units with a currency; dates are calendar dates.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary: a `Copy` enum that (de)serialises as the exact strings given, with `ALL`,
/// `as_str` and `FromStr`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[doc = $text] #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }
    };
}

/// A string that is not in one of the closed vocabularies.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownValue {
    /// Which vocabulary was asked.
    pub kind: &'static str,
    /// The text that matched nothing.
    pub value: String,
}

vocabulary!(
    /// What the advertiser wants to buy (the Ads API's optimisation preference).
    Objective {
        Reach = "REACH",
        EvenImpressionDelivery = "EVEN_IMPRESSION_DELIVERY",
        Clicks = "CLICKS",
        WebsiteVisits = "WEBSITE_VISITS",
        VideoViews = "VIDEO_VIEWS",
        AppInstalls = "APP_INSTALLS",
        PodcastStreams = "PODCAST_STREAMS",
        LeadGen = "LEAD_GEN",
    }
);

vocabulary!(
    /// The creative's format.
    AssetFormat { Audio = "AUDIO", Video = "VIDEO", Image = "IMAGE" }
);

vocabulary!(
    /// Where in Spotify the ad runs.
    Placement { Music = "MUSIC", Podcast = "PODCAST" }
);

vocabulary!(
    /// The listener's device family.
    Platform { Android = "ANDROID", Ios = "IOS", Desktop = "DESKTOP" }
);

vocabulary!(
    /// Gender targeting values.
    Gender { Male = "MALE", Female = "FEMALE", NonBinary = "NON_BINARY" }
);

vocabulary!(
    /// Whether a budget is spent over the whole flight or each day.
    BudgetType { Lifetime = "LIFETIME", Daily = "DAILY" }
);

vocabulary!(
    /// How the ad set bids in the auction.
    BidStrategy { MaxBid = "MAX_BID", CostPerResult = "COST_PER_RESULT", Autobid = "AUTOBID" }
);

vocabulary!(
    /// Frequency-cap windows.
    FrequencyUnit { Day = "DAY", Week = "WEEK", Month = "MONTH" }
);

vocabulary!(
    /// ISO-4217 currencies a plan can be made in.
    Currency {
        Usd = "USD", Eur = "EUR", Gbp = "GBP", Sek = "SEK", Nok = "NOK", Dkk = "DKK", Chf = "CHF", Pln = "PLN",
        Brl = "BRL", Mxn = "MXN", Cad = "CAD", Aud = "AUD", Nzd = "NZD", Jpy = "JPY", Inr = "INR", Zar = "ZAR",
    }
);

vocabulary!(
    /// Supported markets (ISO-3166-1 alpha-2; `GB`, never `UK`).
    Country {
        Us = "US", Ca = "CA", Mx = "MX", Br = "BR", Ar = "AR", Co = "CO", Cl = "CL", Pe = "PE", Gb = "GB",
        Ie = "IE", Fr = "FR", De = "DE", At = "AT", Ch = "CH", It = "IT", Es = "ES", Pt = "PT", Nl = "NL",
        Be = "BE", Lu = "LU", Se = "SE", No = "NO", Dk = "DK", Fi = "FI", Pl = "PL", Au = "AU", Nz = "NZ",
        Jp = "JP", In = "IN", Za = "ZA",
    }
);

/// An amount of money: integer micro-units (`amount × 1,000,000`) in a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount × 1,000,000.
    pub micro_amount: i64,
    /// ISO-4217 code.
    pub currency: Currency,
}

/// A campaign or ad-set budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Amount × 1,000,000.
    pub micro_amount: i64,
    /// ISO-4217 code.
    pub currency: Currency,
    /// `LIFETIME` or `DAILY`.
    #[serde(rename = "type")]
    pub kind: BudgetType,
}

/// An inclusive range of calendar dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
}

impl Schedule {
    /// Number of days in the flight, both ends included.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

/// An inclusive age band, 13 ≤ min ≤ max ≤ 99.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgeRange {
    /// Youngest age included.
    pub min: u8,
    /// Oldest age included.
    pub max: u8,
}

/// Who an ad set reaches. Every empty list means "no restriction".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// Markets.
    pub countries: Vec<Country>,
    /// Gazetteer names of cities.
    pub cities: Vec<String>,
    /// Age bands, kept as given.
    pub age_ranges: Vec<AgeRange>,
    /// Genders.
    pub genders: Vec<Gender>,
    /// Device platforms.
    pub platforms: Vec<Platform>,
    /// Interest slugs.
    pub interests: Vec<String>,
    /// Genre slugs.
    pub genres: Vec<String>,
    /// Podcast topic slugs.
    pub podcast_topics: Vec<String>,
}

/// The resolved brief: what the advertiser asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief {
    /// Never null; `REACH` by default.
    pub objective: Objective,
    /// `ADV_<parent>_<n>`; `ADV_23_217` (Other) by default.
    pub ad_category: String,
    /// Null while unresolved.
    pub budget: Option<Budget>,
    /// Null while unresolved.
    pub schedule: Option<Schedule>,
    /// Audience.
    pub targets: Targets,
    /// Requested formats; empty lets the planner choose.
    pub formats: Vec<AssetFormat>,
    /// Requested placements; empty lets the planner choose.
    pub placements: Vec<Placement>,
}

/// Structured edits of the resolved brief made outside the conversation (the app's chips and budget slider,
/// SPEC §5): each field that is set replaces what the conversation resolved for that slot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Overrides {
    /// The objective.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<Objective>,
    /// The budget: amount, currency and type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    /// The flight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// The markets (cities outside them are dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<Country>>,
    /// Age bands; empty means all ages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_ranges: Option<Vec<AgeRange>>,
    /// Genders; empty means all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genders: Option<Vec<Gender>>,
    /// Platforms; empty means all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<Platform>>,
    /// Formats; empty lets the planner choose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<AssetFormat>>,
}

impl Overrides {
    /// Names of the slots that are set, in field order (for the trace).
    pub fn slots(&self) -> Vec<&'static str> {
        [
            ("objective", self.objective.is_some()),
            ("budget", self.budget.is_some()),
            ("schedule", self.schedule.is_some()),
            ("countries", self.countries.is_some()),
            ("ages", self.age_ranges.is_some()),
            ("genders", self.genders.is_some()),
            ("platforms", self.platforms.is_some()),
            ("formats", self.formats.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// Why these edits cannot be applied, if they cannot: a budget that is not positive, a schedule that
    /// ends before it starts or runs over two years, an age band outside 13–99 or upside down.
    pub fn problem(&self) -> Option<String> {
        if let Some(b) = self.budget.filter(|b| b.micro_amount <= 0) {
            return Some(format!("the budget must be more than zero (got {} micro-units)", b.micro_amount));
        }
        if let Some(s) = self.schedule.filter(|s| s.end < s.start || s.days() > 731) {
            return Some(format!(
                "the schedule {} to {} must end after it starts and last at most two years",
                s.start, s.end
            ));
        }
        let bad_age = |a: &&AgeRange| a.min < 13 || a.max > 99 || a.min > a.max;
        if let Some(a) = self.age_ranges.iter().flatten().find(bad_age) {
            return Some(format!("the age band {}-{} must lie within 13-99", a.min, a.max));
        }
        None
    }
}

/// A required slot that is still unresolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Slot {
    /// The amount (and for weekly/monthly amounts, the schedule it depends on).
    Budget,
    /// Start and end dates.
    Schedule,
    /// At least one market.
    Countries,
}

/// Where an agent's answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Deterministic rules in this crate.
    Rules,
    /// A language model (later issue).
    Llm,
}

/// One line of the agent trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// `router`, `goal`, `audience`, `budget`, `schedule`, `conversation` or `media_planner`.
    pub agent: String,
    /// Rules or a model.
    pub source: Source,
    /// Wall time measured with the caller's clock; excluded from byte-identical comparisons.
    pub elapsed_us: u64,
    /// Which turn (0-based) this line belongs to.
    pub turn: usize,
    /// A few words on what the agent did.
    pub note: String,
    /// For resolvers: how sure the rules were, 0–100.
    pub confidence: Option<u8>,
    /// For resolvers: phrases about their slots the rules could not interpret (what a model is asked).
    pub unparsed: Vec<String>,
}

/// A frequency cap of the Ads API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequencyCap {
    /// DAY, WEEK or MONTH.
    pub frequency_unit: FrequencyUnit,
    /// Number of units in the window (≥ 1).
    pub frequency_period: u32,
    /// Impressions per listener in the window.
    pub max_impressions: u32,
}

/// A forecast quantity as a range: 10th, 50th and 90th percentile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Pessimistic.
    pub p10: u64,
    /// Expected.
    pub p50: u64,
    /// Optimistic.
    pub p90: u64,
}

/// What an ad set is expected to deliver over its flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// Ad impressions.
    pub impressions: Range,
    /// Unique listeners reached; never above the targetable audience.
    pub reach: Range,
    /// Clicks.
    pub clicks: Range,
    /// The objective's result (reach, impressions, clicks, visits, views, installs, streams or leads).
    pub results: Range,
    /// What `results` counts, e.g. `installs`.
    pub result_name: String,
    /// Expected cost per result at p50, in the plan's currency.
    pub cost_per_result: Money,
    /// Expected CPM at p50, in the plan's currency.
    pub cpm: Money,
    /// Listeners the targeting can reach in this market.
    pub audience_size: u64,
}

/// The history behind an ad set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Comparable historical ad sets (same market, format, placement, objective).
    pub comparable_campaigns: u32,
    /// Their median CPM, converted to the plan's currency at the reference rate.
    pub median_cpm: Money,
    /// Their median delivery rate (spend ÷ booked budget) in per-mille.
    pub median_delivery_rate_permille: u32,
    /// Their median cost per result in the plan's currency.
    pub median_cost_per_result: Money,
}

/// One recommended ad set, shaped like the Ads API's `AdSetCreateRequest` plus forecast and evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdSet {
    /// Human-readable name.
    pub name: String,
    /// The one market this ad set runs in.
    pub country: Country,
    /// Creative format.
    pub asset_format: AssetFormat,
    /// Placements.
    pub placements: Vec<Placement>,
    /// Optimisation objective.
    pub objective: Objective,
    /// Ad category id.
    pub category: String,
    /// Budget in the brief's currency and type.
    pub budget: Budget,
    /// ISO 8601 UTC.
    pub start_time: String,
    /// ISO 8601 UTC.
    pub end_time: String,
    /// Bid strategy.
    pub bid_strategy: BidStrategy,
    /// CPM bid cap in the plan's currency (micro-units).
    pub bid_micro_amount: i64,
    /// Targeting for this ad set (one country).
    pub targets: Targets,
    /// Frequency caps within the Ads API's limits.
    pub frequency_caps: Vec<FrequencyCap>,
    /// What it is expected to deliver.
    pub forecast: Forecast,
    /// The history behind it.
    pub evidence: Evidence,
    /// One line a media buyer would accept.
    pub reason: String,
}

/// Sums over the plan's ad sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of the ad sets' budgets (daily for a daily budget).
    pub budget: Budget,
    /// Sum of impressions.
    pub impressions: Range,
    /// Sum of reach (an upper bound: audiences of different ad sets may overlap).
    pub reach: Range,
    /// Sum of clicks.
    pub clicks: Range,
    /// Sum of the objective's results.
    pub results: Range,
    /// What `results` counts.
    pub result_name: String,
}

/// The recommendation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Ad sets, by country then budget.
    pub ad_sets: Vec<AdSet>,
    /// Sums.
    pub totals: Totals,
}

/// The answer to a conversation: exactly what `mixtape plan --json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanResponse {
    /// What the conversation resolved to.
    pub brief: Brief,
    /// Required slots still unresolved.
    pub missing: Vec<Slot>,
    /// Defaults and interpretations the user should know about.
    pub assumptions: Vec<String>,
    /// One short clarifying question while something is missing.
    pub question: Option<String>,
    /// Null until nothing is missing.
    pub plan: Option<Plan>,
    /// Every agent that ran.
    pub trace: Vec<TraceEntry>,
}

impl PlanResponse {
    /// The one JSON spelling every surface prints (`mixtape plan --json`, `/api/plan`, the app's export):
    /// pretty-printed, ending in a newline, so the bytes can be compared across surfaces.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}
