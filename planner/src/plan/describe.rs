//! Words for people: ad-set names, money as a media buyer writes it, and the one-line reason behind each
//! ad set (its evidence, then why it gets its share of the budget).
//!
//! Start with [`reason`].

use super::candidates::{Candidate, Stats};
use super::history::cost_metric_name;
use super::model::Basis;
use crate::taxonomy::fx;
use crate::types::{AssetFormat, Currency, Objective, Placement, Platform};

/// "BR · Audio · Music · Reach" (plus the store for app installs).
pub fn name(c: &Candidate) -> String {
    let mut name = format!(
        "{} · {} · {} · {}",
        c.country,
        format_label(c.format),
        placements_label(&c.placements),
        objective_label(c.objective)
    );
    if let Some(store) = c.store {
        name.push_str(" · ");
        name.push_str(platform_label(store));
    }
    name
}

/// "Audio".
pub fn format_label(f: AssetFormat) -> &'static str {
    match f {
        AssetFormat::Audio => "Audio",
        AssetFormat::Video => "Video",
        AssetFormat::Image => "Image",
    }
}

/// "Music", "Podcast" or "Music + Podcast".
pub fn placements_label(placements: &[Placement]) -> String {
    let words: Vec<&str> = placements
        .iter()
        .map(|p| match p {
            Placement::Music => "Music",
            Placement::Podcast => "Podcast",
        })
        .collect();
    words.join(" + ")
}

/// "Reach", "App installs"…
pub fn objective_label(o: Objective) -> &'static str {
    match o {
        Objective::Reach => "Reach",
        Objective::EvenImpressionDelivery => "Even impressions",
        Objective::Clicks => "Clicks",
        Objective::WebsiteVisits => "Website visits",
        Objective::VideoViews => "Video views",
        Objective::AppInstalls => "App installs",
        Objective::PodcastStreams => "Podcast streams",
        Objective::LeadGen => "Lead gen",
    }
}

/// "a Reach", "an Even impressions".
fn with_article(label: &str) -> String {
    let vowel = label.starts_with(['A', 'E', 'I', 'O', 'U']);
    format!("{} {label}", if vowel { "an" } else { "a" })
}

fn platform_label(p: Platform) -> &'static str {
    match p {
        Platform::Ios => "iOS",
        Platform::Android => "Android",
        Platform::Desktop => "Desktop",
    }
}

/// "R$ 23", "$4.20", "€12,500", "SEK 230": whole units from 10 up, cents below.
pub fn money(micros: i64, currency: Currency) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let micros = micros.unsigned_abs();
    let prefix = symbol(currency);
    if micros < 10_000_000 {
        let cents = (micros + 5_000) / 10_000;
        format!("{sign}{prefix}{}.{:02}", cents / 100, cents % 100)
    } else {
        format!("{sign}{prefix}{}", thousands((micros + 500_000) / 1_000_000))
    }
}

/// An exact amount with its ISO code, grouped by thousands: "50,000 BRL", "9,999.50 USD", "3,000,000 JPY".
pub fn exact_money(micros: i64, currency: Currency) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let cents = (micros.unsigned_abs() + 5_000) / 10_000;
    match cents % 100 {
        0 => format!("{sign}{} {currency}", thousands(cents / 100)),
        c => format!("{sign}{}.{c:02} {currency}", thousands(cents / 100)),
    }
}

/// Rounded up at the precision [`money`] shows (cents below 10 units, whole units above), for minimums
/// that must be enough: "R$ 1,368", "€7.13".
pub fn money_ceil(micros: i64, currency: Currency) -> String {
    let micros = micros.max(0).unsigned_abs();
    if micros < 10_000_000 {
        let cents = micros.div_ceil(10_000);
        format!("{}{}.{:02}", symbol(currency), cents / 100, cents % 100)
    } else {
        format!("{}{}", symbol(currency), thousands(micros.div_ceil(1_000_000)))
    }
}

/// How the currency is written before an amount.
fn symbol(currency: Currency) -> &'static str {
    match currency {
        Currency::Usd => "$",
        Currency::Eur => "€",
        Currency::Gbp => "£",
        Currency::Brl => "R$ ",
        Currency::Mxn => "MX$",
        Currency::Cad => "C$",
        Currency::Aud => "A$",
        Currency::Nzd => "NZ$",
        Currency::Jpy => "¥",
        Currency::Inr => "₹",
        Currency::Sek => "SEK ",
        Currency::Nok => "NOK ",
        Currency::Dkk => "DKK ",
        Currency::Chf => "CHF ",
        Currency::Pln => "PLN ",
        Currency::Zar => "ZAR ",
    }
}

/// A count grouped by thousands: "1,163,794".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// USD (a modelling float) in plan-currency micros at the reference rate.
pub fn usd_to_micros(usd: f64, currency: Currency) -> i64 {
    let micros = usd / fx::usd_per_unit(currency) * 1e6;
    if micros.is_finite() { micros.clamp(0.0, i64::MAX as f64).round() as i64 } else { 0 }
}

/// Why an ad set gets the budget it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// The only ad set.
    Whole,
    /// Held at the minimum: past it, its marginal return is below the others'.
    Minimum,
    /// The only ad set above its minimum: the percentage of the budget it gets.
    Rest(u32),
    /// At equal marginal return with the other ad sets above their minimum; the percentage of the budget.
    Balanced(u32),
    /// Held at the minimum: its objective produces none of the brief's result.
    NoResult,
    /// No ad set can produce the brief's result, so the budget is split evenly; the percentage.
    Even(u32),
}

