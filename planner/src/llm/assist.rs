//! Model-backed resolvers: when the rules leave part of a message unread, the slot's resolver asks the
//! model, with its own versioned prompt (`planner/prompts/*.md`), tools to ground the answer, and a JSON
//! Schema for the reply. Every value the model returns is then checked — it must exist in the taxonomy, and
//! amounts and dates must be consistent with the message — and whatever fails is dropped and reported,
//! never passed on.
//!
//! Start with [`ask`] (one slot: at most two model round trips, the second only when the model called
//! tools), then the `check_*` functions. The pipeline runs the asks of one turn concurrently.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::tools::{self, Tools};
use super::{Model, ModelError, ModelMessage, ModelRequest, Part, Role};
use crate::agents::audience::AudienceUpdate;
use crate::agents::budget::{self, Amount, BudgetUpdate, CurrencyMark, Period};
use crate::agents::goal::GoalUpdate;
use crate::agents::schedule::ScheduleUpdate;
use crate::agents::{ListEdit, Message, lexer};
use crate::taxonomy::{self, categories, cities};
use crate::types::{AgeRange, AssetFormat, Country, Currency, Gender, Objective, Placement, Platform, Schedule};

/// The slots a model can help resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Objective, ad category, formats, placements.
    Goal,
    /// Markets, cities, ages, genders, platforms, interests.
    Audience,
    /// Amount, currency, period.
    Budget,
    /// Start and end.
    Schedule,
}

/// A resolver's prompt: its text and version (the first line of its file, `version: N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// The version, reported in the trace.
    pub version: u32,
    /// The system instruction.
    pub text: &'static str,
}

impl Slot {
    /// Every slot.
    pub const ALL: [Slot; 4] = [Slot::Goal, Slot::Audience, Slot::Budget, Slot::Schedule];

    /// The slot's resolver name, as in the trace.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Goal => "goal",
            Slot::Audience => "audience",
            Slot::Budget => "budget",
            Slot::Schedule => "schedule",
        }
    }

    /// The slot's prompt.
    pub fn prompt(self) -> Prompt {
        let file = match self {
            Slot::Goal => include_str!("../../prompts/goal.md"),
            Slot::Audience => include_str!("../../prompts/audience.md"),
            Slot::Budget => include_str!("../../prompts/budget.md"),
            Slot::Schedule => include_str!("../../prompts/schedule.md"),
        };
        let (first, text) = file.split_once('\n').unwrap_or((file, ""));
        let version = first.strip_prefix("version: ").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
        Prompt { version, text: text.trim() }
    }

    /// The slot whose prompt is this system instruction (to tell a request's resolver, e.g. for progress).
    pub fn for_prompt(system: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.prompt().text == system)
    }

    /// The JSON Schema of the slot's answer.
    pub fn schema(self) -> Value {
        let list = |values: &[String]| json!({"type": "array", "items": {"type": "string", "enum": values}});
        let strings = json!({"type": "array", "items": {"type": "string"}});
        let properties = match self {
            Slot::Goal => json!({
                "objective": {"type": "string", "enum": names(Objective::ALL)},
                "ad_category": {"type": "string"},
                "formats": list(&names(AssetFormat::ALL)),
                "placements": list(&names(Placement::ALL)),
            }),
            Slot::Audience => json!({
                "countries": list(&names(Country::ALL)),
                "cities": strings,
                "age_ranges": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
                    "required": ["min", "max"],
                }},
                "genders": list(&names(Gender::ALL)),
                "platforms": list(&names(Platform::ALL)),
                "interests": strings,
                "genres": strings,
                "podcast_topics": strings,
            }),
            Slot::Budget => json!({
                "amount": {"type": "string"},
                "currency": {"type": "string", "enum": names(Currency::ALL)},
                "period": {"type": "string", "enum": ["lifetime", "daily", "weekly", "monthly"]},
            }),
            Slot::Schedule => json!({
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
            }),
        };
        json!({"type": "object", "properties": properties})
    }
}

