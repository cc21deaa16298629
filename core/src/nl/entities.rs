//! Entity extraction: the literal values in a question (addresses, ARNs,
//! account and key ids, regions, ports, quoted strings, API action names,
//! finding types, e-mail style user names). They are cut out of the text
//! before words are matched, so a value is never mistaken for a word.

use std::sync::LazyLock;

use regex::Regex;

/// What kind of value an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text in quotes.
    Quoted,
    /// An AWS ARN.
    Arn,
    /// An IPv4 or IPv6 address.
    Ip,
    /// An IPv4 CIDR block.
    Cidr,
    /// A 12-digit account id.
    Account,
    /// An access key id (AKIA…/ASIA…).
    AccessKey,
    /// A region such as us-east-1.
    Region,
    /// A port number ("port 22").
    Port,
    /// An EC2 instance id.
    Instance,
    /// A network interface id.
    Interface,
    /// A GuardDuty finding type (Recon:EC2/PortProbeUnprotectedPort).
    FindingType,
    /// An API action name in CamelCase (DeleteBucket).
    EventName,
    /// An e-mail style principal name.
    Email,
    /// Another CamelCase or dotted value (an error code such as `NoSuchKey`).
    /// An EC2 instance type ("p2.xlarge"): text of the request.
    InstanceType,
    Word,
}

/// One value found in the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Its kind.
    pub kind: Kind,
    /// The value, as written (quotes removed).
    pub value: String,
}

/// A question with its entities cut out: each becomes the word `@N`
/// (N indexes [`Extracted::entities`]); the rest is lower-cased.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The masked, lower-cased text.
    pub text: String,
    /// The entities in order of appearance.
    pub entities: Vec<Entity>,
}

/// CamelCase words that name products, not API actions.
const ACTION_PREFIXES: &[&str] = &[
    "Get",
    "List",
    "Describe",
    "Create",
    "Delete",
    "Put",
    "Update",
    "Attach",
    "Detach",
    "Stop",
    "Start",
    "Console",
    "Assume",
    "Authorize",
    "Revoke",
    "Run",
    "Terminate",
    "Modify",
    "Disable",
    "Enable",
    "Schedule",
    "Generate",
    "Decrypt",
    "Encrypt",
    "Invoke",
    "Lookup",
    "Filter",
    "Execute",
    "Change",
    "Rotate",
    "Set",
    "Remove",
    "Add",
    "Tag",
    "Untag",
    "Upload",
    "Copy",
    "Restore",
    "Reboot",
    "Deactivate",
    "Resync",
    "Import",
    "Export",
    "Reset",
    "Cancel",
    "Send",
    "Replace",
    "Associate",
    "Disassociate",
    "Upsert",
    "Batch",
    "Search",
    "Head",
    "Publish",
    "Subscribe",
    "Switch",
    "Check",
    "Confirm",
    "Accept",
    "Reject",
    "Register",
    "Deregister",
];

/// CamelCase product names that are words, not values.
const PRODUCTS: &[&str] = &[
    "cloudtrail",
    "guardduty",
    "cloudwatch",
    "cloudformation",
    "secretsmanager",
    "iam",
    "vpcflow",
    "amazons3",
    "awsservice",
    "rootuser",
    "consolelogin",
];

