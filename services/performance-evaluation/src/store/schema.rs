//! Diesel's view of the performance_evaluation schema (see `migrations/`).

diesel::table! {
    institutions (institution_id) {
        institution_id -> Uuid,
        credit_code -> Text,
        name -> Text,
        status -> Text,
        rating -> Nullable<Text>,
        under_review -> Bool,
    }
}

diesel::table! {
    classes (class_id) {
        class_id -> Uuid,
        institution_id -> Uuid,
        year -> Int4,
        capacity -> Int4,
        status -> Text,
    }
}

diesel::table! {
    completions (enrolment_id) {
        enrolment_id -> Uuid,
        class_id -> Uuid,
        institution_id -> Uuid,
        person_id -> Text,
        skill_level -> Text,
        completed -> Bool,
        completed_on -> Date,
        statistical_year -> Int4,
    }
}

diesel::table! {
    certificates (certificate_id) {
        certificate_id -> Uuid,
        person_id -> Text,
        skill_level -> Text,
        high_skilled -> Bool,
        issued_on -> Date,
        statistical_year -> Int4,
        class_id -> Nullable<Uuid>,
        institution_id -> Nullable<Uuid>,
        status -> Text,
    }
}

diesel::table! {
    outcomes (enrolment_id) {
        enrolment_id -> Uuid,
        institution_id -> Uuid,
        employed -> Bool,
        statistical_year -> Int4,
    }
}

diesel::table! {
    brands (brand_id) {
        brand_id -> Uuid,
        name -> Text,
        registered_on -> Date,
        statistical_year -> Int4,
    }
}

diesel::table! {
    leading_talents (talent_id) {
        talent_id -> Uuid,
        person_id -> Text,
        selection_year -> Int4,
    }
}

diesel::table! {
    fraud_findings (claim_id) {
        claim_id -> Uuid,
        institution_id -> Uuid,
        statistical_year -> Int4,
        source -> Text,
        found_at -> Timestamptz,
    }
}

diesel::table! {
    survey_answers (id) {
        id -> Uuid,
        enrolment_id -> Uuid,
        survey -> Text,
        class_id -> Uuid,
        institution_id -> Uuid,
        statistical_year -> Int4,
        scores -> Array<Int4>,
        mean -> Float8,
        comment -> Nullable<Text>,
        answered_at -> Timestamptz,
    }
}

diesel::table! {
    plans (institution_id, statistical_year) {
        institution_id -> Uuid,
        statistical_year -> Int4,
        planned_trainings -> Int8,
        set_by -> Text,
        set_at -> Timestamptz,
    }
}

diesel::table! {
    formulas (version) {
        version -> Int4,
        formula -> Jsonb,
        note -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    scorecards (institution_id, statistical_year) {
        institution_id -> Uuid,
        statistical_year -> Int4,
        as_of -> Date,
        formula_version -> Int4,
        inputs -> Jsonb,
        scored -> Jsonb,
        score -> Nullable<Float8>,
        computed_rating -> Nullable<Text>,
        rating -> Nullable<Text>,
        overridden -> Bool,
        override_reason -> Nullable<Text>,
        overridden_by -> Nullable<Text>,
        computed_at -> Timestamptz,
    }
}

diesel::table! {
    rating_changes (id) {
        id -> Uuid,
        institution_id -> Uuid,
        statistical_year -> Int4,
        rating -> Text,
        previous -> Nullable<Text>,
        score -> Nullable<Float8>,
        formula_version -> Int4,
        overridden -> Bool,
        reason -> Nullable<Text>,
        decided_by -> Text,
        decided_at -> Timestamptz,
    }
}

diesel::table! {
    dirty (institution_id, statistical_year) {
        institution_id -> Uuid,
        statistical_year -> Int4,
        marked_at -> Timestamptz,
    }
}

diesel::table! {
    targets (statistical_year) {
        statistical_year -> Int4,
        subsidised_trainings -> Int8,
        new_skilled_workers -> Int8,
        high_skilled_share -> Float8,
        training_brands -> Int8,
        leading_talents -> Int8,
        set_by -> Text,
        set_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    institutions,
    classes,
    completions,
    certificates,
    outcomes,
    brands,
    leading_talents,
    fraud_findings,
    survey_answers,
    plans,
    formulas,
    scorecards,
    rating_changes,
    dirty,
    targets,
);
