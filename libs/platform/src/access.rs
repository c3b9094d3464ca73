//! Who may call each operation, declared once per service
//! (`runtime::Service::ACCESS`) and used three ways: enforced at the door
//! by [`enforce`] (before the request's body is even read), published in
//! the OpenAPI document as `x-qiancheng-access`, and rendered into
//! `docs/authorization.md`. The authorization matrix test checks every
//! operation against it.
//!
//! The door checks the role, the city and an integrator's scope; whether a
//! record belongs to the caller (`Reach::Own`) is the handler's check, made
//! once it has read the record.

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use serde::Serialize;

use crate::auth::{Principal, Role, Scope};
use crate::ApiError;

/// What of the city's records a role reaches through an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Any record of the instance's city.
    City,
    /// Only its own: its organisation's records, or (a trainee) its own;
    /// another's are refused, or answered 404 so they do not show they
    /// exist.
    Own,
}

/// One way in: a role, what it reaches, and (an integrator) the scope its
/// token must grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub reach: Reach,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "scope_name")]
    pub scope: Option<Scope>,
}

fn scope_name<S: serde::Serializer>(scope: &Option<Scope>, s: S) -> Result<S::Ok, S::Error> {
    match scope {
        Some(scope) => s.serialize_str(scope.as_str()),
        None => s.serialize_none(),
    }
}

impl Grant {
    pub const fn city(role: Role) -> Self {
        Self {
            role,
            reach: Reach::City,
            scope: None,
        }
    }

    pub const fn own(role: Role) -> Self {
        Self {
            role,
            reach: Reach::Own,
            scope: None,
        }
    }

    /// An integrator acting for its own organisation, with `scope`.
    pub const fn system(scope: Scope) -> Self {
        Self {
            role: Role::Integrator,
            reach: Reach::Own,
            scope: Some(scope),
        }
    }
}

/// Bureau officers and auditors of the city: the readers of everything.
pub const CITY_READERS: [Grant; 2] = [Grant::city(Role::BureauOfficer), Grant::city(Role::Auditor)];
/// Officers and auditors of the city; an institution's own people and
/// systems, for their own institution's records only.
pub const INSTITUTION_READERS: [Grant; 4] = [
    Grant::city(Role::BureauOfficer),
    Grant::city(Role::Auditor),
    Grant::own(Role::InstitutionOperator),
    Grant::own(Role::Integrator),
];
/// Bureau officers of the city.
pub const OFFICERS: [Grant; 1] = [Grant::city(Role::BureauOfficer)];

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token: cached and rate limited.
    Public,
    /// A token with any one of these grants.
    Grants(&'static [Grant]),
}

/// The declaration for one operation.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// The operation in a few words, for `docs/authorization.md`.
    pub what: &'static str,
}

impl Rule {
    pub const fn public(method: &'static str, path: &'static str, what: &'static str) -> Self {
        Self {
            method,
            path,
            access: Access::Public,
            what,
        }
    }

    pub const fn grants(
        method: &'static str,
        path: &'static str,
        grants: &'static [Grant],
        what: &'static str,
    ) -> Self {
        Self {
            method,
            path,
            access: Access::Grants(grants),
            what,
        }
    }

