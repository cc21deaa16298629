//! The bot's background work as data: a [`Job`] says everything needed to
//! finish what a request started (platform, channel, thread, user, the
//! question or the action, the session, where to answer), so the process
//! that acks the request need not be the one that does the work. The
//! in-process [`crate::dispatch::TokioDispatcher`] runs jobs on tokio today;
//! the cloud deployment serialises them to a worker.
//!
//! **Invariant:** running a job twice posts one answer: [`run`] claims the
//! job id in the event de-dup store first (at-least-once delivery to a
//! worker, a retried hand-off).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::BotState;
use crate::chat::Work;

/// One piece of background work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Unique per request (Slack event or trigger id, Discord interaction
    /// or message id, …); the de-dup key.
    pub id: String,
    /// What to do.
    pub task: Task,
}

/// What a job does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Answer a question in a Slack conversation (a mention, a DM, a reply
    /// in a thread the bot answered in).
    SlackConversation(crate::slack::Conversation),
    /// Finish a slash command's slow work and answer on its `response_url`.
    SlackCommand {
        /// Channel id (its `[permissions]` apply).
        channel: String,
        /// Who ran it.
        user: String,
        /// Where the answer goes (valid 30 minutes, 5 uses).
        response_url: String,
        /// The work.
        work: Work,
    },
    /// Act on a button click on a Slack message.
    SlackClick(crate::slack::Click),
    /// Finish an application command's slow work by completing its
    /// deferred response.
    DiscordCommand {
        /// Channel id (its `[permissions]` apply).
        channel: String,
        /// Who ran it.
        user: String,
        /// The interaction token (valid 15 minutes).
        interaction_token: String,
        /// The work.
        work: Work,
    },
    /// Answer a message in a Discord channel or thread (gateway mode).
    DiscordMessage(crate::discord::threads::Question),
}

impl Task {
    /// The platform, for logs.
    pub fn platform(&self) -> &'static str {
        match self {
            Task::SlackConversation(_) | Task::SlackCommand { .. } | Task::SlackClick(_) => "slack",
            Task::DiscordCommand { .. } | Task::DiscordMessage(_) => "discord",
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_survive_a_round_trip_through_json() {
        let jobs = [
            Job {
                id: "Ev1".into(),
                task: Task::SlackConversation(crate::slack::Conversation {
                    channel: "C1".into(),
                    user: "U1".into(),
                    thread_ts: Some("1.1".into()),
                    session: "slack:C1:1.1".into(),
                    question: "failed logins".into(),
                    continues: false,
                }),
            },
            Job {
                id: "T1".into(),
                task: Task::SlackCommand {
                    channel: "C1".into(),
                    user: "U1".into(),
                    response_url: "https://hooks.slack.com/commands/1".into(),
                    work: Work::RuleTest("r1".into()),
                },
            },
            Job {
                id: "I1".into(),
                task: Task::DiscordCommand {
                    channel: "C1".into(),
                    user: "1".into(),
                    interaction_token: "tok".into(),
                    work: Work::Ask("root activity".into()),
                },
            },
            Job {
                id: "M1".into(),
                task: Task::DiscordMessage(crate::discord::threads::Question {
                    place: crate::discord::threads::Place::ThreadOrNew {
                        channel_id: "C1".into(),
                        message_id: "M1".into(),
                    },
                    question: "top errors".into(),
                    requires_session: None,
                }),
            },
        ];
        for job in jobs {
            let text = serde_json::to_string(&job).unwrap();
            let back: Job = serde_json::from_str(&text).unwrap();
            assert_eq!(back, job, "{text}");
        }
    }
}
