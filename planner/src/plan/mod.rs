//! The media planner: a complete brief plus historical ad sets in, ad-set recommendations out.
//!
//! Where to start reading: [`plan_from_history`], which runs the steps in order:
//! 1. `allocate::BudgetFrame` — the budget in integer units and the 250 USD-equivalent minimum per ad set
//!    (a budget below it gets a question, not a plan);
//! 2. `candidates` — every combination the Ads API accepts ([`rules`]), scored on the evidence the way
//!    Spotify's planner does, then re-ranked by the result each one's fitted model forecasts
//!    (`rank_by_forecast`, which also decides the countries a small budget covers), and the selection:
//!    how many ad sets the budget buys (SPEC §4's EUR table), never two with the same format and
//!    objective in a country;
//! 3. `policy` — each ad set's targeting (one country, alcohol ages, minors), frequency caps;
//! 4. `model` and `curve` — saturating response curves per ad set from its history, pooled toward a
//!    prior when thin, in prices corrected for the season and the audience's narrowness (`history`);
//! 5. `allocate` — the budget split at equal marginal return, rounded to micros that add up exactly;
//! 6. `forecast` and `describe` — p10/p50/p90 forecasts, evidence, names and reasons.
//!
//! [`plan_with_responses`] runs the same steps but allocates on response curves the caller supplies (the
//! evaluator's oracle gives it the synthetic market's true response); no surface plans with it.
//!
//! Everything is deterministic: history is put in a canonical order first, ties break on total orders,
//! transcendental maths is `libm`, and money is integer micros outside the models.

mod allocate;
mod candidates;
mod curve;
pub mod describe;
mod forecast;
mod history;
mod model;
mod notes;
mod policy;
pub mod rules;

use std::collections::BTreeMap;

use self::allocate::BudgetFrame;
pub use self::allocate::Response;
use self::candidates::{Candidate, CountryOptions, Scored, Wanted};
use self::describe::{Share, money_ceil, usd_to_micros};
use self::history::History;
pub use self::history::Supply;
use self::model::{Cell, CellModel, DEFAULT_DELIVERY, Metric};
use self::notes::Notes;
use self::policy::{CategoryPolicy, Notice};
use crate::performance::{PerformanceAnswer, PerformanceQuery, PerformanceSource, SourceError};
use crate::taxonomy::{cities, markets};
use crate::types::{
    AdSet, AssetFormat, BidStrategy, Brief, Budget, BudgetType, Country, Evidence, Forecast, Money, Objective,
    Placement, Plan, Range, Schedule, Targets, Totals,
};

/// What the planner decided for a complete brief.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PlanOutcome {
    /// The plan, or `None` when the budget cannot fund even one ad set (then `question` says so).
    pub plan: Option<Plan>,
    /// Notices for the user: policy changes, countries left out, objective substitutions.
    pub assumptions: Vec<String>,
    /// A question instead of a plan (budget below one ad set's minimum).
    pub question: Option<String>,
    /// Each ad set's response curve, in the plan's ad-set order (for charts; not part of the plan's JSON).
    pub curves: Vec<ResponseCurve>,
}

/// One ad set's fitted response: the expected result the budget was allocated on (the brief's result, or
/// reach, impressions or clicks) as a function of the ad set's spend over the flight.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseCurve {
    /// The ad set's name.
    pub ad_set: String,
    /// What is measured ("reach", "clicks", …), or `None` when the ad set cannot add to it.
    pub metric: Option<&'static str>,
    /// The ad set's budget over the flight, micro-units of the plan's currency.
    pub chosen_micros: i64,
    /// Samples from zero to twice the chosen spend: (spend over the flight in micro-units, expected result).
    pub points: Vec<(i64, f64)>,
}

/// Samples per curve beyond zero.
const CURVE_SAMPLES: i64 = 40;
/// Half-octave steps an ad set's delivery is sampled at for the allocator (40: a factor of a million).
const DELIVERY_KNOTS: i32 = 40;

/// The history query a brief needs: its countries and their neighbours (`markets::neighbours`, pooled
/// into thin cells), its objective, every objective a requested format forces instead, and even
/// impression delivery (the broad baseline of every market).
pub fn query_for(brief: &Brief) -> PerformanceQuery {
    let countries = with_neighbours(&brief.targets.countries);
    let mut objectives = vec![brief.objective, Objective::EvenImpressionDelivery];
    objectives.extend(brief.formats.iter().map(|f| rules::nearest_objective(brief.objective, *f)));
    objectives.sort();
    objectives.dedup();
    PerformanceQuery { countries, objectives }
}

