//! The authorization matrix: every operation of a service's checked-in
//! OpenAPI document × every role × its own or another organisation (or
//! person) × no token, a broken, expired, unknown-key, HS256 or another
//! city's token, each cell checked against what the operation declares
//! (`x-qiancheng-access`, from the service's access table). An operation
//! the table does not declare, or a declaration with no operation, fails.

use std::collections::{BTreeSet, HashMap};

use platform::auth::{Actor, Audience, Claims, Issuer, Role, Scope};
use reqwest::Method;
use serde_json::{json, Value};

use crate::TestApp;

/// The organisation and the person the "own" cells act for; the "foreign"
/// cells act for the others.
pub const ORG_A: &str = "91350100M000100Y43";
pub const ORG_B: &str = "91350100MA0000002T";
pub const PERSON_A: &str = "0a00000000000000000000000000000000000000000000000000000000000001";
pub const PERSON_B: &str = "0b00000000000000000000000000000000000000000000000000000000000002";
/// The province's issuer the services under test trust for the province
/// role (see [`trust_the_province`]).
pub const PROVINCE_ISSUER: &str = "https://id.test.qiancheng/province";
const OTHER_CITY_ISSUER: &str = "https://id.test.qiancheng/350200";

/// Makes a service under test trust the province's issuer, so the matrix
/// can exercise the province role.
pub fn trust_the_province(auth: &mut platform::auth::AuthConfig) {
    auth.province = Some(Issuer {
        issuer: PROVINCE_ISSUER.into(),
        jwks_url: auth.jwks_url.clone(),
    });
}

/// What the matrix needs to reach records: path parameters of records
/// that [`ORG_A`] / [`PERSON_A`] own, by operation path, and request bodies
/// that act for them, by method and path; either may differ for one role
/// (an enterprise's claim is not an institution's). Operations without
/// them are exercised with made-up ids and an empty body: the door's
/// checks still show, whether the record is one's own cannot.
/// A path parameter's name and value.
type Param = (String, String);

#[derive(Debug, Clone)]
pub struct Fixtures {
    params: HashMap<(Option<Role>, String), Vec<Param>>,
    bodies: HashMap<(Option<Role>, String, String), Value>,
    /// The trainee the "own" cells act as, and another.
    persons: (String, String),
}

impl Default for Fixtures {
    fn default() -> Self {
        Self {
            params: HashMap::new(),
            bodies: HashMap::new(),
            persons: (PERSON_A.to_owned(), PERSON_B.to_owned()),
        }
    }
}

impl Fixtures {
    /// Path parameter `name` of every operation on `path`: a record of
    /// [`ORG_A`] / [`PERSON_A`].
    pub fn param(self, path: &str, name: &str, value: impl Into<String>) -> Self {
        self.param_of(None, path, name, value)
    }

    /// [`Fixtures::param`] for `role` alone.
    pub fn param_for(self, role: Role, path: &str, name: &str, value: impl Into<String>) -> Self {
        self.param_of(Some(role), path, name, value)
    }

    fn param_of(
        mut self,
        role: Option<Role>,
        path: &str,
        name: &str,
        value: impl Into<String>,
    ) -> Self {
        self.params
            .entry((role, path.to_owned()))
            .or_default()
            .push((name.to_owned(), value.into()));
        self
    }

    /// A body that acts for [`ORG_A`] / [`PERSON_A`] (names them, or a
    /// record of theirs): sent by another, it must be refused.
    pub fn body(mut self, method: &str, path: &str, body: Value) -> Self {
        self.bodies
            .insert((None, method.to_owned(), path.to_owned()), body);
        self
    }

    /// [`Fixtures::body`] for `role` alone.
    pub fn body_for(mut self, role: Role, method: &str, path: &str, body: Value) -> Self {
        self.bodies
            .insert((Some(role), method.to_owned(), path.to_owned()), body);
        self
    }

    /// The trainees the cells act as, where a record names a real person.
    pub fn persons(mut self, own: impl Into<String>, other: impl Into<String>) -> Self {
        self.persons = (own.into(), other.into());
        self
    }

