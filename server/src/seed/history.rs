//! Synthetic campaigns: who advertises where, with which objective, formats, targeting, budget and
//! flight. Delivery comes from the [`Truth`]; this module only decides what was booked.
//!
//! Campaign `i` draws from its own random stream, so it is the same whatever the number of campaigns. The
//! first campaigns cover every market × valid (format, placement, objective) once; the rest are drawn with
//! realistic weights (bigger markets and awareness objectives are more common).

use chrono::{Days, NaiveDate};
use planner::taxonomy::{GENRES, INTERESTS, categories, fx, markets};
use planner::types::{AgeRange, AssetFormat, Country, Gender, Objective, Placement, Platform, Targets};
use rand::RngExt;

use super::rules::{platform_allowed, valid_combinations};
use super::sampling::{Rng, exponential, log_uniform, lognormal, pick, stream, uniform, weighted};
use super::truth::{AdSetSpec, Truth};
use crate::store::{AdSetRecord, CampaignRecord, DeliveryDay};

/// First day of the synthetic history.
const HISTORY_START: NaiveDate = match NaiveDate::from_ymd_opt(2024, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Last day of the synthetic history (just before the reference "today" of the examples, 2026-03-02).
const HISTORY_END: NaiveDate = match NaiveDate::from_ymd_opt(2026, 2, 28) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Self-serve minimum per ad set, USD-equivalent.
const MIN_AD_SET_USD: f64 = 250.0;

/// Largest campaign budget in the biggest markets, USD-equivalent.
const MAX_CAMPAIGN_USD: f64 = 200_000.0;

/// Share of advertisers who lower a budget the Ads Manager says is unlikely to deliver; the others make
/// the under-delivery tail.
const HEED_DELIVERY_WARNING: f64 = 0.75;

/// Smallest audience an ad set is booked with: advertisers widen targeting that leaves fewer listeners.
const MIN_AUDIENCE: u64 = 1_000;

/// Countries whose audiences under 18 get no interest or gender targeting (SPEC §4).
const MINOR_PROTECTION: &[Country] = &[
    Country::Us,
    Country::Gb,
    Country::Ie,
    Country::Fr,
    Country::De,
    Country::At,
    Country::It,
    Country::Es,
    Country::Pt,
    Country::Nl,
    Country::Be,
    Country::Lu,
    Country::Se,
    Country::Dk,
    Country::Fi,
    Country::Pl,
];

/// What one campaign of the coverage pass books: a market, an objective and up to four (format, placement)
/// pairs.
#[derive(Clone, Debug)]
struct Booking {
    country: Country,
    objective: Objective,
    combinations: Vec<(AssetFormat, Placement)>,
}

/// Generates campaigns one at a time, numbering campaigns and ad sets consecutively from 1.
pub(super) struct Generator<'t> {
    truth: &'t Truth,
    seed: u64,
    coverage: Vec<Booking>,
    next_campaign: u32,
    next_ad_set: i64,
}

