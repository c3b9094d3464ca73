//! The public directory (补贴性培训机构目录, policy item 16): listed
//! institutions with the projects they may train in a year, each with the
//! subsidy standard of that year's catalogue.

use diesel_async::AsyncPgConnection;
use ids::{CityCode, SkillLevel};

use super::Error;
use crate::domain::institution::{valid_in_year, Nature};
use crate::store::catalogue::{self, CatalogueEntryRow};
use crate::store::directory;
use crate::store::institutions::{InstitutionRow, ScopeRow};

/// What a reader narrows the directory to.
#[derive(Debug, Default)]
pub struct Filter {
    /// An occupation code or a group of the classification, e.g. `6-31`.
    pub occupation: Option<String>,
    pub skill_level: Option<SkillLevel>,
    /// District code, e.g. 350102.
    pub district: Option<String>,
    pub nature: Option<Nature>,
}

/// A project an institution may train in the year.
pub struct Project {
    pub occupation_code: String,
    /// The catalogue's name, when that year's catalogue lists the project.
    pub occupation_name: Option<String>,
    pub skill_level: String,
    pub subsidy_fen: Option<i64>,
}

/// A listed institution with its projects.
pub struct Listing {
    pub institution: InstitutionRow,
    pub projects: Vec<Project>,
}

/// The city's directory for `year`, narrowed by `filter`. An institution
/// without a matching project is left out, except a high-skill base when
/// nothing narrows by occupation or level (it is always listed).
#[tracing::instrument(skip_all, fields(city = %city, year))]
pub async fn read(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    year: i32,
    filter: &Filter,
) -> Result<Vec<Listing>, Error> {
    let catalogue = catalogue::entries(conn, city.as_str(), year).await?;
    let narrowed = filter.occupation.is_some() || filter.skill_level.is_some();
    let mut out = Vec::new();
    for listed in directory::listed(conn, city.as_str()).await? {
        let row = listed.institution;
        if filter
            .district
            .as_deref()
            .is_some_and(|d| d != row.district)
            || filter.nature.is_some_and(|n| n.as_str() != row.nature)
        {
            continue;
        }
        let projects: Vec<Project> = listed
            .scope
            .iter()
            .filter(|s| offered(s, year, filter))
            .map(|s| project(s, &catalogue))
            .collect();
        if projects.is_empty() && (narrowed || !row.high_skill_base) {
            continue;
        }
        out.push(Listing {
            institution: row,
            projects,
        });
    }
    Ok(out)
}

/// A granted scope item valid in the year that the filter lets through.
fn offered(s: &ScopeRow, year: i32, filter: &Filter) -> bool {
    matches!((s.valid_from, s.valid_to), (Some(f), Some(t)) if valid_in_year(f, t, year))
        && filter
            .skill_level
            .is_none_or(|l| l.as_str() == s.skill_level)
        && filter.occupation.as_deref().is_none_or(|o| {
            s.occupation_code == o || s.occupation_code.starts_with(&format!("{o}-"))
        })
}

fn project(s: &ScopeRow, catalogue: &[CatalogueEntryRow]) -> Project {
    let listed = catalogue
        .iter()
        .find(|e| e.occupation_code == s.occupation_code && e.skill_level == s.skill_level);
    Project {
        occupation_code: s.occupation_code.clone(),
        occupation_name: listed.map(|e| e.occupation_name.clone()),
        skill_level: s.skill_level.clone(),
        subsidy_fen: listed.map(|e| e.subsidy_fen),
    }
}
