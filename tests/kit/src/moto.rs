//! Local AWS: a `moto` server (PyPI `moto[server]`, pinned) on loopback,
//! speaking the real AWS wire protocols (DynamoDB's JSON 1.0, S3's REST,
//! Secrets Manager, Glue, SES v2, …) on one port.
//!
//! The first test that needs it installs moto into a virtual environment
//! under the target directory (`<target>/tools/moto-<version>`, shared by
//! every test and every later run; a file lock makes concurrent first uses
//! wait for one install). Tests that need AWS never skip: without Python or
//! the package registry they fail, saying what is missing.
//!
//! Each [`Moto`] is its own server process with its own state, stopped when
//! dropped; the server also exits when the test process does (a watchdog
//! on its parent), so a crashed test leaves nothing running.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto release the tests are written against.
pub const MOTO_VERSION: &str = "5.2.5";

/// Static test credentials: the SDK signs with them, moto accepts any.
pub const AWS_ACCESS_KEY_ID: &str = "AKIDMANTISSAMOTO";
/// See [`AWS_ACCESS_KEY_ID`].
pub const AWS_SECRET_ACCESS_KEY: &str = "moto-secret-never-log-me";
/// The region every test uses.
pub const AWS_REGION: &str = "eu-west-1";

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:<port>`: the endpoint for every AWS client.
    pub url: String,
    child: Child,
}

impl Moto {
    /// Installs moto if needed, starts a server and waits until it answers.
    pub fn start() -> Moto {
        let python = venv();
        let port = free_port();
        // The watchdog ends the server when the test process goes away.
        let script = format!(
            "import os, sys, threading, time\n\
             parent = os.getppid()\n\
             def watch():\n\
             \x20   while os.getppid() == parent:\n\
             \x20       time.sleep(0.5)\n\
             \x20   os._exit(0)\n\
             threading.Thread(target=watch, daemon=True).start()\n\
             import moto.server as ms\n\
             serve = ms.run_simple\n\
             def serialised(host, port, app, **kw):\n\
             \x20   lock = threading.Lock()\n\
             \x20   def one_at_a_time(environ, start_response):\n\
             \x20       with lock:\n\
             \x20           return list(app(environ, start_response))\n\
             \x20   return serve(host, port, one_at_a_time, **kw)\n\
             ms.run_simple = serialised\n\
             ms.main(['-H', '127.0.0.1', '-p', '{port}'])\n"
        );
        let child = Command::new(python)
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the moto server");
        let url = format!("http://127.0.0.1:{port}");
        let moto = Moto { url, child };
        moto.wait_until_up();
        moto
    }

    fn wait_until_up(&self) {
        let start = Instant::now();
        let probe = format!("127.0.0.1:{}", self.url.rsplit(':').next().unwrap());
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(&probe) {
                // Any HTTP answer means the app is serving.
                let _ = s.write_all(b"GET /moto-api/ HTTP/1.0\r\n\r\n");
                let mut buf = [0u8; 12];
                if std::io::Read::read(&mut s, &mut buf).is_ok_and(|n| n > 0) {
                    return;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the moto server did not start within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// An AWS SDK configuration for this server: its endpoint, region and
    /// static test credentials (never the instance-metadata chain).
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(aws_config::Region::new(AWS_REGION))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new(
                        AWS_ACCESS_KEY_ID,
                        AWS_SECRET_ACCESS_KEY,
                        None,
                        None,
                        "moto",
                    ),
                ),
            )
            .build()
    }

    /// The environment an AWS SDK client (or the `mantissa` binary) needs to
    /// talk to this server and nothing else: endpoint, region, static
    /// credentials, no profile files, no instance metadata.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_REGION", AWS_REGION.into()),
            ("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", AWS_SECRET_ACCESS_KEY.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", "/nonexistent/aws-config".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/aws-credentials".into(),
            ),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The virtual environment's python, installing moto on first use.
fn venv() -> PathBuf {
    crate::tools::python_tool(
        &format!("moto-{MOTO_VERSION}"),
        &[&format!("moto[server]=={MOTO_VERSION}")],
    )
    .join("python")
}
