//! The historical evidence the media planner is grounded in, and the one trait through which it is read.
//!
//! The store (`server`) answers a [`PerformanceQuery`] with every comparable historical ad set, each rolled
//! up over its flight ([`HistoricalAdSet`]). The browser implements [`PerformanceSource`] over HTTP, the server
//! over SQL, tests over a `Vec` ([`InMemory`]). This wire type is defined once here; later storage changes do
//! not change it.

use std::future::Future;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::types::{AssetFormat, Country, Currency, Gender, Objective, Placement, Platform};

/// What the planner asks for: all ad sets run in these markets with one of these objectives.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PerformanceQuery {
    /// Markets, sorted and without duplicates.
    pub countries: Vec<Country>,
    /// Objectives, sorted and without duplicates.
    pub objectives: Vec<Objective>,
}

/// One historical ad set, its daily delivery summed over its flight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoricalAdSet {
    /// Market.
    pub country: Country,
    /// Creative format.
    pub asset_format: AssetFormat,
    /// Placement it ran on (one per historical ad set).
    pub placement: Placement,
    /// Objective it optimised for.
    pub objective: Objective,
    /// First day of delivery.
    pub start: NaiveDate,
    /// Flight length in days.
    pub duration_days: u32,
    /// Currency of the money columns.
    pub currency: Currency,
    /// Booked (lifetime) budget, micro-units.
    pub booked_micros: i64,
    /// Actually spent, micro-units.
    pub spend_micros: i64,
    /// Impressions delivered.
    pub impressions: u64,
    /// Unique listeners reached.
    pub reach: u64,
    /// Clicks.
    pub clicks: u64,
    /// Completed listens or views.
    pub completes: u64,
    /// The objective's results (reach for REACH, impressions for EVEN_IMPRESSION_DELIVERY, clicks, visits,
    /// views, installs, streams or leads).
    pub results: u64,
    /// Listeners its targeting could reach.
    pub audience_size: u64,
    /// Youngest targeted age.
    pub age_min: u8,
    /// Oldest targeted age.
    pub age_max: u8,
    /// Gender restriction, if any.
    pub gender: Option<Gender>,
    /// Platform restriction, if any.
    pub platform: Option<Platform>,
    /// Interest or genre slug it targeted, if any.
    pub interest: Option<String>,
}

/// The answer to a [`PerformanceQuery`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PerformanceAnswer {
    /// Comparable ad sets, in a stable order (the planner sorts again; it never relies on this order).
    pub ad_sets: Vec<HistoricalAdSet>,
}

/// Why history could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("historical performance unavailable: {0}")]
pub struct SourceError(pub String);

/// Where the planner reads history from. Async so the browser can fetch over HTTP; no runtime is assumed.
pub trait PerformanceSource {
    /// All comparable historical ad sets for the query.
    fn fetch(&self, query: &PerformanceQuery) -> impl Future<Output = Result<PerformanceAnswer, SourceError>>;
}

/// History held in memory, filtered per query: for tests, benchmarks and caches.
#[derive(Clone, Debug, Default)]
pub struct InMemory(pub Vec<HistoricalAdSet>);

impl InMemory {
    /// The answer, synchronously.
    pub fn answer(&self, query: &PerformanceQuery) -> PerformanceAnswer {
        PerformanceAnswer {
            ad_sets: self
                .0
                .iter()
                .filter(|a| query.countries.contains(&a.country) && query.objectives.contains(&a.objective))
                .cloned()
                .collect(),
        }
    }
}

impl PerformanceSource for InMemory {
    async fn fetch(&self, query: &PerformanceQuery) -> Result<PerformanceAnswer, SourceError> {
        Ok(self.answer(query))
    }
}
