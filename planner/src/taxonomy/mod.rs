//! Reference data the resolvers and the planner share, vendored into the crate so a fresh clone needs
//! nothing else: ad categories ([`categories`]), markets with their currency and listener estimates
//! ([`markets`]), the city gazetteer ([`cities`]), reference FX rates for thresholds ([`fx`]) and the
//! slug vocabularies of SPEC §1 (below).
//!
//! The TSV files live in `planner/data/`; `docs/data-sources.md` says where their numbers come from.

pub mod categories;
pub mod cities;
pub mod fx;
pub mod markets;

/// Interest slugs (SPEC §1).
pub const INTERESTS: &[&str] = &[
    "arts-culture",
    "automotive",
    "beauty",
    "business",
    "careers",
    "dating",
    "education",
    "family-parenting",
    "fashion",
    "finance",
    "fitness",
    "food-drink",
    "gaming",
    "health-wellness",
    "home-garden",
    "movies-tv",
    "news-politics",
    "outdoors",
    "pets",
    "science",
    "shopping",
    "sports",
    "technology",
    "travel",
];

/// Genre slugs (SPEC §1).
pub const GENRES: &[&str] = &[
    "afrobeats",
    "alternative",
    "ambient",
    "blues",
    "classical",
    "country",
    "electronic",
    "folk",
    "funk",
    "gospel",
    "hip-hop",
    "indie",
    "jazz",
    "k-pop",
    "latin",
    "lo-fi",
    "metal",
    "pop",
    "punk",
    "r-and-b",
    "reggae",
    "reggaeton",
    "rock",
    "soul",
];

/// Podcast topic slugs (SPEC §1).
pub const PODCAST_TOPICS: &[&str] = &[
    "automotive",
    "books-and-literature",
    "business-and-finance",
    "careers",
    "education",
    "events-and-attractions",
    "family-and-relationships",
    "fine-art",
    "food-and-drink",
    "healthy-living",
    "hobbies-and-interests",
    "home-and-garden",
    "medical-health",
    "movies",
    "music-and-audio",
    "news-and-politics",
    "personal-finance",
    "pets",
    "pop-culture",
    "real-estate",
    "religion-and-spirituality",
    "science",
    "shopping",
    "sports",
    "style-and-fashion",
    "technology-and-computing",
    "television",
    "travel",
    "video-gaming",
];

/// Splits a TSV file into rows of fields, skipping the header and blank or `#` lines.
pub(crate) fn tsv_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}
