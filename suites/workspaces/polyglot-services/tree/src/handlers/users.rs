use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use sqlx::PgPool;

use crate::auth::hash_password;
use crate::error::AppError;
use crate::models::User;

#[derive(Deserialize)]
pub struct NewUser {
    pub email: String,
    pub password: String,
}

#[post("/users")]
pub async fn create_user(
    pool: web::Data<PgPool>,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    if body.email.trim().is_empty() {
        return Err(AppError::BadRequest("email is required".into()));
    }
    let hash = hash_password(&body.password)?;
    let user = sqlx::query_as::<_, User>(
        "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id, email, created_at",
    )
    .bind(&body.email)
    .bind(&hash)
    .fetch_one(pool.get_ref())
    .await?;

    Ok(HttpResponse::Ok().json(user))
}

#[get("/users/{id}")]
pub async fn get_user(
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = sqlx::query_as::<_, User>("SELECT id, email, created_at FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool.get_ref())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(user))
}

#[delete("/users/{id}")]
pub async fn delete_user(
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(path.into_inner())
        .execute(pool.get_ref())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
