//! Splits a message into words, numbers and symbols, keeping what the resolvers need to tell "18-34"
//! (ages) from "1-14 May" (dates) and "R$ 50.000" (money): adjacency, capitalisation and ordinals.

use crate::text;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Letters, lower-cased with diacritics folded.
    Word(String),
    /// A run of ASCII digits, as written.
    Number(String),
    /// Any other non-space character.
    Sym(char),
}

/// One token and how it sits in the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Whether whitespace precedes it.
    pub space_before: bool,
    /// Word whose first letter is upper-case in the message.
    pub capitalized: bool,
    /// Word written entirely in upper case (at least two letters).
    pub upper: bool,
    /// Byte range in the message.
    pub span: (usize, usize),
}

impl Token {
    /// The word, if this is one.
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(w) => Some(w),
            _ => None,
        }
    }

    /// Whether this is the word `w`.
    pub fn is(&self, w: &str) -> bool {
        self.word() == Some(w)
    }

    /// Whether this is one of the words.
    pub fn is_any(&self, words: &[&str]) -> bool {
        self.word().is_some_and(|x| words.contains(&x))
    }

    /// The digits, if this is a number.
    pub fn digits(&self) -> Option<&str> {
        match &self.kind {
            Kind::Number(d) => Some(d),
            _ => None,
        }
    }

    /// The number's value when it fits in a `u32`.
    pub fn int(&self) -> Option<u32> {
        self.digits().filter(|d| d.len() <= 9).and_then(|d| d.parse().ok())
    }

    /// Whether this is the symbol `c`.
    pub fn is_sym(&self, c: char) -> bool {
        self.kind == Kind::Sym(c)
    }

    /// Whether this is a dash of any kind.
    pub fn is_dash(&self) -> bool {
        matches!(self.kind, Kind::Sym('-' | '–' | '—' | '‐' | '‑'))
    }
}

/// Tokenises a message.
pub fn lex(message: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut space = true;
    let mut chars = message.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_ascii_digit() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            tokens.push(Token {
                kind: Kind::Number(message[i..end].to_owned()),
                space_before: space,
                capitalized: false,
                upper: false,
                span: (i, end),
            });
        } else if c.is_alphabetic() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_alphabetic() {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            let raw = &message[i..end];
            let word: String = raw.chars().flat_map(|ch| text::fold_char(ch).chars().collect::<Vec<_>>()).collect();
            let letters = raw.chars().count();
            tokens.push(Token {
                kind: Kind::Word(word.to_lowercase()),
                space_before: space,
                capitalized: c.is_uppercase(),
                upper: letters >= 2 && raw.chars().all(char::is_uppercase),
                span: (i, end),
            });
        } else {
            tokens.push(Token {
                kind: Kind::Sym(c),
                space_before: space,
                capitalized: false,
                upper: false,
                span: (i, i + c.len_utf8()),
            });
        }
        space = false;
    }
    tokens
}

/// Spelled-out numbers up to twenty and the tens, for "five thousand", "two weeks", "ten grand".
pub fn number_word(w: &str) -> Option<u32> {
    Some(match w {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

/// Month number for a month name or its common abbreviation.
pub fn month(w: &str) -> Option<u32> {
    Some(match w {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// The month a token names, refusing "may" and "march" written as ordinary lower-case words unless the
/// neighbours make the month reading clear.
pub fn month_at(tokens: &[Token], i: usize) -> Option<u32> {
    let t = tokens.get(i)?;
    let m = month(t.word()?)?;
    if matches!(t.word(), Some("may" | "march" | "jan" | "mar" | "sep")) && !t.capitalized {
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(i + 1);
        let dated = prev.is_some_and(|p| {
            p.digits().is_some()
                || p.is_any(&[
                    "in",
                    "during",
                    "of",
                    "from",
                    "until",
                    "till",
                    "through",
                    "thru",
                    "to",
                    "since",
                    "early",
                    "late",
                    "mid",
                    "end",
                    "start",
                    "beginning",
                    "by",
                    "and",
                ])
                || p.is_dash()
        }) || next.is_some_and(|n| n.digits().is_some() || n.is_dash());
        // A month on its own at the end of a clause: "25k EUR, feb", "scratch that, march", "EUR 35k jan"
        // (but "we may", "march on").
        let ends_clause = next.is_none_or(|n| n.is_sym(',') || n.is_sym('.') || n.is_sym(';'));
        let opens_clause = prev.is_none_or(|p| p.is_sym(',') || p.is_sym(';'));
        let after_amount = prev.is_some_and(|p| p.is_any(&["k", "m"]) && !p.space_before);
        let alone = ends_clause && (opens_clause || (t.word() != Some("may") && after_amount));
        if !dated && !alone {
            return None;
        }
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_money_dates_and_words() {
        let t = lex("R$ 50.000, São Paulo 4th");
        assert_eq!(t[0].kind, Kind::Word("r".into()));
        assert_eq!(t[1].kind, Kind::Sym('$'));
        assert!(!t[1].space_before);
        assert_eq!(t[2].digits(), Some("50"));
        assert_eq!(t[3].kind, Kind::Sym('.'));
        assert_eq!(t[4].digits(), Some("000"));
        assert_eq!(t[6].word(), Some("sao"));
        assert!(t[6].capitalized);
        assert_eq!(t[8].int(), Some(4));
        assert!(t[9].is("th") && !t[9].space_before);
    }

    #[test]
    fn may_is_a_month_only_in_context() {
        let t = lex("we may run it in may");
        assert_eq!(month_at(&t, 1), None);
        assert_eq!(month_at(&t, 5), Some(5));
        assert_eq!(month_at(&lex("May 4"), 0), Some(5));
        // Alone at the end of a clause: an answer, or after an amount.
        assert_eq!(month_at(&lex("25k EUR, feb"), 4), Some(2));
        assert_eq!(month_at(&lex("scratch that, march"), 3), Some(3));
        assert_eq!(month_at(&lex("EUR 35k jan"), 3), Some(1));
        assert_eq!(month_at(&lex("we will march"), 2), None);
    }
}
