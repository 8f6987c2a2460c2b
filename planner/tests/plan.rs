//! The media planner against a small synthetic market.
//!
//! The market here deliberately does not share the planner's functional form: delivery saturates like
//! Michaelis–Menten (`x / (x + k)`), not `1 − exp`, with log-normal noise, per-market price levels and
//! under-delivery when the audience is small for the budget. Every Ads API rule is checked here
//! independently of `planner::plan::rules`.

use chrono::NaiveDate;
use planner::performance::{HistoricalAdSet, InMemory, PerformanceAnswer};
use planner::plan::{PlanOutcome, make_plan, plan_from_history, query_for};
use planner::taxonomy::{fx, markets};
use planner::types::{
    AgeRange, AssetFormat, Brief, Budget, BudgetType, Country, Currency, FrequencyUnit, Gender, Objective, Placement,
    Plan, Platform, Schedule, Targets,
};
use proptest::prelude::*;

/// A tiny deterministic generator (Knuth's MMIX LCG), so the planner needs no `rand`.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[((self.next() * items.len() as f64) as usize).min(items.len() - 1)]
    }
}

const MARKETS: [(Country, f64); 8] = [
    (Country::Us, 1.3),
    (Country::Br, 0.55),
    (Country::Mx, 0.5),
    (Country::Ar, 0.45),
    (Country::Gb, 1.2),
    (Country::De, 1.1),
    (Country::Se, 1.0),
    (Country::Jp, 1.15),
];

/// Per-impression rate of each objective's result.
fn result_rate(objective: Objective, format: AssetFormat) -> f64 {
    let ctr = if format == AssetFormat::Audio { 0.0015 } else { 0.006 };
    match objective {
        Objective::WebsiteVisits => ctr * 0.7,
        Objective::VideoViews => 0.35,
        Objective::AppInstalls => ctr * 0.12,
        Objective::PodcastStreams => 0.005,
        Objective::LeadGen => ctr * 0.08,
        _ => 0.0,
    }
}

fn market_history(seed: u64, per_cell: usize) -> Vec<HistoricalAdSet> {
    let mut rng = Lcg(seed);
    let mut out = Vec::new();
    let combos: &[(AssetFormat, Placement, &[Objective])] = &[
        (
            AssetFormat::Audio,
            Placement::Music,
            &[
                Objective::Reach,
                Objective::EvenImpressionDelivery,
                Objective::Clicks,
                Objective::WebsiteVisits,
                Objective::AppInstalls,
                Objective::PodcastStreams,
                Objective::LeadGen,
            ],
        ),
        (
            AssetFormat::Audio,
            Placement::Podcast,
            &[
                Objective::Reach,
                Objective::EvenImpressionDelivery,
                Objective::Clicks,
                Objective::PodcastStreams,
                Objective::LeadGen,
            ],
        ),
        (
            AssetFormat::Video,
            Placement::Music,
            &[
                Objective::Reach,
                Objective::EvenImpressionDelivery,
                Objective::Clicks,
                Objective::VideoViews,
                Objective::AppInstalls,
            ],
        ),
        (AssetFormat::Video, Placement::Podcast, &[Objective::Reach]),
        (AssetFormat::Image, Placement::Music, &[Objective::EvenImpressionDelivery]),
    ];
    for (country, price) in MARKETS {
        let market = markets::market(country);
        let currency = market.currency;
        for &(format, placement, objectives) in combos {
            for &objective in objectives {
                for _ in 0..per_cell {
                    let budget_usd = 300.0 * (rng.next() * 5.0).exp();
                    let days = rng.pick(&[7u32, 14, 21, 30, 45, 60]);
                    let age = rng.pick(&[(18u8, 24u8), (18, 34), (25, 44), (18, 99), (35, 54)]);
                    let gender = rng.pick(&[None, None, Some(Gender::Female), Some(Gender::Male)]);
                    let platform = if objective == Objective::AppInstalls {
                        Some(rng.pick(&[Platform::Ios, Platform::Android]))
                    } else {
                        None
                    };
                    let interest = rng.pick(&[None, None, Some("gaming"), Some("fitness"), Some("hip-hop")]);
                    let targets = Targets {
                        age_ranges: vec![AgeRange { min: age.0, max: age.1 }],
                        genders: gender.into_iter().collect(),
                        platforms: platform.into_iter().collect(),
                        interests: interest.filter(|i| *i != "hip-hop").map(String::from).into_iter().collect(),
                        genres: interest.filter(|i| *i == "hip-hop").map(String::from).into_iter().collect(),
                        ..Targets::default()
                    };
                    let audience = market.audience(&targets, 0).max(1000) as f64;
                    let format_price = match format {
                        AssetFormat::Audio => 1.0,
                        AssetFormat::Video => 1.4,
                        AssetFormat::Image => 0.6,
                    };
                    let placement_price = if placement == Placement::Podcast { 1.15 } else { 1.0 };
                    let cpm = 16.0 * price * format_price * placement_price * (0.18 * rng.normal()).exp();
                    // Michaelis–Menten saturation of impressions per listener-day.
                    let cap = 0.3;
                    let k = cap * cpm / 1000.0;
                    let x = budget_usd / (audience * f64::from(days));
                    let imps = audience * f64::from(days) * cap * x / (x + k) * (0.1 * rng.normal()).exp();
                    let spend_usd = (imps * cpm / 1000.0).min(budget_usd);
                    let reach = (audience * (1.0 - (-imps / (audience * 3.0)).exp())).min(imps);
                    let ctr = if format == AssetFormat::Audio { 0.0015 } else { 0.006 };
                    let clicks = imps * ctr * (0.3 * rng.normal()).exp();
                    let results = match objective {
                        Objective::Reach => reach,
                        Objective::EvenImpressionDelivery => imps,
                        Objective::Clicks => clicks,
                        _ => imps * result_rate(objective, format) * (0.35 * rng.normal()).exp(),
                    };
                    let to_micros = |usd: f64| (usd / fx::usd_per_unit(currency) * 1e6) as i64;
                    out.push(HistoricalAdSet {
                        country,
                        asset_format: format,
                        placement,
                        objective,
                        start: NaiveDate::from_ymd_opt(2025, 1 + (rng.next() * 11.0) as u32, 1).expect("date"),
                        duration_days: days,
                        currency,
                        booked_micros: to_micros(budget_usd),
                        spend_micros: to_micros(spend_usd),
                        impressions: imps as u64,
                        reach: reach as u64,
                        clicks: clicks as u64,
                        completes: (imps * 0.93) as u64,
                        results: results as u64,
                        audience_size: audience as u64,
                        age_min: age.0,
                        age_max: age.1,
                        gender,
                        platform,
                        interest: interest.map(String::from),
                    });
                }
            }
        }
    }
    out
}

