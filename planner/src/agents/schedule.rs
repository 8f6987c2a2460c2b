//! The schedule resolver: calendar dates from free text (SPEC §2, "Schedule").
//!
//! It works in two passes. [`scan`] turns tokens into date items — points ("May 4th", "2026-05-11",
//! "tomorrow"), periods ("June", "Q3", "next month"), durations ("for 3 weeks"), range connectors
//! ("to", "through", "–") and start words ("starting", "from") — each with its token span. [`assemble`]
//! then combines adjacent items by the SPEC's rules: a range, a duration with its start, a whole period, or
//! a bare start (which leaves the schedule missing until a later message gives the end).

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::lexer::{Token, month_at, number_word};
use super::{Message, Resolution, Resolver};
use crate::types::Schedule;

/// A flight length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// N days (weeks are 7 days).
    Days(u32),
    /// N calendar months.
    Months(u32),
}

impl Span {
    /// The inclusive schedule of this length starting on `start`.
    pub fn from(self, start: NaiveDate) -> Option<Schedule> {
        let end = match self {
            Span::Days(n) => start.checked_add_days(Days::new(u64::from(n.max(1))))?,
            Span::Months(n) => start.checked_add_months(Months::new(n.max(1)))?,
        };
        Some(Schedule { start, end: end.pred_opt()? })
    }
}

/// What a message says about dates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleUpdate {
    /// A complete schedule.
    pub schedule: Option<Schedule>,
    /// A start with no end yet.
    pub start: Option<NaiveDate>,
    /// A length with no start: starts tomorrow unless the conversation already has a start.
    pub span: Option<Span>,
    /// An end with no start ("run through October 4"): the conversation's start completes it.
    pub end: Option<End>,
}

/// The end of a schedule named on its own, settled once the start is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct End(Item);

impl End {
    /// The schedule an end names when the conversation has no start: "through Q4" and "until June" say
    /// when as well as how long, so they are the whole period; a single day is not a schedule.
    pub fn alone(self, today: NaiveDate) -> Option<Schedule> {
        matches!(self.0, Item::Month { .. } | Item::Months { .. } | Item::Period(_))
            .then(|| range(self.0, self.0, today))
            .flatten()
    }

    /// The last day for a schedule that starts on `start`: the first such end on or after it (an end
    /// without a year that falls before the start is in the following year).
    pub fn after(self, start: NaiveDate) -> Option<NaiveDate> {
        let end = period_in(self.0, start.year())?.end;
        let end = if end < start && !has_year(self.0) { period_in(self.0, start.year() + 1)?.end } else { end };
        (end >= start).then_some(end)
    }
}

/// Resolves schedules with rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScheduleResolver;

impl Resolver for ScheduleResolver {
    type Output = ScheduleUpdate;
    const NAME: &'static str = "schedule";

    async fn resolve(&self, message: &Message<'_>) -> Resolution<ScheduleUpdate> {
        resolve(message)
    }
}

/// Words that say the message is about dates but that these rules do not resolve.
const VAGUE: &[&str] = &[
    "summer",
    "winter",
    "autumn",
    "fall",
    "spring",
    "weekend",
    "holidays",
    "holiday season",
    "christmas",
    "easter",
    "soon",
    "asap",
    "later this year",
    "end of the year",
    "black friday",
    "back to school",
];

/// Whether the message talks about dates (the router's test).
pub fn mentions(message: &Message<'_>) -> bool {
    scan(&message.tokens, message.today).iter().any(|s| is_when(s.item) || matches!(s.item, Item::Length(_)))
        || message.mentions(VAGUE)
}

/// The synchronous rules behind [`ScheduleResolver`].
pub fn resolve(message: &Message<'_>) -> Resolution<ScheduleUpdate> {
    let items = scan(&message.tokens, message.today);
    let value = assemble(&items, message.today);
    let mut unparsed: Vec<String> = VAGUE.iter().filter(|v| message.mentions(&[v])).map(|v| (*v).to_owned()).collect();
    if value == ScheduleUpdate::default() && !items.is_empty() {
        unparsed.push(message.raw.trim().to_owned());
    }
    let confidence = if value.schedule.is_some() {
        90
    } else if value == ScheduleUpdate::default() {
        0
    } else {
        60
    };
    Resolution { value, confidence, unparsed }
}

