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

/// Curated phrase → category id pairs, phrases already normalised, longest first.
fn keywords() -> &'static [(String, &'static str)] {
    static KEYWORDS: OnceLock<Vec<(String, &'static str)>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut rows: Vec<(String, &'static str)> = tsv_rows(include_str!("../../data/category_keywords.tsv"))
            .filter(|f| f.len() >= 2 && get(f[1]).is_some())
            .map(|f| (text::normalize(f[0]), f[1]))
            .collect();
        rows.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        rows
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
    for (phrase, id) in keywords() {
        if text::contains_phrase(&norm, phrase)
            && let Some(category) = get(id)
        {
            push(CategoryMatch { category, phrase: phrase.clone(), score: 1000 + phrase.len() as u32 });
        }
    }
    // Fallback: distinctive words of a category's own name (after its parent's prefix) found in the text.
    let words: Vec<&str> = norm.split(' ').filter(|w| w.len() > 3 && !text::is_stopword(w)).collect();
    for category in all() {
        let own = category.name.rsplit(" - ").next().unwrap_or(category.name);
        let own = text::normalize(own);
        let hits = own
            .split(' ')
            .filter(|w| w.len() > 3 && !text::is_stopword(w))
            .filter(|w| words.iter().any(|t| text::same_stem(t, w)))
            .count() as u32;
        if hits > 0 {
            push(CategoryMatch { category, phrase: own.clone(), score: hits * 10 });
        }
    }
    found.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.category.id.cmp(b.category.id)));
    found.truncate(limit);
    found
}
