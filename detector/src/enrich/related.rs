//! Related alerts: others with the same principal or an IP in common.

use chrono::Duration;
use mantissa_core::alert::{Alert, AlertFilter, AlertStore, RelatedAlert};

/// Most related alerts listed in one alert.
const MAX_RELATED: usize = 10;

/// Alerts last seen within `hours` before `alert` that share its principal
/// or one of its IPs, newest first.
pub async fn related(
    store: &dyn AlertStore,
    alert: &Alert,
    hours: u32,
) -> Result<Vec<RelatedAlert>, String> {
    let principal = alert.principal();
    let ips = alert.ips();
    if principal.is_none() && ips.is_empty() {
        return Ok(Vec::new());
    }
    let since = alert.first_seen - Duration::hours(i64::from(hours));
    let candidates = store
        .list(&AlertFilter {
            since: Some(since),
            limit: 1000,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("related alerts: {e}"))?;
    let mut out = Vec::new();
    for other in candidates {
        if other.id == alert.id || other.first_seen > alert.first_seen {
            continue;
        }
        let via = match (&principal, other.principal()) {
            (Some(p), Some(q)) if *p == q => Some(format!("principal={p}")),
            _ => other
                .ips()
                .into_iter()
                .find(|ip| ips.contains(ip))
                .map(|ip| format!("ip={ip}")),
        };
        if let Some(via) = via {
            out.push(RelatedAlert {
                id: other.id,
                rule_id: other.rule_id,
                title: other.title,
                severity: other.severity,
                first_seen: other.first_seen,
                via,
            });
            if out.len() == MAX_RELATED {
                break;
            }
        }
    }
    Ok(out)
}