impl<'t> Generator<'t> {
    pub(super) fn new(truth: &'t Truth, seed: u64) -> Generator<'t> {
        Generator { truth, seed, coverage: coverage_bookings(), next_campaign: 0, next_ad_set: 1 }
    }

    /// The next campaign, with its ad sets and their daily delivery.
    pub(super) fn next_campaign(&mut self) -> CampaignRecord {
        let index = self.next_campaign;
        self.next_campaign += 1;
        // Stream 0 is the truth's; campaign `i` uses stream `i + 1`.
        let mut rng = stream(self.seed, u64::from(index) + 1);
        let booking = match self.coverage.get(index as usize) {
            Some(booking) => booking.clone(),
            None => random_booking(&mut rng),
        };
        self.campaign(&mut rng, i64::from(index) + 1, &booking)
    }

    fn campaign(&mut self, rng: &mut Rng, id: i64, booking: &Booking) -> CampaignRecord {
        let currency = markets::market(booking.country).currency;
        let flight = flight(rng);
        let category = pick(rng, categories::all());
        let budgets = ad_set_budgets_usd(rng, booking.country, booking.combinations.len());
        let mut ad_sets = Vec::with_capacity(budgets.len());
        for (&combination, budget_usd) in booking.combinations.iter().zip(budgets) {
            ad_sets.push(self.ad_set(rng, booking, combination, budget_usd, &flight, category.id));
        }
        CampaignRecord {
            id,
            name: format!(
                "{} {} {} {}",
                category.parent,
                booking.country,
                booking.objective,
                flight.start.format("%Y-%m")
            ),
            ad_category: category.id.to_owned(),
            objective: booking.objective,
            country: booking.country,
            start: flight.start,
            end: flight.end,
            budget_micros: ad_sets.iter().map(|a| a.budget_micros).sum(),
            currency,
            ad_sets,
        }
    }

    fn ad_set(
        &mut self,
        rng: &mut Rng,
        booking: &Booking,
        (format, placement): (AssetFormat, Placement),
        budget_usd: f64,
        flight: &Flight,
        category: &str,
    ) -> AdSetRecord {
        let id = self.next_ad_set;
        self.next_ad_set += 1;
        let targeting = targeting(rng, booking.country, booking.objective, placement, category);
        let currency = markets::market(booking.country).currency;
        let mut spec = AdSetSpec {
            country: booking.country,
            asset_format: format,
            placement,
            objective: booking.objective,
            audience_size: targeting.audience_size,
            start: flight.start,
            days: flight.days,
            budget_micros: local_micros(budget_usd, currency),
            currency,
        };
        spec.budget_micros = self.heed_delivery_warning(rng, &spec);
        AdSetRecord {
            id,
            name: ad_set_name(booking.country, format, placement, &targeting),
            asset_format: format,
            placement,
            age_min: targeting.age.min,
            age_max: targeting.age.max,
            gender: targeting.gender,
            platform: targeting.platform,
            interest: targeting.interest,
            budget_micros: spec.budget_micros,
            start: flight.start,
            end: flight.end,
            audience_size: targeting.audience_size,
            delivery: self.deliver(rng, &spec),
        }
    }

    /// The booked budget after the Ads Manager's delivery warning: most advertisers lower a budget their
    /// audience cannot absorb (never below the self-serve minimum), some book it anyway.
    fn heed_delivery_warning(&self, rng: &mut Rng, spec: &AdSetSpec) -> i64 {
        let deliverable = self.truth.deliverable_budget_micros(spec).unwrap_or(spec.budget_micros);
        if spec.budget_micros <= deliverable || !rng.random_bool(HEED_DELIVERY_WARNING) {
            return spec.budget_micros;
        }
        let minimum = local_micros(MIN_AD_SET_USD, spec.currency);
        let lowered = local_micros(deliverable as f64 / 1e6 * fx::usd_per_unit(spec.currency), spec.currency);
        lowered.max(minimum)
    }

    /// The ad set's daily rows, drawn from the truth.
    fn deliver(&self, rng: &mut Rng, spec: &AdSetSpec) -> Vec<DeliveryDay> {
        let draws = self.truth.draw(rng);
        let daily_sigma = self.truth.noise.daily_cpm_sigma;
        let outcomes = self.truth.simulate(spec, &draws, || lognormal(rng, daily_sigma)).unwrap_or_default();
        (0u64..)
            .zip(outcomes)
            .map(|(offset, o)| DeliveryDay {
                day: spec.start.checked_add_days(Days::new(offset)).unwrap_or(spec.start),
                impressions: o.impressions,
                reach: o.reach,
                clicks: o.clicks,
                spend_micros: o.spend_micros,
                completes: o.completes,
                results: o.results,
            })
            .collect()
    }
}

/// A campaign's dates; its ad sets share them.
struct Flight {
    start: NaiveDate,
    end: NaiveDate,
    days: u32,
}

/// 7 to 90 days (three weeks on average, most flights short), inside the history window.
fn flight(rng: &mut Rng) -> Flight {
    let days = (7.0 + libm::round(exponential(rng, 14.0))).min(90.0) as u32;
    let span = (HISTORY_END - HISTORY_START).num_days() + 2 - i64::from(days);
    let offset = uniform(rng, 0.0, span.max(1) as f64) as u64;
    let start = HISTORY_START.checked_add_days(Days::new(offset)).unwrap_or(HISTORY_START);
    let end = start.checked_add_days(Days::new(u64::from(days - 1))).unwrap_or(start);
    Flight { start, end, days }
}

/// One campaign per market, objective and group of up to four of the objective's (format, placement)
/// pairs, so every valid combination appears in every market.
fn coverage_bookings() -> Vec<Booking> {
    let mut bookings = Vec::new();
    for &country in Country::ALL {
        for &objective in Objective::ALL {
            for group in valid_combinations(objective).chunks(4) {
                bookings.push(Booking { country, objective, combinations: group.to_vec() });
            }
        }
    }
    bookings
}

fn random_booking(rng: &mut Rng) -> Booking {
    // Bigger markets see more campaigns, but less than proportionally (small markets still get history).
    let countries: Vec<(Country, f64)> =
        Country::ALL.iter().map(|&c| (c, libm::sqrt(markets::market(c).total_listeners() as f64))).collect();
    let country = weighted(rng, &countries);
    let objective = weighted(
        rng,
        &[
            (Objective::Reach, 0.24),
            (Objective::EvenImpressionDelivery, 0.16),
            (Objective::Clicks, 0.14),
            (Objective::WebsiteVisits, 0.10),
            (Objective::VideoViews, 0.08),
            (Objective::AppInstalls, 0.10),
            (Objective::PodcastStreams, 0.08),
            (Objective::LeadGen, 0.10),
        ],
    );
    let count = weighted(rng, &[(1, 0.30), (2, 0.35), (3, 0.20), (4, 0.15)]);
    let combinations = (0..count).map(|_| *pick(rng, &valid_combinations(objective))).collect();
    Booking { country, objective, combinations }
}

/// The ad sets' budgets in USD: a log-uniform campaign budget, capped lower in small markets (nobody books
/// $200k in Luxembourg), split unevenly with every ad set at or above the self-serve minimum.
fn ad_set_budgets_usd(rng: &mut Rng, country: Country, count: usize) -> Vec<f64> {
    let us = markets::market(Country::Us).total_listeners() as f64;
    let here = markets::market(country).total_listeners() as f64;
    let cap = MAX_CAMPAIGN_USD * (1.5 * libm::sqrt(here / us)).clamp(0.1, 1.0);
    let floor = MIN_AD_SET_USD * count as f64 * 1.2;
    let total = log_uniform(rng, floor, cap.max(floor * 2.0));
    let weights: Vec<f64> = (0..count).map(|_| uniform(rng, 0.5, 1.5)).collect();
    let sum: f64 = weights.iter().sum();
    let spare = total - MIN_AD_SET_USD * count as f64;
    weights.iter().map(|w| MIN_AD_SET_USD + spare * w / sum).collect()
}

/// USD converted to the market's currency at the reference rate, rounded up to whole tens of units (a
/// booked amount, never below the USD minimum it came from).
fn local_micros(usd: f64, currency: planner::types::Currency) -> i64 {
    let units = usd / fx::usd_per_unit(currency);
    (libm::ceil(units / 10.0) * 10.0) as i64 * 1_000_000
}

/// An ad set's targeting and the audience it leaves.
struct Targeting {
    age: AgeRange,
    gender: Option<Gender>,
    platform: Option<Platform>,
    interest: Option<String>,
    audience_size: u64,
}

fn targeting(rng: &mut Rng, country: Country, objective: Objective, placement: Placement, category: &str) -> Targeting {
    let (min, max) = weighted(
        rng,
        &[
            ((13, 99), 0.08),
            ((18, 99), 0.12),
            ((18, 24), 0.10),
            ((18, 34), 0.18),
            ((18, 44), 0.03),
            ((25, 34), 0.10),
            ((25, 44), 0.08),
            ((25, 54), 0.12),
            ((35, 54), 0.08),
            ((35, 64), 0.04),
            ((45, 99), 0.05),
            ((13, 17), 0.02),
        ],
    );
    let mut age = AgeRange { min, max };
    // Alcohol is advertised to adults only (21 in the US).
    if category == "ADV_15_139" {
        let adult = if country == Country::Us { 21 } else { 18 };
        age = AgeRange { min: age.min.max(adult), max: age.max.max(adult) };
    }
    let mut gender = weighted(
        rng,
        &[(None, 0.72), (Some(Gender::Female), 0.15), (Some(Gender::Male), 0.12), (Some(Gender::NonBinary), 0.01)],
    );
    let platform = if objective == Objective::AppInstalls {
        Some(*pick(rng, &[Platform::Ios, Platform::Android]))
    } else {
        let drawn = weighted(
            rng,
            &[
                (None, 0.78),
                (Some(Platform::Android), 0.09),
                (Some(Platform::Ios), 0.08),
                (Some(Platform::Desktop), 0.05),
            ],
        );
        drawn.filter(|_| platform_allowed(objective, drawn))
    };
    // Genres describe music listeners, so podcast ad sets target an interest instead.
    let mut interest = match weighted(rng, &[(0, 0.5), (1, 0.3), (2, 0.2)]) {
        1 => Some(*pick(rng, INTERESTS)),
        2 if placement == Placement::Music => Some(*pick(rng, GENRES)),
        2 => Some(*pick(rng, INTERESTS)),
        _ => None,
    };
    if age.min < 18 && MINOR_PROTECTION.contains(&country) {
        gender = None;
        interest = None;
    }

    let market = markets::market(country);
    let audience = |gender: Option<Gender>, interest: Option<&str>| {
        let targets = Targets {
            countries: vec![country],
            age_ranges: vec![age],
            genders: gender.into_iter().collect(),
            platforms: platform.into_iter().collect(),
            interests: interest.filter(|i| INTERESTS.contains(i)).map(str::to_owned).into_iter().collect(),
            genres: interest.filter(|g| GENRES.contains(g)).map(str::to_owned).into_iter().collect(),
            ..Targets::default()
        };
        market.audience(&targets, 0)
    };
    let mut audience_size = audience(gender, interest);
    // Too narrow to book: widen as an advertiser would, interest first, then gender.
    if audience_size < MIN_AUDIENCE && interest.is_some() {
        interest = None;
        audience_size = audience(gender, interest);
    }
    if audience_size < MIN_AUDIENCE && gender.is_some() {
        gender = None;
        audience_size = audience(gender, interest);
    }
    Targeting { age, gender, platform, interest: interest.map(str::to_owned), audience_size }
}

fn ad_set_name(country: Country, format: AssetFormat, placement: Placement, t: &Targeting) -> String {
    let mut name = format!("{country} {format} {placement} {}-{}", t.age.min, t.age.max);
    for part in
        [t.gender.map(Gender::as_str), t.platform.map(Platform::as_str), t.interest.as_deref()].into_iter().flatten()
    {
        name.push(' ');
        name.push_str(part);
    }
    name
}
