//! `mantissa serve`: the chat bot and HTTP API on a local port, over the
//! embedded engine and stores. The bot crate sees the product through
//! [`Backend`]; this is its local implementation.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use mantissa::Service;
use mantissa::bot::SlackIntake;
use mantissa_bot::dispatch::TokioDispatcher;
use mantissa_core::chat::discord::DiscordClient;

use crate::app::App;
use crate::cli::ServeArgs;

pub(crate) fn run(app: &App, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    mantissa_router::install_crypto_provider();
    check_channel_tables(&app.config().permissions, &app.catalog())?;
    let service = Service::new(app.compose.clone(), args.translator.policy())?;
    let router = service.router().cloned();
    let slack_cfg = &app.config().slack;
    let socket_token = if args.socket_mode {
        let Some(app_token) = slack_cfg.app_token.clone() else {
            anyhow::bail!(
                "--socket-mode needs an app-level token: set MANTISSA_SLACK_APP_TOKEN (xapp-…, Slack app → Basic Information → App-Level Tokens, scope connections:write)"
            );
        };
        if slack_cfg.bot_token.is_none() {
            anyhow::bail!(
                "--socket-mode needs the bot token too: set MANTISSA_SLACK_BOT_TOKEN (xoxb-…, Slack app → OAuth & Permissions)"
            );
        }
        Some(app_token)
    } else {
        None
    };
    let discord_cfg = &app.config().discord;
    let gateway = match (discord_cfg.gateway, &discord_cfg.bot_token) {
        (false, _) => None,
        (true, None) => anyhow::bail!(
            "discord.gateway is set but discord.bot_token is not: set MANTISSA_DISCORD_BOT_TOKEN (Developer Portal → Bot → Token)"
        ),
        (true, Some(_)) if !mantissa_bot::discord::gateway::BUILT => {
            anyhow::bail!("{}", mantissa_bot::discord::GatewayError::NotBuilt)
        }
        (true, Some(token)) => Some((
            DiscordClient::new(&discord_cfg.api_url, Some(token.clone()))
                .for_application(discord_cfg.application_id.as_deref().unwrap_or_default()),
            token.clone(),
        )),
    };
    // Answers (queries, rule tests) run on their own runtime so a burst of
    // questions never delays the acks Slack waits for.
    let work = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("mantissa-work")
        .enable_all()
        .build()
        .context("cannot start the worker runtime")?;
    let mut state = mantissa::bot::state(
        &app.compose,
        Arc::new(service),
        Arc::new(TokioDispatcher::new(Some(work.handle().clone()), 2)),
        if socket_token.is_some() {
            SlackIntake::SocketMode
        } else {
            SlackIntake::Http
        },
    )?;
    state.discord_bot = gateway.as_ref().map(|(api, _)| api.clone());
    let state = Arc::new(state);
    let rt = app.runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (give --listen HOST:PORT, e.g. 127.0.0.1:3000)",
                    args.listen
                )
            })?;
        let addr = listener.local_addr()?;
        if !app.quiet {
            eprintln!("listening on http://{addr}");
            eprintln!(
                "  Slack: {}   Discord: {}   API: {}   alert routing: {}",
                if socket_token.is_some() {
                    "Socket Mode"
                } else if state.slack.is_some() {
                    "POST /slack/events"
                } else {
                    "off (no signing secret / bot token)"
                },
                match (state.discord.is_some(), app.config().discord.gateway) {
                    (true, true) => "POST /discord/interactions + gateway",
                    (true, false) => "POST /discord/interactions",
                    (false, true) => "gateway",
                    (false, false) => "off (no public key / application id)",
                },
                if state.api_tokens.is_empty() && state.jwt.is_none() {
                    "off (no [api] tokens)"
                } else {
                    "/api/*"
                },
                if router.is_some() {
                    "on"
                } else {
                    "off (no [router] destinations)"
                },
            );
        }
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let gateway_failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Some((api, token)) = gateway {
            let state = state.clone();
            let stop = stop_tx.clone();
            let failed = gateway_failed.clone();
            tokio::spawn(async move {
                if let Err(e) = mantissa_bot::discord::gateway::run(state, api, token).await {
                    eprintln!("error: {e}");
                    failed.store(true, std::sync::atomic::Ordering::SeqCst);
                    let _ = stop.send(true);
                }
            });
        }
        let worker = router.map(|r| {
            let mut stop = stop_rx.clone();
            tokio::spawn(async move {
                r.run(async move {
                    let _ = stop.changed().await;
                })
                .await;
            })
        });
        let socket = match (socket_token, state.slack.clone()) {
            (Some(token), Some(slack)) => {
                let mut stop = stop_rx.clone();
                let state = state.clone();
                Some(tokio::spawn(async move {
                    mantissa_bot::slack::socket::run(state, slack, token, async move {
                        let _ = stop.changed().await;
                    })
                    .await
                }))
            }
            _ => None,
        };
        let socket_failed = {
            let stop_tx = stop_tx.clone();
            async move {
                match socket {
                    Some(task) => match task.await {
                        Ok(Err(e)) => {
                            let _ = stop_tx.send(true);
                            Some(e)
                        }
                        _ => None,
                    },
                    None => None,
                }
            }
        };
        let socket_failed = tokio::spawn(socket_failed);
        axum::serve(listener, mantissa_bot::app(state))
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = stop_rx.changed() => {}
                }
            })
            .await
            .context("the HTTP server failed")?;
        let _ = stop_tx.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        if let Ok(Some(e)) = socket_failed.await {
            return Err(anyhow::Error::new(e));
        }
        if gateway_failed.load(std::sync::atomic::Ordering::SeqCst) {
            return anyhow::Ok(ExitCode::from(1));
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// `[permissions.channel_tables]` must name catalogued tables: a typo would
/// otherwise silently lock a channel out.
fn check_channel_tables(
    permissions: &mantissa_core::config::PermissionsConfig,
    catalog: &mantissa_core::catalog::Catalog,
) -> anyhow::Result<()> {
    for (channel, tables) in &permissions.channel_tables {
        for t in tables {
            if catalog.get(&t.to_ascii_lowercase()).is_none() {
                anyhow::bail!(
                    "permissions.channel_tables.{channel}: `{t}` is not a log table; known tables: {}",
                    catalog.names()
                );
            }
        }
    }
    Ok(())
}
