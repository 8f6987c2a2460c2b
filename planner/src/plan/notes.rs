//! What the plan tells the user besides the ad sets: assumptions (policy changes, objective substitutions,
//! countries or formats left out) and the question asked instead of a plan.
//!
//! Start with [`Notes`]; each function below adds one kind of assumption, worded once for the whole plan
//! (countries grouped) rather than once per ad set.

use std::collections::BTreeMap;

use super::allocate::BudgetFrame;
use super::describe::{format_label, money, money_ceil};
use super::policy::{CategoryPolicy, Notice};
use crate::taxonomy::categories;
use crate::types::{AdSet, AssetFormat, Brief, BudgetType, Country, Objective, Placement, Platform};

/// Said when the history answer is empty.
pub const NO_HISTORY: &str =
    "No historical performance was available for these markets: forecasts use conservative defaults.";

/// Asked when nothing the brief allows can run (not reachable with the current rules, kept as a guard).
pub const NO_COMBINATION: &str =
    "None of the requested formats and placements can run together: which format should the plan use?";

/// Assumptions in order, without repeats.
#[derive(Debug, Default)]
pub struct Notes(Vec<String>);

impl Notes {
    /// Adds a note unless it is already there.
    pub fn push(&mut self, text: &str) {
        if !self.0.iter().any(|t| t == text) {
            self.0.push(text.to_owned());
        }
    }

