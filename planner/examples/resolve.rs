//! Prints what the resolvers make of a conversation, without history or a plan:
//! `cargo run -p planner --example resolve -- 2026-03-02 "first message" "second message"`.

use chrono::NaiveDate;
use planner::performance::InMemory;

fn main() {
    let mut args = std::env::args().skip(1);
    let today = args.next().and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()).unwrap_or_default();
    let messages: Vec<String> = args.collect();
    match futures::executor::block_on(planner::run(today, &messages, &InMemory::default(), &planner::NoClock)) {
        Ok(r) => {
            println!("{}", serde_json::to_string(&r.brief).unwrap_or_default());
            println!("missing {:?} question {:?}", r.missing, r.question);
            for a in &r.assumptions {
                println!("  · {a}");
            }
            for t in r.trace.iter().filter(|t| !t.unparsed.is_empty()) {
                println!("  ? {} {:?}", t.agent, t.unparsed);
            }
        }
        Err(e) => eprintln!("error: {e}"),
    }
}
