//! Tables of the demand_catalog schema (see `migrations/`).

diesel::table! {
    occupations (code) {
        code -> Text,
        name -> Text,
        sample -> Bool,
        loaded_at -> Timestamptz,
    }
}

diesel::table! {
    demands (id) {
        id -> Uuid,
        city -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        headcount -> Int4,
        period_from -> Date,
        period_to -> Date,
        channel -> Text,
        submitter_org -> Nullable<Text>,
        submitted_by -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    catalogues (id) {
        id -> Uuid,
        city -> Text,
        year -> Int4,
        status -> Text,
        version -> Int4,
        created_by -> Text,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
        late -> Nullable<Bool>,
    }
}

diesel::table! {
    catalogue_entries (id) {
        id -> Uuid,
        catalogue_id -> Uuid,
        occupation_code -> Text,
        occupation_name -> Text,
        skill_level -> Text,
        urgent -> Bool,
        subsidy_fen -> Int8,
        valid_from -> Date,
        valid_to -> Date,
        withdrawn -> Bool,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    catalogue_changes (id) {
        id -> Int8,
        catalogue_id -> Uuid,
        version -> Int4,
        actor -> Text,
        action -> Text,
        entry_id -> Nullable<Uuid>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        at -> Timestamptz,
    }
}

diesel::joinable!(catalogue_entries -> catalogues (catalogue_id));
diesel::joinable!(catalogue_changes -> catalogues (catalogue_id));
diesel::allow_tables_to_appear_in_same_query!(catalogues, catalogue_entries, catalogue_changes);
