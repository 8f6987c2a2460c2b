//! The goal resolver: the objective, the ad category, and the formats and placements asked for
//! (SPEC §2, "Objective", "Ad category", "Formats and placements").
//!
//! Only words that state the goal count, and the object decides, not the verb: "drive sign-ups" is
//! `LEAD_GEN`, "drive installs" `APP_INSTALLS`. When several goals are named, the more specific one wins
//! over plain reach ("reach gamers to drive installs" is about installs). Start at [`resolve`].

use super::{ListEdit, Message, Resolution, Resolver, Taken, edit_from, find_table};
use crate::taxonomy::categories;
use crate::text;
use crate::types::{AssetFormat, Objective, Placement};

/// What a message says about the goal and the creative.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoalUpdate {
    /// The objective the message states, if any.
    pub objective: Option<Objective>,
    /// The closest ad category to what is advertised, if anything matched.
    pub category: Option<&'static str>,
    /// How clearly the message names it: a later turn replaces the category only as clearly.
    pub category_strength: categories::Strength,
    /// Formats asked for.
    pub formats: ListEdit<AssetFormat>,
    /// Placements asked for.
    pub placements: ListEdit<Placement>,
}

/// Resolves goals with rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct GoalResolver;

impl Resolver for GoalResolver {
    type Output = GoalUpdate;
    const NAME: &'static str = "goal";

    async fn resolve(&self, message: &Message<'_>) -> Resolution<GoalUpdate> {
        resolve(message)
    }
}

/// Goal phrases and how specific they are (higher wins; reach is the weakest).
const OBJECTIVES: &[(&str, Objective, u8)] = {
    use Objective::*;
    &[
        ("awareness", Reach, 1),
        ("brand awareness", Reach, 1),
        ("reach", Reach, 1),
        ("reaching", Reach, 1),
        ("get the word out", Reach, 1),
        ("spread the word", Reach, 1),
        ("as many people as possible", Reach, 1),
        ("visibility", Reach, 1),
        ("unique listeners", Reach, 1),
        ("even delivery", EvenImpressionDelivery, 2),
        ("impression delivery", EvenImpressionDelivery, 2),
        ("deliver evenly", EvenImpressionDelivery, 2),
        ("evenly", EvenImpressionDelivery, 2),
        ("steady", EvenImpressionDelivery, 2),
        ("impressions", EvenImpressionDelivery, 2),
        ("consistent presence", EvenImpressionDelivery, 2),
        ("even presence", EvenImpressionDelivery, 2),
        ("always on", EvenImpressionDelivery, 2),
        ("clicks", Clicks, 3),
        ("click", Clicks, 3),
        ("traffic", Clicks, 3),
        ("click through", Clicks, 3),
        ("clickthroughs", Clicks, 3),
        ("drive people to", Clicks, 3),
        ("send people to", Clicks, 3),
        ("website visits", WebsiteVisits, 3),
        ("site visits", WebsiteVisits, 3),
        ("visits", WebsiteVisits, 3),
        ("page views", WebsiteVisits, 3),
        ("pageviews", WebsiteVisits, 3),
        ("visitors", WebsiteVisits, 3),
        ("visiting", WebsiteVisits, 3),
        ("visit", WebsiteVisits, 3),
        ("video views", VideoViews, 3),
        ("views", VideoViews, 3),
        ("watch our", VideoViews, 3),
        ("watch the", VideoViews, 3),
        ("watch", VideoViews, 3),
        ("trailer views", VideoViews, 3),
        ("video completions", VideoViews, 3),
        ("app installs", AppInstalls, 3),
        ("installs", AppInstalls, 3),
        ("install", AppInstalls, 3),
        ("downloads", AppInstalls, 3),
        ("download", AppInstalls, 3),
        ("app downloads", AppInstalls, 3),
        ("podcast streams", PodcastStreams, 3),
        ("streams", PodcastStreams, 3),
        ("podcast downloads", PodcastStreams, 3),
        ("podcast listens", PodcastStreams, 3),
        ("listens", PodcastStreams, 3),
        ("leads", LeadGen, 3),
        ("lead gen", LeadGen, 3),
        ("lead generation", LeadGen, 3),
        ("sign ups", LeadGen, 3),
        ("signups", LeadGen, 3),
        ("sign up", LeadGen, 3),
        ("signing up", LeadGen, 3),
        ("sign", LeadGen, 3),
        ("subscribers", LeadGen, 3),
        ("registrations", LeadGen, 3),
        ("enquiries", LeadGen, 3),
        ("inquiries", LeadGen, 3),
    ]
};