fn history() -> &'static InMemory {
    static H: std::sync::OnceLock<InMemory> = std::sync::OnceLock::new();
    H.get_or_init(|| InMemory(market_history(7, 12)))
}

fn april() -> Schedule {
    Schedule {
        start: NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
        end: NaiveDate::from_ymd_opt(2026, 4, 30).expect("date"),
    }
}

fn brief(objective: Objective, countries: &[Country], amount: i64, currency: Currency, kind: BudgetType) -> Brief {
    Brief {
        objective,
        ad_category: "ADV_23_217".into(),
        budget: Some(Budget { micro_amount: amount, currency, kind }),
        schedule: Some(april()),
        targets: Targets { countries: countries.to_vec(), ..Targets::default() },
        formats: vec![],
        placements: vec![],
    }
}

fn plan(b: &Brief) -> PlanOutcome {
    plan_from_history(b, &history().answer(&query_for(b)))
}

fn plan_of(b: &Brief) -> Plan {
    let outcome = plan(b);
    outcome.plan.unwrap_or_else(|| panic!("no plan: {:?}", outcome.question))
}

fn flight_usd(a: &planner::types::AdSet, days: i64) -> i64 {
    let flight = match a.budget.kind {
        BudgetType::Lifetime => a.budget.micro_amount,
        BudgetType::Daily => a.budget.micro_amount.saturating_mul(days),
    };
    fx::to_usd(flight, a.budget.currency)
}

