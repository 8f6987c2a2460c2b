//! The audience resolver: places, ages, genders, platforms, interests, genres and podcast topics
//! (SPEC §2, "Audience").
//!
//! Start at [`resolve`]. Places are matched longest first over the normalised text, and each match takes
//! its span so "Mexico City" is not also "Mexico", nor "Latin America" also "latin" music. Words that
//! describe the product ("our fitness app", "a gaming headset") target nothing; words about the audience
//! ("fitness enthusiasts", "who are into food") do. Places that say where the advertiser is ("Berlin-based",
//! "HQ in Stuttgart") target nothing either, and those that say where it works ("roasting in Oslo", a brief's
//! "Agency:" line) give way to the places it targets (`advertiser_home`, `describes_advertiser`).
//! Cities are kept as the spelling found and settled by the conversation, which knows every country named
//! ([`resolve_city`]).

use super::lexer::{Token, month_at};
use super::{ListEdit, Message, Resolution, Resolver, Taken, edit_from, find_table};
use crate::taxonomy::categories;
use crate::taxonomy::cities::{self, City};
use crate::text;
use crate::types::{AgeRange, Country, Gender, Platform};

/// What a message says about the audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudienceUpdate {
    /// Markets named directly or through a region.
    pub countries: ListEdit<Country>,
    /// Cities, as the normalised spelling found (settled later by [`resolve_city`]).
    pub cities: ListEdit<String>,
    /// Age bands.
    pub age_ranges: ListEdit<AgeRange>,
    /// Genders.
    pub genders: ListEdit<Gender>,
    /// Platforms.
    pub platforms: ListEdit<Platform>,
    /// Interest slugs.
    pub interests: ListEdit<&'static str>,
    /// Genre slugs.
    pub genres: ListEdit<&'static str>,
    /// Podcast topic slugs.
    pub podcast_topics: ListEdit<&'static str>,
    /// Places named that are not supported markets ("Czechia", "Singapore").
    pub unsupported: Vec<String>,
}

impl Default for AudienceUpdate {
    fn default() -> Self {
        AudienceUpdate {
            countries: ListEdit::Keep,
            cities: ListEdit::Keep,
            age_ranges: ListEdit::Keep,
            genders: ListEdit::Keep,
            platforms: ListEdit::Keep,
            interests: ListEdit::Keep,
            genres: ListEdit::Keep,
            podcast_topics: ListEdit::Keep,
            unsupported: Vec::new(),
        }
    }
}

/// Resolves audiences with rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct AudienceResolver;

impl Resolver for AudienceResolver {
    type Output = AudienceUpdate;
    const NAME: &'static str = "audience";

    async fn resolve(&self, message: &Message<'_>) -> Resolution<AudienceUpdate> {
        resolve(message)
    }
}

/// Whether the message talks about the audience (the router's test).
pub fn mentions(message: &Message<'_>) -> bool {
    let r = resolve(message);
    r.value != AudienceUpdate::default() || !r.unparsed.is_empty()
}

/// Regions of SPEC §2 and a few more that name their countries unambiguously.
const REGIONS: &[(&str, &[Country])] = {
    use Country::*;
    &[
        ("nordics", &[Se, No, Dk, Fi]),
        ("nordic countries", &[Se, No, Dk, Fi]),
        ("nordic region", &[Se, No, Dk, Fi]),
        ("nordic markets", &[Se, No, Dk, Fi]),
        ("scandinavia", &[Se, No, Dk]),
        ("scandinavian countries", &[Se, No, Dk]),
        ("scandinavian markets", &[Se, No, Dk]),
        ("dach", &[De, At, Ch]),
        ("dach region", &[De, At, Ch]),
        ("benelux", &[Be, Nl, Lu]),
        ("iberia", &[Es, Pt]),
        ("iberian peninsula", &[Es, Pt]),
        ("north america", &[Us, Ca]),
        ("latin america", &[Mx, Br, Ar, Co, Cl, Pe]),
        ("latam", &[Mx, Br, Ar, Co, Cl, Pe]),
        ("anz", &[Au, Nz]),
        ("uk and ireland", &[Gb, Ie]),
    ]
};

/// Country names and common variants.
const COUNTRY_NAMES: &[(&str, Country)] = {
    use Country::*;
    &[
        ("united states of america", Us),
        ("united states", Us),
        ("usa", Us),
        ("u s a", Us),
        ("u s", Us),
        ("the states", Us),
        ("america", Us),
        ("canada", Ca),
        ("mexico", Mx),
        ("brazil", Br),
        ("brasil", Br),
        ("argentina", Ar),
        ("colombia", Co),
        ("chile", Cl),
        ("peru", Pe),
        ("united kingdom", Gb),
        ("great britain", Gb),
        ("britain", Gb),
        ("uk", Gb),
        ("u k", Gb),
        ("england", Gb),
        ("scotland", Gb),
        ("wales", Gb),
        ("northern ireland", Gb),
        ("republic of ireland", Ie),
        ("ireland", Ie),
        ("france", Fr),
        ("germany", De),
        ("deutschland", De),
        ("austria", At),
        ("switzerland", Ch),
        ("italy", It),
        ("spain", Es),
        ("portugal", Pt),
        ("the netherlands", Nl),
        ("netherlands", Nl),
        ("holland", Nl),
        ("belgium", Be),
        ("luxembourg", Lu),
        ("sweden", Se),
        ("norway", No),
        ("denmark", Dk),
        ("finland", Fi),
        ("poland", Pl),
        ("australia", Au),
        ("new zealand", Nz),
        ("aotearoa", Nz),
        ("japan", Jp),
        ("india", In),
        ("south africa", Za),
    ]
};

/// Markets people often name that Mixtape cannot plan, so the answer can say so instead of ignoring them.
const UNSUPPORTED: [&str; 44] = [
    "czechia",
    "czech republic",
    "slovakia",
    "hungary",
    "romania",
    "bulgaria",
    "greece",
    "turkey",
    "croatia",
    "serbia",
    "slovenia",
    "estonia",
    "latvia",
    "lithuania",
    "iceland",
    "ukraine",
    "russia",
    "china",
    "korea",
    "south korea",
    "taiwan",
    "hong kong",
    "singapore",
    "malaysia",
    "indonesia",
    "philippines",
    "thailand",
    "vietnam",
    "uae",
    "united arab emirates",
    "saudi arabia",
    "israel",
    "egypt",
    "nigeria",
    "kenya",
    "morocco",
    "ecuador",
    "uruguay",
    "paraguay",
    "bolivia",
    "venezuela",
    "costa rica",
    "guatemala",
    "puerto rico",
];

/// Adjectives that target only when they describe the audience ("Brazilian listeners"), never the
/// advertiser ("our Nordic coffee brand").
const DEMONYMS: &[(&str, &[Country])] = {
    use Country::*;
    &[
        ("american", &[Us]),
        ("canadian", &[Ca]),
        ("mexican", &[Mx]),
        ("brazilian", &[Br]),
        ("argentine", &[Ar]),
        ("argentinian", &[Ar]),
        ("colombian", &[Co]),
        ("chilean", &[Cl]),
        ("peruvian", &[Pe]),
        ("british", &[Gb]),
        ("english", &[Gb]),
        ("scottish", &[Gb]),
        ("welsh", &[Gb]),
        ("irish", &[Ie]),
        ("french", &[Fr]),
        ("german", &[De]),
        ("austrian", &[At]),
        ("swiss", &[Ch]),
        ("italian", &[It]),
        ("spanish", &[Es]),
        ("portuguese", &[Pt]),
        ("dutch", &[Nl]),
        ("belgian", &[Be]),
        ("swedish", &[Se]),
        ("norwegian", &[No]),
        ("danish", &[Dk]),
        ("finnish", &[Fi]),
        ("polish", &[Pl]),
        ("australian", &[Au]),
        ("aussie", &[Au]),
        ("kiwi", &[Nz]),
        ("japanese", &[Jp]),
        ("indian", &[In]),
        ("south african", &[Za]),
        ("nordic", &[Se, No, Dk, Fi]),
        ("scandinavian", &[Se, No, Dk]),
        ("iberian", &[Es, Pt]),
        ("latin american", &[Mx, Br, Ar, Co, Cl, Pe]),
        ("north american", &[Us, Ca]),
    ]
};

