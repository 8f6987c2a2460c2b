//! The agents: a [`router`] that decides which resolvers a message needs, and four resolvers that turn one
//! message into structured updates of the brief — [`goal`] (objective, ad category, formats, placements),
//! [`audience`] (places, ages, people, interests), [`budget`] and [`schedule`].
//!
//! Every resolver implements [`Resolver`]: an async interface with no runtime behind it, so a model-backed
//! resolver can later replace or complement the rules without reshaping the pipeline. Each answer is a
//! [`Resolution`]: the value, how confident the rules are, and the parts of the message they could not
//! interpret (what a later issue hands to a language model).
//!
//! Start with [`router::route`], then any resolver; [`lexer`] is the tokenizer they share.

use std::future::Future;

use chrono::NaiveDate;

use crate::text;

pub mod audience;
pub mod budget;
pub mod goal;
pub mod lexer;
pub mod router;
pub mod schedule;

/// One user message as the resolvers see it.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    /// As typed.
    pub raw: &'a str,
    /// [`text::normalize`]d.
    pub norm: String,
    /// Tokens of the raw text.
    pub tokens: Vec<lexer::Token>,
    /// For each token, its byte offset in `norm` (symbols have none).
    pub offsets: Vec<Option<usize>>,
    /// Offsets in `norm` where a clause ends: a comma, semicolon, full stop, colon, bracket or dash
    /// stood there in the message, so "into finance, app downloads" does not read as a "finance app".
    pub breaks: Vec<usize>,
    /// The reference date "today".
    pub today: NaiveDate,
}

impl<'a> Message<'a> {
    /// Prepares a message for the resolvers.
    pub fn new(raw: &'a str, today: NaiveDate) -> Self {
        // The normal form is built from the tokens so that every normalised word maps back to them:
        // glued letters and digits ("30s") form one word, symbols separate words.
        let tokens = lexer::lex(raw);
        let mut norm = String::with_capacity(raw.len());
        let mut offsets = Vec::with_capacity(tokens.len());
        let mut breaks = Vec::new();
        let mut last_end: Option<usize> = None;
        let mut glued_to_word = false;
        for t in &tokens {
            let piece = match &t.kind {
                lexer::Kind::Word(w) => w.as_str(),
                lexer::Kind::Number(d) => d.as_str(),
                lexer::Kind::Sym(c) => {
                    // A hyphen between words joins them ("gym-goers"); with a space around it, it separates.
                    let separates = matches!(c, ',' | ';' | '.' | ':' | '(' | ')' | '!' | '?' | '–' | '—')
                        || (*c == '-' && t.space_before);
                    if separates && breaks.last() != Some(&norm.len()) {
                        breaks.push(norm.len());
                    }
                    last_end = Some(t.span.1);
                    offsets.push(None);
                    glued_to_word = false;
                    continue;
                }
            };
            // A line break ends a clause too ("…the launch film\nMarket: Germany").
            let line_break = last_end.is_some_and(|e| raw.get(e..t.span.0).is_some_and(|gap| gap.contains('\n')));
            if line_break && breaks.last() != Some(&norm.len()) {
                breaks.push(norm.len());
            }
            last_end = Some(t.span.1);
            if (!glued_to_word || t.space_before) && !norm.is_empty() {
                norm.push(' ');
            }
            offsets.push(Some(norm.len()));
            norm.push_str(piece);
            glued_to_word = true;
        }
        Message { raw, norm, tokens, offsets, breaks, today }
    }

    /// The label of the line that holds normalised offset `at`, normalised, when the line starts with one
    /// ("Client: Kaze Beverages" → "client"; "Markets: Nordics" → "markets").
    pub fn line_label(&self, at: usize) -> Option<String> {
        let token = self.offsets.iter().position(|o| *o == Some(at))?;
        let start = self.tokens[token].span.0;
        let line_start = self.raw.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
        let line = self.raw.get(line_start..)?;
        // "Client: …", "BRIEF – Agence Lumière"; a label reaches to the end of its sentence only, so
        // "Context: the museum in Barcelona. An awareness campaign in Spain" labels Barcelona alone.
        let (label, sep) = [":", " – ", " — ", " - "]
            .iter()
            .filter_map(|sep| line.find(sep).map(|i| (&line[..i], sep.len())))
            .min_by_key(|(l, _)| l.len())?;
        let rest_start = line_start + label.len() + sep;
        if self.raw.get(rest_start..start).is_none_or(|before| before.contains(['.', '!', '?'])) {
            return None;
        }
        let label = text::normalize(label);
        (!label.is_empty() && label.split(' ').count() <= 3).then_some(label)
    }

