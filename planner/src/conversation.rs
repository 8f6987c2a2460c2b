//! The conversation: merges each turn's resolver updates into one brief by the multi-turn rules of SPEC §2,
//! and settles what can only be settled once everything is known (the currency, weekly and monthly budgets,
//! which Perth is meant). While a required slot is missing it writes one short clarifying question.
//!
//! Start with [`State`]: `apply_*` per turn, then [`State::finish`].

use chrono::{Datelike, Months, NaiveDate};

use crate::agents::audience::{AudienceUpdate, resolve_city};
use crate::agents::budget::{Amount, BudgetUpdate, CurrencyMark, Period};
use crate::agents::goal::GoalUpdate;
use crate::agents::router::Known;
use crate::agents::schedule::{End, ScheduleUpdate};
use crate::plan::describe::exact_money;
use crate::taxonomy::{categories, markets};
use crate::types::{
    AgeRange, AssetFormat, Brief, Budget, BudgetType, Country, Currency, Gender, Objective, Overrides, Placement,
    Platform, Schedule, Slot, Targets,
};

/// Everything the conversation has said so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    objective: Option<Objective>,
    category: Option<&'static str>,
    category_strength: categories::Strength,
    amount: Option<Amount>,
    currency: Option<CurrencyMark>,
    schedule: Option<Schedule>,
    start: Option<NaiveDate>,
    end: Option<End>,
    countries: Vec<Country>,
    cities: Vec<String>,
    age_ranges: Vec<AgeRange>,
    genders: Vec<Gender>,
    platforms: Vec<Platform>,
    interests: Vec<&'static str>,
    genres: Vec<&'static str>,
    podcast_topics: Vec<&'static str>,
    formats: Vec<AssetFormat>,
    placements: Vec<Placement>,
    unsupported: Vec<String>,
}

/// The brief as settled after the last turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The brief.
    pub brief: Brief,
    /// Required slots still unresolved.
    pub missing: Vec<Slot>,
    /// Defaults and interpretations.
    pub assumptions: Vec<String>,
    /// One short question while something is missing.
    pub question: Option<String>,
}

impl State {
    /// What the router needs to know.
    pub fn known(&self) -> Known {
        Known {
            objective: self.objective.is_some(),
            budget: self.amount.is_some(),
            schedule: self.schedule.is_some(),
            countries: !self.countries.is_empty() || !self.cities.is_empty(),
        }
    }

    /// Applies the goal resolver's update.
    pub fn apply_goal(&mut self, update: &GoalUpdate) {
        if update.objective.is_some() {
            self.objective = update.objective;
        }
        // A later turn's match replaces the category only when it names it as clearly: "our accounting
        // software", then "on business and finance podcasts", keeps the software.
        if update.category.is_some() && update.category_strength >= self.category_strength {
            self.category = update.category;
            self.category_strength = update.category_strength;
        }
        update.formats.apply(&mut self.formats);
        update.placements.apply(&mut self.placements);
    }

    /// Applies the audience resolver's update.
    pub fn apply_audience(&mut self, update: &AudienceUpdate) {
        update.countries.apply(&mut self.countries);
        update.cities.apply(&mut self.cities);
        update.age_ranges.apply(&mut self.age_ranges);
        update.genders.apply(&mut self.genders);
        update.platforms.apply(&mut self.platforms);
        update.interests.apply(&mut self.interests);
        update.genres.apply(&mut self.genres);
        update.podcast_topics.apply(&mut self.podcast_topics);
        for place in &update.unsupported {
            if !self.unsupported.contains(place) {
                self.unsupported.push(place.clone());
            }
        }
    }

    /// Applies the budget resolver's update: a new amount replaces the old; the latest written currency wins.
    pub fn apply_budget(&mut self, update: &BudgetUpdate) {
        if let Some(amount) = update.amount {
            self.amount = Some(amount);
        }
        if update.currency.is_some() {
            self.currency = update.currency;
        }
    }

