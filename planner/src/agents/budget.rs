//! The budget resolver: finds the amount, its currency mark and its period in a message (SPEC §2, "Budget").
//!
//! Reading order: [`BudgetResolver::resolve`] → [`find_amounts`] (every money-like number with its
//! currency and period, scored) → [`parse_number`] (thousands separators vs decimal points). The currency is
//! only *marked* here ("$", "kr"); the conversation settles it once the target countries are known, with
//! [`CurrencyMark::settle`].

use super::lexer::{Kind, Token, month_at, number_word};
use super::{Message, Resolution, Resolver};
use crate::types::{Country, Currency};

/// How often the amount is spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// Over the whole flight.
    Lifetime,
    /// Per day.
    Daily,
    /// Per week: becomes a lifetime budget once the schedule is known.
    Weekly,
    /// Per month: becomes a lifetime budget once the schedule is known.
    Monthly,
}

/// A currency as written, before the target countries settle the ambiguous ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurrencyMark {
    /// An unambiguous code, symbol or word.
    Code(Currency),
    /// A bare `$` or "dollars": USD unless every target country uses the same other dollar.
    Dollar,
    /// `kr`: SEK, or NOK/DKK when every target country is NO/DK.
    Kr,
    /// krone/kroner: NOK, or DKK when every target country is DK.
    Krone,
}

impl CurrencyMark {
    /// The currency this mark means for these target countries.
    pub fn settle(self, countries: &[Country]) -> Currency {
        let all = |c: Country| !countries.is_empty() && countries.iter().all(|x| *x == c);
        match self {
            CurrencyMark::Code(c) => c,
            CurrencyMark::Dollar if all(Country::Ca) => Currency::Cad,
            CurrencyMark::Dollar if all(Country::Au) => Currency::Aud,
            CurrencyMark::Dollar if all(Country::Nz) => Currency::Nzd,
            CurrencyMark::Dollar => Currency::Usd,
            CurrencyMark::Kr if all(Country::No) => Currency::Nok,
            CurrencyMark::Kr | CurrencyMark::Krone if all(Country::Dk) => Currency::Dkk,
            CurrencyMark::Kr => Currency::Sek,
            CurrencyMark::Krone => Currency::Nok,
        }
    }
}

/// An amount of money as written in a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    /// Micro-units of whatever currency it turns out to be.
    pub micros: i64,
    /// Its period.
    pub period: Period,
    /// The currency written with it, if any.
    pub currency: Option<CurrencyMark>,
}

/// What a message says about the budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetUpdate {
    /// The budget amount, when the message states one.
    pub amount: Option<Amount>,
    /// The last currency written anywhere in the message (with the amount or on its own: "in euros").
    pub currency: Option<CurrencyMark>,
}

/// Resolves budgets with rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct BudgetResolver;

impl Resolver for BudgetResolver {
    type Output = BudgetUpdate;
    const NAME: &'static str = "budget";

    async fn resolve(&self, message: &Message<'_>) -> Resolution<BudgetUpdate> {
        resolve(message)
    }
}

/// Words that say a message is about the budget.
const CUES: &[&str] = &[
    "budget", "spend", "spending", "total", "bump", "increase", "raise", "lower", "reduce", "cut", "make it", "up to",
    "cap", "invest",
];

/// Whether the message talks about money at all (the router's test).
pub fn mentions(message: &Message<'_>) -> bool {
    message.mentions(CUES)
        || !find_amounts(&message.tokens).is_empty()
        || standalone_currency(&message.tokens).is_some()
}

