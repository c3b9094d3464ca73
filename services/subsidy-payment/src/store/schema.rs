//! Tables of the subsidy_payment schema (see `migrations/`).

diesel::table! {
    catalogue_entries (entry_id) {
        entry_id -> Uuid,
        city -> Text,
        year -> Int4,
        occupation_code -> Text,
        skill_level -> Text,
        subsidy_fen -> Int8,
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
        as_of -> Timestamptz,
    }
}

diesel::table! {
    completions (enrolment_id) {
        enrolment_id -> Uuid,
        class_id -> Uuid,
        institution_id -> Uuid,
        person_id -> Text,
        target_group -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        completed -> Bool,
        attended_seconds -> Int4,
        planned_seconds -> Int4,
        completed_on -> Date,
        catalogue_year -> Nullable<Int4>,
    }
}

diesel::table! {
    certificates (certificate_id) {
        certificate_id -> Uuid,
        certificate_no -> Text,
        person_id -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        issued_on -> Date,
        revoked -> Bool,
        revoked_on -> Nullable<Date>,
        revoked_reason -> Nullable<Text>,
        body_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    employment_outcomes (enrolment_id) {
        enrolment_id -> Uuid,
        person_id -> Text,
        employed -> Bool,
        employed_on -> Nullable<Date>,
        window_months -> Int4,
    }
}

diesel::table! {
    pots (fund, city, year) {
        fund -> Text,
        city -> Text,
        year -> Int4,
    }
}

diesel::table! {
    ledger_transactions (id) {
        id -> Uuid,
        seq -> Int8,
        kind -> Text,
        claim_id -> Nullable<Uuid>,
        corrects -> Nullable<Uuid>,
        body -> Jsonb,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    ledger_postings (tx_id, line) {
        tx_id -> Uuid,
        line -> Int4,
        account_type -> Text,
        fund -> Text,
        city -> Text,
        year -> Int4,
        payee -> Nullable<Text>,
        amount_fen -> Int8,
    }
}

diesel::table! {
    budget_changes (id) {
        id -> Uuid,
        fund -> Text,
        city -> Text,
        year -> Int4,
        kind -> Text,
        amount_fen -> Int8,
        memo -> Text,
        tx_id -> Uuid,
        changed_by -> Text,
        changed_at -> Timestamptz,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    claims (id) {
        id -> Uuid,
        city -> Text,
        kind -> Text,
        person_id -> Text,
        occupation_code -> Text,
        skill_level -> Text,
        statistical_year -> Int4,
        source_ref -> Text,
        institution_id -> Nullable<Uuid>,
        payee -> Text,
        fund -> Nullable<Text>,
        standard_fen -> Int8,
        amount_fen -> Int8,
        status -> Text,
        risk_score -> Int4,
        reasons -> Jsonb,
        findings -> Jsonb,
        approval_tx -> Nullable<Uuid>,
        created_at -> Timestamptz,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        review_note -> Nullable<Text>,
        paid_on -> Nullable<Date>,
    }
}

diesel::table! {
    payee_accounts (payee) {
        payee -> Text,
        account_sealed -> Bytea,
        account_lookup -> Bytea,
        account_masked -> Text,
        account_name -> Text,
        updated_by -> Text,
        updated_at -> Timestamptz,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    payout_batches (batch_no) {
        batch_no -> Text,
        fund -> Text,
        city -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    payouts (id) {
        id -> Uuid,
        claim_id -> Uuid,
        payee -> Text,
        batch_no -> Text,
        reference -> Text,
        account_sealed -> Bytea,
        account_masked -> Text,
        account_name -> Text,
        amount_fen -> Int8,
        payout_tx -> Uuid,
        status -> Text,
        result_tx -> Nullable<Uuid>,
        reason -> Nullable<Text>,
        sent_at -> Timestamptz,
        settled_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    recoveries (id) {
        id -> Uuid,
        claim_id -> Uuid,
        payee -> Text,
        cause -> Text,
        reason -> Text,
        amount_fen -> Int8,
        recovery_tx -> Uuid,
        status -> Text,
        settled_fen -> Int8,
        ordered_at -> Timestamptz,
    }
}

diesel::table! {
    disputes (id) {
        id -> Uuid,
        claim_id -> Uuid,
        reason -> Text,
        previous_status -> Text,
        filed_by -> Text,
        filed_at -> Timestamptz,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamptz>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    vouchers (id) {
        id -> Uuid,
        person_id -> Text,
        target_group -> Text,
        occupation_code -> Nullable<Text>,
        issued_on -> Date,
        valid_until -> Date,
        state -> Text,
        enrolment_id -> Nullable<Uuid>,
        redeemed_on -> Nullable<Date>,
        issued_by -> Text,
        issued_at -> Timestamptz,
    }
}

diesel::table! {
    pii_reads (id) {
        id -> Uuid,
        subject -> Text,
        purpose -> Text,
        target -> Text,
        read_at -> Timestamptz,
    }
}

diesel::joinable!(payouts -> claims (claim_id));
diesel::joinable!(recoveries -> claims (claim_id));
diesel::joinable!(disputes -> claims (claim_id));
diesel::joinable!(ledger_postings -> ledger_transactions (tx_id));
diesel::allow_tables_to_appear_in_same_query!(claims, payouts, institutions, recoveries, disputes);
diesel::allow_tables_to_appear_in_same_query!(ledger_postings, ledger_transactions);

diesel::table! {
    enrolment_facts (enrolment_id) {
        enrolment_id -> Uuid,
        person_id -> Text,
        class_id -> Uuid,
        target_group -> Text,
        age_at_enrolment -> Nullable<Int4>,
        male -> Nullable<Bool>,
        enrolled_on -> Date,
        class_starts_at -> Nullable<Timestamptz>,
        class_ends_at -> Nullable<Timestamptz>,
        withdrawn -> Bool,
        phone_lookup -> Nullable<Text>,
    }
}

diesel::table! {
    class_alerts (alert_id) {
        alert_id -> Uuid,
        kind -> Text,
        class_id -> Uuid,
        other_class_id -> Uuid,
        at -> Timestamptz,
    }
}

diesel::table! {
    assessment_results (result_id) {
        result_id -> Uuid,
        body_id -> Uuid,
        passed -> Bool,
        assessed_on -> Date,
    }
}

diesel::table! {
    rule_versions (version) {
        version -> Int4,
        rules -> Jsonb,
        fraud -> Jsonb,
        reason -> Text,
        set_by -> Text,
        set_at -> Timestamptz,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    proposals (id) {
        id -> Uuid,
        kind -> Text,
        subject -> Text,
        summary -> Jsonb,
        payload -> Jsonb,
        sealed -> Nullable<Bytea>,
        status -> Text,
        proposed_by -> Text,
        proposed_role -> Text,
        proposed_org -> Nullable<Text>,
        proposed_at -> Timestamptz,
        expires_at -> Timestamptz,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        note -> Nullable<Text>,
        outcome -> Nullable<Jsonb>,
    }
}

diesel::table! {
    payee_account_history (id) {
        id -> Uuid,
        payee -> Text,
        old_masked -> Nullable<Text>,
        new_masked -> Text,
        account_name -> Text,
        proposal_id -> Uuid,
        proposed_by -> Text,
        proposed_at -> Timestamptz,
        approved_by -> Text,
        approved_at -> Timestamptz,
    }
}

diesel::table! {
    insured_months (person_id) {
        person_id -> Text,
        months -> Int4,
        latest_month -> Date,
    }
}

diesel::table! {
    bank_reconciliations (id) {
        id -> Uuid,
        batch_no -> Text,
        file_sha256 -> Text,
        proposed_by -> Text,
        approved_by -> Text,
        reconciled_at -> Timestamptz,
        confirmed -> Int4,
        failed -> Int4,
        missing -> Int4,
        needs_attention -> Int4,
    }
}

diesel::table! {
    bank_reconciliation_lines (reconciliation_id, position) {
        reconciliation_id -> Uuid,
        position -> Int4,
        line -> Nullable<Int4>,
        reference -> Nullable<Text>,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(bank_reconciliation_lines -> bank_reconciliations (reconciliation_id));
diesel::joinable!(bank_reconciliations -> payout_batches (batch_no));
diesel::allow_tables_to_appear_in_same_query!(
    bank_reconciliations,
    bank_reconciliation_lines,
    payout_batches
);
diesel::allow_tables_to_appear_in_same_query!(payouts, payout_batches);
