//! Conversations in Discord threads (gateway mode): which messages the bot
//! answers, where, and under which session. Pure decisions, so they are
//! tested in every build; `gateway.rs` feeds them serenity's events.
//!
//! - A mention in a channel starts a thread on that message; the thread
//!   is the conversation (`discord:<thread id>`).
//! - A mention inside a thread answers there.
//! - A message without a mention continues a thread the bot already
//!   answered in (the session exists), and nothing else.
//! - A direct message is one conversation per DM channel.
//! - Bots, the bot itself included, are never answered.
//!
//! A question may only query the tables `[permissions.channel_tables]`
//! grants the channel; a thread counts as its parent channel (looked up,
//! and nothing is answered if that fails, so a thread never widens them).

use std::sync::Arc;

use super::render;
use crate::BotState;
use crate::backend::Ask;
use crate::jobs::Task;
pub use crate::jobs::{Place, Question};
use mantissa_core::chat::discord::DiscordClient;

/// What an empty mention gets.
pub const HELP: &str = "Ask me about your AWS logs, for example:\n• `@mantissa show me failed console logins by source IP in the last 24 hours`\n• `@mantissa top 10 API errors today`\nThen refine in the thread: \"only errors\", \"group by user\", \"same for yesterday\".";

/// One incoming message, as far as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming<'a> {
    /// The channel (a thread is a channel).
    pub channel_id: &'a str,
    /// The message.
    pub message_id: &'a str,
    /// Sent in a guild (not a DM).
    pub in_guild: bool,
    /// The author is a bot.
    pub from_bot: bool,
    /// The bot is mentioned.
    pub mentions_bot: bool,
    /// The text.
    pub content: &'a str,
}

/// The session of a conversation in `channel_id` (a thread or a DM).
pub fn session(channel_id: &str) -> String {
    format!("discord:{channel_id}")
}

/// Whether and where to answer `m`.
pub fn job_for(m: &Incoming<'_>) -> Option<Question> {
    if m.from_bot {
        return None;
    }
    let question = crate::chat::strip_mentions(m.content);
    if !m.in_guild {
        return Some(Question {
            place: Place::Here(m.channel_id.to_string()),
            question,
            requires_session: None,
        });
    }
    if m.mentions_bot {
        return Some(Question {
            place: Place::ThreadOrNew {
                channel_id: m.channel_id.to_string(),
                message_id: m.message_id.to_string(),
            },
            question,
            requires_session: None,
        });
    }
    if question.is_empty() {
        return None;
    }
    Some(Question {
        place: Place::Here(m.channel_id.to_string()),
        question,
        requires_session: Some(session(m.channel_id)),
    })
}

/// Answers `m` if it is for the bot: the decision, the session check,
/// then a [`Task::DiscordMessage`] job (thread look-up or creation, the
/// question, the post through [`BotState::discord_bot`]).
pub async fn handle(state: &Arc<BotState>, m: Incoming<'_>) {
    let Some(job) = job_for(&m) else {
        return;
    };
    if let Some(s) = &job.requires_session
        && !state.backend.has_session(s).await
    {
        return;
    }
    state.hand_off(crate::jobs::Job {
        id: format!("discord:message:{}", m.message_id),
        task: Task::DiscordMessage(job),
    });
}

pub(crate) async fn answer(
    state: &BotState,
    api: &DiscordClient,
    job: Question,
) -> Result<(), mantissa_core::chat::ApiError> {
    // (where to answer, whose tables apply)
    let (channel, scope) = match job.place {
        Place::Here(c) => {
            let scope = permission_scope(api.channel(&c).await?, &c);
            (c, scope)
        }
        Place::ThreadOrNew {
            channel_id,
            message_id,
        } => {
            let info = api.channel(&channel_id).await?;
            if is_thread_type(info.0) {
                let scope = permission_scope(info, &channel_id);
                (channel_id, scope)
            } else {
                let thread = api
                    .start_thread(&channel_id, &message_id, &thread_name(&job.question))
                    .await?;
                (thread, channel_id)
            }
        }
    };
    if job.question.is_empty() {
        api.create_message(&channel, &render::text_message(HELP), &[])
            .await?;
        return Ok(());
    }
    let session = session(&channel);
    let reply = state
        .backend
        .ask(Ask {
            session: Some(&session),
            tables: state.permissions.tables_for(&scope),
            ..Ask::new(&job.question)
        })
        .await;
    let (body, files) = render::reply_message(&reply, None).with_chart(&reply).await;
    api.create_message(&channel, &body, &files).await.map(drop)
}

/// A thread name from a question (1–100 characters).
pub fn thread_name(question: &str) -> String {
    let name = crate::chat::clip(question.trim(), 90);
    if name.is_empty() {
        "mantissa".into()
    } else {
        name
    }
}

/// The channel whose `[permissions.channel_tables]` entry applies to a
/// message in `channel` of this `(type, parent)`: a thread's parent, else
/// the channel itself.
pub fn permission_scope((kind, parent): (u64, Option<String>), channel: &str) -> String {
    match parent {
        Some(p) if is_thread_type(kind) => p,
        _ => channel.to_string(),
    }
}

/// Discord channel types that are threads (announcement, public, private).
pub fn is_thread_type(kind: u64) -> bool {
    matches!(kind, 10..=12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg<'a>(
        content: &'a str,
        mentions_bot: bool,
        in_guild: bool,
        from_bot: bool,
    ) -> Incoming<'a> {
        Incoming {
            channel_id: "C1",
            message_id: "M1",
            in_guild,
            from_bot,
            mentions_bot,
            content,
        }
    }

    #[test]
    fn mentions_start_threads_follow_ups_need_a_session_and_bots_are_ignored() {
        let j = job_for(&msg("<@42> failed logins today", true, true, false)).unwrap();
        assert_eq!(
            j.place,
            Place::ThreadOrNew {
                channel_id: "C1".into(),
                message_id: "M1".into()
            }
        );
        assert_eq!(j.question, "failed logins today");
        assert_eq!(j.requires_session, None);
        let f = job_for(&msg("group by user", false, true, false)).unwrap();
        assert_eq!(f.place, Place::Here("C1".into()));
        assert_eq!(f.requires_session.as_deref(), Some("discord:C1"));
        assert!(job_for(&msg("beep", true, true, true)).is_none());
        assert!(job_for(&msg("  ", false, true, false)).is_none());
        let dm = job_for(&msg("root activity", false, false, false)).unwrap();
        assert_eq!(dm.place, Place::Here("C1".into()));
        assert_eq!(dm.requires_session, None);
        assert_eq!(thread_name(&"q".repeat(200)).chars().count(), 90);
        assert_eq!(thread_name(""), "mantissa");
        assert!(is_thread_type(11) && !is_thread_type(0));
        assert_eq!(permission_scope((11, Some("C0".into())), "T1"), "C0");
        assert_eq!(permission_scope((0, Some("CAT".into())), "C1"), "C1");
        assert_eq!(permission_scope((1, None), "D1"), "D1");
    }
}
