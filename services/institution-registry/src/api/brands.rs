//! Training brands (培训品牌, policy item 7): at least one per city.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use ids::OccupationCode;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{BrandView, BrandsView, NewBrand, State};
use crate::app::brands;
use crate::domain::institution::check_text;

/// Every city builds at least one brand (2025–2027).
const BRANDS_PER_CITY: i64 = 1;

/// Register a training brand
///
/// A bureau officer of the city registers a training brand (培训品牌,
/// policy item 7; every city builds at least one in 2025–2027), named
/// place or enterprise + occupation + 培训 (e.g. 闽清电工培训, 422
/// `brand_name_form`), linked to at least one occupation and to
/// institutions listed in the city (422 `institution_not_listed`
/// otherwise). A name is the city's once (409 `brand_exists`). The brand
/// is announced (`qiancheng.registry.brand.registered.v1` on
/// `registry.brands.v1`). A retry with the same `Idempotency-Key` answers
/// the first answer again.
#[utoipa::path(
    tag = "brands",
    operation_id = "registerBrand",
    request_body = NewBrand,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first answer again")),
    responses(
        (status = 201, description = "The brand as registered", body = BrandView,
            headers(("Location" = String, description = "Where the created resource is read"))),
        (status = 409, description = "Refused: brand_exists, idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`name`: text_length, brand_name_form; `occupation_codes`: list_empty, occupation_code_format; `institution_ids`: list_empty, institution_not_listed), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/brands")]
pub async fn register(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewBrand>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    v.extend(check_text("name", &body.name, 50));
    v.ensure(
        body.name.trim().ends_with("培训"),
        "name",
        "brand_name_form",
        "a brand is named place/enterprise + occupation + 培训",
    );
    v.ensure(
        !body.occupation_codes.is_empty(),
        "occupation_codes",
        "list_empty",
        "name at least one occupation",
    );
    for (i, code) in body.occupation_codes.iter().enumerate() {
        let _: Option<OccupationCode> = v.parse(format!("occupation_codes[{i}]"), code);
    }
    v.ensure(
        !body.institution_ids.is_empty(),
        "institution_ids",
        "list_empty",
        "link at least one institution",
    );
    v.finish(())?;
    let brand = brands::NewBrand {
        name: body.name.trim().to_owned(),
        occupation_codes: body.occupation_codes.clone(),
        institution_ids: body.institution_ids.clone(),
    };
    let scope = format!("{}:register-brand", who.subject());
    let (city, who) = (state.city, &who);
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = brands::register(conn, city, who.subject(), brand).await?;
            let location = format!("/v1/brands/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &BrandView::from(row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BrandQuery {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the city's training brands
///
/// Bureau officers and auditors of the city page through its training
/// brands (培训品牌), oldest first, with how many it has in all and
/// whether the policy's target of at least one brand per city is met.
/// Pages are `limit` long (1 to 500, default 50); pass a page's
/// `next_cursor` as `cursor` for the next one (`limit_range`,
/// `cursor_invalid` answer 422). Officers and auditors of another city are
/// refused 403 `out_of_scope`.
#[utoipa::path(
    tag = "brands",
    operation_id = "listBrands",
    params(BrandQuery),
    responses(
        (status = 200, description = "A page of the city's brands, oldest first, against the target", body = BrandsView),
        (status = 422, description = "Refused: validation_failed (`limit`: limit_range; `cursor`: cursor_invalid)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/brands")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<BrandQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let found = brands::list(&mut conn, state.city, after, limit + 1).await?;
    let page = pagination::page(found.page, limit, |b| (b.created_at, b.id))
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(BrandsView {
        city: state.city.to_string(),
        target: BRANDS_PER_CITY,
        total: found.total,
        met: found.total >= BRANDS_PER_CITY,
        brands: page.items.into_iter().map(BrandView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
