-- Who wrote what: one row per accepted write request (POST, PUT, PATCH,
-- DELETE answered 2xx), with the caller's role, organisation, subject and
-- whoever acted for them. Insert-only for the serving role.
CREATE TABLE audit_trail (
    id           uuid PRIMARY KEY,
    at           timestamptz NOT NULL,
    method       text NOT NULL,
    route        text NOT NULL,
    path         text NOT NULL,
    status       integer NOT NULL,
    actor_sub    text NOT NULL,
    actor_role   text NOT NULL,
    actor_org    text,
    actor_city   text,
    via          text,                      -- who acted for the subject (RFC 8693 act), e.g. the portal
    request_id   text
);
CREATE INDEX audit_trail_by_time ON audit_trail (at);
CREATE INDEX audit_trail_by_actor ON audit_trail (actor_sub, at);

DO $$
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_trail FROM %I', current_schema() || '_app');
END $$;