/// The markets whose history a plan for `countries` reads: each and its neighbours, sorted, once each.
pub fn with_neighbours(countries: &[Country]) -> Vec<Country> {
    let mut all: Vec<Country> =
        countries.iter().flat_map(|c| std::iter::once(*c).chain(markets::neighbours(*c))).collect();
    all.sort();
    all.dedup();
    all
}

/// Plans a complete brief (budget settled, schedule and at least one country known) from history.
pub fn plan_from_history(brief: &Brief, history: &PerformanceAnswer) -> PlanOutcome {
    match Planner::new(brief) {
        Ok(planner) => planner.plan(&History::new(&history.ad_sets)),
        Err(question) => PlanOutcome { question: Some(question), ..PlanOutcome::default() },
    }
}

/// What a supplied response curve is asked for: one chosen ad set of the plan, and the quantity the budget
/// is allocated on (the brief's result, or the reach, impressions or clicks it counts).
#[derive(Clone, Copy, Debug)]
pub struct CurveRequest<'a> {
    /// Market.
    pub country: Country,
    /// Format.
    pub format: AssetFormat,
    /// Placements the ad set runs on.
    pub placements: &'a [Placement],
    /// The ad set's objective.
    pub objective: Objective,
    /// The brief's objective: the result the curve must count.
    pub brief_objective: Objective,
    /// The ad set's targeting (one country, policy applied).
    pub targets: &'a Targets,
    /// Listeners the targeting reaches.
    pub audience: u64,
    /// First day of the flight.
    pub start: chrono::NaiveDate,
    /// Flight length in days.
    pub days: u32,
    /// The whole plan's budget over the flight, USD (the range the curve must hold over).
    pub plan_budget_usd: f64,
}

/// Plans like [`plan_from_history`], but allocates the budget on response curves the caller supplies
/// instead of those fitted from history (candidates, targeting and forecasts still come from history).
/// This is the seam an evaluator uses to run the same optimizer on the market's true response: the
/// planner itself never calls it.
pub fn plan_with_responses(
    brief: &Brief,
    history: &PerformanceAnswer,
    responses: &dyn Fn(&CurveRequest<'_>) -> Response,
) -> PlanOutcome {
    match Planner::new(brief) {
        Ok(mut planner) => {
            planner.supplied = Some(responses);
            planner.plan(&History::new(&history.ad_sets))
        }
        Err(question) => PlanOutcome { question: Some(question), ..PlanOutcome::default() },
    }
}

/// Fetches the history a brief needs and plans it.
pub async fn make_plan<S: PerformanceSource>(brief: &Brief, source: &S) -> Result<PlanOutcome, SourceError> {
    let history = source.fetch(&query_for(brief)).await?;
    Ok(plan_from_history(brief, &history))
}

/// The number of ad sets a budget buys (SPEC §4, in EUR over the whole flight, so a daily budget counts
/// × days): under 1,000 one; under 5,000 two; up to 15,000 three; above, four, and five from 50,000 —
/// where a fifth ad set still gets a meaningful budget.
pub fn ad_sets_for_budget(eur_micros: i64) -> usize {
    const EUR: i64 = 1_000_000;
    match eur_micros {
        m if m < 1_000 * EUR => 1,
        m if m < 5_000 * EUR => 2,
        m if m <= 15_000 * EUR => 3,
        m if m < 50_000 * EUR => 4,
        _ => 5,
    }
}

/// A brief that can be planned, and what the planner derives from it up front.
struct Planner<'a> {
    brief: &'a Brief,
    schedule: Schedule,
    days: f64,
    frame: BudgetFrame,
    countries: Vec<Country>,
    policy: CategoryPolicy,
    /// Response curves supplied by the caller instead of the fitted ones ([`plan_with_responses`]).
    supplied: Option<&'a dyn Fn(&CurveRequest<'_>) -> Response>,
}

/// A chosen ad set on its way to the plan.
struct Draft {
    scored: Scored,
    targets: Targets,
    audience: u64,
    model: CellModel,
    notices: Vec<Notice>,
}

