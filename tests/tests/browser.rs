//! The web app as a user drives it, in Debian's headless Chromium against the real server: a brief missing
//! its budget gets a question, the answer gets a plan that spends exactly the budget, chips and the slider
//! re-plan in the page, exports download, a shared link opens read-only, the conversation survives a
//! reload; and for every brief of the dev set the page decides exactly what `/api/plan` decides.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};
use tests::{Stack, artifacts, without_durations};

const TODAY: &str = "2026-03-02";

/// The plan's ad-set budgets and the brief's budget, from the page's planner answer.
fn budgets(json: &str) -> (Vec<i64>, i64) {
    let v: Value = serde_json::from_str(json).expect("JSON");
    let sets = v["plan"]["ad_sets"].as_array().expect("a plan").iter();
    (
        sets.map(|a| a["budget"]["micro_amount"].as_i64().expect("micros")).collect(),
        v["brief"]["budget"]["micro_amount"].as_i64().expect("a budget"),
    )
}

/// Types a message into the composer and presses Enter, as a user would.
async fn say(stack: &Stack, text: &str) {
    let composer = stack.wait_for("#composer-input").await;
    composer.send_keys(text).await.expect("typing");
    composer.send_keys(&Key::Enter.to_string()).await.expect("Enter");
}

/// Waits until the assistant has answered `n` messages.
async fn replies(stack: &Stack, n: usize) {
    let script = format!(
        "return document.querySelectorAll('.chat-turn--assistant:not(.chat-turn--busy)').length === {n} \
         && !document.querySelector('.chat-turn--busy')"
    );
    stack.wait_until(&format!("{n} replies"), &script).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brief_becomes_a_plan_that_can_be_edited_exported_and_shared() {
    let Some(stack) = Stack::start().await else { return };
    let first_load_ms = stack.open(&format!("/?today={TODAY}")).await;

    // A brief without a budget gets a question, not a plan.
    say(&stack, "Reach hip-hop fans 18-24 in Brazil next month for our new energy drink").await;
    replies(&stack, 1).await;
    let question = stack.wait_for(".brief__question").await.text().await.expect("text");
    assert!(question.to_lowercase().contains("budget"), "{question}");
    assert_eq!(stack.count(".ad-sets").await, 0, "no plan while the budget is missing");

    // While the user types the answer, the page fetches the history the plan will need.
    stack
        .wait_until(
            "the history prefetch",
            "return performance.getEntriesByType('resource').some(r => r.name.endsWith('/api/performance') && r.responseEnd > 0)",
        )
        .await;

    // Answering it plans; time Enter → ad-set table on screen in the page itself.
    stack
        .js(
            "window.__enter = null; window.__plan = null;
             document.addEventListener('keydown', e => { if (e.key === 'Enter' && window.__enter === null) window.__enter = performance.now(); }, {capture: true});
             new MutationObserver((_, o) => { if (document.querySelector('.ad-sets')) { window.__plan = performance.now(); o.disconnect(); } })
               .observe(document.body, {subtree: true, childList: true});",
            vec![],
        )
        .await;
    say(&stack, "R$ 50.000").await;
    replies(&stack, 2).await;
    stack.wait_for(".ad-sets").await;
    let enter_to_plan_ms = stack.js("return window.__plan - window.__enter", vec![]).await.as_f64().expect("a time");
    let (sets, budget) = budgets(&stack.plan_json().await);
    assert_eq!(budget, 50_000_000_000);
    assert_eq!(sets.iter().sum::<i64>(), budget, "ad-set budgets add up to the budget");
    assert_eq!(stack.count(".ad-sets tbody tr").await, sets.len());
    assert_eq!(stack.count(".curve").await, sets.len(), "one response curve per ad set");

    // The slider, by keyboard: each step is 1% of the anchor budget and re-plans in the page.
    let requests_before = stack.js("return performance.getEntriesByType('resource').length", vec![]).await;
    let slider = stack.wait_for("#budget-slider").await;
    slider.send_keys(&Key::Right.to_string().repeat(4)).await.expect("arrow keys");
    stack.wait_for_answer_with("52000000000").await;
    let (sets, budget) = budgets(&stack.plan_json().await);
    assert_eq!(budget, 52_000_000_000);
    assert_eq!(sets.iter().sum::<i64>(), budget);
    let requests_after = stack.js("return performance.getEntriesByType('resource').length", vec![]).await;
    assert_eq!(requests_before, requests_after, "re-planning on the slider never leaves the browser");

    // A chip edited in place: add Mexico to the markets.
    stack.wait_for("[data-field=countries] button").await.click().await.expect("edit markets");
    let input = stack.wait_for("#edit-countries").await;
    input.clear().await.expect("clear");
    input.send_keys(&format!("BR, Mexico{}", Key::Enter)).await.expect("typing");
    stack.wait_for_answer_with("\"country\": \"MX\"").await;
    let (sets, budget) = budgets(&stack.plan_json().await);
    assert_eq!(sets.iter().sum::<i64>(), budget);
    assert!(stack.wait_for("[data-field=countries] .chip__edited").await.is_displayed().await.expect("shown"));

    // A screenshot of the finished plan, for people to look at.
    stack.browser.set_window_size(1280, 2200).await.expect("resize");
    let png = stack.browser.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join("plan.png"), png).expect("saved");
    // And on a phone-sized screen, where the layout stacks into one column.
    stack.browser.set_window_size(390, 2400).await.expect("resize");
    let columns = stack
        .js(
            "return getComputedStyle(document.querySelector('.workspace')).gridTemplateColumns.split(' ').length",
            vec![],
        )
        .await;
    assert_eq!(columns, json!(1), "one column on a phone");
    std::fs::write(artifacts().join("plan-phone.png"), stack.browser.screenshot().await.expect("screenshot"))
        .expect("saved");
    stack.browser.set_window_size(1280, 900).await.expect("resize");

    // Export the Ads API drafts: a campaign and its ad sets, spending the plan's budget.
    stack.wait_for("#export-json").await.click().await.expect("export");
    let drafts = wait_for_download(&stack, "-drafts.json").await;
    let drafts: Value = serde_json::from_str(&drafts).expect("JSON drafts");
    assert_eq!(drafts["campaign"]["objective"], "REACH");
    let exported: i64 = drafts["ad_sets"]
        .as_array()
        .expect("ad sets")
        .iter()
        .map(|a| a["budget"]["micro_amount"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(exported, budget);
    stack.wait_for("#export-csv").await.click().await.expect("export");
    let csv = wait_for_download(&stack, ".csv").await;
    assert_eq!(csv.lines().count(), sets.len() + 1, "a header and one row per ad set");

    // Share: the link opens a read-only copy that says the same.
    let shown = stack.plan_json().await;
    stack.wait_for("#share").await.click().await.expect("share");
    let link = stack.wait_for("#share-link").await.attr("href").await.expect("attr").expect("a link");
    assert!(link.starts_with(&format!("{}/p/", stack.base)), "{link}");

    // The conversation survives a reload, edits included.
    stack.browser.refresh().await.expect("reload");
    stack.wait_for("body[data-ready]").await;
    stack.wait_for(".ad-sets").await;
    assert_eq!(stack.count(".chat-turn--user").await, 2);
    assert_eq!(without_durations(&stack.plan_json().await), without_durations(&shown));

    stack.browser.goto(&link).await.expect("shared page");
    stack.wait_for(".ad-sets").await;
    assert_eq!(
        stack.count("#composer-input").await + stack.count("#budget-slider").await + stack.count("button.chip").await,
        0,
        "read-only"
    );
    assert_eq!(
        without_durations(&stack.plan_json().await),
        without_durations(&shown),
        "the snapshot is the plan that was shared"
    );

    let figures = json!({"first_load_ms": first_load_ms, "enter_to_plan_ms": enter_to_plan_ms});
    std::fs::write(artifacts().join("figures.json"), figures.to_string()).expect("saved");
    eprintln!("browser figures: {figures}");
    stack.close().await;
}

/// The text of the first download whose name ends so.
async fn wait_for_download(stack: &Stack, suffix: &str) -> String {
    let started = Instant::now();
    loop {
        let found = std::fs::read_dir(stack.downloads.path())
            .expect("downloads")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(suffix));
        if let Some(text) = found.and_then(|p| std::fs::read_to_string(p).ok()).filter(|t| !t.is_empty()) {
            return text;
        }
        assert!(started.elapsed() < tests::PATIENCE, "no {suffix} download");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_the_api_decide_the_same_for_every_dev_brief() {
    let Some(stack) = Stack::start().await else { return };
    let briefs = include_str!("../../planner/tests/fixtures/briefs-dev.jsonl");
    let mut compared = 0;
    for line in briefs.lines().filter(|l| !l.trim().is_empty()) {
        let brief: Value = serde_json::from_str(line).expect("a brief");
        let (today, messages) =
            (brief["today"].as_str().expect("today"), brief["messages"].as_array().expect("messages"));
        stack.open(&format!("/?today={today}")).await;
        stack.js("localStorage.clear()", vec![]).await;
        stack.open(&format!("/?today={today}")).await;
        for (i, message) in messages.iter().enumerate() {
            // The text goes in through the composer's own input event; Enter is a real key press.
            stack
                .js(
                    "const box = document.getElementById('composer-input'); box.value = arguments[0];
                     box.dispatchEvent(new Event('input', {bubbles: true}));",
                    vec![message.clone()],
                )
                .await;
            stack.wait_for("#composer-input").await.send_keys(&Key::Enter.to_string()).await.expect("Enter");
            replies(&stack, i + 1).await;
        }
        let page = stack.plan_json().await;
        let api = stack.api_plan(today, messages).await;
        assert_eq!(without_durations(&page), without_durations(&api), "brief {}", brief["id"]);
        compared += 1;
    }
    assert!(compared >= 30, "the dev set has its briefs ({compared})");
    stack.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gallery_renders_every_component_from_fixtures() {
    let Some(stack) = Stack::start().await else { return };
    stack.open("/gallery").await;
    stack.wait_for(".gallery .ad-sets").await;
    assert!(stack.count(".gallery__item").await >= 12);
    for component in [
        "ChatLog",
        "Composer",
        "BriefChips (editable)",
        "BudgetSlider",
        "PlanTotals",
        "BudgetSplit",
        "AdSetTable",
        "ResponseCurves",
        "AgentTrace",
        "ExportBar",
    ] {
        assert_eq!(stack.count(&format!("section[aria-label='{component}']")).await, 1, "{component}");
    }
    assert_eq!(stack.count("[role=alert]").await, 0, "the fixture parses");
    stack.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_model_the_page_asks_it_what_the_rules_left_unread_and_agrees_with_the_api() {
    // Gemini through the server's proxy, with a tool round trip for the goal.
    // The goal's answer only comes after a tool call whose thought signature made the round trip through
    // the browser unchanged (see `tests::fake_model`).
    let answers = &[
        ("the GOAL", r#"{"ad_category": "ADV_15_141"}"#),
        ("the SCHEDULE", r#"{"start": "2026-06-21", "end": "2026-09-20"}"#),
    ];
    let Some(stack) = Stack::start_with(Some(tests::fake_model(answers).await)).await else { return };
    stack.open(&format!("/?today={TODAY}")).await;
    stack
        .wait_until(
            "the provider badge",
            "return document.querySelector('.topbar__model').textContent.includes('fake-model')",
        )
        .await;
    let brief = "Promote our glimmerwick in Germany, 20k euros over the summer";
    say(&stack, brief).await;
    replies(&stack, 1).await;
    stack.wait_for(".ad-sets").await;
    let page = stack.plan_json().await;
    let answer: Value = serde_json::from_str(&page).expect("JSON");
    assert_eq!(answer["brief"]["schedule"], json!({"start": "2026-06-21", "end": "2026-09-20"}), "the model's dates");
    assert_eq!(answer["brief"]["ad_category"], "ADV_15_141", "the model's category, after its tool call");
    let asked: Vec<&str> = answer["trace"]
        .as_array()
        .expect("trace")
        .iter()
        .filter(|t| t["source"] == "llm")
        .filter_map(|t| t["agent"].as_str())
        .collect();
    assert!(asked.contains(&"goal") && asked.contains(&"schedule"), "{asked:?}");

    // The server, asked the same through /api/plan, decides the same.
    let api = stack.api_plan(TODAY, &[json!(brief)]).await;
    assert_eq!(without_durations(&page), without_durations(&api));
    stack.close().await;
}