    /// The normalised text up to the end of the clause that holds offset `at`.
    pub fn clause_to(&self, at: usize) -> &str {
        let end = self.breaks.iter().copied().find(|b| *b > at).unwrap_or(self.norm.len());
        self.norm.get(..end).unwrap_or(&self.norm)
    }

    /// The tokens that make up `len` bytes of the normalised text from `at`.
    pub fn tokens_in(&self, at: usize, len: usize) -> impl Iterator<Item = &lexer::Token> {
        self.tokens
            .iter()
            .zip(&self.offsets)
            .filter(move |(_, o)| o.is_some_and(|o| at <= o && o < at + len))
            .map(|(t, _)| t)
    }

    /// Byte offset in the normalised text of token `i` (or of the next word after it).
    pub fn offset_of(&self, i: usize) -> usize {
        self.offsets[i.min(self.offsets.len())..].iter().flatten().next().copied().unwrap_or(self.norm.len())
    }

    /// Whether the normalised message contains any of these phrases as whole words.
    pub fn mentions(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| text::contains_phrase(&self.norm, p))
    }
}

/// What a resolver made of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution<T> {
    /// The structured update.
    pub value: T,
    /// 0–100: how sure the rules are of `value`.
    pub confidence: u8,
    /// Phrases that talk about this resolver's slots but that the rules could not interpret.
    pub unparsed: Vec<String>,
}

/// A resolver agent. Async so that a model-backed implementation fits the same slot.
pub trait Resolver {
    /// The structured update it produces.
    type Output;
    /// Its name in the trace.
    const NAME: &'static str;
    /// Resolves one message.
    fn resolve(&self, message: &Message<'_>) -> impl Future<Output = Resolution<Self::Output>>;
}

/// How a message changes a list slot (SPEC §2, multi-turn).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ListEdit<T> {
    /// The message says nothing about this list.
    #[default]
    Keep,
    /// A plain new value: replaces the list.
    Replace(Vec<T>),
    /// "add"/"also": extends it.
    Add(Vec<T>),
    /// "only X"/"just X": makes it exactly X.
    Only(Vec<T>),
    /// "remove"/"drop"/"without X": removes X.
    Remove(Vec<T>),
    /// "X instead of Y": swaps Y for X.
    Swap {
        /// X.
        add: Vec<T>,
        /// Y.
        remove: Vec<T>,
    },
    /// "men and women", "everyone": explicitly no restriction.
    Clear,
}

impl<T: PartialEq + Clone> ListEdit<T> {
    /// Applies the edit to a list, keeping first-mention order and no duplicates.
    pub fn apply(&self, list: &mut Vec<T>) {
        let extend = |list: &mut Vec<T>, items: &[T]| {
            for item in items {
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
        };
        match self {
            ListEdit::Keep => {}
            ListEdit::Replace(items) | ListEdit::Only(items) => {
                list.clear();
                extend(list, items);
            }
            ListEdit::Add(items) => extend(list, items),
            ListEdit::Remove(items) => list.retain(|x| !items.contains(x)),
            ListEdit::Swap { add, remove } => {
                // Keep the swapped item's position where there was one.
                for (i, r) in remove.iter().enumerate() {
                    if let (Some(pos), Some(a)) = (list.iter().position(|x| x == r), add.get(i))
                        && !list.contains(a)
                    {
                        list[pos] = a.clone();
                        continue;
                    }
                    list.retain(|x| x != r);
                }
                extend(list, add);
            }
            ListEdit::Clear => list.clear(),
        }
    }

    /// Whether the message said anything about this list.
    pub fn is_keep(&self) -> bool {
        matches!(self, ListEdit::Keep)
    }

    /// The same edit over other items.
    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> ListEdit<U> {
        let all = |v: &Vec<T>| v.iter().map(&f).collect();
        match self {
            ListEdit::Keep => ListEdit::Keep,
            ListEdit::Replace(v) => ListEdit::Replace(all(v)),
            ListEdit::Add(v) => ListEdit::Add(all(v)),
            ListEdit::Only(v) => ListEdit::Only(all(v)),
            ListEdit::Remove(v) => ListEdit::Remove(all(v)),
            ListEdit::Swap { add, remove } => ListEdit::Swap { add: all(add), remove: all(remove) },
            ListEdit::Clear => ListEdit::Clear,
        }
    }
}

/// How the items a message names should be combined with what the conversation already holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditMode {
    /// Plain values: replace.
    Replace,
    /// "add", "also", "plus", "as well".
    Add,
    /// "only", "just", "exclusively".
    Only,
}

