//! Translate questions with the built-in translator and print the plan's
//! interpretation and SQL (no data needed): one question per line on stdin;
//! an empty line starts a new conversation.
//!
//! `echo "top 10 users by failed logins this week" | cargo run -p mantissa-core --example translate`
//! (`MANTISSA_NL_CATALOGUE=1` also prints what the API catalogue alone reads.)

use std::io::BufRead;

use mantissa_core::catalog::Catalog;
use mantissa_core::clock::parse_instant;
use mantissa_core::nl::{BuiltinTranslator, Context, Outcome, Translator, Turn};

fn main() {
    let now = std::env::var("MANTISSA_NOW")
        .ok()
        .and_then(|t| parse_instant(&t).ok())
        .unwrap_or_else(chrono::Utc::now);
    let catalog = Catalog::builtin();
    let translator = BuiltinTranslator::default();
    let mut previous: Option<Turn> = None;
    for line in std::io::stdin().lock().lines() {
        let Ok(q) = line else { break };
        if q.trim().is_empty() {
            previous = None;
            continue;
        }
        if std::env::var_os("MANTISSA_NL_CATALOGUE").is_some() {
            // What the API catalogue alone reads in the question's words.
            let words: Vec<String> = q
                .split(|c: char| !c.is_alphanumeric() && c != '-')
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            println!(
                "   catalogue: {:?}",
                mantissa_core::nl::actions::CATALOGUE.find(&words)
            );
        }
        let ctx = Context {
            catalog: &catalog,
            now,
            previous: previous.as_ref(),
        };
        match translator.translate(&q, &ctx) {
            Ok(Outcome::Answer(t)) => {
                println!(
                    "Q: {q}\n   {} [{:.2}]\n   {}",
                    t.interpretation,
                    t.confidence,
                    t.sql()
                );
                previous = Some(Turn {
                    question: q.clone(),
                    plan: t.plan().cloned(),
                    sql: t.sql(),
                });
            }
            Ok(Outcome::Declined {
                reason,
                suggestions,
            }) => {
                println!("Q: {q}\n   DECLINED: {reason}; {suggestions:?}");
            }
            Err(e) => println!("Q: {q}\n   ERROR: {e}"),
        }
    }
}
