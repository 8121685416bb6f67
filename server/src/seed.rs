//! Demo data: one user per role and a few incidents, written through the service like any other
//! change, so they have real timelines.

use app::domain::{Command, Severity, Status, User, UserRole};

use crate::auth::hash_password;
use crate::service::Service;
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
    let (iris, sam, riley) = (&users[0], &users[1], &users[2]);
    let run = |user: &User, id: Option<i64>, cmd: Command| {
        let service = service.clone();
        let user = user.clone();
        async move { service.execute(&user, id, cmd).await.map_err(|e| e.message) }
    };

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
