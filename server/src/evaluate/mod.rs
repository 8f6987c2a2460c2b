//! `mixtape evaluate`: how good Mixtape's plans are, measured in the synthetic market's truth — against
//! an oracle that knows that truth and against the heuristic rules Spotify describes.
//!
//! Where to start reading: [`run`] (a fresh store seeded with the default synthetic market) or [`run_on`]
//! (any store and truth). For each brief of [`briefs::generate`] it reads the history once and plans it
//! three ways — Mixtape as shipped (`planner::plan::plan_from_history`), [`rules::plan`] and
//! [`oracle::plan`] — then scores every plan with the same simulator, [`sim`], which uses the truth's own
//! response model and never the planner's fitting code.
//!
//! The figures ([`EvalReport`]), per objective and overall, all as fractions:
//! - `share_of_oracle`: the mean over briefs of Mixtape's result ÷ the oracle's (the brief's objective's
//!   result in the median outcome, each plan spending the same budget). Each brief weighs the same,
//!   whatever its currency or size.
//! - `gain_over_rules`: Mixtape's mean oracle-normalised result ÷ the rules' − 1; the same normalisation,
//!   so one large brief cannot dominate and a brief where the rules buy nothing cannot divide by zero.
//! - `range_coverage`: over every Mixtape ad set and every seeded realisation, how often the realised
//!   result of the ad set's own objective falls within its forecast's p10–p90 (`plan_range_coverage`: the
//!   same for the plan's total result).
//! - `under_delivery_rate`: the share of Mixtape's plans whose median delivered spend is below
//!   [`UNDER_DELIVERY`] (95%) of the budget. The median outcome already includes the market's ordinary
//!   pacing shortfall (about 3%), so this flags plans the audience cannot absorb, not bad luck: an ad set
//!   trips it once its daily demand passes about 40% of its audience's frequency-capped supply (the
//!   truth's soft ceiling already bends delivery there; the seed's "likely to deliver" warning is at 50%).
//!   `undeliverable_rate` says how much of it no plan avoids ([`bound::most_delivered`]), and
//!   `deliverable_under_delivery_rate` how often Mixtape under-delivers a brief some plan delivers.
//!
//! Diagnostics beside the headline figures: `share_of_best_result` (against the best result whatever it
//! spends: what putting delivery first costs), `share_of_allocation_oracle` (the optimizer on true curves
//! over Mixtape's own candidates: the allocation part of the gap), `oracle_gain_over_rules` (the most any
//! plan of these candidates gains over the rules), `bound_gain_over_rules` and `share_of_bound` (against
//! [`bound::best_result`], the most any plan valid under SPEC §4 buys, whoever made it), `below_range`
//! (misses under p10) and `forecast_bias`, and every figure per budget size as well as per objective.

pub mod bound;
pub mod briefs;
pub mod oracle;
pub mod rules;
pub mod sim;

use std::collections::BTreeMap;
use std::path::PathBuf;

use planner::plan::{plan_from_history, query_for};
use planner::types::{Brief, Objective, Plan};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::Error;
use crate::seed::truth::Truth;
use crate::seed::{self, SeedOptions};
use crate::store::{self, Store};

/// A plan under-delivers when its median delivered spend is below this share of its budget.
pub const UNDER_DELIVERY: f64 = 0.95;

/// What to evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalOptions {
    /// How many briefs (the full run is at least 500).
    pub briefs: usize,
    /// The seed of the briefs and of the simulator's random draws.
    pub seed: u64,
    /// The seed of the synthetic market (history and truth) [`run`] creates.
    pub market_seed: u64,
    /// Campaigns of history [`run`] seeds.
    pub campaigns: u32,
    /// Random realisations per plan for the spread and the range coverage.
    pub draws: usize,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            briefs: 500,
            seed: 2026,
            market_seed: seed::DEFAULT_SEED,
            campaigns: seed::DEFAULT_CAMPAIGNS,
            draws: 50,
        }
    }
}

