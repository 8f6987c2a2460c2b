//! Resolves every brief of the dev set (`tests/fixtures/briefs-dev.jsonl`, vendored from the shared evals),
//! the team set and the contract set through the planner's own API and scores it field by field the way
//! `score.py` does. The held-out set is written to the same contract, so this guards the rules against
//! regressions, not against overfitting.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use planner::performance::InMemory;
use planner::types::PlanResponse;
use serde_json::Value;

fn fold(v: &Value) -> String {
    planner::text::normalize(v.as_str().unwrap_or_default())
}

fn set(values: Option<&Value>, all: &[&str]) -> BTreeSet<String> {
    let got: BTreeSet<String> = values.and_then(Value::as_array).into_iter().flatten().map(fold).collect();
    let all: BTreeSet<String> = all.iter().map(|s| planner::text::normalize(s)).collect();
    if !all.is_empty() && (got.is_empty() || got == all) { BTreeSet::from(["<all>".to_owned()]) } else { got }
}

fn check(field: &str, want: &Value, out: &Value) -> bool {
    let brief = &out["brief"];
    let targets = &brief["targets"];
    let all: &[&str] = match field {
        "platforms" => &["ANDROID", "IOS", "DESKTOP"],
        "genders" => &["MALE", "FEMALE", "NON_BINARY"],
        _ => &[],
    };
    match field {
        "objective" | "ad_category" => want.as_array().is_some_and(|w| w.contains(&brief[field])),
        "budget" => ["micro_amount", "currency", "type"].iter().all(|k| brief["budget"][k] == want[k]),
        "schedule" => brief["schedule"]["start"] == want["start"] && brief["schedule"]["end"] == want["end"],
        "age_ranges" => {
            let pairs = |v: &Value| -> BTreeSet<(i64, i64)> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| (r["min"].as_i64().unwrap_or(-1), r["max"].as_i64().unwrap_or(-1)))
                    .collect()
            };
            pairs(&targets["age_ranges"]) == pairs(want)
        }
        "formats" | "placements" => set(brief.get(field), all) == set(Some(want), all),
        "missing" => {
            let got: BTreeSet<&str> =
                out["missing"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let want: BTreeSet<&str> = want.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            got == want
        }
        "plan" => out["plan"].is_null() != want.as_bool().unwrap_or(false),
        _ => set(targets.get(field), all) == set(Some(want), all),
    }
}

/// Field accuracy over a JSONL set, and a line per wrong field.
fn score(set: &str) -> (f64, Vec<String>) {
    let (mut right, mut total) = (0, 0);
    let mut wrong = Vec::new();
    for line in set.lines().filter(|l| !l.trim().is_empty()) {
        let brief: Value = serde_json::from_str(line).expect("fixture is JSON");
        let today = NaiveDate::parse_from_str(brief["today"].as_str().unwrap_or_default(), "%Y-%m-%d").expect("date");
        let messages: Vec<String> =
            brief["messages"].as_array().into_iter().flatten().filter_map(|m| m.as_str().map(str::to_owned)).collect();
        let response: PlanResponse =
            futures::executor::block_on(planner::run(today, &messages, &InMemory::default(), &planner::NoClock))
                .expect("plans");
        let out = serde_json::to_value(&response).expect("serialises");
        for (field, want) in brief["expect"].as_object().into_iter().flatten() {
            total += 1;
            if check(field, want, &out) {
                right += 1;
            } else {
                wrong.push(format!("{} {field}: want {want}, got brief {}", brief["id"], out["brief"]));
            }
        }
    }
    let accuracy = f64::from(right) / f64::from(total);
    eprintln!("field accuracy {:.1}% ({right}/{total})", accuracy * 100.0);
    for w in &wrong {
        eprintln!("{w}");
    }
    (accuracy, wrong)
}

#[test]
fn dev_set_field_accuracy_is_at_least_98_percent() {
    let (accuracy, wrong) = score(include_str!("fixtures/briefs-dev.jsonl"));
    assert!(accuracy >= 0.98, "field accuracy {accuracy:.3} below 0.98:\n{}", wrong.join("\n"));
}

/// Briefs written by the team to the same contract, none of them tuned against: a check that the rules
/// generalise beyond the dev set.
#[test]
fn team_set_field_accuracy_is_at_least_98_percent() {
    let (accuracy, wrong) = score(include_str!("fixtures/briefs-extra.jsonl"));
    assert!(accuracy >= 0.98, "field accuracy {accuracy:.3} below 0.98:\n{}", wrong.join("\n"));
}

/// 585 briefs written from SPEC §1–§2 alone by writers who never saw the resolvers, in three rounds of
/// themes and voices (budgets, schedules, audiences, goals and categories, conversations, edits, tastes;
/// sales reps, agency briefs, small businesses, tricky cases, every market): the closest stand-in for the
/// held-out set. About 1% of its fields are still wrong, mostly ad categories of unusual products and
/// places inside product descriptions ("cruises from Bergen to Kirkenes"); the bar keeps it there.
#[test]
fn contract_set_field_accuracy_is_at_least_98_percent() {
    let (accuracy, wrong) = score(include_str!("fixtures/briefs-contract.jsonl"));
    assert!(accuracy >= 0.98, "field accuracy {accuracy:.3} below 0.98:\n{}", wrong.join("\n"));
}
