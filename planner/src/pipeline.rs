//! The whole pipeline for one conversation: for each message the router picks resolvers, they run
//! concurrently, the conversation merges their updates; once nothing required is missing the media planner
//! turns the brief into a plan. Every agent that runs leaves a line in the trace.

use chrono::NaiveDate;
use futures::future::OptionFuture;

use crate::agents::audience::AudienceResolver;
use crate::agents::budget::BudgetResolver;
use crate::agents::goal::GoalResolver;
use crate::agents::schedule::ScheduleResolver;
use crate::agents::{Message, Resolution, Resolver, router};
use crate::conversation::State;
use crate::performance::PerformanceSource;
use crate::plan;
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
    check_messages(messages)?;
    if let Some(problem) = edits.problem() {
        return Err(PlanError::InvalidOverrides(problem));
    }
    let mut state = State::default();
    let mut trace = Vec::new();
    for (turn, text) in messages.iter().enumerate() {
        let message = Message::new(text, today);
        let started = clock.now_us();
        let route = router::route(state.known(), &message);
        trace.push(entry("router", turn, clock.now_us().saturating_sub(started), route.describe()));

        // The four resolvers run concurrently; each times itself.
        let (goal, audience, budget, schedule) = futures::join!(
            timed(route.goal, &GoalResolver, &message, clock),
            timed(route.audience, &AudienceResolver, &message, clock),
            timed(route.budget, &BudgetResolver, &message, clock),
            timed(route.schedule, &ScheduleResolver, &message, clock),
        );
        if let Some((r, us)) = goal {
            state.apply_goal(&r.value);
            trace.push(resolver_entry::<GoalResolver, _>(turn, us, &r));
        }
        if let Some((r, us)) = audience {
            state.apply_audience(&r.value);
            trace.push(resolver_entry::<AudienceResolver, _>(turn, us, &r));
        }
        if let Some((r, us)) = budget {
            state.apply_budget(&r.value);
            trace.push(resolver_entry::<BudgetResolver, _>(turn, us, &r));
        }
        if let Some((r, us)) = schedule {
            state.apply_schedule(&r.value, today);
            trace.push(resolver_entry::<ScheduleResolver, _>(turn, us, &r));
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

    let mut response = PlanResponse {
        brief: resolved.brief,
        missing: resolved.missing,
        assumptions: resolved.assumptions,
        question: resolved.question,
        plan: None,
        trace,
    };
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
    }
    Ok(response)
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
