//! What a worker does with a [`Job`]: claim its id once, then finish the
//! work on its platform (answer the question, post the result, act on the
//! click). The bot's own dispatcher calls it in process; a separate worker
//! process calls it with a job it received.
//!
//! **Invariant:** running a job twice posts one answer: [`run`] claims the
//! job id in the event de-dup store first (at-least-once delivery to a
//! worker, a retried hand-off).

use std::sync::Arc;

use crate::BotState;
use crate::jobs::{Job, Task};

/// Runs `job` once: a job whose id was already claimed (a second delivery)
/// does nothing.
pub async fn run(state: Arc<BotState>, job: Job) {
    let platform = job.task.platform();
    if !state.first_time(&format!("job:{}", job.id)).await {
        tracing::info!(job = %job.id, platform, "Job already run; skipped.");
        return;
    }
    match job.task {
        Task::SlackConversation(c) => match &state.slack {
            Some(slack) => crate::slack::answer(&state, &slack.api, c).await,
            None => not_configured(&job.id, platform),
        },
        Task::SlackCommand {
            channel,
            user,
            response_url,
            work,
        } => match &state.slack {
            Some(slack) => {
                crate::slack::commands::finish(&state, slack, &channel, &user, &response_url, work)
                    .await;
            }
            None => not_configured(&job.id, platform),
        },
        Task::SlackClick(click) => match &state.slack {
            Some(slack) => crate::slack::interactions::handle(&state, slack, click).await,
            None => not_configured(&job.id, platform),
        },
        Task::DiscordCommand {
            channel,
            user,
            interaction_token,
            work,
        } => match &state.discord {
            Some(discord) => {
                crate::discord::commands::finish(
                    &state,
                    &discord.api,
                    &channel,
                    &user,
                    &interaction_token,
                    work,
                )
                .await;
            }
            None => not_configured(&job.id, platform),
        },
        Task::DiscordMessage(m) => match &state.discord_bot {
            Some(api) => {
                if let Err(e) = crate::discord::threads::answer(&state, api, m).await {
                    tracing::warn!(error = %e, "Cannot answer a Discord message.");
                }
            }
            None => not_configured(&job.id, platform),
        },
    }
}

fn not_configured(job: &str, platform: &str) {
    tracing::error!(
        job,
        platform,
        "A job for a platform this process has no settings for; check that the worker has the same [slack] / [discord] configuration as the bot."
    );
}