impl EditMode {
    /// The mode a message's wording asks for.
    pub fn of(message: &Message<'_>) -> EditMode {
        if message.mentions(&["only", "just", "exclusively", "solely"]) {
            EditMode::Only
        } else if message.mentions(&["add", "also", "plus", "as well", "too", "include", "including", "expand to"]) {
            EditMode::Add
        } else {
            EditMode::Replace
        }
    }
}

/// Words after which a named item is taken out rather than put in.
pub const REMOVE_WORDS: &[&str] =
    &["remove", "drop", "without", "exclude", "excluding", "except", "not", "no", "minus"];

/// Builds a list edit from the items a message names (with byte offsets in the normalised text), given
/// where "instead of" and the removal words sit.
pub fn edit_from<T: Clone + PartialEq>(message: &Message<'_>, items: &[(usize, T)]) -> ListEdit<T> {
    if items.is_empty() {
        return ListEdit::Keep;
    }
    let norm = &message.norm;
    if let Some(pivot) = text::find_phrase(norm, "instead of") {
        let add: Vec<T> = items.iter().filter(|(p, _)| *p < pivot).map(|(_, t)| t.clone()).collect();
        let remove: Vec<T> = items.iter().filter(|(p, _)| *p > pivot).map(|(_, t)| t.clone()).collect();
        if !remove.is_empty() {
            return ListEdit::Swap { add, remove };
        }
    }
    // An item is removed when a removal word stands among the few words before it ("drop Chile",
    // "without podcasts and video"). Verbs count only in a verb's position, so "our sneaker drop in
    // France" removes nothing.
    let removed = |pos: usize| {
        // Within the item's clause and after any "just"/"only": "drop Utrecht, just Amsterdam".
        let clause_start = message.breaks.iter().copied().filter(|b| *b <= pos).max().unwrap_or(0);
        let before: Vec<&str> = norm[clause_start..pos]
            .split_whitespace()
            .rev()
            .take(4)
            .take_while(|w| !matches!(*w, "just" | "only" | "keep" | "add"))
            .collect();
        before.iter().enumerate().any(|(i, w)| {
            let ahead = before.get(i + 1).copied();
            match *w {
                "remove" | "drop" | "exclude" | "minus" => ahead.is_none_or(|a| {
                    matches!(
                        a,
                        "and"
                            | "please"
                            | "also"
                            | "then"
                            | "s"
                            | "you"
                            | "to"
                            | "but"
                            | "actually"
                            | "now"
                            | "just"
                            | "lets"
                    )
                }),
                // "not"/"no" only right before the item: "not Spain", "no podcasts".
                "not" | "no" => i == 0,
                _ => REMOVE_WORDS.contains(w),
            }
        })
    };
    let (out, keep): (Vec<_>, Vec<_>) = items.iter().cloned().partition(|(p, _)| removed(*p));
    let out: Vec<T> = out.into_iter().map(|(_, t)| t).collect();
    let keep: Vec<T> = keep.into_iter().map(|(_, t)| t).collect();
    if keep.is_empty() {
        return ListEdit::Remove(out);
    }
    match EditMode::of(message) {
        EditMode::Only => ListEdit::Only(keep),
        // "add pop, drop latin": both at once.
        EditMode::Add | EditMode::Replace if !out.is_empty() => ListEdit::Swap { add: keep, remove: out },
        EditMode::Add => ListEdit::Add(keep),
        EditMode::Replace => ListEdit::Replace(keep),
    }
}

