//! Social-insurance batches: streamed, matched to completers, idempotent
//! per batch id, bad lines reported one by one.

use contracts::employment::{
    EMPLOYED_WITHIN_WINDOW, INSURANCE_TOPIC, OUTCOMES_TOPIC, RECORDS_TOPIC,
};
use serde_json::json;
use test_support::body;

use crate::harness::{
    ce_type, completion, contribution, integrator, officer, person_id, problem, start, FACTORY,
    SHIPYARD,
};

const TRAINEE: &str = "350102199003071234";
const STRANGER: &str = "350203199511203450";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_sent_twice_counts_once_and_bad_lines_are_reported_by_number() {
    let t = start().await;
    let enrolment = t.complete(TRAINEE, "2025-01-10").await;
    let lines = [
        contribution(TRAINEE, FACTORY, "2025-03"),
        contribution(STRANGER, SHIPYARD, "2025-03"),
        r#"{"citizen_id": "350102199003071234", "month": "#.to_owned(),
        contribution("350102199003071235", "91350100MA2XYA001G", "2025-13"),
        String::new(),
        contribution(TRAINEE, FACTORY, "2999-01"),
        contribution(TRAINEE, FACTORY, "2025-04"),
    ]
    .join("\n");
    let res = t.put_batch("si-2025-04", &lines, &integrator()).await;
    assert_eq!(res.status(), 201);
    let first = body(res).await;
    assert_eq!(first["rows"], 6, "the blank line is not a row: {first}");
    assert_eq!(first["accepted"], 3);
    assert_eq!(first["rejected"], 3);
    assert_eq!(first["matched"], 2);
    assert_eq!(first["duplicates"], 0);
    assert_eq!(first["outcomes_confirmed"], 1);
    let errors: Vec<(u64, String, String)> = first["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().expect("line"),
                e["field"].as_str().expect("field").to_owned(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect();
    let want = [
        (3, "line", "malformed_json"),
        (4, "citizen_id", "citizen_id_check_digit"),
        (4, "employer_credit_code", "credit_code_check_digit"),
        (4, "month", "month_format"),
        (6, "month", "month_in_future"),
    ];
    assert_eq!(
        errors,
        want.map(|(l, f, c)| (l, f.to_owned(), c.to_owned()))
    );
    assert!(
        !first.to_string().contains(TRAINEE),
        "no citizen ID in a report"
    );

    // The same batch again: the same report, nothing counted twice.
    let res = t.put_batch("si-2025-04", &lines, &integrator()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(body(res).await, first);
    // Other content under the same id is refused.
    problem(
        t.put_batch(
            "si-2025-04",
            &contribution(TRAINEE, FACTORY, "2025-05"),
            &integrator(),
        )
        .await,
        422,
        "batch_content_differs",
    )
    .await;
    // The same contributions in another batch are known already.
    let again = body(
        t.put_batch("si-2025-04-resent", &lines, &integrator())
            .await,
    )
    .await;
    assert_eq!(again["duplicates"], 3);
    assert_eq!(again["outcomes_confirmed"], 0);
    // Each person's insured months, counted once per batch with new
    // months: the trainee two (March and April), the stranger one; the
    // resent batch added nothing and published nothing.
    let insured = t.exactly(INSURANCE_TOPIC, 2).await;
    let mut counts: Vec<(String, u64)> = insured
        .iter()
        .map(|r| {
            (
                r.payload["person_id"].as_str().expect("person").to_owned(),
                r.payload["insured_months"].as_u64().expect("months"),
            )
        })
        .collect();
    counts.sort();
    let mut want = vec![(person_id(TRAINEE), 2), (person_id(STRANGER), 1)];
    want.sort();
    assert_eq!(counts, want);
    assert_eq!(
        body(
            t.app
                .get(
                    "/v1/social-insurance/batches/si-2025-04",
                    Some(&integrator())
                )
                .await
        )
        .await,
        first
    );

    // A replayed completion event changes nothing either.
    let replay = completion(t.school, TRAINEE, "2025-01-10");
    let mut same = replay.clone();
    same.payload["enrolment_id"] = json!(enrolment);
    // One event per call: `publish` declares each event's topic, and a
    // topic named twice in one request is refused by the broker.
    t.publish(std::slice::from_ref(&same)).await;
    t.publish(&[same]).await;

    let outcomes = t.exactly(OUTCOMES_TOPIC, 1).await;
    assert_eq!(ce_type(&outcomes[0]), EMPLOYED_WITHIN_WINDOW);
    let o = &outcomes[0].payload;
    assert_eq!(o["enrolment_id"], json!(enrolment));
    assert_eq!(o["person_id"], json!(person_id(TRAINEE)));
    assert_eq!(o["employed"], true);
    assert_eq!(o["employed_on"], "2025-03-01");
    assert_eq!(o["employer_credit_code"], FACTORY);
    assert_eq!(o["source"], "social_insurance");
    assert_eq!(o["window_months"], 6);
    assert_eq!(outcomes[0].key.as_deref(), Some(enrolment.as_str()));

    // What social insurance shows is one record of the employer, published
    // once; the stranger (no training here) got none.
    let records = t.exactly(RECORDS_TOPIC, 1).await;
    assert_eq!(records[0].payload["source"], "social_insurance");
    assert_eq!(records[0].payload["starts_on"], "2025-03-01");
    for r in outcomes.iter().chain(&records) {
        assert!(!r.payload.to_string().contains(TRAINEE));
    }

    let follow_up = t.follow_up(&enrolment).await;
    assert_eq!(follow_up["outcome"], "employed_within_window");
    assert_eq!(follow_up["window_ends_on"], "2025-07-10");
    assert_eq!(follow_up["milestones"][0]["month"], "2025-04-01");
    assert_eq!(follow_up["milestones"][0]["state"], "employed");
    assert_eq!(follow_up["milestones"][1]["state"], "not_shown");

    // The person is named in a header, never in the URL.
    let list = body(
        t.app
            .request(
                reqwest::Method::GET,
                "/v1/employment-records",
                Some(&officer()),
            )
            .header("X-Person-Id", person_id(TRAINEE))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    assert_eq!(list["items"][0]["citizen_id"], "350102********1234");
    assert_eq!(list["items"][0]["ends_on"], "2025-04-30");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_need_ndjson_a_good_id_and_the_social_insurance_agency() {
    let t = start().await;
    let line = contribution(TRAINEE, FACTORY, "2025-03");
    let res = t
        .app
        .request(
            reqwest::Method::PUT,
            "/v1/social-insurance/batches/b1",
            Some(&integrator()),
        )
        .header("content-type", "application/json")
        .body(line.clone())
        .send()
        .await
        .expect("request");
    problem(res, 415, "unsupported_media_type").await;
    let p = problem(
        t.put_batch("bad%20id", &line, &integrator()).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "batch_id_format");
    // Only the social-insurance agency's system makes contributions: not an
    // enterprise, not an officer, not a system without the scope.
    for (token, code) in [
        (crate::harness::enterprise(FACTORY), "forbidden_role"),
        (crate::harness::officer(), "forbidden_role"),
        (
            crate::harness::enterprise_system(FACTORY, "employment:reports"),
            "scope_missing",
        ),
    ] {
        problem(t.put_batch("b1", &line, &token).await, 403, code).await;
    }
    problem(
        t.put_batch("b1", &line, "nonsense").await,
        401,
        "token_malformed",
    )
    .await;
    t.stop().await;
}

/// Rows staged (committed, so any session sees them) and applied.
async fn staged_and_applied(t: &crate::harness::Tracking) -> (i64, i64) {
    use diesel::sql_types::BigInt;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = BigInt)]
        staged: i64,
        #[diesel(sql_type = BigInt)]
        applied: i64,
    }
    let mut conn = t.app.pool.get().await.expect("connection");
    let c: Counts = diesel::sql_query(
        "SELECT (SELECT count(*) FROM contribution_staging) AS staged, \
                (SELECT count(*) FROM contributions) AS applied",
    )
    .get_result(&mut conn)
    .await
    .expect("counts");
    (c.staged, c.applied)
}

/// Transactions of the service's database idle for over a second: one
/// waiting on a sender would be among them.
async fn long_idle_transactions(t: &crate::harness::Tracking) -> i64 {
    use diesel::sql_types::BigInt;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = t.app.pool.get().await.expect("connection");
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'idle in transaction' AND state_change < now() - interval '1 second'",
    )
    .get_result(&mut conn)
    .await
    .expect("activity");
    n.n
}

/// Sends the head of a PUT of `body` (`Content-Length` of the whole) and
/// its first `sent` bytes, over a connection of its own.
async fn slow_upload(
    t: &crate::harness::Tracking,
    id: &str,
    body: &str,
    sent: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = t.app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connected");
    let head = format!(
        "PUT /v1/social-insurance/batches/{id} HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/x-ndjson\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        integrator(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream
        .write_all(&body.as_bytes()[..sent])
        .await
        .expect("first part");
    stream.flush().await.expect("flushed");
    stream
}

async fn until(t: &crate::harness::Tracking, want: (i64, i64)) {
    for _ in 0..100 {
        if staged_and_applied(t).await == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(staged_and_applied(t).await, want, "(staged, applied)");
}

/// A slow sender holds no transaction open: what arrived is staged and
/// committed, nothing applies until the body is whole, and then all of it
/// applies at once; a sender gone mid-body leaves nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_batch_holds_no_transaction_and_applies_whole_or_not_at_all() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A chunk a line: each complete line is staged as it arrives.
    let t = crate::harness::start_with(|cfg| cfg.service.batch_chunk_rows = 1).await;
    let months = [
        "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07",
    ];
    let body: String = months
        .iter()
        .map(|m| contribution(TRAINEE, FACTORY, m) + "\n")
        .collect();
    let six = body.match_indices('\n').nth(5).expect("six lines").0 + 1;

    let mut upload = slow_upload(&t, "si-slow", &body, six).await;
    until(&t, (6, 0)).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        long_idle_transactions(&t).await,
        0,
        "nothing waits on the sender"
    );
    upload
        .write_all(&body.as_bytes()[six..])
        .await
        .expect("the rest");
    let mut answer = String::new();
    upload.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.contains(r#""accepted":7"#), "{answer}");
    assert_eq!(
        staged_and_applied(&t).await,
        (0, 7),
        "applied whole, staging dropped"
    );

    // A sender gone in its sixth line: nothing of it stays.
    let gone = slow_upload(&t, "si-gone", &body.replace("2025", "2024"), six - 1).await;
    until(&t, (5, 7)).await;
    drop(gone);
    until(&t, (0, 7)).await;
    // The batch id is free again: sent whole, it applies.
    let res = t
        .put_batch("si-gone", &body.replace("2025", "2024"), &integrator())
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(staged_and_applied(&t).await, (0, 14));
    t.stop().await;
}
