//! A tiny SMTP server that records what it receives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A received mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub auth: Option<String>,
    pub data: String,
}

/// A tiny SMTP server: 220 greeting, EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT,
/// DATA, RSET, NOOP, QUIT. `fail_next` makes the next MAIL FROM answer with
/// the given reply (e.g. `451 try later`, `550 no such user`).
#[derive(Clone)]
pub struct SmtpFake {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    pub fail_next: Arc<Mutex<VecDeque<String>>>,
}

impl SmtpFake {
    pub async fn start() -> SmtpFake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let fake = SmtpFake {
            port,
            mails: Arc::default(),
            fail_next: Arc::default(),
        };
        let f = fake.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let f = f.clone();
                tokio::spawn(async move {
                    let _ = f.session(sock).await;
                });
            }
        });
        fake
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 fake.smtp ESMTP ready\r\n").await?;
        let (mut from, mut to, mut auth) = (String::new(), Vec::new(), None);
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                w.write_all(
                    b"250-fake.smtp\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                )
                .await?;
            } else if upper.starts_with("AUTH PLAIN") {
                auth = Some(cmd[10..].trim().to_string());
                w.write_all(b"235 2.7.0 Authentication successful\r\n")
                    .await?;
            } else if upper.starts_with("MAIL FROM") {
                let fail = self.fail_next.lock().unwrap().pop_front();
                if let Some(reply) = fail {
                    w.write_all(format!("{reply}\r\n").as_bytes()).await?;
                    continue;
                }
                from = cmd[10..].trim().to_string();
                w.write_all(b"250 2.1.0 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO") {
                to.push(cmd[8..].trim().to_string());
                w.write_all(b"250 2.1.5 OK\r\n").await?;
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                }
                self.mails.lock().unwrap().push(Mail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    auth: auth.clone(),
                    data,
                });
                w.write_all(b"250 2.0.0 OK queued\r\n").await?;
            } else if upper == "RSET" || upper == "NOOP" {
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "QUIT" {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                w.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }
}
