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
    /// Only entries at this skill level.
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

/// Read a city's published guidance catalogue
///
/// Anyone, without a token, reads the current version of a city's
/// published guidance catalogue (需求指导目录) of a year: its active entries
/// with their subsidy standard per person (in fen), optionally of one
/// occupation or group of the classification (e.g. `6-29`), one skill
/// level, or the urgent/scarce (急需紧缺) ones. Drafts and withdrawn entries
/// are not shown. Answers are cached and read afresh after every change;
/// clients are rate limited. A city other than this instance's answers 404
/// `city_not_served`, a year without a published catalogue 404
/// `catalogue_not_published`.
#[utoipa::path(
    tag = "public",
    operation_id = "getPublicCatalogue",
    params(
        ("city" = String, Path, description = "The city's administrative division code", example = "350100", pattern = r"^350(?:[1-9]00|128)$"),
        ("year" = i32, Path, description = "The catalogue's year", example = 2026),
        PublicCatalogueQuery,
    ),
    responses(
        (status = 200, description = "The published catalogue, its active entries as filtered", body = PublicCatalogue),
        (status = 404, description = "Refused: catalogue_not_published, city_not_served (not this instance's city)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`city`: city_code_unknown; `occupation`: occupation_code_format)", body = Problem, content_type = "application/problem+json"),
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
    #[param(example = "6-29")]
    pub code: Option<String>,
    /// Part of the name, e.g. 电工.
    #[param(example = "电工")]
    pub name: Option<String>,
}

/// List occupations of the classification
///
/// Anyone, without a token, searches the occupation reference list
/// (职业分类大典, GB/T 6565) by code or group prefix (e.g. `6-29`) or by
/// part of the name (e.g. 电工): the codes a catalogue entry, a class or a
/// demand names. The shipped list is sample data, each row marked
/// `sample`, until the city loads the full list. Answers are cached;
/// clients are rate limited. A code that is neither a code nor a group
/// answers 422 `occupation_code_format`.
#[utoipa::path(
    tag = "public",
    operation_id = "listOccupations",
    params(OccupationQuery),
    responses(
        (status = 200, description = "The matching occupations by code, at most 500", body = Vec<OccupationRow>),
        (status = 422, description = "Refused: validation_failed (`code`: occupation_code_format)", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
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
