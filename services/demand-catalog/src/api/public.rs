//! Anonymous reads: the published catalogue and the occupation list.
//! Cached in Redis and rate limited per client (see `PublicRead`).

use actix_web::{get, web, HttpResponse};
use ids::{CityCode, OccupationCode, SkillLevel};
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::{catalogue_namespace, PublicCatalogue, PublicEntry, State};
use crate::app::{catalogues, occupations};
use crate::store::catalogues::EntryFilter;
use crate::store::occupations::OccupationRow;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublicCatalogueQuery {
    /// An occupation code or a group of the classification, e.g. `6-29`.
    #[param(pattern = r"^\d(?:-\d{2}){0,4}$")]
    pub occupation: Option<String>,
    pub skill_level: Option<SkillLevel>,
    /// Only urgent/scarce (急需紧缺) entries.
    pub urgent: Option<bool>,
}

fn valid_group(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split('-').collect();
    match parts.as_slice() {
        [major, groups @ ..] => {
            major.len() == 1
                && groups.len() <= 4
                && groups.iter().all(|p| p.len() == 2)
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        }
        [] => false,
    }
}

/// The published guidance catalogue of a city and year.
#[utoipa::path(
    tag = "public",
    params(("city" = String, Path, example = "350100", pattern = r"^350(?:[1-9]00|128)$"), ("year" = i32, Path, example = 2026), PublicCatalogueQuery),
    responses(
        (status = 200, body = PublicCatalogue),
        (status = 404, description = "Not published, or not this instance's city", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
    security(())
)]
#[get("/v1/public/catalogues/{city}/{year}")]
pub async fn catalogue(
    state: State,
    public: PublicRead,
    path: web::Path<(String, i32)>,
    query: web::Query<PublicCatalogueQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw_city, year) = path.into_inner();
    let mut v = Validator::new();
    let city: Option<CityCode> = v.parse("city", &raw_city);
    if let Some(group) = &query.occupation {
        v.ensure(
            valid_group(group),
            "occupation",
            "occupation_code_format",
            "an occupation code or group, e.g. 6-29 or 6-29-01-01",
        );
    }
    let city = v.finish(city)?;
    if city != state.city {
        return Err(ApiError::not_found(
            "city_not_served",
            format!("this instance serves city {}", state.city),
        ));
    }
    let query = query.into_inner();
    public
        .respond(
            &catalogue_namespace(city.as_str(), year),
            Variant::of("catalogue")
                .maybe("occupation", query.occupation.as_deref())
                .maybe("level", query.skill_level)
                .maybe("urgent", query.urgent),
            || async move {
                let mut conn = state.pool.get().await?;
                let filter = EntryFilter {
                    occupation: query.occupation,
                    skill_level: query.skill_level.map(|l| l.to_string()),
                    urgent: query.urgent,
                    include_withdrawn: false,
                };
                let catalogues::Catalogue {
                    header: cat,
                    entries,
                } = catalogues::published(&mut conn, city, year, filter).await?;
                Ok(PublicCatalogue {
                    city: cat.city,
                    city_name: city.name_zh().to_owned(),
                    year: cat.year,
                    version: cat.version,
                    published_at: cat.published_at,
                    late: cat.late.unwrap_or(false),
                    entries: entries.into_iter().map(PublicEntry::from).collect(),
                })
            },
        )
        .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OccupationQuery {
    /// Code or group prefix, e.g. `6-29`.
    pub code: Option<String>,
    /// Part of the name, e.g. 电工.
    pub name: Option<String>,
}

/// The occupation reference list (GB/T 6565); the shipped list is sample data.
#[utoipa::path(
    tag = "public",
    params(OccupationQuery),
    responses((status = 200, body = Vec<OccupationRow>), (status = 429, response = platform::problem::TooManyRequests)),
    security(())
)]
#[get("/v1/public/occupations")]
pub async fn occupation_list(
    state: State,
    public: PublicRead,
    query: web::Query<OccupationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if let Some(code) = &query.code {
        if !valid_group(code) && code.parse::<OccupationCode>().is_err() {
            return Err(ApiError::validation(vec![platform::FieldError {
                field: "code".into(),
                code: "occupation_code_format".into(),
                message: "an occupation code or group, e.g. 6-29".into(),
            }]));
        }
    }
    public
        .respond(
            "occupations",
            Variant::of("occupations")
                .maybe("code", query.code.as_deref())
                .maybe("name", query.name.as_deref().map(str::trim)),
            || async move {
                let mut conn = state.pool.get().await?;
                Ok(
                    occupations::search(&mut conn, query.code.as_deref(), query.name.as_deref())
                        .await?,
                )
            },
        )
        .await
}
