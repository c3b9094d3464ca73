//! What a service's OpenAPI document must say for an integrator to
//! generate a client from it and understand every operation, beyond what
//! the specification's own validator checks (`make openapi-check` runs that
//! and Redocly's linter): operation names, summaries, descriptions,
//! examples, answers described, no reference to a schema that is not there.

use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
/// Summaries show in lists and generated method docs: one short line.
const SUMMARY_MAX: usize = 90;

/// Every operation as `(method, path, operation)`.
pub fn operations(doc: &Value) -> Vec<(&'static str, &str, &Value)> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter_map(move |m| item.get(m).map(|op| (m, path.as_str(), op)))
        })
        .collect()
}

/// Each problem of the document, one line each; none when it is fit.
pub fn problems(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for (method, path, operation) in operations(doc) {
        let at = format!("{} {path}", method.to_uppercase());
        let text = |key: &str| operation.get(key).and_then(Value::as_str).unwrap_or("");
        let id = text("operationId");
        let camel = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !camel {
            found.push(format!("{at}: operationId `{id}` is not lowerCamelCase"));
        }
        let summary = text("summary");
        if summary.is_empty() || summary.contains('\n') || summary.chars().count() > SUMMARY_MAX {
            found.push(format!(
                "{at}: the summary must be one line of 1 to {SUMMARY_MAX} characters"
            ));
        }
        if summary.ends_with('.') {
            found.push(format!("{at}: the summary ends with a period"));
        }
        if text("description").trim().is_empty() {
            found.push(format!("{at}: no description"));
        }
        if operation
            .get("tags")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            found.push(format!("{at}: no tag"));
        }
        if let Some(body) = operation.get("requestBody") {
            if !json_content_has_example(doc, body) {
                found.push(format!("{at}: the request body has no example"));
            }
        }
        let responses = operation.get("responses").and_then(Value::as_object);
        for (status, response) in responses.into_iter().flatten() {
            let response = resolve(doc, response);
            let described = response
                .and_then(|r| r.get("description"))
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            if !described {
                found.push(format!("{at}: the {status} answer has no description"));
            }
            if status.starts_with('2')
                && !response.is_some_and(|r| json_content_has_example(doc, r))
            {
                found.push(format!("{at}: the {status} answer has no example"));
            }
        }
    }
    dangling_refs(doc, doc, &mut found);
    found
}

/// A JSON body (request or answer) has an example when its media type or
/// its schema (followed through references, arrays and pages) gives one;
/// a body of another media type, or none, needs none.
fn json_content_has_example(doc: &Value, object: &Value) -> bool {
    let Some(media) = object
        .get("content")
        .and_then(|c| c.get("application/json"))
    else {
        return true;
    };
    media.get("example").is_some()
        || media.get("examples").is_some()
        || media
            .get("schema")
            .is_some_and(|schema| schema_has_example(doc, schema, 0))
}

fn schema_has_example(doc: &Value, schema: &Value, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    if schema.get("example").is_some() || schema.get("examples").is_some() {
        return true;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return lookup(doc, target).is_some_and(|s| schema_has_example(doc, s, depth + 1));
    }
    if let Some(items) = schema.get("items") {
        return schema_has_example(doc, items, depth + 1);
    }
    ["oneOf", "anyOf", "allOf"].iter().any(|key| {
        schema
            .get(*key)
            .and_then(Value::as_array)
            .is_some_and(|all| {
                !all.is_empty() && all.iter().all(|s| schema_has_example(doc, s, depth + 1))
            })
    })
}

fn resolve<'a>(doc: &'a Value, object: &'a Value) -> Option<&'a Value> {
    match object.get("$ref").and_then(Value::as_str) {
        Some(target) => lookup(doc, target),
        None => Some(object),
    }
}

fn lookup<'a>(doc: &'a Value, target: &str) -> Option<&'a Value> {
    target
        .strip_prefix('#')
        .and_then(|pointer| doc.pointer(pointer))
}

fn dangling_refs(doc: &Value, value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                match (key.as_str(), child.as_str()) {
                    ("$ref", Some(target)) if lookup(doc, target).is_none() => {
                        found.push(format!("`{target}` is referred to but not defined"));
                    }
                    _ => dangling_refs(doc, child, found),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| dangling_refs(doc, v, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::problems;

    fn doc(operation: serde_json::Value) -> serde_json::Value {
        json!({
            "paths": { "/v1/classes": { "get": operation } },
            "components": { "schemas": { "Class": { "type": "object", "examples": [{ "id": 1 }] } } }
        })
    }

    #[test]
    fn a_fit_operation_has_no_problem() {
        let fit = doc(json!({
            "operationId": "listClasses",
            "summary": "List classes",
            "description": "Every class the caller may see.",
            "tags": ["classes"],
            "responses": { "200": {
                "description": "The classes",
                "content": { "application/json": { "schema": {
                    "type": "array", "items": { "$ref": "#/components/schemas/Class" }
                } } }
            } }
        }));
        assert_eq!(problems(&fit), Vec::<String>::new());
    }

    #[test]
    fn each_shortcoming_is_named() {
        let unfit = doc(json!({
            "operationId": "list_classes",
            "summary": "List classes.",
            "responses": {
                "200": { "description": "", "content": { "application/json": { "schema": {
                    "$ref": "#/components/schemas/Missing"
                } } } }
            }
        }));
        assert_eq!(
            problems(&unfit),
            vec![
                "GET /v1/classes: operationId `list_classes` is not lowerCamelCase",
                "GET /v1/classes: the summary ends with a period",
                "GET /v1/classes: no description",
                "GET /v1/classes: no tag",
                "GET /v1/classes: the 200 answer has no description",
                "GET /v1/classes: the 200 answer has no example",
                "`#/components/schemas/Missing` is referred to but not defined",
            ]
        );
    }
}
