//! Bearer JWTs signed by the city's identity provider (ES256, EdDSA or
//! RS256; never HS256), verified against its published keys by `kid`, with
//! a role and a scope (city, organisation, person). Handlers that take a
//! [`Principal`] require a token; public handlers take
//! [`crate::public::PublicRead`] instead, which marks them as public.
//!
//! A refusal names the rule that refused (`token_expired`,
//! `token_issuer_unknown` …) but never why a signature failed.

mod config;
mod keys;
mod signing;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Validation};
use serde::{Deserialize, Serialize};

pub use config::{AuthConfig, Issuer};
pub use ids::Role;
pub use keys::ACCEPTED as ACCEPTED_ALGORITHMS;
pub use signing::{ed25519_key_id, NewToken, Signer};

use crate::ApiError;
use keys::{IssuerKeys, KeyError};

/// What an integrator's token may do (OAuth2 scopes its client is granted).
/// A person's role is their purpose; a system acting for an organisation
/// names each purpose: an institution's system that may file its classes
/// cannot upload social-insurance contributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Submit labour-market demands (gig-market platforms).
    DemandsSubmit,
    /// File the organisation's own application to the registry.
    RegistryApply,
    /// File and close the institution's own classes.
    DeliveryClasses,
    /// Enrol and withdraw trainees in the institution's own classes.
    DeliveryEnrolments,
    /// Record attendance in the institution's own classes.
    DeliveryAttendance,
    /// An assessment body's sessions, results, certificates and exceptional
    /// certifications.
    AssessmentRecords,
    /// Report employment, as the reporting employer or institution.
    EmploymentReports,
    /// Upload social-insurance contribution batches: the city's
    /// social-insurance agency alone.
    SocialInsuranceUpload,
    /// Post the enterprise's own vacancies.
    EmploymentVacancies,
    /// Record the enterprise's own apprenticeships.
    EmploymentApprenticeships,
    /// File the institution's own subsidy claims.
    SubsidyClaims,
    /// Propose the organisation's own bank account.
    SubsidyPayees,
}

impl Scope {
    pub const ALL: [Scope; 12] = [
        Self::DemandsSubmit,
        Self::RegistryApply,
        Self::DeliveryClasses,
        Self::DeliveryEnrolments,
        Self::DeliveryAttendance,
        Self::AssessmentRecords,
        Self::EmploymentReports,
        Self::SocialInsuranceUpload,
        Self::EmploymentVacancies,
        Self::EmploymentApprenticeships,
        Self::SubsidyClaims,
        Self::SubsidyPayees,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DemandsSubmit => "demands:submit",
            Self::RegistryApply => "registry:apply",
            Self::DeliveryClasses => "delivery:classes",
            Self::DeliveryEnrolments => "delivery:enrolments",
            Self::DeliveryAttendance => "delivery:attendance",
            Self::AssessmentRecords => "assessment:records",
            Self::EmploymentReports => "employment:reports",
            Self::SocialInsuranceUpload => "employment:social_insurance",
            Self::EmploymentVacancies => "employment:vacancies",
            Self::EmploymentApprenticeships => "employment:apprenticeships",
            Self::SubsidyClaims => "subsidy:claims",
            Self::SubsidyPayees => "subsidy:payees",
        }
    }
}

/// The token's claims. Unknown claims (an identity provider adds its own)
/// are ignored; the ones read here must have the right types.
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
    /// OAuth2 scopes, space-separated (RFC 8693 §4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Who acts for the subject (RFC 8693 §4.1), e.g. the trainee portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// The party acting for the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub sub: String,
}

/// `aud`: one audience or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(pub Vec<String>);

impl Serialize for Audience {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        Ok(Self(match Raw::deserialize(d)? {
            Raw::One(one) => vec![one],
            Raw::Many(many) => many,
        }))
    }
}

impl Claims {
    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope
            .as_deref()
            .is_some_and(|s| s.split_ascii_whitespace().any(|granted| granted == scope))
    }
}

/// Which issuer a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    City,
    Province,
}

/// Verifies tokens; shared with handlers as app data.
#[derive(Clone)]
pub struct TokenVerifier(Arc<Inner>);

