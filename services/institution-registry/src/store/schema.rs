//! Tables of the institution_registry schema (see `migrations/`).

diesel::table! {
    institutions (id) {
        id -> Uuid,
        city -> Text,
        credit_code -> Text,
        name -> Text,
        nature -> Text,
        district -> Text,
        address -> Text,
        contact_person -> Text,
        contact_phone -> Text,
        high_skill_base -> Bool,
        status -> Text,
        selection_method -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        applied_by -> Text,
        applied_at -> Timestamptz,
        updated_at -> Timestamptz,
        rating -> Nullable<Text>,
        under_review -> Bool,
    }
}

diesel::table! {
    venues (id) {
        id -> Uuid,
        institution_id -> Uuid,
        name -> Text,
        address -> Text,
        capacity -> Int4,
        occupations -> Array<Text>,
    }
}

diesel::table! {
    teachers (id) {
        id -> Uuid,
        institution_id -> Uuid,
        name -> Text,
        employment -> Text,
        qualification -> Text,
        may_teach -> Jsonb,
    }
}

diesel::table! {
    scopes (institution_id, kind, occupation_code, skill_level) {
        institution_id -> Uuid,
        kind -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    sanctions (id) {
        id -> Int8,
        institution_id -> Uuid,
        action -> Text,
        reason_kind -> Nullable<Text>,
        detail -> Text,
        actor -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    brands (id) {
        id -> Uuid,
        city -> Text,
        name -> Text,
        occupation_codes -> Array<Text>,
        institution_ids -> Array<Uuid>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    catalogue_entries (entry_id) {
        entry_id -> Uuid,
        city -> Text,
        year -> Int4,
        occupation_code -> Text,
        occupation_name -> Text,
        skill_level -> Text,
        subsidy_fen -> Int8,
        withdrawn -> Bool,
        version -> Int4,
    }
}

diesel::table! {
    ratings (id) {
        id -> Uuid,
        institution_id -> Uuid,
        statistical_year -> Int4,
        rating -> Text,
        overridden -> Bool,
        reason -> Nullable<Text>,
        decided_at -> Timestamptz,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    rating_reviews (id) {
        id -> Uuid,
        institution_id -> Uuid,
        note -> Text,
        reviewed_by -> Text,
        reviewed_at -> Timestamptz,
    }
}
