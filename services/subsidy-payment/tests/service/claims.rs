//! Claims computed from events: once per grant key, whoever asks.

use test_support::body;
use uuid::Uuid;

use crate::harness::*;

#[tokio::test]
async fn a_person_trained_by_two_institutions_is_paid_once_and_the_second_claim_says_why() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let (a, b) = (institution(201), institution(202));
    let p = person(201);
    publish(
        &app,
        &[
            a.event.clone(),
            b.event.clone(),
            catalogue_entry(),
            completion(&p, a.id),
            completion(&p, b.id),
        ],
    )
    .await;
    publish(&app, &[certificate(&p, Uuid::now_v7(), false)]).await;
    let list = wait_for_claims(&app, |c| c.len() == 2).await;
    let approved: Vec<_> = list.iter().filter(|c| c["status"] == "approved").collect();
    let refused: Vec<_> = list.iter().filter(|c| c["status"] == "refused").collect();
    assert_eq!((approved.len(), refused.len()), (1, 1), "{list:?}");
    assert_eq!(approved[0]["amount_fen"], STANDARD);
    assert_eq!(approved[0]["fund"], "employment_subsidy");
    assert_eq!(refused[0]["amount_fen"], 0);
    assert_eq!(
        refused[0]["reasons"][0]["code"], "already_granted",
        "{list:?}"
    );
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["payable_fen"], STANDARD);
    assert_eq!(pot["available_fen"], 1_000_000 - STANDARD);

    // Each institution sees its own claim only; another's is a 404.
    for inst in [&a, &b] {
        let mine = claims(&app, &institution_token(&inst.credit_code)).await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["institution_id"], inst.id.to_string());
    }
    let a_claim = list
        .iter()
        .find(|c| c["institution_id"] == a.id.to_string())
        .unwrap();
    let path = format!("/v1/claims/{}", a_claim["id"].as_str().unwrap());
    problem(
        app.get(&path, Some(&institution_token(&b.credit_code)))
            .await,
        404,
        "claim_not_found",
    )
    .await;
    let res = app
        .get(&path, Some(&institution_token(&a.credit_code)))
        .await;
    assert_eq!(body(res).await["id"], a_claim["id"]);
    app.stop().await;
}

/// A producer newer than this consumer may name a target group this
/// version does not know. Its completion is not paid as some other group:
/// it waits on the dead-letter topic (until this service knows the group
/// and replays it), while the completions behind it are decided.
#[tokio::test]
async fn a_completion_of_a_target_group_this_version_does_not_know_waits_unpaid() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let a = institution(211);
    let (newer, known) = (person(211), person(212));
    let mut unknown_group = completion(&newer, a.id);
    unknown_group.payload["target_group"] = serde_json::json!("veteran");
    publish(
        &app,
        &[
            a.event.clone(),
            catalogue_entry(),
            unknown_group,
            completion(&known, a.id),
        ],
    )
    .await;
    publish(
        &app,
        &[
            certificate(&newer, Uuid::now_v7(), false),
            certificate(&known, Uuid::now_v7(), false),
        ],
    )
    .await;
    let kafka = &app.cfg.kafka;
    let dlq = kafka.topic(&format!("{}.dlq", contracts::delivery::ENROLMENTS_TOPIC));
    let waiting = test_support::read_topic(kafka, &dlq, 1, WAIT)
        .await
        .expect("the dead-letter topic");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].payload["target_group"], "veteran");
    let reason = &waiting[0].headers["x-dlq-reason"];
    assert!(
        reason.contains("\"veteran\" is not one of rural_migrant_worker, "),
        "{reason}"
    );
    let list = wait_for_claims(&app, |c| c.len() == 1).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["person_id"], known.as_str(), "{list:?}");
    assert_eq!(list[0]["status"], "approved", "{list:?}");
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["available_fen"], 1_000_000 - STANDARD);
    app.stop().await;
}

#[tokio::test]
async fn employment_and_apprenticeships_earn_their_subsidies_for_whoever_is_paid() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    allocate(&app, "unemployment_insurance", 1_000_000).await;
    let inst = institution(211);
    let p = person(211);
    let done = completion(&p, inst.id);
    publish(&app, &[inst.event.clone(), done.clone()]).await;
    publish(&app, &[employed(&done)]).await;
    let enterprise = credit_code(212);
    publish(&app, &[apprenticeship(&person(212), &enterprise)]).await;
    let list = wait_for_claims(&app, |c| c.len() == 2).await;
    let kind = |k: &str| list.iter().find(|c| c["kind"] == k).unwrap().clone();
    let reward = kind("employment_reward");
    assert_eq!(reward["status"], "approved", "{reward}");
    assert_eq!(reward["amount_fen"], 30_000);
    assert_eq!(reward["payee"], format!("institution:{}", inst.id));
    let apprentice = kind("apprenticeship");
    assert_eq!(apprentice["amount_fen"], 400_000, "{apprentice}");
    assert_eq!(apprentice["fund"], "unemployment_insurance");
    assert_eq!(apprentice["payee"], format!("enterprise:{enterprise}"));

    let mine = claims(
        &app,
        &test_support::token(
            platform::auth::Role::Enterprise,
            Some("350100"),
            Some(&enterprise),
        ),
    )
    .await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["kind"], "apprenticeship");
    app.stop().await;
}