struct Inner {
    issuers: Vec<(String, Trust, IssuerKeys)>,
    audiences: Vec<String>,
    leeway: u64,
    max_lifetime: i64,
    city: String,
}

fn refused(code: &'static str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
}

impl TokenVerifier {
    /// For the service `service` of the instance serving `city`.
    pub fn new(cfg: &AuthConfig, service: &str, city: &str) -> anyhow::Result<Self> {
        let http = tls::http_client(&cfg.ca_file, Duration::from_secs(5))?;
        let keys = |issuer: &str, url: &str| -> anyhow::Result<IssuerKeys> {
            let source = config::key_source(issuer, url).map_err(|e| anyhow::anyhow!(e))?;
            Ok(IssuerKeys::new(
                source,
                http.clone(),
                Duration::from_secs(cfg.jwks_cache_secs),
                Duration::from_secs(cfg.jwks_min_refetch_secs),
            ))
        };
        let mut issuers = Vec::new();
        if !cfg.issuer.is_empty() {
            issuers.push((
                cfg.issuer.clone(),
                Trust::City,
                keys(&cfg.issuer, &cfg.jwks_url)?,
            ));
        }
        if let Some(p) = &cfg.province {
            issuers.push((
                p.issuer.clone(),
                Trust::Province,
                keys(&p.issuer, &p.jwks_url)?,
            ));
        }
        Ok(Self(Arc::new(Inner {
            issuers,
            audiences: vec![cfg.audience.clone(), format!("{}/{service}", cfg.audience)],
            leeway: cfg.leeway_secs,
            max_lifetime: i64::try_from(cfg.max_token_lifetime_secs).unwrap_or(i64::MAX),
            city: city.to_owned(),
        })))
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let inner = &self.0;
        let header = decode_header(token)
            .map_err(|_| refused("token_malformed", "the bearer token cannot be read"))?;
        if !ACCEPTED_ALGORITHMS.contains(&header.alg) {
            return Err(refused(
                "token_algorithm_refused",
                "tokens must be signed with ES256, EdDSA or RS256",
            ));
        }
        let kid = header
            .kid
            .ok_or_else(|| refused("token_key_unknown", "the token names no key id (kid)"))?;
        // The issuer picks the key set, so a key of one issuer can never
        // vouch for a token claiming another (issuer confusion).
        let unverified_iss = unverified_issuer(token)
            .ok_or_else(|| refused("token_malformed", "the bearer token cannot be read"))?;
        let (issuer, trust, keys) = inner
            .issuers
            .iter()
            .find(|(iss, _, _)| *iss == unverified_iss)
            .ok_or_else(|| {
                refused(
                    "token_issuer_unknown",
                    "the token's issuer is not trusted by this instance",
                )
            })?;
        let key = keys.get(&kid).await.map_err(|e| match e {
            KeyError::Unknown => refused(
                "token_key_unknown",
                "the token's key id is not among the issuer's keys",
            ),
            KeyError::Unavailable => {
                ApiError::unavailable("the identity provider's keys could not be fetched")
                    .with_code("identity_provider_unavailable")
            }
        })?;
        if key.algorithm != header.alg {
            return Err(refused(
                "token_algorithm_refused",
                "the token's algorithm is not its key's",
            ));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&inner.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = inner.leeway;
        let claims = decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => refused("token_expired", "the token has expired"),
                ErrorKind::ImmatureSignature => {
                    refused("token_not_yet_valid", "the token is not valid yet (nbf)")
                }
                ErrorKind::InvalidAudience => refused(
                    "token_audience_mismatch",
                    "the token is not meant for this service (aud)",
                ),
                ErrorKind::InvalidIssuer => refused(
                    "token_issuer_unknown",
                    "the token's issuer is not trusted by this instance",
                ),
                ErrorKind::InvalidSignature => refused(
                    "token_signature_invalid",
                    "the token's signature does not verify",
                ),
                _ => refused("token_malformed", "the bearer token cannot be read"),
            })?
            .claims;
        self.check_claims(&claims, *trust)?;
        Ok(claims)
    }

    /// What the signature library does not check: issue time, lifetime,
    /// and which roles each issuer may vouch for.
    fn check_claims(&self, c: &Claims, trust: Trust) -> Result<(), ApiError> {
        let inner = &self.0;
        let now = chrono::Utc::now().timestamp();
        let leeway = i64::try_from(inner.leeway).unwrap_or(0);
        if c.iat > now + leeway {
            return Err(refused(
                "token_not_yet_valid",
                "the token was issued in the future (iat)",
            ));
        }
        if c.exp - c.iat > inner.max_lifetime {
            return Err(refused(
                "token_lifetime_too_long",
                "the token lives longer than this instance accepts (exp - iat)",
            ));
        }
        let incomplete = |what: &str| {
            refused(
                "token_claims_invalid",
                &format!("the token's claims do not fit its role: {what}"),
            )
        };
        match (trust, c.role) {
            (Trust::Province, Role::Province) => {}
            (Trust::Province, _) => {
                return Err(incomplete("the province vouches only for role province"))
            }
            (Trust::City, Role::Province) => {
                return Err(incomplete(
                    "role province comes from the province's issuer only",
                ))
            }
            (Trust::City, Role::BureauOfficer | Role::Auditor) if c.city.is_none() => {
                return Err(incomplete("officers and auditors name their city"))
            }
            (Trust::City, role) if role.acts_for_organisation() => {
                if c.org
                    .as_deref()
                    .and_then(|o| o.parse::<ids::CreditCode>().ok())
                    .is_none()
                {
                    return Err(incomplete(
                        "this role names its organisation (org, a credit code)",
                    ));
                }
            }
            (Trust::City, Role::Trainee) if !is_person_id(&c.sub) => {
                return Err(incomplete("a trainee's subject is their person id"))
            }
            (Trust::City, _) => {}
        }
        if let Some(city) = c.city.as_deref() {
            if city != inner.city {
                return Err(ApiError::forbidden(
                    "out_of_scope",
                    format!(
                        "the token acts for city {city}; this instance serves {}",
                        inner.city
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A person id is the hex of an HMAC-SHA256.
fn is_person_id(sub: &str) -> bool {
    sub.len() == 64
        && sub
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The `iss` of a token not yet verified: only to choose the key set.
fn unverified_issuer(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Iss {
        iss: String,
    }
    jsonwebtoken::dangerous::insecure_decode::<Iss>(token)
        .ok()
        .map(|data| data.claims.iss)
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
            Role::Assessor | Role::Enterprise | Role::Trainee | Role::Province => false,
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

    /// 403 `scope_missing` unless an integrator's token grants `scope`;
    /// every other role passes (its role is its purpose).
    pub fn require_scope(&self, scope: Scope) -> Result<&Self, ApiError> {
        if self.0.role != Role::Integrator || self.0.has_scope(scope.as_str()) {
            Ok(self)
        } else {
            Err(ApiError::forbidden(
                "scope_missing",
                format!("an integrator needs the scope {}", scope.as_str()),
            ))
        }
    }

    /// Who acts for the subject (RFC 8693 `act`): the trainee portal acting
    /// for a trainee, recorded beside what they do.
    pub fn actor(&self) -> Option<&str> {
        self.0.act.as_ref().map(|a| a.sub.as_str())
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The door (`access::enforce`) verified it already.
        if let Some(who) = actix_web::HttpMessage::extensions(req)
            .get::<Principal>()
            .cloned()
        {
            return Box::pin(async move { Ok(who) });
        }
        let verifier = req.app_data::<web::Data<TokenVerifier>>().cloned();
        let token = bearer(req);
        let req = req.clone();
        Box::pin(async move {
            let verifier =
                verifier.ok_or_else(|| ApiError::internal("TokenVerifier is not registered"))?;
            let who = verifier.verify(&token?).await.map(Principal)?;
            // For the audit trail, which records who made each write.
            actix_web::HttpMessage::extensions_mut(&req).insert(who.clone());
            Ok(who)
        })
    }
}

/// The header a caller names a person in (a person id): never the URL,
/// which logs, proxies and browsers keep.
pub const PERSON_HEADER: &str = "X-Person-Id";

/// The person the request names in [`PERSON_HEADER`], if any.
pub fn person_named(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(PERSON_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            refused(
                "token_missing",
                "send a bearer token in the Authorization header",
            )
        })?;
    header
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| {
            refused(
                "token_missing",
                "the Authorization header must be `Bearer <token>`",
            )
        })
}

#[cfg(test)]
mod tests;