/// Nouns that make a preceding adjective or interest word describe people.
const AUDIENCE_NOUNS: &[&str] = &[
    "listeners",
    "listener",
    "audience",
    "audiences",
    "fans",
    "fan",
    "users",
    "people",
    "consumers",
    "customers",
    "market",
    "markets",
    "millennials",
    "gen",
    "women",
    "men",
    "parents",
    "students",
    "teens",
    "adults",
    "families",
    "drivers",
    "gamers",
    "moms",
    "dads",
    "shoppers",
    "travelers",
    "travellers",
    "professionals",
    "youth",
    "lovers",
    "enthusiasts",
    "heads",
    "buffs",
    "goers",
    "nerds",
    "geeks",
    "junkies",
    "owners",
    "seekers",
    "followers",
    "crowd",
    "community",
    "speakers",
    "residents",
    "living",
    "households",
];

/// Nouns that make a preceding word describe the product or the advertiser.
const PRODUCT_NOUNS: &[&str] = &[
    "app",
    "apps",
    "brand",
    "brands",
    "store",
    "stores",
    "shop",
    "company",
    "product",
    "products",
    "headset",
    "line",
    "site",
    "website",
    "page",
    "service",
    "platform",
    "festival",
    "podcast",
    "show",
    "newsletter",
    "chain",
    "clinic",
    "game",
    "studio",
    "club",
    "magazine",
    "channel",
    "event",
    "label",
    "launch",
    "drop",
    "sale",
    "business",
    "startup",
    "restaurant",
    "cafe",
    "bar",
    "brewery",
    "bank",
    "school",
    "course",
    "class",
    "agency",
    "device",
    "gear",
    "equipment",
    "subscription",
    "box",
    "delivery",
    "network",
    "blog",
    "retailer",
    "singer",
    "artist",
    "band",
    "rapper",
    "album",
    "tour",
    "concert",
    "accessories",
];

/// Interest phrases (SPEC §1 slugs).
const INTERESTS: &[(&str, &str)] = &[
    ("arts", "arts-culture"),
    ("arts and culture", "arts-culture"),
    ("arts culture", "arts-culture"),
    ("art", "arts-culture"),
    ("culture", "arts-culture"),
    ("museums", "arts-culture"),
    ("theatre", "arts-culture"),
    ("theater", "arts-culture"),
    ("cars", "automotive"),
    ("car", "automotive"),
    ("automotive", "automotive"),
    ("petrolheads", "automotive"),
    ("motorheads", "automotive"),
    ("beauty", "beauty"),
    ("makeup", "beauty"),
    ("skincare", "beauty"),
    ("cosmetics", "beauty"),
    ("business", "business"),
    ("entrepreneurs", "business"),
    ("small business owners", "business"),
    ("business owners", "business"),
    ("careers", "careers"),
    ("job seekers", "careers"),
    ("jobseekers", "careers"),
    ("dating", "dating"),
    ("singles", "dating"),
    ("education", "education"),
    ("parents", "family-parenting"),
    ("parenting", "family-parenting"),
    ("families", "family-parenting"),
    ("new parents", "family-parenting"),
    ("family and parenting", "family-parenting"),
    ("family parenting", "family-parenting"),
    ("fashion", "fashion"),
    ("fashionistas", "fashion"),
    ("streetwear", "fashion"),
    ("finance", "finance"),
    ("investors", "finance"),
    ("investing", "finance"),
    ("crypto", "finance"),
    ("fitness", "fitness"),
    ("gym", "fitness"),
    ("gym goers", "fitness"),
    ("gymgoers", "fitness"),
    ("workout", "fitness"),
    ("working out", "fitness"),
    ("runners", "fitness"),
    ("running", "fitness"),
    ("exercise", "fitness"),
    ("crossfit", "fitness"),
    ("food", "food-drink"),
    ("food and drink", "food-drink"),
    ("food drink", "food-drink"),
    ("foodies", "food-drink"),
    ("cooking", "food-drink"),
    ("home cooks", "food-drink"),
    ("recipes", "food-drink"),
    ("baking", "food-drink"),
    ("dining", "food-drink"),
    ("drinks", "food-drink"),
    ("gamers", "gaming"),
    ("gaming", "gaming"),
    ("video games", "gaming"),
    ("esports", "gaming"),
    ("gamer", "gaming"),
    ("health", "health-wellness"),
    ("health and wellness", "health-wellness"),
    ("health wellness", "health-wellness"),
    ("wellness", "health-wellness"),
    ("wellbeing", "health-wellness"),
    ("meditation", "health-wellness"),
    ("mindfulness", "health-wellness"),
    ("yoga", "health-wellness"),
    ("gardening", "home-garden"),
    ("gardeners", "home-garden"),
    ("diy", "home-garden"),
    ("home improvement", "home-garden"),
    ("home and garden", "home-garden"),
    ("home garden", "home-garden"),
    ("interior design", "home-garden"),
    ("homeowners", "home-garden"),
    ("movies", "movies-tv"),
    ("movies and tv", "movies-tv"),
    ("movies tv", "movies-tv"),
    ("film and tv", "movies-tv"),
    ("movie", "movies-tv"),
    ("film", "movies-tv"),
    ("films", "movies-tv"),
    ("cinema", "movies-tv"),
    ("tv", "movies-tv"),
    ("television", "movies-tv"),
    ("movie buffs", "movies-tv"),
    ("cinephiles", "movies-tv"),
    ("binge watchers", "movies-tv"),
    ("news", "news-politics"),
    ("politics", "news-politics"),
    ("follow the news", "news-politics"),
    ("news and politics", "news-politics"),
    ("news politics", "news-politics"),
    ("current affairs", "news-politics"),
    ("outdoors", "outdoors"),
    ("outdoor", "outdoors"),
    ("outdoorsy", "outdoors"),
    ("hiking", "outdoors"),
    ("hikers", "outdoors"),
    ("camping", "outdoors"),
    ("nature lovers", "outdoors"),
    ("climbing", "outdoors"),
    ("fishing", "outdoors"),
    ("pets", "pets"),
    ("pet owners", "pets"),
    ("pet parents", "pets"),
    ("dog owners", "pets"),
    ("cat owners", "pets"),
    ("dog lovers", "pets"),
    ("cat lovers", "pets"),
    ("dogs", "pets"),
    ("cats", "pets"),
    ("science", "science"),
    ("space", "science"),
    ("astronomy", "science"),
    ("shopping", "shopping"),
    ("shoppers", "shopping"),
    ("bargain hunters", "shopping"),
    ("sports", "sports"),
    ("sport", "sports"),
    ("football", "sports"),
    ("soccer", "sports"),
    ("basketball", "sports"),
    ("baseball", "sports"),
    ("tennis", "sports"),
    ("golf", "sports"),
    ("cricket", "sports"),
    ("rugby", "sports"),
    ("hockey", "sports"),
    ("formula 1", "sports"),
    ("f1", "sports"),
    ("technology", "technology"),
    ("tech", "technology"),
    ("gadgets", "technology"),
    ("techies", "technology"),
    ("early adopters", "technology"),
    ("travel", "travel"),
    ("travellers", "travel"),
    ("travelers", "travel"),
    ("tourists", "travel"),
    ("globetrotters", "travel"),
    ("backpackers", "travel"),
    ("traveling", "travel"),
    ("travelling", "travel"),
];

