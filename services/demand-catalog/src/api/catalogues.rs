//! Officers draft, publish and update their city's guidance catalogue.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, Fen, OccupationCode};
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    catalogue_namespace, AppState, CatalogueView, ChangeView, EntryChange, EntryView, NewCatalogue,
    NewEntry, State, Withdrawal,
};
use crate::domain::catalogue::{
    check_entry, check_publish, check_year, is_late, version_after_change, CatalogueStatus,
    EntryTerms,
};
use crate::events;
use crate::store::catalogues::{self as store, CatalogueRow, Change, EntryFilter, EntryRow};
use crate::store::occupations;
use contracts::catalog::{ENTRY_CHANGED, ENTRY_PUBLISHED, ENTRY_WITHDRAWN};

const READERS: &[Role] = &[Role::BureauOfficer, Role::Auditor];
const EDITORS: &[Role] = &[Role::BureauOfficer];

/// Parses a city and insists this instance serves it.
pub(super) fn served_city(state: &AppState, v: &mut Validator, raw: &str) -> Option<CityCode> {
    let city: CityCode = v.parse("city", raw)?;
    v.ensure(
        city == state.city,
        "city",
        "city_not_served",
        format!(
            "this instance serves city {} ({})",
            state.city,
            state.city.name_zh()
        ),
    );
    (city == state.city).then_some(city)
}

fn status_of(row: &CatalogueRow) -> Result<CatalogueStatus, ApiError> {
    CatalogueStatus::parse(&row.status)
        .ok_or_else(|| ApiError::internal(format!("bad status {:?}", row.status)))
}

fn not_found() -> ApiError {
    ApiError::not_found("catalogue_not_found", "no such catalogue")
}

/// Locks the catalogue and checks the caller may edit it.
async fn lock_for_edit(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<CatalogueRow, ApiError> {
    let row = store::lock(conn, id).await?.ok_or_else(not_found)?;
    who.require_city(row.city.parse().map_err(ApiError::internal)?)?;
    Ok(row)
}

fn json_of(entry: &EntryRow) -> serde_json::Value {
    serde_json::to_value(entry).expect("rows serialise")
}

/// Publishes what a change to a published catalogue did: the entry's new
/// state and the catalogue's new version.
async fn announce(
    conn: &mut AsyncPgConnection,
    cat: &CatalogueRow,
    entry: &EntryRow,
    kind: &'static str,
) -> Result<(), ApiError> {
    let active = store::count_active(conn, cat.id).await?;
    let batch = [
        events::entry_event(cat, entry, kind).map_err(ApiError::internal)?,
        events::catalogue_published(cat, active).map_err(ApiError::internal)?,
    ];
    messaging::enqueue(conn, &batch).await?;
    Ok(())
}

async fn invalidate(state: &AppState, id: Uuid) -> Result<(), ApiError> {
    let mut conn = state.pool.get().await?;
    if let Some(row) = store::find(&mut conn, id).await? {
        state
            .cache
            .invalidate(&catalogue_namespace(&row.city, row.year))
            .await;
    }
    Ok(())
}

/// Start the draft catalogue of a year.
#[utoipa::path(
    tag = "catalogues",
    request_body = NewCatalogue,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, description = "Draft created", body = CatalogueView),
        (status = 409, description = "The city already has a catalogue for that year", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/catalogues")]
pub async fn create(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewCatalogue>,
) -> Result<HttpResponse, ApiError> {
    who.require(EDITORS)?;
    let mut v = Validator::new();
    let city = served_city(&state, &mut v, &body.city);
    v.extend(check_year(body.year, ids::business_date(Utc::now())));
    let city = v.finish(city)?;
    who.require_city(city)?;
    let scope = format!("{}:create-catalogue", who.subject());
    let year = body.year;
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = CatalogueRow {
                id: Uuid::now_v7(),
                city: city.to_string(),
                year,
                status: CatalogueStatus::Draft.as_str().into(),
                version: 0,
                created_by: who.subject().to_owned(),
                created_at: Utc::now(),
                published_at: None,
                late: None,
            };
            if !store::insert(conn, &row).await? {
                return Err(ApiError::conflict(
                    "catalogue_exists",
                    format!("city {city} already has a catalogue for {year}"),
                ));
            }
            store::record(
                conn,
                Change {
                    catalogue_id: row.id,
                    version: 0,
                    actor: who.subject(),
                    action: "created",
                    entry_id: None,
                    before: None,
                    after: None,
                },
            )
            .await?;
            let location = format!("/v1/catalogues/{}", row.id);
            Ok(Created::new(
                StatusCode::CREATED,
                &CatalogueView::new(row, Some(Vec::new())),
            )
            .at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CatalogueQuery {
    /// Only this year.
    pub year: Option<i32>,
}

/// The city's catalogues, drafts included.
#[utoipa::path(
    tag = "catalogues",
    params(CatalogueQuery),
    responses((status = 200, body = Vec<CatalogueView>)),
    security(("bearer" = []))
)]
#[get("/v1/catalogues")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, state.city.as_str(), query.year).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|r| CatalogueView::new(r, None))
            .collect::<Vec<_>>(),
    ))
}