/// The figures of one group of briefs (one objective, or all).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Briefs evaluated (Mixtape and the oracle both planned them).
    pub briefs: usize,
    /// Mean of Mixtape's result ÷ the oracle's.
    pub share_of_oracle: f64,
    /// Mixtape's mean oracle-normalised result ÷ the rules' − 1.
    pub gain_over_rules: f64,
    /// Mean of Mixtape's result ÷ the best any plan buys when delivering the budget does not matter
    /// ([`oracle::best_result`]): the oracle's own share of it is what putting delivery first costs.
    pub share_of_best_result: f64,
    /// Mean of Mixtape's result ÷ that of the optimizer on true curves over Mixtape's own candidates: the
    /// part of the gap to the oracle that is allocation (the rest is the choice of candidates).
    pub share_of_allocation_oracle: f64,
    /// Median over Mixtape's ad sets of the median outcome ÷ the forecast p50 (1: unbiased; below 1: the
    /// forecasts promise more than the market gives).
    pub forecast_bias: f64,
    /// How often an ad set's forecast p10–p90 holds its realised result.
    pub range_coverage: f64,
    /// How often an ad set's realised result falls below its forecast's p10 (the rest of the misses are
    /// above its p90).
    pub below_range: f64,
    /// How often the plan's total forecast p10–p90 holds its realised total.
    pub plan_range_coverage: f64,
    /// Share of Mixtape's plans delivering less than 95% of their budget (median outcome).
    pub under_delivery_rate: f64,
    /// The same for the rules' plans.
    pub rules_under_delivery_rate: f64,
    /// The same for the oracle's plans.
    pub oracle_under_delivery_rate: f64,
    /// Share of briefs that no plan delivers: even the optimizer maximising delivered spend on the truth's
    /// curves, over the brief and its narrowings, stays below 95% of the budget. No planner's
    /// `under_delivery_rate` can be lower.
    pub undeliverable_rate: f64,
    /// Mixtape's under-delivery among the briefs some plan delivers.
    pub deliverable_under_delivery_rate: f64,
    /// Share of briefs where Mixtape's result is at least the rules'.
    pub beats_rules_rate: f64,
    /// Mean of the rules' result ÷ the oracle's.
    pub rules_share_of_oracle: f64,
    /// The oracle's gain over the rules on the same normalisation (1 ÷ `rules_share_of_oracle` − 1): the
    /// most any allocation of the planner's candidates could gain.
    pub oracle_gain_over_rules: f64,
    /// Mean of Mixtape's result ÷ the most any plan valid under SPEC §4 buys ([`bound::best_result`]).
    pub share_of_bound: f64,
    /// The gain over the rules of that best valid plan, on the same normalisation: no planner, the oracle
    /// included, can gain more.
    pub bound_gain_over_rules: f64,
    /// Mean of Mixtape's median delivered spend ÷ budget.
    pub delivery_rate: f64,
}

/// What `mixtape evaluate --json` prints.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EvalReport {
    /// Briefs evaluated.
    pub briefs: usize,
    /// See [`Figures::share_of_oracle`].
    pub share_of_oracle: f64,
    /// See [`Figures::gain_over_rules`].
    pub gain_over_rules: f64,
    /// See [`Figures::range_coverage`].
    pub range_coverage: f64,
    /// See [`Figures::under_delivery_rate`].
    pub under_delivery_rate: f64,
    /// Every figure, over all briefs.
    pub overall: Figures,
    /// Every figure per objective (the brief's), keyed by the objective's wire name.
    pub by_objective: BTreeMap<String, Figures>,
    /// Every figure per budget size (EUR-equivalent over the flight): `1_under_1k`, `2_1k_to_5k`,
    /// `3_5k_to_15k`, `4_over_15k` — the sizes of SPEC §4's ad-set table.
    pub by_budget_size: BTreeMap<String, Figures>,
    /// Briefs generated but left out because Mixtape or the oracle gave no plan (a question instead).
    pub skipped: usize,
    /// Briefs left out because not even the oracle's plan produces their result (a requested format that
    /// forces an objective without it, e.g. LEAD_GEN asked for on VIDEO, which runs as CLICKS).
    pub no_result: usize,
    /// Briefs where the rules found no usable history (scored as buying nothing).
    pub rules_without_plan: usize,
    /// The seeds and sizes that produced these figures.
    pub options: ReportOptions,
}

/// [`EvalOptions`] as reported.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReportOptions {
    /// Briefs generated.
    pub briefs: usize,
    /// Seed of the briefs and draws.
    pub seed: u64,
    /// Seed of the market.
    pub market_seed: u64,
    /// Realisations per plan.
    pub draws: usize,
}

