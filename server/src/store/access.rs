//! Who may come in: failed sign-ins (for the sign-in limits) and API tokens. Kept in the database
//! so every instance on PostgreSQL sees the same counts and tokens.

use app::api::{ApiToken, TokenScope};
use app::domain::User;
use chrono::{DateTime, Utc};

use super::StoreResult;

/// A token found by its hash, with its owner.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub token: ApiToken,
    pub owner: User,
}

/// A token to store: only the hash of its secret.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait::async_trait]
pub trait AccessStore: Send + Sync {
    /// Records a failed sign-in at `at_ms` (unix milliseconds), returning its id, and forgets
    /// failures before `forget_before_ms`.
    async fn record_sign_in_failure(
        &self,
        account: &str,
        address: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> StoreResult<i64>;
    /// Forgets one recorded failure (an attempt refused before its password was checked).
    async fn forget_sign_in_failure(&self, id: i64) -> StoreResult<()>;
    /// The time (unix ms) of the `nth` newest failure (1 = newest) since `since_ms`, for
    /// `account` at `address`, or for `address` from any account when `account` is `None`.
    async fn nth_newest_failure(
        &self,
        account: Option<&str>,
        address: &str,
        since_ms: i64,
        nth: u32,
    ) -> StoreResult<Option<i64>>;
    /// Forgets `account`'s failures at `address` (after it signed in from there).
    async fn clear_sign_in_failures(&self, account: &str, address: &str) -> StoreResult<()>;

    async fn create_token(&self, token: &NewToken) -> StoreResult<ApiToken>;
    /// `owner`'s tokens, or everyone's, newest first.
    async fn tokens(&self, owner: Option<i64>) -> StoreResult<Vec<ApiToken>>;
    async fn token(&self, id: i64) -> StoreResult<Option<ApiToken>>;
    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenGrant>>;
    /// Returns whether there was such a token.
    async fn delete_token(&self, id: i64) -> StoreResult<bool>;
    async fn touch_token(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    name: String,
    scope: String,
    user_id: i64,
    owner_name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    pub(crate) fn into_token(self) -> StoreResult<ApiToken> {
        let scope = TokenScope::parse(&self.scope)
            .map_err(|e| super::StoreError::Corrupt(format!("token {}: {e}", self.id)))?;
        Ok(ApiToken {
            id: self.id,
            name: self.name,
            scope,
            owner_id: self.user_id,
            owner_name: self.owner_name,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        })
    }
}

pub(crate) const TOKEN_SELECT: &str = "SELECT t.id, t.name, t.scope, t.user_id, \
     u.name AS owner_name, t.created_at, t.last_used_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// Implements `AccessStore` for a store type with a `pool` field (the SQL is the same for both).
macro_rules! impl_access {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::access::AccessStore for $ty {
            async fn record_sign_in_failure(
                &self,
                account: &str,
                address: &str,
                at_ms: i64,
                forget_before_ms: i64,
            ) -> $crate::store::StoreResult<i64> {
                sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
                    .bind(forget_before_ms)
                    .execute(&self.pool)
                    .await?;
                Ok(sqlx::query_scalar(
                    "INSERT INTO sign_in_failures (account, address, at) VALUES ($1, $2, $3) \
                     RETURNING id",
                )
                .bind(account)
                .bind(address)
                .bind(at_ms)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn forget_sign_in_failure(&self, id: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn nth_newest_failure(
                &self,
                account: Option<&str>,
                address: &str,
                since_ms: i64,
                nth: u32,
            ) -> $crate::store::StoreResult<Option<i64>> {
                let offset = i64::from(nth.saturating_sub(1));
                let found: Option<i64> = match account {
                    Some(account) => {
                        sqlx::query_scalar(
                            "SELECT at FROM sign_in_failures \
                         WHERE account = $1 AND address = $2 AND at >= $3 \
                         ORDER BY at DESC LIMIT 1 OFFSET $4",
                        )
                        .bind(account)
                        .bind(address)
                        .bind(since_ms)
                        .bind(offset)
                        .fetch_optional(&self.pool)
                        .await?
                    }
                    None => {
                        sqlx::query_scalar(
                            "SELECT at FROM sign_in_failures WHERE address = $1 AND at >= $2 \
                         ORDER BY at DESC LIMIT 1 OFFSET $3",
                        )
                        .bind(address)
                        .bind(since_ms)
                        .bind(offset)
                        .fetch_optional(&self.pool)
                        .await?
                    }
                };
                Ok(found)
            }

            async fn clear_sign_in_failures(
                &self,
                account: &str,
                address: &str,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM sign_in_failures WHERE account = $1 AND address = $2")
                    .bind(account)
                    .bind(address)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_token(
                &self,
                token: &$crate::store::access::NewToken,
            ) -> $crate::store::StoreResult<app::api::ApiToken> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(token.user_id)
                .bind(&token.name)
                .bind(token.scope.key())
                .bind(&token.hash)
                .bind(token.created_at)
                .fetch_one(&self.pool)
                .await?;
                $crate::store::access::AccessStore::token(self, id)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound)
            }

            async fn tokens(
                &self,
                owner: Option<i64>,
            ) -> $crate::store::StoreResult<Vec<app::api::ApiToken>> {
                let select = $crate::store::access::TOKEN_SELECT;
                let rows: Vec<$crate::store::access::TokenRow> = match owner {
                    Some(owner) => {
                        sqlx::query_as(&format!("{select} WHERE t.user_id = $1 ORDER BY t.id DESC"))
                            .bind(owner)
                            .fetch_all(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query_as(&format!("{select} ORDER BY t.id DESC"))
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                rows.into_iter().map(|r| r.into_token()).collect()
            }

            async fn token(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<app::api::ApiToken>> {
                let select = $crate::store::access::TOKEN_SELECT;
                let row: Option<$crate::store::access::TokenRow> =
                    sqlx::query_as(&format!("{select} WHERE t.id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|r| r.into_token()).transpose()
            }

            async fn token_by_hash(
                &self,
                hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::access::TokenGrant>> {
                let select = $crate::store::access::TOKEN_SELECT;
                let row: Option<$crate::store::access::TokenRow> =
                    sqlx::query_as(&format!("{select} WHERE t.token_hash = $1"))
                        .bind(hash)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(token) = row.map(|r| r.into_token()).transpose()? else {
                    return Ok(None);
                };
                let owner = $crate::store::Store::user(self, token.owner_id).await?;
                Ok(owner.map(|owner| $crate::store::access::TokenGrant { token, owner }))
            }

            async fn delete_token(&self, id: i64) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn touch_token(
                &self,
                id: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

impl_access!(super::sqlite::SqliteStore);
impl_access!(super::postgres::PgStore);