/// Spans of the normalised text already claimed by a longer match.
#[derive(Default)]
pub(crate) struct Taken(Vec<(usize, usize)>);

impl Taken {
    pub(crate) fn free(&self, at: usize, len: usize) -> bool {
        !self.0.iter().any(|(a, b)| at < *b && *a < at + len)
    }
    pub(crate) fn take(&mut self, at: usize, len: usize) {
        self.0.push((at, at + len));
    }
    /// Where the claimed span that ends at `end` starts.
    pub(crate) fn start_of_span_ending(&self, end: usize) -> Option<usize> {
        self.0.iter().find(|(_, b)| *b == end).map(|(a, _)| *a)
    }
}

/// Finds each phrase of a table in free text, longest phrases first, claiming what it matches.
pub(crate) fn find_table<T: Copy>(
    norm: &str,
    table: &[(&'static str, T)],
    taken: &mut Taken,
    accept: impl Fn(usize, &str) -> bool,
) -> Vec<(usize, T)> {
    let mut rows: Vec<&(&str, T)> = table.iter().collect();
    rows.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut out = Vec::new();
    for (phrase, value) in rows {
        for at in text::find_all(norm, phrase) {
            if taken.free(at, phrase.len()) && accept(at, phrase) {
                taken.take(at, phrase.len());
                out.push((at, *value));
            }
        }
    }
    out.sort_by_key(|(at, _)| *at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
    }

    #[test]
    fn list_edits_follow_the_multi_turn_rules() {
        let mut list = vec!["AR", "CL"];
        ListEdit::Swap { add: vec!["CO"], remove: vec!["CL"] }.apply(&mut list);
        assert_eq!(list, vec!["AR", "CO"]);
        ListEdit::Add(vec!["CL"]).apply(&mut list);
        assert_eq!(list, vec!["AR", "CO", "CL"]);
        ListEdit::Remove(vec!["AR"]).apply(&mut list);
        assert_eq!(list, vec!["CO", "CL"]);
        ListEdit::Only(vec!["CL"]).apply(&mut list);
        assert_eq!(list, vec!["CL"]);
    }

    #[test]
    fn edit_mode_reads_the_wording() {
        let m = Message::new("Actually make it Colombia instead of Chile", day());
        let co = m.norm.find("colombia").unwrap_or(0);
        let cl = m.norm.find("chile").unwrap_or(0);
        assert_eq!(edit_from(&m, &[(co, "CO"), (cl, "CL")]), ListEdit::Swap { add: vec!["CO"], remove: vec!["CL"] });
        let m = Message::new("add Chile", day());
        assert_eq!(edit_from(&m, &[(4, "CL")]), ListEdit::Add(vec!["CL"]));
        let m = Message::new("drop Chile", day());
        assert_eq!(edit_from(&m, &[(5, "CL")]), ListEdit::Remove(vec!["CL"]));
        let m = Message::new("add pop, drop latin", day());
        let (pop, latin) = (m.norm.find("pop").unwrap_or(0), m.norm.find("latin").unwrap_or(0));
        assert_eq!(
            edit_from(&m, &[(pop, "pop"), (latin, "latin")]),
            ListEdit::Swap { add: vec!["pop"], remove: vec!["latin"] }
        );
        let m = Message::new("actually drop Utrecht, just Amsterdam", day());
        let (u, a) = (m.norm.find("utrecht").unwrap_or(0), m.norm.find("amsterdam").unwrap_or(0));
        assert_eq!(edit_from(&m, &[(u, "Utrecht"), (a, "Amsterdam")]), ListEdit::Only(vec!["Amsterdam"]));
    }
}