    /// The notes, in the order they were added.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// Alcohol and gambling categories.
pub fn category(notes: &mut Notes, category_id: &str, policy: CategoryPolicy) {
    let label =
        categories::get(category_id).map_or_else(|| category_id.to_owned(), |c| format!("{category_id} ({})", c.name));
    if policy.alcohol {
        notes.push(&format!("Alcohol category {label}: ad sets target 18+ (21+ in the US)."));
    }
    if policy.gambling {
        notes.push(&format!(
            "Gambling category {label}: flagged for review — gambling ads need Spotify's approval and run only where local law allows."
        ));
    }
}

/// A budget larger than the planned audiences absorb: the share of it they are expected to deliver.
pub fn supply(notes: &mut Notes, absorbed: f64) {
    let percent = (absorbed * 100.0).clamp(1.0, 99.0).floor();
    notes.push(&format!(
        "In past campaigns, audiences like these absorbed only about {percent:.0}% of a budget this size over this flight: expect part of it to go unspent. Widen the targeting, add a market or lengthen the flight to spend it all."
    ));
}

/// A split that gives up some result so that the whole budget is spent.
pub fn spread(notes: &mut Notes) {
    notes.push(
        "Audiences deliver less of a budget as it grows, so part of this one goes to ad sets with more room than the best performer's: the plan gives up a little of its result to spend all of it.",
    );
}

/// Countries the budget could not cover.
pub fn left_out(notes: &mut Notes, kept: &[Country], left: &[Country]) {
    let names = |v: &[Country]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
    notes.push(&format!(
        "The budget funds {} of {} countries at the 250 USD-equivalent minimum per ad set: planned {} (where the evidence forecasts the most); left out {}.",
        kept.len(),
        kept.len() + left.len(),
        names(kept),
        names(left)
    ));
}

/// Targeting the policy changed, one line per kind naming the countries.
pub fn policy(notes: &mut Notes, grouped: &BTreeMap<Notice, Vec<Country>>, objective: Objective) {
    for (notice, countries) in grouped {
        let list = countries.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
        let text = match notice {
            Notice::AlcoholAges => {
                format!("Alcohol: age ranges raised to the legal minimum in {list}.")
            }
            Notice::MinorsTargetingDropped => format!(
                "The audience includes minors, so interest, genre and gender targeting were dropped in {list} (not allowed for under-18s in the US, GB and EU)."
            ),
            Notice::AdultsOnlyForTargeting => format!(
                "Interest, genre and gender targeting may not reach under-18s in the US, GB and EU, so the ad sets in {list} target 18+."
            ),
            Notice::TopicsNeedPodcast => {
                format!("Podcast topics only apply on podcasts: the music-only ad sets in {list} run without them.")
            }
            Notice::DesktopNotAllowed => {
                format!("{objective} can't target desktop: the ad sets in {list} target mobile (ANDROID, IOS) instead.")
            }
        };
        notes.push(&text);
    }
}

/// Objective substitutions, placements a format could not use, app-install stores, and requested formats
/// the budget left out (`n` ad sets were planned).
pub fn formats(notes: &mut Notes, brief: &Brief, ad_sets: &[AdSet], n: usize) {
    for &format in AssetFormat::ALL {
        match ad_sets.iter().find(|a| a.asset_format == format) {
            Some(a) => format_changes(notes, brief, a),
            None if brief.formats.contains(&format) => notes.push(&format!(
                "The budget supports {n} ad set{}, so no {} ad set was planned.",
                if n == 1 { "" } else { "s" },
                format_label(format)
            )),
            None => {}
        }
    }
    let installs = ad_sets.iter().any(|a| a.objective == Objective::AppInstalls);
    let platforms = &brief.targets.platforms;
    let stores = [Platform::Ios, Platform::Android].iter().filter(|p| platforms.contains(p)).count();
    if installs && platforms.contains(&Platform::Desktop) {
        notes.push("APP_INSTALLS can't target DESKTOP: each app-install ad set targets one store (IOS or ANDROID).");
    } else if installs && stores != 1 {
        notes.push("APP_INSTALLS ad sets target exactly one store each (IOS or ANDROID).");
    }
}

/// What the Ads API changed about one format's ad sets: its objective, its placements.
fn format_changes(notes: &mut Notes, brief: &Brief, a: &AdSet) {
    let format = a.asset_format;
    if a.objective != brief.objective {
        notes.push(&format!(
            "{format} can't run with {}: the {} ad sets use {}, the nearest valid objective.",
            brief.objective,
            format_label(format),
            a.objective
        ));
    }
    let asked: Vec<Placement> = Placement::ALL.iter().copied().filter(|p| brief.placements.contains(p)).collect();
    if !asked.is_empty() && a.placements != asked {
        let why = if format == AssetFormat::Image {
            "IMAGE never runs on PODCAST".to_owned()
        } else {
            format!("{} runs on MUSIC only", a.objective)
        };
        notes.push(&format!("{why}: the {} ad sets run on MUSIC.", format_label(format)));
    }
}

/// The question when the budget cannot fund one ad set, stating the minimum in the brief's currency.
pub fn minimum_question(frame: &BudgetFrame, days: i64) -> String {
    let b = frame.budget;
    match b.kind {
        BudgetType::Lifetime => format!(
            "Each ad set needs at least {} over the flight (the 250 USD-equivalent minimum), and {} is below that. Can you raise the budget to {} or more?",
            money_ceil(frame.min_units, b.currency),
            money(b.micro_amount, b.currency),
            money_ceil(frame.min_units, b.currency)
        ),
        BudgetType::Daily => format!(
            "Each ad set needs at least {} a day over this {days}-day flight (250 USD-equivalent in total), and {} a day is below that. Can you raise the daily budget to {} or more?",
            money_ceil(frame.min_units, b.currency),
            money(b.micro_amount, b.currency),
            money_ceil(frame.min_units, b.currency)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Budget, Currency};

    #[test]
    fn notes_keep_order_and_drop_repeats() {
        let mut n = Notes::default();
        n.push("b");
        n.push("a");
        n.push("b");
        assert_eq!(n.into_vec(), vec!["b", "a"]);
    }

    #[test]
    fn the_minimum_question_states_an_amount_that_is_enough() {
        let budget = Budget { micro_amount: 100_000_000, currency: Currency::Eur, kind: BudgetType::Lifetime };
        let q = minimum_question(&BudgetFrame::new(budget, 30), 30);
        assert!(q.contains("€214") && q.contains("€100"), "{q}");
        let daily = Budget { kind: BudgetType::Daily, micro_amount: 5_000_000, ..budget };
        let q = minimum_question(&BudgetFrame::new(daily, 30), 30);
        assert!(q.contains("€7.13 a day") && q.contains("30-day"), "{q}");
    }
}