/// Every rule of SPEC §4 and the Ads API a plan must satisfy, written out independently of the planner.
fn check_plan(b: &Brief, p: &Plan) {
    let budget = b.budget.expect("budget");
    let days = b.schedule.expect("schedule").days();
    assert!(!p.ad_sets.is_empty());
    let sum: i64 = p.ad_sets.iter().map(|a| a.budget.micro_amount).sum();
    assert_eq!(sum, budget.micro_amount, "ad-set budgets add up to the brief");
    assert_eq!(p.totals.budget, budget);
    for (i, a) in p.ad_sets.iter().enumerate() {
        let ctx = format!("{} in {b:?}", a.name);
        assert_eq!(a.budget.currency, budget.currency, "{ctx}");
        assert_eq!(a.budget.kind, budget.kind, "{ctx}");
        assert!(flight_usd(a, days) >= 250_000_000, "{ctx}: at least 250 USD");
        assert!(b.targets.countries.contains(&a.country), "{ctx}");
        assert_eq!(a.targets.countries, vec![a.country], "{ctx}: one country per ad set");
        for other in &p.ad_sets[i + 1..] {
            assert!(
                !(other.country == a.country && other.asset_format == a.asset_format && other.objective == a.objective),
                "{ctx}: duplicate format + objective"
            );
        }
        // Ads API combinations.
        assert!(!a.placements.is_empty(), "{ctx}");
        if a.asset_format == AssetFormat::Image {
            assert!(!a.placements.contains(&Placement::Podcast), "{ctx}: IMAGE on PODCAST");
        }
        match a.objective {
            Objective::VideoViews => {
                assert_eq!(a.asset_format, AssetFormat::Video, "{ctx}");
                assert_eq!(a.placements, vec![Placement::Music], "{ctx}");
                assert!(!a.targets.platforms.is_empty() && !a.targets.platforms.contains(&Platform::Desktop), "{ctx}");
            }
            Objective::AppInstalls => {
                assert!(a.targets.platforms == [Platform::Ios] || a.targets.platforms == [Platform::Android], "{ctx}");
                assert_ne!(a.asset_format, AssetFormat::Image, "{ctx}");
            }
            Objective::Reach | Objective::Clicks | Objective::WebsiteVisits => {
                assert_ne!(a.asset_format, AssetFormat::Image, "{ctx}")
            }
            Objective::PodcastStreams | Objective::LeadGen => {
                assert_eq!(a.asset_format, AssetFormat::Audio, "{ctx}")
            }
            Objective::EvenImpressionDelivery => {}
        }
        if !b.formats.is_empty() {
            assert!(b.formats.contains(&a.asset_format), "{ctx}: requested formats");
        }
        if a.objective != b.objective {
            assert!(!b.formats.is_empty(), "{ctx}: objective changed only for a requested format");
        }
        if !a.placements.contains(&Placement::Podcast) {
            assert!(a.targets.podcast_topics.is_empty(), "{ctx}: topics without PODCAST");
        }
        for city in &a.targets.cities {
            assert!(planner::taxonomy::cities::get(city, a.country).is_some(), "{ctx}: city of another country");
        }
        // Schedule, bid, caps.
        assert_eq!(a.start_time, format!("{}T00:00:00Z", april().start), "{ctx}");
        assert_eq!(a.end_time, format!("{}T23:59:59Z", april().end), "{ctx}");
        assert!(a.bid_micro_amount > 0, "{ctx}");
        assert_eq!(a.category, b.ad_category);
        for cap in &a.frequency_caps {
            let limit = match cap.frequency_unit {
                FrequencyUnit::Day => 5,
                FrequencyUnit::Week => 35,
                FrequencyUnit::Month => 50,
            };
            assert!(cap.max_impressions >= 1 && cap.max_impressions <= limit && cap.frequency_period >= 1, "{ctx}");
        }
        // Forecast.
        let f = &a.forecast;
        for r in [f.impressions, f.reach, f.clicks, f.results] {
            assert!(r.p10 <= r.p50 && r.p50 <= r.p90, "{ctx}: {r:?}");
        }
        assert!(f.reach.p90 <= f.audience_size, "{ctx}: reach above audience");
        assert!(f.reach.p50 <= f.impressions.p50 && f.clicks.p50 <= f.impressions.p50, "{ctx}");
        assert_eq!(f.cpm.currency, budget.currency);
        assert!(!a.reason.is_empty() && !a.reason.contains("NaN") && !a.reason.contains("inf"), "{ctx}");
    }
    let p50: u64 = p.ad_sets.iter().map(|a| a.forecast.impressions.p50).sum();
    assert_eq!(p.totals.impressions.p50, p50);
}

#[test]
fn awkward_amounts_add_up_exactly() {
    let cases = [
        (9_999_500_000, Currency::Usd, BudgetType::Lifetime, vec![Country::Us]),
        (3_000_000_000_000, Currency::Jpy, BudgetType::Lifetime, vec![Country::Jp]),
        (333_330_000, Currency::Eur, BudgetType::Daily, vec![Country::De, Country::Se]),
        (50_000_000_001, Currency::Brl, BudgetType::Lifetime, vec![Country::Br, Country::Mx, Country::Ar]),
        (77_777_777, Currency::Usd, BudgetType::Daily, vec![Country::Us]),
    ];
    for (amount, currency, kind, countries) in cases {
        for objective in [Objective::Reach, Objective::EvenImpressionDelivery, Objective::AppInstalls] {
            let b = brief(objective, &countries, amount, currency, kind);
            check_plan(&b, &plan_of(&b));
        }
    }
}

