use super::*;

fn guard() -> SqlGuard {
    SqlGuard::new(&Catalog::builtin(), 1000)
}

#[test]
fn adds_and_lowers_limits() {
    let g = guard();
    let s = g.check("SELECT eventname FROM cloudtrail").unwrap();
    assert_eq!(s.sql(), "SELECT eventname FROM cloudtrail LIMIT 1000");
    assert!(s.limit_enforced());
    let s = g.check("SELECT eventname FROM cloudtrail LIMIT 5").unwrap();
    assert_eq!(s.row_limit(), 5);
    assert!(!s.limit_enforced());
    let s = g
        .check("SELECT eventname FROM cloudtrail LIMIT 100000000")
        .unwrap();
    assert_eq!(s.sql(), "SELECT eventname FROM cloudtrail LIMIT 1000");
    assert_eq!(s.tables(), ["cloudtrail"]);
}

#[test]
fn specific_messages() {
    let g = guard();
    let e = g.check("SELECT * FROM users").unwrap_err().to_string();
    assert_eq!(
        e,
        "table `users` is not a log table; known tables: cloudtrail, vpc_flow, guardduty"
    );
    let e = g
        .check("SELECT lowr(eventname) FROM cloudtrail")
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean `lower`"), "{e}");
    let e = g.check("DROP TABLE cloudtrail").unwrap_err().to_string();
    assert_eq!(e, "only SELECT queries are allowed; found DROP TABLE");
}

#[test]
fn cte_scoping() {
    let g = guard();
    assert!(
        g.check("WITH a AS (SELECT 1 AS x), b AS (SELECT * FROM a) SELECT * FROM b")
            .is_ok()
    );
    assert!(
        g.check("WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a")
            .is_err()
    );
    assert!(
        g.check("SELECT * FROM (WITH a AS (SELECT 1 AS x) SELECT * FROM a) t JOIN a ON true")
            .is_err()
    );
}

#[test]
fn struct_fields_are_named_like_trino() {
    let g = guard();
    let s = g
        .check("SELECT useridentity.arn, eventname FROM cloudtrail")
        .unwrap();
    assert_eq!(
        s.sql(),
        "SELECT useridentity.arn AS \"arn\", eventname FROM cloudtrail LIMIT 1000"
    );
    // Not when the name would clash with another output column.
    let s = g.check("SELECT a.eventid, b.eventid FROM cloudtrail a JOIN cloudtrail b ON a.eventid = b.eventid").unwrap();
    assert!(!s.sql().contains(" AS "), "{}", s.sql());
}

#[test]
fn a_restricted_guard_refuses_other_tables_anywhere_in_the_tree() {
    let g = guard().restricted_to(&["CloudTrail".into(), "no_such_table".into()]);
    assert_eq!(g.permitted_tables(), ["cloudtrail"]);
    assert!(g.check("SELECT eventname FROM cloudtrail").is_ok());
    assert!(
        g.check("WITH c AS (SELECT * FROM cloudtrail) SELECT count(*) FROM c")
            .is_ok()
    );
    for sql in [
        "SELECT * FROM vpc_flow",
        "SELECT eventname FROM cloudtrail UNION ALL SELECT type FROM guardduty",
        "SELECT * FROM cloudtrail WHERE sourceipaddress IN (SELECT srcaddr FROM vpc_flow)",
        "WITH v AS (SELECT * FROM vpc_flow) SELECT * FROM v",
        "SELECT * FROM cloudtrail c JOIN guardduty g ON c.recipientaccountid = g.accountid",
    ] {
        let e = g.check(sql).unwrap_err();
        assert!(
            matches!(&e, GuardError::NotPermitted { allowed, .. } if allowed == "cloudtrail"),
            "{sql}: {e}"
        );
    }
    assert_eq!(
        g.check("SELECT * FROM vpc_flow").unwrap_err().to_string(),
        "table `vpc_flow` may not be queried from here; allowed here: cloudtrail"
    );
    // Unknown tables keep their own message; an empty restriction allows nothing.
    assert!(matches!(
        g.check("SELECT * FROM users").unwrap_err(),
        GuardError::UnknownTable { .. }
    ));
    let none = guard().restricted_to(&[]);
    assert_eq!(
        none.check("SELECT 1 FROM cloudtrail")
            .unwrap_err()
            .to_string(),
        "table `cloudtrail` may not be queried from here; allowed here: no tables"
    );
    // The unrestricted guard is unchanged.
    assert!(guard().check("SELECT * FROM vpc_flow").is_ok());
}