impl<'a> Planner<'a> {
    /// Checks the brief is complete and the budget funds at least one ad set; otherwise the question.
    fn new(brief: &'a Brief) -> Result<Self, String> {
        let mut countries: Vec<Country> = Vec::new();
        for c in &brief.targets.countries {
            if !countries.contains(c) {
                countries.push(*c);
            }
        }
        let (budget, schedule) = match (brief.budget, brief.schedule, countries.is_empty()) {
            (Some(b), Some(s), false) => (b, s),
            (b, s, no_country) => {
                let missing: Vec<&str> = [(b.is_none(), "budget"), (s.is_none(), "dates"), (no_country, "countries")]
                    .into_iter()
                    .filter_map(|(m, name)| m.then_some(name))
                    .collect();
                return Err(format!("To make a plan I still need the {}.", missing.join(", ")));
            }
        };
        if budget.micro_amount <= 0 {
            return Err("What budget should the plan spend?".to_owned());
        }
        if schedule.days() < 1 {
            return Err("The schedule ends before it starts: what are the start and end dates?".to_owned());
        }
        let frame = BudgetFrame::new(budget, schedule.days());
        if frame.max_ad_sets() == 0 {
            return Err(notes::minimum_question(&frame, schedule.days()));
        }
        let policy = policy::category_policy(&brief.ad_category);
        Ok(Planner { brief, schedule, days: schedule.days() as f64, frame, countries, policy, supplied: None })
    }

    fn plan(&self, history: &History) -> PlanOutcome {
        let mut notes = Notes::default();
        notes::category(&mut notes, &self.brief.ad_category, self.policy);
        if history.rows.is_empty() {
            notes.push(notes::NO_HISTORY);
        }
        let Some((drafts, n)) = self.choose(history, &mut notes) else {
            return PlanOutcome {
                assumptions: notes.into_vec(),
                question: Some(notes::NO_COMBINATION.to_owned()),
                ..PlanOutcome::default()
            };
        };
        let (ad_sets, curves) = self.finish(drafts, &mut notes);
        notes::formats(&mut notes, self.brief, &ad_sets, n);
        let totals = self.totals(&ad_sets);
        PlanOutcome { plan: Some(Plan { ad_sets, totals }), assumptions: notes.into_vec(), question: None, curves }
    }

    /// How many ad sets, in which countries, and which ones: ranked candidates, selected and drafted.
    fn choose(&self, history: &History, notes: &mut Notes) -> Option<(Vec<Draft>, usize)> {
        let candidates: Vec<Vec<Candidate>> =
            self.countries.iter().map(|c| candidates::enumerate(self.brief, *c)).collect();
        let pairs = candidates.first().map_or(0, |c| candidates::distinct_pairs(c));
        let max_sets = self.frame.max_ad_sets();
        let funded = self.countries.len().min(max_sets);
        let n = ad_sets_for_budget(self.frame.eur_micros()).max(funded).min(max_sets).min(funded * pairs);
        if n == 0 {
            return None;
        }
        let wanted = Wanted {
            objective: self.brief.objective,
            targets: &self.brief.targets,
            budget_usd: self.frame.usd(self.frame.total_units()) / n as f64,
            days: self.days,
        };
        let mut options: Vec<CountryOptions> = candidates
            .into_iter()
            .filter_map(|cs| {
                let country = cs.first()?.country;
                CountryOptions::new(history, cs, wanted, self.country_audience(country))
            })
            .collect();
        for o in &mut options {
            self.rank_by_forecast(history, o, n);
        }
        let kept = keep_countries(options, funded, notes);
        let picks = candidates::select(&kept, n);
        Some((picks.into_iter().map(|p| self.draft(history, p, n)).collect(), n))
    }

