//! Officers draft, publish and update their city's guidance catalogue.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use ids::{CityCode, InvalidValue};
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    catalogue_namespace, AppState, CatalogueView, ChangeView, EntryChange, EntryView, NewCatalogue,
    NewEntry, State, Withdrawal,
};
use crate::app::catalogues::{self, EntryChanges};
use crate::domain::catalogue::{check_year, CatalogueStatus};
use crate::store::catalogues::CatalogueFilter;

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

/// Drops the cached public answers of the catalogue, once a change to it
/// committed (a replayed answer too: the first may not have got this far).
async fn invalidate(state: &AppState, id: Uuid) -> Result<(), ApiError> {
    let mut conn = state.pool.get().await?;
    if let Some(row) = catalogues::header(&mut conn, id).await? {
        state
            .cache
            .invalidate(&catalogue_namespace(&row.city, row.year))
            .await;
    }
    Ok(())
}

/// Start the draft catalogue of a year
///
/// A bureau officer of the city starts the year's guidance catalogue
/// (职业技能培训需求指导目录, policy item 1) as an empty draft, version 0;
/// entries are then added and the draft is published, by 30 June. A city
/// has one catalogue per year. The city must be the one this instance
/// serves (`city_not_served`) and the year between 2025 and next year
/// (`year_range`), both 422 with the field named. Nothing is announced
/// until publication. A retry with the same `Idempotency-Key` answers the
/// first answer again.
#[utoipa::path(
    tag = "catalogues",
    operation_id = "createCatalogue",
    request_body = NewCatalogue,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first answer again")),
    responses(
        (status = 201, description = "The draft catalogue, version 0, with no entries yet", body = CatalogueView,
            headers(("Location" = String, description = "Where the created resource is read"))),
        (status = 409, description = "Refused: catalogue_exists (the city already has a catalogue for that year), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`city`: city_code_unknown, city_not_served; `year`: year_range), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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
            let row = catalogues::create(conn, who.subject(), city, year).await?;
            let location = format!("/v1/catalogues/{}", row.id);
            Ok(Created::new(
                StatusCode::CREATED,
                &CatalogueView::new(row, Some(Vec::new())),
            )?
            .at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CatalogueQuery {
    /// Only the catalogue of this year.
    #[param(value_type = Option<i32>, example = 2026)]
    pub year: Option<String>,
    /// Only catalogues in this status: `draft` (being prepared) or
    /// `published`.
    #[param(value_type = Option<CatalogueStatus>)]
    pub status: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the city's catalogues
///
/// Bureau officers and auditors of the city page through its guidance
/// catalogues, drafts included, the latest year first, without their
/// entries (read one catalogue for those), optionally of one year or in
/// one status (`draft`: the ones still to publish). Pages are `limit` long
/// (1 to 500, default 50); pass a page's `next_cursor` as `cursor` for the
/// next one. A bad filter answers 422 naming the field (`year_format`,
/// `catalogue_status_unknown`, `limit_range`, `cursor_invalid`). Officers
/// and auditors of another city are refused 403 `out_of_scope`.
#[utoipa::path(
    tag = "catalogues",
    operation_id = "listCatalogues",
    params(CatalogueQuery),
    responses(
        (status = 200, description = "A page of the city's catalogues, the latest year first", body = Page<CatalogueView>),
        (status = 422, description = "Refused: validation_failed (`year`: year_format; `status`: catalogue_status_unknown; `limit`: limit_range; `cursor`: cursor_invalid)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/catalogues")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?.require_city(state.city)?;
    let limit = pagination::limit(query.limit)?;
    // A city has one catalogue per year: the year alone orders and pages.
    let before_year: Option<i32> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let year = query.year.as_deref().and_then(|raw| {
        v.check(
            "year",
            raw.parse::<i32>()
                .map_err(|_| InvalidValue::new("year_format", "a year, e.g. 2026")),
        )
    });
    let status: Option<CatalogueStatus> = query
        .status
        .as_deref()
        .and_then(|raw| v.parse("status", raw));
    v.finish(())?;
    let filter = CatalogueFilter { year, status };
    let mut conn = state.pool.get().await?;
    let rows = catalogues::list(&mut conn, state.city, &filter, before_year, limit + 1).await?;
    let page = pagination::page(rows, limit, |r| r.year).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(|r| CatalogueView::new(r, None))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Read one catalogue with all its entries
///
/// Bureau officers and auditors of the catalogue's city read a catalogue,
/// draft or published, with every entry, withdrawn ones included (each
/// entry says so and which version last changed it). Another city's
/// catalogue is refused 403 `out_of_scope`; an unknown id answers 404
/// `catalogue_not_found`.
#[utoipa::path(
    tag = "catalogues",
    operation_id = "getCatalogue",
    params(("id" = Uuid, Path, description = "The catalogue's id")),
    responses(
        (status = 200, description = "The catalogue with all its entries", body = CatalogueView),
        (status = 403, description = "Refused: forbidden_role, out_of_scope (another city's catalogue)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: catalogue_not_found", body = Problem, content_type = "application/problem+json"),
    ),
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
    let catalogue = catalogues::get(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(CatalogueView::new(
        catalogue.header,
        Some(catalogue.entries),
    )))
}

/// Add an occupation and level to a catalogue
///
/// A bureau officer of the catalogue's city lists an occupation at a skill
/// level with its subsidy standard per person (in fen), whether it is
/// urgent or scarce (急需紧缺), and its validity, which must overlap the
/// catalogue's year. The name defaults to the occupation list's. An
/// occupation and level is listed once per catalogue (409
/// `entry_exists`). On a draft the entry waits for publication; on a
/// published catalogue it makes a new version at once and is announced on
/// `catalog.entries.v1` (`qiancheng.catalog.entry.published.v1`) with the
/// catalogue's new version on `catalog.catalogues.v1`. The public
/// catalogue is read afresh afterwards. A retry with the same
/// `Idempotency-Key` answers the first answer again.
#[utoipa::path(
    tag = "catalogues",
    operation_id = "addCatalogueEntry",
    request_body = NewEntry,
    params(
        ("id" = Uuid, Path, description = "The catalogue's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first answer again"),
    ),
    responses(
        (status = 201, description = "The entry as listed, with the catalogue version it landed in", body = EntryView,
            headers(("Location" = String, description = "Where the created resource is read"))),
        (status = 403, description = "Refused: forbidden_role, out_of_scope (another city's catalogue)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: catalogue_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: entry_exists (the occupation and level are already listed), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (occupation_code_format, occupation_code_major_group, occupation_name_length, occupation_unknown, money_negative, subsidy_too_high, validity_reversed, validity_outside_year), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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
    let new = catalogues::NewEntry {
        occupation_code: body.occupation_code.clone(),
        occupation_name: body.occupation_name.clone(),
        skill_level: body.skill_level,
        urgent: body.urgent,
        subsidy_fen: body.subsidy_fen,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
    };
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:add-entry:{id}", who.subject());
    let res = idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let entry = catalogues::add_entry(conn, &who, id, new).await?;
            let location = format!("/v1/catalogues/{id}/entries/{}", entry.id);
            Ok(Created::new(StatusCode::CREATED, &EntryView::from(entry))?.at(location))
        }
        .scope_boxed()
    })
    .await?;
    invalidate(&state, id).await?;
    Ok(res)
}

/// Change an entry's terms
///
/// A bureau officer of the catalogue's city changes an entry's name,
/// urgency, subsidy standard or validity; absent fields stay as they are,
/// and the result is checked against the catalogue's year as a new entry
/// is. A change that changes nothing makes no version. On a published
/// catalogue each change makes a new version and is announced on
/// `catalog.entries.v1` (`qiancheng.catalog.entry.changed.v1`) with the
/// catalogue's new version on `catalog.catalogues.v1`. A withdrawn entry
/// cannot change (409 `entry_withdrawn`). Every change is kept in the
/// catalogue's history.
#[utoipa::path(
    tag = "catalogues",
    operation_id = "changeCatalogueEntry",
    request_body = EntryChange,
    params(
        ("id" = Uuid, Path, description = "The catalogue's id"),
        ("entry_id" = Uuid, Path, description = "The entry's id"),
    ),
    responses(
        (status = 200, description = "The entry as it now stands", body = EntryView),
        (status = 403, description = "Refused: forbidden_role, out_of_scope (another city's catalogue)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: catalogue_not_found, entry_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: entry_withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (occupation_name_length, money_negative, subsidy_too_high, validity_reversed, validity_outside_year)", body = Problem, content_type = "application/problem+json"),
    ),
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
    let changes = EntryChanges {
        occupation_name: body.occupation_name,
        urgent: body.urgent,
        subsidy_fen: body.subsidy_fen,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
    };
    let mut conn = state.pool.get().await?;
    let entry = catalogues::change_entry(&mut conn, &who, id, entry_id, changes).await?;
    invalidate(&state, id).await?;
    Ok(HttpResponse::Ok().json(EntryView::from(entry)))
}

/// Withdraw an entry from a catalogue
///
/// A bureau officer of the catalogue's city takes an entry out of the
/// catalogue, giving a reason of 1 to 500 characters (422 `reason_length`)
/// that is kept in the catalogue's history. The entry stays readable,
/// marked withdrawn. On a published catalogue the withdrawal makes a new
/// version and is announced on `catalog.entries.v1`
/// (`qiancheng.catalog.entry.withdrawn.v1`) with the catalogue's new
/// version on `catalog.catalogues.v1`; from then on no new class is filed
/// for it. An entry is withdrawn once (409 `entry_withdrawn`).
#[utoipa::path(
    tag = "catalogues",
    operation_id = "withdrawCatalogueEntry",
    request_body = Withdrawal,
    params(
        ("id" = Uuid, Path, description = "The catalogue's id"),
        ("entry_id" = Uuid, Path, description = "The entry's id"),
    ),
    responses(
        (status = 200, description = "The entry, now withdrawn", body = EntryView),
        (status = 403, description = "Refused: forbidden_role, out_of_scope (another city's catalogue)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: catalogue_not_found, entry_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: entry_withdrawn (already withdrawn)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`reason`: reason_length)", body = Problem, content_type = "application/problem+json"),
    ),
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
    let mut conn = state.pool.get().await?;
    let entry = catalogues::withdraw_entry(&mut conn, &who, id, entry_id).await?;
    invalidate(&state, id).await?;
    Ok(HttpResponse::Ok().json(EntryView::from(entry)))
}