/// Genre phrases (SPEC §1 slugs).
const GENRES: &[(&str, &str)] = &[
    ("afrobeats", "afrobeats"),
    ("afrobeat", "afrobeats"),
    ("afro beats", "afrobeats"),
    ("alternative music", "alternative"),
    ("alternative rock", "alternative"),
    ("alt rock", "alternative"),
    ("alternative fans", "alternative"),
    ("ambient", "ambient"),
    ("blues", "blues"),
    ("classical", "classical"),
    ("opera", "classical"),
    ("country music", "country"),
    ("country fans", "country"),
    ("country lovers", "country"),
    ("country listeners", "country"),
    ("country and western", "country"),
    ("country", "country"),
    ("alternative", "alternative"),
    ("electronic", "electronic"),
    ("edm", "electronic"),
    ("dance music", "electronic"),
    ("techno", "electronic"),
    ("house music", "electronic"),
    ("trance", "electronic"),
    ("electronica", "electronic"),
    ("folk", "folk"),
    ("funk", "funk"),
    ("gospel", "gospel"),
    ("worship music", "gospel"),
    ("hip hop", "hip-hop"),
    ("hiphop", "hip-hop"),
    ("rap", "hip-hop"),
    ("trap music", "hip-hop"),
    ("indie", "indie"),
    ("jazz", "jazz"),
    ("k pop", "k-pop"),
    ("kpop", "k-pop"),
    ("latin pop", "latin"),
    ("latin music", "latin"),
    ("latin", "latin"),
    ("lo fi", "lo-fi"),
    ("lofi", "lo-fi"),
    ("heavy metal", "metal"),
    ("metal", "metal"),
    ("metalheads", "metal"),
    ("punk rock", "punk"),
    ("punk", "punk"),
    ("r b", "r-and-b"),
    ("rnb", "r-and-b"),
    ("r and b", "r-and-b"),
    ("rhythm and blues", "r-and-b"),
    ("reggaeton", "reggaeton"),
    ("reggae", "reggae"),
    ("rock", "rock"),
    ("neo soul", "soul"),
    ("soul", "soul"),
    ("pop", "pop"),
];

/// Podcast topic phrases (SPEC §1 slugs); they count only next to "podcast(s)" or as the exact slug.
const TOPICS: &[(&str, &str)] = &[
    ("cars", "automotive"),
    ("automotive", "automotive"),
    ("books", "books-and-literature"),
    ("literature", "books-and-literature"),
    ("business", "business-and-finance"),
    ("finance", "business-and-finance"),
    ("business and finance", "business-and-finance"),
    ("careers", "careers"),
    ("career", "careers"),
    ("education", "education"),
    ("events", "events-and-attractions"),
    ("family", "family-and-relationships"),
    ("relationships", "family-and-relationships"),
    ("parenting", "family-and-relationships"),
    ("art", "fine-art"),
    ("food", "food-and-drink"),
    ("cooking", "food-and-drink"),
    ("food and drink", "food-and-drink"),
    ("health", "healthy-living"),
    ("wellness", "healthy-living"),
    ("fitness", "healthy-living"),
    ("healthy living", "healthy-living"),
    ("hobbies", "hobbies-and-interests"),
    ("home", "home-and-garden"),
    ("gardening", "home-and-garden"),
    ("medical", "medical-health"),
    ("medicine", "medical-health"),
    ("movies", "movies"),
    ("movie", "movies"),
    ("film", "movies"),
    ("music", "music-and-audio"),
    ("news", "news-and-politics"),
    ("politics", "news-and-politics"),
    ("news and politics", "news-and-politics"),
    ("personal finance", "personal-finance"),
    ("money", "personal-finance"),
    ("pets", "pets"),
    ("pop culture", "pop-culture"),
    ("celebrity", "pop-culture"),
    ("real estate", "real-estate"),
    ("property", "real-estate"),
    ("religion", "religion-and-spirituality"),
    ("spirituality", "religion-and-spirituality"),
    ("faith", "religion-and-spirituality"),
    ("science", "science"),
    ("shopping", "shopping"),
    ("sports", "sports"),
    ("sport", "sports"),
    ("fashion", "style-and-fashion"),
    ("style", "style-and-fashion"),
    ("tech", "technology-and-computing"),
    ("technology", "technology-and-computing"),
    ("computing", "technology-and-computing"),
    ("tv", "television"),
    ("television", "television"),
    ("travel", "travel"),
    ("gaming", "video-gaming"),
    ("video games", "video-gaming"),
    ("video gaming", "video-gaming"),
];

/// Words right after a phrase.
fn next_words(norm: &str, at: usize, len: usize, n: usize) -> Vec<&str> {
    norm.get(at + len..).unwrap_or("").split_whitespace().take(n).collect()
}

/// Words right before a phrase, nearest first.
fn prev_words(norm: &str, at: usize, n: usize) -> Vec<&str> {
    norm.get(..at).unwrap_or("").split_whitespace().rev().take(n).collect()
}

/// Nouns naming a business, after which "from <place>" says where the advertiser is ("a distillery from
/// Scotland"; but "traffic to our booking page from Portugal" is an audience).
const BUSINESS_NOUNS: &[&str] = &[
    "operator",
    "distillery",
    "winery",
    "roastery",
    "roaster",
    "maker",
    "makers",
    "manufacturer",
    "firm",
    "producer",
    "team",
    "outfit",
    "group",
    "house",
    "client",
    "brand",
    "brands",
    "company",
    "startup",
    "label",
    "studio",
    "agency",
    "chain",
    "restaurant",
    "brewery",
    "bakery",
    "retailer",
    "business",
    "bank",
    "clinic",
];

/// Whether a place at `at` says where the advertiser is rather than whom it wants to reach: "Berlin-based",
/// "HQ in Stuttgart", "based out of Leeds", "made in Italy", "a distillery from Scotland", "we're from
/// Norway", "our Lisbon hotel" (but "people from Scotland", "UK-based listeners" and "our UK listeners" are
/// audiences).
fn advertiser_home(norm: &str, at: usize, len: usize) -> bool {
    let next = next_words(norm, at, len, 2);
    let audience_next = |i: usize| next.get(i).is_some_and(|w| AUDIENCE_NOUNS.contains(w));
    if next.first() == Some(&"based") {
        return !audience_next(1);
    }
    // "Halsey & Crane, NYC office", "Mumbai desk", "HQ Aarhus" (but "London office workers").
    let staff = next.get(1).is_some_and(|w| matches!(*w, "workers" | "staff" | "employees"));
    if next.first().is_some_and(|w| matches!(*w, "office" | "desk" | "hq" | "headquarters")) && !staff {
        return true;
    }
    if prev_words(norm, at, 1).first().is_some_and(|w| matches!(*w, "hq" | "headquarters")) {
        return true;
    }
    // "our Lisbon hotel" (but "our UK listeners").
    if prev_words(norm, at, 1).first().is_some_and(|w| matches!(*w, "our" | "my")) && !audience_next(0) {
        return true;
    }
    let prev: Vec<&str> = prev_words(norm, at, 6).into_iter().skip_while(|w| *w == "the").collect();
    match prev.as_slice() {
        ["in", marker, ..] => {
            matches!(*marker, "based" | "headquartered" | "hq" | "hqd" | "made" | "brewed" | "distilled" | "founded")
        }
        ["of", "out", "based", ..] => true,
        ["from", business, ..] if BUSINESS_NOUNS.contains(business) => true,
        ["from", "re" | "are" | "m" | "am", "we" | "i", ..] => true,
        _ => false,
    }
}

/// Labels of brief lines that describe the advertiser or its agency, not the market.
const ADVERTISER_LABELS: &[&str] = &[
    "agency",
    "client",
    "from",
    "brand",
    "company",
    "advertiser",
    "product",
    "products",
    "competitors",
    "competitor",
    "brief",
    "background",
    "context",
    "about",
    "brand history",
    "history",
    "about us",
];