/// A calendar day, possibly without its year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    month: u32,
    day: u32,
    year: Option<i32>,
}

/// A date item found in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    /// One day.
    Point(Day),
    /// A day already fixed ("tomorrow", "next Monday").
    Fixed(NaiveDate),
    /// A whole period already fixed ("next month", "next week").
    Period(Schedule),
    /// A calendar month, possibly without its year.
    Month {
        /// 1–12.
        month: u32,
        /// When written.
        year: Option<i32>,
    },
    /// A day of the month with no month ("to the 31st"): only meaningful as the end of a range.
    BareDay(u32),
    /// Months `first..=last` of one year ("Q2" is 4..=6).
    Months {
        /// First month.
        first: u32,
        /// Last month.
        last: u32,
        /// When written.
        year: Option<i32>,
    },
    /// A length.
    Length(Span),
    /// "to", "and", "–" between two dates.
    RangeTo,
    /// "until", "through", "ending": a range's connector, or an end on its own.
    Until,
    /// "starting", "from", "beginning".
    StartWord,
}

/// An item and the tokens it covers (`[from, to)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spanned {
    /// The item.
    pub item: Item,
    /// First token.
    pub from: usize,
    /// One past the last token.
    pub to: usize,
}

const RANGE_WORDS: &[&str] = &["to", "and"];
const UNTIL_WORDS: &[&str] = &["until", "till", "til", "through", "thru", "ending", "ends"];
const START_WORDS: &[&str] =
    &["starting", "start", "starts", "from", "beginning", "begin", "begins", "commencing", "kicking"];
const FILLERS: &[&str] = &["the", "on", "in", "off", "from"];

/// Finds every date item, left to right.
pub fn scan(tokens: &[Token], today: NaiveDate) -> Vec<Spanned> {
    let mut out: Vec<Spanned> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(found) = scan_at(tokens, i, today) {
            i = found.last().map_or(i + 1, |s| s.to.max(i + 1));
            out.extend(found);
        } else {
            i += 1;
        }
    }
    out
}

fn scan_at(tokens: &[Token], i: usize, today: NaiveDate) -> Option<Vec<Spanned>> {
    let one = |item, to| Some(vec![Spanned { item, from: i, to }]);
    let t = &tokens[i];
    if let Some(found) = day_range(tokens, i) {
        return Some(found);
    }
    if let Some((day, to)) = iso_date(tokens, i).or_else(|| month_day(tokens, i)).or_else(|| day_month(tokens, i)) {
        return one(Item::Point(day), to);
    }
    if let Some(found) = length(tokens, i) {
        return Some(found);
    }
    if let Some(found) = half_of_month(tokens, i) {
        return Some(found);
    }
    if let Some((day, to)) = part_of_month(tokens, i) {
        return one(Item::Point(day), to);
    }
    if let Some((day, to)) = bare_ordinal(tokens, i) {
        return one(Item::BareDay(day), to);
    }
    if let Some(m) = month_at(tokens, i) {
        let (year, to) = year_after(tokens, i + 1);
        return one(Item::Month { month: m, year }, to);
    }
    if let Some((first, last, to)) = quarter(tokens, i) {
        let (year, to) = year_after(tokens, to);
        return one(Item::Months { first, last, year }, to);
    }
    if t.is_dash() || t.is_sym('→') {
        // "->" is one connector.
        let arrow = tokens.get(i + 1).is_some_and(|n| n.is_sym('>') && !n.space_before);
        return one(Item::RangeTo, if arrow { i + 2 } else { i + 1 });
    }
    let w = t.word()?;
    match w {
        "tomorrow" => one(Item::Fixed(today.succ_opt()?), i + 1),
        "today" | "now" | "immediately" => one(Item::Fixed(today), i + 1),
        "next" | "this" => relative(tokens, i, today),
        _ if weekday(w).is_some() => one(Item::Fixed(next_weekday(today, weekday(w)?)), i + 1),
        _ if RANGE_WORDS.contains(&w) => one(Item::RangeTo, i + 1),
        _ if UNTIL_WORDS.contains(&w) => {
            // "ending on May 4", "through the 31st".
            let to = if tokens.get(i + 1).is_some_and(|t| t.is_any(&["on", "the"])) { i + 2 } else { i + 1 };
            one(Item::Until, to)
        }
        _ if START_WORDS.contains(&w) => {
            // "starting on May 4", "beginning in June", "from the 3rd".
            let mut to = i + 1;
            while tokens.get(to).is_some_and(|t| t.is_any(FILLERS)) {
                to += 1;
            }
            one(Item::StartWord, to)
        }
        _ if w == "as" && tokens.get(i + 1).is_some_and(|n| n.is("of")) => one(Item::StartWord, i + 2),
        _ => None,
    }
}