fn names<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(ToString::to_string).collect()
}

/// The first request for a slot: the prompt, the message, what the rules could not read, tools, schema.
pub fn request(slot: Slot, message: &str, today: NaiveDate, unread: &[String]) -> ModelRequest {
    let content = json!({"today": today, "message": message, "not_understood_by_rules": unread});
    ModelRequest {
        system: slot.prompt().text.to_owned(),
        messages: vec![ModelMessage { role: Role::User, parts: vec![Part::Text { text: content.to_string() }] }],
        tools: tools::declarations(),
        response_schema: Some(slot.schema()),
        temperature: Some(0.0),
    }
}

/// Asks the model about one slot: a first round trip, and when the model called tools, their answers
/// (fetched concurrently) and a second, final one. Answers the model's JSON object.
pub async fn ask<M: Model, T: Tools>(
    model: &M,
    tools: &T,
    slot: Slot,
    message: &str,
    today: NaiveDate,
    unread: &[String],
) -> Result<Value, ModelError> {
    let mut request = request(slot, message, today, unread);
    let first = model.generate(&request).await?;
    let calls: Vec<(Option<String>, String, Value)> = first
        .calls()
        .filter_map(|p| match p {
            Part::FunctionCall { id, name, args, .. } => Some((id.clone(), name.clone(), args.clone())),
            _ => None,
        })
        .collect();
    let last = if calls.is_empty() {
        first
    } else {
        let answers = futures::future::join_all(calls.iter().map(|(_, name, args)| tools.call(name, args))).await;
        let mut responses = Vec::with_capacity(calls.len());
        for ((id, name, _), answer) in calls.into_iter().zip(answers) {
            responses.push(Part::FunctionResponse { id, name, response: answer? });
        }
        // The model's own turn goes back unchanged: Gemini needs its thought signatures.
        request.messages.push(ModelMessage { role: Role::Model, parts: first.parts });
        request.messages.push(ModelMessage { role: Role::Tool, parts: responses });
        model.generate(&request).await?
    };
    parse_object(&last.text())
}

/// The JSON object in a model's text, tolerating a Markdown code fence around it.
pub fn parse_object(text: &str) -> Result<Value, ModelError> {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|s| s.strip_suffix("```"))
        .unwrap_or(trimmed);
    match serde_json::from_str::<Value>(inner.trim()) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(ModelError(format!("the model did not answer with a JSON object: {}", excerpt(trimmed)))),
    }
}

fn excerpt(s: &str) -> String {
    let mut e: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        e.push('…');
    }
    e
}

/// A model's answer after checking: the update it makes, what was kept and what was dropped and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked<T> {
    /// The update made of the accepted values.
    pub update: T,
    /// Accepted values, for the trace ("category ADV_15_141").
    pub accepted: Vec<String>,
    /// Dropped values with the reason ("genre `vaporwave-core`: not in the taxonomy").
    pub dropped: Vec<String>,
}

impl<T> Checked<T> {
    fn keep(&mut self, what: String) {
        self.accepted.push(what);
    }
    fn drop(&mut self, what: String) {
        self.dropped.push(what);
    }
}

fn strings<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    v.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// Values of a closed vocabulary from a list field; unknown ones are dropped.
fn vocabulary<T: std::str::FromStr + std::fmt::Display + PartialEq, U>(
    v: &Value,
    key: &str,
    checked: &mut Checked<U>,
) -> ListEdit<T> {
    let mut out: Vec<T> = Vec::new();
    for s in strings(v, key) {
        match s.trim().to_uppercase().parse::<T>() {
            Ok(x) if !out.contains(&x) => {
                checked.keep(format!("{key} {x}"));
                out.push(x);
            }
            Ok(_) => {}
            Err(_) => checked.drop(format!("{key} `{s}`: not a known value")),
        }
    }
    if out.is_empty() { ListEdit::Keep } else { ListEdit::Add(out) }
}

