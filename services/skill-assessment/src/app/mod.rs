//! Use cases (用例) of skill assessment: each is one thing a caller or an
//! event asks for. It gathers the facts through `store`, lets `domain`
//! decide, writes and enqueues its events in one transaction (the caller's,
//! when an `Idempotency-Key` wraps it), and answers with rows or an
//! [`Error`].

pub mod bodies;
pub mod certificates;
pub mod completions;
pub mod error;
pub mod exceptional;
pub mod sessions;
pub mod talents;
pub mod verification;

use ids::{CityCode, PersonIdKey, PiiCipher};
use platform::auth::{Principal, Role};

pub use error::Error;

use crate::domain::credential::KeyRing;
use crate::store::bodies::{BodyRow, Visible};

/// What the use cases need of the service's configuration.
pub struct Deps<'a> {
    pub city: CityCode,
    pub cipher: &'a PiiCipher,
    pub person_ids: &'a PersonIdKey,
    pub keys: &'a KeyRing,
    /// Where this instance's public API is reached, for credential URLs.
    pub public_base_url: &'a str,
}

impl Deps<'_> {
    /// The issuer id of a body: its public profile, which holds its key.
    pub fn issuer_id(&self, body_code: &str) -> String {
        format!("{}/v1/public/issuers/{body_code}", self.public_base_url)
    }

    pub fn status_list_url(&self) -> String {
        format!(
            "{}/v1/public/credentials/status/revocation",
            self.public_base_url
        )
    }
}

/// Officers and auditors of this city.
pub fn is_bureau(who: &Principal, city: CityCode) -> bool {
    matches!(who.role(), Role::BureauOfficer | Role::Auditor)
        && who.0.city.as_deref() == Some(city.as_str())
}

/// The body's own people: its assessors, or its enterprise account, or an
/// integrator acting for it.
pub fn acts_for(who: &Principal, body: &BodyRow) -> bool {
    matches!(
        who.role(),
        Role::Assessor | Role::Enterprise | Role::Integrator
    ) && who.org() == Some(body.credit_code.as_str())
}

/// Bodies see only their own records; others are answered 404.
pub fn may_see(who: &Principal, city: CityCode, body: &BodyRow) -> bool {
    is_bureau(who, city) || acts_for(who, body)
}

/// The bodies whose records the caller's lists hold: what [`may_see`]
/// allows one record at a time, for a whole list. `None`: nobody's.
pub fn visible(who: &Principal, city: CityCode) -> Option<Visible> {
    let credit_code = if is_bureau(who, city) {
        None
    } else if matches!(
        who.role(),
        Role::Assessor | Role::Enterprise | Role::Integrator
    ) {
        Some(who.org()?.to_owned())
    } else {
        return None;
    };
    Some(Visible {
        city: city.to_string(),
        credit_code,
    })
}
