//! Diesel's view of the employment_tracking schema (see `migrations/`).

diesel::table! {
    institutions (institution_id) {
        institution_id -> Uuid,
        city -> Text,
        credit_code -> Text,
        name -> Text,
    }
}

diesel::table! {
    completers (enrolment_id) {
        enrolment_id -> Uuid,
        class_id -> Uuid,
        institution_id -> Uuid,
        person_id -> Text,
        target_group -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        completed_on -> Date,
        statistical_year -> Int4,
        window_months -> Int4,
        window_ends_on -> Date,
        outcome -> Nullable<Text>,
        employed_on -> Nullable<Date>,
        employer_credit_code -> Nullable<Text>,
        outcome_source -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    contributions (person_id, month, employer_credit_code) {
        person_id -> Text,
        month -> Date,
        employer_credit_code -> Text,
        citizen_masked -> Text,
        batch_id -> Text,
    }
}

diesel::table! {
    si_batches (submitter, batch_id) {
        submitter -> Text,
        batch_id -> Text,
        content_sha256 -> Text,
        report -> Jsonb,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    employment_records (id) {
        id -> Uuid,
        person_id -> Text,
        citizen_masked -> Text,
        employer_credit_code -> Text,
        job -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        contract_months -> Nullable<Int4>,
        source -> Text,
        conflicting -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    milestones (enrolment_id, months) {
        enrolment_id -> Uuid,
        months -> Int4,
        month -> Date,
        employer_credit_code -> Text,
    }
}

diesel::table! {
    vacancies (id) {
        id -> Uuid,
        employer_credit_code -> Text,
        title -> Text,
        occupation_code -> Text,
        min_skill_level -> Text,
        work_city -> Text,
        headcount -> Int4,
        salary_min_fen -> Nullable<Int8>,
        salary_max_fen -> Nullable<Int8>,
        open_until -> Date,
        posted_by -> Text,
        posted_at -> Timestamptz,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Uuid,
        enrolment_id -> Uuid,
        person_id -> Text,
        vacancy_id -> Uuid,
        score -> Int4,
        recommended_by -> Text,
        recommended_at -> Timestamptz,
    }
}

diesel::table! {
    apprenticeships (id) {
        id -> Uuid,
        person_id -> Text,
        citizen_masked -> Text,
        enterprise_credit_code -> Text,
        occupation_code -> Nullable<Text>,
        school -> Text,
        graduation_on -> Date,
        internship_starts_on -> Date,
        internship_ends_on -> Date,
        status -> Text,
        reasons -> Jsonb,
        contract_employer -> Nullable<Text>,
        employment_starts_on -> Nullable<Date>,
        contract_ends_on -> Nullable<Date>,
        contract_months -> Nullable<Int4>,
        recognised_from -> Nullable<Date>,
        training_months -> Nullable<Int4>,
        registered_by -> Text,
        registered_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(milestones -> completers (enrolment_id));
diesel::joinable!(recommendations -> completers (enrolment_id));
diesel::joinable!(recommendations -> vacancies (vacancy_id));
diesel::joinable!(completers -> institutions (institution_id));

diesel::allow_tables_to_appear_in_same_query!(
    institutions,
    completers,
    contributions,
    si_batches,
    employment_records,
    milestones,
    vacancies,
    recommendations,
    apprenticeships,
);

diesel::table! {
    contribution_uploads (id) {
        id -> Uuid,
        submitter -> Text,
        batch_id -> Text,
        touched_at -> Timestamptz,
    }
}

diesel::table! {
    contribution_staging (upload_id, seq) {
        upload_id -> Uuid,
        seq -> Int4,
        person_id -> Text,
        month -> Date,
        employer_credit_code -> Text,
        citizen_masked -> Text,
    }
}

diesel::joinable!(contribution_staging -> contribution_uploads (upload_id));
diesel::allow_tables_to_appear_in_same_query!(contribution_uploads, contribution_staging);