#[test]
fn the_number_of_ad_sets_follows_the_eur_table() {
    let eur = |e: i64| e * 1_000_000;
    let count = |objective, countries: &[Country], amount| {
        plan_of(&brief(objective, countries, amount, Currency::Eur, BudgetType::Lifetime)).ad_sets.len()
    };
    let even = Objective::EvenImpressionDelivery; // three formats, so three ad sets fit in one country
    assert_eq!(count(even, &[Country::De], eur(900)), 1);
    assert_eq!(count(even, &[Country::De], eur(3_000)), 2);
    assert_eq!(count(even, &[Country::De], eur(10_000)), 3);
    assert_eq!(count(even, &[Country::De], eur(40_000)), 3, "capped by distinct combinations");
    assert_eq!(count(even, &[Country::De, Country::Se], eur(40_000)), 4);
    assert_eq!(count(even, &[Country::De, Country::Se], eur(90_000)), 5);
    assert_eq!(count(Objective::Reach, &[Country::De], eur(90_000)), 2, "REACH has two formats");
    // Multi-country: at least one per country while the budget allows.
    assert_eq!(count(Objective::Reach, &[Country::De, Country::Se, Country::Gb], eur(2_000)), 3);
    // A daily budget counts over the flight: 200 EUR a day for 30 days is 6,000 EUR.
    let daily = brief(even, &[Country::De], eur(200), Currency::Eur, BudgetType::Daily);
    assert_eq!(plan_of(&daily).ad_sets.len(), 3);
}

#[test]
fn a_budget_below_one_ad_set_gets_a_question() {
    let b = brief(Objective::Reach, &[Country::Br], 1_000_000_000, Currency::Brl, BudgetType::Lifetime);
    let out = plan(&b);
    assert!(out.plan.is_none());
    let q = out.question.expect("question");
    assert!(q.contains("R$ 1,368"), "{q}"); // 250 USD at the reference rate, rounded up
    let daily = brief(Objective::Reach, &[Country::Us], 8_000_000, Currency::Usd, BudgetType::Daily);
    let out = plan(&daily);
    assert!(out.plan.is_none() && out.question.expect("question").contains("a day"));
    // Just enough: exactly the minimum plans one ad set.
    let enough = brief(Objective::Reach, &[Country::Us], 250_000_000, Currency::Usd, BudgetType::Lifetime);
    assert_eq!(plan_of(&enough).ad_sets.len(), 1);
}

#[test]
fn a_budget_too_small_for_every_country_leaves_some_out_and_says_so() {
    let countries = [Country::Us, Country::Br, Country::Mx, Country::Ar, Country::Gb];
    let b = brief(Objective::Reach, &countries, 800_000_000, Currency::Usd, BudgetType::Lifetime);
    let out = plan(&b);
    let p = out.plan.expect("plan");
    assert_eq!(p.ad_sets.len(), 3);
    let planned: Vec<Country> = p.ad_sets.iter().map(|a| a.country).collect();
    let note = out.assumptions.iter().find(|a| a.contains("left out")).expect("assumption");
    let left: Vec<&str> = note.split("left out ").nth(1).expect("list").trim_end_matches('.').split(", ").collect();
    assert_eq!(left.len(), 2, "{note}");
    for c in countries {
        assert_ne!(planned.contains(&c), left.contains(&c.as_str()), "{c}: {note}");
    }
    check_plan(&b, &p);
}

#[test]
fn a_budget_for_one_of_two_countries_goes_where_it_buys_the_most() {
    // Impressions cost 2.6 times as much in the US as in Mexico, whichever is named first.
    for countries in [[Country::Us, Country::Mx], [Country::Mx, Country::Us]] {
        let b = brief(Objective::EvenImpressionDelivery, &countries, 400_000_000, Currency::Usd, BudgetType::Lifetime);
        let out = plan(&b);
        let p = out.plan.expect("plan");
        assert!(p.ad_sets.iter().all(|a| a.country == Country::Mx), "{:?}", p.ad_sets);
        assert!(out.assumptions.iter().any(|a| a.contains("planned MX") && a.contains("left out US")));
    }
}

#[test]
fn a_format_the_objective_cannot_use_switches_objective_with_an_assumption() {
    let mut b = brief(Objective::Reach, &[Country::Br], 30_000_000_000, Currency::Brl, BudgetType::Lifetime);
    b.formats = vec![AssetFormat::Image, AssetFormat::Audio];
    let out = plan(&b);
    let p = out.plan.expect("plan");
    let image = p.ad_sets.iter().find(|a| a.asset_format == AssetFormat::Image).expect("image ad set");
    assert_eq!(image.objective, Objective::EvenImpressionDelivery);
    assert_eq!(image.placements, vec![Placement::Music]);
    let audio = p.ad_sets.iter().find(|a| a.asset_format == AssetFormat::Audio).expect("audio ad set");
    assert_eq!(audio.objective, Objective::Reach);
    assert!(out.assumptions.iter().any(|a| a.contains("EVEN_IMPRESSION_DELIVERY")), "{:?}", out.assumptions);
    check_plan(&b, &p);
}

