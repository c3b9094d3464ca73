//! The audit trail: every accepted write (POST, PUT, PATCH, DELETE answered
//! 2xx) is recorded with who made it — role, organisation, subject, and
//! whoever acted for them — in the service's own `audit_trail` table.
//! Recorded after the answer is made, so a failure to record never undoes
//! the effect; it is logged as an error for the SREs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use chrono::Utc;
use db::schema::audit_trail;
use db::DbPool;
use diesel::ExpressionMethods as _;
use diesel_async::RunQueryDsl;

use crate::auth::Principal;

/// Where the trail is written: the service's own database.
#[derive(Clone)]
pub struct AuditSink(pub DbPool);

fn is_write(method: &actix_web::http::Method) -> bool {
    use actix_web::http::Method;
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

/// The middleware: after an accepted write by an authenticated caller.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let sink = req.app_data::<web::Data<AuditSink>>().cloned();
    let res = next.call(req).await?;
    let (Some(sink), true) = (sink, is_write(res.request().method())) else {
        return Ok(res);
    };
    if !res.status().is_success() {
        return Ok(res);
    }
    let who = res.request().extensions().get::<Principal>().cloned();
    let Some(Principal(c)) = who else {
        return Ok(res);
    };
    let request = res.request();
    let row = (
        audit_trail::id.eq(uuid::Uuid::now_v7()),
        audit_trail::at.eq(Utc::now()),
        audit_trail::method.eq(request.method().as_str().to_owned()),
        audit_trail::route.eq(request.match_pattern().unwrap_or_default()),
        audit_trail::path.eq(request.path().to_owned()),
        audit_trail::status.eq(i32::from(res.status().as_u16())),
        audit_trail::actor_sub.eq(c.sub.clone()),
        audit_trail::actor_role.eq(c.role.as_str()),
        audit_trail::actor_org.eq(c.org.clone()),
        audit_trail::actor_city.eq(c.city.clone()),
        audit_trail::via.eq(c.act.as_ref().map(|a| a.sub.clone())),
        audit_trail::request_id.eq(request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)),
    );
    let written = async {
        let mut conn = sink.0.get().await.map_err(|e| e.to_string())?;
        diesel::insert_into(audit_trail::table)
            .values(row)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "a write was not recorded in the audit trail");
    }
    Ok(res)
}