/// The synchronous rules behind [`BudgetResolver`].
pub fn resolve(message: &Message<'_>) -> Resolution<BudgetUpdate> {
    let cue = message.mentions(CUES);
    let mut found = find_amounts(&message.tokens);
    found.retain(|f| f.score >= 2 || (cue && f.amount.micros >= 100_000_000) || f.amount.micros >= 1_000_000_000);
    // Highest score wins; on a tie, the first mention.
    let best = found.iter().enumerate().max_by(|(ia, a), (ib, b)| a.score.cmp(&b.score).then(ib.cmp(ia)));
    let amount = best.map(|(_, f)| f.amount);
    let currency = amount.and_then(|a| a.currency).or_else(|| standalone_currency(&message.tokens));
    let mut unparsed = Vec::new();
    if amount.is_none() && cue {
        unparsed.push(message.raw.trim().to_owned());
    }
    let confidence = match best {
        Some((_, f)) if f.score >= 3 => 95,
        Some(_) => 75,
        None => 0,
    };
    Resolution { value: BudgetUpdate { amount, currency }, confidence, unparsed }
}

/// A money-like number and how sure we are that it is the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// The amount.
    pub amount: Amount,
    /// 3 with a currency, +2 with a multiplier ("k", "grand"), 1 bare.
    pub score: u8,
    /// Index of its first token.
    pub at: usize,
}

/// Every number in the message that can be money, with its currency and period.
pub fn find_amounts(tokens: &[Token]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let parsed = match &tokens[i].kind {
            Kind::Number(_) => parse_number(tokens, i),
            Kind::Word(w) if number_word(w).is_some() && w != "a" && w != "an" => parse_spelled(tokens, i),
            _ => None,
        };
        let Some((value, after_number)) = parsed else {
            i += 1;
            continue;
        };
        let (multiplier, after) = multiplier(tokens, after_number);
        let before = currency_before(tokens, i);
        let (after_currency, after) = currency_after(tokens, after);
        let currency = before.map(|(m, _)| m).or(after_currency);
        let start = before.map_or(i, |(_, at)| at);
        // "500k listeners" counts people, not money.
        let counts_things = tokens.get(after).is_some_and(|t| t.is_any(UNITS));
        if currency.is_none()
            && (counts_things
                || !is_money_context(tokens, i, after_number)
                || (multiplier == 1 && is_spelled(tokens, i)))
        {
            i = after_number.max(i + 1);
            continue;
        }
        let micros = value.scaled(multiplier);
        if micros > 0 && !is_price(tokens, start, after) {
            let period =
                period_after(tokens, after).or_else(|| period_before(tokens, start)).unwrap_or(Period::Lifetime);
            // "Budget: £400/day" beside "KPI: CPI under £3": the amount a budget word names wins.
            let named = tokens[start.saturating_sub(3)..start].iter().any(|t| t.is_any(&["budget", "spend", "total"]));
            let score =
                if currency.is_some() { 3 } else { 1 } + if multiplier > 1 { 2 } else { 0 } + if named { 2 } else { 0 };
            out.push(Found { amount: Amount { micros, period, currency }, score, at: start });
        }
        i = after.max(i + 1);
    }
    out
}

/// Whether the amount from `start` to `after` is a price or a cost target rather than a budget: "around
/// 4k a piece", "CPI under £3", "€2 per install".
fn is_price(tokens: &[Token], start: usize, after: usize) -> bool {
    let before = &tokens[start.saturating_sub(2)..start];
    let target =
        before.iter().any(|t| t.is_any(&["under", "below", "cpi", "cpc", "cpm", "cpa", "cpl", "cpv", "price"]));
    let unit = |t: Option<&Token>| {
        t.is_some_and(|t| {
            t.is_any(&["piece", "unit", "item", "install", "click", "lead", "view", "sale", "ticket", "bottle"])
        })
    };
    let each = tokens.get(after).is_some_and(|t| t.is_any(&["each", "apiece"]))
        || (tokens.get(after).is_some_and(|t| t.is_any(&["a", "per"])) && unit(tokens.get(after + 1)));
    target || each
}

/// A decimal number as written: `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// Micro-units of `self × multiplier`, rounded to the nearest micro-unit; 0 when out of range.
    pub fn scaled(self, multiplier: i128) -> i64 {
        let den = 10i128.pow(self.scale.min(30));
        let num = self.mantissa.saturating_mul(multiplier).saturating_mul(1_000_000);
        i64::try_from((2 * num + den) / (2 * den)).unwrap_or(0)
    }
}

