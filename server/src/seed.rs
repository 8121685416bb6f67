//! Demo data: one user per role and a few incidents, written through the service like any other
//! change, so they have real timelines.

use app::domain::{Affected, Command, ServiceInput, Severity, Status, User, UserRole};

use crate::application::Service;
use crate::auth::hash_password;
use crate::store::NewUser;

pub const DEMO_PASSWORD: &str = "sitrep-demo";

/// (email, name, role, what they do)
pub const DEMO_USERS: [(&str, &str, UserRole, &str); 6] = [
    (
        "iris@demo.sitrep.dev",
        "Iris Chen",
        UserRole::Admin,
        "incident commander",
    ),
    (
        "sam@demo.sitrep.dev",
        "Sam Okafor",
        UserRole::Responder,
        "responder",
    ),
    (
        "riley@demo.sitrep.dev",
        "Riley Novak",
        UserRole::Responder,
        "responder",
    ),
    (
        "sue@demo.sitrep.dev",
        "Sue Park",
        UserRole::Support,
        "support lead",
    ),
    (
        "max@demo.sitrep.dev",
        "Max Weber",
        UserRole::Manager,
        "manager",
    ),
    (
        "stella@demo.sitrep.dev",
        "Stella Ortiz",
        UserRole::Stakeholder,
        "stakeholder (read-only)",
    ),
];

/// The demo roster: each demo user's team, and whether they are on call now.
const DEMO_TEAMS: [(&str, bool); 6] = [
    ("SRE", true),
    ("Payments", true),
    ("Platform", false),
    ("Customer Support", false),
    ("Engineering", false),
    ("Sales", false),
];

/// The demo service catalog: name, owner team, tier, runbook, contacts, description.
const DEMO_SERVICES: [(&str, &str, u8, &str, &str, &str); 3] = [
    (
        "Payments API",
        "Payments",
        1,
        "https://runbooks.example.com/payments-api",
        "@payments-oncall, +1 555 0101",
        "Takes card payments at checkout.",
    ),
    (
        "Search",
        "Discovery",
        2,
        "https://runbooks.example.com/search",
        "@discovery-oncall",
        "Product search and filters.",
    ),
    (
        "Marketing site",
        "Web",
        3,
        "",
        "#web-team",
        "The public website and pricing pages.",
    ),
];

/// Seeds the demo if the database has no users yet. Returns whether it did.
pub async fn demo_if_empty(service: &Service) -> Result<bool, String> {
    let users = service.store.users().await.map_err(|e| e.to_string())?;
    if !users.is_empty() {
        return Ok(false);
    }
    demo(service).await?;
    Ok(true)
}

pub async fn demo(service: &Service) -> Result<(), String> {
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut users: Vec<User> = Vec::new();
    for (email, name, role, _) in DEMO_USERS {
        let user = match service
            .store
            .credentials(email)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(existing) => existing.user,
            None => service
                .store
                .create_user(&NewUser {
                    email: email.into(),
                    name: name.into(),
                    role,
                    password_hash: hash.clone(),
                })
                .await
                .map_err(|e| e.to_string())?,
        };
        users.push(user);
    }
    for (user, (team, on_call)) in users.iter_mut().zip(DEMO_TEAMS) {
        *user = service
            .store
            .set_person(user.id, team, on_call)
            .await
            .map_err(|e| e.to_string())?;
    }
    let (iris, sam, riley) = (&users[0], &users[1], &users[2]);
    let run = |user: &User, id: Option<i64>, cmd: Command| {
        let service = service.clone();
        let user = user.clone();
        async move { service.execute(&user, id, cmd).await.map_err(|e| e.message) }
    };

    let mut catalog = Vec::new();
    for (name, team, tier, runbook, contacts, description) in DEMO_SERVICES {
        let input = ServiceInput {
            name: name.into(),
            owner_team: team.into(),
            tier,
            runbook_url: runbook.into(),
            contacts: contacts.into(),
            description: description.into(),
        };
        catalog.push(
            service
                .save_service(iris, None, input)
                .await
                .map_err(|e| e.message)?,
        );
    }

    let (checkout, _) = run(
        iris,
        None,
        Command::Declare {
            title: "Checkout fails with 502 for EU customers".into(),
            severity: Severity::Sev1,
            summary: "Payments API returns 502 behind the EU load balancer since the 14:05 deploy."
                .into(),
        },
    )
    .await?;
    let (checkout, _) = run(
        iris,
        Some(checkout.id),
        Command::ChangeStatus {
            status: Status::Investigating,
            expected_version: checkout.version,
        },
    )
    .await?;
    run(
        sam,
        Some(checkout.id),
        Command::PostNote {
            body: "Error rate on `payments-api` jumped to **38%** at 14:06. Rolling back deploy `#4812`."
                .into(),
        },
    )
    .await?;
    let (checkout, _) = run(
        iris,
        Some(checkout.id),
        Command::LinkService {
            service_id: catalog[0].id,
        },
    )
    .await?;
    run(
        iris,
        Some(checkout.id),
        Command::UpdateImpact {
            customer_impact:
                "EU customers see \"Payment failed\" at checkout; cards are not charged.".into(),
            affected: Affected::Some,
            expected_version: checkout.version,
        },
    )
    .await?;
    for (version, (role, person)) in [("incident_commander", iris), ("tech_lead", sam)]
        .into_iter()
        .enumerate()
    {
        run(
            iris,
            Some(checkout.id),
            Command::AssignRole {
                role: role.into(),
                person_id: person.id,
                expected_version: version as i64,
            },
        )
        .await?;
    }

    let (search, _) = run(
        riley,
        None,
        Command::Declare {
            title: "Search results are slow".into(),
            severity: Severity::Sev3,
            summary:
                "p95 latency of search is 4 s (normally 300 ms). Workaround: filters still work."
                    .into(),
        },
    )
    .await?;
    run(
        riley,
        Some(search.id),
        Command::PostNote {
            body: "Index rebuild is running; expect recovery within the hour.".into(),
        },
    )
    .await?;

    let (typo, _) = run(
        sam,
        None,
        Command::Declare {
            title: "Typo on the pricing page".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        },
    )
    .await?;
    run(
        sam,
        Some(typo.id),
        Command::ChangeStatus {
            status: Status::Resolved,
            expected_version: typo.version,
        },
    )
    .await?;
    Ok(())
}
