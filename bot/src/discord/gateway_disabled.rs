//! Gateway mode in a build without the `discord-gateway` feature: says so.

use std::sync::Arc;

use super::GatewayError;
use super::api::DiscordApi;
use crate::BotState;
use crate::auth::Secret;

/// Whether this build has gateway mode.
pub const BUILT: bool = false;

/// Always [`GatewayError::NotBuilt`].
pub async fn run(
    _state: Arc<BotState>,
    _api: DiscordApi,
    _token: Secret,
) -> Result<(), GatewayError> {
    Err(GatewayError::NotBuilt)
}
