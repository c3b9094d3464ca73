//! Training brands (培训品牌, policy item 7): at least one per city.

use actix_web::http::StatusCode;
use actix_web::{get, post, HttpResponse};
use db::ScopedFutureExt;
use ids::OccupationCode;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::validate::Validator;
use platform::ApiError;

use super::{BrandView, BrandsView, NewBrand, State};
use crate::app::brands;
use crate::domain::institution::check_text;

/// Every city builds at least one brand (2025–2027).
const BRANDS_PER_CITY: i64 = 1;

/// Register a brand, linked to listed institutions and occupations.
#[utoipa::path(
    tag = "brands",
    request_body = NewBrand,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses((status = 201, body = BrandView), (status = 409, response = platform::problem::Conflict), (status = 422, response = platform::problem::Unprocessable)),
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

/// The city's brands, and whether the target of one brand is met.
#[utoipa::path(tag = "brands", responses((status = 200, body = BrandsView)), security(("bearer" = [])))]
#[get("/v1/brands")]
pub async fn list(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let brands: Vec<BrandView> = brands::list(&mut conn, state.city)
        .await?
        .into_iter()
        .map(BrandView::from)
        .collect();
    Ok(HttpResponse::Ok().json(BrandsView {
        city: state.city.to_string(),
        target: BRANDS_PER_CITY,
        met: brands.len() as i64 >= BRANDS_PER_CITY,
        brands,
    }))
}
