//! The keys every test runs with, one set for the whole mesh: a person's
//! pseudonymous id is the same in every service's tests, so one service's
//! recorded events name the people another service's tests expect.

/// The at-rest key ring for personal data (`<id>:<base64 32 bytes>`).
pub const PII_ENCRYPTION_KEYS: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The HMAC key of lookups by personal data (base64, 32 bytes).
pub const PII_LOOKUP_KEY: &str = "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=";

/// The province-wide key of pseudonymous person ids (base64, 32 bytes).
pub const PERSON_ID_KEY: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