/// Nouns of places a business runs ("six daycare centres in Vienna", "the museum in Barcelona").
const VENUE_NOUNS: &[&str] = &[
    "museum",
    "centre",
    "centres",
    "center",
    "centers",
    "stores",
    "shops",
    "restaurants",
    "resort",
    "hotel",
    "hotels",
    "cafes",
    "bars",
    "gym",
    "gyms",
    "studios",
    "schools",
    "clinics",
    "office",
    "offices",
    "factory",
    "venue",
    "venues",
    "locations",
    "branches",
    "outlets",
    "coast",
    "practice",
    "workshop",
];

/// Whether the place at `at` (or the list it ends, "stores in Dublin and Cork") says where the advertiser
/// is or works rather than whom it wants to reach.
fn describes_advertiser(message: &Message<'_>, taken: &Taken, at: usize) -> bool {
    let norm = &message.norm;
    if message.line_label(at).is_some_and(|l| ADVERTISER_LABELS.contains(&l.as_str())) {
        return true;
    }
    // Walk back over the list this place closes: "in Dublin, Cork and Galway".
    let mut pos = at;
    loop {
        let before = norm.get(..pos).unwrap_or("").trim_end();
        let word_at = before.rfind(' ').map_or(0, |i| i + 1);
        if matches!(&before[word_at..], "and" | "or" | "plus") && word_at > 0 {
            pos = word_at;
        } else if let Some(start) = taken.start_of_span_ending(before.len()).filter(|s| *s < pos) {
            pos = start;
        } else {
            break;
        }
    }
    let prev: Vec<&str> = prev_words(norm, pos, 3).into_iter().skip_while(|w| *w == "the").collect();
    match prev.as_slice() {
        ["near" | "outside" | "around", ..] => true,
        ["in" | "at", noun, ..] => {
            BUSINESS_NOUNS.contains(noun)
                || PRODUCT_NOUNS.contains(noun)
                || VENUE_NOUNS.contains(noun)
                || (noun.len() > 5 && noun.ends_with("ing"))
        }
        _ => false,
    }
}

/// Whether a topic at `at` describes the advertiser's own show ("our podcast about personal finance").
fn own_show(norm: &str, at: usize) -> bool {
    let prev = prev_words(norm, at, 3);
    match prev.as_slice() {
        [owner, ..] if matches!(*owner, "our" | "my") => true,
        ["about" | "on", "podcast" | "show", owner, ..] => matches!(*owner, "our" | "my"),
        _ => false,
    }
}

/// Whether a phrase at `at` describes the product or the advertiser rather than the audience.
fn describes_product(norm: &str, at: usize, len: usize) -> bool {
    let next = next_words(norm, at, len, 3);
    if next.first().is_some_and(|w| AUDIENCE_NOUNS.contains(w)) {
        return false;
    }
    let before = prev_words(norm, at, 2);
    // "finance and business interests" lists tastes; "fitness tracking app" names a product.
    let compound = next.iter().take(2).take_while(|w| !matches!(**w, "and" | "or"));
    // So does a curated product phrase that starts with the taste or right after it: "a gaming chair",
    // "a jazz-themed cocktail bar", "our rock festival".
    let curated = categories::product_at(norm, at).is_some_and(|l| l > len) || {
        let mut after = at + len;
        for w in next.iter().take_while(|w| matches!(**w, "themed" | "style" | "inspired")) {
            after += w.len() + 1;
        }
        norm.get(after..).is_some_and(|rest| rest.starts_with(' ')) && categories::product_at(norm, after + 1).is_some()
    };
    before.first().is_some_and(|w| matches!(*w, "our" | "my" | "their" | "your"))
        || compound.into_iter().any(|w| PRODUCT_NOUNS.contains(w))
        || curated
}

/// The rules behind [`AudienceResolver`].
pub fn resolve(message: &Message<'_>) -> Resolution<AudienceUpdate> {
    let norm = &message.norm;
    let mut taken = Taken::default();
    let mut unparsed = Vec::new();

    // Places: regions, then cities, then countries and audience adjectives.
    let regions = find_table(norm, REGIONS, &mut taken, |at, p| {
        (p != "anz" || raw_upper(message, at, p)) && !advertiser_home(norm, at, p.len())
    });
    let mut city_hits = find_cities(message, &mut taken);
    let countries = find_table(norm, COUNTRY_NAMES, &mut taken, |at, p| {
        let continent = p == "america"
            && prev_words(norm, at, 1).iter().any(|w| matches!(*w, "latin" | "north" | "south" | "central"));
        !continent && !advertiser_home(norm, at, p.len())
    });
    let codes = country_codes(message, &mut taken);
    let unsupported: Vec<String> = find_table(norm, &UNSUPPORTED.map(|u| (u, u)), &mut taken, |_, _| true)
        .into_iter()
        .map(|(_, place)| capitalize_words(place))
        .collect();
    let demonyms = find_table(norm, DEMONYMS, &mut taken, |at, p| {
        let people = |noun: &str| AUDIENCE_NOUNS.contains(&noun) && noun != "speakers";
        // "Brazilian listeners", or a list of them: "Finnish and Norwegian listeners".
        let describes_people = match next_words(norm, at, p.len(), 3).as_slice() {
            [noun, ..] if people(noun) => true,
            ["and" | "or", other, noun, ..] => DEMONYMS.iter().any(|(d, _)| d == other) && people(noun),
            _ => false,
        };
        describes_people && !prev_words(norm, at, 1).iter().any(|w| matches!(*w, "our" | "my"))
    });
    let mut places: Vec<(usize, Country)> = Vec::new();
    for (at, list) in regions.iter().chain(demonyms.iter()) {
        places.extend(list.iter().map(|c| (*at, *c)));
    }
    places.extend(countries);
    places.extend(codes);
    places.sort_by_key(|(at, _)| *at);
    // A place that only describes the advertiser ("roasting in Oslo since 1998", "Agency: Polar Media,
    // Oslo") gives way to the places the brief targets; alone, it is the market ("a coffee brand in Sweden").
    let demonyms_at: Vec<usize> = demonyms.iter().map(|(at, _)| *at).collect();
    let advertiser: Vec<usize> = places
        .iter()
        .map(|(at, _)| *at)
        .chain(city_hits.iter().map(|(at, _)| *at))
        .filter(|at| !demonyms_at.contains(at) && describes_advertiser(message, &taken, *at))
        .collect();
    if places.iter().map(|(at, _)| at).chain(city_hits.iter().map(|(at, _)| at)).any(|at| !advertiser.contains(at)) {
        places.retain(|(at, _)| !advertiser.contains(at));
        city_hits.retain(|(at, _)| !advertiser.contains(at));
    }

    // Topics before genres and interests, genres before interests ("rock climbing" is outdoors).
    let mentions_podcasts = message.mentions(&["podcast", "podcasts"]);
    let topics = find_table(norm, TOPICS, &mut taken, |at, p| {
        mentions_podcasts && (next_to_podcast(norm, at, p.len()) || exact_slug(message.raw, p)) && !own_show(norm, at)
    });
    let genres = find_table(norm, GENRES, &mut taken, |at, p| {
        !describes_product(message.clause_to(at), at, p.len()) && genre_ok(message.clause_to(at), at, p)
    });
    let interests = find_table(norm, INTERESTS, &mut taken, |at, p| {
        let clause = message.clause_to(at);
        !describes_product(clause, at, p.len()) && !own_show(norm, at) && interest_ok(clause, at, p)
    });
    unparsed.extend(unknown_audience_words(norm, &taken));

    let value = AudienceUpdate {
        countries: edit_from(message, &places),
        cities: edit_from(message, &city_hits),
        age_ranges: edit_from(message, &ages(message)),
        genders: genders(message),
        platforms: platforms(message),
        interests: edit_from(message, &interests),
        genres: edit_from(message, &genres),
        podcast_topics: edit_from(message, &topics),
        unsupported,
    };
    let confidence = if unparsed.is_empty() { 90 } else { 70 };
    Resolution { value, confidence, unparsed }
}

