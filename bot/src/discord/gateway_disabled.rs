//! Gateway mode in a build without the `discord-gateway` feature: says so.

use std::sync::Arc;

use super::GatewayError;
use crate::BotState;
use crate::auth::Secret;
use mantissa_core::chat::discord::DiscordClient;

/// Whether this build has gateway mode.
pub const BUILT: bool = false;

/// Always [`GatewayError::NotBuilt`].
pub async fn run(
    _state: Arc<BotState>,
    _api: DiscordClient,
    _token: Secret,
) -> Result<(), GatewayError> {
    Err(GatewayError::NotBuilt)
}