/// Reads a plain decimal amount ("50000", "50,000", "1 250.50") into micro-units, exactly: grouping
/// characters are ignored, at most six decimals, only positive amounts. For amounts typed into a form or
/// returned by a model, not for free text (see [`parse_number`]).
pub fn decimal_micros(text: &str) -> Option<i64> {
    let clean: String = text.trim().chars().filter(|c| !matches!(c, ',' | ' ' | '_' | '\'')).collect();
    let (whole, frac) = clean.split_once('.').unwrap_or((&clean, ""));
    if whole.is_empty() || frac.len() > 6 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
    whole.parse::<i64>().ok()?.checked_mul(1_000_000)?.checked_add(frac).filter(|m| *m > 0)
}

/// Reads a written number starting at token `i`: "2,500", "2 500", "12.500", "9,999.50", "1,5".
/// A separator followed by exactly three digits groups thousands; otherwise it is the decimal point.
pub fn parse_number(tokens: &[Token], i: usize) -> Option<(Decimal, usize)> {
    let first = tokens.get(i)?.digits()?;
    if first.len() > 15 {
        return None;
    }
    let mut mantissa: i128 = first.parse().ok()?;
    let mut scale = 0;
    let mut j = i + 1;
    let mut grouped = first.len() <= 3;
    while let (Some(sep), Some(next)) = (tokens.get(j), tokens.get(j + 1)) {
        let Some(d) = next.digits() else { break };
        let glued = !sep.space_before && !next.space_before;
        // Swiss "8'000": an apostrophe only ever groups thousands.
        let apostrophe = sep.is_sym('\'') || sep.is_sym('’');
        if !(glued && (sep.is_sym(',') || sep.is_sym('.') || (apostrophe && d.len() == 3))) {
            break;
        }
        if d.len() == 3 && grouped {
            mantissa = mantissa * 1000 + d.parse::<i128>().ok()?;
            j += 2;
            continue;
        }
        if d.len() <= 6 {
            scale = d.len() as u32;
            mantissa = mantissa * 10i128.pow(scale) + d.parse::<i128>().ok()?;
            j += 2;
        }
        break;
    }
    // "2 500", "100 000": a space before exactly three digits, after a 1–3 digit first group.
    while grouped && scale == 0 {
        let Some(next) = tokens.get(j) else { break };
        match next.digits() {
            Some(d) if d.len() == 3 && next.space_before && first.len() <= 3 => {
                let followed_by_range = tokens.get(j + 1).is_some_and(Token::is_dash);
                if followed_by_range {
                    break;
                }
                mantissa = mantissa * 1000 + d.parse::<i128>().ok()?;
                j += 1;
            }
            _ => grouped = false,
        }
    }
    Some((Decimal { mantissa, scale }, j))
}

/// Reads "five thousand", "twenty five", "ten" (the multiplier word is read separately).
fn parse_spelled(tokens: &[Token], i: usize) -> Option<(Decimal, usize)> {
    let mut value = number_word(tokens.get(i)?.word()?)?;
    let mut j = i + 1;
    if value >= 20
        && value % 10 == 0
        && let Some(unit) = tokens.get(j).and_then(Token::word).and_then(number_word).filter(|u| *u < 10)
    {
        value += unit;
        j += 1;
    }
    if tokens.get(j).is_some_and(|t| t.is("hundred")) {
        value *= 100;
        j += 1;
    }
    Some((Decimal { mantissa: i128::from(value), scale: 0 }, j))
}

fn is_spelled(tokens: &[Token], i: usize) -> bool {
    matches!(tokens[i].kind, Kind::Word(_))
}

/// "k", "thousand", "grand", "m", "million", "bn" after a number.
fn multiplier(tokens: &[Token], j: usize) -> (i128, usize) {
    let Some(t) = tokens.get(j) else { return (1, j) };
    let m = match t.word() {
        Some("k" | "thousand" | "grand" | "thousands") => 1_000,
        Some("m" | "mn" | "mm" | "mio") if !t.space_before => 1_000_000,
        Some("million" | "millions") => 1_000_000,
        // Indian numbering: "2 lakh rupees", "1.5 crore".
        Some("lakh" | "lakhs" | "lac" | "lacs") => 100_000,
        Some("crore" | "crores") => 10_000_000,
        Some("bn" | "billion") => 1_000_000_000,
        _ => return (1, j),
    };
    (m, j + 1)
}