    /// Re-scores a country's candidates by the result their fitted models forecast for an equal share of
    /// the budget, as a share of the best forecast: what the plan would buy, where the rules' score only
    /// describes the evidence. Candidates that cannot pursue the brief's objective keep their (negative)
    /// score, so they still come last. The best forecast is kept as the country's `best_forecast`.
    fn rank_by_forecast(&self, history: &History, options: &mut CountryOptions, n: usize) {
        let per_ad_set = self.frame.usd(self.frame.total_units()) / n as f64;
        // Each single-placement candidate's forecast, computed once: an ad set on several placements
        // splits its delivery among them, so it buys the mean of what each alone would.
        let mut single: BTreeMap<Candidate, f64> = BTreeMap::new();
        let mut values = Vec::with_capacity(options.ranked.len());
        for scored in &options.ranked {
            let metric = self.optimised_metric(scored.candidate.objective).filter(|_| scored.score >= 0.0);
            let Some(metric) = metric else {
                values.push(0.0);
                continue;
            };
            let placements = &scored.candidate.placements;
            let mut total = 0.0;
            for p in placements {
                let one = Candidate { placements: vec![*p], ..scored.candidate.clone() };
                total += *single.entry(one.clone()).or_insert_with(|| {
                    let draft = self.draft(history, Scored { candidate: one, ..scored.clone() }, n);
                    draft.model.expect(metric, per_ad_set, draft.audience as f64, self.days)
                });
            }
            let value = total / placements.len().max(1) as f64;
            values.push(if value.is_finite() { value } else { 0.0 });
        }
        let best = values.iter().copied().fold(0.0, f64::max);
        options.best_forecast = best;
        if best <= 0.0 {
            return;
        }
        for (scored, value) in options.ranked.iter_mut().zip(values) {
            if scored.score >= 0.0 {
                scored.score = value / best;
            }
        }
        options.ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.candidate.cmp(&b.candidate)));
    }

    /// Targeting, audience and fitted models of a chosen candidate.
    fn draft(&self, history: &History, scored: Scored, n: usize) -> Draft {
        let c = &scored.candidate;
        let (targets, notices) =
            policy::ad_set_targets(&self.brief.targets, c.country, &c.placements, c.objective, c.store, self.policy);
        let audience = audience(&targets, c.country);
        let per_ad_set = self.frame.usd(self.frame.total_units()) / n as f64;
        let typical_x = per_ad_set / Metric::Impressions.exposure(c.objective, audience as f64, self.days);
        let cell = Cell { country: c.country, format: c.format, placements: &c.placements, objective: c.objective };
        let price = history.prices.factor(c.country, audience as f64, self.schedule.start, self.days);
        let model = CellModel::build(history, cell, typical_x, self.days, price);
        Draft { scored, targets, audience, model, notices }
    }

    /// The metric the budget is allocated on for an ad set: the brief's result when the ad set pursues the
    /// brief's objective, else the same quantity if the ad set's model has it (reach, impressions, clicks)
    /// — an ad set that cannot produce the brief's result has nothing to add at the margin.
    fn optimised_metric(&self, ad_set_objective: Objective) -> Option<Metric> {
        let wanted = Metric::for_objective(self.brief.objective);
        (ad_set_objective == self.brief.objective || wanted != Metric::Results).then_some(wanted)
    }

    fn response(&self, d: &Draft) -> Response {
        match (self.optimised_metric(d.scored.candidate.objective), self.supplied) {
            (Some(_), Some(supplied)) => {
                let c = &d.scored.candidate;
                supplied(&CurveRequest {
                    country: c.country,
                    format: c.format,
                    placements: &c.placements,
                    objective: c.objective,
                    brief_objective: self.brief.objective,
                    targets: &d.targets,
                    audience: d.audience,
                    start: self.schedule.start,
                    days: u32::try_from(self.schedule.days()).unwrap_or(u32::MAX),
                    plan_budget_usd: self.frame.usd(self.frame.total_units()),
                })
            }
            (Some(metric), None) => {
                let (audience, days) = (d.audience as f64, self.days);
                let exposure = metric.exposure(d.model.objective, audience, days);
                let curve = d.model.get(metric).curve;
                let usual = d.model.delivery(0.0, audience, days);
                Response::new(
                    exposure * curve.asymptote,
                    exposure * curve.scale * d.model.price / usual.max(0.05),
                    self.delivery_by_budget(d),
                )
            }
            (None, _) => Response::flat(),
        }
    }

    /// An ad set's expected delivery as a function of its budget in USD, read off its model on a log grid
    /// from a millionth of the plan's budget to four times it: what the allocator needs to keep money
    /// where the audience can absorb it.
    fn delivery_by_budget(&self, d: &Draft) -> Supply {
        let top = 4.0 * self.frame.usd(self.frame.total_units());
        let knots = (0..=DELIVERY_KNOTS)
            .rev()
            .map(|k| {
                let usd = top * libm::exp2(-(k as f64) / 2.0);
                (usd, d.model.delivery(usd, d.audience as f64, self.days))
            })
            .collect();
        Supply::from_knots(knots)
    }

    /// Allocates the budget and turns drafts into ad sets, sorted by country then budget, with their curves.
    fn finish(&self, drafts: Vec<Draft>, notes: &mut Notes) -> (Vec<AdSet>, Vec<ResponseCurve>) {
        let frame = &self.frame;
        let total = frame.total_units();
        let (total_usd, min_usd) = (frame.usd(total), frame.usd(frame.min_units));
        let responses: Vec<Response> = drafts.iter().map(|d| self.response(d)).collect();
        let split = allocate::optimise(&responses, total_usd, min_usd);
        if split.short() {
            notes::supply(notes, split.delivered);
        } else if split.traded {
            notes::spread(notes);
        }
        let budgets = split.budgets;
        let above: Vec<f64> = budgets.iter().map(|b| b - min_usd).collect();
        let units = allocate::to_units(&above, total, frame.min_units);
        let mut grouped: BTreeMap<Notice, Vec<Country>> = BTreeMap::new();
        let single = drafts.len() == 1;
        let all_flat = !responses.iter().any(Response::usable);
        let bound: Vec<bool> = above.iter().map(|a| *a <= total_usd * 1e-6).collect();
        let free = bound.iter().filter(|b| !**b).count();
        let mut ad_sets: Vec<(AdSet, ResponseCurve)> = Vec::new();
        let rows = drafts.into_iter().zip(units).zip(bound).zip(&responses);
        for (((draft, units), bound), response) in rows {
            let flat = !response.usable();
            for n in &draft.notices {
                let list = grouped.entry(*n).or_default();
                if !list.contains(&draft.scored.candidate.country) {
                    list.push(draft.scored.candidate.country);
                }
            }
            let share = match (single, all_flat, flat, bound, free) {
                (true, ..) => Share::Whole,
                (_, true, ..) => Share::Even(percent(units, total)),
                (_, _, true, ..) => Share::NoResult,
                (_, _, _, true, _) => Share::Minimum,
                (_, _, _, _, 1) => Share::Rest(percent(units, total)),
                _ => Share::Balanced(percent(units, total)),
            };
            let metric = self.optimised_metric(draft.scored.candidate.objective);
            let ad_set = self.ad_set(draft, units, share);
            let curve = self.curve(&ad_set, units, metric, response);
            ad_sets.push((ad_set, curve));
        }
        notes::policy(notes, &grouped, self.brief.objective);
        let order = |c: Country| self.countries.iter().position(|x| *x == c).unwrap_or(usize::MAX);
        ad_sets.sort_by(|(a, _), (b, _)| {
            order(a.country)
                .cmp(&order(b.country))
                .then(b.budget.micro_amount.cmp(&a.budget.micro_amount))
                .then_with(|| a.name.cmp(&b.name))
        });
        ad_sets.into_iter().unzip()
    }

    /// Samples an ad set's response from zero to twice its budget.
    fn curve(&self, ad_set: &AdSet, units: i64, metric: Option<Metric>, response: &Response) -> ResponseCurve {
        let points = (0..=CURVE_SAMPLES)
            .map(|k| {
                // In i128: a brief's budget may be near the top of i64.
                let x = i64::try_from(i128::from(units) * 2 * i128::from(k) / i128::from(CURVE_SAMPLES))
                    .unwrap_or(i64::MAX);
                (self.frame.flight_micros(x), if metric.is_some() { response.at(self.frame.usd(x)) } else { 0.0 })
            })
            .collect();
        ResponseCurve {
            ad_set: ad_set.name.clone(),
            metric: metric.map(|_| forecast::result_name(self.brief.objective)),
            chosen_micros: self.frame.flight_micros(units),
            points,
        }
    }

    fn ad_set(&self, d: Draft, units: i64, share: Share) -> AdSet {
        let c = &d.scored.candidate;
        let stats = &d.scored.stats;
        let currency = self.frame.budget.currency;
        let delivery = stats.delivery.unwrap_or(DEFAULT_DELIVERY);
        // What this budget will deliver on this audience, which the history's median cannot say.
        let expected_delivery = d.model.delivery(self.frame.usd(units), d.audience as f64, self.days);
        let forecast = forecast::forecast(forecast::Inputs {
            model: &d.model,
            objective: c.objective,
            budget_usd: self.frame.usd(units),
            flight_micros: self.frame.flight_micros(units),
            currency,
            audience: d.audience,
            days: self.days,
            delivery: expected_delivery,
        });
        let spend = forecast::spend_micros(self.frame.flight_micros(units), expected_delivery);
        let evidence = Evidence {
            comparable_campaigns: u32::try_from(stats.comparable).unwrap_or(u32::MAX),
            median_cpm: Money {
                micro_amount: stats.cpm.map_or(forecast.cpm.micro_amount, |v| usd_to_micros(v, currency)),
                currency,
            },
            median_delivery_rate_permille: forecast::count(delivery * 1000.0).min(u64::from(u32::MAX)) as u32,
            median_cost_per_result: Money {
                micro_amount: stats
                    .cost_per_result
                    .map_or(forecast.cost_per_result.micro_amount, |v| usd_to_micros(v, currency)),
                currency,
            },
        };
        let reason = describe::reason(describe::ReasonInputs {
            candidate: c,
            stats,
            basis: d.model.basis,
            currency,
            fallback_cost: fallback_cost(c.objective, &forecast, spend),
            share,
            minimum: &self.minimum_label(),
            optimised: forecast::result_name(self.brief.objective),
        });
        AdSet {
            name: describe::name(c),
            country: c.country,
            asset_format: c.format,
            placements: c.placements.clone(),
            objective: c.objective,
            category: self.brief.ad_category.clone(),
            budget: Budget { micro_amount: units, currency, kind: self.frame.budget.kind },
            start_time: format!("{}T00:00:00Z", self.schedule.start),
            end_time: format!("{}T23:59:59Z", self.schedule.end),
            bid_strategy: BidStrategy::MaxBid,
            bid_micro_amount: bid_cap(evidence.median_cpm.micro_amount.max(forecast.cpm.micro_amount)),
            targets: d.targets,
            frequency_caps: policy::frequency_caps(c.objective),
            forecast,
            evidence,
            reason,
        }
    }

    fn totals(&self, ad_sets: &[AdSet]) -> Totals {
        let sum = |f: &dyn Fn(&AdSet) -> Range| {
            ad_sets.iter().map(f).fold(Range::default(), |a, r| Range {
                p10: a.p10.saturating_add(r.p10),
                p50: a.p50.saturating_add(r.p50),
                p90: a.p90.saturating_add(r.p90),
            })
        };
        let brief_objective = self.brief.objective;
        Totals {
            budget: Budget { micro_amount: ad_sets.iter().map(|a| a.budget.micro_amount).sum(), ..self.frame.budget },
            impressions: sum(&|a| a.forecast.impressions),
            reach: sum(&|a| a.forecast.reach),
            clicks: sum(&|a| a.forecast.clicks),
            results: sum(&|a| brief_result(a, brief_objective)),
            result_name: forecast::result_name(brief_objective).to_owned(),
        }
    }

    /// "R$ 1,600", or "R$ 54 a day" for a daily budget.
    fn minimum_label(&self) -> String {
        let b = self.frame.budget;
        match b.kind {
            BudgetType::Lifetime => money_ceil(self.frame.min_units, b.currency),
            BudgetType::Daily => format!("{} a day", money_ceil(self.frame.min_units, b.currency)),
        }
    }

    fn country_audience(&self, country: Country) -> u64 {
        let targets = Targets { countries: vec![country], ..self.brief.targets.clone() };
        audience(&targets, country)
    }
}

