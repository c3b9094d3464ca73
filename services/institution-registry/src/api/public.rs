//! The public directory (补贴性培训机构目录, policy item 16). Cached and rate
//! limited like the catalogue.

use actix_web::{get, web, HttpResponse};
use ids::{CityCode, SkillLevel};
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::{directory_namespace, Directory, DirectoryEntry, DirectoryProject, State};
use crate::domain::institution::{valid_in_year, Nature};
use crate::store;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQuery {
    /// An occupation code or a group of the classification, e.g. `6-31`.
    pub occupation: Option<String>,
    pub skill_level: Option<SkillLevel>,
    /// District code, e.g. 350102.
    pub district: Option<String>,
    pub nature: Option<Nature>,
}

/// Listed institutions of a city with the projects they may train in a
/// year, each with the subsidy standard of that year's catalogue.
#[utoipa::path(
    tag = "public",
    params(("city" = String, Path, example = "350100", pattern = r"^350(?:[1-9]00|128)$"), ("year" = i32, Path, example = 2026, minimum = 2025, maximum = 2100), DirectoryQuery),
    responses(
        (status = 200, body = Directory),
        (status = 404, description = "Not this instance's city", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
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
            let mut conn = state.pool.get().await?;
            let catalogue = store::catalogue(&mut conn, city.as_str(), year).await?;
            let mut institutions = Vec::new();
            for (row, scope) in store::listed(&mut conn, city.as_str()).await? {
                if query.district.as_deref().is_some_and(|d| d != row.district)
                    || query.nature.is_some_and(|n| n.as_str() != row.nature)
                {
                    continue;
                }
                let projects: Vec<DirectoryProject> = scope
                    .iter()
                    .filter(|s| matches!((s.valid_from, s.valid_to), (Some(f), Some(t)) if valid_in_year(f, t, year)))
                    .filter(|s| query.skill_level.is_none_or(|l| l.as_str() == s.skill_level))
                    .filter(|s| {
                        query.occupation.as_deref().is_none_or(|o| s.occupation_code == o || s.occupation_code.starts_with(&format!("{o}-")))
                    })
                    .map(|s| {
                        let listed = catalogue.iter().find(|e| e.occupation_code == s.occupation_code && e.skill_level == s.skill_level);
                        DirectoryProject {
                            occupation_code: s.occupation_code.clone(),
                            occupation_name: listed.map(|e| e.occupation_name.clone()),
                            skill_level: s.skill_level.clone(),
                            subsidy_fen: listed.map(|e| e.subsidy_fen),
                        }
                    })
                    .collect();
                let filtered = query.occupation.is_some() || query.skill_level.is_some();
                if projects.is_empty() && (filtered || !row.high_skill_base) {
                    continue;
                }
                institutions.push(DirectoryEntry {
                    name: row.name,
                    address: row.address,
                    district: row.district,
                    nature: row.nature,
                    high_skill_base: row.high_skill_base,
                    a_rated: row.rating.as_deref() == Some("A"),
                    contact_person: row.contact_person,
                    contact_phone: row.contact_phone,
                    projects,
                });
            }
            Ok(Directory { city: city.to_string(), city_name: city.name_zh().to_owned(), year, institutions })
        })
        .await
}
