//! Public verification, signed credentials and the revocation list.

use serde_json::{json, Value};
use skill_assessment::domain::credential::{parse_multikey, status_bit, verify};
use test_support::body;

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

async fn issuer_key(
    app: &test_support::TestApp<skill_assessment::SkillAssessment>,
    url: &str,
) -> ed25519_dalek::VerifyingKey {
    let path = url
        .strip_prefix("https://assessment.350100.example")
        .expect("our issuer");
    let profile = body(app.get(path, None).await).await;
    parse_multikey(
        profile["verificationMethod"][0]["publicKeyMultibase"]
            .as_str()
            .unwrap(),
    )
    .expect("a key")
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
    let key = issuer_key(&app, vc["issuer"]["id"].as_str().unwrap()).await;
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
    let city_key = issuer_key(&app, list["issuer"].as_str().unwrap()).await;
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
