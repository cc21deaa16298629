//! The curated question → SQL library (`examples.json`, Athena dialect,
//! checked against the guard and run on the engine in the tests) and the
//! retrieval of the few most relevant pairs for a question: token overlap
//! weighted by rarity (IDF), so "S3 bucket deletions" finds the S3
//! example rather than every example that says "show".

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

/// One example pair.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Example {
    /// The question.
    pub question: String,
    /// Its SQL, written for this catalog.
    pub sql: String,
}

static LIBRARY: LazyLock<Vec<Example>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("examples.json"))
        .expect("examples.json is valid (checked by the tests)")
});

/// Every example in the library.
pub fn library() -> &'static [Example] {
    &LIBRARY
}

const STOP: &[&str] = &[
    "a", "an", "the", "me", "show", "list", "all", "of", "in", "on", "for", "by", "to", "from",
    "and", "or", "what", "which", "who", "is", "are", "was", "were", "did", "do", "with", "any",
    "give", "find", "get", "i", "we", "there", "that", "this", "last", "past",
];

fn tokens(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_ascii_lowercase();
            // Crude stemming: "deletions" ~ "deletion", "logins" ~ "login".
            match w.strip_suffix('s') {
                Some(s) if s.len() > 3 && !s.ends_with('s') => s.to_string(),
                _ => w,
            }
        })
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

/// The `k` examples most relevant to `question`, best first; ties keep
/// library order. Examples sharing no word with the question are skipped.
pub fn relevant(question: &str, k: usize) -> Vec<&'static Example> {
    let lib = library();
    let docs: Vec<HashSet<String>> = lib.iter().map(|e| tokens(&e.question)).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for d in &docs {
        for t in d {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    let q = tokens(question);
    let n = lib.len() as f64;
    let mut scored: Vec<(f64, usize)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let s: f64 = q
                .iter()
                .filter(|t| d.contains(*t))
                .map(|t| (n / df[t.as_str()] as f64).ln() + 1.0)
                .sum();
            (s, i)
        })
        .filter(|(s, _)| *s > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(k).map(|(_, i)| &lib[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_is_large_and_unique() {
        assert!(library().len() >= 30, "{}", library().len());
        let qs: HashSet<&str> = library().iter().map(|e| e.question.as_str()).collect();
        assert_eq!(qs.len(), library().len());
    }

    #[test]
    fn retrieval_prefers_rare_shared_words() {
        let got = relevant("any S3 bucket deletions yesterday?", 2);
        assert_eq!(
            got[0].question,
            "List all S3 bucket deletions from the past month"
        );
        let got = relevant("rejected ssh connections", 1);
        assert!(got[0].sql.contains("dstport = 22"), "{got:?}");
        let got = relevant("guardduty high severity", 3);
        assert!(got[0].sql.contains("severity >= 7"), "{got:?}");
        assert!(relevant("zzz qqq", 3).is_empty());
    }
}
