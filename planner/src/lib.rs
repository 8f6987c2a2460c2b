//! Mixtape's decision layer: from a conversation to a media plan, with no I/O of its own.
//!
//! Where to start reading:
//! - [`run`] is the whole pipeline for one conversation: router → resolvers (concurrently) → conversation
//!   merge → media planner. The CLI, the server and the browser all call it.
//! - [`types`] holds the wire types (SPEC §1 and §3); [`performance`] the history the planner reads.
//! - [`agents`] holds the router and the four resolvers; [`conversation`] the multi-turn rules;
//!   [`plan`] the media planner (candidates, response curves, allocation, forecasts).
//! - [`taxonomy`] holds the reference data: ad categories, markets, cities, slugs, reference FX rates.
//!
//! The crate builds for `wasm32-unknown-unknown` and natively and answers byte for byte the same on both:
//! transcendental maths goes through `libm`, nothing depends on hash order, and the only clock is the one
//! the caller passes in (for trace durations, which are excluded from comparisons).

pub mod agents;
pub mod conversation;
pub mod llm;
pub mod performance;
pub mod plan;
pub mod taxonomy;
pub mod text;
pub mod types;

mod pipeline;

pub use pipeline::{
    Answer, Assist, Clock, MAX_MESSAGE_CHARS, NoClock, PlanError, answer, check_messages, run, run_assisted, run_with,
};