/// "2026-05-11".
fn iso_date(tokens: &[Token], i: usize) -> Option<(Day, usize)> {
    let y = tokens.get(i)?;
    if y.digits()?.len() != 4 {
        return None;
    }
    let (d1, m, d2, d) = (tokens.get(i + 1)?, tokens.get(i + 2)?, tokens.get(i + 3)?, tokens.get(i + 4)?);
    let glued = !d1.space_before && !m.space_before && !d2.space_before && !d.space_before;
    if !(glued && d1.is_sym('-') && d2.is_sym('-')) {
        return None;
    }
    let day = Day { month: m.int()?, day: d.int()?, year: Some(i32::try_from(y.int()?).ok()?) };
    valid(day).then_some((day, i + 5))
}

/// "May 4", "May 4th", "May 4, 2026".
fn month_day(tokens: &[Token], i: usize) -> Option<(Day, usize)> {
    let month = month_at(tokens, i)?;
    let mut j = i + 1;
    if tokens.get(j).is_some_and(|t| t.is("the")) {
        j += 1;
    }
    let (day, j) = day_number(tokens, j)?;
    // "May 18 100 000 kr" or "April 6-26" is handled elsewhere; a 4-digit year may follow.
    let (year, j) = year_after(tokens, j);
    let day = Day { month, day, year };
    valid(day).then_some((day, j))
}

/// "4 May", "4th of May", "the 4th of May 2027".
fn day_month(tokens: &[Token], i: usize) -> Option<(Day, usize)> {
    let start = if tokens.get(i)?.is("the") { i + 1 } else { i };
    let (day, mut j) = day_number(tokens, start)?;
    if tokens.get(j).is_some_and(|t| t.is("of")) {
        j += 1;
    }
    let month = month_at(tokens, j)?;
    let (year, j) = year_after(tokens, j + 1);
    let day = Day { month, day, year };
    valid(day).then_some((day, j))
}

/// A day that means "the month's last day" ("end of June"), clamped once the year is known.
const LAST_DAY: u32 = 31;

/// "the first half of June" (1–15), "the second half of July" (16–end), as a range of two days.
fn half_of_month(tokens: &[Token], i: usize) -> Option<Vec<Spanned>> {
    let start = if tokens.get(i)?.is("the") { i + 1 } else { i };
    let first = match tokens.get(start)?.word()? {
        "first" => true,
        "second" | "last" => false,
        _ => return None,
    };
    if !tokens.get(start + 1)?.is("half") || !tokens.get(start + 2)?.is("of") {
        return None;
    }
    let month = month_at(tokens, start + 3)?;
    let (year, to) = year_after(tokens, start + 4);
    let (from_day, to_day) = if first { (1, 15) } else { (16, LAST_DAY) };
    let point = |day| Item::Point(Day { month, day, year });
    Some(vec![
        Spanned { item: point(from_day), from: i, to: start + 3 },
        Spanned { item: Item::RangeTo, from: start + 3, to: start + 3 },
        Spanned { item: point(to_day), from: start + 3, to },
    ])
}

/// "the 31st", "21st": an ordinal day with no month after it.
fn bare_ordinal(tokens: &[Token], i: usize) -> Option<(u32, usize)> {
    let start = if tokens.get(i)?.is("the") { i + 1 } else { i };
    let has_suffix = tokens.get(start + 1).is_some_and(|n| n.is_any(&["st", "nd", "rd", "th"]) && !n.space_before);
    let (day, to) = day_number(tokens, start)?;
    (has_suffix && month_at(tokens, to).is_none() && !tokens.get(to).is_some_and(|t| t.is("of"))).then_some((day, to))
}

