//! Property tests: no user text or UI edit makes the resolvers or the pipeline panic, and what they produce
//! stays within the vocabulary's bounds whatever the input.

use chrono::{Datelike, NaiveDate};
use planner::agents::Message;
use planner::agents::{audience, budget, goal, schedule};
use planner::performance::InMemory;
use planner::types::{AgeRange, AssetFormat, Budget, BudgetType, Country, Currency, Objective, Overrides, Schedule};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
}

/// Text that looks like briefs: words, numbers, currency symbols, separators and odd Unicode mixed.
fn brief_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z]{1,10}",
        "[0-9]{1,7}",
        "[0-9]{1,3}[.,][0-9]{1,4}",
        Just("$".to_owned()),
        Just("R$".to_owned()),
        Just("€".to_owned()),
        Just("kr".to_owned()),
        Just("zł".to_owned()),
        Just("k".to_owned()),
        Just("-".to_owned()),
        Just("–".to_owned()),
        Just("+".to_owned()),
        Just("/day".to_owned()),
        Just("May".to_owned()),
        Just("Q4".to_owned()),
        Just("next".to_owned()),
        Just("weeks".to_owned()),
        Just("from".to_owned()),
        Just("to".to_owned()),
        Just("instead of".to_owned()),
        Just("only".to_owned()),
        Just("São Paulo".to_owned()),
        Just("LA".to_owned()),
        Just("31st".to_owned()),
        Just("2026-02-30".to_owned()),
        "\\PC{1,4}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.join(" "))
}

/// The UI's structured edits, valid or not: any amount, a flight anywhere in the calendar, odd age bands.
fn edits() -> impl Strategy<Value = Overrides> {
    let budget = (
        prop::sample::select(Currency::ALL.to_vec()),
        prop::sample::select(vec![BudgetType::Lifetime, BudgetType::Daily]),
        prop_oneof![i64::MIN..=i64::MAX, 1i64..100_000_000_000],
    )
        .prop_map(|(currency, kind, micro_amount)| Budget { micro_amount, currency, kind });
    let last_day = NaiveDate::MAX.num_days_from_ce();
    let schedule = (1..=last_day, -3i64..800).prop_map(|(start, days)| {
        let start = NaiveDate::from_num_days_from_ce_opt(start).unwrap_or_default();
        let end = start.checked_add_signed(chrono::Duration::days(days)).unwrap_or(start);
        Schedule { start, end }
    });
    let ages = prop::collection::vec((0u8..120, 0u8..120).prop_map(|(min, max)| AgeRange { min, max }), 0..3);
    (
        prop::option::of(prop::sample::select(Objective::ALL.to_vec())),
        prop::option::of(budget),
        prop::option::of(schedule),
        prop::option::of(prop::sample::subsequence(Country::ALL.to_vec(), 0..4)),
        prop::option::of(ages),
        prop::option::of(prop::sample::subsequence(AssetFormat::ALL.to_vec(), 0..=3)),
    )
        .prop_map(|(objective, budget, schedule, countries, age_ranges, formats)| Overrides {
            objective,
            budget,
            schedule,
            countries,
            age_ranges,
            formats,
            ..Overrides::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_edits_plan_or_are_refused(turns in prop::collection::vec(brief_like(), 1..3), edits in edits()) {
        let response =
            futures::executor::block_on(planner::run_with(today(), &turns, &edits, &InMemory::default(), &planner::NoClock));
        match (response, edits.problem()) {
            (Err(e), Some(_)) => prop_assert!(!e.to_string().is_empty()),
            (Err(e), None) => prop_assert!(matches!(e, planner::PlanError::MessageTooLong { .. }), "{e}"),
            (Ok(r), problem) => {
                prop_assert!(problem.is_none(), "{problem:?} was accepted");
                if let (Some(plan), Some(b)) = (&r.plan, r.brief.budget) {
                    let spent: i64 = plan.ad_sets.iter().map(|a| a.budget.micro_amount).sum();
                    prop_assert_eq!(spent, b.micro_amount);
                }
            }
        }
    }

    #[test]
    fn resolvers_never_panic_on_arbitrary_text(text in "\\PC{0,200}") {
        let m = Message::new(&text, today());
        let _ = goal::resolve(&m);
        let _ = audience::resolve(&m);
        let _ = budget::resolve(&m);
        let _ = schedule::resolve(&m);
    }

    #[test]
    fn brief_like_text_resolves_within_bounds(turns in prop::collection::vec(brief_like(), 1..4)) {
        let response = futures::executor::block_on(planner::run(today(), &turns, &InMemory::default(), &planner::NoClock));
        let response = response.map_err(|e| TestCaseError::fail(e.to_string()))?;
        for r in &response.brief.targets.age_ranges {
            prop_assert!(13 <= r.min && r.min <= r.max && r.max <= 99, "{r:?}");
        }
        if let Some(b) = response.brief.budget {
            prop_assert!(b.micro_amount > 0);
        }
        if let Some(s) = response.brief.schedule {
            prop_assert!(s.start <= s.end);
        }
        prop_assert_eq!(response.plan.is_some(), response.missing.is_empty() && response.question.is_none());
        if let (Some(plan), Some(b)) = (&response.plan, response.brief.budget) {
            let spent: i64 = plan.ad_sets.iter().map(|a| a.budget.micro_amount).sum();
            prop_assert_eq!(spent, b.micro_amount);
        }
    }
}

#[test]
fn oversized_messages_are_refused() {
    let long = "a".repeat(planner::MAX_MESSAGE_CHARS + 1);
    let r = futures::executor::block_on(planner::run(today(), &[long], &InMemory::default(), &planner::NoClock));
    assert!(matches!(r, Err(planner::PlanError::MessageTooLong { index: 1, .. })));
}

/// Budgets near the top of `i64` micro-units (found by the property test above) plan without overflow, and
/// the ad sets still add up to the brief's budget.
#[test]
fn enormous_budgets_plan_without_overflow() {
    for text in [
        "Q4 only 200.000 000 k São Paulo",
        "reach 18-24 in Brazil next month R$ 9,000,000,000,000",
        "app installs in US, UK, DE, FR, BR, MX next month $9,000,000,000,000",
        "podcast streams in Sweden 5 000 000 000 000 kr per day in May",
        "clicks in Poland next month 9223372036854 zł",
    ] {
        let turns = [text.to_owned()];
        let r = futures::executor::block_on(planner::run(today(), &turns, &InMemory::default(), &planner::NoClock));
        let r = r.unwrap_or_else(|e| panic!("{text}: {e}"));
        let (Some(plan), Some(b)) = (&r.plan, r.brief.budget) else { panic!("{text}: no plan: {:?}", r.question) };
        let spent: i64 = plan.ad_sets.iter().map(|a| a.budget.micro_amount).sum();
        assert_eq!(spent, b.micro_amount, "{text}");
    }
}