/// Keeps the `funded` countries whose best candidate is forecast to buy the most of the brief's result
/// (more comparable campaigns, then the brief's order, breaking ties), in the brief's order, and names the
/// rest.
fn keep_countries(options: Vec<CountryOptions>, funded: usize, notes: &mut Notes) -> Vec<CountryOptions> {
    if options.len() <= funded {
        return options;
    }
    let evidence = |o: &CountryOptions| o.ranked.first().map_or(0, |s| s.stats.comparable);
    let mut order: Vec<usize> = (0..options.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&options[i], &options[j]);
        b.best_forecast.total_cmp(&a.best_forecast).then(evidence(b).cmp(&evidence(a))).then(i.cmp(&j))
    });
    order.truncate(funded);
    let (kept, left): (Vec<_>, Vec<_>) = options.into_iter().enumerate().partition(|(i, _)| order.contains(i));
    let countries = |v: &[(usize, CountryOptions)]| v.iter().map(|(_, o)| o.country).collect::<Vec<_>>();
    notes::left_out(notes, &countries(&kept), &countries(&left));
    kept.into_iter().map(|(_, o)| o).collect()
}

/// Listeners the targets can reach in a country (its cities' population narrows it).
fn audience(targets: &Targets, country: Country) -> u64 {
    let city_population: u64 =
        targets.cities.iter().filter_map(|c| cities::get(c, country)).map(|c| c.population).sum();
    markets::market(country).audience(targets, city_population)
}

