//! New-style apprenticeships: recognised with the event when the rules
//! hold; refused with the reason when they do not.

use contracts::employment::{APPRENTICESHIPS_TOPIC, APPRENTICESHIP_RECOGNISED};
use serde_json::json;
use test_support::body;

use crate::harness::{
    ce_type, enterprise, enterprise_system, fields, integrator, officer, person_id, problem, start,
    FACTORY, SHIPYARD,
};

const STUDENT: &str = "35012119990909567X";
const OTHER_STUDENT: &str = "350102199204152348";

fn internship(citizen: &str, from: &str, to: &str) -> serde_json::Value {
    json!({ "citizen_id": citizen, "enterprise_credit_code": FACTORY, "occupation_code": "6-31-01-03",
        "school": "福建技师学院", "graduation_on": "2026-06-30",
        "internship_starts_on": from, "internship_ends_on": to })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_months_then_a_year_is_recognised_and_five_months_is_not() {
    let t = start().await;
    let contract = json!({ "employer_credit_code": FACTORY, "starts_on": "2026-07-01", "ends_on": "2027-06-30" });

    let res = t
        .app
        .post(
            "/v1/apprenticeships",
            Some(&enterprise(FACTORY)),
            &internship(OTHER_STUDENT, "2026-02-01", "2026-06-30"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let short = body(res).await;
    assert_eq!(short["status"], "internship");
    assert_eq!(short["reasons"][0]["code"], "internship_too_short");
    let res = t
        .app
        .post(
            &format!(
                "/v1/apprenticeships/{}/contract",
                short["id"].as_str().expect("id")
            ),
            Some(&enterprise(FACTORY)),
            &contract,
        )
        .await;
    assert_eq!(res.status(), 200);
    let refused = body(res).await;
    assert_eq!(refused["status"], "not_recognised");
    assert_eq!(refused["reasons"].as_array().expect("reasons").len(), 1);
    assert_eq!(refused["reasons"][0]["code"], "internship_too_short");
    assert!(refused["reasons"][0]["message"]
        .as_str()
        .expect("message")
        .contains("5 whole months"));
    assert_eq!(refused["recognised_from"], json!(null));

    // The agency's system may upload contributions, not register
    // apprentices; another enterprise's system may not register this one's.
    problem(
        t.app
            .post(
                "/v1/apprenticeships",
                Some(&integrator()),
                &internship(STUDENT, "2026-01-01", "2026-06-30"),
            )
            .await,
        403,
        "scope_missing",
    )
    .await;
    problem(
        t.app
            .post(
                "/v1/apprenticeships",
                Some(&enterprise_system(
                    "91350100MA0000002T",
                    "employment:apprenticeships",
                )),
                &internship(STUDENT, "2026-01-01", "2026-06-30"),
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;
    // The factory's own system may.
    let res = t
        .app
        .post(
            "/v1/apprenticeships",
            Some(&enterprise_system(FACTORY, "employment:apprenticeships")),
            &internship(STUDENT, "2026-01-01", "2026-06-30"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let good = body(res).await;
    assert_eq!(good["reasons"], json!([]));
    assert_eq!(good["citizen_id"], "350121********567X");
    let url = format!(
        "/v1/apprenticeships/{}/contract",
        good["id"].as_str().expect("id")
    );
    let res = t
        .app
        .post(&url, Some(&enterprise(FACTORY)), &contract)
        .await;
    assert_eq!(res.status(), 200);
    let recognised = body(res).await;
    assert_eq!(recognised["status"], "recognised");
    assert_eq!(recognised["recognised_from"], "2026-07-01");
    assert_eq!(recognised["training_months"], 6);
    assert_eq!(recognised["contract_months"], 12);
    problem(
        t.app
            .post(&url, Some(&enterprise(FACTORY)), &contract)
            .await,
        409,
        "already_decided",
    )
    .await;

    let events = t.exactly(APPRENTICESHIPS_TOPIC, 1).await;
    assert_eq!(ce_type(&events[0]), APPRENTICESHIP_RECOGNISED);
    let e = &events[0].payload;
    assert_eq!(e["person_id"], json!(person_id(STUDENT)));
    assert_eq!(e["enterprise_credit_code"], FACTORY);
    assert_eq!(e["recognised_from"], "2026-07-01");
    assert_eq!(e["employment_starts_on"], "2026-07-01");
    assert_eq!(e["training_months"], 6);
    assert_eq!(e["contract_months"], 12);
    assert!(!e.to_string().contains(STUDENT));

    // Only the enterprise's own apprentices, and the city's officers.
    let theirs = body(
        t.app
            .get("/v1/apprenticeships", Some(&enterprise(SHIPYARD)))
            .await,
    )
    .await;
    assert_eq!(theirs["items"], json!([]));
    problem(
        t.app
            .get(
                &format!("/v1/apprenticeships/{}", good["id"].as_str().expect("id")),
                Some(&enterprise(SHIPYARD)),
            )
            .await,
        404,
        "apprenticeship_not_found",
    )
    .await;
    let recognised = body(
        t.app
            .get("/v1/apprenticeships?status=recognised", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(recognised["items"].as_array().expect("items").len(), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_out_of_order_and_other_enterprises_are_refused() {
    let t = start().await;
    let mut bad = internship("350121199909095671", "2026-06-30", "2026-01-01");
    bad["school"] = json!("");
    let p = problem(
        t.app
            .post("/v1/apprenticeships", Some(&enterprise(FACTORY)), &bad)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("citizen_id", "citizen_id_check_digit"),
        ("school", "text_length"),
        ("internship_ends_on", "internship_ends_before_start"),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    problem(
        t.app
            .post(
                "/v1/apprenticeships",
                Some(&enterprise(SHIPYARD)),
                &internship(STUDENT, "2026-01-01", "2026-06-30"),
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;
    let res = t
        .app
        .post(
            "/v1/apprenticeships",
            Some(&enterprise(FACTORY)),
            &internship(STUDENT, "2026-01-01", "2026-06-30"),
        )
        .await;
    let id = body(res).await["id"].as_str().expect("id").to_owned();
    let p = problem(
        t.app
            .post(
                &format!("/v1/apprenticeships/{id}/contract"),
                Some(&enterprise(FACTORY)),
                &json!({ "employer_credit_code": FACTORY, "starts_on": "2026-07-01", "ends_on": "2026-06-01" }),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [(
            "ends_on".to_owned(),
            "contract_ends_before_start".to_owned()
        )]
    );
    // A contract with another enterprise is not an apprenticeship.
    let res = t
        .app
        .post(
            &format!("/v1/apprenticeships/{id}/contract"),
            Some(&enterprise(FACTORY)),
            &json!({ "employer_credit_code": SHIPYARD, "starts_on": "2026-07-01" }),
        )
        .await;
    let refused = body(res).await;
    assert_eq!(refused["status"], "not_recognised");
    assert_eq!(refused["reasons"][0]["code"], "different_enterprise");
    t.exactly(APPRENTICESHIPS_TOPIC, 0).await;
    t.stop().await;
}
