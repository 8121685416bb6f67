//! The service catalog: what incidents can affect.

use app::domain::{AppError, Service as CatalogService, ServiceInput, User};

use super::Service;
use crate::store::StoreError;

impl Service {
    pub async fn services(&self) -> Result<Vec<CatalogService>, AppError> {
        Ok(self.store.services().await?)
    }

    pub async fn service(&self, id: i64) -> Result<CatalogService, AppError> {
        self.store
            .service(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Service {id} is not in the catalog.")))
    }

    /// Adds (`id` `None`) or edits a catalog service.
    pub async fn save_service(
        &self,
        actor: &User,
        id: Option<i64>,
        input: ServiceInput,
    ) -> Result<CatalogService, AppError> {
        if !actor.can_write() {
            return Err(AppError::forbidden(
                "Your role (stakeholder) can read the service catalog but not change it.",
            ));
        }
        let input = input.validate().map_err(AppError::from)?;
        match self.store.save_service(id, &input).await {
            Err(StoreError::NotFound) => Err(AppError::not_found(format!(
                "Service {} is not in the catalog.",
                id.unwrap_or_default()
            ))),
            other => Ok(other?),
        }
    }
}