#[test]
fn the_objective_leads_and_a_substitute_that_cannot_produce_it_gets_the_minimum() {
    let mut b = brief(Objective::LeadGen, &[Country::De], 20_000_000_000, Currency::Eur, BudgetType::Lifetime);
    b.formats = vec![AssetFormat::Audio, AssetFormat::Video, AssetFormat::Image];
    let out = plan(&b);
    let p = out.plan.expect("plan");
    check_plan(&b, &p);
    let audio = p.ad_sets.iter().find(|a| a.objective == Objective::LeadGen).expect("a LEAD_GEN ad set");
    assert_eq!(audio.asset_format, AssetFormat::Audio);
    assert_eq!(p.ad_sets[0].objective, Objective::LeadGen, "the ad set that can produce leads gets the most");
    for a in p.ad_sets.iter().filter(|a| a.objective != Objective::LeadGen) {
        assert!(a.reason.contains("adds no leads"), "{}", a.reason);
    }
    assert!(p.totals.results.p50 > 0 && p.totals.result_name == "leads");
}

#[test]
fn app_installs_target_one_store_per_ad_set() {
    let mut b = brief(Objective::AppInstalls, &[Country::Us], 20_000_000_000, Currency::Usd, BudgetType::Lifetime);
    let p = plan_of(&b);
    assert_eq!(p.ad_sets.len(), 2);
    let stores: Vec<&Vec<Platform>> = p.ad_sets.iter().map(|a| &a.targets.platforms).collect();
    assert!(stores.iter().all(|s| s.len() == 1));
    b.targets.platforms = vec![Platform::Android];
    let p = plan_of(&b);
    assert!(p.ad_sets.iter().all(|a| a.targets.platforms == [Platform::Android]));
    check_plan(&b, &p);
}

#[test]
fn podcast_topics_put_the_ad_set_on_podcasts() {
    let mut b =
        brief(Objective::EvenImpressionDelivery, &[Country::Gb], 20_000_000_000, Currency::Gbp, BudgetType::Lifetime);
    b.targets.podcast_topics = vec!["sports".into()];
    let out = plan(&b);
    let p = out.plan.expect("plan");
    for a in &p.ad_sets {
        if a.asset_format == AssetFormat::Image {
            assert!(a.targets.podcast_topics.is_empty());
        } else {
            assert!(a.placements.contains(&Placement::Podcast), "{}", a.name);
            assert_eq!(a.targets.podcast_topics, vec!["sports".to_string()]);
        }
    }
    check_plan(&b, &p);
}

#[test]
fn alcohol_targets_adults_and_21_in_the_us() {
    let mut b =
        brief(Objective::Reach, &[Country::Us, Country::Gb], 20_000_000_000, Currency::Usd, BudgetType::Lifetime);
    b.ad_category = "ADV_15_139".into();
    b.targets.age_ranges = vec![AgeRange { min: 16, max: 30 }];
    let out = plan(&b);
    let p = out.plan.expect("plan");
    for a in &p.ad_sets {
        let floor = if a.country == Country::Us { 21 } else { 18 };
        assert!(a.targets.age_ranges.iter().all(|r| r.min >= floor), "{}: {:?}", a.name, a.targets.age_ranges);
        assert!(!a.targets.age_ranges.is_empty());
    }
    assert!(out.assumptions.iter().any(|a| a.contains("Alcohol")), "{:?}", out.assumptions);
}

#[test]
fn gambling_is_flagged_for_review() {
    let mut b = brief(Objective::Reach, &[Country::Gb], 20_000_000_000, Currency::Gbp, BudgetType::Lifetime);
    b.ad_category = "ADV_16_147".into();
    let out = plan(&b);
    assert!(out.plan.is_some());
    assert!(out.assumptions.iter().any(|a| a.contains("Gambling") && a.contains("review")), "{:?}", out.assumptions);
}

#[test]
fn minors_lose_interest_and_gender_targeting_in_protected_markets() {
    let mut b =
        brief(Objective::Reach, &[Country::De, Country::Br], 20_000_000_000, Currency::Eur, BudgetType::Lifetime);
    b.targets.age_ranges = vec![AgeRange { min: 13, max: 17 }];
    b.targets.interests = vec!["gaming".into()];
    b.targets.genders = vec![Gender::Male];
    let out = plan(&b);
    let p = out.plan.expect("plan");
    for a in &p.ad_sets {
        if a.country == Country::De {
            assert!(a.targets.interests.is_empty() && a.targets.genders.is_empty(), "{}", a.name);
        } else {
            assert_eq!(a.targets.interests, vec!["gaming".to_string()], "{}", a.name);
        }
    }
    assert!(out.assumptions.iter().any(|a| a.contains("minors") && a.contains("DE")), "{:?}", out.assumptions);
}

