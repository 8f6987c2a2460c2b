//! The whole pipeline for one conversation: for each message the router picks resolvers, they run
//! concurrently, and — with a model ([`run_assisted`]) — the slots whose rules left something unread are
//! asked about, concurrently too; the conversation merges the updates; once nothing required is missing
//! the media planner turns the brief into a plan. Every agent that runs leaves a line in the trace.

use chrono::NaiveDate;
use futures::future::OptionFuture;
use serde_json::Value;

use crate::agents::audience::AudienceResolver;
use crate::agents::audience::AudienceUpdate;
use crate::agents::budget::BudgetResolver;
use crate::agents::goal::GoalResolver;
use crate::agents::goal::GoalUpdate;
use crate::agents::schedule::ScheduleResolver;
use crate::agents::{ListEdit, Message, Resolution, Resolver, router};
use crate::conversation::State;
use crate::llm::assist::{self, Slot};
use crate::llm::tools::{Local, Tools};
use crate::llm::{Model, ModelError, NoModel};
use crate::performance::PerformanceSource;
use crate::plan::{self, ResponseCurve};
use crate::types::{Overrides, PlanResponse, Source, TraceEntry};

/// Messages longer than this are refused.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The caller's clock, for trace durations only (`Instant::now` does not exist on wasm32).
pub trait Clock {
    /// Microseconds since an arbitrary origin.
    fn now_us(&self) -> u64;
}

/// A clock that always reads zero (tests, byte-identical comparisons).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoClock;

impl Clock for NoClock {
    fn now_us(&self) -> u64 {
        0
    }
}

/// Why a conversation could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A message is over [`MAX_MESSAGE_CHARS`].
    #[error("message {index} is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}")]
    MessageTooLong {
        /// 1-based message number.
        index: usize,
        /// Its length in characters.
        chars: usize,
    },
    /// No message at all.
    #[error("a conversation needs at least one message")]
    Empty,
    /// The UI's edits of the brief cannot be applied.
    #[error("invalid edit: {0}")]
    InvalidOverrides(String),
    /// History could not be read.
    #[error(transparent)]
    Source(#[from] crate::performance::SourceError),
}

/// Refuses a conversation the pipeline will not answer: no message, or one over [`MAX_MESSAGE_CHARS`].
/// [`run`] checks this itself; callers may check first to fail before doing any I/O.
pub fn check_messages(messages: &[String]) -> Result<(), PlanError> {
    if messages.is_empty() {
        return Err(PlanError::Empty);
    }
    match messages.iter().enumerate().find(|(_, m)| m.chars().count() > MAX_MESSAGE_CHARS) {
        Some((i, m)) => Err(PlanError::MessageTooLong { index: i + 1, chars: m.chars().count() }),
        None => Ok(()),
    }
}

/// Answers a conversation: `messages` are the user's turns in order, `today` the reference date.
pub async fn run<S: PerformanceSource, C: Clock>(
    today: NaiveDate,
    messages: &[String],
    source: &S,
    clock: &C,
) -> Result<PlanResponse, PlanError> {
    run_with(today, messages, &Overrides::default(), source, clock).await
}

/// [`run`], with the UI's structured edits of the brief applied after the last message (SPEC §5).
pub async fn run_with<S: PerformanceSource, C: Clock>(
    today: NaiveDate,
    messages: &[String],
    edits: &Overrides,
    source: &S,
    clock: &C,
) -> Result<PlanResponse, PlanError> {
    run_assisted(today, messages, edits, source, clock, None::<Assist<'_, NoModel, Local>>).await
}

/// A language model, and the tools that ground it, for what the rules leave unread.
#[derive(Debug)]
pub struct Assist<'a, M, T> {
    /// The model.
    pub model: &'a M,
    /// Its tools.
    pub tools: &'a T,
}

// Two references: copyable whatever `M` and `T` are (a derive would demand `M: Copy`).
impl<M, T> Clone for Assist<'_, M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Assist<'_, M, T> {}

/// [`run_with`], asking a model about every slot whose rules left part of a message unread. The model
/// calls of one turn run concurrently; when every slot resolves by rules no call is made; when the model
/// fails, the rules' answer stands and the assumptions say so.
pub async fn run_assisted<S: PerformanceSource, C: Clock, M: Model, T: Tools>(
    today: NaiveDate,
    messages: &[String],
    edits: &Overrides,
    source: &S,
    clock: &C,
    assist: Option<Assist<'_, M, T>>,
) -> Result<PlanResponse, PlanError> {
    Ok(answer(today, messages, edits, source, clock, assist).await?.response)
}