/// A currency written right before the number: "$", "R$", "€", "USD", "CA$". Returns it and where it starts.
fn currency_before(tokens: &[Token], i: usize) -> Option<(CurrencyMark, usize)> {
    let prev = tokens.get(i.checked_sub(1)?)?;
    let prefix = |at: usize| i.checked_sub(at).and_then(|p| tokens.get(p));
    match prev.kind {
        Kind::Sym('$') => {
            // A word glued to the `$` names which dollar (or real) it is.
            if let Some(w) = prefix(2).filter(|w| !prev.space_before && w.word().is_some()) {
                let mark = match w.word() {
                    Some("r") => CurrencyMark::Code(Currency::Brl),
                    Some("c" | "ca" | "can") => CurrencyMark::Code(Currency::Cad),
                    Some("a" | "au" | "aud") => CurrencyMark::Code(Currency::Aud),
                    Some("nz") => CurrencyMark::Code(Currency::Nzd),
                    Some("mx" | "mex") => CurrencyMark::Code(Currency::Mxn),
                    Some("us") => CurrencyMark::Code(Currency::Usd),
                    _ => return Some((CurrencyMark::Dollar, i - 1)),
                };
                return Some((mark, i - 2));
            }
            Some((CurrencyMark::Dollar, i - 1))
        }
        Kind::Sym(c) => symbol(c).map(|m| (m, i - 1)),
        Kind::Word(ref w) => code(w, prev.upper)
            .or(match w.as_str() {
                "kr" => Some(CurrencyMark::Kr),
                "rs" => Some(CurrencyMark::Code(Currency::Inr)),
                // The rand's "R15 000", glued to the number as South Africans write it.
                "r" if prev.capitalized && !tokens[i].space_before => Some(CurrencyMark::Code(Currency::Zar)),
                _ => None,
            })
            .map(|m| (m, i - 1)),
        Kind::Number(_) => None,
    }
}

/// A currency written right after the number (and its multiplier): "€", "EUR", "euros", "kr", "zł".
fn currency_after(tokens: &[Token], j: usize) -> (Option<CurrencyMark>, usize) {
    let Some(t) = tokens.get(j) else { return (None, j) };
    if let Kind::Sym(c) = t.kind {
        return match symbol(c) {
            Some(m) => (Some(m), j + 1),
            None => (None, j),
        };
    }
    let Some(w) = t.word() else { return (None, j) };
    // "Canadian dollars", "US dollars", "Mexican pesos".
    if let Some(next) = tokens.get(j + 1).and_then(Token::word) {
        let qualified = match (w, next) {
            ("canadian", "dollars" | "dollar") => Some(Currency::Cad),
            ("australian" | "aussie", "dollars" | "dollar") => Some(Currency::Aud),
            ("nz" | "kiwi", "dollars" | "dollar") => Some(Currency::Nzd),
            ("us" | "american", "dollars" | "dollar") => Some(Currency::Usd),
            ("swiss", "francs" | "franc") => Some(Currency::Chf),
            ("mexican", "pesos" | "peso") => Some(Currency::Mxn),
            ("brazilian", "reais" | "real") => Some(Currency::Brl),
            ("south", "african") => Some(Currency::Zar),
            _ => None,
        };
        if let Some(c) = qualified {
            return (Some(CurrencyMark::Code(c)), j + 2);
        }
    }
    let mark = code(w, t.upper).or_else(|| currency_word(w)).or(match w {
        "real" => Some(CurrencyMark::Code(Currency::Brl)),
        "kr" => Some(CurrencyMark::Kr),
        _ => None,
    });
    match mark {
        Some(m) => (Some(m), j + 1),
        None => (None, j),
    }
}

