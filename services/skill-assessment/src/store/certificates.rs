//! Certificates issued, their numbering, revocations and the revocation
//! list.

use chrono::{DateTime, NaiveDate, Utc};
use contracts::assessment::CertificateStatus;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::bodies::{visible_ids, Visible};
use super::schema::certificates;
use super::Next;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub id: Uuid,
    pub certificate_no: String,
    pub body_id: Uuid,
    pub candidate_id: Option<Uuid>,
    pub exceptional_id: Option<Uuid>,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub holder_name: String,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub route: String,
    pub issued_on: NaiveDate,
    pub statistical_year: i32,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub status_index: i64,
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_on: Option<NaiveDate>,
    pub revoked_by: Option<String>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

/// Holds a valid certificate of this occupation and level.
pub async fn holds(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation_code: &str,
    skill_level: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        certificates::table
            .filter(certificates::person_id.eq(person_id))
            .filter(certificates::occupation_code.eq(occupation_code))
            .filter(certificates::skill_level.eq(skill_level))
            .filter(certificates::status.eq(CertificateStatus::Valid.as_str())),
    ))
    .get_result(conn)
    .await
}

#[derive(QueryableByName)]
struct Serial {
    #[diesel(sql_type = Int4)]
    last_serial: i32,
}

/// The next serial of a body's certificates of one year and level.
pub async fn next_serial(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    year2: &str,
    level_digit: &str,
) -> QueryResult<i32> {
    let Serial { last_serial } = diesel::sql_query(
        "INSERT INTO certificate_serials (body_id, year2, level_digit, last_serial)
         VALUES ($1, $2, $3, 1)
         ON CONFLICT (body_id, year2, level_digit)
         DO UPDATE SET last_serial = certificate_serials.last_serial + 1
         RETURNING last_serial",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Text, _>(year2)
    .bind::<Text, _>(level_digit)
    .get_result(conn)
    .await?;
    Ok(last_serial)
}

pub async fn next_status_index(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let Next { value } =
        diesel::sql_query("SELECT nextval('certificate_status_index_seq') AS value")
            .get_result(conn)
            .await?;
    Ok(value)
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &CertificateRow) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    number: &str,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::certificate_no.eq(number))
        .select(CertificateRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn for_candidate(
    conn: &mut AsyncPgConnection,
    candidate_id: Uuid,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::candidate_id.eq(candidate_id))
        .select(CertificateRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The certificates approved exceptional certifications issued.
pub async fn for_exceptional(
    conn: &mut AsyncPgConnection,
    exceptional_ids: &[Uuid],
) -> QueryResult<Vec<CertificateRow>> {
    certificates::table
        .filter(certificates::exceptional_id.eq_any(exceptional_ids))
        .select(CertificateRow::as_select())
        .load(conn)
        .await
}

/// A page of certificates, oldest issue first.
#[derive(Debug, Clone)]
pub struct CertificateFilter {
    pub visible: Visible,
    pub body_id: Option<Uuid>,
    pub occupation_code: Option<String>,
    pub skill_level: Option<&'static str>,
    pub status: Option<&'static str>,
    pub statistical_year: Option<i32>,
    /// After this (issued_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &CertificateFilter,
) -> QueryResult<Vec<CertificateRow>> {
    let mut q = certificates::table
        .filter(certificates::body_id.eq_any(visible_ids(&f.visible)))
        .into_boxed();
    if let Some(body) = f.body_id {
        q = q.filter(certificates::body_id.eq(body));
    }
    if let Some(code) = &f.occupation_code {
        q = q.filter(certificates::occupation_code.eq(code));
    }
    if let Some(level) = f.skill_level {
        q = q.filter(certificates::skill_level.eq(level));
    }
    if let Some(status) = f.status {
        q = q.filter(certificates::status.eq(status));
    }
    if let Some(year) = f.statistical_year {
        q = q.filter(certificates::statistical_year.eq(year));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            certificates::issued_at
                .gt(at)
                .or(certificates::issued_at.eq(at).and(certificates::id.gt(id))),
        );
    }
    q.order((certificates::issued_at, certificates::id))
        .limit(f.limit)
        .select(CertificateRow::as_select())
        .load(conn)
        .await
}

/// Revokes a valid certificate: `false` when it was already revoked.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
    on: NaiveDate,
    by: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        certificates::table.filter(
            certificates::id
                .eq(id)
                .and(certificates::status.eq(CertificateStatus::Valid.as_str())),
        ),
    )
    .set((
        certificates::status.eq(CertificateStatus::Revoked.as_str()),
        certificates::revoked_reason.eq(reason),
        certificates::revoked_on.eq(on),
        certificates::revoked_by.eq(by),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// What the revocation list is made of.
pub struct StatusList {
    /// The status indices of revoked certificates.
    pub revoked: Vec<i64>,
    /// The highest index in use (0 before the first certificate).
    pub highest: i64,
}

pub async fn status_list(conn: &mut AsyncPgConnection) -> QueryResult<StatusList> {
    let revoked = certificates::table
        .filter(certificates::status.eq(CertificateStatus::Revoked.as_str()))
        .select(certificates::status_index)
        .load(conn)
        .await?;
    let highest: Option<i64> = certificates::table
        .select(diesel::dsl::max(certificates::status_index))
        .first(conn)
        .await?;
    Ok(StatusList {
        revoked,
        highest: highest.unwrap_or(0),
    })
}

/// Who holds a valid certificate of which level.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct CertifiedRow {
    pub person_id: String,
    pub skill_level: String,
}

/// Valid certificates of a statistical year.
pub async fn certified_in_year(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> QueryResult<Vec<CertifiedRow>> {
    certificates::table
        .filter(certificates::statistical_year.eq(year))
        .filter(certificates::status.eq(CertificateStatus::Valid.as_str()))
        .select(CertifiedRow::as_select())
        .load(conn)
        .await
}