/// "mid-April", "early May", "end of June", "the beginning of July": a day of that month (1st, 15th or last).
fn part_of_month(tokens: &[Token], i: usize) -> Option<(Day, usize)> {
    let mut j = if tokens.get(i)?.is("the") { i + 1 } else { i };
    let day = match tokens.get(j)?.word()? {
        "early" | "beginning" | "start" => 1,
        "mid" | "middle" => 15,
        "late" | "end" => LAST_DAY,
        _ => return None,
    };
    j += 1;
    while tokens.get(j).is_some_and(|t| t.is_dash() || t.is("of")) {
        j += 1;
    }
    let month = month_at(tokens, j)?;
    let (year, to) = year_after(tokens, j + 1);
    Some((Day { month, day, year }, to))
}

/// "1-14 May", "1 to 21 June", "May 1–14", "from the 3rd to the 9th of May".
fn day_range(tokens: &[Token], i: usize) -> Option<Vec<Spanned>> {
    let connector = |j: usize| -> Option<usize> {
        let t = tokens.get(j)?;
        (t.is_dash() || t.is_any(&["to", "until", "till", "through", "thru", "and"])).then_some(j + 1)
    };
    let skip_the = |j: usize| if tokens.get(j).is_some_and(|t| t.is("the")) { j + 1 } else { j };
    let point = |from: usize, to: usize, day: Day| Spanned { item: Item::Point(day), from, to };
    // Day first: "1-14 May".
    if let Some((d1, j)) = day_number(tokens, skip_the(i))
        && let Some(k) = connector(j)
        && let Some((d2, mut k2)) = day_number(tokens, skip_the(k))
    {
        if tokens.get(k2).is_some_and(|t| t.is("of")) {
            k2 += 1;
        }
        if let Some(month) = month_at(tokens, k2) {
            let (year, end) = year_after(tokens, k2 + 1);
            let (a, b) = (Day { month, day: d1, year }, Day { month, day: d2, year });
            if valid(a) && valid(b) && d1 <= d2 {
                return Some(vec![point(i, j, a), Spanned { item: Item::RangeTo, from: j, to: k }, point(k, end, b)]);
            }
        }
    }
    // Month first: "May 1-14" (but not "May 1 to June 3", which is two points).
    let month = month_at(tokens, i)?;
    let (d1, j) = day_number(tokens, i + 1)?;
    let k = connector(j)?;
    let (d2, k2) = day_number(tokens, skip_the(k))?;
    if month_at(tokens, k2).is_some()
        || (tokens.get(k2).is_some_and(|t| t.is("of")) && month_at(tokens, k2 + 1).is_some())
    {
        return None;
    }
    let (year, end) = year_after(tokens, k2);
    let (a, b) = (Day { month, day: d1, year }, Day { month, day: d2, year });
    (valid(a) && valid(b) && d1 < d2)
        .then(|| vec![point(i, j, a), Spanned { item: Item::RangeTo, from: j, to: k }, point(k, end, b)])
}

/// A day of the month with an optional ordinal suffix ("4", "4th", "21st").
fn day_number(tokens: &[Token], i: usize) -> Option<(u32, usize)> {
    let t = tokens.get(i)?;
    let d = t.int().filter(|d| (1..=31).contains(d) && t.digits().is_some_and(|s| s.len() <= 2))?;
    let next = tokens.get(i + 1);
    if next.is_some_and(|n| n.is_any(&["st", "nd", "rd", "th"]) && !n.space_before) {
        return Some((d, i + 2));
    }
    // Not a day when it is glued to more digits or units ("4-week", "15k", "18+").
    if next.is_some_and(|n| !n.space_before && (n.word().is_some() || n.is_sym('+') || n.is_sym('%'))) {
        return None;
    }
    Some((d, i + 1))
}

/// An optional year after a date: "2026", ", 2026", "of 2026".
fn year_after(tokens: &[Token], j: usize) -> (Option<i32>, usize) {
    let mut k = j;
    if tokens.get(k).is_some_and(|t| t.is_sym(',') || t.is("of")) {
        k += 1;
    }
    match tokens.get(k) {
        Some(t) if t.digits().is_some_and(|d| d.len() == 4) => match t.int().filter(|y| (2000..=2100).contains(y)) {
            Some(y) => (i32::try_from(y).ok(), k + 1),
            None => (None, j),
        },
        _ => (None, j),
    }
}

