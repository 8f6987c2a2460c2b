//! "Spotify's rules": the heuristic media planner Spotify describes (reference `spotify-ads-ai.md` §3),
//! rebuilt as the baseline Mixtape must beat. It reads the same history Mixtape reads and emits ad sets in
//! the same plan types, so the simulator scores both identically.
//!
//! Start with [`plan`]. The reference publishes the criteria but not their weights, so each criterion is a
//! score in [0, 1] and they count equally (§3.2's "defensible reading"):
//! 1. historical ad sets of the brief's markets and objective (or the objective a requested format forces);
//! 2. scored on cost against the median of their market and objective (CPM for reach and impressions, CPC
//!    for clicks and visits, cost per result otherwise), delivery rate near 100%, budget and duration
//!    similarity to the brief, and targeting overlap;
//! 3. the best per (format, objective) pair, never two alike in a country;
//! 4. as many as the budget table says (1 under €1k, 2 up to €5k, 3 up to €15k, 4–5 above), no more than the
//!    250 USD minimum per ad set allows, taken round-robin across the brief's countries;
//! 5. the budget split evenly, in integer micro-units that add up exactly.

use planner::performance::{HistoricalAdSet, PerformanceAnswer};
use planner::plan::ad_sets_for_budget;
use planner::plan::rules::nearest_objective;
use planner::taxonomy::fx;
use planner::types::{
    AdSet, BidStrategy, Brief, Budget, BudgetType, Country, Currency, Evidence, Forecast, Money, Objective, Plan,
    Range, Targets, Totals,
};

use super::sim::audience;

/// The minimum an ad set spends over its flight, USD micros (the self-serve minimum).
const MIN_USD_MICROS: i64 = 250_000_000;

/// The rules' plan for a brief, or `None` when the history holds nothing usable or the budget cannot fund
/// one ad set.
pub fn plan(brief: &Brief, history: &PerformanceAnswer) -> Option<Plan> {
    let budget = brief.budget?;
    let schedule = brief.schedule?;
    let days = u32::try_from(schedule.days()).ok().filter(|d| *d > 0)?;
    let flight = match budget.kind {
        BudgetType::Lifetime => budget.micro_amount,
        BudgetType::Daily => budget.micro_amount.saturating_mul(i64::from(days)),
    };
    let minimum = fx::convert(MIN_USD_MICROS, Currency::Usd, budget.currency).max(1);
    let fundable = usize::try_from(flight / minimum).unwrap_or(0);
    let wanted = ad_sets_for_budget(fx::to_eur(flight, budget.currency)).min(fundable);
    if wanted == 0 {
        return None;
    }
    let per_ad_set_usd = fx::to_usd(flight, budget.currency) as f64 / 1e6 / wanted as f64;

    // The best historical ad sets of each country, one per (format, objective).
    let mut per_country: Vec<Vec<&HistoricalAdSet>> = Vec::new();
    for &country in &brief.targets.countries {
        if per_country.iter().any(|list| list.first().is_some_and(|a| a.country == country)) {
            continue;
        }
        let rows: Vec<&HistoricalAdSet> = history.ad_sets.iter().filter(|a| eligible(brief, country, a)).collect();
        let mut scored: Vec<(f64, &HistoricalAdSet)> =
            rows.iter().map(|a| (score(brief, a, &rows, per_ad_set_usd, days), *a)).collect();
        scored.sort_by(|(x, a), (y, b)| y.total_cmp(x).then_with(|| order(a, b)));
        let mut kept: Vec<&HistoricalAdSet> = Vec::new();
        for (_, a) in scored {
            if !kept.iter().any(|k| k.asset_format == a.asset_format && k.objective == a.objective) {
                kept.push(a);
            }
        }
        if !kept.is_empty() {
            per_country.push(kept);
        }
    }
    let mut picks: Vec<&HistoricalAdSet> = Vec::new();
    for round in 0.. {
        let before = picks.len();
        for list in &per_country {
            if picks.len() < wanted
                && let Some(a) = list.get(round)
            {
                picks.push(a);
            }
        }
        if picks.len() == before || picks.len() >= wanted {
            break;
        }
    }
    if picks.is_empty() {
        return None;
    }

    // An even split in the brief's units; the remainder goes to the first ad sets, a micro each.
    let units = budget.micro_amount;
    let n = picks.len() as i64;
    let ad_sets: Vec<AdSet> = picks
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let amount = units / n + i64::from((i as i64) < units % n);
            ad_set(brief, a, Budget { micro_amount: amount, ..budget }, schedule.start, schedule.end)
        })
        .collect();
    let zero = Range::default();
    let totals = Totals {
        budget: Budget { micro_amount: ad_sets.iter().map(|a| a.budget.micro_amount).sum(), ..budget },
        impressions: zero,
        reach: zero,
        clicks: zero,
        results: zero,
        result_name: String::new(),
    };
    Some(Plan { ad_sets, totals })
}

/// Whether a historical ad set is one the brief could repeat in `country`: the brief's objective (or, for
/// a requested format, the objective that format forces), format and placement when the brief names them.
fn eligible(brief: &Brief, country: Country, a: &HistoricalAdSet) -> bool {
    let objective_ok = if brief.formats.is_empty() {
        a.objective == brief.objective
    } else {
        brief.formats.contains(&a.asset_format) && a.objective == nearest_objective(brief.objective, a.asset_format)
    };
    a.country == country
        && objective_ok
        && (brief.placements.is_empty() || brief.placements.contains(&a.placement))
        && a.booked_micros > 0
}

