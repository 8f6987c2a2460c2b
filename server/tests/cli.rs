//! The `mixtape` command as a user runs it: a fresh store seeded on first use, SPEC §3's JSON, one-line
//! errors with a non-zero exit.

mod common;

use serde_json::Value;

use common::mixtape;

#[test]
fn plans_a_brief_on_a_fresh_store_and_answers_follow_ups() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = mixtape(
        home.path(),
        &["plan", "--today", "2026-03-02", "--json", "Reach 18-34 year olds in Brazil next month, R$ 50.000"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(home.path().join("mixtape.sqlite").exists(), "the embedded store is created on first use");
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert_eq!(json["brief"]["objective"], "REACH");
    assert_eq!(
        json["brief"]["budget"],
        serde_json::json!({"micro_amount": 50_000_000_000i64, "currency": "BRL", "type": "LIFETIME"})
    );
    assert_eq!(json["brief"]["schedule"], serde_json::json!({"start": "2026-04-01", "end": "2026-04-30"}));
    assert_eq!(json["missing"], serde_json::json!([]));
    assert!(json["question"].is_null());
    let ad_sets = json["plan"]["ad_sets"].as_array().expect("a plan");
    assert!(!ad_sets.is_empty());
    let spent: i64 = ad_sets.iter().map(|a| a["budget"]["micro_amount"].as_i64().unwrap_or(0)).sum();
    assert_eq!(spent, 50_000_000_000);
    for a in ad_sets {
        assert_eq!(a["country"], "BR");
        assert!(a["evidence"]["comparable_campaigns"].as_u64().unwrap_or(0) > 0, "grounded in seeded history: {a}");
        for key in [
            "name",
            "asset_format",
            "placements",
            "objective",
            "start_time",
            "end_time",
            "bid_strategy",
            "bid_micro_amount",
            "targets",
            "frequency_caps",
            "forecast",
            "reason",
        ] {
            assert!(!a[key].is_null(), "ad set lacks {key}");
        }
    }
    let agents: Vec<&str> =
        json["trace"].as_array().into_iter().flatten().filter_map(|t| t["agent"].as_str()).collect();
    for agent in ["router", "goal", "audience", "budget", "schedule", "conversation", "media_planner"] {
        assert!(agents.contains(&agent), "trace lacks {agent}: {agents:?}");
    }

    // A conversation missing its budget gets a question and no plan; the second turn completes it.
    let out =
        mixtape(home.path(), &["plan", "--today", "2026-03-02", "--json", "Grow our true crime podcast in the US"]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["missing"], serde_json::json!(["budget", "schedule"]));
    assert!(json["question"].is_string() && json["plan"].is_null());
    let out = mixtape(
        home.path(),
        &[
            "plan",
            "--today",
            "2026-03-02",
            "--json",
            "Grow our true crime podcast in the US",
            "15k, starting next Monday for six weeks",
        ],
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["brief"]["objective"], "PODCAST_STREAMS");
    assert!(json["plan"]["ad_sets"].is_array());

    // Without --json: a readable table.
    let out = mixtape(home.path(), &["plan", "--today", "2026-03-02", "$5k for clicks in Germany in May"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("Ad set") && text.contains("5,000 USD"), "{text}");
}

#[test]
fn bad_input_is_one_clear_line_and_a_failure() {
    let home = tempfile::tempdir().expect("temp dir");
    let long = "a".repeat(10_001);
    let out = mixtape(home.path(), &["plan", "--json", &long]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("10001 characters") && err.contains("10000"), "{err}");
    assert!(out.stdout.is_empty());

    let out = mixtape(home.path(), &["plan", "--today", "2026-13-45", "hello"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a date"));

    let out = mixtape(home.path(), &["--db", "mysql://nowhere/x", "plan", "hello"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
