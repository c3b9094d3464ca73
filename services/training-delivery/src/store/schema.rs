//! Tables of the training_delivery schema (see `migrations/`).

diesel::table! {
    catalogue_entries (entry_id) {
        entry_id -> Uuid,
        city -> Text,
        year -> Int4,
        occupation_code -> Text,
        skill_level -> Text,
        withdrawn -> Bool,
        version -> Int4,
    }
}

diesel::table! {
    institutions (institution_id) {
        institution_id -> Uuid,
        city -> Text,
        credit_code -> Text,
        name -> Text,
        status -> Text,
        scope -> Jsonb,
        as_of -> Timestamptz,
    }
}

diesel::table! {
    teachers (teacher_id) {
        teacher_id -> Uuid,
        institution_id -> Uuid,
        name -> Text,
        may_teach -> Jsonb,
    }
}

diesel::table! {
    venues (venue_id) {
        venue_id -> Uuid,
        institution_id -> Uuid,
        name -> Text,
        capacity -> Int4,
        occupations -> Array<Text>,
    }
}

diesel::table! {
    classes (id) {
        id -> Uuid,
        city -> Text,
        institution_id -> Uuid,
        credit_code -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        year -> Int4,
        capacity -> Int4,
        funding_route -> Text,
        plan -> Jsonb,
        status -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        filed_by -> Text,
        filed_at -> Timestamptz,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (class_id, seq) {
        class_id -> Uuid,
        seq -> Int4,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        venue_id -> Uuid,
        teacher_id -> Uuid,
    }
}

diesel::table! {
    enrolments (id) {
        id -> Uuid,
        class_id -> Uuid,
        person_id -> Text,
        citizen_lookup -> Bytea,
        citizen_sealed -> Bytea,
        citizen_masked -> Text,
        name -> Text,
        phone_sealed -> Bytea,
        target_group -> Text,
        voucher_ref -> Nullable<Text>,
        enrolled_by -> Text,
        enrolled_at -> Timestamptz,
        outcome -> Nullable<Text>,
        attended_hours -> Nullable<Float8>,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawal_reason -> Nullable<Text>,
    }
}

diesel::joinable!(enrolments -> classes (class_id));
diesel::joinable!(sessions -> classes (class_id));
diesel::allow_tables_to_appear_in_same_query!(classes, enrolments, sessions);

diesel::table! {
    attendance (seq) {
        seq -> Int8,
        class_id -> Uuid,
        enrolment_id -> Uuid,
        session_seq -> Int4,
        kind -> Text,
        at -> Timestamptz,
        recorded_by -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    inspections (id) {
        id -> Uuid,
        class_id -> Uuid,
        inspector -> Text,
        at -> Timestamptz,
        findings -> Text,
        photo_urls -> Array<Text>,
    }
}
