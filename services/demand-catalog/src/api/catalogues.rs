//! Officers draft, publish and update their city's guidance catalogue.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use ids::CityCode;
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
use crate::app::catalogues::{self, EntryChanges};
use crate::domain::catalogue::check_year;

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

/// Start the draft catalogue of a year.
#[utoipa::path(
    tag = "catalogues",
    request_body = NewCatalogue,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, description = "Draft created", body = CatalogueView),
        (status = 409, description = "The city already has a catalogue for that year", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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
    let rows = catalogues::list(&mut conn, state.city, query.year).await?;
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
    responses((status = 200, body = CatalogueView), (status = 404, response = platform::problem::NotFound)),
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

/// Add an entry. On a published catalogue this makes a new version at once.
#[utoipa::path(
    tag = "catalogues",
    request_body = NewEntry,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = EntryView),
        (status = 409, description = "The occupation and level are already listed", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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

/// Change an entry's terms. A change that changes nothing makes no version.
#[utoipa::path(
    tag = "catalogues",
    request_body = EntryChange,
    params(("id" = Uuid, Path), ("entry_id" = Uuid, Path)),
    responses((status = 200, body = EntryView), (status = 404, response = platform::problem::NotFound), (status = 422, response = platform::problem::Unprocessable)),
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

/// Take an entry out of the catalogue, with the reason kept in its history.
#[utoipa::path(
    tag = "catalogues",
    request_body = Withdrawal,
    params(("id" = Uuid, Path), ("entry_id" = Uuid, Path)),
    responses((status = 200, body = EntryView), (status = 409, response = platform::problem::Conflict)),
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
    let mut conn = state.pool.get().await?;
    let published = catalogues::publish(&mut conn, &who, id.into_inner()).await?;
    let view = CatalogueView::new(published.header, Some(published.entries));
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
    let changes = catalogues::history(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(
        changes
            .into_iter()
            .map(ChangeView::from)
            .collect::<Vec<_>>(),
    ))
}
