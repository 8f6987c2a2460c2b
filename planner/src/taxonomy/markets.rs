//! Supported markets: their currency, population and an estimate of ad-supported listeners by age band
//! and gender (`data/markets.tsv`; method and sources in `docs/data-sources.md`), and the audience-size
//! estimate the planner bounds reach with.

use std::sync::OnceLock;

use super::tsv_rows;
use crate::types::{AgeRange, Country, Currency, Gender, Platform, Targets};

/// Age bands of the listener table, inclusive.
pub const AGE_BANDS: [AgeRange; 7] = [
    AgeRange { min: 13, max: 17 },
    AgeRange { min: 18, max: 24 },
    AgeRange { min: 25, max: 34 },
    AgeRange { min: 35, max: 44 },
    AgeRange { min: 45, max: 54 },
    AgeRange { min: 55, max: 64 },
    AgeRange { min: 65, max: 99 },
];

/// Share of listeners who identify as neither male nor female; taken out of both columns evenly.
const NON_BINARY_SHARE: f64 = 0.01;

/// One market.
#[derive(Clone, Debug, PartialEq)]
pub struct Market {
    /// ISO code.
    pub country: Country,
    /// English name.
    pub name: &'static str,
    /// Currency plans in this market are made in by default.
    pub currency: Currency,
    /// Inhabitants.
    pub population: u64,
    /// Share of mobile listening on iOS (the rest of mobile is Android).
    pub ios_share: f64,
    /// Share of listening on desktop.
    pub desktop_share: f64,
    /// Ad-supported monthly listeners per [`AGE_BANDS`] entry, as (male, female).
    pub listeners: [(u64, u64); 7],
}

/// Every supported market, in `Country::ALL` order.
pub fn all() -> &'static [Market] {
    static ALL: OnceLock<Vec<Market>> = OnceLock::new();
    ALL.get_or_init(|| {
        let rows: Vec<Market> = tsv_rows(include_str!("../../data/markets.tsv")).filter_map(parse_row).collect();
        Country::ALL.iter().filter_map(|c| rows.iter().find(|m| m.country == *c).cloned()).collect()
    })
}

fn parse_row(f: Vec<&'static str>) -> Option<Market> {
    if f.len() < 20 {
        return None;
    }
    let num = |i: usize| f[i].parse::<u64>().ok();
    let pct = |i: usize| f[i].parse::<f64>().ok().map(|p| p / 100.0);
    let mut listeners = [(0, 0); 7];
    for (band, slot) in listeners.iter_mut().enumerate() {
        *slot = (num(6 + 2 * band)? * 1000, num(7 + 2 * band)? * 1000);
    }
    Some(Market {
        country: f[0].parse().ok()?,
        name: f[1],
        currency: f[2].parse().ok()?,
        population: num(3)? * 1000,
        ios_share: pct(4)?,
        desktop_share: pct(5)?,
        listeners,
    })
}

/// The market of a supported country.
pub fn market(country: Country) -> &'static Market {
    // `all()` holds every `Country` (checked by a test), so the fallback is unreachable in practice.
    all().iter().find(|m| m.country == country).unwrap_or(&all()[0])
}

/// The three markets most like `country` (region, language, price level), whose history the planner
/// pools into thin cells: a format's relative performance travels between neighbours better than its
/// level does, and the planner rescales their spend by price.
pub fn neighbours(country: Country) -> [Country; 3] {
    use Country::*;
    match country {
        Us => [Ca, Gb, Au],
        Ca => [Us, Gb, Au],
        Gb => [Ie, Us, Au],
        Ie => [Gb, Us, Ca],
        Au => [Nz, Gb, Us],
        Nz => [Au, Gb, Ca],
        De => [At, Ch, Nl],
        At => [De, Ch, Nl],
        Ch => [De, At, Fr],
        Fr => [Be, De, Ch],
        Be => [Nl, Fr, Lu],
        Nl => [Be, De, Dk],
        Lu => [Be, Fr, De],
        It => [Es, Pt, Fr],
        Es => [It, Pt, Fr],
        Pt => [Es, It, Br],
        Pl => [Pt, Es, De],
        Se => [No, Dk, Fi],
        No => [Se, Dk, Fi],
        Dk => [Se, No, Nl],
        Fi => [Se, No, Dk],
        Br => [Mx, Ar, Co],
        Mx => [Br, Co, Cl],
        Ar => [Cl, Br, Pe],
        Co => [Pe, Mx, Cl],
        Cl => [Ar, Pe, Co],
        Pe => [Co, Cl, Ar],
        In => [Br, Mx, Za],
        Za => [Br, Mx, In],
        Jp => [Us, Au, Gb],
    }
}

