//! The Ads API's 297 ad categories (`data/ad_categories.tsv`) and a search over them.
//!
//! [`search`] first looks for curated product phrases (`data/category_keywords.tsv`: "energy drink",
//! "daycare", "SUV"…, each in the singular and the plural) and then falls back to word overlap with the
//! category names, so the goal resolver (and a model's `search_ad_categories` tool) can find the closest
//! row for what is advertised. A phrase's surroundings say whether it names what is advertised ("our new
//! hazy IPA") or only whom the brief is for ("craft beer lovers", "who are into gaming"): the first ranks
//! higher, the second below the resolver's bar.

use std::sync::OnceLock;

use super::tsv_rows;
use crate::text;

/// One row of the category list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdCategory {
    /// `ADV_<parent>_<n>`.
    pub id: &'static str,
    /// Parent vertical, e.g. "Food and Drink".
    pub parent: &'static str,
    /// Full name, e.g. "Food and Drink - Alcoholic Beverages".
    pub name: &'static str,
}

/// The fallback when nothing fits.
pub const OTHER: &str = "ADV_23_217";

/// Every category, in file order.
pub fn all() -> &'static [AdCategory] {
    static ALL: OnceLock<Vec<AdCategory>> = OnceLock::new();
    ALL.get_or_init(|| {
        tsv_rows(include_str!("../../data/ad_categories.tsv"))
            .filter(|f| f.len() >= 3)
            .map(|f| AdCategory { id: f[0], parent: f[1], name: f[2] })
            .collect()
    })
}

/// The category with this id.
pub fn get(id: &str) -> Option<&'static AdCategory> {
    all().iter().find(|c| c.id == id)
}

/// Curated phrases (normalised) and the category each names, with the other grammatical number of each
/// phrase's last word unless that form is curated itself.
fn keywords() -> &'static text::PhraseIndex<&'static AdCategory> {
    static KEYWORDS: OnceLock<text::PhraseIndex<&'static AdCategory>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let curated: Vec<(String, &'static AdCategory)> = tsv_rows(include_str!("../../data/category_keywords.tsv"))
            .filter(|f| f.len() >= 2)
            .filter_map(|f| Some((text::normalize(f[0]), get(f[1])?)))
            .collect();
        let known: std::collections::BTreeSet<&str> = curated.iter().map(|(k, _)| k.as_str()).collect();
        let variants: Vec<(String, &'static AdCategory)> = curated
            .iter()
            .filter_map(|(k, c)| other_number(k).filter(|v| !known.contains(v.as_str())).map(|v| (v, *c)))
            .collect();
        text::PhraseIndex::new(curated.into_iter().chain(variants))
    })
}

