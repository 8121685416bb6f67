//! Passwords (argon2id) and the session's user.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// The session key holding the signed-in user's id.
pub const SESSION_USER: &str = "user_id";

/// The session key holding when (unix seconds) the session last extended its lifetime.
pub const SESSION_TOUCHED: &str = "touched_at";

/// Shortest password we accept when creating users.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn dummy_hash() -> &'static str {
    DUMMY_HASH.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// Argon2 is deliberately expensive (about 19 MiB and tens of milliseconds per check): at most
/// this many run at once, each on the blocking pool, so sign-in attempts can neither starve the
/// async workers (and every live stream with them) nor exhaust memory.
static VERIFICATIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Prepares what sign-in needs, so the first attempt is not slower than the others (which would
/// tell whether an email exists).
pub fn warm_up() {
    let _ = dummy_hash();
}

/// Checks `password` against `hash`, or against a dummy hash when there is no user, so an unknown
/// email costs the same time as a wrong password.
pub async fn verify_off_thread(password: &str, hash: Option<String>) -> bool {
    let Ok(_permit) = VERIFICATIONS.acquire().await else {
        return false;
    };
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// What every API token starts with, so one found in a log or a repository is recognisable.
pub const TOKEN_PREFIX: &str = "sitrep_";

/// A new API token: the prefix and 32 random bytes (hex). Only its `token_hash` is stored.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The SHA-256 of a token (hex). A plain hash suffices: the secret is 256 random bits, not a
/// password anyone could guess.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(
            a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64,
            "{a}"
        );
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