/// Everything a reason mentions.
#[derive(Clone, Copy, Debug)]
pub struct ReasonInputs<'a> {
    /// The ad set.
    pub candidate: &'a Candidate,
    /// Its evidence.
    pub stats: &'a Stats,
    /// Where its model came from.
    pub basis: Basis,
    /// Plan currency.
    pub currency: Currency,
    /// The cost metric value to quote when history has none (from the forecast), plan micros.
    pub fallback_cost: i64,
    /// Its share of the budget.
    pub share: Share,
    /// The per-ad-set minimum as written ("R$ 1,600", "€8.40 a day").
    pub minimum: &'a str,
    /// What the allocation maximised ("reach", "installs").
    pub optimised: &'a str,
}

/// "Audio on Music in BR: CPM R$ 23 vs R$ 31 market median across 48 comparable ad sets, 97% delivery;
/// gets 41% of the budget, where its marginal reach per R$ matches the other ad sets'".
pub fn reason(r: ReasonInputs<'_>) -> String {
    let c = r.candidate;
    let mut head = format!("{} on {} in {}", format_label(c.format), placements_label(&c.placements), c.country);
    if let Some(store) = c.store {
        head.push_str(&format!(" ({})", platform_label(store)));
    }
    format!("{head}: {}; {}", evidence(&r), share(&r))
}

fn evidence(r: &ReasonInputs<'_>) -> String {
    let c = r.candidate;
    let metric = cost_metric_name(c.objective);
    let cur = r.currency;
    let delivery = r.stats.delivery.map(|d| format!(", {}% delivery", (d * 100.0).round().clamp(0.0, 999.0)));
    match (r.basis, r.stats.cost) {
        (Basis::Cell, Some(cost)) => {
            let vs = r
                .stats
                .market_cost
                .map(|m| format!(" vs {} market median", money(usd_to_micros(m, cur), cur)))
                .unwrap_or_default();
            format!(
                "{metric} {}{vs} across {} comparable ad sets{}",
                money(usd_to_micros(cost, cur), cur),
                r.stats.comparable,
                delivery.unwrap_or_default()
            )
        }
        (Basis::Cell, None) => format!(
            "{} comparable ad sets but none with {}; {metric} ~{} from the curve",
            r.stats.comparable,
            super::forecast::result_name(c.objective),
            money(r.fallback_cost, cur)
        ),
        (Basis::Pooled, cost) => format!(
            "no comparable ad sets here yet, so {metric} ~{} is estimated from {} {} · {} ad sets in other markets scaled to {} prices",
            money(cost.map_or(r.fallback_cost, |c| usd_to_micros(c, cur)), cur),
            r.stats.pooled,
            format_label(c.format),
            objective_label(c.objective),
            c.country
        ),
        (Basis::Defaults, _) => {
            format!("no comparable history, so conservative defaults apply ({metric} ~{})", money(r.fallback_cost, cur))
        }
    }
}

fn share(r: &ReasonInputs<'_>) -> String {
    let per = format!("{} per {}", r.optimised, r.currency);
    match r.share {
        Share::Whole => "takes the whole budget".to_owned(),
        Share::Minimum => format!(
            "held at the {} minimum (250 USD-equivalent): past it, its marginal {per} is below the other ad sets'",
            r.minimum
        ),
        Share::Rest(pct) => {
            format!("gets the rest ({pct}% of the budget): it returns the most {per} at the margin")
        }
        Share::NoResult => format!(
            "held at the {} minimum (250 USD-equivalent): {} ad set adds no {}",
            r.minimum,
            with_article(objective_label(r.candidate.objective)),
            r.optimised
        ),
        Share::Even(pct) => format!(
            "gets an even {pct}%: none of the ad sets can forecast {}, so nothing favours one over another",
            r.optimised
        ),
        Share::Balanced(pct) => {
            format!("gets {pct}% of the budget, where its marginal {per} equals the other ad sets'")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Country;

    #[test]
    fn money_reads_like_a_media_buyer_writes_it() {
        assert_eq!(money(23_400_000, Currency::Brl), "R$ 23");
        assert_eq!(money(4_204_000, Currency::Usd), "$4.20");
        assert_eq!(money(12_500_000_000, Currency::Eur), "€12,500");
        assert_eq!(money(3_000_000_000_000, Currency::Jpy), "¥3,000,000");
        assert_eq!(money(0, Currency::Sek), "SEK 0.00");
        assert_eq!(money_ceil(213_675_214, Currency::Eur), "€214");
        assert_eq!(money_ceil(7_122_507, Currency::Eur), "€7.13");
        assert_eq!(money_ceil(10_000_001, Currency::Eur), "€11");
        assert_eq!(exact_money(50_000_000_000, Currency::Brl), "50,000 BRL");
        assert_eq!(exact_money(9_999_500_000, Currency::Usd), "9,999.50 USD");
        assert_eq!(exact_money(3_000_000_000_000, Currency::Jpy), "3,000,000 JPY");
    }

    #[test]
    fn names_follow_the_pattern() {
        let c = Candidate {
            country: Country::Br,
            format: AssetFormat::Audio,
            objective: Objective::Reach,
            placements: vec![Placement::Music],
            store: None,
        };
        assert_eq!(name(&c), "BR · Audio · Music · Reach");
        let app = Candidate {
            objective: Objective::AppInstalls,
            store: Some(Platform::Ios),
            placements: vec![Placement::Music, Placement::Podcast],
            ..c
        };
        assert_eq!(name(&app), "BR · Audio · Music + Podcast · App installs · iOS");
    }
}
