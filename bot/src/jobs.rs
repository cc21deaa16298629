//! The bot's background work as data: a [`Job`] says everything needed to
//! finish what a request started (platform, channel, thread, user, the
//! question or the action, the session, where to answer), so the process
//! that acks the request need not be the one that does the work. The
//! in-process [`crate::dispatch::TokioDispatcher`] runs jobs on tokio today;
//! the cloud deployment serialises them to a worker; either way
//! [`crate::worker::run`] does the work, once per job id.

use serde::{Deserialize, Serialize};

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
    SlackConversation(Conversation),
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
    SlackClick(Click),
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
    DiscordMessage(Question),
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

/// One question to answer in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Channel id.
    pub channel: String,
    /// Who asked (Slack user id).
    pub user: String,
    /// Thread to answer in (`None`: top level of a DM).
    pub thread_ts: Option<String>,
    /// The conversation's session id (`slack:<channel>:<thread>`).
    pub session: String,
    /// The question, mentions removed.
    pub question: String,
    /// A thread reply without a mention: answered only if the thread is
    /// already a conversation with the bot.
    pub continues: bool,
}

/// One button click.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Click {
    /// The button (`alert_ack`, `ask_suggestion_2`, …).
    pub action_id: String,
    /// When it was clicked (Slack's id of the click).
    pub action_ts: String,
    /// The button's value (an alert id, a suggested question).
    pub value: String,
    /// Who clicked.
    pub user: String,
    /// The channel of the message.
    pub channel: String,
    /// The message the button is on.
    pub message_ts: String,
    /// Its thread (the message itself when top level).
    pub thread_ts: String,
}

/// Where an answer goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// In this channel or thread.
    Here(String),
    /// Here if the channel is a thread, else in a new thread on the
    /// message (the caller looks the channel's type up).
    ThreadOrNew {
        /// The channel.
        channel_id: String,
        /// The message.
        message_id: String,
    },
}

/// A question to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Where.
    pub place: Place,
    /// The question, mentions removed (empty: show the help).
    pub question: String,
    /// Only when this session already exists (a follow-up without a mention).
    pub requires_session: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_survive_a_round_trip_through_json() {
        let jobs = [
            Job {
                id: "Ev1".into(),
                task: Task::SlackConversation(Conversation {
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
                task: Task::DiscordMessage(Question {
                    place: Place::ThreadOrNew {
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