/// Format phrases.
const FORMATS: &[(&str, AssetFormat)] = &[
    ("audio", AssetFormat::Audio),
    ("spot", AssetFormat::Audio),
    ("spots", AssetFormat::Audio),
    ("radio style", AssetFormat::Audio),
    ("video", AssetFormat::Video),
    ("videos", AssetFormat::Video),
    ("trailer", AssetFormat::Video),
    ("music video", AssetFormat::Video),
    ("display", AssetFormat::Image),
    ("banner", AssetFormat::Image),
    ("banners", AssetFormat::Image),
    ("image", AssetFormat::Image),
    ("images", AssetFormat::Image),
    ("static", AssetFormat::Image),
];

/// Placement phrases.
const PLACEMENTS: &[(&str, Placement)] = &[
    ("on podcasts", Placement::Podcast),
    ("in podcasts", Placement::Podcast),
    ("podcast listeners", Placement::Podcast),
    ("podcast placement", Placement::Podcast),
    ("podcast placements", Placement::Podcast),
    ("podcast only", Placement::Podcast),
    ("podcasts only", Placement::Podcast),
    ("only podcasts", Placement::Podcast),
    ("podcast inventory", Placement::Podcast),
    ("within podcasts", Placement::Podcast),
    ("across podcasts", Placement::Podcast),
    ("podcast ads", Placement::Podcast),
    ("podcasts", Placement::Podcast),
    ("on music", Placement::Music),
    ("in music", Placement::Music),
    ("between songs", Placement::Music),
    ("music placement", Placement::Music),
    ("music placements", Placement::Music),
    ("music only", Placement::Music),
    ("only music", Placement::Music),
    ("music inventory", Placement::Music),
    ("music streams", Placement::Music),
    ("music listeners", Placement::Music),
    ("during music", Placement::Music),
    ("music", Placement::Music),
    ("podcast", Placement::Podcast),
];

/// Whether the message talks about the goal or the creative (the router's test).
pub fn mentions(message: &Message<'_>) -> bool {
    let r = resolve(message).value;
    r.objective.is_some() || r.category.is_some() || !r.formats.is_keep() || !r.placements.is_keep()
}

/// The rules behind [`GoalResolver`].
pub fn resolve(message: &Message<'_>) -> Resolution<GoalUpdate> {
    let norm = &message.norm;
    let objective = objective(message);
    let found = categories::search(message.raw, 1).into_iter().next().filter(|m| m.score >= categories::MIN_SCORE);
    let category = found.as_ref().map(|m| m.category.id);
    let category_strength = found.map(|m| m.strength()).unwrap_or_default();
    let formats = edit_from(message, &find_table(norm, FORMATS, &mut Taken::default(), |at, p| format_ok(norm, at, p)));
    let placements =
        edit_from(message, &find_table(norm, PLACEMENTS, &mut Taken::default(), |at, p| placement_ok(norm, at, p)));
    let mut unparsed = Vec::new();
    if category.is_none()
        && let Some(product) = product_phrase(norm)
    {
        unparsed.push(product);
    }
    let confidence = match (objective, category) {
        (Some(_), Some(_)) => 90,
        (Some(_), None) | (None, Some(_)) => 70,
        (None, None) => 40,
    };
    Resolution {
        value: GoalUpdate { objective, category, category_strength, formats, placements },
        confidence,
        unparsed,
    }
}

