//! The page's building blocks. Each takes plain data (or a signal where it must survive re-planning, like the
//! slider being dragged), so the gallery can render every one of them from fixtures.
//!
//! Start with [`chat`] (the conversation) and [`plan`] (the plan panel that composes the rest).

pub mod chart;
pub mod chat;
pub mod chips;
pub mod export;
pub mod plan;
pub mod slider;
pub mod table;
pub mod trace;
