//! The in-process cache of history answers: a repeated plan (a slider move, a re-plan, the same brief from
//! another user) is answered from memory without touching the database.
//!
//! Entries are dropped when this process writes history (a seed or an import commits), when someone asks
//! ([`Store::refresh_cache`](super::Store::refresh_cache), `POST /api/cache/refresh`), and when they are older
//! than the cache's maximum age: another replica may have imported history meanwhile, and nothing tells
//! this one (see `docs/scaling.md`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use planner::performance::{PerformanceAnswer, PerformanceQuery};

/// Distinct queries kept; past that the cache starts over (one plan's query is a few hundred kilobytes).
const MAX_ENTRIES: usize = 256;

/// How long an answer is served before the database is asked again, unless configured otherwise.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// Answers by query, each with the moment it was read.
#[derive(Debug)]
pub(super) struct Cache {
    max_age: Duration,
    entries: Mutex<HashMap<PerformanceQuery, (Instant, Arc<PerformanceAnswer>)>>,
}

impl Cache {
    pub(super) fn new(max_age: Duration) -> Cache {
        Cache { max_age, entries: Mutex::new(HashMap::new()) }
    }

    /// A fresh enough answer to the query, if one is held.
    pub(super) fn get(&self, query: &PerformanceQuery) -> Option<Arc<PerformanceAnswer>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(query).filter(|(read, _)| read.elapsed() < self.max_age).map(|(_, answer)| Arc::clone(answer))
    }

    pub(super) fn put(&self, query: PerformanceQuery, answer: Arc<PerformanceAnswer>) {
        if self.max_age.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&query) {
            entries.clear();
        }
        entries.insert(query, (Instant::now(), answer));
    }

    /// Forgets every answer; returns how many there were.
    pub(super) fn clear(&self) -> usize {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let held = entries.len();
        entries.clear();
        held
    }
}
