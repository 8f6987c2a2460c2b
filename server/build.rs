//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the files of
//! `migrations/sqlite` and `migrations/postgres` at compile time but cannot watch the directories itself.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
