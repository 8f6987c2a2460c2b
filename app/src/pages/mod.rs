//! The three pages: the planner (`/`), a shared plan (`/p/<id>`, read-only) and the component gallery
//! (`/gallery`, fixtures only, for designers).

pub mod gallery;
pub mod planner;
pub mod shared;
