//! The routing policy: which destinations an alert goes to.
//!
//! Order: a per-rule override (`router.rule_overrides.<rule id>`) wins;
//! otherwise the first route in `router.routes` whose conditions all hold
//! (severity at least `min_severity`, category in `categories`, any tag in
//! `tags`, rule id in `rules`; an empty condition holds for every alert);
//! otherwise `router.default_route`; otherwise nowhere.

use mantissa_core::alert::Alert;
use mantissa_core::config::{RouteConfig, RouterConfig};

/// Where one alert goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Route name: the route's `name`, `default`, or `rule:<id>`.
    pub route: String,
    /// Destinations sent at once.
    pub destinations: Vec<String>,
    /// The fallback chain.
    pub fallback: Vec<String>,
}

/// Whether `route`'s conditions hold for `alert`.
pub fn matches(route: &RouteConfig, alert: &Alert) -> bool {
    route.min_severity.is_none_or(|min| alert.severity >= min)
        && (route.categories.is_empty() || route.categories.contains(&alert.category))
        && (route.tags.is_empty() || route.tags.iter().any(|t| alert.tags.contains(t)))
        && (route.rules.is_empty() || route.rules.contains(&alert.rule_id))
}

/// The route an alert takes, if any.
pub fn select(config: &RouterConfig, alert: &Alert) -> Option<Selection> {
    if let Some(o) = config.rule_overrides.get(&alert.rule_id) {
        return Some(Selection {
            route: format!("rule:{}", alert.rule_id),
            destinations: o.destinations.clone(),
            fallback: o.fallback.clone(),
        });
    }
    if let Some(r) = config.routes.iter().find(|r| matches(r, alert)) {
        return Some(Selection {
            route: r.name.clone(),
            destinations: r.destinations.clone(),
            fallback: r.fallback.clone(),
        });
    }
    config.default_route.as_ref().map(|d| Selection {
        route: "default".into(),
        destinations: d.destinations.clone(),
        fallback: d.fallback.clone(),
    })
}
