use actix_web::{middleware::Logger, web, App, HttpServer};
use sqlx::postgres::PgPoolOptions;

mod auth;
mod config;
mod error;
mod handlers;
mod models;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let cfg = config::Config::from_env();

    let pool = PgPoolOptions::new()
        .max_connections(cfg.max_connections)
        .connect(&cfg.database_url)
        .await
        .unwrap();

    let port: u16 = std::env::var("PORT").unwrap_or_else(|_| "8081".into()).parse().unwrap();
    tracing::info!(port, "accounts service starting");

    HttpServer::new(move || {
        App::new()
            .wrap(Logger::default())
            .app_data(web::Data::new(pool.clone()))
            .configure(handlers::routes)
    })
    .bind(("0.0.0.0", port))?
    .run()
    .await
}