/// What [`answer`] gives: the planner's answer, and what a chart needs beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The answer every surface prints.
    pub response: PlanResponse,
    /// Each ad set's response curve, in the plan's order (empty without a plan).
    pub curves: Vec<ResponseCurve>,
}

/// [`run_assisted`], keeping the ad sets' response curves the media planner drew (for the app's charts).
pub async fn answer<S: PerformanceSource, C: Clock, M: Model, T: Tools>(
    today: NaiveDate,
    messages: &[String],
    edits: &Overrides,
    source: &S,
    clock: &C,
    assist: Option<Assist<'_, M, T>>,
) -> Result<Answer, PlanError> {
    check_messages(messages)?;
    if let Some(problem) = edits.problem() {
        return Err(PlanError::InvalidOverrides(problem));
    }
    let mut state = State::default();
    let mut trace = Vec::new();
    let mut model_failure = None;
    for (turn, text) in messages.iter().enumerate() {
        let message = Message::new(text, today);
        let started = clock.now_us();
        let route = router::route(state.known(), &message);
        trace.push(entry("router", turn, clock.now_us().saturating_sub(started), route.describe()));

        // The four resolvers run concurrently; each times itself.
        let (mut goal, mut audience, mut budget, mut schedule) = futures::join!(
            timed(route.goal, &GoalResolver, &message, clock),
            timed(route.audience, &AudienceResolver, &message, clock),
            timed(route.budget, &BudgetResolver, &message, clock),
            timed(route.schedule, &ScheduleResolver, &message, clock),
        );
        trace.extend(goal.as_ref().map(|(r, us)| resolver_entry::<GoalResolver, _>(turn, *us, r)));
        trace.extend(audience.as_ref().map(|(r, us)| resolver_entry::<AudienceResolver, _>(turn, *us, r)));
        trace.extend(budget.as_ref().map(|(r, us)| resolver_entry::<BudgetResolver, _>(turn, *us, r)));
        trace.extend(schedule.as_ref().map(|(r, us)| resolver_entry::<ScheduleResolver, _>(turn, *us, r)));

        if let Some(assist) = assist {
            // Only slots whose rules left something unread go to the model, all at once.
            let unread = |unparsed: Option<&Vec<String>>| unparsed.filter(|u| !u.is_empty()).cloned();
            let ask = |slot: Slot, unread: Option<Vec<String>>| {
                OptionFuture::from(unread.map(|u| timed_ask(assist, slot, text, today, u, clock)))
            };
            let (g, a, b, s) = futures::join!(
                ask(Slot::Goal, unread(goal.as_ref().map(|(r, _)| &r.unparsed))),
                ask(Slot::Audience, unread(audience.as_ref().map(|(r, _)| &r.unparsed))),
                ask(Slot::Budget, unread(budget.as_ref().map(|(r, _)| &r.unparsed))),
                ask(Slot::Schedule, unread(schedule.as_ref().map(|(r, _)| &r.unparsed))),
            );
            let mut note =
                |slot: Slot, answer: &Result<Value, ModelError>, us: u64, checked: (Vec<String>, Vec<String>)| {
                    trace.push(model_entry(slot, turn, us, answer, checked));
                    if let Err(e) = answer {
                        model_failure.get_or_insert_with(|| e.0.clone());
                    }
                };
            if let (Some((answer, us)), Some((rules, _))) = (g, goal.as_mut()) {
                let checked = answer.as_ref().map(assist::check_goal).unwrap_or_default();
                fill_goal(&mut rules.value, checked.update);
                note(Slot::Goal, &answer, us, (checked.accepted, checked.dropped));
            }
            if let (Some((answer, us)), Some((rules, _))) = (a, audience.as_mut()) {
                let checked = answer.as_ref().map(assist::check_audience).unwrap_or_default();
                fill_audience(&mut rules.value, checked.update);
                note(Slot::Audience, &answer, us, (checked.accepted, checked.dropped));
            }
            if let (Some((answer, us)), Some((rules, _))) = (b, budget.as_mut()) {
                let checked = answer.as_ref().map(|v| assist::check_budget(v, &message)).unwrap_or_default();
                rules.value.amount = rules.value.amount.or(checked.update.amount);
                rules.value.currency = rules.value.currency.or(checked.update.currency);
                note(Slot::Budget, &answer, us, (checked.accepted, checked.dropped));
            }
            if let (Some((answer, us)), Some((rules, _))) = (s, schedule.as_mut()) {
                let checked = answer.as_ref().map(|v| assist::check_schedule(v, today)).unwrap_or_default();
                let r = &mut rules.value;
                if r.schedule.is_none() && r.start.is_none() && r.span.is_none() {
                    *r = checked.update;
                }
                note(Slot::Schedule, &answer, us, (checked.accepted, checked.dropped));
            }
        }

        if let Some((r, _)) = goal {
            state.apply_goal(&r.value);
        }
        if let Some((r, _)) = audience {
            state.apply_audience(&r.value);
        }
        if let Some((r, _)) = budget {
            state.apply_budget(&r.value);
        }
        if let Some((r, _)) = schedule {
            state.apply_schedule(&r.value, today);
        }
    }
    let last = messages.len() - 1;
    let started = clock.now_us();
    let resolved = state.finish_with(edits);
    let missing_note =
        if resolved.missing.is_empty() { "brief complete".to_owned() } else { "asks a question".to_owned() };
    let edited = edits.slots();
    let note = if edited.is_empty() { missing_note } else { format!("{missing_note}; edited: {}", edited.join(", ")) };
    trace.push(entry("conversation", last, clock.now_us().saturating_sub(started), note));

    let mut assumptions = resolved.assumptions;
    if let Some(why) = model_failure {
        assumptions.push(format!("The language model could not help ({why}), so this answer uses the rules alone."));
    }
    let mut response = PlanResponse {
        brief: resolved.brief,
        missing: resolved.missing,
        assumptions,
        question: resolved.question,
        plan: None,
        trace,
    };
    let mut curves = Vec::new();
    if response.missing.is_empty() {
        let started = clock.now_us();
        let outcome = plan::make_plan(&response.brief, source).await?;
        let note = match &outcome.plan {
            Some(p) => format!("{} ad sets", p.ad_sets.len()),
            None => "no plan: budget too small".to_owned(),
        };
        response.trace.push(entry("media_planner", last, clock.now_us().saturating_sub(started), note));
        response.assumptions.extend(outcome.assumptions);
        response.plan = outcome.plan;
        if response.question.is_none() {
            response.question = outcome.question;
        }
        curves = outcome.curves;
    }
    Ok(Answer { response, curves })
}

