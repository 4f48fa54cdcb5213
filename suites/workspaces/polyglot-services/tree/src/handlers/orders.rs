use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use sqlx::PgPool;

use crate::error::AppError;
use crate::models::Order;

#[derive(Deserialize)]
pub struct Page {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[get("/users/{id}/orders")]
pub async fn list_orders(
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
    page: web::Query<Page>,
) -> Result<HttpResponse, AppError> {
    let orders = sqlx::query_as::<_, Order>(
        "SELECT id, user_id, total_cents, note FROM orders WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    )
    .bind(path.into_inner())
    .bind(page.limit.unwrap_or(50).min(200))
    .bind(page.offset.unwrap_or_default())
    .fetch_all(pool.get_ref())
    .await?;
    Ok(HttpResponse::Ok().json(orders))
}

#[get("/users/{id}/orders/export")]
pub async fn export_orders(
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let orders = sqlx::query_as::<_, Order>("SELECT id, user_id, total_cents, note FROM orders WHERE user_id = $1")
        .bind(path.into_inner())
        .fetch_all(pool.get_ref())
        .await?;
    let lines: Vec<String> = orders
        .iter()
        .map(|o| serde_json::to_string(o).unwrap())
        .collect();
    Ok(HttpResponse::Ok().content_type("application/x-ndjson").body(lines.join("\n")))
}
