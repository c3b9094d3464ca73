use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};

use super::*;

const CITY_ISS: &str = "https://id.fuzhou.example/realms/qiancheng";
const PROVINCE_ISS: &str = "https://province.qiancheng.example";
const ORG: &str = "91350100M000100Y43";
const PERSON: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// A scratch directory removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("qc-auth-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        Self(dir)
    }

    fn write_set(&self, name: &str, keys: &[serde_json::Value]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, serde_json::json!({ "keys": keys }).to_string()).expect("jwks");
        format!("file://{}", path.display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(jwks_url: String) -> AuthConfig {
    AuthConfig {
        issuer: CITY_ISS.into(),
        jwks_url,
        jwks_min_refetch_secs: 0,
        ..AuthConfig::default()
    }
}

fn verifier(cfg: &AuthConfig) -> TokenVerifier {
    TokenVerifier::new(cfg, "subsidy-payment", "350100").expect("verifier")
}

fn claims(role: Role) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "officer-1".into(),
        role,
        city: Some("350100".into()),
        org: None,
        scope: None,
        act: None,
        iss: CITY_ISS.into(),
        aud: Audience(vec!["qiancheng".into()]),
        exp: now + 600,
        iat: now,
        nbf: None,
        jti: None,
    }
}

fn jwk_of(signer: &Signer) -> serde_json::Value {
    signer.jwks()["keys"][0].clone()
}

async fn code_of(v: &TokenVerifier, token: &str) -> &'static str {
    v.verify(token).await.expect_err("refused").code
}

/// A key pair made by OpenSSL, as an identity provider's would be.
fn openssl_key(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let path = dir.join(name);
    let status = Command::new("openssl")
        .args(["genpkey", "-out"])
        .arg(&path)
        .args(args)
        .status()
        .expect("openssl runs");
    assert!(status.success());
    std::fs::read(path).expect("key")
}

fn foreign_key_token(key: &EncodingKey, alg: Algorithm, kid: &str, c: &Claims) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    encode(&header, c, key).expect("signs")
}

#[tokio::test]
async fn eddsa_es256_and_rs256_tokens_verify_by_their_key_id() {
    let dir = Dir::new();
    let ed = Signer::generate();
    let ec = EncodingKey::from_ec_pem(&openssl_key(
        &dir.0,
        "ec.pem",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ))
    .expect("ec");
    let rsa = EncodingKey::from_rsa_pem(&openssl_key(
        &dir.0,
        "rsa.pem",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ))
    .expect("rsa");
    let mut ec_jwk = Jwk::from_encoding_key(&ec, Algorithm::ES256).expect("jwk");
    ec_jwk.common.key_id = Some("ec-1".into());
    let mut rsa_jwk = Jwk::from_encoding_key(&rsa, Algorithm::RS256).expect("jwk");
    rsa_jwk.common.key_id = Some("rsa-1".into());
    let url = dir.write_set(
        "jwks.json",
        &[
            jwk_of(&ed),
            serde_json::to_value(ec_jwk).expect("json"),
            serde_json::to_value(rsa_jwk).expect("json"),
        ],
    );
    let v = verifier(&config(url));
    let c = claims(Role::BureauOfficer);
    for token in [
        ed.sign(&c).expect("signs"),
        foreign_key_token(&ec, Algorithm::ES256, "ec-1", &c),
        foreign_key_token(&rsa, Algorithm::RS256, "rsa-1", &c),
    ] {
        assert_eq!(
            v.verify(&token).await.expect("verifies").role,
            Role::BureauOfficer
        );
    }
    // A key used under another algorithm than its own is refused.
    assert_eq!(
        code_of(&v, &foreign_key_token(&rsa, Algorithm::RS256, "ec-1", &c)).await,
        "token_algorithm_refused"
    );
}