#[test]
fn same_input_same_json_whatever_order_history_arrives_in() {
    let mut b =
        brief(Objective::Clicks, &[Country::Us, Country::Gb], 18_000_000_000, Currency::Usd, BudgetType::Lifetime);
    b.targets.age_ranges = vec![AgeRange { min: 18, max: 34 }];
    let answer = history().answer(&query_for(&b));
    let mut reversed = answer.clone();
    reversed.ad_sets.reverse();
    let json = |a: &PerformanceAnswer| {
        let out = plan_from_history(&b, a);
        serde_json::to_string(&(out.plan, out.assumptions, out.question)).expect("json")
    };
    let first = json(&answer);
    assert_eq!(first, json(&answer));
    assert_eq!(first, json(&reversed));
}

#[test]
fn make_plan_reads_the_source() {
    let b = brief(Objective::Reach, &[Country::Br], 50_000_000_000, Currency::Brl, BudgetType::Lifetime);
    let out = futures::executor::block_on(make_plan(&b, history())).expect("source");
    assert_eq!(out, plan(&b));
    check_plan(&b, &out.plan.expect("plan"));
}

#[test]
fn without_any_history_the_plan_uses_defaults_and_says_so() {
    let b = brief(Objective::LeadGen, &[Country::Za], 90_000_000_000, Currency::Zar, BudgetType::Lifetime);
    let out = plan_from_history(&b, &PerformanceAnswer::default());
    let p = out.plan.expect("plan");
    check_plan(&b, &p);
    assert!(p.ad_sets.iter().all(|a| a.evidence.comparable_campaigns == 0 && a.reason.contains("default")));
    assert!(out.assumptions.iter().any(|a| a.contains("conservative defaults")));
}

#[test]
fn a_market_without_history_borrows_from_the_others() {
    let b = brief(Objective::Reach, &[Country::Br, Country::Co], 40_000_000_000, Currency::Usd, BudgetType::Lifetime);
    let p = plan_of(&b);
    let co = p.ad_sets.iter().find(|a| a.country == Country::Co).expect("CO ad set");
    assert_eq!(co.evidence.comparable_campaigns, 0);
    assert!(co.reason.contains("other markets"), "{}", co.reason);
    let br = p.ad_sets.iter().find(|a| a.country == Country::Br).expect("BR ad set");
    assert!(br.evidence.comparable_campaigns > 0);
    check_plan(&b, &p);
}

#[test]
fn the_spec_example_produces_a_complete_plan() {
    let mut b = brief(Objective::Reach, &[Country::Br], 50_000_000_000, Currency::Brl, BudgetType::Lifetime);
    b.targets.age_ranges = vec![AgeRange { min: 18, max: 34 }];
    let p = plan_of(&b);
    check_plan(&b, &p);
    assert_eq!(p.ad_sets.len(), 2);
    let reach = p.totals.results;
    assert!(reach.p50 > 0 && p.totals.result_name == "reach");
    assert!(
        p.ad_sets.iter().all(|a| a.reason.contains("R$")),
        "{:?}",
        p.ad_sets.iter().map(|a| &a.reason).collect::<Vec<_>>()
    );
}

/// The synthetic market's expected impressions for an ad set (the generator's model without noise).
fn true_impressions(a: &planner::types::AdSet, days: f64) -> f64 {
    let price = MARKETS.iter().find(|(c, _)| *c == a.country).map_or(1.0, |(_, p)| *p);
    let format_price = match a.asset_format {
        AssetFormat::Audio => 1.0,
        AssetFormat::Video => 1.4,
        AssetFormat::Image => 0.6,
    };
    let cpm = 16.0 * price * format_price;
    let (cap, audience) = (0.3, a.forecast.audience_size as f64);
    let k = cap * cpm / 1000.0;
    let budget_usd = fx::to_usd(a.budget.micro_amount, a.budget.currency) as f64 / 1e6;
    let x = budget_usd / (audience * days);
    audience * days * cap * x / (x + k)
}

