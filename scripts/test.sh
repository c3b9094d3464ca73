#!/usr/bin/env bash
# `make test`: every test that must pass, against real Postgres, Redis and a
# Kafka-protocol broker (a Tansu started here if none answers).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_postgres
ensure_redis
started_broker=""
if ! port_open 127.0.0.1 "$KAFKA_PORT"; then
  start_tansu "memory://tansu/"
  started_broker=1
fi
cleanup() { [ -z "$started_broker" ] || stop_pidfile "$RUN_DIR/tansu.pid"; }
trap cleanup EXIT

# Leftovers of interrupted runs (each test drops its own database); one
# still in use belongs to a run going on beside this one and is left alone.
for db in $(psql_admin "SELECT datname FROM pg_database d WHERE datname LIKE 'qc\_test\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"); do
  psql_admin "DROP DATABASE IF EXISTS $db" || true
done

export QC_TEST_ADMIN_URL="$ADMIN_URL"
export QC_TEST_KAFKA="127.0.0.1:$KAFKA_PORT"
say "building"
cargo build --workspace --bins --tests
say "testing"
if [ $# -gt 0 ]; then cargo test --no-fail-fast "$@"; else cargo test --workspace --no-fail-fast; fi
