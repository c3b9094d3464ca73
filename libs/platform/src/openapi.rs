//! The OpenAPI document of a service: collected from the routes it
//! registers (the same function that serves them), then finished the same
//! way for every service, so that an integrator's generator gets one shape:
//! who may call each operation, the answers every operation of its kind
//! gives, the headers every answer carries, where the service is reached,
//! and page schemas that name their items.

use actix_web::App;
use serde_json::{json, Map, Value};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, RefOr};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use crate::http::ServiceInfo;
use crate::problem::{self, reference};

/// The OpenAPI document of a service, each operation carrying who may call
/// it (`x-qiancheng-access` and its `security`) from the service's access
/// table.
pub fn document<F: FnOnce(&mut ServiceConfig<'_>)>(
    info: &ServiceInfo,
    routes: F,
    access: &[crate::access::Rule],
) -> Value {
    let mut doc = routes_document(info, routes);
    let table = crate::access::Table::new(access);
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, operation) in [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ] {
            let (Some(operation), Some(rule)) = (operation.as_mut(), table.rule(method, path))
            else {
                continue;
            };
            document_standard_answers(operation, rule);
            operation.security = Some(match rule.access {
                // An empty list: no token, rather than the document's default.
                crate::access::Access::Public => Vec::new(),
                crate::access::Access::Grants(_) => {
                    vec![SecurityRequirement::new("bearer", Vec::<String>::new())]
                }
            });
            let extension = utoipa::openapi::extensions::ExtensionsBuilder::new()
                .add("x-qiancheng-access", crate::access::extension(rule))
                .build();
            match operation.extensions.as_mut() {
                Some(existing) => existing.merge(extension),
                None => operation.extensions = Some(extension),
            }
        }
    }
    keep_used_responses(&mut doc);
    // Serialising plain maps and strings cannot fail; were it to, the
    // document would be empty and the drift check would say so.
    let mut doc = serde_json::to_value(&doc).unwrap_or_default();
    finish(&mut doc, info);
    doc
}

/// The document as checked in: pretty JSON with a final newline.
pub fn to_pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default() + "\n"
}

/// Drops the reusable answers no operation refers to, so a document lists
/// only what its service can answer.
fn keep_used_responses(doc: &mut OpenApi) {
    let used: std::collections::BTreeSet<String> = doc
        .paths
        .paths
        .values()
        .flat_map(|item| [&item.get, &item.post, &item.put, &item.patch, &item.delete])
        .flatten()
        .flat_map(|operation| operation.responses.responses.values())
        .filter_map(|response| match response {
            RefOr::Ref(r) => r
                .ref_location
                .strip_prefix("#/components/responses/")
                .map(str::to_owned),
            RefOr::T(_) => None,
        })
        .collect();
    if let Some(components) = doc.components.as_mut() {
        components.responses.retain(|name, _| used.contains(name));
    }
}

/// The answers every operation of its kind gives, whether or not its
/// handler names them: a protected one 401 and 403; one with a body 400,
/// 413, 415 and 422; one with path parameters 404; one with parameters
/// 422; a public one 429. Each is a problem+json (the reusable answer of
/// [`crate::problem`] but for 400, which says what its kind of operation
/// can get wrong), added where the operation does not document the status
/// itself.
fn document_standard_answers(
    operation: &mut utoipa::openapi::path::Operation,
    rule: &crate::access::Rule,
) {
    use utoipa::openapi::path::ParameterIn;
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let (path_params, query_params) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let body = operation.request_body.is_some();
    let keyed = params
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name == crate::idempotency::HEADER);
    let public = matches!(rule.access, crate::access::Access::Public);
    let mut answers: Vec<(&str, RefOr<utoipa::openapi::Response>)> = Vec::new();
    if !public {
        answers.push(("401", reference::<problem::Unauthorized>()));
        answers.push(("403", reference::<problem::Forbidden>()));
    } else {
        answers.push(("429", reference::<problem::TooManyRequests>()));
    }
    let bad_request = match (body, keyed) {
        (true, true) => Some("The body is not well-formed (`malformed_json`, `body_unreadable`), or the Idempotency-Key is not 1 to 255 visible ASCII characters (`idempotency_key_invalid`)"),
        (true, false) => Some("The body is not well-formed (`malformed_json`, `body_unreadable`)"),
        (false, true) => Some("The Idempotency-Key is not 1 to 255 visible ASCII characters (`idempotency_key_invalid`)"),
        (false, false) => None,
    };
    if let Some(description) = bad_request {
        let answer = utoipa::openapi::ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        answers.push(("400", answer.into()));
    }
    if body {
        // A route taking another media type states its own limit.
        answers.push(("413", reference::<problem::PayloadTooLarge>()));
        answers.push(("415", reference::<problem::UnsupportedMediaType>()));
    }
    if path_params {
        answers.push(("404", reference::<problem::NotFound>()));
    }
    if body || path_params || query_params {
        answers.push(("422", reference::<problem::Unprocessable>()));
    }
    for (status, answer) in answers {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert(answer);
    }
}

fn routes_document<F: FnOnce(&mut ServiceConfig<'_>)>(info: &ServiceInfo, routes: F) -> OpenApi {
    let base = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(info.name)
                .version(info.version)
                .description(Some(info.description)),
        )
        .components(Some(
            problem::components(ComponentsBuilder::new())
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        utoipa::openapi::security::HttpBuilder::from(Http::new(
                            HttpAuthScheme::Bearer,
                        ))
                        .bearer_format("JWT")
                        .build(),
                    ),
                )
                .build(),
        ))
        .build();
    App::new()
        .into_utoipa_app()
        .openapi(base)
        .configure(routes)
        .split_for_parts()
        .1
}