#[tokio::test]
async fn each_broken_rule_is_named() {
    let dir = Dir::new();
    let signer = Signer::generate();
    let v = verifier(&config(dir.write_set("jwks.json", &[jwk_of(&signer)])));
    let now = chrono::Utc::now().timestamp();
    let with = |f: &dyn Fn(&mut Claims)| {
        let mut c = claims(Role::BureauOfficer);
        f(&mut c);
        signer.sign(&c).expect("signs")
    };
    let hs256 = encode(
        &Header::new(Algorithm::HS256),
        &claims(Role::BureauOfficer),
        &EncodingKey::from_secret(b"local-development-secret-not-for-production"),
    )
    .expect("hs256");
    let stranger = Signer::generate()
        .sign(&claims(Role::BureauOfficer))
        .expect("signs");
    let mut tampered = signer.sign(&claims(Role::Auditor)).expect("signs");
    let forged_payload = signer.sign(&claims(Role::BureauOfficer)).expect("signs");
    let (head, _) = tampered.split_once('.').expect("jwt");
    let body = forged_payload.split('.').nth(1).expect("payload");
    let sig = tampered.rsplit('.').next().expect("signature").to_owned();
    tampered = format!("{head}.{body}.{sig}");
    let cases: Vec<(String, &str)> = vec![
        ("not a token".into(), "token_malformed"),
        (hs256, "token_algorithm_refused"),
        (stranger, "token_key_unknown"),
        (tampered, "token_signature_invalid"),
        (
            with(&|c| {
                c.exp = now - 120;
                c.iat = now - 700;
            }),
            "token_expired",
        ),
        (with(&|c| c.nbf = Some(now + 600)), "token_not_yet_valid"),
        (with(&|c| c.iat = now + 600), "token_not_yet_valid"),
        (
            with(&|c| c.exp = now + 10 * 365 * 86_400),
            "token_lifetime_too_long",
        ),
        (
            with(&|c| c.aud = Audience(vec!["qiancheng/demand-catalog".into()])),
            "token_audience_mismatch",
        ),
        (
            with(&|c| c.iss = "https://id.xiamen.example/realms/qiancheng".into()),
            "token_issuer_unknown",
        ),
        (with(&|c| c.city = Some("350200".into())), "out_of_scope"),
        (with(&|c| c.city = None), "token_claims_invalid"),
        (with(&|c| c.role = Role::Province), "token_claims_invalid"),
        (
            with(&|c| {
                c.role = Role::InstitutionOperator;
                c.org = Some("not-a-credit-code".into());
            }),
            "token_claims_invalid",
        ),
        (
            with(&|c| {
                c.role = Role::Trainee;
                c.sub = "110101199003074578".into();
            }),
            "token_claims_invalid",
        ),
    ];
    for (token, code) in cases {
        assert_eq!(code_of(&v, &token).await, code, "{token}");
    }
    // This service's own audience and a well-formed organisation pass.
    let own = with(&|c| {
        c.aud = Audience(vec!["x".into(), "qiancheng/subsidy-payment".into()]);
        c.role = Role::Integrator;
        c.org = Some(ORG.into());
        c.scope = Some("claims:file social_insurance:upload".into());
    });
    let ok = v.verify(&own).await.expect("verifies");
    assert!(ok.has_scope("social_insurance:upload"));
    assert!(!ok.has_scope("social_insurance"));
    let trainee = with(&|c| {
        c.role = Role::Trainee;
        c.sub = PERSON.into();
        c.city = None;
    });
    assert_eq!(v.verify(&trainee).await.expect("ok").sub, PERSON);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_without_a_restart() {
    let dir = Dir::new();
    let old = Signer::generate();
    let url = dir.write_set("jwks.json", &[jwk_of(&old)]);
    let v = verifier(&config(url));
    let c = claims(Role::Auditor);
    v.verify(&old.sign(&c).expect("signs"))
        .await
        .expect("old key");
    let new = Signer::generate();
    assert_eq!(
        code_of(&v, &new.sign(&c).expect("signs")).await,
        "token_key_unknown"
    );
    // The identity provider publishes the new key beside the old.
    dir.write_set("jwks.json", &[jwk_of(&old), jwk_of(&new)]);
    v.verify(&new.sign(&c).expect("signs"))
        .await
        .expect("new key, same process");
    v.verify(&old.sign(&c).expect("signs"))
        .await
        .expect("old key still listed");
    // …then retires the old one.
    dir.write_set("jwks.json", &[jwk_of(&new)]);
    let stray = Signer::generate();
    let _ = v.verify(&stray.sign(&c).expect("signs")).await;
    assert_eq!(
        code_of(&v, &old.sign(&c).expect("signs")).await,
        "token_key_unknown"
    );
}

#[tokio::test]
async fn the_province_vouches_for_its_read_only_role_alone() {
    let dir = Dir::new();
    let city = Signer::generate();
    let province = Signer::generate();
    let mut cfg = config(dir.write_set("city.json", &[jwk_of(&city)]));
    cfg.province = Some(Issuer {
        issuer: PROVINCE_ISS.into(),
        jwks_url: dir.write_set("province.json", &[jwk_of(&province)]),
    });
    let v = verifier(&cfg);
    let mut c = claims(Role::Province);
    c.iss = PROVINCE_ISS.into();
    c.city = None;
    assert_eq!(
        v.verify(&province.sign(&c).expect("signs"))
            .await
            .expect("ok")
            .role,
        Role::Province
    );
    // The city's key cannot vouch for the province's issuer, nor the
    // province's for an officer.
    assert_eq!(
        code_of(&v, &city.sign(&c).expect("signs")).await,
        "token_key_unknown"
    );
    c.role = Role::BureauOfficer;
    c.city = Some("350100".into());
    assert_eq!(
        code_of(&v, &province.sign(&c).expect("signs")).await,
        "token_claims_invalid"
    );
}

/// A JWKS over HTTP: fetched once, cached, fetched again for an unknown key
/// id no more often than the configured minimum.
#[tokio::test]
async fn keys_over_http_are_cached_and_refetched_sparingly() {
    let signer = Signer::generate();
    let set = Arc::new(Mutex::new(signer.jwks()));
    let hits = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (set.clone(), hits.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let addr = listener.local_addr().expect("addr");
    let server = actix_web::HttpServer::new(move || {
        let (served, counted) = (served.clone(), counted.clone());
        actix_web::App::new().route(
            "/jwks",
            actix_web::web::get().to(move || {
                let (served, counted) = (served.clone(), counted.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let body = served.lock().expect("lock").clone();
                    actix_web::HttpResponse::Ok().json(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    let mut cfg = config(format!("http://{addr}/jwks"));
    cfg.jwks_min_refetch_secs = 3600;
    let v = verifier(&cfg);
    let c = claims(Role::Auditor);
    for _ in 0..5 {
        v.verify(&signer.sign(&c).expect("signs"))
            .await
            .expect("verifies");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    for _ in 0..5 {
        let stranger = Signer::generate();
        assert_eq!(
            code_of(&v, &stranger.sign(&c).expect("signs")).await,
            "token_key_unknown"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "made-up key ids do not make the service fetch again within the minimum"
    );
    handle.stop(true).await;
}

#[tokio::test]
async fn an_unreachable_identity_provider_is_a_503_not_a_401() {
    let v = verifier(&config("http://127.0.0.1:9/jwks".into()));
    let token = Signer::generate()
        .sign(&claims(Role::Auditor))
        .expect("signs");
    let err = v.verify(&token).await.expect_err("no keys");
    assert_eq!(
        (err.status.as_u16(), err.code),
        (503, "identity_provider_unavailable")
    );
}

#[test]
fn scope_checks() {
    let p = Principal(claims(Role::BureauOfficer));
    let fuzhou: ids::CityCode = "350100".parse().expect("city");
    let xiamen: ids::CityCode = "350200".parse().expect("city");
    assert!(p.require_city(fuzhou).is_ok());
    assert_eq!(
        p.require_city(xiamen).expect_err("other city").code,
        "out_of_scope"
    );
    assert_eq!(
        p.require(&[Role::Auditor]).expect_err("role").code,
        "forbidden_role"
    );
}

#[test]
fn an_integrator_acts_only_within_its_granted_scopes() {
    let mut c = claims(Role::Integrator);
    c.org = Some(ORG.into());
    c.scope = Some("delivery:classes delivery:attendance".into());
    let system = Principal(c);
    assert!(system.require_scope(Scope::DeliveryClasses).is_ok());
    assert!(system.require_scope(Scope::DeliveryAttendance).is_ok());
    assert_eq!(
        system
            .require_scope(Scope::SocialInsuranceUpload)
            .expect_err("not granted")
            .code,
        "scope_missing"
    );
    // A person's role is their purpose: scopes bind systems only.
    let operator = Principal(claims(Role::InstitutionOperator));
    assert!(operator.require_scope(Scope::DeliveryClasses).is_ok());
    let names: std::collections::BTreeSet<_> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names.len(), Scope::ALL.len(), "scope names are distinct");
}