/// One brief's scores.
#[derive(Clone, Debug, PartialEq)]
struct Scored {
    objective: Objective,
    size: &'static str,
    mixtape: f64,
    rules: f64,
    oracle: f64,
    allocation_oracle: f64,
    bias: Vec<f64>,
    mixtape_delivery: f64,
    rules_delivery: Option<f64>,
    oracle_delivery: f64,
    most_delivered: f64,
    best_result: f64,
    bound: f64,
    ad_set_hits: usize,
    ad_set_below: usize,
    ad_set_trials: usize,
    plan_hits: usize,
    plan_trials: usize,
}

/// Evaluates on a fresh temporary SQLite store seeded with the synthetic market of `market_seed` (the
/// default market unless told otherwise), removed afterwards.
pub async fn run(options: &EvalOptions) -> Result<EvalReport, Error> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!("mixtape-evaluate-{}-{nanos}.sqlite", std::process::id()));
    let result = evaluate_in(&path, options).await;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        // Best effort: a leftover temporary file is harmless.
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
    result
}

async fn evaluate_in(path: &std::path::Path, options: &EvalOptions) -> Result<EvalReport, Error> {
    let store = Store::connect(&store::sqlite_url(path)).await?;
    let seeded = SeedOptions { seed: options.market_seed, campaigns: options.campaigns, truth_path: None };
    seed::seed(&store, &seeded).await?;
    let report = run_on(&store, &Truth::calibrated(options.market_seed), options).await;
    store.close().await;
    report
}

/// Evaluates the briefs of `options` against a store's history and a market's truth.
pub async fn run_on(store: &Store, truth: &Truth, options: &EvalOptions) -> Result<EvalReport, Error> {
    let briefs = briefs::generate(options.seed, options.briefs);
    let mut scored = Vec::new();
    let mut skipped = 0;
    let mut rules_without_plan = 0;
    let mut no_result = 0;
    for (i, brief) in briefs.iter().enumerate() {
        let history = store.performance(&query_for(brief)).await?;
        let mixtape = plan_from_history(brief, &history).plan;
        let oracle = oracle::plan(truth, brief, &history).plan;
        let allocation_oracle = oracle::same_candidates(truth, brief, &history).plan;
        let rules = rules::plan(brief, &history);
        let (Some(mixtape), Some(oracle)) = (mixtape, oracle) else {
            skipped += 1;
            continue;
        };
        // A brief whose result no plan can produce (a requested format that forces another objective
        // without that result) says nothing about plan quality.
        if sim::expected(truth, &oracle, brief.objective).expected.brief_results <= 0.0 {
            no_result += 1;
            continue;
        }
        rules_without_plan += usize::from(rules.is_none());
        let draw_seed = options.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut one = score(truth, brief, &mixtape, rules.as_ref(), &oracle, draw_seed, options.draws);
        one.allocation_oracle =
            allocation_oracle.map_or(0.0, |p| sim::expected(truth, &p, brief.objective).expected.brief_results);
        one.most_delivered = bound::most_delivered(truth, brief);
        one.best_result = oracle::best_result(truth, brief, &history)
            .plan
            .map_or(0.0, |p| sim::expected(truth, &p, brief.objective).expected.brief_results);
        // The bound is exact on its budget grid; a plan between grid points may still buy a little more.
        one.bound = bound::best_result(truth, brief).max(one.oracle).max(one.mixtape).max(one.best_result);
        scored.push(one);
    }
    let overall = figures(&scored);
    let by_objective = Objective::ALL
        .iter()
        .map(|o| {
            let group: Vec<Scored> = scored.iter().filter(|s| s.objective == *o).cloned().collect();
            (o.as_str().to_owned(), figures(&group))
        })
        .collect();
    let mut by_budget_size: BTreeMap<String, Figures> = BTreeMap::new();
    for size in SIZES {
        let group: Vec<Scored> = scored.iter().filter(|s| s.size == size).cloned().collect();
        by_budget_size.insert(size.to_owned(), figures(&group));
    }
    Ok(EvalReport {
        briefs: overall.briefs,
        share_of_oracle: overall.share_of_oracle,
        gain_over_rules: overall.gain_over_rules,
        range_coverage: overall.range_coverage,
        under_delivery_rate: overall.under_delivery_rate,
        overall,
        by_objective,
        by_budget_size,
        skipped,
        no_result,
        rules_without_plan,
        options: ReportOptions {
            briefs: options.briefs,
            seed: options.seed,
            market_seed: options.market_seed,
            draws: options.draws,
        },
    })
}

