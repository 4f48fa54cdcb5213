use actix_web::{test, web, App};
use serde_json::json;
use sqlx::PgPool;

#[path = "../src/handlers/mod.rs"]
mod handlers;

async fn pool() -> PgPool {
    let url = std::env::var("TEST_DATABASE_URL").unwrap();
    PgPool::connect(&url).await.unwrap()
}

#[actix_web::test]
async fn get_unknown_user_is_404() {
    let app = test::init_service(
        App::new().app_data(web::Data::new(pool().await)).configure(handlers::routes),
    )
    .await;
    let req = test::TestRequest::get().uri("/users/999999").to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 404);
}

#[actix_web::test]
async fn create_user_rejects_blank_email() {
    let app = test::init_service(
        App::new().app_data(web::Data::new(pool().await)).configure(handlers::routes),
    )
    .await;
    let req = test::TestRequest::post()
        .uri("/users")
        .set_json(json!({ "email": " ", "password": "hunter2" }))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 400);
}

#[actix_web::test]
async fn create_user_returns_201() {
    let app = test::init_service(
        App::new().app_data(web::Data::new(pool().await)).configure(handlers::routes),
    )
    .await;
    let req = test::TestRequest::post()
        .uri("/users")
        .set_json(json!({ "email": "ada@example.com", "password": "correct horse" }))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 201);
}