#[tokio::test]
async fn risky_claims_wait_in_the_review_queue_for_an_officer() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let (a, b) = (institution(221), institution(222));
    // One bank account behind two institutions: a fraud finding.
    for inst in [&a, &b] {
        let res = app
            .put(
                &format!("/v1/payees/institution:{}/bank-account", inst.id),
                Some(&officer()),
                &serde_json::json!({ "account_no": "6222020200199999999", "account_name": "同一账户" }),
            )
            .await;
        approved(&app, res).await;
    }
    let (p, q) = (person(221), person(222));
    publish(
        &app,
        &[
            a.event.clone(),
            b.event.clone(),
            catalogue_entry(),
            completion(&p, a.id),
            completion(&q, b.id),
        ],
    )
    .await;
    publish(
        &app,
        &[
            certificate(&p, Uuid::now_v7(), false),
            certificate(&q, Uuid::now_v7(), false),
        ],
    )
    .await;
    let list = wait_for_claims(&app, |c| c.len() == 2).await;
    for c in &list {
        assert_eq!(c["status"], "in_review", "{c}");
        assert_eq!(c["findings"][0]["rule"], "shared_bank_account");
        assert!(c["risk_score"].as_i64().unwrap() >= 30);
    }
    assert_eq!(pot(&app, "employment_subsidy").await["payable_fen"], 0);
    let res = app
        .get("/v1/claims?status=in_review", Some(&officer()))
        .await;
    assert_eq!(body(res).await["items"].as_array().unwrap().len(), 2);

    let review = |id: &serde_json::Value| format!("/v1/claims/{}/review", id.as_str().unwrap());
    let (first, second) = (review(&list[0]["id"]), review(&list[1]["id"]));
    let res = app
        .post(
            &first,
            Some(&institution_token(&a.credit_code)),
            &serde_json::json!({ "decision": "approve" }),
        )
        .await;
    problem(res, 403, "forbidden_role").await;
    let res = app
        .post(
            &first,
            Some(&officer()),
            &serde_json::json!({ "decision": "approve" }),
        )
        .await;
    assert_eq!(body(res).await["status"], "approved");
    assert_eq!(
        pot(&app, "employment_subsidy").await["payable_fen"],
        STANDARD
    );
    let res = app
        .post(
            &first,
            Some(&officer()),
            &serde_json::json!({ "decision": "reject", "note": "再看一遍" }),
        )
        .await;
    problem(res, 409, "claim_not_in_review").await;

    let res = app
        .post(
            &second,
            Some(&officer()),
            &serde_json::json!({ "decision": "reject" }),
        )
        .await;
    let p = problem(res, 422, "validation_failed").await;
    assert_eq!(fields(&p)[0].1, "note_required");
    let res = app
        .post(
            &second,
            Some(&officer()),
            &serde_json::json!({ "decision": "request_documents", "note": "请提供银行开户许可证" }),
        )
        .await;
    assert_eq!(body(res).await["status"], "documents_requested");
    let res = app
        .post(
            &second,
            Some(&officer()),
            &serde_json::json!({ "decision": "reject", "note": "账户与他人共用" }),
        )
        .await;
    assert_eq!(body(res).await["status"], "rejected");
    assert_eq!(
        pot(&app, "employment_subsidy").await["payable_fen"],
        STANDARD
    );
    app.stop().await;
}