struct Patterns {
    quoted: Regex,
    arn: Regex,
    cidr: Regex,
    ipv4: Regex,
    ipv6: Regex,
    access_key: Regex,
    account: Regex,
    region: Regex,
    port: Regex,
    instance: Regex,
    interface: Regex,
    finding: Regex,
    camel: Regex,
    email: Regex,
    instance_type: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("entity pattern");
    Patterns {
        // (single quotes only around words: "the caller's account isn't"
        // holds apostrophes, not a quoted value)
        quoted: re(
            r#""([^"]+)"|(?:^|[\s(\[{,:;=])'([^']+)'(?:$|[\s)\]},.:;?!])|`([^`]+)`|“([^”]+)”"#,
        ),
        // (a question mark or full stop after the ARN ends the sentence)
        arn: re(r"\barn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:\d{0,12}:[^\s'`,;]*[^\s'`,;?.!)]"),
        cidr: re(r"\b(\d{1,3}(?:\.\d{1,3}){3})/(\d{1,2})\b"),
        ipv4: re(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),
        ipv6: re(
            r"(?i)(?:^|[\s(])((?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})|(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})?)(?:$|[\s),?])",
        ),
        // (16 characters after the prefix; documentation examples are shorter)
        access_key: re(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,16}\b"),
        account: re(r"\b\d{12}\b"),
        region: re(
            r"(?i)\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[bef]?)?-(?:east|west|north|south|central)+-\d[a-z]?\b",
        ),
        port: re(r"(?i)\b(?:(?:destination|dest|dst|source|src) )?ports? (\d{1,5})\b"),
        instance: re(r"(?i)\bi-[0-9a-f]{8,17}\b"),
        interface: re(r"\beni-[0-9a-f]{8,17}\b"),
        finding: re(r"\b[A-Z][A-Za-z]+:[A-Za-z0-9]+/[A-Za-z0-9.!&-]+[A-Za-z0-9!]"),
        // ("Client.UnauthorizedOperation": EC2's dotted error codes)
        camel: re(r"\b(?:(?:Client|Server)\.)?[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b"),
        email: re(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
        // EC2 instance types ("p2.xlarge", "t3.micro"): text of the request.
        instance_type: re(
            r"(?i)\b[a-z]{1,3}\d[a-z\-]{0,4}\.(?:nano|micro|small|medium|large|\d*xlarge|metal)\b",
        ),
    }
});

/// Finds the entities of `question` and masks them.
pub fn extract(question: &str) -> Extracted {
    let p = &*PATTERNS;
    let mut text = question.to_string();
    let mut entities = Vec::new();
    // Order matters: a quoted ARN is a quoted string, an IP inside a CIDR is the CIDR.
    let mut take = |re: &Regex, kind: Kind, group: Option<usize>, text: &mut String| {
        while let Some(c) = re.captures(text) {
            let whole = c.get(0).expect("match");
            let inner = match group {
                Some(g) => c.get(g),
                None => (1..c.len()).find_map(|i| c.get(i)).or(Some(whole)),
            }
            .expect("group");
            let mut value = inner.as_str().to_string();
            if kind == Kind::Ip && value.contains('.') && !valid_ipv4(&value) {
                // Not an address (e.g. a version number): leave it, stop.
                break;
            }
            if kind == Kind::Ip
                && !value.contains('.')
                && !(value.contains("::") || value.chars().any(|c| c.is_ascii_alphabetic()))
            {
                // A clock time (15:30:00), not an IPv6 address.
                break;
            }
            if kind == Kind::EventName
                && !ACTION_PREFIXES.iter().any(|p| value.starts_with(p))
                && super::actions::CATALOGUE.operation(&value).is_none()
            {
                // Product names (CloudTrail, GuardDuty, DynamoDB) stay words; other
                // CamelCase values (NoSuchKey, AccessDenied) are values.
                let lower = value.to_lowercase();
                if PRODUCTS.contains(&lower.as_str())
                    || super::actions::CATALOGUE.is_service_name(&lower)
                {
                    text.replace_range(whole.range(), &lower);
                    continue;
                }
                let marker = format!(" @{} ", entities.len());
                entities.push(Entity {
                    kind: Kind::Word,
                    value,
                });
                text.replace_range(whole.range(), &marker);
                continue;
            }
            if kind == Kind::Cidr {
                value = whole.as_str().to_string();
            }
            let (start, end) = if kind == Kind::Ip && !value.contains('.') {
                (inner.start(), inner.end())
            } else if kind == Kind::Port || kind == Kind::Quoted {
                (whole.start(), whole.end())
            } else {
                (inner.start(), inner.end())
            };
            let marker = format!(" @{} ", entities.len());
            let keep_prefix = if kind == Kind::Port {
                // Keep "source"/"destination" words for the port's side.
                let w = whole.as_str().to_lowercase();
                if w.starts_with("source") || w.starts_with("src") {
                    "source "
                } else if w.starts_with("dest") || w.starts_with("dst") {
                    "destination "
                } else {
                    ""
                }
            } else {
                ""
            };
            entities.push(Entity { kind, value });
            text.replace_range(start..end, &format!("{keep_prefix}{marker}"));
        }
    };
    take(&p.quoted, Kind::Quoted, None, &mut text);
    take(&p.instance_type, Kind::InstanceType, Some(0), &mut text);
    take(&p.arn, Kind::Arn, Some(0), &mut text);
    take(&p.cidr, Kind::Cidr, Some(0), &mut text);
    take(&p.ipv4, Kind::Ip, Some(0), &mut text);
    take(&p.ipv6, Kind::Ip, Some(1), &mut text);
    take(&p.access_key, Kind::AccessKey, Some(0), &mut text);
    take(&p.account, Kind::Account, Some(0), &mut text);
    take(&p.region, Kind::Region, Some(0), &mut text);
    take(&p.port, Kind::Port, Some(1), &mut text);
    take(&p.instance, Kind::Instance, Some(0), &mut text);
    take(&p.interface, Kind::Interface, Some(0), &mut text);
    take(&p.finding, Kind::FindingType, Some(0), &mut text);
    take(&p.email, Kind::Email, Some(0), &mut text);
    take(&p.camel, Kind::EventName, Some(0), &mut text);
    for e in &mut entities {
        if e.kind == Kind::Region {
            e.value = e.value.to_lowercase();
        }
    }
    Extracted {
        text: text.to_lowercase(),
        entities,
    }
}