/// One catalogue with all its entries, withdrawn ones included.
#[utoipa::path(
    tag = "catalogues",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CatalogueView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/catalogues/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let mut conn = state.pool.get().await?;
    let row = store::find(&mut conn, *id).await?.ok_or_else(not_found)?;
    who.require_city(row.city.parse().map_err(ApiError::internal)?)?;
    let filter = EntryFilter {
        include_withdrawn: true,
        ..EntryFilter::default()
    };
    let entries = store::entries(&mut conn, row.id, &filter).await?;
    Ok(HttpResponse::Ok().json(CatalogueView::new(row, Some(entries))))
}

/// Add an entry. On a published catalogue this makes a new version at once.
#[utoipa::path(
    tag = "catalogues",
    request_body = NewEntry,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = EntryView),
        (status = 409, description = "The occupation and level are already listed", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/catalogues/{id}/entries")]
pub async fn add_entry(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    Json(body): Json<NewEntry>,
) -> Result<HttpResponse, ApiError> {
    who.require(EDITORS)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    // The year never changes, so the whole entry is checked before locking.
    let year = store::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)?
        .year;
    let mut v = Validator::new();
    let code: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    v.extend(check_entry(
        year,
        EntryTerms {
            // A missing name is looked up below.
            occupation_name: body.occupation_name.as_deref().unwrap_or("?"),
            subsidy: Fen::new(body.subsidy_fen),
            valid_from: body.valid_from,
            valid_to: body.valid_to,
        },
    ));
    let code = v.finish(code)?;
    let scope = format!("{}:add-entry:{id}", who.subject());
    let req = body.clone();
    let res = idempotency::once(&mut conn, &key, scope, &req, |conn| {
        async move {
            let mut cat = lock_for_edit(conn, &who, id).await?;
            let name = match body.occupation_name {
                Some(name) => name,
                None => occupations::name_of(conn, code.as_str())
                    .await?
                    .ok_or_else(|| {
                        ApiError::validation(vec![platform::FieldError {
                            field: "occupation_name".into(),
                            code: "occupation_unknown".into(),
                            message: format!("{code} is not in the occupation list; give its name"),
                        }])
                    })?,
            };
            let status = status_of(&cat)?;
            cat.version = version_after_change(status, cat.version);
            let entry = EntryRow {
                id: Uuid::now_v7(),
                catalogue_id: cat.id,
                occupation_code: code.to_string(),
                occupation_name: name.trim().to_owned(),
                skill_level: body.skill_level.to_string(),
                urgent: body.urgent,
                subsidy_fen: body.subsidy_fen,
                valid_from: body.valid_from,
                valid_to: body.valid_to,
                withdrawn: false,
                version: cat.version,
                updated_at: Utc::now(),
            };
            if !store::insert_entry(conn, &entry).await? {
                return Err(ApiError::conflict(
                    "entry_exists",
                    format!(
                        "the catalogue already lists {code} at level {}",
                        body.skill_level
                    ),
                ));
            }
            store::update_header(conn, &cat).await?;
            store::record(
                conn,
                Change {
                    catalogue_id: cat.id,
                    version: cat.version,
                    actor: who.subject(),
                    action: "entry_added",
                    entry_id: Some(entry.id),
                    before: None,
                    after: Some(json_of(&entry)),
                },
            )
            .await?;
            if status == CatalogueStatus::Published {
                announce(conn, &cat, &entry, ENTRY_PUBLISHED).await?;
            }
            let location = format!("/v1/catalogues/{}/entries/{}", cat.id, entry.id);
            Ok(Created::new(StatusCode::CREATED, &EntryView::from(entry)).at(location))
        }
        .scope_boxed()
    })
    .await?;
    invalidate(&state, id).await?;
    Ok(res)
}