/// `part` as a whole percentage of `total`.
fn percent(part: i64, total: i64) -> u32 {
    if total <= 0 {
        return 0;
    }
    let p = (i128::from(part) * 200 + i128::from(total)) / (2 * i128::from(total));
    u32::try_from(p.clamp(0, 100)).unwrap_or(0)
}

/// An ad set's contribution to the brief's result: its own result when it pursues the brief's objective,
/// else the matching forecast quantity (reach, impressions, clicks) or nothing.
fn brief_result(a: &AdSet, objective: Objective) -> Range {
    if a.objective == objective {
        return a.forecast.results;
    }
    match Metric::for_objective(objective) {
        Metric::Reach => a.forecast.reach,
        Metric::Impressions => a.forecast.impressions,
        Metric::Clicks => a.forecast.clicks,
        Metric::Results => Range::default(),
    }
}

/// The objective's cost metric from the forecast, when history has none to quote.
fn fallback_cost(objective: Objective, f: &Forecast, spend: i64) -> i64 {
    match objective {
        Objective::Reach | Objective::EvenImpressionDelivery => f.cpm.micro_amount,
        Objective::Clicks | Objective::WebsiteVisits => forecast::per(spend, f.clicks.p50, 1),
        _ => f.cost_per_result.micro_amount,
    }
}