/// The phrase with its last word in the other grammatical number ("energy drink" ⇄ "energy drinks",
/// "bakery" ⇄ "bakeries"); `None` for short words, where a letter more or less is another word.
fn other_number(phrase: &str) -> Option<String> {
    let (head, last) = phrase.rsplit_once(' ').map_or(("", phrase), |(h, l)| (h, l));
    // "finance podcasts" is where ads run, not what is advertised (that is "our finance podcast"); the
    // singular of "electronics", "savings" or "news" is another word.
    let exception = ["ics", "ings", "ews", "ss", "us", "is"].iter().any(|end| last.ends_with(end));
    if last.len() < 4 || !last.bytes().all(|b| b.is_ascii_lowercase()) || last == "podcast" || exception {
        return None;
    }
    let consonant_y = |w: &str| w.ends_with('y') && !w.ends_with("ay") && !w.ends_with("ey") && !w.ends_with("oy");
    let swapped = if let Some(stem) = last.strip_suffix("ies") {
        format!("{stem}y")
    } else if last.ends_with("sses") || last.ends_with("ches") || last.ends_with("shes") || last.ends_with("xes") {
        last[..last.len() - 2].to_owned()
    } else if let Some(stem) = last.strip_suffix('s') {
        stem.to_owned()
    } else if consonant_y(last) {
        format!("{}ies", &last[..last.len() - 1])
    } else if last.ends_with("ch") || last.ends_with("sh") || last.ends_with('x') {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    Some(if head.is_empty() { swapped } else { format!("{head} {swapped}") })
}

/// Words after a phrase that make it a taste of the audience rather than what is advertised.
const AUDIENCE_AFTER: &[&str] = &[
    "listeners",
    "listener",
    "fans",
    "fan",
    "lovers",
    "lover",
    "enthusiasts",
    "owners",
    "goers",
    "heads",
    "buffs",
    "nerds",
    "geeks",
    "junkies",
    "drinkers",
    "players",
    "shoppers",
    "audience",
    "audiences",
    "people",
    "users",
    "aficionados",
    "crowd",
    "community",
    "podcasts",
    "podcast",
];

/// Words right before a phrase that make it a taste of the audience ("fans of" counts too).
const AUDIENCE_BEFORE: &[&str] = &["into", "love", "loves", "like", "likes", "enjoy", "enjoys"];

/// Words shortly before a phrase that make it what is advertised.
const PRODUCT_BEFORE: &[&str] = &[
    "our",
    "my",
    "promote",
    "promoting",
    "launch",
    "launching",
    "advertise",
    "advertising",
    "sell",
    "selling",
    "new",
    "client",
    "brand",
    "we",
];

/// How a phrase's surroundings rank it: what is advertised, unclear, or a taste of the audience.
fn context_score(norm: &str, at: usize, len: usize) -> u32 {
    let after = norm.get(at + len..).unwrap_or("").split_whitespace().next().unwrap_or("");
    let before: Vec<&str> = norm.get(..at).unwrap_or("").split_whitespace().rev().take(3).collect();
    let taste = match before.as_slice() {
        ["of", who, ..] => AUDIENCE_AFTER.contains(who),
        [w, ..] => AUDIENCE_BEFORE.contains(w),
        [] => false,
    };
    // "our finance podcast's host" advertises the host's book, not the podcast ("our hotel's booking page"
    // still advertises the hotel).
    let mut rest = norm.get(at + len..).unwrap_or("").split_whitespace();
    let persons = ["host", "hosts", "founder", "founders", "ceo", "owner", "chef", "author", "presenter"];
    let someone_s = rest.next() == Some("s") && rest.next().is_some_and(|w| persons.contains(&w));
    if taste || someone_s || AUDIENCE_AFTER.contains(&after) {
        AUDIENCE
    } else if before.iter().any(|w| PRODUCT_BEFORE.contains(w)) {
        ADVERTISED
    } else {
        CURATED
    }
}

/// The base score of a curated phrase that names what is advertised.
const ADVERTISED: u32 = 2000;

/// The base score of a curated phrase in a neutral context.
const CURATED: u32 = 1000;

/// The score of a curated phrase that names only a taste of the audience: ranked, but below
/// [`MIN_SCORE`].
const AUDIENCE: u32 = 15;

/// The score a match needs before the goal resolver takes it as what is advertised: a curated phrase, or
/// two distinctive words of a category's name.
pub const MIN_SCORE: u32 = 20;

/// Each category's own name (after its parent's prefix), normalised, with its distinctive words.
fn own_names() -> &'static [(&'static AdCategory, String, Vec<String>)] {
    static NAMES: OnceLock<Vec<(&'static AdCategory, String, Vec<String>)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        all()
            .iter()
            .map(|c| {
                let own = text::normalize(c.name.rsplit(" - ").next().unwrap_or(c.name));
                let mut words: Vec<String> =
                    own.split(' ').filter(|w| w.len() > 3 && !text::is_stopword(w)).map(str::to_owned).collect();
                // "Travel Agents and Online Travel Services" names travel once.
                words.sort();
                words.dedup();
                (c, own, words)
            })
            .collect()
    })
}

/// A match and where in the text it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryMatch {
    /// The category.
    pub category: &'static AdCategory,
    /// The phrase of the text that matched.
    pub phrase: String,
    /// Higher is better: curated phrases naming what is advertised, then other curated phrases by length,
    /// then name-word overlap; a taste of the audience scores lowest.
    pub score: u32,
}

impl CategoryMatch {
    /// How clearly the text names this category, so a later turn's passing mention cannot replace an
    /// earlier turn's product.
    pub fn strength(&self) -> Strength {
        match self.score {
            s if s >= ADVERTISED => Strength::Advertised,
            s if s >= CURATED => Strength::Curated,
            s if s >= MIN_SCORE => Strength::Inferred,
            _ => Strength::Passing,
        }
    }
}

/// How clearly a text names a category, weakest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Below the resolver's bar: a taste of the audience, one word of a category's name.
    #[default]
    Passing,
    /// From the category's name, or a generic product noun ("our new app").
    Inferred,
    /// A curated phrase.
    Curated,
    /// A curated phrase named as what is advertised ("our new hazy IPA").
    Advertised,
}