#[tokio::test]
async fn claims_filed_over_the_api_are_matched_computed_or_refused_with_reasons() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    allocate(&app, "unemployment_insurance", 1_000_000).await;
    let (a, b) = (institution(231), institution(232));
    let (p, q) = (person(231), person(232));
    let (done_p, done_q) = (completion(&p, a.id), completion(&q, a.id));
    let cert_p = certificate(&p, Uuid::now_v7(), false);
    publish(
        &app,
        &[
            a.event.clone(),
            b.event.clone(),
            catalogue_entry(),
            done_p.clone(),
            done_q.clone(),
        ],
    )
    .await;
    publish(&app, std::slice::from_ref(&cert_p)).await;
    wait_for_claims(&app, |c| c.len() == 1).await;
    let file = |enrolment: &messaging::OutboxEvent| serde_json::json!({ "kind": "training", "enrolment_id": enrolment.payload["enrolment_id"] });

    // Matched: the events already made it.
    let res = app
        .post(
            "/v1/claims",
            Some(&institution_token(&a.credit_code)),
            &file(&done_p),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["status"], "approved");
    // Another institution's trainee does not exist for the caller.
    let res = app
        .post(
            "/v1/claims",
            Some(&institution_token(&b.credit_code)),
            &file(&done_p),
        )
        .await;
    problem(res, 404, "evidence_not_found").await;
    // No certificate yet: refused, with why.
    let res = app
        .post(
            "/v1/claims",
            Some(&institution_token(&a.credit_code)),
            &file(&done_q),
        )
        .await;
    let p422 = problem(res, 422, "not_payable").await;
    assert_eq!(
        fields(&p422),
        [("kind".to_owned(), "no_certificate".to_owned())]
    );

    // The person's own certificate subsidy, through the portal acting for
    // them. The insured months are employment tracking's, never the
    // caller's: a body that declares them is refused.
    let portal = test_support::portal_token(&p);
    let apply = serde_json::json!({
        "kind": "certificate",
        "certificate_id": cert_p.payload["certificate_id"],
    });
    let mut declared = apply.clone();
    declared["insured_months"] = serde_json::json!(240);
    problem(
        app.post("/v1/claims", Some(&portal), &declared).await,
        422,
        "validation_failed",
    )
    .await;
    publish(&app, &[insured(&p, 3)]).await;
    let p422 = test_support::eventually(WAIT, || async {
        let res = app.post("/v1/claims", Some(&portal), &apply).await;
        let p422 = problem(res, 422, "not_payable").await;
        if p422.to_string().contains("insured 3 months") {
            Ok(p422)
        } else {
            Err(format!("the insured months have not arrived: {p422}"))
        }
    })
    .await;
    assert_eq!(fields(&p422)[0].1, "not_insured_long_enough");
    // Counts only grow: a late smaller count changes nothing.
    publish(&app, &[insured(&p, 24), insured(&p, 5)]).await;
    let res = test_support::eventually(WAIT, || async {
        let res = app.post("/v1/claims", Some(&portal), &apply).await;
        if res.status() == 422 {
            Err(format!("still refused: {}", body(res).await))
        } else {
            Ok(res)
        }
    })
    .await;
    assert_eq!(res.status(), 201);
    let claim = body(res).await;
    assert_eq!(claim["amount_fen"], 200_000, "{claim}");
    assert_eq!(claim["payee"], format!("person:{p}"));
    assert_eq!(claim["fund"], "unemployment_insurance");
    let res = app.post("/v1/claims", Some(&portal), &apply).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["id"], claim["id"]);
    app.stop().await;
}

#[tokio::test]
async fn the_preview_of_a_class_says_what_each_trainee_would_be_paid_and_why() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let (a, b) = (institution(241), institution(242));
    let class = Uuid::now_v7();
    let (p, q) = (person(241), person(242));
    let done_p = completion_in(class, &p, a.id);
    publish(
        &app,
        &[
            a.event.clone(),
            b.event.clone(),
            catalogue_entry(),
            done_p.clone(),
            completion_in(class, &q, a.id),
        ],
    )
    .await;
    publish(&app, &[certificate(&p, Uuid::now_v7(), false)]).await;
    wait_for_claims(&app, |c| c.len() == 1).await;
    let url = format!("/v1/classes/{class}/preview");
    problem(
        app.get(&url, Some(&institution_token(&b.credit_code)))
            .await,
        404,
        "class_not_found",
    )
    .await;
    let res = app
        .get(&url, Some(&institution_token(&a.credit_code)))
        .await;
    assert_eq!(res.status(), 200);
    let preview = body(res).await;
    assert_eq!(preview["total"], STANDARD, "{preview}");
    assert_eq!(preview["by_fund"]["employment_subsidy"], STANDARD);
    let line = |person_enrolment: &serde_json::Value| {
        preview["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| &l["enrolment_id"] == person_enrolment)
            .cloned()
            .unwrap()
    };
    let paid = line(&done_p.payload["enrolment_id"]);
    assert_eq!(paid["training"]["decision"], "payable");
    let others: Vec<_> = preview["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["enrolment_id"] != done_p.payload["enrolment_id"])
        .collect();
    assert_eq!(others[0]["training"]["decision"], "not_payable");
    assert_eq!(
        others[0]["training"]["reasons"][0]["code"],
        "no_certificate"
    );
    app.stop().await;
}