fn score(
    truth: &Truth,
    brief: &Brief,
    mixtape: &Plan,
    rules: Option<&Plan>,
    oracle: &Plan,
    draw_seed: u64,
    draws: usize,
) -> Scored {
    let objective = brief.objective;
    let m_all = sim::expected(truth, mixtape, objective);
    let bias: Vec<f64> = mixtape
        .ad_sets
        .iter()
        .zip(&m_all.ad_sets)
        .filter(|(a, _)| a.forecast.results.p50 > 0)
        .map(|(a, d)| d.own_results / a.forecast.results.p50 as f64)
        .collect();
    let m = m_all.expected;
    let r = rules.map(|p| sim::expected(truth, p, objective).expected);
    let o = sim::expected(truth, oracle, objective).expected;
    // Coverage: each realisation of the plan against the forecast ranges of its ad sets and its total.
    let mut rng = ChaCha8Rng::seed_from_u64(draw_seed);
    let (mut ad_set_hits, mut ad_set_below, mut ad_set_trials, mut plan_hits, mut plan_trials) = (0, 0, 0, 0, 0);
    let within = |v: f64, r: &planner::types::Range| v >= r.p10 as f64 && v <= r.p90 as f64;
    for _ in 0..draws {
        let realised = sim::realise(truth, mixtape, objective, &mut rng);
        for (ad_set, d) in mixtape.ad_sets.iter().zip(&realised) {
            ad_set_trials += 1;
            ad_set_hits += usize::from(within(d.own_results, &ad_set.forecast.results));
            ad_set_below += usize::from(d.own_results < ad_set.forecast.results.p10 as f64);
        }
        plan_trials += 1;
        let total: f64 = realised.iter().map(|d| d.brief_results).sum();
        plan_hits += usize::from(within(total, &mixtape.totals.results));
    }
    Scored {
        objective,
        size: budget_size(brief),
        mixtape: m.brief_results,
        rules: r.map_or(0.0, |r| r.brief_results),
        oracle: o.brief_results,
        allocation_oracle: 0.0,
        bias,
        mixtape_delivery: m.delivery_rate(),
        rules_delivery: r.map(|r| r.delivery_rate()),
        oracle_delivery: o.delivery_rate(),
        most_delivered: 0.0,
        best_result: 0.0,
        bound: 0.0,
        ad_set_hits,
        ad_set_below,
        ad_set_trials,
        plan_hits,
        plan_trials,
    }
}

/// The budget sizes of SPEC §4's table.
const SIZES: [&str; 4] = ["1_under_1k", "2_1k_to_5k", "3_5k_to_15k", "4_over_15k"];

/// A brief's budget size, in EUR over the flight.
fn budget_size(brief: &Brief) -> &'static str {
    let eur = brief.budget.map_or(0, |b| {
        let days = brief.schedule.map_or(1, |s| s.days());
        let flight = match b.kind {
            planner::types::BudgetType::Lifetime => b.micro_amount,
            planner::types::BudgetType::Daily => b.micro_amount.saturating_mul(days),
        };
        planner::taxonomy::fx::to_eur(flight, b.currency)
    });
    match eur / 1_000_000 {
        e if e < 1_000 => SIZES[0],
        e if e < 5_000 => SIZES[1],
        e if e <= 15_000 => SIZES[2],
        _ => SIZES[3],
    }
}