/// "Q3", "H1", "first quarter".
fn quarter(tokens: &[Token], i: usize) -> Option<(u32, u32, usize)> {
    let t = tokens.get(i)?;
    let next = tokens.get(i + 1);
    if t.is_any(&["q", "h"]) {
        let n = next.filter(|n| !n.space_before)?.int()?;
        return match (t.word(), n) {
            (Some("q"), 1..=4) => Some((3 * n - 2, 3 * n, i + 2)),
            (Some("h"), 1..=2) => Some((6 * n - 5, 6 * n, i + 2)),
            _ => None,
        };
    }
    let n = match t.word()? {
        "first" => 1,
        "second" => 2,
        "third" => 3,
        "fourth" => 4,
        _ => return None,
    };
    next.filter(|n| n.is("quarter"))?;
    Some((3 * n - 2, 3 * n, i + 2))
}

/// "for 3 weeks", "a 15-day flight", "six weeks", "the next 30 days", "2 months".
fn length(tokens: &[Token], i: usize) -> Option<Vec<Spanned>> {
    let t = tokens.get(i)?;
    let n = t.int().filter(|_| t.digits().is_some_and(|d| d.len() <= 3)).or_else(|| t.word().and_then(number_word))?;
    let mut j = i + 1;
    if tokens.get(j).is_some_and(|x| x.is_dash() && !x.space_before) {
        j += 1;
    }
    let unit = tokens.get(j)?.word()?;
    let span = match unit {
        "day" | "days" => Span::Days(n),
        "week" | "weeks" | "wk" | "wks" => Span::Days(n.checked_mul(7)?),
        "month" | "months" => Span::Months(n),
        _ => return None,
    };
    if n == 0 || n > 366 {
        return None;
    }
    // "$500 a month" is a rate, not a length; "for a month" is a length.
    let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
    if t.is_any(&["a", "an"])
        && !prev.is_none_or(|p| p.is_any(&["for", "over", "run", "in", "within", "about", "only", "just"]))
    {
        return None;
    }
    Some(vec![Spanned { item: Item::Length(span), from: i, to: j + 1 }])
}

/// "next month", "next week", "next Monday", "this month", "next quarter".
fn relative(tokens: &[Token], i: usize, today: NaiveDate) -> Option<Vec<Spanned>> {
    let next = tokens.get(i)?.is("next");
    let what = tokens.get(i + 1)?.word()?;
    let first_of_month = today.with_day(1)?;
    let period = match (next, what) {
        (true, "month") => month_period(first_of_month.checked_add_months(Months::new(1))?)?,
        (false, "month") => Schedule { start: today, end: month_period(first_of_month)?.end },
        (true, "week") => {
            let monday = next_weekday(today, Weekday::Mon);
            Schedule { start: monday, end: monday.checked_add_days(Days::new(6))? }
        }
        (false, "week") => {
            let sunday = next_weekday(today.pred_opt()?, Weekday::Sun);
            Schedule { start: today, end: sunday }
        }
        (true, "quarter") => {
            let q = (today.month0() / 3 + 1) % 4;
            let year = if q == 0 { today.year() + 1 } else { today.year() };
            let start = NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)?;
            Schedule { start, end: start.checked_add_months(Months::new(3))?.pred_opt()? }
        }
        (true, "year") => {
            let start = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?;
            Schedule { start, end: NaiveDate::from_ymd_opt(today.year() + 1, 12, 31)? }
        }
        (_, w) if weekday(w).is_some() => {
            return Some(vec![Spanned { item: Item::Fixed(next_weekday(today, weekday(w)?)), from: i, to: i + 2 }]);
        }
        _ => return None,
    };
    Some(vec![Spanned { item: Item::Period(period), from: i, to: i + 2 }])
}