    /// The request of `op` as `role` (or anyone) makes it.
    fn target(&self, op: &Operation, role: Option<Role>) -> Target {
        let named: HashMap<&str, &str> = [None, role]
            .into_iter()
            .filter_map(|r| self.params.get(&(r, op.path.clone())))
            .flatten()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut url = op.path.clone();
        let (mut params, mut fixed) = (0, 0);
        while let Some(start) = url.find('{') {
            let end = url[start..].find('}').expect("closing brace") + start;
            let name = url[start + 1..end].to_owned();
            params += 1;
            let value = match named.get(name.as_str()) {
                Some(v) => {
                    fixed += 1;
                    (*v).to_owned()
                }
                None => placeholder(&name),
            };
            url.replace_range(start..=end, &value);
        }
        let method = op.method.as_str().to_owned();
        let body = role
            .and_then(|r| self.bodies.get(&(Some(r), method.clone(), op.path.clone())))
            .or_else(|| self.bodies.get(&(None, method, op.path.clone())))
            .cloned();
        Target {
            url,
            // Every id is a real record's: a 404 is a refusal, not a miss.
            real_record: params > 0 && fixed == params,
            acts_for_someone: (params > 0 && fixed == params) || (params == 0 && body.is_some()),
            body,
        }
    }
}

struct Target {
    url: String,
    body: Option<Value>,
    real_record: bool,
    /// Its ids or body are [`ORG_A`]'s / [`PERSON_A`]'s.
    acts_for_someone: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    City,
    Own,
}

#[derive(Debug, Clone)]
struct Grant {
    role: Role,
    reach: Reach,
    scope: Option<String>,
}

#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    path: String,
    /// `None`: public.
    grants: Option<Vec<Grant>>,
}

fn role_named(name: &str) -> Role {
    serde_json::from_value(json!(name)).unwrap_or_else(|_| panic!("unknown role {name}"))
}

/// The operations of the checked-in document, with their declarations.
fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let access = op.get("x-qiancheng-access").unwrap_or_else(|| {
                panic!(
                    "{} {path} declares no x-qiancheng-access: add it to the service's access table",
                    method.to_uppercase()
                )
            });
            let grants = match access {
                Value::String(s) if s == "public" => None,
                Value::Array(grants) => Some(
                    grants
                        .iter()
                        .map(|g| Grant {
                            role: role_named(g["role"].as_str().expect("role")),
                            reach: if g["reach"] == "own" {
                                Reach::Own
                            } else {
                                Reach::City
                            },
                            scope: g["scope"].as_str().map(str::to_owned),
                        })
                        .collect(),
                ),
                other => panic!(
                    "{method} {path}: x-qiancheng-access {other} is neither public nor grants"
                ),
            };
            out.push(Operation {
                method: m,
                path: path.clone(),
                grants,
            });
        }
    }
    out
}

