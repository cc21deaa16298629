//! A question as words: lower case, split into words (`@N` entity markers,
//! hyphens and dots kept inside words), and a light stemmer, shared by the translator
//! and the gazetteer (which indexes its phrases the same way).

/// Splits text into lower-case words (keeps `@N` markers, hyphens and dots inside words).
pub fn words(text: &str) -> Vec<String> {
    let text = text.replace("'s ", " ").replace("’s ", " ");
    // A dot between two letters of words of two letters or more stays
    // ("leroy.jenkins"); "i.e." and sentence ends do not.
    let chars: Vec<char> = text.chars().collect();
    let inner_dot = |i: usize| {
        let run = |r: &mut dyn Iterator<Item = &char>| r.take_while(|c| c.is_alphabetic()).count();
        chars[i] == '.'
            && run(&mut chars[..i].iter().rev()) >= 2
            && run(&mut chars[i + 1..].iter()) >= 2
    };
    let kept: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| if inner_dot(i) { '\u{2024}' } else { *c })
        .collect();
    kept.split(|c: char| {
        !(c.is_alphanumeric() || c == '@' || c == '-' || c == '_' || c == '&' || c == '\u{2024}')
    })
    .map(|w| w.trim_matches('-').replace('\u{2024}', ".").to_lowercase())
    .filter(|w| !w.is_empty())
    .collect()
}

/// Words that must not lose a trailing `s`.
const NO_STEM: &[&str] = &[
    "aws", "dns", "rds", "sts", "kms", "ssm", "iam", "this", "was", "is", "its", "has", "does",
    "access", "process", "address", "less", "status", "us", "yes", "bytes", "ips", "logs",
    "events", "alias", "analysis", "ecs", "eks", "sqs", "sns", "https", "ms", "os", "vs",
];

/// A crude English stemmer: enough to merge plurals.
pub fn stem(w: &str) -> String {
    if NO_STEM.contains(&w) || w.len() <= 3 || w.starts_with('@') {
        return w.to_string();
    }
    if let Some(b) = w.strip_suffix("ies")
        && b.len() >= 2
    {
        return format!("{b}y");
    }
    for suf in ["sses", "xes", "ches", "shes"] {
        if w.ends_with(suf) {
            return w[..w.len() - 2].to_string();
        }
    }
    if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}