/// The most specific goal named; an explicit "objective: X" beats everything.
fn objective(message: &Message<'_>) -> Option<Objective> {
    let norm = &message.norm;
    let mut best: Option<(u8, usize, Objective)> = None;
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut rows: Vec<&(&str, Objective, u8)> = OBJECTIVES.iter().collect();
    rows.sort_by_key(|(p, _, _)| std::cmp::Reverse(p.len()));
    for (phrase, objective, strength) in rows {
        for at in text::find_all(norm, phrase) {
            let end = at + phrase.len();
            if taken.iter().any(|(a, b)| at < *b && *a < end) || !objective_ok(norm, at, phrase) {
                continue;
            }
            taken.push((at, end));
            let strength = strength + if explicit(norm, at) { 10 } else { 0 };
            if best.is_none_or(|(s, p, _)| strength > s || (strength == s && at < p)) {
                best = Some((strength, at, *objective));
            }
        }
    }
    // Promoting the advertiser's own podcast or show: above reach, and above anything when it is the
    // stated goal ("Goal: grow our podcast", despite "40k subscribers on YouTube").
    if let Some(at) = own_podcast(norm) {
        let strength = if explicit(norm, at) { 13 } else { 3 };
        if best.is_none_or(|(s, _, _)| s < strength) {
            return Some(Objective::PodcastStreams);
        }
    }
    if best.is_none_or(|(s, _, _)| s < 3) && drives_to_a_site(norm) {
        return Some(Objective::Clicks);
    }
    best.map(|(_, _, o)| o)
}

/// Whether "objective:", "goal:" or "KPI:" stands among the three words before offset `at`.
fn explicit(norm: &str, at: usize) -> bool {
    norm[..at].split_whitespace().rev().take(3).any(|w| matches!(w, "objective" | "goal" | "kpi"))
}

/// "drive dog owners in Auckland to our booking page", "get people to the site": traffic.
fn drives_to_a_site(norm: &str) -> bool {
    const VERBS: &[&str] = &["drive", "driving", "send", "sending", "bring", "bringing", "get", "push", "attract"];
    const PAGES: &[&str] = &["website", "site", "page", "webshop", "shop", "store", "landing"];
    let words: Vec<&str> = norm.split(' ').collect();
    words.iter().enumerate().filter(|(_, w)| VERBS.contains(w)).any(|(i, _)| {
        let ahead = &words[i + 1..words.len().min(i + 14)];
        ahead.iter().position(|w| *w == "to").is_some_and(|to| {
            let after = &ahead[to + 1..];
            after.first().is_some_and(|w| matches!(*w, "our" | "the" | "their" | "my"))
                && after.iter().skip(1).take(3).any(|w| PAGES.contains(w))
        })
    })
}

fn objective_ok(norm: &str, at: usize, phrase: &str) -> bool {
    let next: Vec<&str> = norm[at + phrase.len()..].split_whitespace().take(2).collect();
    let prev: Vec<&str> = norm[..at].split_whitespace().rev().take(2).collect();
    match phrase {
        // "views" of a page are visits; "streams" of music are not a podcast goal.
        "views" => !prev.first().is_some_and(|w| matches!(*w, "page" | "product" | "profile")),
        "streams" => next.first().is_none_or(|w| *w != "of") || norm.contains("podcast") || norm.contains("show"),
        "reach" => !next.first().is_some_and(|w| matches!(*w, "out")),
        "steady" => true,
        "click" => !next.first().is_some_and(|w| matches!(*w, "here")),
        "download" | "install" => !next.first().is_some_and(|w| matches!(*w, "speed" | "base")),
        // "watch the trailer", "want people to watch it" (of a video the message names).
        "watch" => {
            let film = |w: &str| matches!(w, "trailer" | "video" | "videos" | "film" | "clip" | "teaser");
            let ahead: Vec<&str> = norm[at + phrase.len()..].split_whitespace().take(3).collect();
            ahead.iter().any(|w| film(w))
                || (ahead.first().is_some_and(|w| matches!(*w, "it" | "this" | "them")) && norm.split(' ').any(film))
        }
        // "sign their kids up".
        "sign" => norm[at + phrase.len()..].split_whitespace().take(3).any(|w| w == "up"),
        // "visiting our website", "visit the booking page" (not "visitors from abroad").
        "visit" | "visiting" => norm[at + phrase.len()..]
            .split_whitespace()
            .take(4)
            .any(|w| matches!(w, "website" | "site" | "page" | "webshop" | "store" | "shop")),
        "listens" => norm.contains("podcast") || norm.contains("episode") || norm.contains("show"),
        // Visitors of a website, not of a museum ("plenty of visitors from abroad").
        "visitors" => ["website", "site", "page", "webshop", "online"].iter().any(|w| text::contains_phrase(norm, w)),
        // "downloads of our podcast" are listens, not app installs.
        "downloads" => !norm[at + phrase.len()..]
            .split_whitespace()
            .take(4)
            .any(|w| matches!(w, "podcast" | "show" | "episode" | "episodes")),
        _ => true,
    }
}