fn figures(scored: &[Scored]) -> Figures {
    let n = scored.len();
    if n == 0 {
        return Figures::default();
    }
    let mean = |f: &dyn Fn(&Scored) -> f64| scored.iter().map(f).sum::<f64>() / n as f64;
    let normalised = |v: f64, s: &Scored| if s.oracle > 0.0 { v / s.oracle } else { 0.0 };
    let share = mean(&|s| normalised(s.mixtape, s));
    let rules_share = mean(&|s| normalised(s.rules, s));
    let ratio = |hits: usize, trials: usize| if trials == 0 { 0.0 } else { hits as f64 / trials as f64 };
    let rules_planned: Vec<f64> = scored.iter().filter_map(|s| s.rules_delivery).collect();
    Figures {
        briefs: n,
        share_of_oracle: share,
        gain_over_rules: if rules_share > 0.0 { share / rules_share - 1.0 } else { 0.0 },
        share_of_best_result: mean(&|s| if s.best_result > 0.0 { s.mixtape / s.best_result } else { 0.0 }),
        share_of_allocation_oracle: mean(&|s| {
            if s.allocation_oracle > 0.0 { s.mixtape / s.allocation_oracle } else { 0.0 }
        }),
        forecast_bias: sim::quantiles(scored.iter().flat_map(|s| s.bias.iter().copied()).collect()).p50,
        range_coverage: ratio(scored.iter().map(|s| s.ad_set_hits).sum(), scored.iter().map(|s| s.ad_set_trials).sum()),
        below_range: ratio(scored.iter().map(|s| s.ad_set_below).sum(), scored.iter().map(|s| s.ad_set_trials).sum()),
        plan_range_coverage: ratio(
            scored.iter().map(|s| s.plan_hits).sum(),
            scored.iter().map(|s| s.plan_trials).sum(),
        ),
        under_delivery_rate: mean(&|s| f64::from(u8::from(s.mixtape_delivery < UNDER_DELIVERY))),
        rules_under_delivery_rate: ratio(
            rules_planned.iter().filter(|d| **d < UNDER_DELIVERY).count(),
            rules_planned.len(),
        ),
        oracle_under_delivery_rate: mean(&|s| f64::from(u8::from(s.oracle_delivery < UNDER_DELIVERY))),
        undeliverable_rate: mean(&|s| f64::from(u8::from(s.most_delivered < UNDER_DELIVERY))),
        deliverable_under_delivery_rate: ratio(
            scored.iter().filter(|s| s.most_delivered >= UNDER_DELIVERY && s.mixtape_delivery < UNDER_DELIVERY).count(),
            scored.iter().filter(|s| s.most_delivered >= UNDER_DELIVERY).count(),
        ),
        beats_rules_rate: mean(&|s| f64::from(u8::from(s.mixtape >= s.rules))),
        rules_share_of_oracle: rules_share,
        oracle_gain_over_rules: if rules_share > 0.0 { 1.0 / rules_share - 1.0 } else { 0.0 },
        share_of_bound: mean(&|s| if s.bound > 0.0 { s.mixtape / s.bound } else { 0.0 }),
        bound_gain_over_rules: {
            let rules_of_bound = mean(&|s| if s.bound > 0.0 { s.rules / s.bound } else { 0.0 });
            if rules_of_bound > 0.0 { 1.0 / rules_of_bound - 1.0 } else { 0.0 }
        },
        delivery_rate: mean(&|s| s.mixtape_delivery),
    }
}

impl EvalReport {
    /// The report as a readable table: one row per objective, then the overall figures.
    pub fn to_table(&self) -> String {
        let pct = |v: f64| format!("{:.1}%", v * 100.0);
        let signed = |v: f64| format!("{:+.1}%", v * 100.0);
        let mut out = format!(
            "{:<26} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            "objective",
            "briefs",
            "of oracle",
            "vs rules",
            "rules/orc",
            "coverage",
            "plan cov",
            "under-del",
            "orc under",
            "no plan"
        );
        let row = |name: &str, f: &Figures| {
            format!(
                "{:<26} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
                name,
                f.briefs,
                pct(f.share_of_oracle),
                signed(f.gain_over_rules),
                pct(f.rules_share_of_oracle),
                pct(f.range_coverage),
                pct(f.plan_range_coverage),
                pct(f.under_delivery_rate),
                pct(f.oracle_under_delivery_rate),
                pct(f.undeliverable_rate)
            )
        };
        for (name, f) in &self.by_objective {
            out.push_str(&row(name, f));
        }
        for (name, f) in &self.by_budget_size {
            out.push_str(&row(&format!("budget {}", &name[2..]), f));
        }
        out.push_str(&row("overall", &self.overall));
        out.push_str(&format!(
            "\n{} briefs evaluated ({} without a plan and {} whose result no plan can produce left out; rules found \
             no history for {}); seeds: briefs {}, market {}; {} draws per plan.\nUnder-delivery: median \
             delivered spend below {:.0}% of the budget (\"no plan\": no plan of the brief delivers more).\nThe \
             best plan SPEC §4 allows (whoever makes it) gains {} over the rules; Mixtape reaches {} of it.\n",
            self.briefs,
            self.skipped,
            self.no_result,
            self.rules_without_plan,
            self.options.seed,
            self.options.market_seed,
            self.options.draws,
            UNDER_DELIVERY * 100.0,
            signed(self.overall.bound_gain_over_rules),
            pct(self.overall.share_of_bound)
        ));
        out
    }
}
