//! What is missing when a major incident is resolved: the status control asks once, naming
//! each, before it resolves. The server does not refuse: resolving is still the responders'
//! call (the customers may be fine while the paperwork is not).

use chrono::{DateTime, Utc};

use super::state::Incident;
use crate::domain::roles::catalog::INCIDENT_COMMANDER;
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::clocks::clocks;
use crate::domain::sla::policy::SlaPolicy;

/// One thing a major incident should have before it is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concern {
    /// Nobody holds the Incident Commander role.
    NoCommander,
    /// Nobody has said what customers see.
    NoImpact,
    /// No public update went out within the update cadence (`cadence`, e.g. "30 min"), or none
    /// at all (`cadence` is `None` when the policy sets no cadence for the severity).
    NoRecentPublicUpdate { cadence: Option<String>, ever: bool },
}

impl Concern {
    /// The concern in words, to follow "with": `commander` is the role's label.
    pub fn describe(&self, commander: &str) -> String {
        match self {
            Concern::NoCommander => format!("no {commander}"),
            Concern::NoImpact => "no customer impact described".to_owned(),
            Concern::NoRecentPublicUpdate { ever: false, .. } => "no public update yet".to_owned(),
            Concern::NoRecentPublicUpdate {
                cadence: Some(cadence),
                ..
            } => format!("no public update in the last {cadence}"),
            Concern::NoRecentPublicUpdate { cadence: None, .. } => {
                "no recent public update".to_owned()
            }
        }
    }
}

/// "a, b and c".
pub fn in_a_sentence(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Incident {
    /// What resolving this incident now would leave missing: nothing for an incident that is
    /// not `major` (its severity's configured meaning). The update cadence is the SLA policy's
    /// next-update target for its severity.
    pub fn resolve_concerns(
        &self,
        major: bool,
        policy: &SlaPolicy,
        now: DateTime<Utc>,
    ) -> Vec<Concern> {
        if !major {
            return Vec::new();
        }
        let mut concerns = Vec::new();
        if self.roles.holders(INCIDENT_COMMANDER).next().is_none() {
            concerns.push(Concern::NoCommander);
        }
        if self.impact.customer_impact.trim().is_empty() {
            concerns.push(Concern::NoImpact);
        }
        let target = policy.targets(self.severity).next_update;
        let stale = match self.last_public_update_at {
            None => true,
            // The next-update clock restarts with each public update: past its deadline, the
            // last one is older than the cadence (in business time, if that is how it counts).
            Some(_) => clocks(self, policy, now)
                .iter()
                .any(|c| c.kind == ClockKind::NextUpdate && c.breached(now)),
        };
        if stale {
            concerns.push(Concern::NoRecentPublicUpdate {
                cadence: target.map(|t| t.label()),
                ever: self.last_public_update_at.is_some(),
            });
        }
        concerns
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::domain::*;

    fn publish(state: &mut Option<Incident>, minute: i64) {
        let cmd = Command::Timeline(TimelineCommand::PublishUpdate {
            visibility: Visibility::Public,
            body: "We are on it.".into(),
        });
        run(state, &cmd, &ctx(minute)).unwrap();
    }

    fn describe_all(concerns: &[Concern]) -> String {
        let words: Vec<String> = concerns
            .iter()
            .map(|c| c.describe("Incident Commander"))
            .collect();
        in_a_sentence(&words)
    }

    #[test]
    fn a_bare_major_incident_names_everything_missing() {
        let state = declared();
        let concerns =
            state
                .as_ref()
                .unwrap()
                .resolve_concerns(true, &SlaPolicy::default(), at(10));
        assert_eq!(
            describe_all(&concerns),
            "no Incident Commander, no customer impact described and no public update yet"
        );
    }

    #[test]
    fn a_minor_incident_is_resolved_without_a_word() {
        let state = declared();
        let concerns =
            state
                .as_ref()
                .unwrap()
                .resolve_concerns(false, &SlaPolicy::default(), at(10));
        assert!(concerns.is_empty());
    }

    #[test]
    fn a_complete_major_incident_raises_nothing_and_an_old_update_is_named() {
        let mut state = declared();
        let iris = user(1, "Iris Chen", UserRole::Admin);
        let c = Context {
            person: Some(&iris),
            ..ctx(1)
        };
        let cmd = assign(&state, INCIDENT_COMMANDER, &iris);
        run(&mut state, &cmd, &c).unwrap();
        let impact = Command::Impact(ImpactCommand::Update {
            customer_impact: "Checkout fails".into(),
            affected: Affected::Some,
            expected_version: version(&state),
        });
        run(&mut state, &impact, &ctx(2)).unwrap();
        publish(&mut state, 3);
        let policy = SlaPolicy::default();
        let incident = state.as_ref().unwrap();
        // SEV1's cadence is 30 minutes: within it, nothing is missing.
        assert_eq!(incident.resolve_concerns(true, &policy, at(20)), vec![]);
        // 40 minutes after the update, it is older than the cadence.
        assert_eq!(
            describe_all(&incident.resolve_concerns(true, &policy, at(43))),
            "no public update in the last 30 min"
        );
    }
}