/// A total order for ties, so the rules are deterministic whatever order the store answers in.
fn order(a: &HistoricalAdSet, b: &HistoricalAdSet) -> std::cmp::Ordering {
    (a.asset_format, a.placement, a.objective, a.start, a.booked_micros, a.audience_size).cmp(&(
        b.asset_format,
        b.placement,
        b.objective,
        b.start,
        b.booked_micros,
        b.audience_size,
    ))
}

/// The objective's cost metric of a historical ad set, in its currency per unit (`None` without units).
fn cost(a: &HistoricalAdSet) -> Option<f64> {
    let units = match a.objective {
        Objective::Reach | Objective::EvenImpressionDelivery => a.impressions as f64 / 1000.0,
        Objective::Clicks | Objective::WebsiteVisits => a.clicks as f64,
        _ => a.results as f64,
    };
    (units > 0.0).then(|| a.spend_micros as f64 / units)
}

/// The mean of the five criteria, each in [0, 1].
fn score(brief: &Brief, a: &HistoricalAdSet, peers: &[&HistoricalAdSet], budget_usd: f64, days: u32) -> f64 {
    // Cost against the median of the same market and objective: at the median 0.5, half the median 1.
    let mut costs: Vec<f64> = peers.iter().filter(|p| p.objective == a.objective).filter_map(|p| cost(p)).collect();
    costs.sort_by(f64::total_cmp);
    let cost_score = match (cost(a), costs.get(costs.len() / 2)) {
        (Some(c), Some(median)) if c > 0.0 => (median / c / 2.0).min(1.0),
        _ => 0.0,
    };
    let delivery = a.spend_micros as f64 / a.booked_micros as f64;
    let delivery_score = (1.0 - (1.0 - delivery).abs()).max(0.0);
    let booked_usd = fx::to_usd(a.booked_micros, a.currency) as f64 / 1e6;
    let budget_score = similarity(booked_usd, budget_usd);
    let duration_score = similarity(f64::from(a.duration_days), f64::from(days));
    let targeting_score = overlap(&brief.targets, a);
    (cost_score + delivery_score + budget_score + duration_score + targeting_score) / 5.0
}

/// 1 for equal positive numbers, falling with their log ratio (½ at a factor of e).
fn similarity(x: f64, y: f64) -> f64 {
    if x <= 0.0 || y <= 0.0 {
        return 0.0;
    }
    libm::exp(-libm::fabs(libm::log(x / y)))
}

/// Targeting overlap: the mean of age overlap (Jaccard of the year ranges) and agreement on gender,
/// platform and interest (an unrestricted side matches a restricted one half-way).
fn overlap(targets: &Targets, a: &HistoricalAdSet) -> f64 {
    let (lo, hi) = targets
        .age_ranges
        .iter()
        .fold(None, |acc: Option<(u8, u8)>, r| Some(acc.map_or((r.min, r.max), |(l, h)| (l.min(r.min), h.max(r.max)))))
        .unwrap_or((13, 99));
    let inter = f64::from(hi.min(a.age_max)) - f64::from(lo.max(a.age_min)) + 1.0;
    let union = f64::from(hi.max(a.age_max)) - f64::from(lo.min(a.age_min)) + 1.0;
    let age = if union > 0.0 { (inter / union).max(0.0) } else { 0.0 };
    let agree = |wanted: bool, had: bool, same: bool| match (wanted, had) {
        (false, false) => 1.0,
        (true, true) if same => 1.0,
        (true, true) => 0.0,
        _ => 0.5,
    };
    let gender =
        agree(!targets.genders.is_empty(), a.gender.is_some(), a.gender.is_some_and(|g| targets.genders.contains(&g)));
    let platform = agree(
        !targets.platforms.is_empty(),
        a.platform.is_some(),
        a.platform.is_some_and(|p| targets.platforms.contains(&p)),
    );
    let wanted_interests: Vec<&String> = targets.interests.iter().chain(&targets.genres).collect();
    let interest = agree(
        !wanted_interests.is_empty(),
        a.interest.is_some(),
        a.interest.as_ref().is_some_and(|i| wanted_interests.contains(&i)),
    );
    (age + gender + platform + interest) / 4.0
}

/// A historical ad set repeated for the brief: its format, placement and objective, the brief's targeting
/// in its country (an app-install ad set keeps its one store platform), the brief's schedule.
fn ad_set(
    brief: &Brief,
    a: &HistoricalAdSet,
    budget: Budget,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> AdSet {
    let mut targets = Targets { countries: vec![a.country], ..brief.targets.clone() };
    if a.objective == Objective::AppInstalls {
        targets.platforms = a.platform.into_iter().collect();
    }
    let audience_size = audience(&targets, a.country);
    let money = |micro_amount| Money { micro_amount, currency: budget.currency };
    let zero = Range::default();
    AdSet {
        name: format!("Rules · {} · {} · {}", a.country, a.asset_format, a.objective),
        country: a.country,
        asset_format: a.asset_format,
        placements: vec![a.placement],
        objective: a.objective,
        category: brief.ad_category.clone(),
        budget,
        start_time: format!("{start}T00:00:00Z"),
        end_time: format!("{end}T23:59:59Z"),
        bid_strategy: BidStrategy::MaxBid,
        bid_micro_amount: 0,
        targets,
        frequency_caps: Vec::new(),
        forecast: Forecast {
            impressions: zero,
            reach: zero,
            clicks: zero,
            results: zero,
            result_name: String::new(),
            cost_per_result: money(0),
            cpm: money(0),
            audience_size,
        },
        evidence: Evidence {
            comparable_campaigns: 0,
            median_cpm: money(0),
            median_delivery_rate_permille: 0,
            median_cost_per_result: money(0),
        },
        reason: "Spotify's rules: best-scoring historical ad set for its format and objective, even split.".to_owned(),
    }
}
