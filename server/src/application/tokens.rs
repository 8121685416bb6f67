//! API tokens: who may create, see and revoke which (the one place these rules live).

use app::api::{ApiToken, CreatedToken, TokenScope};
use app::domain::{AppError, User, UserRole};
use chrono::{SubsecRound, Utc};

use super::Service;
use crate::store::access::NewToken;

/// Longest token name we accept (characters).
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

impl Service {
    /// The viewer's tokens; admins see everyone's.
    pub async fn list_tokens(&self, viewer: &User) -> Result<Vec<ApiToken>, AppError> {
        let owner = (viewer.role != UserRole::Admin).then_some(viewer.id);
        Ok(self.store.tokens(owner).await?)
    }

    /// A new token acting as the viewer. Stakeholders change nothing, so they get read tokens only.
    pub async fn new_token(
        &self,
        viewer: &User,
        name: &str,
        scope: TokenScope,
    ) -> Result<CreatedToken, AppError> {
        let name = name.trim();
        app::domain::check_len("The token's name", name, 1, MAX_TOKEN_NAME_CHARS)
            .map_err(AppError::from)?;
        if scope == TokenScope::Write && !viewer.can_write() {
            return Err(AppError::forbidden(
                "Stakeholders can create read tokens only: they cannot change anything.",
            ));
        }
        let token = crate::auth::new_token();
        let info = self
            .store
            .create_token(&NewToken {
                user_id: viewer.id,
                name: name.to_owned(),
                scope,
                hash: crate::auth::token_hash(&token),
                created_at: Utc::now().trunc_subsecs(0),
            })
            .await?;
        Ok(CreatedToken { token, info })
    }

    /// Revokes one of the viewer's tokens; admins may revoke anyone's. Someone else's token is
    /// "not found" to a non-admin (it does not tell which ids exist).
    pub async fn delete_token(&self, viewer: &User, id: i64) -> Result<(), AppError> {
        let not_found = || AppError::not_found(format!("You have no API token {id}."));
        let token = self.store.token(id).await?.ok_or_else(not_found)?;
        if token.owner_id != viewer.id && viewer.role != UserRole::Admin {
            return Err(not_found());
        }
        self.store.delete_token(id).await?;
        Ok(())
    }
}
