//! Prometheus metrics, served at `/metrics`: what Sitrep itself did (SLA breaches recorded,
//! events appended), per instance. Prometheus sums the instances behind a load balancer.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BreachLabels {
    /// `acknowledge`, `next_update`, `mitigate`, `resolve`, `post_mortem`.
    pub clock: String,
    /// `sev1` … `sev4`.
    pub severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// The event's kind, as in the SSE `event:` field.
    pub kind: String,
}

pub struct Metrics {
    registry: Registry,
    sla_breaches: Family<BreachLabels, Counter>,
    events: Family<EventLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("sitrep");
        let sla_breaches = Family::<BreachLabels, Counter>::default();
        registry.register(
            "sla_breaches",
            "SLA deadlines missed, recorded on the incident's timeline by this instance",
            sla_breaches.clone(),
        );
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "events",
            "Events appended to incidents' timelines through this instance",
            events.clone(),
        );
        Metrics {
            registry,
            sla_breaches,
            events,
        }
    }
}

impl Metrics {
    pub fn sla_breached(&self, clock: app::domain::ClockKind, severity: app::domain::Severity) {
        self.sla_breaches
            .get_or_create(&BreachLabels {
                clock: clock.key().to_owned(),
                severity: severity.key().to_owned(),
            })
            .inc();
    }

    pub fn appended(&self, events: &[app::domain::EventRecord]) {
        for event in events {
            self.events
                .get_or_create(&EventLabels {
                    kind: event.payload.kind().to_owned(),
                })
                .inc();
        }
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