/// Checks a goal answer: the objective and formats must be known values, the category must exist.
pub fn check_goal(v: &Value) -> Checked<GoalUpdate> {
    let mut c = Checked::<GoalUpdate>::default();
    if let Some(s) = v.get("objective").and_then(Value::as_str) {
        match s.parse::<Objective>() {
            Ok(o) => {
                c.keep(format!("objective {o}"));
                c.update.objective = Some(o);
            }
            Err(_) => c.drop(format!("objective `{s}`: not an objective")),
        }
    }
    if let Some(s) = v.get("ad_category").and_then(Value::as_str) {
        match categories::get(s.trim()) {
            Some(cat) => {
                c.keep(format!("category {}", cat.id));
                c.update.category = Some(cat.id);
                c.update.category_strength = categories::Strength::Inferred;
            }
            None => c.drop(format!("category `{s}`: not an ad category")),
        }
    }
    c.update.formats = vocabulary(v, "formats", &mut c);
    c.update.placements = vocabulary(v, "placements", &mut c);
    c
}

fn slug(list: &'static [&'static str], s: &str) -> Option<&'static str> {
    list.iter().find(|x| x.eq_ignore_ascii_case(s.trim())).copied()
}

/// Checks an audience answer: codes, cities and slugs must exist; ages must lie within 13–99.
pub fn check_audience(v: &Value) -> Checked<AudienceUpdate> {
    let mut c = Checked::<AudienceUpdate>::default();
    c.update.countries = vocabulary(v, "countries", &mut c);
    c.update.genders = vocabulary(v, "genders", &mut c);
    c.update.platforms = vocabulary(v, "platforms", &mut c);
    let mut found = Vec::new();
    for s in strings(v, "cities") {
        let norm = crate::text::normalize(s);
        match cities::all().iter().find(|city| cities::spellings(city).any(|sp| sp == norm)) {
            Some(city) if !found.contains(&city.name.to_owned()) => {
                c.keep(format!("city {}", city.name));
                found.push(city.name.to_owned());
            }
            Some(_) => {}
            None => c.drop(format!("city `{s}`: not in the gazetteer")),
        }
    }
    if !found.is_empty() {
        c.update.cities = ListEdit::Add(found);
    }
    let mut ages = Vec::new();
    for a in v.get("age_ranges").and_then(Value::as_array).into_iter().flatten() {
        let bound = |k: &str| a.get(k).and_then(Value::as_u64).and_then(|n| u8::try_from(n).ok());
        match (bound("min"), bound("max")) {
            (Some(min), Some(max)) if (13..=99).contains(&min) && min <= max && max <= 99 => {
                c.keep(format!("ages {min}-{max}"));
                ages.push(AgeRange { min, max });
            }
            _ => c.drop(format!("age range {a}: not within 13-99")),
        }
    }
    if !ages.is_empty() {
        c.update.age_ranges = ListEdit::Add(ages);
    }
    for (key, list) in
        [("interests", taxonomy::INTERESTS), ("genres", taxonomy::GENRES), ("podcast_topics", taxonomy::PODCAST_TOPICS)]
    {
        let mut kept: Vec<&'static str> = Vec::new();
        for s in strings(v, key) {
            match slug(list, s) {
                Some(x) if !kept.contains(&x) => {
                    c.keep(format!("{key} {x}"));
                    kept.push(x);
                }
                Some(_) => {}
                None => c.drop(format!("{key} `{s}`: not in the taxonomy")),
            }
        }
        if !kept.is_empty() {
            let edit = ListEdit::Add(kept);
            match key {
                "interests" => c.update.interests = edit,
                "genres" => c.update.genres = edit,
                _ => c.update.podcast_topics = edit,
            }
        }
    }
    c
}