fn claims(role: Role, own: bool, persons: &(String, String)) -> Claims {
    let now = chrono::Utc::now().timestamp();
    let (org, person, who) = if own {
        (ORG_A, &persons.0, "a")
    } else {
        (ORG_B, &persons.1, "b")
    };
    let (sub, city, org) = match role {
        Role::BureauOfficer | Role::Auditor => {
            (format!("{}-{who}", role.as_str()), Some("350100"), None)
        }
        Role::Province => (format!("province-{who}"), None, None),
        Role::Trainee => (person.to_owned(), None, None),
        _ => (
            format!("{}-{org}", role.as_str()),
            Some("350100"),
            Some(org),
        ),
    };
    Claims {
        sub,
        role,
        city: city.map(str::to_owned),
        org: org.map(str::to_owned),
        // An organisation's system with every scope: whether it gets in is
        // then the role's and the ownership's question; the scopes are
        // checked by their own cell.
        scope: (role == Role::Integrator).then(|| {
            Scope::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        act: None,
        iss: if role == Role::Province {
            PROVINCE_ISSUER.to_owned()
        } else {
            crate::TEST_ISSUER.to_owned()
        },
        aud: Audience(vec!["qiancheng".into()]),
        exp: now + 600,
        iat: now,
        nbf: Some(now),
        jti: None,
    }
}

fn sign(c: &Claims) -> String {
    crate::signer().sign(c).expect("the test key signs")
}

/// The token the matrix's "own" cell of `role` carries (an integrator's
/// with every scope; a trainee is [`PERSON_A`]), for making fixtures that
/// caller owns.
pub fn own_token(role: Role) -> String {
    sign(&claims(
        role,
        true,
        &(PERSON_A.to_owned(), PERSON_B.to_owned()),
    ))
}

/// Made-up values for path parameters no fixture names.
fn placeholder(name: &str) -> String {
    match name {
        "city" => "350100".into(),
        "year" => "2026".into(),
        "payee" => format!("institution:{}", uuid::Uuid::now_v7()),
        "batch_no" => "NOBATCH".into(),
        "batch_id" => "no-batch".into(),
        "number" => "S000135350100261000001".into(),
        _ => uuid::Uuid::now_v7().to_string(),
    }
}

/// Status and problem code of an answer.
async fn send<S: runtime::Service>(
    app: &TestApp<S>,
    op: &Operation,
    target: &Target,
    token: Option<&str>,
) -> (u16, String) {
    let mut req = app.request(op.method.clone(), &target.url, token);
    if op.method != Method::GET {
        req = req.json(target.body.as_ref().unwrap_or(&json!({})));
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, code)
}

/// Tallies the cells and the ones that did not answer as declared.
#[derive(Debug, Default)]
struct Report {
    cells: usize,
    wrong: Vec<String>,
}

impl Report {
    fn cell(&mut self, op: &Operation, cell: &str, got: (u16, String), ok: bool, want: &str) {
        self.cells += 1;
        if !ok {
            self.wrong.push(format!(
                "{} {} — {cell}: answered {} {}, wanted {want}",
                op.method, op.path, got.0, got.1
            ));
        }
    }
}

/// Tokens every protected operation refuses, each with the status and
/// code it must answer: (cell, token, status, code).
fn bad_tokens(
    persons: &(String, String),
) -> [(&'static str, Option<String>, u16, &'static str); 7] {
    let officer = || claims(Role::BureauOfficer, true, persons);
    let now = chrono::Utc::now().timestamp();
    let mut expired = officer();
    expired.iat = now - 3600;
    expired.exp = now - 600;
    let mut other_city = officer();
    other_city.city = Some("350200".into());
    let mut other_issuer = officer();
    other_issuer.iss = OTHER_CITY_ISSUER.into();
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &officer(),
        &jsonwebtoken::EncodingKey::from_secret(b"a shared secret opens every city"),
    )
    .expect("hs256");
    [
        ("no token", None, 401, "token_missing"),
        (
            "a broken token",
            Some("not.a.token".into()),
            401,
            "token_malformed",
        ),
        (
            "an expired token",
            Some(sign(&expired)),
            401,
            "token_expired",
        ),
        (
            "a token of an unknown key",
            Some(
                platform::auth::Signer::generate()
                    .sign(&officer())
                    .expect("a new key signs"),
            ),
            401,
            "token_key_unknown",
        ),
        (
            "an HS256 token",
            Some(hs256),
            401,
            "token_algorithm_refused",
        ),
        (
            "another city's token",
            Some(sign(&other_issuer)),
            401,
            "token_issuer_unknown",
        ),
        (
            "a token naming another city",
            Some(sign(&other_city)),
            403,
            "out_of_scope",
        ),
    ]
}

/// The cells of one role on one operation: refused when not granted;
/// admitted for its own; refused for another's where only its own is
/// granted; an integrator without the scope; the portal for a trainee.
async fn role_cells<S: runtime::Service>(
    app: &TestApp<S>,
    op: &Operation,
    fixtures: &Fixtures,
    (role, grants): (Role, &[Grant]),
    report: &mut Report,
) {
    let persons = &fixtures.persons;
    let granted: Vec<&Grant> = grants.iter().filter(|g| g.role == role).collect();
    let target = fixtures.target(op, Some(role));
    let own = sign(&claims(role, true, persons));
    let got = send(app, op, &target, Some(&own)).await;
    let name = role.as_str();
    if granted.is_empty() {
        let ok = got.0 == 403 && got.1 == "forbidden_role";
        report.cell(
            op,
            &format!("{name} (not granted)"),
            got,
            ok,
            "403 forbidden_role",
        );
        return;
    }
    let admitted = got.0 != 401 && got.0 != 403 && !(target.real_record && got.0 == 404);
    report.cell(
        op,
        &format!("{name} acting for its own"),
        got,
        admitted,
        "admitted (not 401/403; not 404 for its own record)",
    );
    if granted.iter().all(|g| g.reach == Reach::Own) && target.acts_for_someone {
        let other = sign(&claims(role, false, persons));
        let got = send(app, op, &target, Some(&other)).await;
        let refused = got.0 == 403 || got.0 == 404;
        report.cell(
            op,
            &format!("{name} acting for another"),
            got,
            refused,
            "refused (403, or 404 that does not show it exists)",
        );
    }
    if role == Role::Integrator {
        let mut c = claims(role, true, persons);
        c.scope = None;
        let got = send(app, op, &target, Some(&sign(&c))).await;
        if granted.iter().all(|g| g.scope.is_some()) {
            let ok = got.0 == 403 && got.1 == "scope_missing";
            report.cell(
                op,
                "integrator without the scope",
                got,
                ok,
                "403 scope_missing",
            );
        } else {
            let ok = got.0 != 401 && got.0 != 403;
            report.cell(op, "integrator without scopes", got, ok, "admitted");
        }
    }
    if role == Role::Trainee {
        // The portal acting for the trainee is the trainee.
        let mut c = claims(role, true, persons);
        c.act = Some(Actor {
            sub: "trainee-portal".into(),
        });
        let got = send(app, op, &target, Some(&sign(&c))).await;
        let ok = got.0 != 401 && got.0 != 403;
        report.cell(op, "the portal acting for the trainee", got, ok, "admitted");
    }
}

/// Runs the matrix against `app`, whose document is `openapi/<service>.json`
/// under `root` (the workspace root), and fails listing every cell that did
/// not answer as declared.
pub async fn check<S: runtime::Service>(app: &TestApp<S>, root: &str, fixtures: &Fixtures) {
    let path = format!("{root}/openapi/{}.json", S::INFO.name);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the document")).expect("JSON");
    let ops = operations(&doc);
    let declared: BTreeSet<(String, String)> = S::ACCESS
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let documented: BTreeSet<(String, String)> = ops
        .iter()
        .map(|o| (o.method.as_str().to_owned(), o.path.clone()))
        .collect();
    let stray: Vec<_> = declared.difference(&documented).collect();
    assert!(stray.is_empty(), "declared but not an operation: {stray:?}");

    let bad_tokens = bad_tokens(&fixtures.persons);
    let mut report = Report::default();
    for op in &ops {
        let anyone = fixtures.target(op, None);
        let Some(grants) = &op.grants else {
            let got = send(app, op, &anyone, None).await;
            let ok = got.0 != 401 && got.0 != 403;
            report.cell(op, "no token (public)", got, ok, "an answer, not 401/403");
            continue;
        };
        for (cell, token, status, code) in &bad_tokens {
            let got = send(app, op, &anyone, token.as_deref()).await;
            let ok = got.0 == *status && got.1 == *code;
            report.cell(op, cell, got, ok, &format!("{status} {code}"));
        }
        for role in Role::ALL {
            role_cells(app, op, fixtures, (role, grants), &mut report).await;
        }
    }
    assert!(
        report.wrong.is_empty(),
        "{} of {} cells did not answer as declared:\n{}",
        report.wrong.len(),
        report.cells,
        report.wrong.join("\n")
    );
}
