//! [`LlmTranslator`]: prompt → provider → SQL (or a refusal). The client is
//! created on first use, so a confident built-in answer never touches the
//! network or asks for credentials.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::reply::{self, Parsed};
use super::{LlmClient, LlmError, Message, prompt};
use crate::config::LlmConfig;
use crate::nl::Context;

/// A failed attempt sent back to the model for a repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// The model's reply that produced the SQL.
    pub reply: String,
    /// The SQL that failed.
    pub sql: String,
    /// The guard's or engine's message.
    pub error: String,
}

/// What the model answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmReply {
    /// SQL to guard and run, with the raw reply (for a repair).
    Sql {
        /// The SQL read from the reply.
        sql: String,
        /// The whole reply.
        reply: String,
    },
    /// The model declined (not about the logs, or a change request).
    CannotAnswer(String),
    /// The reply held no SQL.
    NoSql(String),
}

/// Translates questions with a language model.
#[derive(Debug)]
pub struct LlmTranslator {
    config: LlmConfig,
    name: String,
    client: OnceCell<Arc<dyn LlmClient>>,
}

impl LlmTranslator {
    /// A translator for `[llm]`; `None` when no provider is configured.
    pub fn from_config(config: &LlmConfig) -> Option<Self> {
        let provider = config.provider?;
        Some(Self {
            config: config.clone(),
            name: format!("llm:{}", provider.name()),
            client: OnceCell::new(),
        })
    }

    /// A translator over a given client (tests, embedders).
    pub fn with_client(client: Arc<dyn LlmClient>, config: &LlmConfig) -> Self {
        Self {
            config: config.clone(),
            name: format!("llm:{}", client.provider()),
            client: OnceCell::new_with(Some(client)),
        }
    }

    /// `llm:<provider>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn client(&self) -> Result<&Arc<dyn LlmClient>, LlmError> {
        self.client
            .get_or_try_init(|| super::connect(&self.config))
            .await
    }

    /// Asks the model for SQL answering `question`; `repairs` are the
    /// earlier failed attempts for this question, oldest first (each adds
    /// the model's reply and the error with the SQL to the conversation).
    pub async fn translate(
        &self,
        question: &str,
        context: &Context<'_>,
        repairs: &[Repair],
    ) -> Result<LlmReply, LlmError> {
        let system = prompt::system(context.catalog, context.now, question, self.config.examples);
        let mut messages = vec![Message::user(prompt::question(question, context.previous))];
        for r in repairs {
            messages.push(Message::assistant(r.reply.clone()));
            messages.push(Message::user(if r.sql.is_empty() {
                prompt::no_sql()
            } else {
                prompt::repair(&r.sql, &r.error)
            }));
        }
        let client = self.client().await?;
        tracing::debug!(
            message = "Asking the LLM.",
            translator = %self.name,
            repairs = repairs.len(),
            system_chars = system.len()
        );
        let text = client.complete(&system, &messages).await?;
        Ok(match reply::parse(&text) {
            Some(Parsed::Sql(sql)) => LlmReply::Sql { sql, reply: text },
            Some(Parsed::CannotAnswer(reason)) => LlmReply::CannotAnswer(reason),
            None => LlmReply::NoSql(text),
        })
    }
}