/// Change an entry's terms. A change that changes nothing makes no version.
#[utoipa::path(
    tag = "catalogues",
    request_body = EntryChange,
    params(("id" = Uuid, Path), ("entry_id" = Uuid, Path)),
    responses((status = 200, body = EntryView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[patch("/v1/catalogues/{id}/entries/{entry_id}")]
pub async fn change_entry(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, Uuid)>,
    Json(body): Json<EntryChange>,
) -> Result<HttpResponse, ApiError> {
    who.require(EDITORS)?;
    let (id, entry_id) = path.into_inner();
    let entry = edit_entry(&state, &who, id, entry_id, |cat, before| {
        if before.withdrawn {
            return Err(ApiError::conflict(
                "entry_withdrawn",
                "a withdrawn entry cannot change",
            ));
        }
        let mut after = before.clone();
        after.occupation_name = body
            .occupation_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&before.occupation_name)
            .to_owned();
        after.urgent = body.urgent.unwrap_or(before.urgent);
        after.subsidy_fen = body.subsidy_fen.unwrap_or(before.subsidy_fen);
        after.valid_from = body.valid_from.unwrap_or(before.valid_from);
        after.valid_to = body.valid_to.unwrap_or(before.valid_to);
        let errors = check_entry(
            cat.year,
            EntryTerms {
                occupation_name: &after.occupation_name,
                subsidy: Fen::new(after.subsidy_fen),
                valid_from: after.valid_from,
                valid_to: after.valid_to,
            },
        );
        if errors.is_empty() {
            Ok((after, "entry_changed", ENTRY_CHANGED))
        } else {
            Err(ApiError::validation(errors))
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(EntryView::from(entry)))
}

/// Take an entry out of the catalogue, with the reason kept in its history.
#[utoipa::path(
    tag = "catalogues",
    request_body = Withdrawal,
    params(("id" = Uuid, Path), ("entry_id" = Uuid, Path)),
    responses((status = 200, body = EntryView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/catalogues/{id}/entries/{entry_id}/withdraw")]
pub async fn withdraw_entry(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, Uuid)>,
    Json(body): Json<Withdrawal>,
) -> Result<HttpResponse, ApiError> {
    who.require(EDITORS)?;
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation(vec![platform::FieldError {
            field: "reason".into(),
            code: "reason_length".into(),
            message: "give a reason of 1 to 500 characters".into(),
        }]));
    }
    let (id, entry_id) = path.into_inner();
    let entry = edit_entry(&state, &who, id, entry_id, |_, before| {
        if before.withdrawn {
            return Err(ApiError::conflict(
                "entry_withdrawn",
                "the entry is already withdrawn",
            ));
        }
        Ok((
            EntryRow {
                withdrawn: true,
                ..before.clone()
            },
            "entry_withdrawn",
            ENTRY_WITHDRAWN,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(EntryView::from(entry)))
}

/// The shared path of changing one entry: lock, decide, version, record,
/// announce, invalidate.
async fn edit_entry<'a, F>(
    state: &AppState,
    who: &'a Principal,
    id: Uuid,
    entry_id: Uuid,
    decide: F,
) -> Result<EntryRow, ApiError>
where
    F: FnOnce(&CatalogueRow, &EntryRow) -> Result<(EntryRow, &'static str, &'static str), ApiError>
        + Send
        + 'a,
{
    let mut conn = state.pool.get().await?;
    let entry = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let mut cat = lock_for_edit(conn, who, id).await?;
                let before = store::entry(conn, id, entry_id).await?.ok_or_else(|| {
                    ApiError::not_found("entry_not_found", "no such entry in this catalogue")
                })?;
                let (mut after, action, event_type) = decide(&cat, &before)?;
                if after == before {
                    return Ok(before);
                }
                let status = status_of(&cat)?;
                cat.version = version_after_change(status, cat.version);
                after.version = cat.version;
                after.updated_at = Utc::now();
                store::save_entry(conn, &after).await?;
                store::update_header(conn, &cat).await?;
                store::record(
                    conn,
                    Change {
                        catalogue_id: cat.id,
                        version: cat.version,
                        actor: who.subject(),
                        action,
                        entry_id: Some(after.id),
                        before: Some(json_of(&before)),
                        after: Some(json_of(&after)),
                    },
                )
                .await?;
                if status == CatalogueStatus::Published {
                    announce(conn, &cat, &after, event_type).await?;
                }
                Ok(after)
            }
            .scope_boxed()
        })
        .await?;
    invalidate(state, id).await?;
    Ok(entry)
}

