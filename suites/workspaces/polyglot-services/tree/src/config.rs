use std::env;

pub struct Config {
    pub database_url: String,
    pub max_connections: u32,
    pub password_pepper: String,
}

impl Config {
    pub fn from_env() -> Self {
        Config {
            database_url: env::var("DATABASE_URL").unwrap(),
            max_connections: env::var("DB_MAX_CONNECTIONS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(10),
            password_pepper: env::var("PASSWORD_PEPPER").unwrap_or_default(),
        }
    }
}