fn symbol(c: char) -> Option<CurrencyMark> {
    Some(match c {
        '$' => CurrencyMark::Dollar,
        '€' => CurrencyMark::Code(Currency::Eur),
        '£' => CurrencyMark::Code(Currency::Gbp),
        '¥' | '円' => CurrencyMark::Code(Currency::Jpy),
        '₹' => CurrencyMark::Code(Currency::Inr),
        _ => return None,
    })
}

/// An ISO code. Lower-case codes count only where they cannot be ordinary words.
fn code(w: &str, upper: bool) -> Option<CurrencyMark> {
    let c: Currency = w.to_ascii_uppercase().parse().ok()?;
    (upper || w != "eur").then_some(CurrencyMark::Code(c))
}

/// Currency names that mean money wherever they stand.
fn currency_word(w: &str) -> Option<CurrencyMark> {
    Some(match w {
        "dollar" | "dollars" | "bucks" => CurrencyMark::Dollar,
        "euro" | "euros" => CurrencyMark::Code(Currency::Eur),
        "pound" | "pounds" | "quid" | "sterling" => CurrencyMark::Code(Currency::Gbp),
        "reais" => CurrencyMark::Code(Currency::Brl),
        "peso" | "pesos" => CurrencyMark::Code(Currency::Mxn),
        "yen" => CurrencyMark::Code(Currency::Jpy),
        "rupee" | "rupees" => CurrencyMark::Code(Currency::Inr),
        "rand" => CurrencyMark::Code(Currency::Zar),
        "zloty" | "zlotys" | "zl" | "zlotych" => CurrencyMark::Code(Currency::Pln),
        "franc" | "francs" => CurrencyMark::Code(Currency::Chf),
        "krona" | "kronor" => CurrencyMark::Code(Currency::Sek),
        "krone" | "kroner" => CurrencyMark::Krone,
        _ => return None,
    })
}

/// A currency named on its own ("in euros", "budget in USD").
fn standalone_currency(tokens: &[Token]) -> Option<CurrencyMark> {
    tokens
        .iter()
        .rev()
        .find_map(|t| t.word().and_then(|w| currency_word(w).or_else(|| if t.upper { code(w, true) } else { None })))
}

const UNITS: &[&str] = &[
    "day",
    "days",
    "week",
    "weeks",
    "wk",
    "wks",
    "month",
    "months",
    "year",
    "years",
    "yr",
    "yrs",
    "hour",
    "hours",
    "minute",
    "minutes",
    "min",
    "sec",
    "seconds",
    "s",
    "st",
    "nd",
    "rd",
    "th",
    "percent",
    "pct",
    "x",
    "times",
    "people",
    "listeners",
    "users",
    "impressions",
    "installs",
    "clicks",
    "leads",
    "views",
    "streams",
    "cities",
    "countries",
    "markets",
    "ad",
    "ads",
    "spots",
    "yo",
    "plus",
    "downloads",
    "signups",
    "sign",
    "visits",
    "visitors",
    "subscribers",
    "followers",
    "fans",
    "plays",
    "listens",
    "households",
];

/// Whether a number with no currency written can still be money: not a date, age, duration or count.
fn is_money_context(tokens: &[Token], i: usize, after: usize) -> bool {
    let t = &tokens[i];
    let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
    let next = tokens.get(after);
    // Glued to letters ("EX30", "Q2", "5G"), a year, a range, an age or a unit.
    if prev.is_some_and(|p| p.word().is_some() && !t.space_before) {
        return false;
    }
    if next.is_some_and(|n| n.word().is_some() && !n.space_before && !n.is_any(&["k", "m", "mn"])) {
        return false;
    }
    if after == i + 1 && t.digits().is_some_and(|d| d.len() == 4) && t.int().is_some_and(|y| (1900..=2100).contains(&y))
    {
        return false;
    }
    if next.is_some_and(|n| {
        n.is_dash()
            || n.is_sym('+')
            || n.is_sym('%')
            || n.is_sym('/') && tokens.get(after + 1).is_some_and(|d| d.digits().is_some())
    }) || prev.is_some_and(|p| (p.is_dash() || p.is_sym('/')) && !p.space_before)
    {
        return false;
    }
    if next.is_some_and(|n| {
        n.is_any(UNITS)
            || n.is_any(&["and", "to", "through"]) && tokens.get(after + 1).is_some_and(|x| x.digits().is_some())
    }) {
        return false;
    }
    if prev.is_some_and(|p| {
        p.is_any(&["aged", "age", "ages", "over", "under", "between", "from", "q", "top", "first", "last", "next"])
    }) {
        return false;
    }
    // Next to a month name: a date.
    let month_near = month_at(tokens, i.wrapping_sub(1)).is_some()
        || month_at(tokens, after).is_some()
        || (next.is_some_and(|n| n.is("of")) && month_at(tokens, after + 1).is_some());
    !month_near
}

