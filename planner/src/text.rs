//! Text helpers the resolvers share: one normal form for matching words and phrases.
//!
//! [`normalize`] lower-cases, folds diacritics ("São Paulo" → "sao paulo"), turns everything that is not a
//! letter or digit into a single space and trims. Phrase matching is then a matter of whole words.

/// Lower-case, diacritics folded, punctuation replaced by single spaces.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        let folded = fold_char(c);
        for f in folded.chars() {
            if f.is_alphanumeric() {
                out.extend(f.to_lowercase());
                space = false;
            } else if !space {
                out.push(' ');
                space = true;
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Folds one character's diacritics (Latin scripts of the supported markets).
pub fn fold_char(c: char) -> std::borrow::Cow<'static, str> {
    use std::borrow::Cow::{Borrowed, Owned};
    let s = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ā' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ą' | 'Ā' => "A",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ē' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ę' | 'Ē' | 'Ě' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => "I",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => "O",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' => "Y",
        'ł' => "l",
        'Ł' => "L",
        'ś' | 'š' => "s",
        'Ś' | 'Š' => "S",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ř' => "r",
        'ß' => "ss",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        _ => return Owned(c.to_string()),
    };
    Borrowed(s)
}

/// Whether `phrase` (normalised) occurs in `text` (normalised) as whole words.
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    find_phrase(text, phrase).is_some()
}

/// Byte offset of the first whole-word occurrence of `phrase` in `text` (both normalised).
pub fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    find_phrase_from(text, phrase, 0)
}

/// Byte offset of the first whole-word occurrence of `phrase` in `text` at or after `from`.
pub fn find_phrase_from(text: &str, phrase: &str, from: usize) -> Option<usize> {
    if phrase.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let mut start = from;
    while start <= text.len() {
        let i = start + text.get(start..)?.find(phrase)?;
        let end = i + phrase.len();
        let left_ok = i == 0 || bytes[i - 1] == b' ';
        let right_ok = end == text.len() || bytes[end] == b' ';
        if left_ok && right_ok {
            return Some(i);
        }
        start = i + 1;
        while start < text.len() && !text.is_char_boundary(start) {
            start += 1;
        }
    }
    None
}

/// Every whole-word occurrence of `phrase` in `text`, as byte offsets.
pub fn find_all(text: &str, phrase: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = find_phrase_from(text, phrase, from) {
        out.push(i);
        from = i + phrase.len();
    }
    out
}

/// A set of normalised phrases indexed by their first word, so finding every phrase in a message costs one
/// lookup per word of the message instead of one scan per phrase.
#[derive(Clone, Debug)]
pub struct PhraseIndex<T> {
    by_first_word: std::collections::BTreeMap<String, Vec<(String, T)>>,
}

impl<T> PhraseIndex<T> {
    /// Indexes normalised phrases; empty phrases are ignored.
    pub fn new(phrases: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut by_first_word: std::collections::BTreeMap<String, Vec<(String, T)>> = Default::default();
        for (phrase, value) in phrases {
            if let Some(first) = phrase.split(' ').next().filter(|w| !w.is_empty()) {
                by_first_word.entry(first.to_owned()).or_default().push((phrase, value));
            }
        }
        PhraseIndex { by_first_word }
    }

    /// The longest phrase that starts at byte offset `at` of `norm` (normalised), as whole words.
    pub fn longest_at<'a>(&'a self, norm: &str, at: usize) -> Option<(&'a str, &'a T)> {
        let rest = norm.get(at..)?;
        let first = rest.split(' ').next()?;
        self.by_first_word
            .get(first)?
            .iter()
            .filter(|(phrase, _)| {
                rest.starts_with(phrase.as_str()) && rest[phrase.len()..].chars().next().is_none_or(|c| c == ' ')
            })
            .max_by_key(|(phrase, _)| phrase.len())
            .map(|(phrase, value)| (phrase.as_str(), value))
    }

    /// Every whole-word occurrence in `norm` (normalised) as (byte offset, phrase, value), longest phrases
    /// first and then left to right, the order in which overlapping matches should claim the text.
    pub fn find_all<'a>(&'a self, norm: &str) -> Vec<(usize, &'a str, &'a T)> {
        let mut out = Vec::new();
        let mut at = 0;
        for word in norm.split(' ') {
            if let Some(candidates) = self.by_first_word.get(word) {
                for (phrase, value) in candidates {
                    let end = at + phrase.len();
                    let fits = norm.get(at..end) == Some(phrase.as_str());
                    if fits && (end == norm.len() || norm.as_bytes()[end] == b' ') {
                        out.push((at, phrase.as_str(), value));
                    }
                }
            }
            at += word.len() + 1;
        }
        out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        out
    }
}

/// Function words that carry no meaning for matching.
pub fn is_stopword(w: &str) -> bool {
    matches!(
        w,
        "the"
            | "and"
            | "for"
            | "our"
            | "with"
            | "from"
            | "into"
            | "that"
            | "this"
            | "your"
            | "their"
            | "other"
            | "services"
            | "products"
            | "general"
            | "related"
            | "supplies"
            | "goods"
            | "stores"
    )
}

/// Whether two words are the same modulo a plural or a short suffix ("drinks"/"drink", "banking"/"bank").
pub fn same_stem(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() < 4 {
        return false;
    }
    long.starts_with(short) && matches!(&long[short.len()..], "s" | "es" | "ing" | "ers" | "er" | "ies")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_diacritics_and_punctuation() {
        assert_eq!(normalize("  São Paulo, Malmö!  "), "sao paulo malmo");
        assert_eq!(normalize("hip-hop & R&B"), "hip hop r b");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let t = normalize("Reach fans in LA and Atlanta");
        assert!(contains_phrase(&t, "la"));
        assert!(contains_phrase(&t, "fans in la"));
        assert_eq!(find_all(&t, "la"), vec![find_phrase(&t, "la").unwrap_or(0)]);
        assert!(!contains_phrase(&t, "lant"));
    }

    #[test]
    fn phrase_index_finds_whole_words_longest_first() {
        let index = PhraseIndex::new([("new york".to_owned(), 1), ("york".to_owned(), 2), ("la".to_owned(), 3)]);
        let found: Vec<(usize, &str)> =
            index.find_all("from new york to la").iter().map(|(at, p, _)| (*at, *p)).collect();
        assert_eq!(found, vec![(5, "new york"), (9, "york"), (17, "la")]);
        assert!(index.find_all("atlanta").is_empty());
    }

    #[test]
    fn stems() {
        assert!(same_stem("drinks", "drink"));
        assert!(same_stem("banking", "bank"));
        assert!(!same_stem("car", "cars"));
        assert!(!same_stem("bank", "banana"));
    }
}
