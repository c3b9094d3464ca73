//! Public verification, signed credentials and the revocation list.

use serde_json::{json, Value};
use skill_assessment::domain::credential::{parse_multikey, status_bit, verify};
use test_support::{answered, body};

use crate::harness::*;

fn verify_path(number: &str, name: &str) -> String {
    format!(
        "/v1/public/certificates/verify?number={number}&holder_name={}",
        urlencode(name)
    )
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn verification_says_valid_then_revoked_and_never_enumerates() {
    let app = start().await;
    let b = file_body(&app, 41, "social_organisation").await;
    let (cert, _) = certified(&app, &b, 411, "林晓明").await;
    let number = cert["certificate_no"].as_str().unwrap();

    let v = body(app.get(&verify_path(number, "林晓明"), None).await).await;
    assert_eq!(v["status"], "valid");
    assert_eq!(v["holder_name_masked"], "林**");
    assert_eq!(v["skill_level_name"], "高级工");
    assert_eq!(v["body_credit_code"], json!(b.credit_code));
    assert!(!v.to_string().contains("林晓明"));

    // A wrong name and an unknown number read the same.
    problem(
        app.get(&verify_path(number, "林晓"), None).await,
        404,
        "certificate_not_found",
    )
    .await;
    let unknown = format!("{}999999", &number[..16]);
    problem(
        app.get(&verify_path(&unknown, "林晓明"), None).await,
        404,
        "certificate_not_found",
    )
    .await;
    let p = problem(
        app.get(&verify_path("S0001", "林晓明"), None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("number".to_owned(), "certificate_no_format".to_owned())]
    );

    // The QR payload verifies on its own; a forged one does not.
    let qr = cert["qr_payload"].as_str().unwrap();
    let v = body(
        app.get(&format!("/v1/public/certificates/verify?qr={qr}"), None)
            .await,
    )
    .await;
    assert_eq!(v["certificate_no"], number);
    let forged = format!("QC1.{unknown}.{}", &qr[qr.len() - 16..]);
    problem(
        app.get(&format!("/v1/public/certificates/verify?qr={forged}"), None)
            .await,
        422,
        "validation_failed",
    )
    .await;

    // Revoked: the public answer changes at once (the cache is dropped).
    let res = app
        .post(
            &format!("/v1/certificates/{number}/revocation"),
            Some(&officer()),
            &json!({ "reason": "篡改成绩" }),
        )
        .await;
    assert_eq!(body(res).await["status"], "revoked");
    let v = body(app.get(&verify_path(number, "林晓明"), None).await).await;
    assert_eq!(v["status"], "revoked");
    assert!(v["revoked_on"].is_string());
    problem(
        app.post(
            &format!("/v1/certificates/{number}/revocation"),
            Some(&officer()),
            &json!({ "reason": "再次" }),
        )
        .await,
        409,
        "already_revoked",
    )
    .await;
    app.stop().await;
}

/// The key that signed `secured`, as a verifier finds it: the proof's
/// verification method, looked up in the issuer's published profile.
async fn signing_key_of(
    app: &test_support::TestApp<skill_assessment::SkillAssessment>,
    secured: &Value,
) -> ed25519_dalek::VerifyingKey {
    let method = secured["proof"]["verificationMethod"].as_str().unwrap();
    let (issuer, _) = method.split_once('#').expect("a key of an issuer");
    let path = issuer
        .strip_prefix("https://assessment.350100.example")
        .expect("our issuer");
    let profile = body(app.get(path, None).await).await;
    assert!(
        profile["assertionMethod"]
            .as_array()
            .unwrap()
            .contains(&json!(method)),
        "{profile}"
    );
    let found = profile["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == method)
        .unwrap_or_else(|| panic!("{method} is not in {profile}"));
    parse_multikey(found["publicKeyMultibase"].as_str().unwrap()).expect("a key")
}

#[tokio::test]
async fn the_signed_credential_verifies_offline_and_fails_after_one_byte_changes() {
    let app = start().await;
    let b = file_body(&app, 42, "social_organisation").await;
    let (cert, _) = certified(&app, &b, 421, "林晓明").await;
    let number = cert["certificate_no"].as_str().unwrap();
    let path = format!(
        "/v1/public/certificates/{number}/credential?holder_name={}",
        urlencode("林晓明")
    );
    let vc = body(app.get(&path, None).await).await;
    assert_eq!(
        vc["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(vc["credentialSubject"]["certificateNumber"], number);
    let key = signing_key_of(&app, &vc).await;
    assert_eq!(verify(&vc, &key), Ok(()));

    // One byte of the document changed: the proof no longer holds.
    let text = serde_json::to_string(&vc).unwrap();
    let at = text.find(number).unwrap() + number.len() - 1;
    let mut bytes = text.into_bytes();
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    let tampered: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(verify(&tampered, &key).is_err());

    // Revocation shows in the status list the credential points to.
    let index: i64 = vc["credentialStatus"]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let list_url = vc["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap();
    let list_path = list_url
        .strip_prefix("https://assessment.350100.example")
        .unwrap();
    let list = body(app.get(list_path, None).await).await;
    let city_key = signing_key_of(&app, &list).await;
    assert_eq!(verify(&list, &city_key), Ok(()));
    assert_eq!(
        status_bit(
            list["credentialSubject"]["encodedList"].as_str().unwrap(),
            index
        ),
        Some(false)
    );
    app.post(
        &format!("/v1/certificates/{number}/revocation"),
        Some(&b.token),
        &json!({ "reason": "篡改成绩" }),
    )
    .await;
    let list = body(app.get(list_path, None).await).await;
    assert_eq!(
        status_bit(
            list["credentialSubject"]["encodedList"].as_str().unwrap(),
            index
        ),
        Some(true)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_body_key_signs_from_then_on_and_what_the_old_one_signed_still_verifies() {
    let app = start().await;
    let b = file_body(&app, 44, "social_organisation").await;
    let credential = |number: &str, name: &str| {
        format!(
            "/v1/public/certificates/{number}/credential?holder_name={}",
            urlencode(name)
        )
    };
    let (cert, _) = certified(&app, &b, 441, "林晓明").await;
    let before = body(
        app.get(
            &credential(cert["certificate_no"].as_str().unwrap(), "林晓明"),
            None,
        )
        .await,
    )
    .await;
    let issuer = before["issuer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        before["proof"]["verificationMethod"],
        format!("{issuer}#key-1")
    );
    assert_eq!(
        verify(&before, &signing_key_of(&app, &before).await),
        Ok(())
    );

    // Only the bureau rotates a body's key.
    let url = format!("/v1/assessment-bodies/{}/signing-keys", b.id);
    problem(
        app.post(&url, Some(&b.token), &json!(null)).await,
        403,
        "forbidden_role",
    )
    .await;
    let rotate = || {
        app.request(reqwest::Method::POST, &url, Some(&officer()))
            .header("Idempotency-Key", "rotate-2026-12")
            .send()
    };
    let rotated = answered(rotate().await.unwrap(), 201).await;
    assert_eq!(rotated["key_no"], 2);
    // Retried with its key, the rotation answers the same and rotates once.
    let retried = rotate().await.unwrap();
    assert_eq!(retried.headers()["Idempotent-Replayed"], "true");
    assert_eq!(answered(retried, 201).await, rotated);
    assert_eq!(rotated["verification_method"], format!("{issuer}#key-2"));
    let view = body(
        app.get(&format!("/v1/assessment-bodies/{}", b.id), Some(&officer()))
            .await,
    )
    .await;
    let keys = view["signing_keys"].as_array().unwrap();
    assert_eq!(
        keys.iter().map(|k| k["key_no"].clone()).collect::<Vec<_>>(),
        [json!(1), json!(2)]
    );
    assert!(keys[0]["retired_at"].is_string() && keys[1]["retired_at"].is_null());
    assert_eq!(
        view["public_key_multibase"],
        rotated["public_key_multibase"]
    );

    // What key 1 signed still verifies against the published profile; what
    // is signed from now is key 2's.
    assert_eq!(
        verify(&before, &signing_key_of(&app, &before).await),
        Ok(())
    );
    let (later, _) = certified(&app, &b, 442, "王芳").await;
    let after = body(
        app.get(
            &credential(later["certificate_no"].as_str().unwrap(), "王芳"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        after["proof"]["verificationMethod"],
        format!("{issuer}#key-2")
    );
    let key_2 = signing_key_of(&app, &after).await;
    assert_eq!(verify(&after, &key_2), Ok(()));
    assert!(
        verify(&before, &key_2).is_err(),
        "each credential names its own key"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_personal_data_key_reseals_citizen_ids_and_body_keys_alike() {
    let mut app = start().await;
    let b = file_body(&app, 45, "social_organisation").await;
    let (cert, _) = certified(&app, &b, 451, "林晓明").await;
    let old = app.cfg.service.pii_encryption_keys.clone();
    let mut rotated = app.cfg.clone();
    rotated.service.pii_encryption_keys =
        format!("k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,{old}");
    let pace = db::reseal::Pace {
        batch: 500,
        limit: None,
    };
    let mut seen = Vec::new();
    let run = runtime::rotate_keys::<skill_assessment::SkillAssessment>(&rotated, pace, &mut |p| {
        seen.push(format!("{} {}/{}", p.column, p.resealed, p.to_do))
    })
    .await
    .expect("rotates");
    assert_eq!(run, Some((3, "k2".to_owned())), "{seen:?}");
    assert_eq!(
        seen,
        [
            "candidates.citizen_sealed 0/1",
            "candidates.citizen_sealed 1/1",
            "certificates.citizen_sealed 0/1",
            "certificates.citizen_sealed 1/1",
            "exceptional_certifications.citizen_sealed 0/0",
            "leading_talents.citizen_sealed 0/0",
            "body_signing_keys.seed_sealed 0/1",
            "body_signing_keys.seed_sealed 1/1",
        ]
    );
    let again =
        runtime::rotate_keys::<skill_assessment::SkillAssessment>(&rotated, pace, &mut |_| {})
            .await
            .expect("rotates");
    assert_eq!(again, Some((0, "k2".to_owned())));

    // The old key dropped: the body still signs, with the same key.
    app.cfg.service.pii_encryption_keys = "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into();
    app.base = app.replica().await;
    let vc = body(
        app.get(
            &format!(
                "/v1/public/certificates/{}/credential?holder_name={}",
                cert["certificate_no"].as_str().unwrap(),
                urlencode("林晓明")
            ),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(verify(&vc, &signing_key_of(&app, &vc).await), Ok(()));
    app.stop().await;
}