/// "per day", "a week", "/month", "daily" after the amount.
fn period_after(tokens: &[Token], j: usize) -> Option<Period> {
    let t = tokens.get(j)?;
    if let Some(p) = t.word().and_then(period_adjective) {
        return Some(p);
    }
    let lead = t.is_any(&["per", "a", "an", "each", "every"]) || t.is_sym('/');
    if lead {
        return tokens.get(j + 1).and_then(Token::word).and_then(period_unit);
    }
    // "USD 500 for each day"; "500 / day".
    None
}

/// "daily budget of €200", "a weekly 2k": the period word shortly before the amount.
fn period_before(tokens: &[Token], start: usize) -> Option<Period> {
    let from = start.saturating_sub(4);
    tokens[from..start].iter().rev().find_map(|t| t.word().and_then(period_adjective))
}

fn period_adjective(w: &str) -> Option<Period> {
    Some(match w {
        "daily" => Period::Daily,
        "weekly" => Period::Weekly,
        "monthly" => Period::Monthly,
        _ => return None,
    })
}

fn period_unit(w: &str) -> Option<Period> {
    Some(match w {
        "day" | "d" => Period::Daily,
        "week" | "wk" | "w" => Period::Weekly,
        "month" | "mo" | "mth" => Period::Monthly,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn budget(text: &str) -> Option<Amount> {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        resolve(&Message::new(text, today)).value.amount
    }

    fn amount(micros: i64, period: Period, currency: Option<CurrencyMark>) -> Option<Amount> {
        Some(Amount { micros, period, currency })
    }

    const USD: Option<CurrencyMark> = Some(CurrencyMark::Code(Currency::Usd));
    const EUR: Option<CurrencyMark> = Some(CurrencyMark::Code(Currency::Eur));
    const DOLLAR: Option<CurrencyMark> = Some(CurrencyMark::Dollar);

    #[test]
    fn prices_and_cost_targets_are_not_the_budget() {
        let chf = Some(CurrencyMark::Code(Currency::Chf));
        assert_eq!(
            budget("a Swiss watchmaker (around 4k a piece), CHF 40 000, May–June"),
            amount(40_000_000_000, Period::Lifetime, chf)
        );
        let gbp = Some(CurrencyMark::Code(Currency::Gbp));
        assert_eq!(budget("KPI: CPI under £3\nBudget: £400/day"), amount(400_000_000, Period::Daily, gbp));
    }

    #[test]
    fn local_marks_before_the_amount() {
        let zar = Some(CurrencyMark::Code(Currency::Zar));
        assert_eq!(budget("Budget R15 000 for October"), amount(15_000_000_000, Period::Lifetime, zar));
        assert_eq!(budget("kr 500 per day"), amount(500_000_000, Period::Daily, Some(CurrencyMark::Kr)));
        let inr = Some(CurrencyMark::Code(Currency::Inr));
        assert_eq!(budget("Rs 200,000 in Mumbai"), amount(200_000_000_000, Period::Lifetime, inr));
    }

    #[test]
    fn amounts_and_separators() {
        use Period::*;
        assert_eq!(budget("$5k"), amount(5_000_000_000, Lifetime, DOLLAR));
        assert_eq!(budget("30k EUR"), amount(30_000_000_000, Lifetime, EUR));
        assert_eq!(budget("USD 18,000"), amount(18_000_000_000, Lifetime, USD));
        assert_eq!(budget("€10.000"), amount(10_000_000_000, Lifetime, EUR));
        assert_eq!(budget("budget 12.500"), amount(12_500_000_000, Lifetime, None));
        assert_eq!(budget("$9,999.50"), amount(9_999_500_000, Lifetime, DOLLAR));
        assert_eq!(budget("1,5M €"), amount(1_500_000_000_000, Lifetime, EUR));
        assert_eq!(budget("2 500 € total"), amount(2_500_000_000, Lifetime, EUR));
        assert_eq!(budget("2 lakh rupees"), amount(200_000_000_000, Lifetime, Some(CurrencyMark::Code(Currency::Inr))));
        assert_eq!(budget("CHF 8'000"), amount(8_000_000_000, Lifetime, Some(CurrencyMark::Code(Currency::Chf))));
        assert_eq!(budget("7.5k€"), amount(7_500_000_000, Lifetime, EUR));
        assert_eq!(budget("1.5 million dollars"), amount(1_500_000_000_000, Lifetime, DOLLAR));
        assert_eq!(budget("15 grand"), amount(15_000_000_000, Lifetime, None));
        assert_eq!(budget("five thousand"), amount(5_000_000_000, Lifetime, None));
        assert_eq!(budget("ten grand"), amount(10_000_000_000, Lifetime, None));
        assert_eq!(budget("eight thousand euros"), amount(8_000_000_000, Lifetime, EUR));
        assert_eq!(budget("R$ 50.000"), amount(50_000_000_000, Lifetime, Some(CurrencyMark::Code(Currency::Brl))));
        assert_eq!(budget("CA$8,000"), amount(8_000_000_000, Lifetime, Some(CurrencyMark::Code(Currency::Cad))));
        assert_eq!(budget("100 000 kr"), amount(100_000_000_000, Lifetime, Some(CurrencyMark::Kr)));
        assert_eq!(budget("40 000 zł"), amount(40_000_000_000, Lifetime, Some(CurrencyMark::Code(Currency::Pln))));
    }

    #[test]
    fn periods() {
        use Period::*;
        assert_eq!(budget("£200 a day for two weeks").map(|a| a.period), Some(Daily));
        assert_eq!(budget("$150/day, New York").map(|a| a.period), Some(Daily));
        assert_eq!(budget("€2,500 per week for 8 weeks").map(|a| a.period), Some(Weekly));
        assert_eq!(budget("$7.5k per month for 2 months").map(|a| a.period), Some(Monthly));
        assert_eq!(budget("a daily budget of $300").map(|a| a.period), Some(Daily));
    }

    #[test]
    fn dates_ages_and_durations_are_not_money() {
        assert_eq!(budget("18-34 year olds from April 6 to April 26, for 3 weeks, Q2 2026"), None);
        assert_eq!(budget("Volvo EX30 launch, 25+, from 2026-05-11"), None);
        assert_eq!(budget("1-14 May"), None);
        assert_eq!(budget("reach 500k listeners"), None);
        assert_eq!(budget("get 2,000 downloads"), None);
        assert_eq!(budget("2 weeks from tomorrow, 18-24, $150/day").map(|a| a.micros), Some(150_000_000));
    }

    #[test]
    fn currency_marks_settle_by_country() {
        assert_eq!(CurrencyMark::Dollar.settle(&[Country::Ca]), Currency::Cad);
        assert_eq!(CurrencyMark::Dollar.settle(&[Country::Ca, Country::Us]), Currency::Usd);
        assert_eq!(CurrencyMark::Kr.settle(&[Country::No]), Currency::Nok);
        assert_eq!(CurrencyMark::Kr.settle(&[Country::Se, Country::No]), Currency::Sek);
        assert_eq!(CurrencyMark::Krone.settle(&[Country::Dk]), Currency::Dkk);
        assert_eq!(CurrencyMark::Krone.settle(&[Country::No]), Currency::Nok);
    }
}