    /// Applies the schedule resolver's update, combining a start with a length or an end given in
    /// different turns ("starting September 7", then "run through October 4").
    pub fn apply_schedule(&mut self, update: &ScheduleUpdate, today: NaiveDate) {
        if let Some(s) = update.schedule {
            self.settle_schedule(s);
        } else if let Some(start) = update.start {
            let pending = self.end.and_then(|e| e.after(start));
            match (self.schedule, pending) {
                (_, Some(end)) => self.settle_schedule(Schedule { start, end }),
                (Some(s), None) if start <= s.end => self.schedule = Some(Schedule { start, ..s }),
                _ => {
                    self.schedule = None;
                    self.start = Some(start);
                }
            }
        } else if let Some(end) = update.end {
            let start = self.start.or(self.schedule.map(|s| s.start));
            let completed = match start {
                Some(s) => end.after(s).map(|e| Schedule { start: s, end: e }),
                None => end.alone(today),
            };
            match completed {
                Some(s) => self.settle_schedule(s),
                // A day with no start is kept until a start arrives.
                None => self.end = Some(end),
            }
        } else if let Some(span) = update.span {
            let start = self.start.or(self.schedule.map(|s| s.start)).or_else(|| today.succ_opt());
            self.schedule = start.and_then(|s| span.from(s));
            self.start = None;
        }
    }

    /// A whole schedule: no start or end is pending any more.
    fn settle_schedule(&mut self, schedule: Schedule) {
        self.schedule = Some(schedule);
        self.start = None;
        self.end = None;
    }

    /// Settles the brief: countries from cities, the currency, weekly/monthly budgets, defaults.
    pub fn finish(&self) -> Resolved {
        self.finish_with(&Overrides::default())
    }

    /// Settles the brief after the UI's structured edits replace the slots they set ([`Overrides`]); what is
    /// missing and the question follow from the edited brief.
    pub fn finish_with(&self, edits: &Overrides) -> Resolved {
        if edits == &Overrides::default() {
            return self.settle();
        }
        let mut s = self.clone();
        if let Some(objective) = edits.objective {
            s.objective = Some(objective);
        }
        if let Some(b) = edits.budget {
            let period = match b.kind {
                BudgetType::Lifetime => Period::Lifetime,
                BudgetType::Daily => Period::Daily,
            };
            s.amount = Some(Amount { micros: b.micro_amount, period, currency: None });
            s.currency = Some(CurrencyMark::Code(b.currency));
        }
        if let Some(schedule) = edits.schedule {
            s.schedule = Some(schedule);
            s.start = None;
        }
        if let Some(countries) = &edits.countries {
            s.cities.retain(|c| resolve_city(c, countries).is_some_and(|(city, _)| countries.contains(&city.country)));
            s.countries.clone_from(countries);
        }
        if let Some(ages) = &edits.age_ranges {
            s.age_ranges.clone_from(ages);
        }
        if let Some(genders) = &edits.genders {
            s.genders.clone_from(genders);
        }
        if let Some(platforms) = &edits.platforms {
            s.platforms.clone_from(platforms);
        }
        if let Some(formats) = &edits.formats {
            s.formats.clone_from(formats);
        }
        s.settle()
    }

    fn settle(&self) -> Resolved {
        let mut assumptions: Vec<String> = self
            .unsupported
            .iter()
            .map(|p| format!("{p} is not a market Mixtape can plan yet, so it is left out."))
            .collect();
        let targets = self.targets(&mut assumptions);
        let objective = self.objective.unwrap_or_else(|| {
            assumptions.push("No goal was stated, so the plan optimises for reach (REACH).".to_owned());
            Objective::Reach
        });
        let ad_category = self.category.unwrap_or_else(|| {
            assumptions
                .push(format!("Nothing advertised matched an ad category, so it is {} (Other).", categories::OTHER));
            categories::OTHER
        });
        let budget = self.amount.and_then(|a| self.budget(a, &targets.countries, &mut assumptions));
        let mut missing = Vec::new();
        if budget.is_none() {
            missing.push(Slot::Budget);
        }
        if self.schedule.is_none() {
            missing.push(Slot::Schedule);
        }
        if targets.countries.is_empty() {
            missing.push(Slot::Countries);
        }
        let question = self.question(&missing);
        let brief = Brief {
            objective,
            ad_category: ad_category.to_owned(),
            budget,
            schedule: self.schedule,
            targets,
            formats: self.formats.clone(),
            placements: self.placements.clone(),
        };
        Resolved { brief, missing, assumptions, question }
    }

