//! Tables of the skill_assessment schema (see `migrations/`).

diesel::table! {
    completions (enrolment_id) {
        enrolment_id -> Uuid,
        person_id -> Text,
        class_id -> Uuid,
        institution_id -> Uuid,
        occupation_code -> Text,
        skill_level -> Text,
        completed_on -> Date,
    }
}

diesel::table! {
    bodies (id) {
        id -> Uuid,
        city -> Text,
        credit_code -> Text,
        name -> Text,
        kind -> Text,
        lead_enterprise -> Bool,
        code -> Text,
        valid_from -> Date,
        valid_until -> Date,
        status -> Text,
        filed_by -> Text,
        filed_at -> Timestamptz,
    }
}

diesel::table! {
    body_signing_keys (body_id, key_no) {
        body_id -> Uuid,
        key_no -> Int4,
        public_key -> Bytea,
        seed_sealed -> Bytea,
        created_by -> Text,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    body_scopes (body_id, assessment_kind, occupation_code, skill_level) {
        body_id -> Uuid,
        assessment_kind -> Text,
        occupation_code -> Text,
        skill_level -> Text,
    }
}

diesel::table! {
    body_actions (id) {
        id -> Uuid,
        body_id -> Uuid,
        action -> Text,
        reason -> Text,
        acted_by -> Text,
        acted_at -> Timestamptz,
    }
}

diesel::table! {
    staff (id) {
        id -> Uuid,
        body_id -> Uuid,
        role -> Text,
        name -> Text,
        credential_no -> Text,
        registered_at -> Timestamptz,
    }
}

diesel::table! {
    pass_rules (occupation_code, skill_level) {
        occupation_code -> Text,
        skill_level -> Text,
        theory_min -> Int2,
        practical_min -> Int2,
        set_by -> Text,
        set_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        body_id -> Uuid,
        assessment_kind -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        exam_date -> Date,
        venue -> Text,
        assessor_ids -> Array<Uuid>,
        supervisor_id -> Uuid,
        scheduled_by -> Text,
        scheduled_at -> Timestamptz,
    }
}

diesel::table! {
    candidates (id) {
        id -> Uuid,
        session_id -> Uuid,
        person_id -> Text,
        citizen_sealed -> Bytea,
        citizen_masked -> Text,
        name -> Text,
        route -> Text,
        enrolment_id -> Nullable<Uuid>,
        class_id -> Nullable<Uuid>,
        institution_id -> Nullable<Uuid>,
        experience_years -> Nullable<Int2>,
        registered_at -> Timestamptz,
        theory_score -> Nullable<Int2>,
        practical_score -> Nullable<Int2>,
        passed -> Nullable<Bool>,
        result_id -> Nullable<Uuid>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    certificate_serials (body_id, year2, level_digit) {
        body_id -> Uuid,
        year2 -> Text,
        level_digit -> Text,
        last_serial -> Int4,
    }
}

diesel::table! {
    certificates (id) {
        id -> Uuid,
        certificate_no -> Text,
        body_id -> Uuid,
        candidate_id -> Nullable<Uuid>,
        exceptional_id -> Nullable<Uuid>,
        person_id -> Text,
        citizen_sealed -> Bytea,
        holder_name -> Text,
        assessment_kind -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        route -> Text,
        issued_on -> Date,
        statistical_year -> Int4,
        class_id -> Nullable<Uuid>,
        institution_id -> Nullable<Uuid>,
        status_index -> Int8,
        status -> Text,
        revoked_reason -> Nullable<Text>,
        revoked_on -> Nullable<Date>,
        revoked_by -> Nullable<Text>,
        issued_by -> Text,
        issued_at -> Timestamptz,
    }
}

diesel::table! {
    exceptional_certifications (id) {
        id -> Uuid,
        body_id -> Uuid,
        person_id -> Text,
        citizen_sealed -> Bytea,
        citizen_masked -> Text,
        name -> Text,
        assessment_kind -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        grounds -> Text,
        justification -> Text,
        status -> Text,
        filed_by -> Text,
        filed_at -> Timestamptz,
        reviewed_by -> Nullable<Text>,
        review_note -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    leading_talents (id) {
        id -> Uuid,
        selection_year -> Int4,
        person_id -> Text,
        citizen_sealed -> Bytea,
        citizen_masked -> Text,
        name -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        employer_credit_code -> Text,
        plan -> Jsonb,
        selected_by -> Text,
        selected_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    bodies,
    body_scopes,
    staff,
    sessions,
    candidates,
    certificates,
    completions,
    exceptional_certifications,
);
