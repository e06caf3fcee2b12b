use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::ApiTags;
use crate::{
    http::{
        AppState,
        openapi::{Failure, kind::Read},
    },
    services::maintenance,
};

pub struct HealthApi;

/// The service is up and its database answers.
#[derive(Object)]
struct Health {
    /// Always `ok`.
    status: String,
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// The service can serve requests.
    #[oai(status = 200)]
    Ok(Json<Health>),
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Health check
    ///
    /// Answers 200 when the database can be reached, 503 `unavailable` when it cannot.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self, state: Data<&AppState>) -> Result<HealthResponse, Failure<Read>> {
        maintenance::health(&state).await?;
        Ok(HealthResponse::Ok(Json(Health { status: "ok".into() })))
    }
}
