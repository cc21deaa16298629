//! `mantissa discord register-commands`: puts the `/mantissa` command
//! definitions (`manifests/discord-commands.json`, embedded in the binary)
//! to Discord, globally or in one guild.

use std::process::ExitCode;

use anyhow::Context as _;
use mantissa_bot::discord::COMMANDS_JSON;
use mantissa_core::chat::discord::DiscordClient;
use serde_json::Value;

use crate::app::App;
use crate::cli::{DiscordArgs, DiscordCommand};

pub(crate) fn run(app: &App, args: &DiscordArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        DiscordCommand::RegisterCommands { guild } => register(app, guild.as_deref()),
    }
}

fn register(app: &App, guild: Option<&str>) -> anyhow::Result<ExitCode> {
    mantissa_router::install_crypto_provider();
    let cfg = &app.config().discord;
    let Some(token) = cfg.bot_token.clone() else {
        anyhow::bail!(
            "discord.bot_token is not set: set MANTISSA_DISCORD_BOT_TOKEN (Developer Portal → Bot → Token)"
        );
    };
    let Some(application_id) = cfg.application_id.as_deref() else {
        anyhow::bail!(
            "discord.application_id is not set: set MANTISSA_DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID)"
        );
    };
    if let Some(g) = guild
        && (g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        anyhow::bail!("--guild `{g}` must be a numeric guild (server) id");
    }
    let commands: Value = serde_json::from_str(COMMANDS_JSON)
        .context("the built-in command definitions are not JSON; this is a bug in Mantissa Log")?;
    let api = DiscordClient::new(&cfg.api_url, Some(token)).for_application(application_id);
    let registered = app
        .runtime()?
        .block_on(api.register_commands(guild, &commands))
        .context("cannot register the commands")?;
    let names: Vec<String> = registered
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let subs: Vec<&str> = c["options"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o["name"].as_str())
                .collect();
            format!(
                "/{} ({}){}",
                c["name"].as_str().unwrap_or("?"),
                subs.join(", "),
                c["id"]
                    .as_str()
                    .map(|id| format!(" id {id}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    println!(
        "registered {} command{} {}: {}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        match guild {
            Some(g) => format!("in guild {g}"),
            None => "globally (may take up to an hour to appear)".into(),
        },
        names.join("; ")
    );
    Ok(ExitCode::SUCCESS)
}