impl Market {
    /// All ad-supported listeners.
    pub fn total_listeners(&self) -> u64 {
        self.listeners.iter().map(|(m, f)| m + f).sum()
    }

    /// Listeners the targeting can reach here: age bands pro rata by years, gender, platform, then a
    /// narrowing factor per interest, genre or topic, and the cities' share of the population.
    pub fn audience(&self, targets: &Targets, city_population: u64) -> u64 {
        let (male, female) = (1.0 - NON_BINARY_SHARE / 2.0, 1.0 - NON_BINARY_SHARE / 2.0);
        let gender_weight = |g: Gender| match g {
            Gender::Male => (male, 0.0),
            Gender::Female => (0.0, female),
            Gender::NonBinary => (NON_BINARY_SHARE / 2.0, NON_BINARY_SHARE / 2.0),
        };
        let (wm, wf) = if targets.genders.is_empty() {
            (1.0, 1.0)
        } else {
            targets.genders.iter().fold((0.0, 0.0), |(a, b), g| {
                let (m, f) = gender_weight(*g);
                (a + m, b + f)
            })
        };
        let mut people = 0.0;
        for (band, (m, f)) in AGE_BANDS.iter().zip(self.listeners) {
            let share = age_share(band, &targets.age_ranges);
            people += share * (m as f64 * wm + f as f64 * wf);
        }
        people *= platform_share(self, &targets.platforms);
        // Each interest, genre or topic keeps a fraction of listeners; several of one kind widen again.
        for (list, keep) in [(&targets.interests, 0.22), (&targets.genres, 0.18), (&targets.podcast_topics, 0.12)] {
            if !list.is_empty() {
                let n = list.len() as i32;
                people *= 1.0 - libm::pow(1.0 - keep, f64::from(n));
            }
        }
        if !targets.cities.is_empty() && self.population > 0 {
            // Listening skews urban, hence the 1.2.
            let share = (city_population as f64 / self.population as f64 * 1.2).min(1.0);
            people *= share;
        }
        people.max(0.0) as u64
    }
}

/// Fraction of a band covered by the requested ranges (whole band when none is requested).
fn age_share(band: &AgeRange, ranges: &[AgeRange]) -> f64 {
    if ranges.is_empty() {
        return 1.0;
    }
    let years = f64::from(band.max - band.min + 1);
    let covered = (band.min..=band.max).filter(|age| ranges.iter().any(|r| r.min <= *age && *age <= r.max)).count();
    covered as f64 / years
}

fn platform_share(market: &Market, platforms: &[Platform]) -> f64 {
    if platforms.is_empty() {
        return 1.0;
    }
    let mobile = 1.0 - market.desktop_share;
    platforms
        .iter()
        .map(|p| match p {
            Platform::Ios => mobile * market.ios_share,
            Platform::Android => mobile * (1.0 - market.ios_share),
            Platform::Desktop => market.desktop_share,
        })
        .sum::<f64>()
        .min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_has_a_market() {
        assert_eq!(all().len(), Country::ALL.len());
        for m in all() {
            assert!(m.total_listeners() > 100_000, "{:?}", m.country);
            assert!(m.total_listeners() < m.population, "{:?}", m.country);
        }
    }

    #[test]
    fn narrower_targeting_means_a_smaller_audience() {
        let us = market(Country::Us);
        let all = us.audience(&Targets::default(), 0);
        let young = Targets { age_ranges: vec![AgeRange { min: 18, max: 24 }], ..Targets::default() };
        let young_women = Targets { genders: vec![Gender::Female], ..young.clone() };
        let a = us.audience(&young, 0);
        let b = us.audience(&young_women, 0);
        assert!(all > a && a > b && b > 0);
        let ios = Targets { platforms: vec![Platform::Ios], ..Targets::default() };
        assert!(us.audience(&ios, 0) < all);
    }
}