/// "south korea" → "South Korea".
fn capitalize_words(text: &str) -> String {
    let word = |w: &str| {
        let mut c = w.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
    };
    text.split(' ').map(word).collect::<Vec<_>>().join(" ")
}

/// Whether the phrase is written in capitals in the message (for short codes like "ANZ", "LA", "US").
fn raw_upper(message: &Message<'_>, at: usize, phrase: &str) -> bool {
    let mut words = message.tokens_in(at, phrase.len()).filter(|t| t.word().is_some()).peekable();
    words.peek().is_some() && words.all(|t| t.upper || t.word().is_some_and(|w| w.len() == 1) && t.capitalized)
}

/// Two-letter codes that are also words or common acronyms in briefs ("AR filters", "IT teams", "LA, CA",
/// "PT studios"): never read as markets. The other supported markets' ISO codes are.
const AMBIGUOUS_CODES: [&str; 10] = ["ar", "at", "be", "ca", "co", "in", "it", "no", "pe", "pt"];

/// Supported markets written as their ISO codes, in capitals only ("help us" is not the US): "US, DE and FR".
/// A code glued to a currency sign ("AU$", "US$") names the money, and "GB" after a number ("10 GB") a unit.
fn country_codes(message: &Message<'_>, taken: &mut Taken) -> Vec<(usize, Country)> {
    let mut out = read_codes(message, taken, |code, _| !AMBIGUOUS_CODES.contains(&code));
    // An ambiguous code in a list of markets, or edited, is a market too: "DE and AT", "Germany and AT",
    // "ES, PT", "drop BE".
    let listed: Vec<String> = out.iter().map(|(_, c): &(usize, Country)| c.as_str().to_ascii_lowercase()).collect();
    let norm = &message.norm;
    out.extend(read_codes(message, taken, |code, at| {
        let beside = |words: Vec<&str>| match words.as_slice() {
            ["and" | "or" | "plus", other, ..] | [other, ..] => {
                listed.iter().any(|l| l == other) || COUNTRY_NAMES.iter().any(|(name, _)| name == other)
            }
            [] => false,
        };
        let edited = prev_words(norm, at, 1).first().is_some_and(|w| {
            matches!(*w, "drop" | "add" | "remove" | "without" | "exclude" | "excluding" | "also" | "plus" | "minus")
        });
        AMBIGUOUS_CODES.contains(&code)
            && (edited || beside(prev_words(norm, at, 2)) || beside(next_words(norm, at, 2, 2)))
    }));
    out
}

/// Codes lower-case briefs still write for their market ("nz only"): none of them is an English word.
const LOWER_CASE_CODES: [&str; 6] = ["nz", "dk", "nl", "jp", "za", "mx"];

/// The codes `wanted` accepts (given the code and its offset), in capitals or among [`LOWER_CASE_CODES`].
fn read_codes(message: &Message<'_>, taken: &mut Taken, wanted: impl Fn(&str, usize) -> bool) -> Vec<(usize, Country)> {
    let mut out = Vec::new();
    for &country in Country::ALL {
        let code = country.as_str().to_ascii_lowercase();
        for at in text::find_all(&message.norm, &code) {
            if !wanted(&code, at) {
                continue;
            }
            let glued = message.tokens_in(at, code.len()).any(|t| {
                let (before, after) =
                    (message.raw.get(..t.span.0).unwrap_or(""), message.raw.get(t.span.1..).unwrap_or(""));
                after.starts_with('$')
                    || country == Country::Gb && before.trim_end().ends_with(|c: char| c.is_ascii_digit())
            });
            if taken.free(at, code.len())
                && (raw_upper(message, at, &code) || LOWER_CASE_CODES.contains(&code.as_str()))
                && !glued
                && !advertiser_home(&message.norm, at, code.len())
            {
                taken.take(at, code.len());
                out.push((at, country));
            }
        }
    }
    out
}

/// Gazetteer matches, longest spelling first; short or common-word spellings need capitals.
fn find_cities(message: &Message<'_>, taken: &mut Taken) -> Vec<(usize, String)> {
    static SPELLINGS: std::sync::OnceLock<text::PhraseIndex<()>> = std::sync::OnceLock::new();
    let index = SPELLINGS.get_or_init(|| {
        let mut spellings: Vec<String> = cities::all()
            .iter()
            .flat_map(cities::spellings)
            .filter(|s| !COUNTRY_NAMES.iter().any(|(c, _)| c == s))
            .collect();
        spellings.sort();
        spellings.dedup();
        text::PhraseIndex::new(spellings.into_iter().map(|s| (s, ())))
    });
    let has_capitals = message.raw.chars().any(char::is_uppercase);
    let mut out = Vec::new();
    for (at, spelling, ()) in index.find_all(&message.norm) {
        let short = spelling.len() <= 3;
        if !taken.free(at, spelling.len())
            || (short && !raw_upper(message, at, spelling))
            || (has_capitals && !capitalized_at(message, at))
            || advertiser_home(&message.norm, at, spelling.len())
        {
            continue;
        }
        taken.take(at, spelling.len());
        out.push((at, spelling.to_owned()));
    }
    out.sort_by_key(|(at, _)| *at);
    out
}

/// Whether the word at this normalised offset starts with a capital in the message.
fn capitalized_at(message: &Message<'_>, at: usize) -> bool {
    message.tokens_in(at, 1).next().is_some_and(|t| t.capitalized)
}

/// The city a spelling means: the one in a country the conversation names, else the most populous.
/// Returns the city and whether the choice was ambiguous.
pub fn resolve_city(spelling: &str, named: &[Country]) -> Option<(&'static City, bool)> {
    let candidates: Vec<&'static City> =
        cities::all().iter().filter(|c| cities::spellings(c).any(|s| s == spelling)).collect();
    let ambiguous = candidates.len() > 1;
    // `all()` is sorted most populous first.
    let chosen = candidates.iter().find(|c| named.contains(&c.country)).or(candidates.first())?;
    Some((chosen, ambiguous && !named.contains(&chosen.country)))
}

fn next_to_podcast(norm: &str, at: usize, len: usize) -> bool {
    let next = next_words(norm, at, len, 2);
    let prev = prev_words(norm, at, 3);
    next.first().is_some_and(|w| matches!(*w, "podcast" | "podcasts"))
        || next.first().is_some_and(|w| *w == "topic")
        || (prev.len() >= 2 && matches!(prev[0], "about" | "on") && matches!(prev[1], "podcasts" | "podcast"))
        || prev.first().is_some_and(|w| matches!(*w, "topic" | "topics"))
}

/// A slug written exactly as in the vocabulary ("personal-finance").
fn exact_slug(raw: &str, phrase: &str) -> bool {
    phrase.contains(' ') && raw.to_lowercase().contains(&phrase.replace(' ', "-"))
}

