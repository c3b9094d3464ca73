//! The public cache over TLS to a Redis that admits an ACL user only.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

use platform::config::{PublicConfig, RedisConfig};
use platform::public::PublicCache;

#[tokio::test]
async fn the_cache_reaches_redis_over_tls_as_its_acl_user_only() {
    let secure = test_support::redis_secure();
    let cache = PublicCache::connect(&secure, &PublicConfig::default())
        .await
        .expect("TLS with the test CA, as the ACL user");
    cache.ping().await.expect("answers");

    let wrong_password = RedisConfig {
        url: secure.url.replacen(":test-redis-password@", ":wrong@", 1),
        ..secure.clone()
    };
    assert_ne!(wrong_password.url, secure.url);
    let plaintext = RedisConfig {
        url: secure.url.replacen("rediss://", "redis://", 1),
        ca_file: String::new(),
        ..secure.clone()
    };
    let other_ca = RedisConfig {
        ca_file: "/etc/ssl/certs/ca-certificates.crt".into(),
        ..secure.clone()
    };
    for (what, cfg, refused_outright) in [
        ("a wrong password", wrong_password, true),
        (
            "a CA that did not sign the server's certificate",
            other_ca,
            true,
        ),
        // A TLS server waits for a handshake a plaintext client never starts.
        ("no TLS", plaintext, false),
    ] {
        let client = cfg.client().expect("a client");
        let connected = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            client.get_multiplexed_async_connection(),
        )
        .await;
        match connected {
            Ok(Ok(_)) => panic!("{what} was let in"),
            Ok(Err(_)) => {}
            Err(_) => assert!(!refused_outright, "{what}: no answer rather than a refusal"),
        }
    }
    assert!(RedisConfig {
        ca_file: secure.ca_file.clone(),
        url: "redis://127.0.0.1:6379".into(),
        ..RedisConfig::default()
    }
    .problems()
    .iter()
    .any(|(k, _)| *k == "ca_file"));
}