/// A CPM bid cap 20% above the expected CPM, rounded up to two significant whole units, so the ad set
/// can win the auctions its forecast assumes without overpaying.
fn bid_cap(cpm_micros: i64) -> i64 {
    let target = i128::from(cpm_micros.max(0)) * 12 / 10;
    let mut units = ((target + 999_999) / 1_000_000).max(1);
    let mut step = 1;
    while units / step >= 100 {
        step *= 10;
    }
    units = (units + step - 1) / step * step;
    i64::try_from(units * 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{AgeRange, AssetFormat, Placement};

    #[test]
    fn ad_set_count_follows_the_eur_table() {
        let eur = |e: i64| e * 1_000_000;
        assert_eq!(ad_sets_for_budget(eur(999)), 1);
        assert_eq!(ad_sets_for_budget(eur(1_000)), 2);
        assert_eq!(ad_sets_for_budget(eur(4_999)), 2);
        assert_eq!(ad_sets_for_budget(eur(5_000)), 3);
        assert_eq!(ad_sets_for_budget(eur(15_000)), 3);
        assert_eq!(ad_sets_for_budget(eur(15_001)), 4);
        assert_eq!(ad_sets_for_budget(eur(60_000)), 5);
    }

    #[test]
    fn bid_caps_are_round_and_above_the_cpm() {
        assert_eq!(bid_cap(23_000_000), 28_000_000);
        assert_eq!(bid_cap(2_880_000_000), 3_500_000_000);
        assert_eq!(bid_cap(0), 1_000_000);
        for cpm in [1, 999_999, 15_000_000, 123_456_789] {
            assert!(bid_cap(cpm) >= cpm * 12 / 10);
        }
    }

    #[test]
    fn percentages_round() {
        assert_eq!(percent(41, 100), 41);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(5, 0), 0);
    }

    /// A market where impressions saturate like `x / (x + k)` (not the planner's form), audio cheaper than
    /// video, with deterministic pseudo-noise.
    fn saturating_history() -> Vec<crate::performance::HistoricalAdSet> {
        let mut rows = Vec::new();
        for (format, cpm) in [(AssetFormat::Audio, 14.0), (AssetFormat::Video, 20.0)] {
            for objective in [Objective::Reach, Objective::EvenImpressionDelivery] {
                for i in 0..24 {
                    let mut row = history::tests::row(Country::Se, crate::types::Currency::Usd, 0, 0);
                    let budget = 300.0 * libm::pow(1.35, f64::from(i));
                    let audience = [40_000.0, 150_000.0, 600_000.0][i as usize % 3];
                    let noise = 1.0 + (f64::from((i * 7919) % 13) - 6.0) / 40.0;
                    let (cap, k) = (0.3, 0.3 * cpm / 1000.0);
                    let x = budget / (audience * 30.0);
                    let imps = audience * 30.0 * cap * x / (x + k) * noise;
                    let reach = audience * (1.0 - libm::exp(-imps / (audience * 3.0)));
                    row.asset_format = format;
                    row.objective = objective;
                    row.booked_micros = (budget * 1e6) as i64;
                    row.spend_micros = ((imps * cpm / 1000.0).min(budget) * 1e6) as i64;
                    row.impressions = imps as u64;
                    row.reach = reach as u64;
                    row.results = if objective == Objective::Reach { reach as u64 } else { imps as u64 };
                    row.audience_size = audience as u64;
                    rows.push(row);
                }
            }
        }
        rows
    }

    fn reach_brief(amount_usd: i64, ages: AgeRange) -> Brief {
        let mut b = candidates::tests::brief(Objective::Reach);
        b.targets.countries = vec![Country::Se];
        b.targets.age_ranges = vec![ages];
        b.placements = vec![Placement::Music];
        b.budget = Some(Budget {
            micro_amount: amount_usd * 1_000_000,
            currency: crate::types::Currency::Usd,
            kind: BudgetType::Lifetime,
        });
        b
    }

    /// The drafts' fitted responses, the optimal split, the total and the minimum (USD).
    struct Fitted {
        responses: Vec<Response>,
        budgets: Vec<f64>,
        total: f64,
        min: f64,
    }

    fn fitted(b: &Brief) -> Fitted {
        let planner = Planner::new(b).expect("plannable");
        let history = History::new(&saturating_history());
        let (drafts, _) = planner.choose(&history, &mut Notes::default()).expect("drafts");
        let responses: Vec<Response> = drafts.iter().map(|d| planner.response(d)).collect();
        let total = planner.frame.usd(planner.frame.total_units());
        let min = planner.frame.usd(planner.frame.min_units);
        Fitted { budgets: allocate::optimise(&responses, total, min).budgets, responses, total, min }
    }

    #[test]
    fn more_than_the_audiences_absorb_is_shared_by_capacity_and_said() {
        // A narrow audience and a big budget: in this history delivery falls long before that.
        let b = reach_brief(150_000, AgeRange { min: 18, max: 19 });
        let Fitted { responses, budgets, total, .. } = fitted(&b);
        assert_eq!(responses.len(), 2);
        let room: f64 = responses.iter().map(|r| r.capacity).sum();
        assert!(room < total, "{responses:?}");
        // No split delivers here, so the allocator keeps the one that spends most: by the tightest capacity.
        let tightest = |r: &Response| r.delivery.capacity_within(allocate::TIGHTER_SLACKS[3]);
        let over: Vec<f64> = responses.iter().zip(&budgets).map(|(r, s)| s / tightest(r)).collect();
        assert!((over[0] - over[1]).abs() < 1e-9 * over[0], "{over:?}");
        let outcome = plan_from_history(&b, &PerformanceAnswer { ad_sets: saturating_history() });
        assert!(outcome.assumptions.iter().any(|a| a.contains("absorbed only about")), "{:?}", outcome.assumptions);
        // The forecast spends what the audience takes, not the budget.
        let plan = outcome.plan.expect("plan");
        for a in &plan.ad_sets {
            let spend = a.forecast.cpm.micro_amount as f64 * a.forecast.impressions.p50 as f64 / 1000.0;
            assert!(spend < a.budget.micro_amount as f64 * 0.8, "{spend} of {}", a.budget.micro_amount);
        }
        // And the integer split loses nothing measurable against the float one.
        let units: Vec<f64> = plan.ad_sets.iter().map(|a| a.budget.micro_amount as f64 / 1e6).collect();
        let mut sorted_budgets = budgets.clone();
        sorted_budgets.sort_by(|a, b| b.total_cmp(a));
        for (u, f) in units.iter().zip(&sorted_budgets) {
            assert!((u - f).abs() < 0.01, "{units:?} vs {budgets:?}");
        }
    }

    #[test]
    fn a_cheap_unsaturated_ad_set_takes_the_rest_and_the_dear_one_its_minimum() {
        // A broad audience and a modest budget: curves are nearly linear, so the cheaper format takes
        // everything above the other's minimum.
        let b = reach_brief(6_000, AgeRange { min: 18, max: 65 });
        let Fitted { responses, budgets, total, min } = fitted(&b);
        let value = |split: &[f64]| responses.iter().zip(split).map(|(r, s)| r.at(*s)).sum::<f64>();
        assert!(value(&budgets) > value(&[total / 2.0, total / 2.0]));
        assert!(budgets.iter().any(|s| (s - min).abs() < 1e-6), "{budgets:?}");
        let outcome = plan_from_history(&b, &PerformanceAnswer { ad_sets: saturating_history() });
        let plan = outcome.plan.expect("plan");
        assert!(plan.ad_sets[0].reason.contains("gets the rest"), "{}", plan.ad_sets[0].reason);
        assert!(plan.ad_sets[1].reason.contains("minimum"), "{}", plan.ad_sets[1].reason);
        assert_eq!(plan.ad_sets[0].asset_format, AssetFormat::Audio);
    }

    #[test]
    fn the_query_covers_substituted_objectives() {
        let mut b = candidates::tests::brief(Objective::LeadGen);
        b.formats = vec![AssetFormat::Video];
        let q = query_for(&b);
        assert!(q.objectives.contains(&Objective::Clicks) && q.objectives.contains(&Objective::LeadGen));
        // Brazil and its neighbours, sorted.
        assert_eq!(q.countries, vec![Country::Mx, Country::Br, Country::Ar, Country::Co]);
    }
}