/// Runs a resolver when routed, timing it with the caller's clock.
async fn timed<R: Resolver, C: Clock>(
    routed: bool,
    resolver: &R,
    message: &Message<'_>,
    clock: &C,
) -> Option<(Resolution<R::Output>, u64)> {
    OptionFuture::from(routed.then_some(async {
        let started = clock.now_us();
        let r = resolver.resolve(message).await;
        (r, clock.now_us().saturating_sub(started))
    }))
    .await
}

/// Asks the model about one slot, timing it with the caller's clock.
async fn timed_ask<M: Model, T: Tools, C: Clock>(
    assist: Assist<'_, M, T>,
    slot: Slot,
    text: &str,
    today: NaiveDate,
    unread: Vec<String>,
    clock: &C,
) -> (Result<Value, ModelError>, u64) {
    let started = clock.now_us();
    let answer = assist::ask(assist.model, assist.tools, slot, text, today, &unread).await;
    (answer, clock.now_us().saturating_sub(started))
}

/// The model fills only what the rules left empty.
fn fill_goal(rules: &mut GoalUpdate, model: GoalUpdate) {
    rules.objective = rules.objective.or(model.objective);
    if rules.category.is_none() {
        rules.category = model.category;
        rules.category_strength = model.category_strength;
    }
    if rules.formats.is_keep() {
        rules.formats = model.formats;
    }
    if rules.placements.is_keep() {
        rules.placements = model.placements;
    }
}

