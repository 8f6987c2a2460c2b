//! The Ads API's 297 ad categories (`data/ad_categories.tsv`) and a search over them.
//!
//! [`search`] first looks for curated product phrases (`data/category_keywords.tsv`: "energy drink",
//! "daycare", "SUV"…) and then falls back to word overlap with the category names, so the goal resolver
//! (and later a model's `search_ad_categories` tool) can find the closest row for what is advertised.

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

/// Curated phrases (normalised) and the category each names.
fn keywords() -> &'static text::PhraseIndex<&'static AdCategory> {
    static KEYWORDS: OnceLock<text::PhraseIndex<&'static AdCategory>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        text::PhraseIndex::new(
            tsv_rows(include_str!("../../data/category_keywords.tsv"))
                .filter(|f| f.len() >= 2)
                .filter_map(|f| Some((text::normalize(f[0]), get(f[1])?))),
        )
    })
}

/// Each category's own name (after its parent's prefix), normalised, with its distinctive words.
fn own_names() -> &'static [(&'static AdCategory, String, Vec<String>)] {
    static NAMES: OnceLock<Vec<(&'static AdCategory, String, Vec<String>)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        all()
            .iter()
            .map(|c| {
                let own = text::normalize(c.name.rsplit(" - ").next().unwrap_or(c.name));
                let words =
                    own.split(' ').filter(|w| w.len() > 3 && !text::is_stopword(w)).map(str::to_owned).collect();
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
    /// Higher is better: curated phrases score by length, name-word overlap lower.
    pub score: u32,
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
    for (_, phrase, category) in keywords().find_all(&norm) {
        push(CategoryMatch { category, phrase: phrase.to_owned(), score: 1000 + phrase.len() as u32 });
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
