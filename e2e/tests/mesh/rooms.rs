//! The rooms of every service (`docs/architecture.md`): the same five in
//! each; `domain/` decides and does no IO, so its rules compile and test
//! without a web server, a database, a cache or a broker; and every query
//! is in `store/`.

use std::path::{Path, PathBuf};

/// What a pure rule may not reach for: the HTTP side, the stores, the
/// broker, the runtime, and the service's own IO rooms.
const IO: [&str; 14] = [
    "platform::",
    "db::",
    "runtime::",
    "messaging::",
    "telemetry::",
    "actix_web",
    "diesel",
    "redis",
    "rdkafka",
    "tokio",
    "crate::api",
    "crate::app",
    "crate::events",
    "crate::store",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The IO names a line of code uses, comments aside; a name counts only
/// where it starts a path (`db::` but not `sqlx_db::`).
fn io_names(line: &str) -> Vec<&'static str> {
    let code = line.split("//").next().unwrap_or_default();
    IO.into_iter()
        .filter(|name| {
            code.match_indices(name).any(|(at, _)| {
                !code[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .collect()
}

#[test]
fn every_domain_room_decides_without_io() {
    let services = Path::new(env!("CARGO_MANIFEST_DIR")).join("../services");
    let mut found = Vec::new();
    let mut rooms = 0;
    for service in std::fs::read_dir(&services).expect("the services") {
        let domain = service.expect("a service").path().join("src/domain");
        if !domain.is_dir() {
            continue;
        }
        rooms += 1;
        let mut files = Vec::new();
        rust_files(&domain, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file");
            for (n, line) in text.lines().enumerate() {
                for name in io_names(line) {
                    found.push(format!("{}:{}: {name}", file.display(), n + 1));
                }
            }
        }
    }
    assert_eq!(rooms, 7, "every service has a domain room");
    assert!(found.is_empty(), "IO in domain/:\n{}", found.join("\n"));
}

#[test]
fn io_is_told_from_a_name_that_merely_contains_it() {
    assert_eq!(io_names("use platform::FieldError;"), ["platform::"]);
    assert_eq!(io_names("let pool: db::DbPool = todo;"), ["db::"]);
    assert_eq!(
        io_names("use ids::FieldError; // not platform::"),
        Vec::<&str>::new()
    );
    assert_eq!(io_names("let x = sqlx_db::Thing;"), Vec::<&str>::new());
}

/// The rooms every service has, and nothing else beside them.
const ROOMS: [&str; 7] = [
    "api", "app", "domain", "events", "lib.rs", "main.rs", "store",
];

fn services() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../services");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("the services")
        .map(|e| e.expect("a service").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_service_has_the_same_rooms_and_nothing_beside_them() {
    let services = services();
    assert_eq!(services.len(), 7);
    for service in services {
        let mut found: Vec<String> = std::fs::read_dir(service.join("src"))
            .expect("a src directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        found.sort();
        assert_eq!(found, ROOMS, "{}", service.display());
    }
}

/// What only a query needs: running one (`RunQueryDsl`, raw SQL) or naming
/// a table of the schema.
const QUERY: [&str; 4] = ["RunQueryDsl", "sql_query", "schema::", "::table"];

fn query_names(line: &str) -> Vec<&'static str> {
    // utoipa's OpenAPI schema builders are documentation, not the database's.
    let code = line
        .split("//")
        .next()
        .unwrap_or_default()
        .replace("openapi::schema::", "");
    QUERY.into_iter().filter(|q| code.contains(q)).collect()
}

#[test]
fn every_query_is_in_the_store_room() {
    let mut found = Vec::new();
    for service in services() {
        for room in ["api", "app", "domain", "events"] {
            let mut files = Vec::new();
            rust_files(&service.join("src").join(room), &mut files);
            for file in files {
                let text = std::fs::read_to_string(&file).expect("a source file");
                for (n, line) in text.lines().enumerate() {
                    for name in query_names(line) {
                        found.push(format!("{}:{}: {name}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "queries outside store/:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_query_is_told_by_what_runs_it_or_the_table_it_names() {
    assert_eq!(
        query_names("use diesel_async::RunQueryDsl;"),
        ["RunQueryDsl"]
    );
    assert_eq!(query_names("claims::table.find(id)"), ["::table"]);
    assert_eq!(
        query_names("let rows = store::claims::list(conn, &f).await?;"),
        Vec::<&str>::new()
    );
    assert_eq!(
        query_names("let x = 1; // claims::table in a comment"),
        Vec::<&str>::new()
    );
    assert_eq!(
        query_names("use utoipa::openapi::schema::{ObjectBuilder, Type};"),
        Vec::<&str>::new()
    );
    assert_eq!(
        query_names("use crate::store::schema::claims;"),
        ["schema::"]
    );
}
