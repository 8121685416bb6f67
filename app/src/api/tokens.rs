//! API tokens: what the tokens screen shows, and its server functions.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{AppError, User};

/// What a token may do: `read` (GET and HEAD only) or `write` (anything its owner may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn key(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            other => Err(AppError::unprocessable(format!(
                "Scope must be \"read\" or \"write\" (it was \"{other}\")."
            ))),
        }
    }
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub owner_id: i64,
    pub owner_name: String,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// Send it as `Authorization: Bearer <token>`. It cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

/// The tokens screen: your tokens (everyone's for admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokensSnapshot {
    pub tokens: Vec<ApiToken>,
    pub viewer: User,
}

#[server(prefix = "/fn", endpoint = "tokens")]
pub async fn list_tokens() -> Result<TokensSnapshot, AppError> {
    crate::backend::handle(|viewer, backend| async move {
        Ok(TokensSnapshot {
            tokens: backend.tokens(&viewer).await?,
            viewer,
        })
    })
    .await
}

#[server(prefix = "/fn", endpoint = "create-token")]
pub async fn create_token(name: String, scope: String) -> Result<CreatedToken, AppError> {
    crate::backend::handle(|viewer, backend| async move {
        let scope = TokenScope::parse(&scope)?;
        backend.create_token(&viewer, name, scope).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke-token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    crate::backend::handle(|viewer, backend| async move { backend.revoke_token(&viewer, id).await })
        .await
}