/// The model fills only the lists the rules left untouched.
fn fill_audience(rules: &mut AudienceUpdate, model: AudienceUpdate) {
    fn fill<T: Clone + PartialEq>(rules: &mut ListEdit<T>, model: ListEdit<T>) {
        if rules.is_keep() {
            *rules = model;
        }
    }
    fill(&mut rules.countries, model.countries);
    fill(&mut rules.cities, model.cities);
    fill(&mut rules.age_ranges, model.age_ranges);
    fill(&mut rules.genders, model.genders);
    fill(&mut rules.platforms, model.platforms);
    fill(&mut rules.interests, model.interests);
    fill(&mut rules.genres, model.genres);
    fill(&mut rules.podcast_topics, model.podcast_topics);
}

/// The trace line of a model call: which prompt, what was accepted, and what was dropped and why.
fn model_entry(
    slot: Slot,
    turn: usize,
    elapsed_us: u64,
    answer: &Result<Value, ModelError>,
    (accepted, dropped): (Vec<String>, Vec<String>),
) -> TraceEntry {
    let version = slot.prompt().version;
    let note = match answer {
        Err(e) => format!("model failed: {}", e.0),
        Ok(_) if accepted.is_empty() => format!("model (prompt v{version}): nothing usable"),
        Ok(_) => format!("model (prompt v{version}): {}", accepted.join(", ")),
    };
    TraceEntry { source: Source::Llm, unparsed: dropped, ..entry(slot.name(), turn, elapsed_us, note) }
}

fn entry(agent: &str, turn: usize, elapsed_us: u64, note: String) -> TraceEntry {
    TraceEntry {
        agent: agent.to_owned(),
        source: Source::Rules,
        elapsed_us,
        turn,
        note,
        confidence: None,
        unparsed: Vec::new(),
    }
}

fn resolver_entry<R: Resolver, T>(turn: usize, elapsed_us: u64, r: &Resolution<T>) -> TraceEntry {
    TraceEntry {
        confidence: Some(r.confidence),
        unparsed: r.unparsed.clone(),
        ..entry(R::NAME, turn, elapsed_us, format!("confidence {}%", r.confidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::InMemory;

    #[test]
    fn a_follow_up_runs_only_the_resolvers_it_needs_and_every_agent_is_traced() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let messages =
            ["Traffic campaign, Norway, 50 000 kroner, 4 weeks from May 18".to_owned(), "women only".to_owned()];
        let r = futures::executor::block_on(run(today, &messages, &InMemory::default(), &NoClock)).expect("runs");
        let turn = |n: usize| r.trace.iter().filter(|t| t.turn == n).map(|t| t.agent.as_str()).collect::<Vec<_>>();
        assert_eq!(turn(0), ["router", "goal", "audience", "budget", "schedule"]);
        assert_eq!(turn(1), ["router", "audience", "conversation", "media_planner"]);
        assert!(r.trace.iter().all(|t| t.source == Source::Rules));
        assert_eq!(r.brief.targets.genders, [crate::types::Gender::Female]);
    }

    #[test]
    fn edits_replace_what_the_conversation_resolved_and_can_fill_a_missing_slot() {
        use crate::types::{Budget, BudgetType, Country, Currency, Overrides, Slot};
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let messages = ["Awareness in Paris, all of April".to_owned()];
        let source = InMemory::default();
        let run = |edits: &Overrides| futures::executor::block_on(run_with(today, &messages, edits, &source, &NoClock));
        let plain = run(&Overrides::default()).expect("runs");
        assert_eq!(plain.missing, [Slot::Budget]);

        let budget = Budget { micro_amount: 20_000_000_000, currency: Currency::Eur, kind: BudgetType::Lifetime };
        let edits = Overrides { budget: Some(budget), countries: Some(vec![Country::De]), ..Overrides::default() };
        let edited = run(&edits).expect("runs");
        assert!(edited.missing.is_empty() && edited.question.is_none());
        assert_eq!(edited.brief.budget, Some(budget));
        assert_eq!(edited.brief.targets.countries, [Country::De]);
        assert!(edited.brief.targets.cities.is_empty(), "Paris is not in Germany");
        assert!(
            edited.trace.iter().any(|t| t.agent == "conversation" && t.note.ends_with("edited: budget, countries"))
        );

        let bad = Overrides { budget: Some(Budget { micro_amount: 0, ..budget }), ..Overrides::default() };
        assert!(matches!(run(&bad), Err(PlanError::InvalidOverrides(_))));
    }
}