    fn targets(&self, assumptions: &mut Vec<String>) -> Targets {
        let mut countries = self.countries.clone();
        let mut cities = Vec::new();
        // An ambiguous city is read in the countries the conversation names, directly or through a city
        // with one meaning: "Toronto, Ottawa and London" is London, Ontario.
        let mut named = self.countries.clone();
        for spelling in &self.cities {
            if let Some((city, false)) = resolve_city(spelling, &[])
                && !named.contains(&city.country)
            {
                named.push(city.country);
            }
        }
        for spelling in &self.cities {
            let Some((city, ambiguous)) = resolve_city(spelling, &named) else { continue };
            if ambiguous {
                assumptions.push(format!(
                    "\"{}\" is read as {}, {} (the most populous); name the country if you meant another.",
                    spelling, city.name, city.country
                ));
            }
            if !countries.contains(&city.country) {
                countries.push(city.country);
            }
            if !cities.contains(&city.name.to_owned()) {
                cities.push(city.name.to_owned());
            }
        }
        Targets {
            countries,
            cities,
            age_ranges: self.age_ranges.clone(),
            genders: self.genders.clone(),
            platforms: self.platforms.clone(),
            interests: self.interests.iter().map(|s| (*s).to_owned()).collect(),
            genres: self.genres.iter().map(|s| (*s).to_owned()).collect(),
            podcast_topics: self.podcast_topics.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn budget(&self, amount: Amount, countries: &[Country], assumptions: &mut Vec<String>) -> Option<Budget> {
        let currency = match self.currency {
            Some(mark) => mark.settle(countries),
            None => {
                let c = shared_currency(countries).unwrap_or(Currency::Usd);
                if !countries.is_empty() {
                    assumptions.push(format!("No currency was written, so the budget is in {c}."));
                }
                c
            }
        };
        let (micro_amount, kind) = match amount.period {
            Period::Lifetime => (amount.micros, BudgetType::Lifetime),
            Period::Daily => (amount.micros, BudgetType::Daily),
            Period::Weekly | Period::Monthly => {
                let schedule = self.schedule?;
                let total = match amount.period {
                    Period::Weekly => scale(amount.micros, schedule.days(), 7),
                    _ => monthly_total(amount.micros, schedule)?,
                };
                let per = if amount.period == Period::Weekly { "week" } else { "month" };
                assumptions.push(format!(
                    "The budget of {} per {per} over {} days is a lifetime budget of {}.",
                    exact_money(amount.micros, currency),
                    schedule.days(),
                    exact_money(total, currency)
                ));
                (total, BudgetType::Lifetime)
            }
        };
        Some(Budget { micro_amount, currency, kind })
    }

    fn question(&self, missing: &[Slot]) -> Option<String> {
        if missing.is_empty() {
            return None;
        }
        let budget = missing.contains(&Slot::Budget) && self.amount.is_none();
        let schedule = missing.contains(&Slot::Schedule);
        let countries = missing.contains(&Slot::Countries);
        let when = if self.start.is_some() { "when should it end" } else { "when should it run" };
        let q = match (budget, schedule, countries) {
            (true, true, true) => format!("What's the budget, {when}, and in which countries?"),
            (true, true, false) => format!("What's the budget, and {when}?"),
            (true, false, true) => "What's the budget, and which countries should it run in?".to_owned(),
            (true, false, false) => "What's the total budget, and in which currency?".to_owned(),
            (false, true, true) => format!("{}, and in which countries?", capitalize(when)),
            (false, true, false) => format!("{} (start and end dates)?", capitalize(when)),
            (false, false, true) => "Which countries should it run in?".to_owned(),
            (false, false, false) => return None,
        };
        Some(q)
    }
}

/// The currency every country plans in, when they all share one.
fn shared_currency(countries: &[Country]) -> Option<Currency> {
    let first = markets::market(*countries.first()?).currency;
    countries.iter().all(|c| markets::market(*c).currency == first).then_some(first)
}

/// `micros × num ÷ den`, rounded to the nearest micro-unit.
fn scale(micros: i64, num: i64, den: i64) -> i64 {
    let n = i128::from(micros) * i128::from(num);
    let d = i128::from(den.max(1));
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

/// A monthly amount × the calendar months the schedule spans, a part month pro rata by its days, exactly.
fn monthly_total(micros: i64, schedule: Schedule) -> Option<i64> {
    // Sum of days_in_schedule / days_in_month over the months touched, as one fraction.
    let (mut num, mut den): (i128, i128) = (0, 1);
    let mut month_start = schedule.start.with_day(1)?;
    while month_start <= schedule.end {
        let next = month_start.checked_add_months(Months::new(1))?;
        let month_days = (next - month_start).num_days();
        let from = schedule.start.max(month_start);
        let to = schedule.end.min(next.pred_opt()?);
        let days = (to - from).num_days() + 1;
        num = num * i128::from(month_days) + i128::from(days) * den;
        den *= i128::from(month_days);
        let g = gcd(num, den);
        (num, den) = (num / g, den / g);
        month_start = next;
    }
    let n = i128::from(micros) * num;
    i64::try_from((2 * n + den) / (2 * den)).ok()
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs().max(1) } else { gcd(b, a % b) }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::schedule::Span;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn monthly_budgets_follow_calendar_months() {
        let two_months = Schedule { start: date("2026-06-01"), end: date("2026-07-31") };
        assert_eq!(monthly_total(7_500_000_000, two_months), Some(15_000_000_000));
        let half_june = Schedule { start: date("2026-06-16"), end: date("2026-06-30") };
        assert_eq!(monthly_total(3_000_000_000, half_june), Some(1_500_000_000));
    }

    #[test]
    fn weekly_budgets_scale_by_days() {
        assert_eq!(scale(2_500_000_000, 56, 7), 20_000_000_000);
        assert_eq!(scale(1_000_000, 10, 7), 1_428_571);
    }

    #[test]
    fn start_and_length_from_different_turns_combine() {
        let today = date("2026-03-02");
        let mut s = State::default();
        s.apply_schedule(&ScheduleUpdate { start: Some(date("2026-05-04")), ..Default::default() }, today);
        assert_eq!(s.finish().missing, vec![Slot::Budget, Slot::Schedule, Slot::Countries]);
        s.apply_schedule(&ScheduleUpdate { span: Some(Span::Days(21)), ..Default::default() }, today);
        assert_eq!(s.schedule, Some(Schedule { start: date("2026-05-04"), end: date("2026-05-24") }));
    }

    /// Every resolver's rules on each message in turn (the pipeline runs only those the router picks).
    fn converse(messages: &[&str]) -> Resolved {
        use crate::agents::{Message, audience, budget, goal, schedule};
        let today = date("2026-08-18");
        let mut s = State::default();
        for m in messages {
            let m = Message::new(m, today);
            s.apply_goal(&goal::resolve(&m).value);
            s.apply_audience(&audience::resolve(&m).value);
            s.apply_budget(&budget::resolve(&m).value);
            s.apply_schedule(&schedule::resolve(&m).value, today);
        }
        s.finish()
    }

    #[test]
    fn an_end_in_a_later_turn_completes_the_start() {
        let r = converse(&["Video campaign in Mexico City starting September 7, 300k pesos", "run through October 4"]);
        assert_eq!(r.brief.schedule, Some(Schedule { start: date("2026-09-07"), end: date("2026-10-04") }));
        let r = converse(&["Video campaign in Mexico, 300k pesos", "until October 4", "start on September 7"]);
        assert_eq!(r.brief.schedule, Some(Schedule { start: date("2026-09-07"), end: date("2026-10-04") }));
        // With no start, a period named as an end is that period; a single day is not a schedule.
        assert_eq!(converse(&["a steady presence through Q4"]).brief.schedule.map(|s| s.end), Some(date("2026-12-31")));
        assert_eq!(converse(&["until October 4"]).missing, vec![Slot::Budget, Slot::Schedule, Slot::Countries]);
    }

    #[test]
    fn an_ambiguous_city_is_read_where_the_other_cities_are() {
        let r = converse(&["Sports fans in Toronto, Ottawa and London, CA$14,000 for July"]);
        assert_eq!(r.brief.targets.countries, vec![Country::Ca]);
        assert_eq!(converse(&["Sports fans in London, £14,000 for July"]).brief.targets.countries, vec![Country::Gb]);
    }

    #[test]
    fn a_later_incidental_category_does_not_replace_the_product() {
        let r =
            converse(&["Awareness for our accounting software in Ireland", "only on business and finance podcasts"]);
        assert_eq!(r.brief.ad_category, "ADV_4_27");
        let r = converse(&["Reach people in Ireland", "it's for our new craft beer"]);
        assert_eq!(r.brief.ad_category, "ADV_15_139");
    }

    #[test]
    fn questions_cover_everything_missing() {
        let s = State::default();
        let r = s.finish();
        assert_eq!(r.question.as_deref(), Some("What's the budget, when should it run, and in which countries?"));
        assert_eq!(r.brief.objective, Objective::Reach);
        assert_eq!(r.brief.ad_category, categories::OTHER);
    }
}
