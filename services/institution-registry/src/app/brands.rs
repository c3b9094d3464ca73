//! Training brands (培训品牌, policy item 7): registered by the bureau,
//! linked to listed institutions and occupations, at least one per city.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, FieldError};
use uuid::Uuid;

use super::Error;
use crate::events;
use crate::store::brands::{self, BrandRow};
use crate::store::institutions;

/// A brand as checked at the door.
pub struct NewBrand {
    /// "place/enterprise + occupation + 培训", trimmed.
    pub name: String,
    pub occupation_codes: Vec<String>,
    pub institution_ids: Vec<Uuid>,
}

/// Registers a brand and announces it. Every linked institution must be
/// listed in the city (a field error otherwise); a name is the city's once.
/// Runs in the caller's transaction (the request's idempotency key is
/// recorded in it).
#[tracing::instrument(skip_all, fields(city = %city, brand_id))]
pub async fn register(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    created_by: &str,
    brand: NewBrand,
) -> Result<BrandRow, Error> {
    let row = BrandRow {
        id: Uuid::now_v7(),
        city: city.to_string(),
        name: brand.name,
        occupation_codes: brand.occupation_codes,
        institution_ids: brand.institution_ids,
        created_by: created_by.to_owned(),
        created_at: Utc::now(),
    };
    tracing::Span::current().record("brand_id", tracing::field::display(row.id));
    let mut unique = row.institution_ids.clone();
    unique.sort();
    unique.dedup();
    if institutions::count_listed(conn, &row.city, &unique).await? != unique.len() as i64 {
        return Err(Error::Invalid(vec![FieldError::new(
            "institution_ids",
            "institution_not_listed",
            "every linked institution must be listed in this city",
        )]));
    }
    if !brands::insert(conn, &row).await? {
        return Err(Error::BrandExists);
    }
    messaging::enqueue(conn, &[events::brand(&row)?]).await?;
    Ok(row)
}

/// A page of a city's brands and how many it has in all.
pub struct Brands {
    pub page: Vec<BrandRow>,
    pub total: i64,
}

/// A page of the city's brands, oldest first (those after the cursor's,
/// at most `limit`), and how many the city has in all.
#[tracing::instrument(skip_all, fields(city = %city))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Brands, Error> {
    Ok(Brands {
        page: brands::of_city(conn, city.as_str(), after, limit).await?,
        total: brands::count_of_city(conn, city.as_str()).await?,
    })
}
