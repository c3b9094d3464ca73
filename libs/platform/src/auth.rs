//! Bearer JWTs with a role and a scope (city, organisation). Handlers that
//! take a [`Principal`] require a token; public handlers take
//! [`crate::public::PublicRead`] instead, which marks them as public.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::ApiError;

/// Who is calling, by function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 人社局 officer: publishes, approves, supervises, pays.
    BureauOfficer,
    /// Reads everything of its city, changes nothing (incl. finance bureau).
    Auditor,
    /// Operator of a training institution (培训机构).
    InstitutionOperator,
    /// Staff of an assessment organisation (评价机构).
    Assessor,
    /// An enterprise (企业).
    Enterprise,
    /// A third-party system calling on behalf of an organisation.
    Integrator,
    /// A worker or trainee (劳动者) signed in through the province's identity
    /// provider; `sub` is their pseudonymous person id, never the ID number.
    Trainee,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BureauOfficer => "bureau_officer",
            Self::Auditor => "auditor",
            Self::InstitutionOperator => "institution_operator",
            Self::Assessor => "assessor",
            Self::Enterprise => "enterprise",
            Self::Integrator => "integrator",
            Self::Trainee => "trainee",
        }
    }
}

/// The token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// City the caller acts for (region code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Organisation the caller acts for (unified social credit code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

/// The `auth` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 secret shared with the identity provider.
    #[serde(deserialize_with = "crate::config::string_like")]
    pub jwt_secret: String,
    pub issuer: String,
    pub audience: String,
    /// Clock skew tolerated, in seconds.
    pub leeway_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: String::new(),
            issuer: "qiancheng".into(),
            audience: "qiancheng".into(),
            leeway_secs: 30,
        }
    }
}

impl AuthConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        if self.jwt_secret.len() < 32 {
            vec![("jwt_secret", "must be at least 32 characters".into())]
        } else {
            Vec::new()
        }
    }
}

/// Verifies tokens; shared with handlers as app data.
#[derive(Clone)]
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(cfg: &AuthConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&cfg.issuer]);
        validation.set_audience(&[&cfg.audience]);
        validation.leeway = cfg.leeway_secs;
        Self {
            key: DecodingKey::from_secret(cfg.jwt_secret.as_bytes()),
            validation,
        }
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| ApiError::unauthenticated(format!("the bearer token is not valid: {e}")))
    }
}

/// Mints a token (the `dev-token` command and tests).
pub fn mint(
    cfg: &AuthConfig,
    sub: &str,
    role: Role,
    city: Option<&str>,
    org: Option<&str>,
    ttl_secs: i64,
) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: sub.to_owned(),
        role,
        city: city.map(str::to_owned),
        org: org.map(str::to_owned),
        iss: cfg.issuer.clone(),
        aud: cfg.audience.clone(),
        exp: now + ttl_secs,
        iat: now,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(cfg.jwt_secret.as_bytes()),
    )
    .expect("HS256 signing cannot fail")
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal(pub Claims);

impl Principal {
    pub fn subject(&self) -> &str {
        &self.0.sub
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Self, ApiError> {
        if roles.contains(&self.0.role) {
            Ok(self)
        } else {
            Err(ApiError::forbidden(
                "forbidden_role",
                format!(
                    "this needs one of the roles {}",
                    roles
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }

    /// 403 unless the caller acts for `city`.
    pub fn require_city(&self, city: ids::CityCode) -> Result<&Self, ApiError> {
        if self.0.city.as_deref() == Some(city.as_str()) {
            Ok(self)
        } else {
            Err(ApiError::forbidden(
                "out_of_scope",
                format!("the caller does not act for city {city}"),
            ))
        }
    }

    /// May the caller see a record of an institution (`org`) in `city`?
    /// Officers and auditors of the city; the institution's own operators
    /// and integrators. Everyone else is answered 404, so that another
    /// institution's records do not even show they exist.
    pub fn may_see_institution_record(&self, city: &str, org: &str) -> bool {
        match self.0.role {
            Role::BureauOfficer | Role::Auditor => self.0.city.as_deref() == Some(city),
            Role::InstitutionOperator | Role::Integrator => self.org() == Some(org),
            Role::Assessor | Role::Enterprise | Role::Trainee => false,
        }
    }

    /// The person a trainee's token speaks for (their person id); `None`
    /// for every other role.
    pub fn person_id(&self) -> Option<&str> {
        (self.0.role == Role::Trainee).then_some(self.0.sub.as_str())
    }

    /// The organisation the caller acts for, if any.
    pub fn org(&self) -> Option<&str> {
        self.0.org.as_deref()
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let verifier = req
        .app_data::<web::Data<TokenVerifier>>()
        .ok_or_else(|| ApiError::internal("TokenVerifier is not registered"))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthenticated("send a bearer token in the Authorization header")
        })?;
    let token = header.strip_prefix("Bearer ").ok_or_else(|| {
        ApiError::unauthenticated("the Authorization header must be `Bearer <token>`")
    })?;
    verifier.verify(token.trim()).map(Principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(secret: &str) -> AuthConfig {
        AuthConfig {
            jwt_secret: secret.into(),
            ..AuthConfig::default()
        }
    }

    #[test]
    fn a_minted_token_verifies_with_the_same_secret_only() {
        let good = cfg("0123456789abcdef0123456789abcdef");
        let token = mint(
            &good,
            "officer-1",
            Role::BureauOfficer,
            Some("350100"),
            None,
            60,
        );
        let claims = TokenVerifier::new(&good).verify(&token).expect("valid");
        assert_eq!(claims.role, Role::BureauOfficer);
        assert_eq!(claims.city.as_deref(), Some("350100"));
        let other = cfg("fedcba9876543210fedcba9876543210");
        assert_eq!(
            TokenVerifier::new(&other)
                .verify(&token)
                .expect_err("wrong key")
                .code,
            "unauthenticated"
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let c = AuthConfig {
            leeway_secs: 0,
            ..cfg("0123456789abcdef0123456789abcdef")
        };
        let token = mint(&c, "x", Role::Auditor, None, None, -120);
        assert!(TokenVerifier::new(&c).verify(&token).is_err());
    }

    #[test]
    fn scope_checks() {
        let p = Principal(Claims {
            sub: "s".into(),
            role: Role::BureauOfficer,
            city: Some("350100".into()),
            org: None,
            iss: "i".into(),
            aud: "a".into(),
            exp: 0,
            iat: 0,
        });
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
    fn short_secrets_are_a_config_error() {
        assert_eq!(cfg("short").problems()[0].0, "jwt_secret");
    }
}