fn valid_ipv4(s: &str) -> bool {
    s.split('.').all(|o| o.parse::<u8>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(q: &str) -> Vec<(Kind, String)> {
        extract(q)
            .entities
            .into_iter()
            .map(|e| (e.kind, e.value))
            .collect()
    }

    #[test]
    fn finds_values() {
        assert_eq!(
            kinds("traffic from 10.0.0.0/16 to 203.0.113.45 on port 22"),
            vec![
                (Kind::Cidr, "10.0.0.0/16".into()),
                (Kind::Ip, "203.0.113.45".into()),
                (Kind::Port, "22".into()),
            ]
        );
        assert_eq!(
            kinds("calls by arn:aws:iam::123456789012:user/alice in account 123456789012?"),
            vec![
                (Kind::Arn, "arn:aws:iam::123456789012:user/alice".into()),
                (Kind::Account, "123456789012".into()),
            ]
        );
        assert_eq!(
            kinds("sessions of the role arn:aws:iam::123456789012:role/tester?"),
            vec![(Kind::Arn, "arn:aws:iam::123456789012:role/tester".into())]
        );
        assert_eq!(
            kinds("what was access key AKIAEXAMPLEKEY00001 used for"),
            vec![(Kind::AccessKey, "AKIAEXAMPLEKEY00001".into())]
        );
        assert_eq!(
            kinds("key AKIAIOSFODNN7EXAMPLE in US-EAST-1 did DeleteBucket"),
            vec![
                (Kind::AccessKey, "AKIAIOSFODNN7EXAMPLE".into()),
                (Kind::Region, "us-east-1".into()),
                (Kind::EventName, "DeleteBucket".into()),
            ]
        );
        assert_eq!(
            kinds("from 2001:db8::1 for user 'bob smith'"),
            vec![
                (Kind::Quoted, "bob smith".into()),
                (Kind::Ip, "2001:db8::1".into()),
            ]
        );
        assert_eq!(
            kinds("Recon:EC2/PortProbeUnprotectedPort findings"),
            vec![(
                Kind::FindingType,
                "Recon:EC2/PortProbeUnprotectedPort".into()
            )]
        );
    }

    #[test]
    fn product_names_and_times_are_not_entities() {
        let e = extract("CloudTrail events at 15:30:00 in GuardDuty");
        assert!(e.entities.is_empty(), "{:?}", e.entities);
        assert!(e.text.contains("cloudtrail"));
        assert!(kinds("version 1.2.3.400").is_empty());
    }
}