fn genre_ok(norm: &str, at: usize, phrase: &str) -> bool {
    let next = next_words(norm, at, phrase.len(), 1);
    let next = next.first().copied().unwrap_or("");
    match phrase {
        "pop" => !matches!(next, "culture" | "up" | "ups" | "corn" | "art" | "quiz" | "star" | "stars"),
        "rock" => !matches!(next, "climbing" | "solid"),
        "latin" => !matches!(next, "america" | "american" | "americans"),
        "soul" => !matches!(next, "searching"),
        "classical" => !matches!(next, "education" | "art"),
        "electronic" => !matches!(next, "devices" | "device" | "products" | "goods" | "payments"),
        "ambient" => !matches!(next, "temperature" | "light" | "lighting" | "noise"),
        // Bare "country" and "alternative" are genres only beside another genre ("country and blues fans",
        // "indie + alternative") or after listening ("who listen to country").
        "country" | "alternative" => {
            let prev = prev_words(norm, at, 2);
            let beside = |w: Option<&&str>| w.is_some_and(|w| GENRES.iter().any(|(g, _)| g == w));
            let after = next_words(norm, at, phrase.len(), 2);
            let joined = |w: Option<&&str>| w.is_some_and(|w| matches!(*w, "and" | "or" | "plus"));
            (joined(prev.first()) && beside(prev.get(1)))
                || (joined(after.first()) && beside(after.get(1)))
                || beside(prev.first())
                || (prev.first() == Some(&"to") && prev.get(1).is_some_and(|w| w.starts_with("listen")))
        }
        _ => true,
    }
}

fn interest_ok(norm: &str, at: usize, phrase: &str) -> bool {
    let next = next_words(norm, at, phrase.len(), 1);
    let next = next.first().copied().unwrap_or("");
    let prev = prev_words(norm, at, 1);
    let prev = prev.first().copied().unwrap_or("");
    match phrase {
        // Ambiguous single words count only when something says they are about people's tastes.
        "art" | "culture" | "space" | "home" | "news" | "food" | "health" | "running" | "exercise" | "business"
        | "car" | "drinks" | "tv" | "film" | "movie" | "education" | "travel" | "tech" | "finance" | "gym"
        | "sport" => {
            AUDIENCE_NOUNS.contains(&next)
                || matches!(prev, "into" | "love" | "loves" | "like" | "likes" | "in" | "about" | "enjoy" | "of")
                || next == "and"
                || prev == "and"
        }
        _ => !matches!(next, "industry" | "sector"),
    }
}