/// Checks a budget answer: the amount must be one the message states (its digits, or a multiple by
/// thousand, lakh, million or crore of a number in it), the currency a known code.
pub fn check_budget(v: &Value, message: &Message<'_>) -> Checked<BudgetUpdate> {
    let mut c = Checked::<BudgetUpdate>::default();
    let currency = match v.get("currency").and_then(Value::as_str) {
        Some(s) => match s.trim().to_uppercase().parse::<Currency>() {
            Ok(cur) => {
                c.keep(format!("currency {cur}"));
                Some(CurrencyMark::Code(cur))
            }
            Err(_) => {
                c.drop(format!("currency `{s}`: not a currency Mixtape plans in"));
                None
            }
        },
        None => None,
    };
    let period = match v.get("period").and_then(Value::as_str) {
        Some("daily") => Period::Daily,
        Some("weekly") => Period::Weekly,
        Some("monthly") => Period::Monthly,
        _ => Period::Lifetime,
    };
    let amount = v.get("amount").and_then(|a| match a {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    if let Some(text) = amount {
        match budget::decimal_micros(&text) {
            Some(micros) if stated(micros, message) => {
                c.keep(format!("amount {text}"));
                c.update.amount = Some(Amount { micros, period, currency });
            }
            Some(_) => c.drop(format!("amount {text}: not a number the message states")),
            None => c.drop(format!("amount `{text}`: not an amount")),
        }
    }
    c.update.currency = currency;
    c
}

/// Whether the message states this amount: as one of its numbers times 1, 10³, 10⁵, 10⁶ or 10⁷, or — when
/// it writes no digits at all — in words (then nothing can be compared, so only the size is bounded).
fn stated(micros: i64, message: &Message<'_>) -> bool {
    let numbers: Vec<i64> = (0..message.tokens.len())
        .filter_map(|i| budget::parse_number(&message.tokens, i).map(|(d, _)| d.scaled(1)))
        .filter(|m| *m > 0)
        .collect();
    if numbers.is_empty() {
        // Spelled out ("fifty thousand euros"): the words cannot be compared here, so they must at least be
        // there, and the amount must be plausible.
        let spelled = message
            .tokens
            .iter()
            .any(|t| matches!(&t.kind, lexer::Kind::Word(w) if NUMBER_WORDS.contains(&w.as_str())));
        return spelled && micros <= 1_000_000_000 * 1_000_000;
    }
    [1, 1_000, 100_000, 1_000_000, 10_000_000]
        .iter()
        .any(|mult| numbers.iter().any(|n| n.checked_mul(*mult) == Some(micros)))
}

/// Words that spell amounts, in the languages briefs arrive in.
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "million",
    "billion",
    "grand",
    "lakh",
    "lakhs",
    "crore",
    "crores",
    "mil",
    "mille",
    "tausend",
    "millionen",
    "cien",
    "mille",
    "milhao",
    "milhoes",
    "millon",
    "millones",
    "duizend",
    "tusen",
    "tusind",
];

/// Checks a schedule answer: real dates, from today on, ending after they start, within two years.
pub fn check_schedule(v: &Value, today: NaiveDate) -> Checked<ScheduleUpdate> {
    let mut c = Checked::<ScheduleUpdate>::default();
    let date = |k: &str| v.get(k).and_then(Value::as_str).map(|s| (s, NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")));
    let horizon = today + Duration::days(731);
    let day = |k: &str, c: &mut Checked<ScheduleUpdate>| match date(k) {
        Some((_, Ok(d))) if d >= today && d <= horizon => Some(d),
        Some((s, Ok(_))) => {
            c.drop(format!("{k} {s}: before today or over two years away"));
            None
        }
        Some((s, Err(_))) => {
            c.drop(format!("{k} `{s}`: not a date"));
            None
        }
        None => None,
    };
    let (start, end) = (day("start", &mut c), day("end", &mut c));
    match (start, end) {
        (Some(start), Some(end)) if start <= end => {
            c.keep(format!("dates {start} to {end}"));
            c.update.schedule = Some(Schedule { start, end });
        }
        (Some(start), Some(end)) => c.drop(format!("dates {start} to {end}: the end is before the start")),
        (Some(start), None) => {
            c.keep(format!("start {start}"));
            c.update.start = Some(start);
        }
        _ => {}
    }
    c
}