/// Where the message promotes its own podcast or show: "grow our podcast", "promote our finance podcast",
/// "more streams of our show", "goal is to grow the podcast" — but not "our kombucha in Ireland, podcast
/// placement only", where the owner word belongs to another noun, nor "our finance podcast's host".
fn own_podcast(norm: &str) -> Option<usize> {
    const OWNERS: &[&str] = &["our", "my"];
    const GROW: &[&str] = &["grow", "growing", "promote", "promoting", "boost", "boosting"];
    if !norm.contains("podcast") {
        return None;
    }
    let hits = text::find_all(norm, "podcast").into_iter().chain(text::find_all(norm, "show"));
    hits.filter_map(|at| {
        let len = if norm[at..].starts_with("podcast") { "podcast".len() } else { "show".len() };
        let after = &norm[at + len..];
        if after == " s" || after.starts_with(" s ") {
            return None;
        }
        // The words before the noun up to a preposition, nearest first, with their offsets.
        let mut before: Vec<(usize, &str)> = Vec::new();
        let mut end = at;
        for w in norm[..at].split_whitespace().rev().take(4) {
            if matches!(w, "in" | "on" | "at" | "for" | "to" | "with" | "from" | "and" | "about" | "of") {
                break;
            }
            end = norm[..end].trim_end().len() - w.len();
            before.push((end, w));
        }
        let owned = before.iter().find(|(_, w)| OWNERS.contains(w));
        owned.or_else(|| before.iter().find(|(_, w)| GROW.contains(w))).map(|(o, _)| *o)
    })
    .min()
}

fn format_ok(norm: &str, at: usize, phrase: &str) -> bool {
    let next = norm[at + phrase.len()..].split_whitespace().next().unwrap_or("");
    match phrase {
        "video" | "videos" => !matches!(next, "game" | "games" | "gaming" | "gamers" | "streaming" | "platform"),
        "audio" => !matches!(next, "streaming" | "books" | "book" | "equipment" | "gear"),
        "spot" | "spots" => !matches!(next, "on") && !norm[..at].ends_with("hot "),
        "static" | "display" | "image" => !matches!(next, "ip" | "brand"),
        _ => true,
    }
}

fn placement_ok(norm: &str, at: usize, phrase: &str) -> bool {
    let before: Vec<&str> = norm[..at].split_whitespace().rev().take(5).collect();
    // A brief's "Placements: music + podcasts" line.
    let listed = before.iter().take(3).any(|w| matches!(*w, "placement" | "placements"));
    match phrase {
        // Bare "podcasts" is a placement when it is where the ads run ("listeners of true-crime podcasts",
        // "only on business and finance podcasts").
        "podcasts" => {
            listed || before.iter().any(|w| matches!(*w, "of" | "on" | "in" | "across" | "within" | "during"))
        }
        "music" | "podcast" => listed,
        _ => true,
    }
}

