//! The router: decides which resolvers a message needs, so that later a language model is only asked about
//! what the message talks about or what is still missing.

use super::{Message, audience, budget, goal, schedule};

/// What the conversation already holds before this message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// An objective was stated (not just defaulted).
    pub objective: bool,
    /// A usable budget.
    pub budget: bool,
    /// A complete schedule.
    pub schedule: bool,
    /// At least one country.
    pub countries: bool,
}

/// Which resolvers run for a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// Goal resolver.
    pub goal: bool,
    /// Audience resolver.
    pub audience: bool,
    /// Budget resolver.
    pub budget: bool,
    /// Schedule resolver.
    pub schedule: bool,
}

impl Route {
    /// A few words for the trace.
    pub fn describe(&self) -> String {
        let names: Vec<&str> =
            [(self.goal, "goal"), (self.audience, "audience"), (self.budget, "budget"), (self.schedule, "schedule")]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, n)| *n)
                .collect();
        if names.is_empty() { "no resolver needed".to_owned() } else { format!("runs {}", names.join(", ")) }
    }
}

/// Runs a resolver when the message talks about its slots or when its required slot is still missing.
pub fn route(known: Known, message: &Message<'_>) -> Route {
    Route {
        goal: !known.objective || goal::mentions(message),
        audience: !known.countries || audience::mentions(message),
        budget: !known.budget || budget::mentions(message),
        schedule: !known.schedule || schedule::mentions(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn skips_resolvers_a_follow_up_does_not_need() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let all = Known { objective: true, budget: true, schedule: true, countries: true };
        let r = route(all, &Message::new("women only", today));
        assert_eq!(r, Route { goal: false, audience: true, budget: false, schedule: false });
        let r = route(all, &Message::new("and bump the budget to 35k", today));
        assert_eq!(r, Route { goal: false, audience: false, budget: true, schedule: false });
        let r = route(Known::default(), &Message::new("hello", today));
        assert_eq!(r, Route { goal: true, audience: true, budget: true, schedule: true });
    }
}
