//! The evaluation's briefs: a fixed, seeded set of structured briefs (`planner::types::Brief`, no text to
//! resolve) that covers every objective, market, format and budget size.
//!
//! Start with [`generate`]. Brief `i` cycles deterministically through the objectives (`i mod 8`), the
//! markets (every market meets every objective within the first 240 briefs) and four budget sizes (under
//! €1k, €1k–5k, €5k–15k, above €15k, each drawn log-uniformly and converted to the market's currency;
//! every objective meets every size within the first 32 briefs).
//! The rest is drawn from the seed: a flight of 7–60 days starting March–December 2026 (Q4 included), an
//! adult age band, sometimes a gender or a second market, and one brief in four asks for a format (IMAGE
//! included, for the objectives whose result survives the substitution), one in eight for a placement.
//! The largest size is capped per market the way the seed caps what advertisers book. Adults only and a neutral ad
//! category, so policy changes (minors, alcohol) do not blur the comparison.

use chrono::{Days, NaiveDate};
use planner::plan::rules::formats_for;
use planner::taxonomy::{fx, markets};
use planner::types::{
    AgeRange, AssetFormat, Brief, Budget, BudgetType, Country, Currency, Gender, Objective, Placement, Schedule,
    Targets,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Budget sizes in EUR: [low, high) of each class.
const SIZES_EUR: [(f64, f64); 4] = [(300.0, 1_000.0), (1_000.0, 5_000.0), (5_000.0, 15_000.0), (15_000.0, 150_000.0)];

/// Age bands a brief may target.
const AGES: [(u8, u8); 6] = [(18, 24), (18, 34), (25, 34), (25, 44), (35, 54), (18, 65)];

/// `n` briefs from `seed`; the same arguments always give the same briefs.
pub fn generate(seed: u64, n: usize) -> Vec<Brief> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|i| brief(&mut rng, i)).collect()
}

fn brief(rng: &mut ChaCha8Rng, i: usize) -> Brief {
    let objectives = Objective::ALL;
    let countries = Country::ALL;
    let objective = objectives[i % objectives.len()];
    let country = countries[(i / objectives.len()) % countries.len()];
    let mut markets = vec![country];
    if rng.random_bool(0.15) {
        let other = countries[rng.random_range(0..countries.len())];
        if other != country {
            markets.push(other);
        }
    }
    let currency = markets::market(country).currency;
    // Brief i + 8 of an objective moves to the next size, so every objective meets every size.
    let (low, high) = SIZES_EUR[(i + i / objectives.len()) % SIZES_EUR.len()];
    // The seed's rule for what advertisers book: nobody asks for €150k in Luxembourg.
    let high = high.min(market_cap_eur(country)).max(low * 1.2);
    let eur = libm::exp(libm::log(low) + (libm::log(high) - libm::log(low)) * rng.random::<f64>());
    let amount = fx::convert((eur * 1e6) as i64, Currency::Eur, currency);
    // Whole currency units, as an advertiser would write them.
    let amount = (amount / 1_000_000).max(1) * 1_000_000;
    let first = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
    let start = first.checked_add_days(Days::new(rng.random_range(0..300))).unwrap_or(first);
    let end = start.checked_add_days(Days::new(rng.random_range(6..60))).unwrap_or(start);
    let (min, max) = AGES[rng.random_range(0..AGES.len())];
    let genders =
        if rng.random_bool(0.2) { vec![[Gender::Female, Gender::Male][rng.random_range(0..2)]] } else { vec![] };
    let formats = if rng.random_bool(0.25) {
        let producible = producible_formats(objective);
        vec![producible[rng.random_range(0..producible.len())]]
    } else {
        vec![]
    };
    let placements =
        if rng.random_bool(0.125) { vec![Placement::ALL[rng.random_range(0..Placement::ALL.len())]] } else { vec![] };
    Brief {
        objective,
        // Media and entertainment: no age or review policy applies.
        ad_category: "ADV_21_182".to_owned(),
        budget: Some(Budget { micro_amount: amount, currency, kind: BudgetType::Lifetime }),
        schedule: Some(Schedule { start, end }),
        targets: Targets { countries: markets, age_ranges: vec![AgeRange { min, max }], genders, ..Targets::default() },
        formats,
        placements,
    }
}

/// The largest campaign the seed books in a market, EUR: 200,000 USD scaled by the square root of the
/// market's size against the US (×1.5, within 10–100%).
fn market_cap_eur(country: Country) -> f64 {
    let us = markets::market(Country::Us).total_listeners() as f64;
    let here = markets::market(country).total_listeners() as f64;
    let usd = 200_000.0 * (1.5 * libm::sqrt(here / us.max(1.0))).clamp(0.1, 1.0);
    fx::convert((usd * 1e6) as i64, Currency::Usd, Currency::Eur) as f64 / 1e6
}

/// Formats a brief for `objective` may ask for and still get its result: the objective's own formats, and
/// any format for reach, impressions and clicks (whose substitute objective still counts them). IMAGE on
/// LEAD_GEN would run as impressions and produce no leads: no plan could be judged on it.
fn producible_formats(objective: Objective) -> &'static [AssetFormat] {
    match objective {
        Objective::Reach | Objective::EvenImpressionDelivery | Objective::Clicks => AssetFormat::ALL,
        other => formats_for(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_covers_every_objective_in_every_market_and_size_and_every_format() {
        let briefs = generate(1, 500);
        assert_eq!(briefs, generate(1, 500));
        for o in Objective::ALL {
            for c in Country::ALL {
                assert!(briefs.iter().any(|b| b.objective == *o && b.targets.countries[0] == *c), "{o} {c}");
            }
        }
        for f in AssetFormat::ALL {
            assert!(briefs.iter().any(|b| b.formats.contains(f)), "{f}");
        }
        for (low, high) in SIZES_EUR {
            for o in Objective::ALL {
                assert!(
                    briefs.iter().filter(|b| b.objective == *o).any(|b| {
                        let eur = b.budget.map_or(0, |x| fx::to_eur(x.micro_amount, x.currency)) as f64 / 1e6;
                        eur >= low * 0.99 && eur < high * 1.01
                    }),
                    "{o} from {low} EUR"
                );
            }
        }
    }
}