#[test]
fn forecasts_track_the_synthetic_truth() {
    let cases = [
        (Country::Us, Objective::EvenImpressionDelivery, 30_000_000_000, Currency::Usd, vec![]),
        (Country::Br, Objective::Reach, 60_000_000_000, Currency::Brl, vec![AgeRange { min: 18, max: 24 }]),
        (Country::Se, Objective::Clicks, 300_000_000_000, Currency::Sek, vec![AgeRange { min: 25, max: 44 }]),
        (Country::Jp, Objective::AppInstalls, 9_000_000_000_000, Currency::Jpy, vec![]),
        // Small audience, big budget: saturation territory.
        (Country::Se, Objective::Reach, 2_000_000_000_000, Currency::Sek, vec![AgeRange { min: 18, max: 19 }]),
    ];
    for (country, objective, amount, currency, ages) in cases {
        let mut b = brief(objective, &[country], amount, currency, BudgetType::Lifetime);
        b.placements = vec![Placement::Music];
        b.targets.age_ranges = ages;
        let p = plan_of(&b);
        for a in &p.ad_sets {
            let truth = true_impressions(a, 30.0);
            let f = a.forecast.impressions;
            let err = f.p50 as f64 / truth - 1.0;
            assert!(err.abs() < 0.25, "{}: p50 {} vs truth {truth:.0} ({err:+.2})", a.name, f.p50);
            assert!(f.p10 as f64 <= truth * 1.02 && truth <= f.p90 as f64 * 1.02, "{}: {f:?} vs {truth:.0}", a.name);
        }
    }
}

fn arb_objective() -> impl Strategy<Value = Objective> {
    proptest::sample::select(Objective::ALL.to_vec())
}

fn arb_subset<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = Vec<T>> {
    proptest::sample::subsequence(all.to_vec(), 0..=all.len())
}

fn arb_brief() -> impl Strategy<Value = Brief> {
    let countries = proptest::sample::subsequence(
        vec![Country::Us, Country::Br, Country::Gb, Country::De, Country::Jp, Country::Co, Country::Fr],
        1..=4,
    );
    let budget = (
        proptest::sample::select(vec![Currency::Usd, Currency::Eur, Currency::Jpy, Currency::Brl, Currency::Sek]),
        proptest::sample::select(vec![BudgetType::Lifetime, BudgetType::Daily]),
        // Mostly everyday budgets; some near the top of i64 micro-units, which text can ask for.
        prop_oneof![9 => 100_000_000i64..200_000_000_000, 1 => 200_000_000_000i64..=i64::MAX],
    );
    let ages = proptest::sample::select(vec![
        vec![],
        vec![AgeRange { min: 13, max: 17 }],
        vec![AgeRange { min: 18, max: 34 }],
    ]);
    let category = proptest::sample::select(vec!["ADV_23_217", "ADV_15_139", "ADV_16_147"]);
    (
        arb_objective(),
        countries,
        budget,
        arb_subset(AssetFormat::ALL),
        arb_subset(Placement::ALL),
        arb_subset(Platform::ALL),
        ages,
        category,
        any::<bool>(),
        1i64..90,
        // Mostly this spring; sometimes anywhere a UI edit can put a flight.
        prop_oneof![9 => Just(0i32), 1 => -730_000i32..3_000_000],
    )
        .prop_map(
            |(
                objective,
                countries,
                (currency, kind, amount),
                formats,
                placements,
                platforms,
                ages,
                category,
                topics,
                days,
                shift,
            )| {
                let amount = if kind == BudgetType::Daily { amount / 30 } else { amount };
                let amount = if currency == Currency::Jpy { amount.saturating_mul(150) } else { amount };
                let april = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
                let start = april.checked_add_signed(chrono::Duration::days(shift.into())).unwrap_or(april);
                Brief {
                    objective,
                    ad_category: category.into(),
                    budget: Some(Budget { micro_amount: amount, currency, kind }),
                    schedule: Some(Schedule { start, end: start + chrono::Duration::days(days - 1) }),
                    targets: Targets {
                        countries,
                        cities: vec!["Berlin".into(), "Sao Paulo".into()],
                        age_ranges: ages,
                        platforms,
                        interests: vec!["gaming".into()],
                        podcast_topics: if topics { vec!["sports".into()] } else { vec![] },
                        ..Targets::default()
                    },
                    formats,
                    placements,
                }
            },
        )
}

