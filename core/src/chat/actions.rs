//! The alert buttons: the ids the router puts on Slack buttons (`action_id`,
//! with the alert id as `value`) and Discord buttons (`custom_id`
//! `<action>:<alert id>`), and that the bot reads back when one is clicked.

/// A button on an alert message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    /// Acknowledge the alert.
    Acknowledge,
    /// Resolve the alert.
    Resolve,
    /// Show the rule's SQL (Slack).
    ShowSql,
    /// Mute the rule's notifications for 24 hours.
    MuteRule,
}

impl AlertAction {
    /// Every action.
    pub const ALL: [AlertAction; 4] = [
        AlertAction::Acknowledge,
        AlertAction::Resolve,
        AlertAction::ShowSql,
        AlertAction::MuteRule,
    ];

    /// The Slack `action_id`, and the prefix of the Discord `custom_id`.
    pub fn id(self) -> &'static str {
        match self {
            AlertAction::Acknowledge => "alert_ack",
            AlertAction::Resolve => "alert_resolve",
            AlertAction::ShowSql => "alert_sql",
            AlertAction::MuteRule => "alert_mute",
        }
    }

    /// The action with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    /// The Discord `custom_id` for this action on `alert_id`.
    pub fn custom_id(self, alert_id: &str) -> String {
        format!("{}:{alert_id}", self.id())
    }

    /// A Discord `custom_id` split into its action and alert id.
    pub fn parse_custom_id(custom_id: &str) -> Option<(Self, &str)> {
        let (action, alert) = custom_id.split_once(':')?;
        if alert.is_empty() {
            return None;
        }
        Some((Self::from_id(action)?, alert))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for a in AlertAction::ALL {
            assert_eq!(AlertAction::from_id(a.id()), Some(a));
            assert_eq!(
                AlertAction::parse_custom_id(&a.custom_id("ab12")),
                Some((a, "ab12"))
            );
        }
        assert_eq!(AlertAction::parse_custom_id("alert_ack:"), None);
        assert_eq!(AlertAction::parse_custom_id("suggest:3"), None);
        assert_eq!(AlertAction::from_id("alert_delete"), None);
    }
}