    /// The grant `who` enters by, if any (role, then an integrator's scope).
    pub fn grant_for(&self, who: &Principal) -> Result<Option<&'static Grant>, ApiError> {
        let Access::Grants(grants) = self.access else {
            return Ok(None);
        };
        let of_role: Vec<&'static Grant> = grants.iter().filter(|g| g.role == who.role()).collect();
        if of_role.is_empty() {
            return Err(ApiError::forbidden(
                "forbidden_role",
                format!(
                    "this needs one of the roles {}",
                    grants
                        .iter()
                        .map(|g| g.role.as_str())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        of_role
            .iter()
            .copied()
            .find(|g| g.scope.is_none_or(|s| who.0.has_scope(s.as_str())))
            .map(Some)
            .ok_or_else(|| {
                let wanted: Vec<&str> = of_role
                    .iter()
                    .filter_map(|g| g.scope.map(Scope::as_str))
                    .collect();
                ApiError::forbidden(
                    "scope_missing",
                    format!("an integrator needs the scope {}", wanted.join(" or ")),
                )
            })
    }
}

/// The access table of a service, as app data for [`enforce`].
#[derive(Debug, Clone)]
pub struct Table(BTreeMap<(String, String), Rule>);

impl Table {
    pub fn new(rules: &[Rule]) -> Self {
        Self(
            rules
                .iter()
                .map(|r| ((r.method.to_owned(), r.path.to_owned()), *r))
                .collect(),
        )
    }

    pub fn rule(&self, method: &str, path: &str) -> Option<&Rule> {
        self.0.get(&(method.to_owned(), path.to_owned()))
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.0.values()
    }
}

/// actix's pattern `/v1/classes/{id}` is the OpenAPI path already.
fn rule_of<'a>(table: &'a Table, req: &ServiceRequest) -> Option<&'a Rule> {
    let pattern = req.match_pattern()?;
    table.rule(req.method().as_str(), &pattern)
}

/// The door: a request to an operation with grants needs a token whose
/// role has one of them (and, an integrator, its scope). Runs before the
/// handler's extractors, so a caller without the right learns nothing from
/// how its body would have been read. Routes the table does not name (the
/// platform's own: health, metrics, docs) pass.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let table = req.app_data::<web::Data<Table>>().cloned();
    let rule = table.as_ref().and_then(|t| rule_of(t, &req)).copied();
    if let Some(rule) = rule.filter(|r| r.access != Access::Public) {
        let (http, mut payload) = req.into_parts();
        let checked: Result<(), ApiError> = async {
            let who =
                <Principal as actix_web::FromRequest>::from_request(&http, &mut payload).await?;
            rule.grant_for(&who)?;
            Ok(())
        }
        .await;
        let req = ServiceRequest::from_parts(http, payload);
        if let Err(e) = checked {
            let res = e.error_response();
            return Ok(req.into_response(res));
        }
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The extension an operation carries in the OpenAPI document.
pub fn extension(rule: &Rule) -> serde_json::Value {
    match rule.access {
        Access::Public => serde_json::json!("public"),
        Access::Grants(grants) => serde_json::to_value(grants).unwrap_or_default(),
    }
}

/// Renders every service's table as `docs/authorization.md`: per service,
/// one row per operation, one column per role.
pub fn markdown(services: &[(&str, &[Rule])]) -> String {
    let roles = Role::ALL;
    let mut out = String::from(
        "# Who may call what\n\n\
         Generated from each service's access table (`runtime::Service::ACCESS`), which the\n\
         door enforces and each service's authorization matrix test checks cell by cell\n\
         against the running service; `make openapi` rewrites this page, `make test` fails\n\
         when it is stale. See [security.md](security.md) for the roles and scopes.\n\n\
         - **city**: any record of the instance's city;\n\
         - **own**: only its own organisation's records (a trainee: their own); another's are\n  \
           refused with 403, or answered 404 so they do not show they exist;\n\
         - an integrator's cell names the OAuth2 scope its token must grant;\n\
         - **public**: no token (cached, rate limited);\n\
         - an empty cell: 403 `forbidden_role`. Every operation that is not public answers a\n  \
           missing, expired, unknown-key, HS256 or other issuer's token with 401, and a token\n  \
           of another city with 403 `out_of_scope`.\n",
    );
    for (service, rules) in services {
        out.push_str(&format!("\n## {service}\n\n| operation | what |"));
        for role in roles {
            out.push_str(&format!(" {} |", role.as_str()));
        }
        out.push_str("\n| --- | --- |");
        for _ in roles {
            out.push_str(" --- |");
        }
        out.push('\n');
        let mut sorted: Vec<&Rule> = rules.iter().collect();
        sorted.sort_by_key(|r| (r.path, r.method));
        for rule in sorted {
            out.push_str(&format!(
                "| `{} {}` | {} |",
                rule.method, rule.path, rule.what
            ));
            for role in roles {
                out.push_str(&format!(" {} |", cell(rule, role)));
            }
            out.push('\n');
        }
    }
    out
}

fn cell(rule: &Rule, role: Role) -> String {
    match rule.access {
        Access::Public => "public".to_owned(),
        Access::Grants(grants) => grants
            .iter()
            .filter(|g| g.role == role)
            .map(|g| {
                let reach = match g.reach {
                    Reach::City => "city",
                    Reach::Own => "own",
                };
                match g.scope {
                    Some(s) => format!("{reach} `{}`", s.as_str()),
                    None => reach.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}
