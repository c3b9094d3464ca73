//! The public directory (补贴性培训机构目录, policy item 16). Cached and rate
//! limited like the catalogue.

use actix_web::{get, web, HttpResponse};
use ids::{CityCode, Rating, SkillLevel};
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::{directory_namespace, Directory, DirectoryEntry, DirectoryProject, State};
use crate::app::directory::{self as listings, Filter, Listing};
use crate::domain::institution::Nature;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQuery {
    /// An occupation code or a group of the classification, e.g. `6-31`.
    #[param(example = "6-31")]
    pub occupation: Option<String>,
    /// Only institutions that may train at this skill level.
    pub skill_level: Option<SkillLevel>,
    /// District code, e.g. 350102.
    #[param(example = "350102")]
    pub district: Option<String>,
    /// Only institutions of this nature.
    pub nature: Option<Nature>,
}

/// Read a city's public directory of training institutions
///
/// Anyone, without a token, reads the directory of subsidised training
/// institutions (补贴性培训机构目录, policy item 16): the listed
/// institutions of a city with the projects (occupation × level) they may
/// train in a year, each with the subsidy standard per person (in fen) of
/// that year's published catalogue when it lists the project, their
/// address and contact, and whether they were rated A. Filters narrow it
/// to an occupation or group, a level, a district or a nature; an
/// institution without a matching project is left out, but a high-skill
/// talent training base is always listed when nothing narrows by
/// occupation or level. Only approved institutions are listed. Answers are
/// cached and read afresh after every decision and catalogue change;
/// clients are rate limited. A city other than this instance's answers 404
/// `city_not_served`.
#[utoipa::path(
    tag = "public",
    operation_id = "getPublicDirectory",
    params(
        ("city" = String, Path, description = "The city's administrative division code", example = "350100", pattern = r"^350(?:[1-9]00|128)$"),
        ("year" = i32, Path, description = "The year whose granted scope and catalogue apply", example = 2026, minimum = 2025, maximum = 2100),
        DirectoryQuery,
    ),
    responses(
        (status = 200, description = "The listed institutions with their projects of the year", body = Directory),
        (status = 404, description = "Refused: city_not_served (not this instance's city)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`city`: city_code_unknown; `year`: year_range)", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
    security(())
)]
#[get("/v1/public/directory/{city}/{year}")]
pub async fn directory(
    state: State,
    public: PublicRead,
    path: web::Path<(String, i32)>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw_city, year) = path.into_inner();
    let mut v = Validator::new();
    let city: Option<CityCode> = v.parse("city", &raw_city);
    v.ensure(
        (2025..=2100).contains(&year),
        "year",
        "year_range",
        "a year from 2025",
    );
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
            &directory_namespace(city.as_str()),
            Variant::of("directory")
                .param("year", year)
                .maybe("occupation", query.occupation.as_deref())
                .maybe("level", query.skill_level)
                .maybe("district", query.district.as_deref())
                .maybe("nature", query.nature.map(Nature::as_str)),
            || async move {
                let filter = Filter {
                    occupation: query.occupation,
                    skill_level: query.skill_level,
                    district: query.district,
                    nature: query.nature,
                };
                let mut conn = state.pool.get().await?;
                let found = listings::read(&mut conn, city, year, &filter).await?;
                Ok(Directory {
                    city: city.to_string(),
                    city_name: city.name_zh().to_owned(),
                    year,
                    institutions: found.into_iter().map(entry).collect(),
                })
            },
        )
        .await
}

/// The public profile of a listed institution.
fn entry(listing: Listing) -> DirectoryEntry {
    let row = listing.institution;
    DirectoryEntry {
        name: row.name,
        address: row.address,
        district: row.district,
        nature: row.nature,
        high_skill_base: row.high_skill_base,
        a_rated: row.rating == Some(Rating::A),
        contact_person: row.contact_person,
        contact_phone: row.contact_phone,
        projects: listing
            .projects
            .into_iter()
            .map(|p| DirectoryProject {
                occupation_code: p.occupation_code,
                occupation_name: p.occupation_name,
                skill_level: p.skill_level,
                subsidy_fen: p.subsidy_fen,
            })
            .collect(),
    }
}
