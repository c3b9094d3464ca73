-- The application role (`<schema>_app`, made by `provision`) serves; the
-- owner migrates. The application role gets data rights on every table and
-- sequence of the schema, now and as migrations add them; a service's own
-- migration may take some back (subsidy payment's ledger is insert-only).
-- It owns nothing, so it can neither change a table nor disable a trigger.
DO $$
DECLARE
    app text := current_schema() || '_app';
BEGIN
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', current_schema(), app);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', current_schema(), app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', current_schema(), app);
END $$;