/// Words right before audience nouns that no table claimed ("anime lovers", "college students").
fn unknown_audience_words(norm: &str, taken: &Taken) -> Vec<String> {
    let words: Vec<(usize, &str)> = norm
        .split(' ')
        .scan(0usize, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .collect();
    let mut out = Vec::new();
    for pair in words.windows(2) {
        let ((at, w), (_, noun)) = (pair[0], pair[1]);
        let describes =
            matches!(noun, "lovers" | "fans" | "enthusiasts" | "buffs" | "heads" | "goers" | "students" | "nerds");
        if describes && w.len() > 2 && taken.free(at, w.len()) && !text::is_stopword(w) && w.parse::<u32>().is_err() {
            out.push(format!("{w} {noun}"));
        }
    }
    out
}

/// Words after "30s" that make it a spot's length, not an age.
const CREATIVE: &[&str] = &[
    "audio",
    "video",
    "spot",
    "spots",
    "ad",
    "ads",
    "commercial",
    "commercials",
    "creative",
    "creatives",
    "cut",
    "cuts",
    "version",
    "versions",
    "promo",
    "trailer",
    "radio",
    "read",
    "reads",
    "preroll",
    "teaser",
    "edit",
];

/// Age bands: "18-34", "18 to 34", "25+", "over 25", "under 25s", "in their 20s", "teens", "Gen Z"…
pub fn ages(message: &Message<'_>) -> Vec<(usize, AgeRange)> {
    let tokens = &message.tokens;
    let norm = &message.norm;
    let mut out: Vec<(usize, AgeRange)> = Vec::new();
    let offset_of = |tok: usize| message.offset_of(tok);
    let age = |t: &Token| t.int().filter(|n| (13..=99).contains(n) && t.digits().is_some_and(|d| d.len() == 2));
    let money_before = |i: usize| {
        i.checked_sub(1).and_then(|p| tokens.get(p)).is_some_and(|p| {
            matches!(p.kind, super::lexer::Kind::Sym('$' | '€' | '£' | '¥' | '₹'))
                || (p.is_sym('.') || p.is_sym(',') || p.is_dash()) && !p.space_before && !tokens[i].space_before
        })
    };
    let unit_after = |j: usize| {
        let t = tokens.get(j);
        t.is_some_and(|t| {
            t.is_any(&[
                "days", "day", "weeks", "week", "months", "month", "k", "m", "percent", "st", "nd", "rd", "th",
                "grand", "thousand", "hours", "minutes", "min", "sec", "seconds",
            ]) || t.is_sym('%')
                || (t.word().is_some() && month_at(tokens, j).is_some())
        }) || tokens.get(j).is_some_and(|t| t.is("of")) && month_at(tokens, j + 1).is_some()
    };
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let Some(a) = age(t) else {
            i += 1;
            continue;
        };
        if money_before(i) || (i > 0 && month_at(tokens, i - 1).is_some()) {
            i += 1;
            continue;
        }
        // "18-34", "18–34", "18 to 34", "between 18 and 34".
        if let (Some(c), Some(bt)) = (tokens.get(i + 1), tokens.get(i + 2)) {
            let between = i > 0 && tokens[i - 1].is("between");
            let joined = c.is_dash() || c.is_any(&["to"]) || (between && c.is("and"));
            if let Some(b) = age(bt).filter(|b| joined && *b >= a)
                && !unit_after(i + 3)
                && !money_before(i)
            {
                out.push((offset_of(i), AgeRange { min: a as u8, max: b as u8 }));
                i += 3;
                continue;
            }
        }
        let next = tokens.get(i + 1);
        // "25+", "25 and up/over/older".
        let plus = next.is_some_and(|n| n.is_sym('+'))
            || (next.is_some_and(|n| n.is("and"))
                && tokens.get(i + 2).is_some_and(|n| n.is_any(&["up", "over", "older", "above"])));
        // "in their 20s"; but "30s audio spot", "15s and 30s video" are lengths of the creative.
        let creative = tokens.get(i + 2).is_some_and(|n| n.is_any(CREATIVE));
        let decade = next.is_some_and(|n| n.is("s") && !n.space_before) && a % 10 == 0 && !creative;
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let over = prev.is_some_and(|p| p.is_any(&["over", "above"]))
            || (i >= 2 && tokens[i - 1].is("than") && tokens[i - 2].is("older"));
        let under = prev.is_some_and(|p| p.is_any(&["under", "below"]))
            || (i >= 2 && tokens[i - 1].is("than") && tokens[i - 2].is("younger"));
        let after_unit = unit_after(i + 1)
            || next.is_some_and(|n| {
                n.is_any(&["year", "years"]) && !tokens.get(i + 2).is_some_and(|x| x.is("olds") || x.is("old"))
            });
        if decade && !over && !under {
            out.push((offset_of(i), AgeRange { min: a as u8, max: (a + 9).min(99) as u8 }));
        } else if (plus && !after_unit) || (over && (decade || !after_unit && !unit_after(i + 2))) {
            out.push((offset_of(i), AgeRange { min: a as u8, max: 99 }));
        } else if under && (decade || !after_unit) {
            let min = if a <= 18 { 13 } else { 18 };
            if a > min {
                out.push((offset_of(i), AgeRange { min: min as u8, max: (a - 1) as u8 }));
            }
        }
        i += 1;
    }
    // Words.
    let words: &[(&str, AgeRange)] = &[
        ("teens", AgeRange { min: 13, max: 17 }),
        ("teenagers", AgeRange { min: 13, max: 17 }),
        ("young adults", AgeRange { min: 18, max: 34 }),
        ("gen z", AgeRange { min: 18, max: 29 }),
        ("genz", AgeRange { min: 18, max: 29 }),
        ("gen zers", AgeRange { min: 18, max: 29 }),
        ("zoomers", AgeRange { min: 18, max: 29 }),
        ("millennials", AgeRange { min: 30, max: 45 }),
        ("millenials", AgeRange { min: 30, max: 45 }),
        ("seniors", AgeRange { min: 65, max: 99 }),
        ("twenties", AgeRange { min: 20, max: 29 }),
        ("thirties", AgeRange { min: 30, max: 39 }),
        ("forties", AgeRange { min: 40, max: 49 }),
        ("fifties", AgeRange { min: 50, max: 59 }),
        ("sixties", AgeRange { min: 60, max: 69 }),
    ];
    let mut taken = Taken::default();
    for (at, range) in find_table(norm, words, &mut taken, |_, _| true) {
        out.push((at, range));
    }
    if out.is_empty() && text::contains_phrase(norm, "adults") {
        out.push((text::find_phrase(norm, "adults").unwrap_or(0), AgeRange { min: 18, max: 99 }));
    }
    out.sort_by_key(|(at, _)| *at);
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

fn genders(message: &Message<'_>) -> ListEdit<Gender> {
    let norm = &message.norm;
    if message.mentions(&[
        "men and women",
        "women and men",
        "both genders",
        "all genders",
        "everyone",
        "moms and dads",
        "mums and dads",
        "dads and moms",
        "male and female",
        "female and male",
        "any gender",
    ]) {
        return ListEdit::Clear;
    }
    let table: &[(&str, Gender)] = &[
        ("women", Gender::Female),
        ("woman", Gender::Female),
        ("female", Gender::Female),
        ("females", Gender::Female),
        ("ladies", Gender::Female),
        ("moms", Gender::Female),
        ("mums", Gender::Female),
        ("mothers", Gender::Female),
        ("girls", Gender::Female),
        ("men", Gender::Male),
        ("man", Gender::Male),
        ("male", Gender::Male),
        ("males", Gender::Male),
        ("guys", Gender::Male),
        ("dads", Gender::Male),
        ("fathers", Gender::Male),
        ("boys", Gender::Male),
        ("non binary", Gender::NonBinary),
        ("nonbinary", Gender::NonBinary),
    ];
    let mut taken = Taken::default();
    let found = find_table(norm, table, &mut taken, |_, _| true);
    let edit = edit_from(message, &found);
    if let ListEdit::Replace(list) | ListEdit::Only(list) | ListEdit::Add(list) = &edit
        && list.contains(&Gender::Male)
        && list.contains(&Gender::Female)
    {
        return ListEdit::Clear;
    }
    edit
}

fn platforms(message: &Message<'_>) -> ListEdit<Platform> {
    let table: &[(&str, &[Platform])] = &[
        ("mobile", &[Platform::Android, Platform::Ios]),
        ("phones", &[Platform::Android, Platform::Ios]),
        ("phone", &[Platform::Android, Platform::Ios]),
        ("smartphones", &[Platform::Android, Platform::Ios]),
        ("smartphone", &[Platform::Android, Platform::Ios]),
        ("iphone", &[Platform::Ios]),
        ("iphones", &[Platform::Ios]),
        ("ios", &[Platform::Ios]),
        ("ipad", &[Platform::Ios]),
        ("android", &[Platform::Android]),
        ("desktop", &[Platform::Desktop]),
        ("computer", &[Platform::Desktop]),
        ("computers", &[Platform::Desktop]),
        ("web player", &[Platform::Desktop]),
        ("laptop", &[Platform::Desktop]),
        ("laptops", &[Platform::Desktop]),
        ("pc", &[Platform::Desktop]),
    ];
    let mut taken = Taken::default();
    let norm = &message.norm;
    // "our mobile game", "phone accessories", "a PC game" name products, not devices to target.
    let found = find_table(norm, table, &mut taken, |at, p| {
        let generic = matches!(p, "mobile" | "phone" | "phones" | "smartphone" | "pc" | "computer" | "laptop");
        let next = next_words(message.clause_to(at), at, p.len(), 1);
        let product = next
            .first()
            .is_some_and(|w| PRODUCT_NOUNS.contains(w) || categories::product_at(norm, at + p.len() + 1).is_some());
        !(generic && product)
    });
    let flat: Vec<(usize, Platform)> = found.iter().flat_map(|(at, ps)| ps.iter().map(move |p| (*at, *p))).collect();
    let edit = edit_from(message, &flat);
    if let ListEdit::Replace(list) | ListEdit::Only(list) = &edit
        && Platform::ALL.iter().all(|p| list.contains(p))
    {
        return ListEdit::Clear;
    }
    edit
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn audience(text: &str) -> AudienceUpdate {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        resolve(&Message::new(text, today)).value
    }

    fn range(min: u8, max: u8) -> AgeRange {
        AgeRange { min, max }
    }

    #[test]
    fn places() {
        use Country::*;
        assert_eq!(audience("across the Nordics").countries, ListEdit::Replace(vec![Se, No, Dk, Fi]));
        assert_eq!(audience("men 18-24 in the US and Canada").countries, ListEdit::Replace(vec![Us, Ca]));
        assert_eq!(audience("can you help us plan").countries, ListEdit::Keep);
        assert_eq!(audience("for our Nordic coffee brand").countries, ListEdit::Keep);
        assert_eq!(audience("It's for a coffee brand in Sweden.").countries, ListEdit::Replace(vec![Se]));
        assert_eq!(audience("Brazilian listeners").countries, ListEdit::Replace(vec![Br]));
        assert_eq!(audience("Latin America").countries, ListEdit::Replace(vec![Mx, Br, Ar, Co, Cl, Pe]));
        assert_eq!(audience("Latin America").genres, ListEdit::Keep);
        assert_eq!(audience("Poland and Czechia").unsupported, vec!["Czechia".to_owned()]);
    }

    #[test]
    fn where_the_advertiser_is_targets_nothing() {
        use Country::*;
        let a = audience("We're a meal-kit startup (Berlin-based, organic). Steady impressions in Germany");
        assert_eq!((a.countries, a.cities), (ListEdit::Replace(vec![De]), ListEdit::Keep));
        let a = audience("a German company (HQ in Stuttgart) making chairs, people 35 and over in the UK");
        assert_eq!((a.countries, a.cities), (ListEdit::Replace(vec![Gb]), ListEdit::Keep));
        assert_eq!(audience("a gin distillery from Scotland, plan Australia").countries, ListEdit::Replace(vec![Au]));
        assert_eq!(
            audience("we're from Norway and want to reach Danes in Denmark").countries,
            ListEdit::Replace(vec![Dk])
        );
        assert_eq!(audience("olive oil made in Italy, for Spain").countries, ListEdit::Replace(vec![Es]));
        // Audiences stay audiences.
        assert_eq!(audience("people from Scotland").countries, ListEdit::Replace(vec![Gb]));
        assert_eq!(audience("traffic to our booking page from Portugal").countries, ListEdit::Replace(vec![Pt]));
        assert_eq!(audience("our Lisbon hotel, for people in Spain").cities, ListEdit::Keep);
        assert_eq!(audience("Finnish and Norwegian listeners").countries, ListEdit::Replace(vec![Fi, No]));
        // Where the advertiser works gives way to where it advertises, and stands alone.
        let a = audience("Kaffe Nord, roasting in Oslo since 1998. We want the word out in Germany");
        assert_eq!((a.countries, a.cities), (ListEdit::Replace(vec![De]), ListEdit::Keep));
        let a = audience("We run six daycare centres in Vienna and Graz. Parents all over Austria");
        assert_eq!((a.countries, a.cities), (ListEdit::Replace(vec![At]), ListEdit::Keep));
        let a = audience("Agency: Polar Media Group, Oslo\nMarkets: Nordics");
        assert_eq!((a.countries, a.cities), (ListEdit::Replace(vec![Se, No, Dk, Fi]), ListEdit::Keep));
        assert_eq!(
            audience("for our stores in Dublin and Cork").cities,
            ListEdit::Replace(vec!["dublin".into(), "cork".into()])
        );
        assert_eq!(audience("Halsey & Crane, NYC office. Market: US").cities, ListEdit::Keep);
        assert_eq!(audience("UK-based listeners").countries, ListEdit::Replace(vec![Gb]));
    }

    #[test]
    fn markets_written_as_iso_codes() {
        use Country::*;
        assert_eq!(audience("app installs in US, DE and FR").countries, ListEdit::Replace(vec![Us, De, Fr]));
        assert_eq!(audience("MX/BR/CL, 18-34").countries, ListEdit::Replace(vec![Mx, Br, Cl]));
        assert_eq!(audience("$25,000, Nov 20 to Nov 30, US, mobile").countries, ListEdit::Replace(vec![Us]));
        assert_eq!(audience("£20k, 18-24, GB").countries, ListEdit::Replace(vec![Gb]));
        // Lower case is a word; a code glued to a currency sign is money; after a number, a unit.
        assert_eq!(audience("fans de rock in Spain").countries, ListEdit::Replace(vec![Es]));
        assert_eq!(audience("AU$5,000 for New Zealand").countries, ListEdit::Replace(vec![Nz]));
        assert_eq!(audience("phones with 10 GB of data in Ireland").countries, ListEdit::Replace(vec![Ie]));
        // Codes that are also words or acronyms in briefs stay words.
        assert_eq!(audience("IT decision makers in Germany").countries, ListEdit::Replace(vec![De]));
        assert_eq!(audience("AR filter fans in Japan").countries, ListEdit::Replace(vec![Jp]));
        // Unless they stand in a list of codes or are edited; a few codes read in lower case.
        assert_eq!(audience("awareness in DE and AT").countries, ListEdit::Replace(vec![De, At]));
        assert_eq!(audience("fans in Germany and AT").countries, ListEdit::Replace(vec![De, At]));
        assert_eq!(audience("actually drop BE").countries, ListEdit::Remove(vec![Be]));
        assert_eq!(audience("dairy coop, nz only").countries, ListEdit::Only(vec![Nz]));
    }

    #[test]
    fn cities_take_their_spelling() {
        let a = audience("Reach fitness enthusiasts in LA");
        assert_eq!(a.cities, ListEdit::Replace(vec!["la".to_owned()]));
        assert_eq!(a.interests, ListEdit::Replace(vec!["fitness"]));
        assert_eq!(audience("la vie en rose").cities, ListEdit::Keep);
        let (perth, ambiguous) = resolve_city("perth", &[]).unwrap_or_else(|| panic!("perth"));
        assert_eq!((perth.country, ambiguous), (Country::Au, true));
    }

    #[test]
    fn ages() {
        assert_eq!(audience("18-34 year olds").age_ranges, ListEdit::Replace(vec![range(18, 34)]));
        assert_eq!(audience("ages 25 to 54").age_ranges, ListEdit::Replace(vec![range(25, 54)]));
        assert_eq!(audience("21+").age_ranges, ListEdit::Replace(vec![range(21, 99)]));
        assert_eq!(audience("25 and older").age_ranges, ListEdit::Replace(vec![range(25, 99)]));
        assert_eq!(audience("over 25").age_ranges, ListEdit::Replace(vec![range(25, 99)]));
        assert_eq!(audience("under 25s").age_ranges, ListEdit::Replace(vec![range(18, 24)]));
        assert_eq!(audience("under 18").age_ranges, ListEdit::Replace(vec![range(13, 17)]));
        assert_eq!(audience("women in their 30s").age_ranges, ListEdit::Replace(vec![range(30, 39)]));
        assert_eq!(audience("teens").age_ranges, ListEdit::Replace(vec![range(13, 17)]));
        assert_eq!(audience("Gen Z and millennials").age_ranges, ListEdit::Replace(vec![range(18, 29), range(30, 45)]));
        assert_eq!(audience("adults").age_ranges, ListEdit::Replace(vec![range(18, 99)]));
        assert_eq!(audience("18-24 and 35-44").age_ranges, ListEdit::Replace(vec![range(18, 24), range(35, 44)]));
        assert_eq!(audience("1-14 May, over the next 30 days, $25,000").age_ranges, ListEdit::Keep);
        // Spot lengths are not ages.
        assert_eq!(audience("Creative: 15s and 30s audio, 30s radio-style spot").age_ranges, ListEdit::Keep);
        assert_eq!(audience("from 20 to 30 June").age_ranges, ListEdit::Keep);
    }

    #[test]
    fn people_and_devices() {
        assert_eq!(audience("women only").genders, ListEdit::Only(vec![Gender::Female]));
        assert_eq!(audience("moms and dads 25-45").genders, ListEdit::Clear);
        assert_eq!(audience("mobile only").platforms, ListEdit::Only(vec![Platform::Android, Platform::Ios]));
        assert_eq!(audience("desktop and mobile").platforms, ListEdit::Clear);
        assert_eq!(audience("our iOS fitness app").platforms, ListEdit::Replace(vec![Platform::Ios]));
        assert_eq!(audience("our iOS fitness app").interests, ListEdit::Keep);
        assert_eq!(
            audience("Launching our mobile game: installs on Android only").platforms,
            ListEdit::Only(vec![Platform::Android])
        );
        assert_eq!(
            audience("ladies 20-40, on their phones").platforms,
            ListEdit::Replace(vec![Platform::Android, Platform::Ios])
        );
    }

    #[test]
    fn tastes() {
        assert_eq!(audience("hip hop heads and dance music").genres, ListEdit::Replace(vec!["hip-hop", "electronic"]));
        assert_eq!(audience("anime and k-pop lovers").genres, ListEdit::Replace(vec!["k-pop"]));
        assert_eq!(audience("US listeners who are into food").interests, ListEdit::Replace(vec!["food-drink"]));
        assert_eq!(audience("for our cooking show").interests, ListEdit::Keep);
        assert_eq!(audience("a new gaming headset for gamers").interests, ListEdit::Replace(vec!["gaming"]));
        let a = audience("Podcast-only campaign for our finance podcast, targeting personal-finance listeners");
        assert_eq!(a.podcast_topics, ListEdit::Only(vec!["personal-finance"]));
        assert_eq!(audience("listeners of true-crime podcasts").podcast_topics, ListEdit::Keep);
        assert_eq!(audience("grow our podcast about personal finance").podcast_topics, ListEdit::Keep);
        assert_eq!(audience("we're a small indie record label").genres, ListEdit::Keep);
        assert_eq!(audience("our jazz festival, for jazz fans").genres, ListEdit::Replace(vec!["jazz"]));
        assert_eq!(audience("country and blues fans").genres, ListEdit::Replace(vec!["country", "blues"]));
        assert_eq!(audience("fans of indie + alternative").genres, ListEdit::Replace(vec!["indie", "alternative"]));
        assert_eq!(audience("men 25-55 who listen to country").genres, ListEdit::Replace(vec!["country"]));
        assert_eq!(audience("a jazz-themed cocktail bar").genres, ListEdit::Keep);
        assert_eq!(audience("the artist is a Swedish pop singer").genres, ListEdit::Keep);
        assert_eq!(audience("launching the Apex Throne gaming chair").interests, ListEdit::Keep);
        assert_eq!(audience("video views of the launch film\nMarket: Germany").interests, ListEdit::Keep);
        assert_eq!(audience("the best country to visit").genres, ListEdit::Keep);
        assert_eq!(audience("grow our podcast about cooking").interests, ListEdit::Keep);
        assert_eq!(audience("pet parents in Portland").interests, ListEdit::Replace(vec!["pets"]));
        assert_eq!(audience("people into home & garden").interests, ListEdit::Replace(vec!["home-garden"]));
        assert_eq!(
            audience("millennials into finance and business, app downloads for our app").interests,
            ListEdit::Replace(vec!["finance", "business"])
        );
        assert_eq!(
            audience("news and politics podcast topic").podcast_topics,
            ListEdit::Replace(vec!["news-and-politics"])
        );
    }
}