/// Publish a draft catalogue
///
/// A bureau officer of the catalogue's city publishes the draft as
/// version 1. Policy item 1 asks for publication by 30 June; after it the
/// catalogue is still published, flagged `late`. Every active entry is
/// announced on `catalog.entries.v1`
/// (`qiancheng.catalog.entry.published.v1`) and the catalogue on
/// `catalog.catalogues.v1` (`qiancheng.catalog.catalogue.published.v1`),
/// so that the registry and training delivery take it up; the public
/// catalogue shows it from then on. A catalogue is published once (later
/// changes become versions by themselves, 409 `already_published`) and
/// needs at least one active entry (409 `catalogue_empty`).
#[utoipa::path(
    tag = "catalogues",
    operation_id = "publishCatalogue",
    params(("id" = Uuid, Path, description = "The catalogue's id")),
    responses(
        (status = 200, description = "The published catalogue, version 1, with its active entries", body = CatalogueView),
        (status = 403, description = "Refused: forbidden_role, out_of_scope (another city's catalogue)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: catalogue_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: already_published, catalogue_empty", body = Problem, content_type = "application/problem+json"),
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
    let mut conn = state.pool.get().await?;
    let published = catalogues::publish(&mut conn, &who, id.into_inner()).await?;
    let view = CatalogueView::new(published.header, Some(published.entries));
    state
        .cache
        .invalidate(&catalogue_namespace(&view.city, view.year))
        .await;
    Ok(HttpResponse::Ok().json(view))
}

/// Read a catalogue's history of changes
///
/// Bureau officers and auditors of the catalogue's city read who changed
/// what, when: every change since the draft was started (`created`,
/// `entry_added`, `entry_changed`, `entry_withdrawn`, `published`), oldest
/// first, with the version it made and the entry before and after. Another
/// city's catalogue is refused 403 `out_of_scope`.
#[utoipa::path(
    tag = "catalogues",
    operation_id = "getCatalogueHistory",
    params(("id" = Uuid, Path, description = "The catalogue's id")),
    responses(
        (status = 200, description = "Every change, oldest first", body = Vec<ChangeView>),
        (status = 403, description = "Refused: forbidden_role, out_of_scope (another city's catalogue)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: catalogue_not_found", body = Problem, content_type = "application/problem+json"),
    ),
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
    let changes = catalogues::history(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(
        changes
            .into_iter()
            .map(ChangeView::from)
            .collect::<Vec<_>>(),
    ))
}
