//! `mantissa ask` with an LLM provider configured through the environment,
//! against a local server speaking the provider's wire format.

use std::process::Command;

use mantissa_testkit::llm::{LlmFake, Wire};
use serde_json::Value;

use super::{Run, fixtures, keys, stderr};

const NOW: &str = "2024-03-10T12:00:00Z";
const SQL: &str = "SELECT sourceipaddress, count(*) AS failures FROM cloudtrail WHERE eventname = 'ConsoleLogin' AND errorcode IS NOT NULL GROUP BY sourceipaddress ORDER BY failures DESC";
const QUESTION: &str = "which principals look like they are brute forcing the console";

fn mantissa(r: &Run) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    c.current_dir(r.dir.path())
        .env("COLUMNS", "80")
        // A hermetic AWS chain: nothing from the host's files or metadata.
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .env_remove("MANTISSA_LLM_API_KEY");
    c
}

#[test]
fn ask_with_an_llm_reports_the_provider_and_names_missing_credentials() {
    let r = Run::new();
    r.ok(&["ingest", fixtures().join("handmade").to_str().unwrap()]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // The kit's provider: Bedrock answers first, then the OpenAI-compatible one.
    let llm = rt.block_on(LlmFake::start(vec![
        Wire::Converse.sql(SQL),
        Wire::Chat.sql(SQL),
    ]));
    let url = llm.url.clone();
    let args = [
        "--now",
        NOW,
        "ask",
        "--translator",
        "llm",
        "--format",
        "json",
        QUESTION,
    ];

    // Bedrock, credentials and region from the AWS environment chain.
    let out = mantissa(&r)
        .env("MANTISSA_LLM_PROVIDER", "bedrock")
        .env("MANTISSA_LLM_BASE_URL", &url)
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDCLITEST")
        .env("AWS_SECRET_ACCESS_KEY", "cli-secret-never-shown")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "{stdout}");
    let v: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        keys(&v),
        [
            "bytes_scanned",
            "columns",
            "cost_usd",
            "elapsed_ms",
            "interpretation",
            "question",
            "row_count",
            "rows",
            "session",
            "sql",
            "translator",
            "truncated"
        ]
    );
    assert_eq!(v["translator"], "llm:bedrock");
    assert!(v["sql"].as_str().unwrap().ends_with("LIMIT 10000"), "{v}");
    assert_eq!(v["rows"][0][0], "203.0.113.66", "{v}");
    {
        let log = llm.requests();
        assert_eq!(log.len(), 1);
        let (path, headers, body) = (&log[0].path, &log[0].headers, &log[0].raw);
        assert!(
            path.starts_with("/model/") && path.ends_with("/converse"),
            "{path}"
        );
        let auth = &headers["authorization"];
        assert!(
            auth.contains("Credential=AKIDCLITEST/") && auth.contains("/eu-west-1/bedrock/"),
            "{auth}"
        );
        assert!(body.contains(QUESTION) && !body.contains("203.0.113.66"));
    }

    // OpenAI-compatible, key from MANTISSA_LLM_API_KEY, default `auto` policy:
    // the built-in translator declines this question, so the LLM answers.
    let out = mantissa(&r)
        .env("MANTISSA_LLM_PROVIDER", "openai")
        .env("MANTISSA_LLM_BASE_URL", format!("{url}/v1"))
        .env("MANTISSA_LLM_MODEL", "llama3.1")
        .env("MANTISSA_LLM_API_KEY", "sk-cli-test")
        .args(["--now", NOW, "ask", "--format", "json", QUESTION])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(v["translator"], "llm:openai");
    {
        let log = llm.requests();
        assert_eq!(log.len(), 2);
        let (path, headers, body) = (&log[1].path, &log[1].headers, &log[1].raw);
        assert_eq!(path, "/v1/chat/completions");
        assert_eq!(headers["authorization"], "Bearer sk-cli-test");
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap()["model"],
            "llama3.1"
        );
    }

    // No AWS credentials anywhere: exit 2, saying what to set; no request.
    let out = mantissa(&r)
        .env("MANTISSA_LLM_PROVIDER", "bedrock")
        .env("MANTISSA_LLM_BASE_URL", &url)
        .env("MANTISSA_LLM_REGION", "us-east-1")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no AWS credentials for Bedrock: set AWS_ACCESS_KEY_ID"),
        "{}",
        stderr(&out)
    );
    assert_eq!(llm.requests().len(), 2);

    // Anthropic without a key: exit 2, naming the variable.
    let out = mantissa(&r)
        .env("MANTISSA_LLM_PROVIDER", "anthropic")
        .env_remove("ANTHROPIC_API_KEY")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`ANTHROPIC_API_KEY`"),
        "{}",
        stderr(&out)
    );
}