/// The rules of `check_plan` that do not depend on the April schedule.
fn check_any(b: &Brief, out: &PlanOutcome) {
    let budget = b.budget.expect("budget");
    let days = b.schedule.expect("schedule").days();
    let Some(p) = &out.plan else {
        let min = fx::convert(250_000_000, Currency::Usd, budget.currency);
        let flight = if budget.kind == BudgetType::Daily { budget.micro_amount * days } else { budget.micro_amount };
        assert!(flight < min + 1_000_000, "no plan although the budget funds one: {:?}", out.question);
        assert!(out.question.is_some());
        return;
    };
    assert!(out.question.is_none());
    let sum: i64 = p.ad_sets.iter().map(|a| a.budget.micro_amount).sum();
    assert_eq!(sum, budget.micro_amount);
    let countries: Vec<Country> = p.ad_sets.iter().map(|a| a.country).collect();
    for (i, a) in p.ad_sets.iter().enumerate() {
        assert!(flight_usd(a, days) >= 250_000_000, "{}", a.name);
        assert!(
            !p.ad_sets[i + 1..]
                .iter()
                .any(|o| o.country == a.country && o.asset_format == a.asset_format && o.objective == a.objective),
            "{}",
            a.name
        );
        assert!(!(a.asset_format == AssetFormat::Image && a.placements.contains(&Placement::Podcast)));
        if a.objective == Objective::VideoViews {
            assert!(a.asset_format == AssetFormat::Video && a.placements == [Placement::Music]);
            assert!(!a.targets.platforms.is_empty() && !a.targets.platforms.contains(&Platform::Desktop));
        }
        if a.objective == Objective::AppInstalls {
            assert!(a.targets.platforms == [Platform::Ios] || a.targets.platforms == [Platform::Android]);
            let asked: Vec<Platform> =
                b.targets.platforms.iter().copied().filter(|p| *p != Platform::Desktop).collect();
            if !asked.is_empty() {
                assert!(asked.contains(&a.targets.platforms[0]));
            }
        }
        if matches!(
            a.objective,
            Objective::Reach | Objective::Clicks | Objective::WebsiteVisits | Objective::AppInstalls
        ) {
            assert!(matches!(a.asset_format, AssetFormat::Audio | AssetFormat::Video));
        }
        if matches!(a.objective, Objective::PodcastStreams | Objective::LeadGen) {
            assert_eq!(a.asset_format, AssetFormat::Audio);
        }
        if !b.formats.is_empty() {
            assert!(b.formats.contains(&a.asset_format));
        }
        if !a.placements.contains(&Placement::Podcast) {
            assert!(a.targets.podcast_topics.is_empty());
        }
        if b.ad_category == "ADV_15_139" {
            let floor = if a.country == Country::Us { 21 } else { 18 };
            assert!(!a.targets.age_ranges.is_empty() && a.targets.age_ranges.iter().all(|r| r.min >= floor));
        }
        let minors = a.targets.age_ranges.is_empty() || a.targets.age_ranges.iter().any(|r| r.min < 18);
        if minors && matches!(a.country, Country::Us | Country::Gb | Country::De | Country::Fr) {
            assert!(a.targets.interests.is_empty() && a.targets.genders.is_empty() && a.targets.genres.is_empty());
        }
        let f = &a.forecast;
        for r in [f.impressions, f.reach, f.clicks, f.results] {
            assert!(r.p10 <= r.p50 && r.p50 <= r.p90);
        }
        assert!(f.reach.p90 <= f.audience_size);
    }
    // Every country is planned, or the assumptions say which were left out.
    let left_out = out.assumptions.iter().any(|a| a.contains("left out"));
    let mut asked = b.targets.countries.clone();
    asked.dedup();
    assert!(asked.iter().all(|c| countries.contains(c)) || left_out);
    if b.ad_category == "ADV_16_147" {
        assert!(out.assumptions.iter().any(|a| a.contains("review")));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_plan_obeys_the_rules(b in arb_brief()) {
        let out = plan(&b);
        check_any(&b, &out);
        prop_assert_eq!(out, plan(&b));
    }
}

#[test]
fn incomplete_briefs_get_a_question_not_a_panic() {
    let mut b = brief(Objective::Reach, &[], 5_000_000_000, Currency::Usd, BudgetType::Lifetime);
    assert!(plan(&b).question.is_some_and(|q| q.contains("countries")));
    b.targets.countries = vec![Country::Us];
    b.schedule = None;
    assert!(plan(&b).question.is_some_and(|q| q.contains("dates")));
    b.schedule = Some(april());
    b.budget = Some(Budget { micro_amount: 0, currency: Currency::Usd, kind: BudgetType::Lifetime });
    assert!(plan(&b).plan.is_none());
}

#[test]
fn each_ad_set_has_a_rising_response_curve_through_its_chosen_spend() {
    let b = brief(Objective::Reach, &[Country::Br, Country::Mx], 200_000_000_000, Currency::Brl, BudgetType::Lifetime);
    let outcome = plan(&b);
    let p = outcome.plan.as_ref().expect("a plan");
    assert_eq!(outcome.curves.len(), p.ad_sets.len());
    for (a, c) in p.ad_sets.iter().zip(&outcome.curves) {
        assert_eq!(c.ad_set, a.name);
        assert_eq!(c.metric, Some("reach"));
        assert_eq!(c.chosen_micros, a.budget.micro_amount, "a lifetime budget is the spend over the flight");
        assert_eq!(c.points.first().map(|p| p.1), Some(0.0));
        assert_eq!(c.points.last().map(|p| p.0), Some(2 * a.budget.micro_amount));
        assert!(c.points.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "{c:?}");
    }
}