/// Product nouns that say little beyond their medium, for when nothing more specific matches: "our
/// weekly history podcast", "our study-planner app", "our new co-op game".
const GENERIC: &[(&str, &str)] = &[("podcast", "ADV_21_190"), ("app", "ADV_32_266"), ("game", "ADV_21_194")];

/// The score of a generic product noun: above [`MIN_SCORE`] and two words of a category's name, below
/// three.
const GENERIC_SCORE: u32 = 25;

/// The length of the longest curated product phrase that starts at offset `at` of normalised text, so the
/// audience resolver can tell "a gaming chair" (a product) from "gaming fans".
pub fn product_at(norm: &str, at: usize) -> Option<usize> {
    keywords().longest_at(norm, at).map(|(phrase, _)| phrase.len())
}

/// Categories matching free text, best first (at most `limit`).
pub fn search(query: &str, limit: usize) -> Vec<CategoryMatch> {
    let norm = text::normalize(query);
    let mut found: Vec<CategoryMatch> = Vec::new();
    let mut push = |m: CategoryMatch| {
        if !found.iter().any(|f| f.category.id == m.category.id) {
            found.push(m);
        }
    };
    let mut curated: Vec<CategoryMatch> = keywords()
        .find_all(&norm)
        .into_iter()
        .map(|(at, phrase, category)| {
            let context = context_score(&norm, at, phrase.len());
            let score = if context == AUDIENCE { AUDIENCE } else { context + phrase.len() as u32 };
            CategoryMatch { category, phrase: phrase.to_owned(), score }
        })
        .collect();
    curated.sort_by_key(|m| std::cmp::Reverse(m.score));
    for m in curated {
        push(m);
    }
    for (noun, id) in GENERIC {
        let named =
            text::find_all(&norm, noun).into_iter().any(|at| context_score(&norm, at, noun.len()) == ADVERTISED);
        if let Some(category) = get(id).filter(|_| named) {
            push(CategoryMatch { category, phrase: (*noun).to_owned(), score: GENERIC_SCORE });
        }
    }
    // Fallback: distinctive words of a category's own name found in the text.
    let words: Vec<&str> = norm.split(' ').filter(|w| w.len() > 3 && !text::is_stopword(w)).collect();
    for (category, own, own_words) in own_names() {
        let hits = own_words.iter().filter(|w| words.iter().any(|t| text::same_stem(t, w))).count() as u32;
        if hits > 0 {
            push(CategoryMatch { category, phrase: own.clone(), score: hits * 10 });
        }
    }
    found.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.category.id.cmp(b.category.id)));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(text: &str) -> Option<&'static str> {
        search(text, 1).into_iter().next().filter(|m| m.score >= MIN_SCORE).map(|m| m.category.id)
    }

    #[test]
    fn the_curated_list_is_consistent() {
        let mut seen = std::collections::BTreeSet::new();
        for f in tsv_rows(include_str!("../../data/category_keywords.tsv")).filter(|f| f.len() >= 2) {
            assert!(get(f[1]).is_some(), "{} names no category", f[1]);
            assert_eq!(text::normalize(f[0]), f[0], "{} is not normalised", f[0]);
            assert!(seen.insert(f[0]), "{} is listed twice", f[0]);
        }
        assert!(seen.len() > 3_000);
    }

    #[test]
    fn phrases_match_in_either_number() {
        assert_eq!(other_number("energy drink").as_deref(), Some("energy drinks"));
        assert_eq!(other_number("bakeries").as_deref(), Some("bakery"));
        assert_eq!(other_number("watches").as_deref(), Some("watch"));
        assert_eq!(other_number("electronics"), None);
        assert_eq!(other_number("news"), None);
        assert_eq!(best("We're a snack brand"), Some("ADV_15_143"));
        // "electronic music fans" is a taste, not electronics.
        assert_eq!(best("electronic music fans 18-30"), None);
    }

    #[test]
    fn what_is_advertised_beats_what_the_audience_likes() {
        assert_eq!(
            best("Lead gen for a life insurance product, aimed at true-crime podcast listeners"),
            Some("ADV_12_107")
        );
        assert_eq!(best("reach craft beer lovers"), None);
        assert_eq!(best("people who are into gaming"), None);
        assert_eq!(best("Reach gamers for our new energy drink"), Some("ADV_15_141"));
        // Generic nouns only when nothing curated matches, and only as what is advertised.
        assert_eq!(best("grow our weekly history podcast"), Some("ADV_21_190"));
        assert_eq!(best("podcast listeners in Spain"), None);
    }
}
