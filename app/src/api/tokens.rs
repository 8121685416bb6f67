//! API tokens: the tokens screen's server functions.

use leptos::prelude::*;

use super::snapshots::{CreatedToken, TokensSnapshot};
use crate::domain::AppError;

#[server(prefix = "/fn", endpoint = "tokens")]
pub async fn list_tokens() -> Result<TokensSnapshot, AppError> {
    super::backend::handle(|viewer, backend| async move {
        Ok(TokensSnapshot {
            tokens: backend.tokens(&viewer).await?,
            viewer,
        })
    })
    .await
}

#[server(prefix = "/fn", endpoint = "create-token")]
pub async fn create_token(name: String, scope: String) -> Result<CreatedToken, AppError> {
    super::backend::handle(|viewer, backend| async move {
        let scope = super::snapshots::TokenScope::parse(&scope)?;
        backend.create_token(&viewer, name, scope).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke-token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    super::backend::handle(|viewer, backend| async move { backend.revoke_token(&viewer, id).await })
        .await
}
