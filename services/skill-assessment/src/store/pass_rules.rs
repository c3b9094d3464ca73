//! The minimum scores set per occupation and level.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::pass_rules;
use crate::domain::scoring::PassRule;

/// The minimums set for an occupation and level.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = pass_rules)]
struct PassRuleRow {
    theory_min: i16,
    practical_min: i16,
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    occupation_code: &str,
    skill_level: &str,
) -> QueryResult<PassRule> {
    let set: Option<PassRuleRow> = pass_rules::table
        .find((occupation_code, skill_level))
        .select(PassRuleRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(set) = set else {
        return Ok(PassRule::default());
    };
    let points = |n: i16| {
        u8::try_from(n).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    };
    Ok(PassRule {
        theory_min: points(set.theory_min)?,
        practical_min: points(set.practical_min)?,
    })
}

pub async fn set(
    conn: &mut AsyncPgConnection,
    occupation_code: &str,
    skill_level: &str,
    rule: PassRule,
    by: &str,
) -> QueryResult<()> {
    diesel::insert_into(pass_rules::table)
        .values((
            pass_rules::occupation_code.eq(occupation_code),
            pass_rules::skill_level.eq(skill_level),
            pass_rules::theory_min.eq(i16::from(rule.theory_min)),
            pass_rules::practical_min.eq(i16::from(rule.practical_min)),
            pass_rules::set_by.eq(by),
            pass_rules::set_at.eq(Utc::now()),
        ))
        .on_conflict((pass_rules::occupation_code, pass_rules::skill_level))
        .do_update()
        .set((
            pass_rules::theory_min.eq(i16::from(rule.theory_min)),
            pass_rules::practical_min.eq(i16::from(rule.practical_min)),
            pass_rules::set_by.eq(by),
            pass_rules::set_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
