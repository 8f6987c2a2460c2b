//! The conversation in the browser: the user's turns, the assistant's replies, the UI's edits of the brief,
//! and [`plan`], which runs the planner on them here in the page (history comes from [`crate::api`]).
//!
//! The session is kept in `localStorage`, so a reload continues the conversation (SPEC §5).

use chrono::NaiveDate;
use planner::Assist;
use planner::llm::Model;
use planner::performance::PerformanceSource;
use planner::plan::{ResponseCurve, query_for};
use planner::types::{Overrides, PlanResponse};
use serde::{Deserialize, Serialize};

use crate::api::{History, ServerTools};
use crate::format;

/// One turn of the chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// `true` for the advertiser, `false` for Mixtape.
    pub user: bool,
    /// What was said.
    pub text: String,
}

/// Everything that survives a reload.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The chat so far, user and assistant turns interleaved.
    pub turns: Vec<Turn>,
    /// The UI's edits of the brief.
    pub overrides: Overrides,
}

impl Session {
    /// The user's messages, in order: what the planner reads.
    pub fn messages(&self) -> Vec<String> {
        self.turns.iter().filter(|t| t.user).map(|t| t.text.clone()).collect()
    }
}

const STORAGE_KEY: &str = "mixtape.session.v1";

/// The session saved by an earlier visit, if any.
pub fn restore() -> Option<Session> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

/// Saves the session for the next visit (silently skipped when storage is unavailable, as in private modes).
pub fn persist(session: &Session) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(session)) {
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The reference date: `?today=YYYY-MM-DD` when the URL gives one (demos, tests), else the local date.
pub fn today() -> NaiveDate {
    let from_url = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("today"))
        .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    from_url.unwrap_or_else(|| {
        let now = js_sys::Date::new_0();
        NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, now.get_date()).unwrap_or_default()
    })
}

/// Milliseconds since the page started loading.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Trace durations from the browser's monotonic clock.
struct BrowserClock;

impl planner::Clock for BrowserClock {
    fn now_us(&self) -> u64 {
        (now_ms() * 1000.0) as u64
    }
}

/// A planned conversation, ready to show.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The planner's answer, exactly as `/api/plan` and `mixtape plan --json` give it.
    pub response: PlanResponse,
    /// The answer as `mixtape plan --json` prints it.
    pub json: String,
    /// Each ad set's response curve, in the plan's order.
    pub curves: Vec<ResponseCurve>,
    /// How long planning took in the page, milliseconds.
    pub elapsed_ms: f64,
}

/// Plans the conversation in the page. History is fetched once per markets and objectives, then cached.
/// With a model (the server's proxy), slots the rules leave unread are asked about, concurrently.
pub async fn plan<M: Model>(
    today: NaiveDate,
    messages: &[String],
    overrides: &Overrides,
    model: Option<&M>,
) -> Result<Outcome, String> {
    let started = now_ms();
    let assist = model.map(|model| Assist { model, tools: &ServerTools });
    let planner::Answer { response, curves } =
        planner::answer(today, messages, overrides, &History, &BrowserClock, assist)
            .await
            .map_err(|e| e.to_string())?;
    let json = response.to_json();
    Ok(Outcome { response, json, curves, elapsed_ms: now_ms() - started })
}

/// Fetches the history a brief will need while the user answers its question, so the answer plans without
/// a round trip. Needs the markets; the objective is already settled (defaulted when unsaid).
pub async fn prefetch(response: &PlanResponse) {
    if response.plan.is_none() && !response.brief.targets.countries.is_empty() {
        let _ = History.fetch(&query_for(&response.brief)).await;
    }
}

/// The assistant's turn after a message: the question, or a one-line summary of the plan.
pub fn reply(response: &PlanResponse) -> String {
    if let Some(question) = &response.question {
        return question.clone();
    }
    match &response.plan {
        Some(plan) => {
            let countries: Vec<&str> = {
                let mut seen = Vec::new();
                for a in &plan.ad_sets {
                    let name = planner::taxonomy::markets::market(a.country).name;
                    if !seen.contains(&name) {
                        seen.push(name);
                    }
                }
                seen
            };
            let n = plan.ad_sets.len();
            format!(
                "Here is a plan: {n} ad set{} in {} for {}, forecast to deliver {} {}.",
                if n == 1 { "" } else { "s" },
                format::list(&countries),
                format::budget(&plan.totals.budget),
                format::range(&plan.totals.results),
                plan.totals.result_name
            )
        }
        None => "I could not make a plan from that yet.".to_owned(),
    }
}

impl Session {
    /// Applies a chip or slider edit: the slots it sets replace earlier edits of the same slots.
    pub fn edit(&mut self, edit: Overrides) {
        let o = &mut self.overrides;
        o.objective = edit.objective.or(o.objective);
        o.budget = edit.budget.or(o.budget);
        o.schedule = edit.schedule.or(o.schedule);
        o.countries = edit.countries.or(o.countries.take());
        o.age_ranges = edit.age_ranges.or(o.age_ranges.take());
        o.genders = edit.genders.or(o.genders.take());
        o.platforms = edit.platforms.or(o.platforms.take());
        o.formats = edit.formats.or(o.formats.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use planner::types::{Country, Objective};

    #[test]
    fn an_edit_replaces_only_the_slots_it_sets() {
        let mut s = Session {
            turns: vec![Turn { user: true, text: "a".into() }, Turn { user: false, text: "b".into() }],
            overrides: Overrides { objective: Some(Objective::Clicks), ..Overrides::default() },
        };
        s.edit(Overrides { countries: Some(vec![Country::Br]), ..Overrides::default() });
        s.edit(Overrides { countries: Some(vec![Country::Mx]), ..Overrides::default() });
        assert_eq!(s.overrides.objective, Some(Objective::Clicks));
        assert_eq!(s.overrides.countries, Some(vec![Country::Mx]));
        assert_eq!(s.messages(), ["a"], "only the user's turns are messages");
    }
}
