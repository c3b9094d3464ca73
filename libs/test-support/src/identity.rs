//! The test identity provider: one Ed25519 key per test process, published
//! as a JWKS file the services under test fetch like any key set.

use std::sync::OnceLock;

use platform::auth::{AuthConfig, NewToken, Role, Signer};

/// The issuer of every test token (the demo city's identity provider).
pub const TEST_ISSUER: &str = "https://id.test.qiancheng/350100";

struct Identity {
    signer: Signer,
    key_file: String,
    jwks_url: String,
}

fn identity() -> &'static Identity {
    static IDENTITY: OnceLock<Identity> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("qc-test-identity-{}", std::process::id()));
        let (key, jwks) = Signer::ensure_files(&dir).expect("test signing key");
        Identity {
            signer: Signer::from_pem_file(&key).expect("test signing key"),
            key_file: key.display().to_string(),
            jwks_url: format!("file://{}", jwks.display()),
        }
    })
}

/// The `auth` section of every service under test: it trusts the test
/// identity provider and may mint tokens locally (`dev-token`).
pub fn auth() -> AuthConfig {
    let id = identity();
    AuthConfig {
        issuer: TEST_ISSUER.into(),
        jwks_url: id.jwks_url.clone(),
        local_signing_key: id.key_file.clone(),
        ..AuthConfig::default()
    }
}

/// The test identity provider's key, to sign tokens of any shape.
pub fn signer() -> &'static Signer {
    &identity().signer
}

/// A bearer token for `role`, acting for `city` and `org`.
pub fn token(role: Role, city: Option<&str>, org: Option<&str>) -> String {
    token_with(role, city, org, None)
}

/// A token that also grants OAuth2 `scope` (space-separated).
pub fn token_with(
    role: Role,
    city: Option<&str>,
    org: Option<&str>,
    scope: Option<&str>,
) -> String {
    signer()
        .mint(&NewToken {
            issuer: TEST_ISSUER,
            audience: "qiancheng",
            sub: &format!("{}-tester", role.as_str()),
            role,
            city,
            org,
            scope,
            ttl_secs: 3600,
        })
        .expect("the test key signs")
}

/// A trainee's own token: its subject is their person id.
pub fn trainee_token(person_id: &str) -> String {
    signer()
        .mint(&NewToken {
            issuer: TEST_ISSUER,
            audience: "qiancheng",
            sub: person_id,
            role: Role::Trainee,
            city: None,
            org: None,
            scope: None,
            ttl_secs: 3600,
        })
        .expect("the test key signs")
}

/// A token of `role` that `issuer` signed (with the test key): the
/// province's identity provider, or another city's.
pub fn token_from(issuer: &str, role: Role, city: Option<&str>) -> String {
    signer()
        .mint(&NewToken {
            issuer,
            audience: "qiancheng",
            sub: &format!("{}-tester", role.as_str()),
            role,
            city,
            org: None,
            scope: None,
            ttl_secs: 3600,
        })
        .expect("the test key signs")
}

/// A token for `role` whose subject is `sub`: a second officer of the same
/// city is the same role under another subject.
pub fn token_as(sub: &str, role: Role, city: Option<&str>, org: Option<&str>) -> String {
    signer()
        .mint(&NewToken {
            issuer: TEST_ISSUER,
            audience: "qiancheng",
            sub,
            role,
            city,
            org,
            scope: None,
            ttl_secs: 3600,
        })
        .expect("the test key signs")
}

/// The trainee portal acting for a trainee (RFC 8693 `act`): a trainee's
/// token that says who acts for them.
pub fn portal_token(person_id: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    signer()
        .sign(&platform::auth::Claims {
            sub: person_id.to_owned(),
            role: Role::Trainee,
            city: None,
            org: None,
            scope: None,
            act: Some(platform::auth::Actor {
                sub: "trainee-portal".to_owned(),
            }),
            iss: TEST_ISSUER.to_owned(),
            aud: platform::auth::Audience(vec!["qiancheng".to_owned()]),
            exp: now + 3600,
            iat: now,
            nbf: Some(now),
            jti: None,
        })
        .expect("the test key signs")
}
