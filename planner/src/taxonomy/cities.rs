//! The city gazetteer (`data/cities.tsv`): major cities of the supported markets with their common aliases,
//! so "LA" is Los Angeles and "Perth" is the Australian one unless the conversation names the UK.

use std::sync::OnceLock;

use super::tsv_rows;
use crate::text;
use crate::types::Country;

/// One city.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct City {
    /// Common English name without diacritics ("Sao Paulo", "Malmo").
    pub name: &'static str,
    /// Its market.
    pub country: Country,
    /// Inhabitants of the city proper or its core urban area.
    pub population: u64,
    /// Other ways people write it, normalised ("la", "nyc").
    pub aliases: Vec<String>,
}

/// Every city, most populous first.
pub fn all() -> &'static [City] {
    static ALL: OnceLock<Vec<City>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut cities: Vec<City> = tsv_rows(include_str!("../../data/cities.tsv"))
            .filter(|f| f.len() >= 3)
            .filter_map(|f| {
                Some(City {
                    name: f[0],
                    country: f[1].parse().ok()?,
                    population: f[2].parse::<u64>().ok()? * 1000,
                    aliases: f
                        .get(3)
                        .map(|a| a.split(',').map(text::normalize).filter(|s| !s.is_empty()).collect())
                        .unwrap_or_default(),
                })
            })
            .collect();
        cities.sort_by(|a, b| b.population.cmp(&a.population).then_with(|| a.name.cmp(b.name)));
        cities
    })
}

/// Every spelling of a city that can be looked for in text: its normalised name and aliases.
pub fn spellings(city: &City) -> impl Iterator<Item = String> + '_ {
    std::iter::once(text::normalize(city.name)).chain(city.aliases.iter().cloned())
}

/// The city with this gazetteer name in this country.
pub fn get(name: &str, country: Country) -> Option<&'static City> {
    all().iter().find(|c| c.name == name && c.country == country)
}