fn weekday(w: &str) -> Option<Weekday> {
    Some(match w {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// The first `day` strictly after `today`.
fn next_weekday(today: NaiveDate, day: Weekday) -> NaiveDate {
    let ahead = (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today.checked_add_days(Days::new(u64::from(ahead))).unwrap_or(today)
}

fn valid(day: Day) -> bool {
    (1..=12).contains(&day.month) && NaiveDate::from_ymd_opt(day.year.unwrap_or(2028), day.month, day.day).is_some()
}

fn month_period(first: NaiveDate) -> Option<Schedule> {
    Some(Schedule { start: first, end: first.checked_add_months(Months::new(1))?.pred_opt()? })
}

/// The period an item names, given a year for the items that lack one.
fn period_in(item: Item, year: i32) -> Option<Schedule> {
    match item {
        Item::Point(d) => {
            let first = NaiveDate::from_ymd_opt(d.year.unwrap_or(year), d.month, 1)?;
            // "End of February" is the 28th or the 29th depending on the year it lands in.
            let date = first.with_day(d.day.min(month_period(first)?.end.day()))?;
            Some(Schedule { start: date, end: date })
        }
        Item::Fixed(date) => Some(Schedule { start: date, end: date }),
        Item::Period(s) => Some(s),
        Item::Month { month, year: y } => month_period(NaiveDate::from_ymd_opt(y.unwrap_or(year), month, 1)?),
        Item::Months { first, last, year: y } => {
            let y = y.unwrap_or(year);
            let start = NaiveDate::from_ymd_opt(y, first, 1)?;
            Some(Schedule { start, end: month_period(NaiveDate::from_ymd_opt(y, last, 1)?)?.end })
        }
        Item::Length(_) | Item::RangeTo | Item::Until | Item::StartWord | Item::BareDay(_) => None,
    }
}

fn has_year(item: Item) -> bool {
    match item {
        Item::Point(d) => d.year.is_some(),
        Item::Month { year, .. } | Item::Months { year, .. } => year.is_some(),
        Item::Fixed(_) | Item::Period(_) => true,
        Item::Length(_) | Item::RangeTo | Item::Until | Item::StartWord | Item::BareDay(_) => false,
    }
}

fn is_when(item: Item) -> bool {
    !matches!(item, Item::Length(_) | Item::RangeTo | Item::Until | Item::StartWord)
}

/// The range from `a` to `b`: the next one that has not fully passed, starting today if in progress; an
/// end that falls before its start is in the following year.
fn range(a: Item, b: Item, today: NaiveDate) -> Option<Schedule> {
    // "from the 4th of May to the 31st": the end day is in the start's month (or the next one).
    if let (Item::Point(start), Item::BareDay(day)) = (a, b) {
        let same_month = Day { day, ..start };
        let end = if day >= start.day && valid(same_month) {
            same_month
        } else {
            let (month, year) =
                if start.month == 12 { (1, start.year.map(|y| y + 1)) } else { (start.month + 1, start.year) };
            Day { month, day, year }
        };
        return valid(end).then(|| range(a, Item::Point(end), today)).flatten();
    }
    let within = |year: i32| -> Option<Schedule> {
        let start = period_in(a, year)?.start;
        let mut end = period_in(b, if has_year(b) { year } else { start.year() })?.end;
        if end < start && !has_year(b) {
            end = period_in(b, start.year() + 1)?.end;
        }
        (end >= start).then_some(Schedule { start, end })
    };
    let year = match (has_year(a), has_year(b)) {
        (true, _) => period_in(a, today.year())?.start.year(),
        (false, true) => {
            let end_year = period_in(b, today.year())?.end.year();
            if within(end_year).is_some_and(|s| s.end.year() == end_year) { end_year } else { end_year - 1 }
        }
        (false, false) => {
            let this = within(today.year())?;
            if this.end < today { today.year() + 1 } else { today.year() }
        }
    };
    let s = within(year)?;
    Some(if s.start < today && today <= s.end { Schedule { start: today, ..s } } else { s })
}

/// The first day of the next occurrence of a point or period that has not fully passed.
fn start_of(item: Item, today: NaiveDate) -> Option<NaiveDate> {
    range(item, item, today).map(|s| s.start)
}

/// Combines the items by the SPEC's rules.
pub fn assemble(items: &[Spanned], today: NaiveDate) -> ScheduleUpdate {
    let adjacent = |a: &Spanned, b: &Spanned| b.from == a.to;
    // 1. A range: WHEN … RangeTo WHEN, the connector right before the second and at most a few words
    // ("and run") after the first.
    let whens: Vec<&Spanned> = items.iter().filter(|s| is_when(s.item)).collect();
    for pair in whens.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let connected = items.iter().any(|r| {
            matches!(r.item, Item::RangeTo | Item::Until) && r.to == b.from && r.from >= a.to && r.from - a.to <= 3
        });
        if connected && let Some(s) = range(a.item, b.item, today) {
            return ScheduleUpdate { schedule: Some(s), ..ScheduleUpdate::default() };
        }
    }
    // A start is a WHEN right after a start word.
    let anchored = items
        .windows(2)
        .find(|w| w[0].item == Item::StartWord && is_when(w[1].item) && adjacent(&w[0], &w[1]))
        .map(|w| w[1]);
    // Of several lengths, the one nearest the start: "a 3-day convention … 5 weeks starting September 7".
    let distance = |s: &Spanned| anchored.map_or(0, |a| a.from.abs_diff(s.to).min(s.from.abs_diff(a.to)));
    let length = items
        .iter()
        .filter_map(|s| match s.item {
            Item::Length(span) => Some((distance(s), span)),
            _ => None,
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, span)| span);
    // 2. A length with its start, or alone (it then starts tomorrow).
    if let Some(span) = length {
        let start_item = anchored.or_else(|| (whens.len() == 1).then(|| *whens[0]));
        return match start_item.and_then(|s| start_of(s.item, today)) {
            Some(start) => ScheduleUpdate { schedule: span.from(start), ..ScheduleUpdate::default() },
            None => ScheduleUpdate { span: Some(span), ..ScheduleUpdate::default() },
        };
    }
    // 3. An end alone ("run through October 4", "until the end of June").
    if whens.len() == 1
        && anchored.is_none()
        && let Some(w) = items.windows(2).find(|w| w[0].item == Item::Until && adjacent(&w[0], &w[1]))
    {
        return ScheduleUpdate { end: Some(End(w[1].item)), ..ScheduleUpdate::default() };
    }
    // 4. A whole period ("June", "Q3", "next month").
    if let Some(p) = whens.iter().find(|s| matches!(s.item, Item::Month { .. } | Item::Months { .. } | Item::Period(_)))
        && (anchored.is_none_or(|a| a != **p) || matches!(p.item, Item::Months { .. }))
    {
        return ScheduleUpdate { schedule: range(p.item, p.item, today), ..ScheduleUpdate::default() };
    }
    // 5. A bare start: the end is still missing.
    if let Some(s) = anchored.or_else(|| whens.first().map(|s| **s)) {
        return ScheduleUpdate { start: start_of(s.item, today), ..ScheduleUpdate::default() };
    }
    ScheduleUpdate::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn sched(text: &str, today: &str) -> Option<(String, String)> {
        let m = Message::new(text, date(today));
        let u = resolve(&m).value;
        let s = u.schedule.or_else(|| u.span.and_then(|sp| sp.from(date(today).succ_opt()?)))?;
        Some((s.start.to_string(), s.end.to_string()))
    }

    fn check(text: &str, today: &str, start: &str, end: &str) {
        assert_eq!(sched(text, today), Some((start.to_owned(), end.to_owned())), "{text}");
    }

    #[test]
    fn ranges() {
        check("running April 6 to April 26", "2026-03-02", "2026-04-06", "2026-04-26");
        check("1-14 May", "2026-03-02", "2026-05-01", "2026-05-14");
        check("from 1 to 21 June", "2026-03-02", "2026-06-01", "2026-06-21");
        check("25th May to 21st June", "2026-03-02", "2026-05-25", "2026-06-21");
        check("September 1st through October 15th", "2026-03-02", "2026-09-01", "2026-10-15");
        check("from 2026-05-11 through 2026-06-07", "2026-03-02", "2026-05-11", "2026-06-07");
        check("10 May to 30 June", "2026-03-02", "2026-05-10", "2026-06-30");
        check("Nov 20 to Nov 30", "2026-03-02", "2026-11-20", "2026-11-30");
        check("from Dec 15 to Jan 15", "2026-03-02", "2026-12-15", "2027-01-15");
        check("May–June", "2026-03-02", "2026-05-01", "2026-06-30");
        check("from July through December", "2026-03-02", "2026-07-01", "2026-12-31");
        check("push it to May and run through June", "2026-03-02", "2026-05-01", "2026-06-30");
        check("May 1-14", "2026-03-02", "2026-05-01", "2026-05-14");
        check("in the second half of July", "2026-03-02", "2026-07-16", "2026-07-31");
        check("the first half of June", "2026-03-02", "2026-06-01", "2026-06-15");
        check("dates 2026-04-01 → 2026-04-21", "2026-03-02", "2026-04-01", "2026-04-21");
        check("May 4 -> May 10", "2026-03-02", "2026-05-04", "2026-05-10");
        check("from the 4th of May to the 31st", "2026-03-02", "2026-05-04", "2026-05-31");
        check("between 1 and 15 March", "2026-03-02", "2026-03-02", "2026-03-15");
        check("Feb 10 to end of February", "2027-03-02", "2028-02-10", "2028-02-29");
        check("Start in April, run till end of June", "2026-03-02", "2026-04-01", "2026-06-30");
        check("from mid-April for 4 weeks", "2026-03-02", "2026-04-15", "2026-05-12");
    }

    #[test]
    fn lengths() {
        check("for two weeks starting March 16", "2026-03-02", "2026-03-16", "2026-03-29");
        check("for 3 weeks starting May 4th", "2026-03-02", "2026-05-04", "2026-05-24");
        check("4 weeks from May 18", "2026-03-02", "2026-05-18", "2026-06-14");
        check("over the next 30 days", "2026-03-02", "2026-03-03", "2026-04-01");
        check("starting next Monday for six weeks", "2026-03-02", "2026-03-09", "2026-04-19");
        check("2 weeks from tomorrow", "2026-03-02", "2026-03-03", "2026-03-16");
        check("for 3 weeks from next Monday", "2026-03-02", "2026-03-09", "2026-03-29");
        check("$7.5k per month for 2 months starting June 1", "2026-03-02", "2026-06-01", "2026-07-31");
        check("3 months from January 31", "2026-03-02", "2027-01-31", "2027-04-29");
        check("a 15-day flight starting June 3", "2026-03-02", "2026-06-03", "2026-06-17");
        check("€2,500 per week for 8 weeks from April 1", "2026-03-02", "2026-04-01", "2026-05-26");
        check("starting July 6 for 4 weeks", "2026-03-02", "2026-07-06", "2026-08-02");
        check("run it for 2 weeks", "2026-03-02", "2026-03-03", "2026-03-16");
        check("our 3-day convention, 5 weeks starting September 7", "2026-06-02", "2026-09-07", "2026-10-11");
    }

    #[test]
    fn periods() {
        check("next month", "2026-03-02", "2026-04-01", "2026-04-30");
        check("next week", "2026-03-02", "2026-03-09", "2026-03-15");
        check("in Q2", "2026-03-02", "2026-04-01", "2026-06-30");
        check("Q1 launch", "2026-11-27", "2027-01-01", "2027-03-31");
        check("Run during June", "2026-06-15", "2026-06-15", "2026-06-30");
        check("for the month of October", "2026-03-02", "2026-10-01", "2026-10-31");
        check("the whole of July", "2026-03-02", "2026-07-01", "2026-07-31");
        check("in February", "2026-03-02", "2027-02-01", "2027-02-28");
        check("June 2027", "2026-03-02", "2027-06-01", "2027-06-30");
    }

    #[test]
    fn incomplete_or_unresolved() {
        let today = date("2026-03-02");
        let u = resolve(&Message::new("starting May 4", today)).value;
        assert_eq!(u.start, Some(date("2026-05-04")));
        assert_eq!(u.schedule, None);
        let r = resolve(&Message::new("sometime this summer", today));
        assert_eq!(r.value, ScheduleUpdate::default());
        assert_eq!(r.unparsed, vec!["summer".to_owned()]);
        assert_eq!(resolve(&Message::new("this weekend", today)).value.schedule, None);
        assert_eq!(resolve(&Message::new("women 18-34, $5k", today)).value, ScheduleUpdate::default());
    }
}
