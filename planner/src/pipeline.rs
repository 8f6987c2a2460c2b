//! The whole pipeline for one conversation.

use crate::types::PlanResponse;

/// Messages longer than this are refused.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The caller's clock, for trace durations only.
pub trait Clock {
    /// Microseconds since an arbitrary origin.
    fn now_us(&self) -> u64;
}

/// A clock that always reads zero (tests, byte-identical comparisons).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoClock;

impl Clock for NoClock {
    fn now_us(&self) -> u64 {
        0
    }
}

/// Why a conversation could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A message is over [`MAX_MESSAGE_CHARS`].
    #[error("message {index} is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}")]
    MessageTooLong {
        /// 1-based message number.
        index: usize,
        /// Its length.
        chars: usize,
    },
    /// No message at all.
    #[error("a conversation needs at least one message")]
    Empty,
    /// History could not be read.
    #[error(transparent)]
    Source(#[from] crate::performance::SourceError),
}

/// Placeholder.
pub async fn run() -> Option<PlanResponse> {
    None
}