/// Publish the draft as version 1. After 30 June it is published, flagged late.
#[utoipa::path(
    tag = "catalogues",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CatalogueView),
        (status = 409, description = "Already published, or empty", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/catalogues/{id}/publish")]
pub async fn publish(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(EDITORS)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let who = &who;
    let view = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let mut cat = lock_for_edit(conn, who, id).await?;
                let entries = store::entries(conn, id, &EntryFilter::default()).await?;
                check_publish(status_of(&cat)?, entries.len() as i64)?;
                let now = Utc::now();
                cat.status = CatalogueStatus::Published.as_str().into();
                cat.version = 1;
                cat.published_at = Some(now);
                cat.late = Some(is_late(cat.year, ids::business_date(now)));
                store::update_header(conn, &cat).await?;
                store::record(
                    conn,
                    Change {
                        catalogue_id: cat.id,
                        version: 1,
                        actor: who.subject(),
                        action: "published",
                        entry_id: None,
                        before: None,
                        after: None,
                    },
                )
                .await?;
                let mut batch = Vec::with_capacity(entries.len() + 1);
                for entry in &entries {
                    batch.push(
                        events::entry_event(&cat, entry, ENTRY_PUBLISHED)
                            .map_err(ApiError::internal)?,
                    );
                }
                batch.push(
                    events::catalogue_published(&cat, entries.len() as i64)
                        .map_err(ApiError::internal)?,
                );
                messaging::enqueue(conn, &batch).await?;
                Ok(CatalogueView::new(cat, Some(entries)))
            }
            .scope_boxed()
        })
        .await?;
    state
        .cache
        .invalidate(&catalogue_namespace(&view.city, view.year))
        .await;
    Ok(HttpResponse::Ok().json(view))
}

/// Who changed what, when: every change since the draft was started.
#[utoipa::path(
    tag = "catalogues",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ChangeView>)),
    security(("bearer" = []))
)]
#[get("/v1/catalogues/{id}/history")]
pub async fn history(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let mut conn = state.pool.get().await?;
    let row = store::find(&mut conn, *id).await?.ok_or_else(not_found)?;
    who.require_city(row.city.parse().map_err(ApiError::internal)?)?;
    let changes = store::history(&mut conn, row.id).await?;
    Ok(HttpResponse::Ok().json(
        changes
            .into_iter()
            .map(ChangeView::from)
            .collect::<Vec<_>>(),
    ))
}