/// What seems to be advertised ("our new energy drink"), for the trace when no category matched.
fn product_phrase(norm: &str) -> Option<String> {
    for marker in ["our new", "our", "for a new", "for a", "for an"] {
        if let Some(at) = text::find_phrase(norm, marker) {
            let words: Vec<&str> = norm[at + marker.len()..].split_whitespace().take(3).collect();
            if !words.is_empty() {
                return Some(words.join(" "));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn goal(text: &str) -> GoalUpdate {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        resolve(&Message::new(text, today)).value
    }

    #[test]
    fn objectives() {
        use Objective::*;
        assert_eq!(goal("boost awareness for our energy drink").objective, Some(Reach));
        assert_eq!(goal("Drive traffic to our online store").objective, Some(Clicks));
        assert_eq!(goal("Get app installs for our iOS fitness app").objective, Some(AppInstalls));
        assert_eq!(goal("Drive installs of our Android game").objective, Some(AppInstalls));
        assert_eq!(goal("Steady impressions for our bank").objective, Some(EvenImpressionDelivery));
        assert_eq!(goal("For Q4 we'd like even impression delivery").objective, Some(EvenImpressionDelivery));
        assert_eq!(goal("Sign-ups for our newsletter").objective, Some(LeadGen));
        assert_eq!(goal("Grow our true crime podcast in the US").objective, Some(PodcastStreams));
        assert_eq!(goal("Podcast-only audio campaign for our finance podcast").objective, Some(PodcastStreams));
        assert_eq!(goal("Podcast listeners who love sports in Australia").objective, None);
        assert_eq!(goal("Video views for our movie trailer").objective, Some(VideoViews));
        assert_eq!(goal("a video campaign in Germany").objective, None);
        assert_eq!(goal("Reach gamers to drive installs").objective, Some(AppInstalls));
        assert_eq!(goal("2,000 downloads of our podcast in Canada").objective, Some(PodcastStreams));
        assert_eq!(goal("Make a plan for Benelux, objective: clicks.").objective, Some(Clicks));
        assert_eq!(goal("We filmed a short video and want people to watch it!").objective, Some(VideoViews));
        assert_eq!(goal("want parents to sign their kids up for swim camp").objective, Some(LeadGen));
        assert_eq!(goal("more people visiting our website").objective, Some(WebsiteVisits));
        assert_eq!(goal("drive dog owners in Auckland and Wellington to our booking page").objective, Some(Clicks));
        assert_eq!(goal("awareness; the museum gets plenty of visitors from abroad").objective, Some(Reach));
        assert_eq!(
            goal("prospect has a true crime podcast, goal is to grow the podcast").objective,
            Some(PodcastStreams)
        );
        assert_eq!(
            goal("(40k subscribers on YouTube). Goal: grow our podcast on Spotify").objective,
            Some(PodcastStreams)
        );
        assert_eq!(goal("Our finance podcast's host wrote a book: awareness for the book").objective, Some(Reach));
        assert_eq!(
            goal("Get the word out about our kombucha in Ireland, podcast placement only").objective,
            Some(Reach)
        );
    }

    #[test]
    fn formats_and_placements() {
        let g = goal("We'd like image ads only, on music, for our furniture sale");
        assert_eq!(g.formats, ListEdit::Only(vec![AssetFormat::Image]));
        assert_eq!(g.placements, ListEdit::Only(vec![Placement::Music]));
        assert_eq!(goal("audio and video").formats, ListEdit::Replace(vec![AssetFormat::Audio, AssetFormat::Video]));
        assert_eq!(goal("Awareness for a video game").formats, ListEdit::Keep);
        assert_eq!(goal("Podcast listeners who love sports").placements, ListEdit::Replace(vec![Placement::Podcast]));
        assert_eq!(goal("indie and folk music").placements, ListEdit::Keep);
        assert_eq!(goal("only on business and finance podcasts").placements, ListEdit::Only(vec![Placement::Podcast]));
        assert_eq!(goal("music placements please").placements, ListEdit::Replace(vec![Placement::Music]));
        assert_eq!(goal("Flight: May\nPlacements: music").placements, ListEdit::Replace(vec![Placement::Music]));
        assert_eq!(goal("we love music").placements, ListEdit::Keep);
    }
}
