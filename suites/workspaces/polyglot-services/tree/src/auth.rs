use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::AppError;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| AppError::Hash)
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    let parsed = PasswordHash::new(stored).unwrap();
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}