/// The cities (and the province) whose instances serve this document.
const INSTANCES: [&str; 11] = [
    "350100", "350200", "350300", "350400", "350500", "350600", "350700", "350800", "350900",
    "350128", "350000",
];

const REQUEST_ID_HEADER: &str = "X-Request-Id";
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// What every document gets the same way: licence, servers, answer
/// headers, page schemas.
fn finish(doc: &mut Value, info: &ServiceInfo) {
    if let Some(info_object) = doc.get_mut("info").and_then(Value::as_object_mut) {
        info_object.insert(
            "license".into(),
            json!({ "name": "Apache-2.0", "identifier": "Apache-2.0" }),
        );
    }
    if let Some(object) = doc.as_object_mut() {
        object.insert("servers".into(), servers(info));
    }
    document_headers(doc);
    name_pages(doc);
}

/// Each city's instance is reached at its own host for the service, the
/// one the chart's Ingress or HTTPRoute serves
/// (`<service>.<city>.<global.ingress.domain>`).
fn servers(info: &ServiceInfo) -> Value {
    json!([{
        "url": format!("https://{}.{{city}}.{{domain}}", info.name),
        "description": "A city's (or the province's) instance of the service",
        "variables": {
            "city": {
                "default": "350100",
                "enum": INSTANCES,
                "description": "The instance's administrative division code: a prefecture-level city, Pingtan (350128) or the province (350000)"
            },
            "domain": {
                "default": "qiancheng.example",
                "description": "The platform's domain, as the instance's chart sets it (`global.ingress.domain`)"
            }
        }
    }])
}

fn header(description: &str) -> Value {
    json!({ "description": description, "schema": { "type": "string" } })
}

/// `X-Request-Id` on every answer (the caller's, or the one the service
/// gave the request), and `Idempotent-Replayed` on the success answers of an
/// operation that takes an `Idempotency-Key`.
fn document_headers(doc: &mut Value) {
    let request_id = header("The caller's request id, or the one the service gave the request; quote it when reporting a problem");
    let replayed = header(
        "`true` when this is the stored answer of an earlier request with the same Idempotency-Key",
    );
    let add = |response: &mut Value, name: &str, value: &Value| {
        if response.get("$ref").is_some() {
            return;
        }
        if let Some(object) = response.as_object_mut() {
            let headers = object
                .entry("headers")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(headers) = headers.as_object_mut() {
                headers.entry(name).or_insert_with(|| value.clone());
            }
        }
    };
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                let Some(operation) = item.get_mut(method) else {
                    continue;
                };
                let keyed = operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|params| {
                        params.iter().any(|p| {
                            p.get("name").and_then(Value::as_str)
                                == Some(crate::idempotency::HEADER)
                        })
                    });
                let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (status, response) in responses.iter_mut() {
                    add(response, REQUEST_ID_HEADER, &request_id);
                    if keyed && status.starts_with('2') {
                        add(response, crate::idempotency::REPLAYED_HEADER, &replayed);
                    }
                }
            }
        }
    }
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            add(response, REQUEST_ID_HEADER, &request_id);
        }
    }
}

/// utoipa names `Page<ClaimView>` `Page_ClaimView` and inlines the item's
/// schema in it, so a generated client gets two types per resource. Each
/// page becomes `ClaimViewPage`, its items a reference to `ClaimView`, its
/// example built from the item's.
fn name_pages(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let pages: Vec<String> = schemas
        .keys()
        .filter(|name| name.starts_with("Page_"))
        .cloned()
        .collect();
    let mut renamed = Vec::new();
    for old in pages {
        let Some(mut page) = schemas.remove(&old) else {
            continue;
        };
        let item_name = old.trim_start_matches("Page_").to_owned();
        let new = format!("{item_name}Page");
        if let Some(items) = page.pointer_mut("/properties/items/items") {
            let inline = std::mem::replace(
                items,
                json!({ "$ref": format!("#/components/schemas/{item_name}") }),
            );
            if inline.get("$ref").is_none() {
                schemas.entry(item_name.clone()).or_insert(inline);
            }
        }
        let example = schemas
            .get(&item_name)
            .and_then(|item| item.get("examples"))
            .and_then(Value::as_array)
            .and_then(|examples| examples.first())
            .cloned();
        if let (Some(example), Some(object)) = (example, page.as_object_mut()) {
            object.insert(
                "examples".into(),
                json!([{ "items": [example], "next_cursor": "eyJpZCI6IjBmOGU2YzFhIn0" }]),
            );
        }
        schemas.insert(new.clone(), page);
        renamed.push((
            format!("#/components/schemas/{old}"),
            format!("#/components/schemas/{new}"),
        ));
    }
    for (old, new) in &renamed {
        rename_refs(doc, old, new);
    }
}

fn rename_refs(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match child {
                    Value::String(s) if key == "$ref" && s == old => *s = new.to_owned(),
                    _ => rename_refs(child, old, new),
                }
            }
        }
        Value::Array(values) => values.iter_mut().for_each(|v| rename_refs(v, old, new)),
        _ => {}
    }
}
